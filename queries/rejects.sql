-- Every input that did not become an article: the stage that turned it away, why, and where it came from.
SELECT stage, reason, location FROM rejects
