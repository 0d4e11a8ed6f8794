"""Views: terminal rendering, HTML views and their model, exports, ontology docs."""

#: The most records `viz graph` and `viz gaps` draw (a bigger page becomes too slow to use); kept here,
#: light to import, so the CLI can show it in --help without importing the views.
DEFAULT_MAX_NODES = 2000
