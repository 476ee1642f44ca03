-- Who is quoted most: the ten speakers with the most quotations, over every night.
SELECT speaker, count(*) n FROM quotes GROUP BY speaker ORDER BY n DESC LIMIT 10
