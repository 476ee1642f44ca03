-- Articles stored per host per ingest date, over the last 30 days of the warehouse.
SELECT ingest_date, host, count(*) AS articles
FROM articles
WHERE ingest_date > (SELECT max(ingest_date) FROM articles) - INTERVAL 30 DAY
GROUP BY ALL
ORDER BY ingest_date, articles DESC, host
