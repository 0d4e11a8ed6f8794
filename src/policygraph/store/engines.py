"""Two SPARQL engines, one answer: rdflib (in memory, the default) and Oxigraph (pyoxigraph).

Both run the same NamedQuery with the same parameter bindings — never pasted into the query
text: rdflib gets them as initBindings, Oxigraph as substitutions (SEP-0007) — and both return
rows as dicts of rdflib terms, so results can be compared row for row (tests/test_engines.py).

Example:
    >>> engine = engine_for("oxigraph", graph)
    >>> engine.run(library.get("kpi-status"))[0]["status"]
"""
from __future__ import annotations

import re
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.convert import PREFIXES
from policygraph.query.sparql import NamedQuery, bindings, run

ENGINES = ("rdflib", "oxigraph")


class Engine(Protocol):
    name: str

    def run(self, query: NamedQuery, **params) -> list[dict[str, object]]: ...


class RdflibEngine:
    name = "rdflib"

    def __init__(self, graph: Graph):
        self.graph = graph

    def run(self, query: NamedQuery, **params) -> list[dict[str, object]]:
        return run(self.graph, query, **params)


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

    def run(self, query: NamedQuery, **params) -> list[dict[str, object]]:
        bound = {ox.Variable(k): to_oxigraph(v) for k, v in bindings(query, params).items()}
        query.prepared()  # the same syntax check, with line and column, as on rdflib
        text, added = project_parameters(query.text, list(params))
        try:
            solutions = self.store.query(text, substitutions=bound,
                                         prefixes={k: str(v) for k, v in PREFIXES.items()})
        except SyntaxError as exc:
            raise PolicygraphError.single(f"SPARQL error (Oxigraph): {exc}", EXIT_INPUT, file=query.path) from exc
        names = [v.value for v in solutions.variables if v.value not in added]
        return [{n: from_oxigraph(sol[n]) for n in names} for sol in solutions]


_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OUTER_SELECT = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?", re.IGNORECASE)


def project_parameters(text: str, names: list[str]) -> tuple[str, set[str]]:
    """Oxigraph substitutes only variables of the SELECT clause (SEP-0007); rdflib binds any.

    So a parameter the query does not project is added to the outer SELECT — its variable *name*
    (checked to be a plain name), never its value — and dropped from the rows again.
    """
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        m = _OUTER_SELECT.search(code)
        if not m:
            continue
        head = code[m.end():].lstrip()
        projected = set(re.findall(r"\?(\w+)", " ".join(lines[i:]).split("WHERE", 1)[0].split("{", 1)[0]))
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
