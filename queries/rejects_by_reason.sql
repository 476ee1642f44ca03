-- Rejects per night by stage and kind of reason (the text before the first colon), newest night first.
SELECT ingest_date, stage, regexp_extract(reason, '^[^:(]*') AS reason, count(*) AS n
FROM rejects
GROUP BY ALL
ORDER BY ingest_date DESC, n DESC
