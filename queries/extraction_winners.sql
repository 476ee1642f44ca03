-- Which extractor (or agreement of extractors) produced the bodies, per source.
SELECT source, extractor, count(*) AS articles
FROM articles
GROUP BY ALL
ORDER BY source, articles DESC
