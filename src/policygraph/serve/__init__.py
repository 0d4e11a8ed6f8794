"""`policygraph serve`: the web app over the built store — a read-only SPARQL endpoint, a page per named
query, and audit pages (`app`), with queries run in worker processes (`workers`)."""
