"""What the web pages read, as functions a query worker runs: each takes the worker's engine first
and returns plain, picklable data (the web app renders it). They reuse the query stage — the named
query runner, the trace, the gap report — and the views' record model, never a second copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from policygraph.graph.namespaces import PREFIXES
from policygraph.graph.terms import plain

_RECORD = str(PREFIXES["pgr"])


@dataclass
class Table:
    """Rows of plain values (record IRIs as ids) with their columns; `linked[i]` names the columns of
    row i that hold a record id (the page links them to /id/…)."""

    columns: list[str]
    rows: list[dict]
    linked: list[set[str]] = field(default_factory=list)


def table_of(rows, columns: list[str] | None = None) -> Table:
    """A `Rows` result (dicts of RDF terms) as a Table."""
    columns = list(columns if columns is not None else rows.columns)
    linked = [{c for c in columns if isinstance(r.get(c), URIRef) and str(r[c]).startswith(_RECORD)} for r in rows]
    return Table(columns, [{c: plain(r.get(c)) for c in columns} for r in rows], linked)


def named_rows(engine, folders: list[Path], name: str, params: dict[str, str]) -> Table:
    """The rows of a named query with its parameters bound, as `policygraph query NAME --param …`
    prints them: values are bound (`parse_param`), never pasted into the query text."""
    from policygraph.query.sparql import QueryLibrary, parse_param
    query = QueryLibrary(folders).get(name)
    return table_of(engine.run(query, **{k: parse_param(v) for k, v in params.items()}))
