"""A query's final ORDER BY done in Python, for Oxigraph's store on disk.

Oxigraph compares two IRIs or strings by reading both from the store's dictionary, once per comparison:
on the embedded store (RocksDB, read-only) that is a lookup each time, and sorting 4,308 KPIs by IRI
takes ~190 ms where reading them takes 13 ms (in memory: 11 ms). The rows come back as Python strings
anyway, so `OxigraphEngine` runs the query without its last ORDER BY (and LIMIT/OFFSET) and sorts the
rows here — in SPARQL's order as Oxigraph implements it (unbound < blank node < IRI < literal; IRIs and
strings by code point; numbers by value; ties in the order the rows came, as Oxigraph's stable sort
keeps them) — whenever that order is certain:

- the conditions are `?v`, `STR(?v)`, `LANG(?v)` or `STRLEN(STR(?v))`, each bare or in ASC()/DESC(),
  over projected variables (STR of a typed value is the text Oxigraph holds for it, which the engine
  passes as `lexical`: rdflib writes such values in canonical forms of its own, 1.5E0 as 1.5, Oxigraph 1.5
  as 1.5 and 1.0E0 as 1);
- the values compared within a condition are of one kind: unbound, at most one blank node (Oxigraph does
  not order blank nodes among themselves), IRIs, and literals of one family (strings, with or without a
  language: by value, then one with a language before one without, then by language; integers, decimals,
  floats and doubles; booleans; or one of xsd:date, xsd:dateTime without fractions, xsd:gYear,
  xsd:gYearMonth without a time zone). Literals of two families are incomparable, and Oxigraph's order of
  them is its sort's accident, not a rule to copy.

Anything else (an expression, a value outside those kinds) is sorted by Oxigraph: `plan` returns None for
the text, or `Plan.apply` returns None for the rows, and the engine runs the query as written. `plan` is
kept per query text (reading a text's tail costs 50-450 µs; a single-node lookup takes ~120 µs).

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

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import XSD, BNode, Literal, URIRef

_VAR = r"\?[A-Za-z_][A-Za-z0-9_]*"
#: The conditions taken, by the value each compares; VAR stands for the variable.
_FORM_TEXT = {"var": r"VAR", "str": r"STR\s*\(\s*VAR\s*\)", "lang": r"LANG\s*\(\s*VAR\s*\)",
              "strlen": r"STRLEN\s*\(\s*STR\s*\(\s*VAR\s*\)\s*\)"}
_FORMS = {k: re.compile(t.replace("VAR", r"\?([A-Za-z_][A-Za-z0-9_]*)"), re.IGNORECASE) for k, t in _FORM_TEXT.items()}
_EXPR = "(?:" + "|".join(t.replace("VAR", _VAR) for t in _FORM_TEXT.values()) + ")"
_COND = re.compile(rf"(ASC|DESC)\s*\(\s*({_EXPR})\s*\)|({_EXPR})", re.IGNORECASE)
_TAIL = re.compile(rf"\bORDER\s+BY((?:\s*(?:(?:ASC|DESC)\s*\(\s*{_EXPR}\s*\)|{_EXPR}))+)"
                   r"((?:\s+(?:LIMIT|OFFSET)\s+\d+)*)\s*\Z", re.IGNORECASE)
_SLICE = re.compile(r"(LIMIT|OFFSET)\s+(\d+)", re.IGNORECASE)
_TRAILING_COMMENTS = re.compile(r"(?:\s*\n[ \t]*#[^\n]*)+\s*\Z")

_NUMERIC = {XSD.integer: Decimal, XSD.decimal: Decimal, XSD.float: float, XSD.double: float}
_TEMPORAL = {XSD.date: re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.dateTime: re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
             XSD.gYear: re.compile(r"\d{4}"), XSD.gYearMonth: re.compile(r"\d{4}-\d{2}")}


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

    @property
    def reads_text(self) -> bool:
        """Whether a condition takes STR of a value: only then does `apply` need the `lexical` texts."""
        return any(kind in ("str", "strlen") for _, kind, _ in self.keys)

    def apply(self, rows: list[dict], columns: list[str], lexical: dict | None = None) -> list[dict] | None:
        """`rows` (dicts of rdflib terms, as the query without ORDER BY gave them) in the query's order and
        slice, or None when that order is not certain here (see the module). `lexical`: the text Oxigraph
        holds for each typed literal of the rows (`lexical_forms`), for STR of one."""
        if any(var not in columns for var, _, _ in self.keys):
            return None
        out = list(rows)
        try:
            for var, kind, descending in reversed(self.keys):  # stable sorts, least significant first
                keys = _column_keys([row.get(var) for row in out], kind, lexical or {})
                out = [out[i] for i in sorted(range(len(out)), key=keys.__getitem__, reverse=descending)]
        except _Unsure:
            return None
        return out[self.offset:None if self.limit is None else self.offset + self.limit]


@functools.lru_cache(maxsize=1024)
def plan(text: str) -> Plan | None:
    """How to run `text` with its final ORDER BY done in Python, or None when it has none or one this
    module does not sort (see the module)."""
    body = _TRAILING_COMMENTS.sub("", text).rstrip()
    m = _TAIL.search(body)
    if m is None:
        return None
    keys = []
    for direction, inner, bare in _COND.findall(m.group(1)):
        expr = inner or bare
        kind, var = next((k, f.fullmatch(expr).group(1)) for k, f in _FORMS.items() if f.fullmatch(expr))
        keys.append((var, kind, direction.upper() == "DESC"))
    limit, offset = None, 0
    for word, number in _SLICE.findall(m.group(2)):
        if word.upper() == "LIMIT":
            limit = int(number)
        else:
            offset = int(number)
    return Plan(body[:m.start()].rstrip(), tuple(keys), limit, offset)


def lexical_forms(converted: dict) -> dict:
    """{rdflib literal: the text Oxigraph holds for it} of the typed literals (not strings) among
    `converted` ({Oxigraph term: rdflib term}); a literal that two texts became (rdflib's canonical form
    merges what Oxigraph keeps apart, "01" and "1" of a datatype it does not normalise) maps to None.

    >>> import pyoxigraph as ox
    >>> d = ox.NamedNode(str(XSD.double))
    >>> terms = {ox.Literal("1", datatype=d): Literal("1", datatype=XSD.double), ox.Literal("x"): Literal("x")}
    >>> [(str(term), text) for term, text in lexical_forms(terms).items()]  # Oxigraph holds 1.0E0 as "1"
    [('1.0', '1')]
    """
    out: dict = {}
    for ox_term, term in converted.items():
        if isinstance(term, Literal) and not term.language and term.datatype not in (None, XSD.string):
            text = ox_term.value
            out[term] = text if out.get(term, text) == text else None
    return out


def _column_keys(terms: list, kind: str, lexical: dict) -> list[tuple]:
    """A sort key per term for one condition, in SPARQL's order as Oxigraph implements it; _Unsure when
    the values compared are not all comparable by that order."""
    family = None
    blanks = 0
    out = []
    for term in terms:
        rank, fam, key = _key(term, kind, lexical)
        if rank == 1:
            blanks += 1
            if blanks > 1:
                raise _Unsure("two blank nodes")
        if fam is not None and fam != family:
            if family is not None:
                raise _Unsure(f"{family} and {fam} literals")
            family = fam
        out.append((rank, key))
    return out


def _key(term, kind: str, lexical: dict) -> tuple[int, str | None, object]:
    """(rank: unbound 0 < blank node 1 < IRI 2 < literal 3, the literal's family, the key within the rank)
    of the value a condition compares: the term, or STR / LANG / STRLEN(STR) of it (unbound where the
    expression is an error; STR of a typed literal is its text in `lexical`)."""
    if term is None:
        return 0, None, None
    if kind == "var":
        if isinstance(term, BNode):
            return 1, None, None
        if isinstance(term, URIRef):
            return 2, None, str(term)
        return (3, *_literal_key(term))
    if kind == "lang":
        return (3, "text", (term.language or "", 1, "")) if isinstance(term, Literal) else (0, None, None)
    if isinstance(term, BNode):
        return 0, None, None
    if isinstance(term, Literal) and not term.language and term.datatype not in (None, XSD.string):
        # rdflib writes a typed value in its own canonical form (0E0 -> 0.0), not always Oxigraph's
        text = lexical.get(term)
        if text is None:
            raise _Unsure(f"STR of a literal of {term.datatype} whose text Oxigraph holds is not known")
    else:
        text = str(term)
    return (3, "text", (text, 1, "")) if kind == "str" else (3, "number", len(text))


def _literal_key(lit: Literal) -> tuple[str, object]:
    """(family, key) of a literal; _Unsure for one of a datatype this module does not order."""
    text = str(lit)
    if lit.language:  # strings by value; of one value, one with a language first (then by language)
        return "text", (text, 0, lit.language.lower())
    datatype = lit.datatype if lit.datatype is not None else XSD.string
    if datatype == XSD.string:
        return "text", (text, 1, "")
    if datatype in _NUMERIC:
        try:
            number = _NUMERIC[datatype](text.strip())
        except (InvalidOperation, ValueError):
            raise _Unsure(f"not a number: {text!r}") from None
        if number != number:  # NaN is not ordered
            raise _Unsure("NaN")
        return "number", number
    if datatype == XSD.boolean and text in ("true", "false", "1", "0"):
        return "boolean", text in ("true", "1")
    shape = _TEMPORAL.get(datatype)
    if shape is not None and shape.fullmatch(text):
        return str(datatype), text  # one datatype, fixed width, no time zone: the text orders as the value
    raise _Unsure(f"a literal of {datatype}")
