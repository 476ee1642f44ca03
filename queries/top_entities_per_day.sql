-- The five most-mentioned entities of each ingest date in the last 30 days (by articles mentioning them).
SELECT ingest_date, entity_key, any_value(canonical) AS name, count(DISTINCT article_id) AS articles
FROM entities
WHERE ingest_date > (SELECT max(ingest_date) FROM entities) - INTERVAL 30 DAY
GROUP BY ingest_date, entity_key
QUALIFY row_number() OVER (PARTITION BY ingest_date ORDER BY articles DESC, entity_key) <= 5
ORDER BY ingest_date, articles DESC
