-- Everything one speaker was quoted saying, newest first, with the article's title and URL
-- (copy the file and put your speaker's name in place of the example).
SELECT q.ingest_date, q.quote, q.cue, a.title, a.url
FROM quotes q JOIN articles a USING (article_id, ingest_date)
WHERE q.speaker = 'Mira Castell'
ORDER BY q.ingest_date DESC, a.title
