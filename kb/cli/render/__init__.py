"""Everything the CLI prints: aligned terminal tables (``table``), indicators, series and search results
(``indicators``), the parse summary (``summary``) and the findings report, JSON and CSV (``findings``)."""
