"""Two SPARQL engines, one answer: rdflib (in memory, the default) and Oxigraph (pyoxigraph).

Both run the same named query (anything with `text`, `path`, `prepared()`, `projected` and `bind()`,
such as `policygraph.query.sparql.NamedQuery`; this stage does not import the query stage) with the
same parameter bindings — never pasted into the query
text: rdflib gets them as initBindings, Oxigraph as substitutions (SEP-0007) — and both return
`Rows`: dicts of rdflib terms that know their columns, so results can be compared row for row (tests/test_engines.py).

Example:
    >>> engine = engine_for("oxigraph", graph)
    >>> rows = engine.run(library.get("kpi-status"))
    >>> rows.columns[:2], len(rows) == len(engine_for("rdflib", graph).run(library.get("kpi-status")))
    (['kpi', 'label'], True)
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.convert import PREFIXES

ENGINES = ("rdflib", "oxigraph")


class Rows(list):
    """Result rows (dicts of rdflib terms, None where unbound) that also carry their `columns`, in the
    query's SELECT order, so an empty result still has a header.

    >>> rows = Rows([{"a": 1}], ["a"])
    >>> rows == [{"a": 1}], rows.columns
    (True, ['a'])
    """

    def __init__(self, rows: Iterable[dict] = (), columns: Iterable[str] = ()):
        super().__init__(rows)
        self.columns = list(columns)


class Query(Protocol):
    """What an engine needs of a named query."""

    text: str
    path: Path

    def prepared(self) -> object: ...

    @property
    def projected(self) -> list[str]: ...

    def bind(self, params: dict) -> dict[str, URIRef | Literal]: ...


class Engine(Protocol):
    name: str

    def run(self, query: Query, **params) -> Rows: ...


class RdflibEngine:
    name = "rdflib"

    def __init__(self, graph: Graph):
        self.graph = graph

    def run(self, query: Query, **params) -> Rows:
        bound = {Variable(k): v for k, v in query.bind(params).items()}
        result = self.graph.query(query.prepared(), initBindings=bound, initNs=PREFIXES)
        names = [str(v) for v in result.vars or []]
        return Rows(({n: row[i] for i, n in enumerate(names)} for row in result), names)


def to_oxigraph(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def from_oxigraph(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value if term.datatype else None
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = None  # rdflib keeps plain literals untyped
    return Literal(term.value, datatype=datatype)


def load_store(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding the triples of an rdflib graph (via N-Triples)."""
    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    if hasattr(ox, "RdfFormat"):
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
    else:  # pyoxigraph 0.4
        store.load(data, mime_type="application/n-triples")
    return store


class OxigraphEngine:
    name = "oxigraph"

    def __init__(self, graph: Graph | None = None, store: ox.Store | None = None):
        self.store = store if store is not None else load_store(graph)

    def run(self, query: Query, **params) -> Rows:
        bound = {ox.Variable(k): to_oxigraph(v) for k, v in query.bind(params).items()}
        query.prepared()  # the same syntax check, with line and column, as on rdflib
        text, added = project_parameters(query.text, list(params), query.projected)
        try:
            solutions = self.store.query(text, substitutions=bound,
                                         prefixes={k: str(v) for k, v in PREFIXES.items()})
        except SyntaxError as exc:
            raise PolicygraphError.single(f"SPARQL error (Oxigraph): {exc}", EXIT_INPUT, file=query.path) from exc
        names = [v.value for v in solutions.variables if v.value not in added]
        return Rows(({n: from_oxigraph(sol[n]) for n in names} for sol in solutions), names)


_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OUTER_SELECT = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?", re.IGNORECASE)


def project_parameters(text: str, names: list[str], projected: list[str] | None = None) -> tuple[str, set[str]]:
    """Oxigraph substitutes only variables of the SELECT clause (SEP-0007); rdflib binds any.

    So a parameter the query does not project is added to the outer SELECT — its variable *name*
    (checked to be a plain name), never its value — and dropped from the rows again. `projected` is
    what the SPARQL parser reads as the query's SELECT variables (`NamedQuery.projected`); without
    it the text is parsed here.

    >>> project_parameters("SELECT ?a WHERE { ?a ?p ?node }", ["node"])
    ('SELECT ?node ?a WHERE { ?a ?p ?node }', {'node'})
    """
    if projected is None:
        from rdflib.plugins.sparql import prepareQuery
        projected = [str(v) for v in (prepareQuery(text).algebra.get("PV") or [])]
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        m = _OUTER_SELECT.search(code)
        if not m:
            continue
        head = code[m.end():].lstrip()
        if head.startswith("*"):
            return text, set()
        missing = [n for n in names if n not in projected]
        for n in missing:
            if not _VARNAME.match(n):
                raise PolicygraphError.single(f"parameter name {n!r} is not a SPARQL variable name", EXIT_INPUT)
        if not missing:
            return text, set()
        lines[i] = line[:m.end()] + "".join(f"?{n} " for n in missing) + line[m.end():]
        return "".join(lines), set(missing)
    return text, set()


def engine_for(name: str, graph: Graph) -> Engine:
    if name == "rdflib":
        return RdflibEngine(graph)
    if name == "oxigraph":
        return OxigraphEngine(graph)
    raise PolicygraphError.single(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}", EXIT_INPUT,
                                  field="--engine")
