"""The command line: `app` registers the commands of one module per group (build, trace, corpus,
queries, validate, viz); `options` holds what they share and imports none of them."""
