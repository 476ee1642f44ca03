-- The pairs of entities most often mentioned in the same article (the ten strongest co-occurrences).
WITH mentioned AS (SELECT DISTINCT article_id, entity_key FROM entities)
SELECT a.entity_key AS first, b.entity_key AS second, count(*) AS articles
FROM mentioned a JOIN mentioned b ON a.article_id = b.article_id AND a.entity_key < b.entity_key
GROUP BY ALL
ORDER BY articles DESC, first, second
LIMIT 10
