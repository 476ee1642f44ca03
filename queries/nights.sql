-- The last fourteen attempts at a night: status, what they stored, and how long they took.
SELECT ingest_date, status, articles, entities, quotes, rejects, duplicates,
       round(epoch(finished_at - started_at), 1) AS seconds, message
FROM runs
ORDER BY started_at DESC
LIMIT 14
