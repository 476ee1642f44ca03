"""The static run report, `WAREHOUSE/report/index.html`, rewritten after each night: what the
night stored and turned away, over the last 30 nights, as plain HTML with inline SVG charts (no
script, no request to anywhere), and the data dictionary beside it."""
