"""Named SPARQL queries (queries/*.rq) with header metadata and safe parameter binding.

A query file starts with comment lines:

    # title: Trace a directive or document to its KPIs
    # description: ...
    # param: root — IRI of a directive or a policy document

Parameters are bound as initial bindings (never pasted into the query text), so a hostile value
stays a value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery

from .errors import EXIT_INPUT, PolicygraphError
from .graph import PREFIXES

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*)$")


@dataclass
class NamedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "NamedQuery":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicygraphError.single(f"cannot read query: {exc}", EXIT_INPUT, file=path) from exc
        q = cls(path.stem, path, text)
        for line in text.splitlines():
            m = _HEADER.match(line.strip())
            if not m:
                if line.strip() and not line.lstrip().startswith("#"):
                    break
                continue
            key, value = m.groups()
            if key == "param":
                pname, desc = _split_param(value)
                q.params[pname] = desc
            else:
                setattr(q, key, value)
        return q

    def prepared(self):
        try:
            return prepareQuery(self.text)
        except Exception as exc:  # pyparsing.ParseException and friends
            line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
            where = f" at line {line}, column {col}" if line else ""
            raise PolicygraphError.single(f"SPARQL syntax error{where}: {getattr(exc, 'msg', exc)}",
                                          EXIT_INPUT, file=self.path, line=line) from exc


def _split_param(value: str) -> tuple[str, str]:
    parts = re.split(r"\s+[—–-]+\s+", value, maxsplit=1)
    return (parts[0].strip(), parts[1].strip() if len(parts) > 1 else "")


class QueryLibrary:
    def __init__(self, folder: Path):
        self.folder = folder
        self._cache: dict[str, NamedQuery] = {}

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.rq"))

    def get(self, name: str) -> NamedQuery:
        if name not in self._cache:
            path = self.folder / f"{name}.rq"
            if not path.is_file():
                raise PolicygraphError.single(f"no query named {name!r} (see `policygraph queries`)", EXIT_INPUT,
                                              file=path)
            self._cache[name] = NamedQuery.read(path)
        return self._cache[name]


def run(graph: Graph, query: NamedQuery, **params) -> list[dict[str, object]]:
    """Run a named query with parameters bound safely; rows as dicts of Python values (None if unbound)."""
    unknown = set(params) - set(query.params)
    if unknown:
        raise PolicygraphError.single(f"unknown parameter(s) {', '.join(sorted(unknown))} for query {query.name}; "
                                      f"it takes {', '.join(query.params) or 'none'}", EXIT_INPUT, file=query.path)
    bindings = {Variable(k): v if isinstance(v, (URIRef, Literal)) else Literal(v) for k, v in params.items()}
    result = graph.query(query.prepared(), initBindings=bindings, initNs=PREFIXES)
    names = [str(v) for v in result.vars]
    return [{n: row[i] for i, n in enumerate(names)} for row in result]
