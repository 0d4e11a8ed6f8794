"""policygraph: trace Japanese government reform mandates to measured outcomes.

The public API, re-exported here (imported on first use, so ``import policygraph`` stays light)::

    >>> import policygraph
    >>> project = policygraph.Project.locate()
    >>> engine = policygraph.open_graph(project)      # the embedded store (or an in-memory build)
    >>> policygraph.trace(engine, policygraph.QueryLibrary(project.query_dirs), "未来投資戦略2017")["root"]["id"]
    'doc-future-investment-2017'
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: name → module that defines it.
_API = {
    "Project": "policygraph.project",
    "PolicygraphError": "policygraph.errors",
    "build": "policygraph.pipeline",
    "build_in_memory": "policygraph.pipeline",
    "validate": "policygraph.pipeline",
    "open_graph": "policygraph.pipeline",
    "QueryLibrary": "policygraph.query.sparql",
    "NamedQuery": "policygraph.query.sparql",
    "trace": "policygraph.query.trace",
    "gap_report": "policygraph.query.gaps",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'policygraph' has no attribute {name!r}")
