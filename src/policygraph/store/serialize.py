"""The exports of a store: N-Triples, Turtle and compact JSON-LD, written from Oxigraph's own dump.

Oxigraph writes N-Triples at millions of triples a second but in no stable order, so the lines are
sorted (the same graph gives the same bytes, blank-node labels aside); Turtle and JSON-LD are written
from the sorted lines, grouped by subject, with the project's prefixes — no rdflib graph is built,
which is what makes the exports affordable at a million triples.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(b'<https://w3id.org/policygraph/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "x"@ja .',
...            format=ox.RdfFormat.N_TRIPLES)
>>> print(turtle(ntriples(store), {"pgr": "https://w3id.org/policygraph/id/",
...                                "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}).decode())
@prefix pgr: <https://w3id.org/policygraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<BLANKLINE>
pgr:a rdfs:label "x"@ja .
<BLANKLINE>
"""
from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Iterator

import pyoxigraph as ox

#: A prefixed name's local part that needs no escaping in Turtle (a strict subset of PN_LOCAL).
_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


_BLANK_LINE = re.compile(rb"^_:|\s_:\S+\s*\.\s*$")


def ntriples(store: ox.Store) -> bytes:
    """The store's default graph as N-Triples, lines sorted, blank nodes labelled canonically: the
    same graph gives the same bytes, build after build (Oxigraph's labels are random).

    Oxigraph dumps into a temporary file, read back a line at a time, and the sorted lines go back to
    it before the bytes are read: the dump, its lines and the sorted text are never in memory together
    (at a million triples ~170 MB each; dumped as bytes and joined, the peak was ~0.5 GB above the store)."""
    with tempfile.TemporaryFile() as dumped:
        store.dump(dumped, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        dumped.seek(0)
        lines = [line.rstrip(b"\n") for line in dumped]
        # A line holding a blank node holds "_:" (the regular expression is for those few lines only).
        blank = [line for line in lines if b"_:" in line and _BLANK_LINE.search(line)]
        if blank:
            lines = [line for line in lines if b"_:" not in line or not _BLANK_LINE.search(line)]
        lines = [line for line in lines if line]
        lines += _canonical_blank_lines(blank)
        lines.sort()
        dumped.seek(0)
        dumped.truncate()
        for start in range(0, len(lines), 10_000):
            dumped.write(b"".join(line + b"\n" for line in lines[start:start + 10_000]))
        del lines
        dumped.seek(0)
        return dumped.read()


def _canonical_blank_lines(lines: list[bytes]) -> list[bytes]:
    """The triples that hold blank nodes (the ontology's restrictions and lists: a few dozen), with
    labels from rdflib's canonicalisation (RGDA1), which depend on the graph and not on the parse.

    >>> a = _canonical_blank_lines([b'_:x <urn:p> <urn:o> .', b'<urn:s> <urn:q> _:x .'])
    >>> a == _canonical_blank_lines([b'_:other <urn:p> <urn:o> .', b'<urn:s> <urn:q> _:other .'])
    True
    """
    if not lines:
        return []
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph
    canonical = to_canonical_graph(Graph().parse(data=b"\n".join(lines).decode("utf-8"), format="nt"))
    out = canonical.serialize(format="nt", encoding="utf-8")
    return sorted(line for line in out.split(b"\n") if line.strip())  # the serialiser's order follows hashing


def _split(nt: bytes) -> Iterator[tuple[str, str, str]]:
    """(subject, predicate, object) of each N-Triples line, as N-Triples text (IRIs and blank nodes hold
    no space, so the first two spaces end the subject and the predicate)."""
    # Line by line (a list of a million lines cost ~0.5 GB at once); at "\n" only, not where
    # str.splitlines also splits (U+2028, U+0085 in a literal).
    for raw in io.BytesIO(nt):
        line = raw.decode("utf-8").rstrip("\n")
        if not line:
            continue
        s, p, rest = line.split(" ", 2)
        yield s, p, rest[:-2] if rest.endswith(" .") else rest


class _Names:
    """IRIs written as prefixed names where the local part allows it."""

    def __init__(self, prefixes: dict[str, str]):
        # Longest namespace first, so pgr: wins over a shorter namespace it starts with.
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.cache: dict[str, str] = {}

    def __call__(self, term: str) -> str:
        if term.startswith('"') and "^^" not in term:
            return term
        named = self.cache.get(term)
        if named is None:
            named = self.cache[term] = self._name(term) if len(self.cache) < 1_000_000 else term
        return named

    def _name(self, term: str) -> str:
        if term.startswith('"') and term.endswith(">") and '"^^<' in term:  # a typed literal's datatype
            value, _, datatype = term.rpartition("^^")
            return f"{value}^^{self._name(datatype)}"
        if not term.startswith("<"):
            return term
        iri = term[1:-1]
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return term


def turtle(nt: bytes, prefixes: dict[str, str]) -> bytes:
    """Turtle from sorted N-Triples: one block per subject, `a` for rdf:type, prefixed names."""
    return turtle_and_jsonld(nt, prefixes, jsonld=False)[0]


class _Turtle:
    """Turtle written a subject at a time (`turtle`): no list of every block, no second copy to join."""

    def __init__(self, name: _Names, prefixes: dict[str, str]):
        self.name = name
        self.out = io.BytesIO()
        self.out.write("\n".join([*(f"@prefix {p}: <{ns}> ." for p, ns in sorted(prefixes.items())), ""]).encode("utf-8"))
        self.subject: str | None = None
        self.block: list[str] = []

    def _flush(self) -> None:
        if self.block:
            self.out.write(f"\n{self.name(self.subject)} ".encode("utf-8") + " ;\n    ".join(self.block).encode("utf-8")
                           + b" .\n")

    def add(self, s: str, p: str, o: str) -> None:
        if s != self.subject:
            self._flush()
            self.subject, self.block = s, []
        self.block.append(f"{'a' if p == _RDF_TYPE else self.name(p)} {self.name(o)}")

    def getvalue(self) -> bytes:
        self._flush()
        self.block = []
        return self.out.getvalue()


def turtle_and_jsonld(nt: bytes, prefixes: dict[str, str], turtle: bool = True,
                      jsonld: bool = True) -> tuple[bytes | None, bytes | None]:
    """(`turtle(nt, prefixes)`, `jsonld(nt, prefixes)`), from one reading of the N-Triples (at a million
    triples the reading costs ~1.6 s, the build's exports made both from two)."""
    name = _Names(prefixes)
    writers = [w for w, wanted in ((_Turtle(name, prefixes), turtle), (_JsonLd(name, prefixes), jsonld)) if wanted]
    adders = [w.add for w in writers]
    if len(adders) == 2:
        first, second = adders
        for s, p, o in _split(nt):
            first(s, p, o)
            second(s, p, o)
    else:
        add = adders[0]
        for s, p, o in _split(nt):
            add(s, p, o)
    made = iter([w.getvalue() for w in writers])
    return (next(made) if turtle else None), (next(made) if jsonld else None)


#: A string JSON writes as it is between quotes: no control character, quote or backslash.
_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]')
#: An N-Triples string literal's quoted lexical form that is also its JSON string: no escape, no control character.
_NT_ESCAPED = re.compile(r"[\x00-\x1f\\]")


def _json_string(text: str) -> str:
    """`json.dumps(text, ensure_ascii=False)`, without the call for the plain strings that are most."""
    return f'"{text}"' if _JSON_ESCAPED.search(text) is None else json.dumps(text, ensure_ascii=False)


class _JsonTerms:
    """The JSON text of each term as the JSON-LD export writes it, made once per IRI."""

    def __init__(self, name: _Names):
        self.name = name
        self.ids: dict[str, str] = {}

    def id(self, term: str) -> str:
        """An IRI (a prefixed name where one fits) or a blank node, as a JSON string."""
        out = self.ids.get(term)
        if out is None:
            named = term if term.startswith("_:") else self.name(term)
            out = _json_string(named[1:-1] if named.startswith("<") else named)
            if len(self.ids) < 1_000_000:
                self.ids[term] = out
        return out

    def value(self, o: str) -> str:
        """An object as a JSON-LD value object: {"@id": …} or {"@value": …} with its language or type."""
        if o.startswith(("<", "_:")):
            return f'{{"@id":{self.id(o)}}}'
        end = o.rindex('"')
        quoted = o[:end + 1]
        # The N-Triples string is the JSON string unless it holds an escape or a control character.
        value = quoted if _NT_ESCAPED.search(quoted) is None else json.dumps(json.loads(quoted), ensure_ascii=False)
        suffix = o[end + 1:]
        if suffix.startswith("@"):
            return f'{{"@value":{value},"@language":{_json_string(suffix[1:])}}}'
        if suffix.startswith("^^"):
            return f'{{"@value":{value},"@type":{self.id(suffix[2:])}}}'
        return f'{{"@value":{value}}}'


def jsonld(nt: bytes, prefixes: dict[str, str]) -> bytes:
    r"""Compact JSON-LD from sorted N-Triples: an @context of the prefixes and one node object per
    subject, its keys prefixed names (pg:hasTarget) and rdf:type as @type.

    Written as text, one node object per line, exactly as `json.dumps(node, ensure_ascii=False,
    separators=(",", ":"))` writes it (a node's keys in the order of their first triple), without
    making a dict per node and per value (at a million triples that took ~8 s and ~300 MB).

    >>> print(jsonld(b'<urn:s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:C> .\n'
    ...              b'<urn:s> <urn:p> "a\\"b"@ja .\n', {}).decode())
    {"@context": {},
    "@graph": [
    {"@id":"urn:s","@type":["urn:C"],"urn:p":[{"@value":"a\"b","@language":"ja"}]}
    ]}
    <BLANKLINE>
    """
    return turtle_and_jsonld(nt, prefixes, turtle=False)[1]


class _JsonLd:
    """Compact JSON-LD written a node object at a time (`jsonld`)."""

    def __init__(self, name: _Names, prefixes: dict[str, str]):
        self.terms = _JsonTerms(name)
        context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
        self.out = io.BytesIO()
        self.out.write(f'{{"@context": {context},\n"@graph": [\n'.encode())
        self.subject: str | None = None
        self.sid: str | None = None
        self.keys: dict[str, list[str]] = {}
        self.separator = b""

    def _flush(self) -> None:
        if self.sid is not None:
            self.out.write(self.separator + (f'{{"@id":{self.sid}'
                                             + "".join(f",{k}:[{','.join(v)}]" for k, v in self.keys.items())
                                             + "}").encode())
            self.separator = b",\n"

    def add(self, s: str, p: str, o: str) -> None:
        terms = self.terms
        if s != self.subject:
            self.subject, node_id = s, terms.id(s)
            if node_id != self.sid:
                self._flush()
                self.sid, self.keys = node_id, {}
        if p == _RDF_TYPE and not o.startswith("_:"):
            self.keys.setdefault('"@type"', []).append(terms.id(o))
            return
        self.keys.setdefault(terms.id(p), []).append(terms.value(o))

    def getvalue(self) -> bytes:
        self._flush()
        self.sid, self.keys = None, {}
        self.out.write(b"\n]}\n")
        return self.out.getvalue()


__all__ = ["jsonld", "ntriples", "turtle", "turtle_and_jsonld"]
