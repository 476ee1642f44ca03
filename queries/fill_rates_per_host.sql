-- How complete the metadata is per host: the share of articles with a title, a publication date, authors.
SELECT host, count(*) AS articles,
       round(avg(CASE WHEN title IS NOT NULL AND title <> '' THEN 1 ELSE 0 END), 3) AS title,
       round(avg(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END), 3) AS published_at,
       round(avg(CASE WHEN len(authors) > 0 THEN 1 ELSE 0 END), 3) AS authors
FROM articles
GROUP BY host
ORDER BY articles DESC, host
