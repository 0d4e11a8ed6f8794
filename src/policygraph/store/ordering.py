"""A query's final ORDER BY done in Python, for Oxigraph's store on disk.

Oxigraph compares two IRIs or strings by reading both from the store's dictionary, once per comparison:
on the embedded store (RocksDB, read-only) that is a lookup each time, and sorting 4,308 KPIs by IRI
takes ~190 ms where reading them takes 13 ms (in memory: 11 ms). The rows come back as Python strings
anyway, so `OxigraphEngine` runs the query without its last ORDER BY (and LIMIT/OFFSET) and sorts the
rows here — in SPARQL's order as Oxigraph implements it (unbound < blank node < IRI < literal; IRIs and
strings by code point; numbers by value; ties in the order the rows came, as Oxigraph's stable sort
keeps them) — whenever that order is certain:

- the conditions are `?v`, `STR(?v)`, `LANG(?v)` or `STRLEN(STR(?v))`, each bare or in ASC()/DESC(),
  over projected variables (STR of an IRI or a string only: rdflib and Oxigraph write other values in
  canonical forms of their own);
- the values compared within a condition are of one kind: unbound, at most one blank node (Oxigraph does
  not order blank nodes among themselves), IRIs, and literals of one family (strings, with or without a
  language: by value, then one with a language before one without, then by language; integers, decimals,
  floats and doubles; booleans; or one of xsd:date, xsd:dateTime without fractions, xsd:gYear,
  xsd:gYearMonth without a time zone). Literals of two families are incomparable, and Oxigraph's order of
  them is its sort's accident, not a rule to copy.

Anything else (an expression, a value outside those kinds) is sorted by Oxigraph: `plan` returns None for
the text, or `Plan.apply` returns None for the rows, and the engine runs the query as written.

>>> p = plan("SELECT ?a ?b WHERE { ?a ?p ?b } ORDER BY ?a DESC(STR(?b)) LIMIT 2 OFFSET 1")
>>> p.text, p.keys, p.limit, p.offset
('SELECT ?a ?b WHERE { ?a ?p ?b }', (('a', 'var', False), ('b', 'str', True)), 2, 1)
>>> from rdflib import Literal, URIRef
>>> rows = [{"a": URIRef("urn:b"), "b": Literal("x")}, {"a": URIRef("urn:a"), "b": Literal("y")},
...         {"a": URIRef("urn:a"), "b": Literal("z")}, {"a": None, "b": Literal("w")}]
>>> [(r["a"], str(r["b"])) for r in p.apply(rows, ["a", "b"])]
[(rdflib.term.URIRef('urn:a'), 'z'), (rdflib.term.URIRef('urn:a'), 'y')]
>>> plan("SELECT ?a WHERE { ?a ?p ?b } ORDER BY DESC(COUNT(?b))") is None  # an expression: Oxigraph sorts
True
>>> plan("SELECT ?n WHERE { ?a ?p ?n } ORDER BY ?n").apply([{"n": Literal(2)}, {"n": Literal("x")}], ["n"]) is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Literal, URIRef

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = URIRef(f"{_XSD}string")
_VAR = r"\?([A-Za-z_][A-Za-z0-9_]*)"
_EXPR = (rf"(?:{_VAR}|STR\s*\(\s*{_VAR}\s*\)|LANG\s*\(\s*{_VAR}\s*\)"
         rf"|STRLEN\s*\(\s*STR\s*\(\s*{_VAR}\s*\)\s*\))")
_COND = re.compile(rf"(?:(ASC|DESC)\s*\(\s*{_EXPR}\s*\)|{_EXPR})", re.IGNORECASE)
_TAIL = re.compile(rf"\bORDER\s+BY((?:\s*(?:(?:ASC|DESC)\s*\(\s*{_EXPR}\s*\)|{_EXPR}))+)"
                   r"((?:\s+(?:LIMIT|OFFSET)\s+\d+)*)\s*\Z", re.IGNORECASE)
_SLICE = re.compile(r"(LIMIT|OFFSET)\s+(\d+)", re.IGNORECASE)
_TRAILING_COMMENTS = re.compile(r"(?:\s*\n[ \t]*#[^\n]*)+\s*\Z")

_NUMERIC = {f"{_XSD}integer": Decimal, f"{_XSD}decimal": Decimal, f"{_XSD}float": float, f"{_XSD}double": float}
_TEMPORAL = {f"{_XSD}date": re.compile(r"\d{4}-\d{2}-\d{2}"),
             f"{_XSD}dateTime": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
             f"{_XSD}gYear": re.compile(r"\d{4}"), f"{_XSD}gYearMonth": re.compile(r"\d{4}-\d{2}")}


class _Unsure(Exception):
    """The rows hold values whose order Oxigraph decides by no rule this module copies."""


@dataclass(frozen=True)
class Plan:
    #: The query without its final ORDER BY, LIMIT and OFFSET.
    text: str
    #: (variable, "var" | "str" | "lang" | "strlen", descending) per condition, most significant first.
    keys: tuple[tuple[str, str, bool], ...]
    limit: int | None
    offset: int

    def apply(self, rows: list[dict], columns: list[str]) -> list[dict] | None:
        """`rows` (dicts of rdflib terms, as the query without ORDER BY gave them) in the query's order and
        slice, or None when that order is not certain here (see the module)."""
        if any(var not in columns for var, _, _ in self.keys):
            return None
        try:
            out = list(rows)
            for var, kind, descending in reversed(self.keys):  # stable: least significant first
                keys = _keys([_value(row.get(var), kind) for row in out])
                order = sorted(range(len(out)), key=keys.__getitem__, reverse=descending)
                out = [out[i] for i in order]
        except _Unsure:
            return None
        end = None if self.limit is None else self.offset + self.limit
        return out[self.offset:end]


def plan(text: str) -> Plan | None:
    """How to run `text` with its final ORDER BY done in Python, or None when it has none or one this
    module does not sort (see the module)."""
    body = _TRAILING_COMMENTS.sub("", text).rstrip()
    m = _TAIL.search(body)
    if m is None:
        return None
    keys = []
    for c in _COND.finditer(m.group(1)):
        direction, *names = c.groups()
        # groups: ASC/DESC, then (var, STR var, LANG var, STRLEN var) inside it, then the same bare
        inner, bare = names[:4], names[4:]
        slots = inner if direction else bare
        kind = ("var", "str", "lang", "strlen")[next(i for i, v in enumerate(slots) if v)]
        keys.append((next(v for v in slots if v), kind, bool(direction) and direction.upper() == "DESC"))
    limit, offset = None, 0
    for word, number in _SLICE.findall(m.group(len(m.groups()))):
        if word.upper() == "LIMIT":
            limit = int(number)
        else:
            offset = int(number)
    return Plan(body[:m.start()].rstrip(), tuple(keys), limit, offset)


def _value(term, kind: str):
    """The value a condition compares: the term itself, or STR / LANG / STRLEN(STR) of it (None: unbound,
    as an expression's error is)."""
    if kind == "var" or term is None:
        return term
    if kind == "lang":
        return Literal(term.language or "") if isinstance(term, Literal) else None
    if isinstance(term, BNode):
        return None
    if isinstance(term, Literal) and not term.language and term.datatype not in (None, _XSD_STRING):
        # rdflib writes a typed value in its own canonical form (0E0 -> 0.0), not always Oxigraph's
        raise _Unsure(f"STR of a literal of {term.datatype}")
    return Literal(str(term)) if kind == "str" else Literal(len(str(term)))


def _keys(values: list) -> list[tuple]:
    """A sort key per value, in SPARQL's order as Oxigraph implements it; _Unsure when the values are not
    all comparable by that order."""
    family = None
    blanks = 0
    out = []
    for v in values:
        if v is None:
            out.append((0,))
        elif isinstance(v, BNode):
            blanks += 1
            if blanks > 1:
                raise _Unsure("two blank nodes")
            out.append((1,))
        elif isinstance(v, URIRef):
            out.append((2, str(v)))
        elif isinstance(v, Literal):
            kind, key = _literal_key(v)
            if family is None:
                family = kind
            elif family != kind:
                raise _Unsure(f"{family} and {kind} literals")
            out.append((3, key))
        else:
            raise _Unsure(f"a {type(v).__name__}")
    return out


def _literal_key(lit: Literal) -> tuple[str, object]:
    text = str(lit)
    if lit.language:  # strings by value; of one value, one with a language first (then by language)
        return "text", (text, 0, lit.language.lower())
    datatype = str(lit.datatype) if lit.datatype is not None else f"{_XSD}string"
    if datatype == f"{_XSD}string":
        return "text", (text, 1, "")
    if datatype in _NUMERIC:
        try:
            number = _NUMERIC[datatype](text.strip())
        except (InvalidOperation, ValueError):
            raise _Unsure(f"not a number: {text!r}") from None
        if number != number:  # NaN is not ordered
            raise _Unsure("NaN")
        return "number", number
    if datatype == f"{_XSD}boolean" and text in ("true", "false", "1", "0"):
        return "boolean", text in ("true", "1")
    shape = _TEMPORAL.get(datatype)
    if shape is not None and shape.fullmatch(text):
        return datatype, text  # one datatype, fixed width, no time zone: the text orders as the value
    raise _Unsure(f"a literal of {datatype}")
