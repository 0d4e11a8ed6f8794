"""Named SPARQL queries (queries/*.rq) with header metadata and safe parameter binding.

A query file starts with comment lines:

    # title: Trace a directive or document to its KPIs
    # description: ...
    # param: root — IRI of a directive or a policy document

Parameters are bound as initial bindings (never pasted into the query text), so a hostile value
stays a value.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, URIRef

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.namespaces import PREFIXES
from policygraph.store.engines import Rows
from policygraph.store.safety import PARSE_LOCK as _PARSE_LOCK  # one lock for every rdflib parse

_HEADER = re.compile(r"^#\s*(title_ja|title|description|param)\s*:\s*(.*)$")


@dataclass
class NamedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    #: The title in Japanese (`# title_ja:`), shown beside the English one where the pages are bilingual.
    title_ja: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)
    _compiled: object = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, path: Path) -> NamedQuery:
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
        """The parsed query (cached: parsing costs more than running most queries on small graphs)."""
        if self._compiled is None:
            self._compiled = self._prepare()
        return self._compiled

    @property
    def projected(self) -> list[str]:
        """The variables the query returns, in order, read by the SPARQL parser (all in scope for SELECT *)."""
        return [str(v) for v in (self.prepared().algebra.get("PV") or [])]

    def bind(self, params: dict) -> dict[str, URIRef | Literal]:
        """`params` checked against the `# param:` header, as RDF terms (see `bindings`)."""
        return bindings(self, params)

    def parse(self, params: dict[str, str]) -> dict[str, URIRef | Literal]:
        """Values typed by a user (the CLI's `--param`, a named-query page's form) as RDF terms, each read
        as its `# param:` line declares (`param_kind`): a search text that looks like a record id stays
        text, a mistyped IRI is an error rather than a silent literal. Names not in the header are left
        to `bindings`, which refuses them."""
        return {k: parse_param(v, self.kind(k), k) for k, v in params.items()}

    def kind(self, name: str) -> str | None:
        """What the `# param:` line of `name` says its value is (`param_kind`)."""
        return param_kind(self.params.get(name, ""))

    def _prepare(self):
        from rdflib.plugins.sparql import (
            prepareQuery,  # slow to import: only when rdflib runs a query
        )
        try:
            with _PARSE_LOCK:  # rdflib's parser (pyparsing) is not thread-safe
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
    """The named queries of one or more folders of `.rq` files; where two folders hold the same name,
    the first wins (a project's queries/ before the shipped ones, see `Project.query_dirs`)."""

    def __init__(self, folders: Path | Sequence[Path]):
        self.folders = [folders] if isinstance(folders, Path) else list(folders)
        self._cache: dict[str, NamedQuery] = {}

    @property
    def folder(self) -> Path:
        """The first folder: where a query is looked for first."""
        return self.folders[0]

    def path(self, name: str) -> Path | None:
        for folder in self.folders:
            path = folder / f"{name}.rq"
            if path.is_file():
                return path
        return None

    def names(self) -> list[str]:
        return sorted({p.stem for folder in self.folders for p in folder.glob("*.rq")})

    def get(self, name: str) -> NamedQuery:
        if name not in self._cache:
            path = self.path(name)
            if path is None:
                from policygraph.query.names import did_you_mean
                raise PolicygraphError.single(f"no query named {name!r}{did_you_mean(name, self.names())} "
                                              "(`policygraph queries` lists them)", EXIT_INPUT)
            self._cache[name] = NamedQuery.read(path)
        return self._cache[name]


def bindings(query: NamedQuery, params: dict) -> dict[str, URIRef | Literal]:
    """Check parameter names against the query's `# param:` header; values become RDF terms.

    Shared by every engine, so a parameter means the same thing on rdflib and on Oxigraph.
    """
    unknown = set(params) - set(query.params)
    if unknown:
        raise PolicygraphError.single(f"unknown parameter(s) {', '.join(sorted(unknown))} for query {query.name}; "
                                      f"it takes {', '.join(query.params) or 'none'}", EXIT_INPUT, file=query.path)
    return {k: v if isinstance(v, (URIRef, Literal)) else Literal(v) for k, v in params.items()}


RECORD_ID = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SAFE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def param_kind(description: str) -> str | None:
    """What a `# param:` line says its value is: "iri" (the description opens with "IRI"), "date"
    (it names a date), "text" (it names a text, string or literal), or None: guessed from the value.

    >>> param_kind("IRI of a KPI (optional)"), param_kind("the search text, lower-cased")
    ('iri', 'text')
    >>> param_kind("the as-of date"), param_kind("a threshold")
    ('date', None)
    """
    words = description.strip().lower()
    if re.match(r"^(an? |the )?iris?\b", words):
        return "iri"
    if re.search(r"\bdates?\b", words):
        return "date"
    if re.search(r"\b(text|string|literal|word|phrase)s?\b", words):
        return "text"
    return None


def parse_param(text: str, kind: str | None = None, name: str = "") -> URIRef | Literal:
    """A parameter value typed by a user as an RDF term, read as `kind` (`param_kind`) says.

    - "text": a plain literal, whatever it looks like (`text=telework` is a search text, not a record).
    - "iri": a record id (kpi-cloud-municipalities), `pg:Name`/`pgr:id` (expanded) or an http(s) IRI;
      anything else is an error naming the parameter.
    - "date": an ISO date (2019-08-01) as an xsd:date literal; anything else is an error.
    - None (the query does not say): an ISO date becomes xsd:date, a record id, CURIE or http(s) IRI an
      IRI, anything else a plain literal.

    >>> parse_param("dir-guideline-1")
    rdflib.term.URIRef('https://w3id.org/policygraph/id/dir-guideline-1')
    >>> parse_param("dir-guideline-1", "text")
    rdflib.term.Literal('dir-guideline-1')
    >>> parse_param('x" }')
    rdflib.term.Literal('x" }')
    >>> parse_param("2019-08-01").datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#date')
    """
    field_name = f"--param {name}" if name else "--param"
    if kind == "text":
        return Literal(text)
    if _DATE.match(text):  # 2017-02-30 is not silently an id, whatever the parameter
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise PolicygraphError.single(f"not a real date: {exc}", EXIT_INPUT, field=field_name,
                                          value=text) from exc
        if kind == "iri":
            raise _not_an_iri(field_name, text)
        return Literal(day, datatype=XSD.date)
    if kind == "date":
        raise PolicygraphError.single("this parameter is a date: write it as YYYY-MM-DD (e.g. 2019-08-01)",
                                      EXIT_INPUT, field=field_name, value=text)
    if RECORD_ID.match(text):
        return URIRef(str(PREFIXES["pgr"]) + text)
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and _LOCAL_NAME.match(local):
        return URIRef(str(PREFIXES[prefix]) + local)
    if _SAFE_IRI.match(text):
        return URIRef(text)
    if kind == "iri":
        raise _not_an_iri(field_name, text)
    return Literal(text)


def _not_an_iri(field_name: str, text: str) -> PolicygraphError:
    return PolicygraphError.single("this parameter is an IRI: give a record id (kpi-cloud-municipalities), "
                                   "a prefixed name (pg:KPI) or an http(s) IRI", EXIT_INPUT,
                                   field=field_name, value=text)


def run(graph: Graph, query: NamedQuery, **params) -> Rows:
    """Run a named query on an rdflib graph with parameters bound safely: rows as dicts of rdflib terms
    (None if unbound), with `.columns` in SELECT order even when there is no row.

    >>> from policygraph.graph.namespaces import PG
    >>> g = Graph(); _ = g.add((URIRef("https://w3id.org/policygraph/id/d"), RDF.type, PG.PolicyDocument))
    >>> q = NamedQuery("docs", Path("docs.rq"), "PREFIX pg: <https://w3id.org/policygraph/ontology#> "
    ...                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    ...                "SELECT ?doc ?label WHERE { ?doc a pg:PolicyDocument OPTIONAL { ?doc rdfs:label ?label } }")
    >>> rows = run(g, q)
    >>> rows.columns, [str(r["doc"]) for r in rows], rows[0]["label"]
    (['doc', 'label'], ['https://w3id.org/policygraph/id/d'], None)
    """
    from policygraph.store.engines import RdflibEngine
    return RdflibEngine(graph).run(query, **params)
