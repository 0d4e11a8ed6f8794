"""Full-text search over record ids, labels, aliases and quote texts: a SQLite FTS5 table with the
trigram tokenizer (Japanese needs no word segmentation then), written by `policygraph build` into the
generation folder beside the store (`build/current/search.sqlite`, published with it in one rename),
read by the web app's `/search`.

One row per (record, field kind, text): the kinds are `id`, `label_ja`, `label_en`, `alias` and
`quote`; a quote row also holds its excerpt, source text, locator and line. Texts are matched in the
form quotes are checked in (NFKC, white space removed) and case-folded; a search shorter than three
characters (below the trigram) scans the same table with LIKE.

>>> import pyoxigraph as ox, tempfile
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("https://w3id.org/policygraph/id/d-1"),
...                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Ｃｌｏｕｄ 導入", language="ja")))
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / FILE
...     _ = path.write_bytes(index_bytes(store))
...     found = search(path, "cloud導")
>>> found.total, found.hits[0].node, found.hits[0].segments
(1, 'd-1', [('', False), ('Ｃｌｏｕｄ 導', True), ('入', False)])
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from policygraph.records.sources import normalize_chars, normalize_with_offsets

#: The index's file name in a generation folder (and the symlink build/search.sqlite).
FILE = "search.sqlite"
#: Raised when the table's layout changes: an index of another version is stale.
SCHEMA = "1"
#: Field kinds, in the order hits are ranked.
KINDS = ("id", "label_ja", "label_en", "alias", "quote")
#: Characters of context shown around a match in a long text.
CONTEXT = 40

_PG = "https://w3id.org/policygraph/ontology#"
_PGR = "https://w3id.org/policygraph/id/"

_LABELS = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?node ?p ?text WHERE {{
  {{ ?node rdfs:label ?text BIND(rdfs:label AS ?p) }} UNION {{ ?node skos:altLabel ?text BIND(skos:altLabel AS ?p) }}
  FILTER(STRSTARTS(STR(?node), "{_PGR}") && !CONTAINS(STR(?node), "/evidence/"))
}}"""
_QUOTES = f"""
PREFIX pg: <{_PG}>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?node ?excerpt ?quote ?locator ?line ?source WHERE {{
  ?node pg:hasEvidence ?excerpt .
  ?excerpt pg:quote ?quote ; pg:locator ?locator ; prov:wasQuotedFrom ?source .
  OPTIONAL {{ ?excerpt pg:sourceLine ?line }}
}}"""
_CLASSES = f"""
SELECT ?node ?cls WHERE {{
  ?node a ?cls .
  FILTER(STRSTARTS(STR(?cls), "{_PG}") && STRSTARTS(STR(?node), "{_PGR}") && !CONTAINS(STR(?node), "/evidence/"))
}}"""
_SOURCES = f"""
PREFIX pg: <{_PG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?source ?file ?label WHERE {{
  ?source a pg:SourceText ; pg:fileName ?file .
  OPTIONAL {{ ?source rdfs:label ?label . FILTER(lang(?label) = "ja") }}
}}"""
#: The source text of a record's first evidence excerpt: where a label hit is from (the document facet).
_FIRST_SOURCE = f"""
PREFIX pg: <{_PG}>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?node (MIN(STR(?source)) AS ?first) WHERE {{
  ?node pg:hasEvidence/prov:wasQuotedFrom ?source .
}} GROUP BY ?node"""


def normalize(text: str) -> str:
    """The form texts are matched in: NFKC, case-folded, white space removed."""
    return normalize_chars(text, fold=True)


def _id(term) -> str:
    return str(term.value).removeprefix(_PGR)


def _rows(store):
    """(node, cls, kind, text, excerpt, source, locator, line) of every searchable text in `store`."""
    from policygraph.views.viz_model import CLASS_STYLE
    classes: dict[str, str] = {}
    # Solutions unpacked by position (the queries' SELECT order): by name costs a lookup per cell, ~1 s
    # of the index's ~7 s at a million triples.
    for node, cls in store.query(_CLASSES):
        rid, name = node.value.removeprefix(_PGR), cls.value.removeprefix(_PG)
        if rid not in classes or (name in CLASS_STYLE and classes[rid] not in CLASS_STYLE):
            classes[rid] = name
    first = {node.value.removeprefix(_PGR): source.value.removeprefix(_PGR) for node, source in store.query(_FIRST_SOURCE)}
    for rid in sorted(classes):
        yield rid, classes[rid], "id", rid, None, first.get(rid), None, None
    for node, p, text in store.query(_LABELS):
        rid = node.value.removeprefix(_PGR)
        if p.value.endswith("altLabel"):
            kind = "alias"
        else:
            kind = "label_en" if getattr(text, "language", None) == "en" else "label_ja"
        yield rid, classes.get(rid, ""), kind, text.value, None, first.get(rid), None, None
    for node, excerpt, quote, locator, line, source in store.query(_QUOTES):
        rid = node.value.removeprefix(_PGR)
        yield (rid, classes.get(rid, ""), "quote", quote.value, excerpt.value.removeprefix(_PGR), source.value.removeprefix(_PGR),
               locator.value, int(line.value) if line is not None else None)


def write(store, path: Path) -> int:
    """Write the index of `store` (a pyoxigraph Store) to `path`; returns its number of rows."""
    db = sqlite3.connect(path)
    try:
        db.executescript(f"""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE sources (source TEXT PRIMARY KEY, file TEXT, label TEXT);
            CREATE TABLE labels (node TEXT PRIMARY KEY, label_ja TEXT, label_en TEXT);
            CREATE VIRTUAL TABLE hits USING fts5(norm, text UNINDEXED, node UNINDEXED, cls UNINDEXED,
                kind UNINDEXED, rank_kind UNINDEXED, excerpt UNINDEXED, source UNINDEXED, locator UNINDEXED,
                line UNINDEXED, tokenize='trigram');
        """)
        n = 0
        batch = []
        labels: dict[str, list] = {}
        for node, cls, kind, text, excerpt, source, locator, line in _rows(store):
            if kind in ("label_ja", "label_en"):
                pair = labels.setdefault(node, [None, None])
                i = 0 if kind == "label_ja" else 1
                pair[i] = min(pair[i], text) if pair[i] else text
            batch.append((normalize(text), text, node, cls, kind, KINDS.index(kind), excerpt, source, locator, line))
            if len(batch) >= 5000:
                db.executemany("INSERT INTO hits VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
                n += len(batch)
                batch = []
        db.executemany("INSERT INTO hits VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
        n += len(batch)
        db.executemany("INSERT INTO labels VALUES (?,?,?)", [(k, *v) for k, v in labels.items()])
        db.executemany("INSERT INTO sources VALUES (?,?,?)",
                       [(_id(r["source"]), r["file"].value, r["label"].value if r["label"] is not None else None)
                        for r in store.query(_SOURCES)])
        db.executemany("INSERT INTO meta VALUES (?,?)", [("schema", SCHEMA), ("rows", str(n)),
                                                          ("triples", str(len(store)))])
        db.execute("INSERT INTO hits(hits) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    return n


def unavailable() -> str | None:
    """Why this Python's SQLite cannot write the index (no trigram tokenizer before 3.34), or None."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return (f"the search index was not written: SQLite {sqlite3.sqlite_version} has no trigram tokenizer "
                "(3.34 or later needed); /search looks up ids and labels only")
    return None


def write_atomic(store, path: Path) -> None:
    """Write the index of `store` beside `path` and rename it into place (a reader sees none or all)."""
    from policygraph.output import process_alive
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a writer that was killed (a server's thread)
        pid = stale.name[len(path.name) + 2:-len(".tmp")]
        if pid.isdigit() and not process_alive(int(pid)):
            stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        write(store, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def index_bytes(store) -> bytes:
    """The index of `store` as the bytes of a SQLite file (published with the store's generation)."""
    fd, name = tempfile.mkstemp(suffix=".sqlite")
    os.close(fd)
    try:
        os.unlink(name)
        write(store, Path(name))
        return Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)


def index_of(store_dir: Path) -> Path:
    """Where the index of the store at `store_dir` is: beside it, in the same generation folder."""
    return Path(os.path.realpath(store_dir)).parent / FILE


def state(path: Path, triples: int | None) -> str | None:
    """None when `path` is an index of this version for a store of `triples` triples; else why not."""
    if not path.is_file():
        return ("the search index is missing (an older policygraph built the store, its SQLite has no trigram "
                "tokenizer, or it is still being written)")
    try:
        with _open(path) as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
    except sqlite3.Error as exc:
        return f"the search index cannot be read ({exc})"
    if meta.get("schema") != SCHEMA:
        return "the search index was written by another version of policygraph"
    if triples is not None and meta.get("triples") != str(triples):
        return "the search index does not belong to this store"
    return None


class _open:
    """A read-only connection (closed on exit, which sqlite3's own context manager does not do)."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        self.db.execute("PRAGMA temp_store = MEMORY")  # a search's matches: never a file

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc) -> None:
        self.db.close()


@dataclass
class Hit:
    node: str
    cls: str
    kind: str
    text: str
    label: str | None
    label_en: str | None
    #: The text shown: (piece, is it the match) — a window around the matches of a long text.
    segments: list[tuple[str, bool]]
    excerpt: str | None = None
    source: str | None = None
    file: str | None = None
    locator: str | None = None
    line: int | None = None


@dataclass
class Found:
    hits: list[Hit]
    total: int
    offset: int
    #: [(class, count)] and [(source id, label, count)] of every hit of the search (not only this page).
    classes: list[tuple[str, int]] = field(default_factory=list)
    documents: list[tuple[str, str, int]] = field(default_factory=list)
    #: The record whose id the search text is, exactly (the page redirects to it).
    exact: str | None = None


def segments(text: str, needle: str, context: int = CONTEXT) -> list[tuple[str, bool]]:
    """`text` cut into (piece, matched) around every place `needle` (normalised) occurs in it, with at
    most `context` characters before the first match and after the last (… marks a cut)."""
    norm, offsets = normalize_with_offsets(text, fold=True)
    spans = []
    pos = norm.find(needle) if needle else -1
    while pos != -1:
        spans.append((offsets[pos], offsets[pos + len(needle) - 1] + 1))
        pos = norm.find(needle, pos + len(needle))
    if not spans:
        return [(text, False)]
    start = max(0, spans[0][0] - context)
    end = min(len(text), spans[-1][1] + context)
    out: list[tuple[str, bool]] = [(("…" if start else "") + text[start:spans[0][0]], False)]
    for i, (a, b) in enumerate(spans):
        out.append((text[a:b], True))
        tail = spans[i + 1][0] if i + 1 < len(spans) else end
        out.append((text[b:tail] + ("…" if i + 1 == len(spans) and end < len(text) else ""), False))
    return out


def _match(needle: str) -> tuple[str, str]:
    """The condition finding `needle` in the table, and its argument: the trigram index for three
    characters or more, a LIKE scan below (the trigram tokenizer indexes nothing shorter)."""
    if len(needle) >= 3:
        return "hits MATCH ?", '"' + needle.replace('"', '""') + '"'
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "norm LIKE ? ESCAPE '\\'", f"%{escaped}%"


#: The columns a search can be sorted by (`/search?_sort=`), as the page and its downloads name them.
SORTABLE = {"node": "m.node", "cls": "m.cls", "kind": "m.kind", "text": "m.text", "label": "label_ja",
            "label_en": "label_en", "source": "m.source", "file": "file", "locator": "m.locator", "line": "m.line"}


def search(path: Path, text: str, cls: str | None = None, doc: str | None = None, offset: int = 0,
           size: int = 100, sort: str | None = None, desc: bool = False) -> Found:
    """The hits of `text` (one page: `offset`, `size`), ranked by kind (ids, labels, aliases, quotes),
    then shorter texts first — or by column `sort` (one of SORTABLE; no value last, then that rank);
    the whole search's total and its counts by class and by document. `cls` and `doc` (a source text
    id) keep the hits of one class or document."""
    rank = "m.rank_kind, m.len, m.node, m.id"
    order = rank if sort is None else \
        f"{SORTABLE[sort]} IS NULL, {SORTABLE[sort]}{' DESC' if desc else ''}, {rank}"
    needle = normalize(text)
    if not needle:
        return Found([], 0, offset)
    condition, arg = _match(needle)
    with _open(path) as db:
        # The index (or the scan) is read once: what matched goes to a temporary table, which the
        # total, the facets and the page then read.
        # (Every column the page shows is copied: joining back to the FTS table by rowid scans it.)
        db.execute(f"CREATE TEMP TABLE m AS SELECT rowid AS id, node, cls, kind, text, source, rank_kind, "
                   f"length(text) AS len, excerpt, locator, line FROM hits WHERE {condition}", (arg,))
        keep, args = [], []
        for column, value in (("cls", cls), ("source", doc)):
            if value:
                keep.append(f"m.{column} = ?")
                args.append(value)
        where = " AND ".join(keep) or "1"
        exact = db.execute("SELECT node FROM m WHERE kind = 'id' AND text = ? LIMIT 1", (text.strip(),)).fetchone()
        total = db.execute(f"SELECT count(*) FROM m WHERE {where}", args).fetchone()[0]
        rows = db.execute(f"SELECT m.node, m.cls, m.kind, m.text, label_ja, label_en, m.excerpt, m.source, m.locator, "
                          f"m.line, file FROM m "
                          f"LEFT JOIN sources ON sources.source = m.source LEFT JOIN labels ON labels.node = m.node "
                          f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                          [*args, size, offset]).fetchall()
        # Each facet counts the hits with the other facet's choice applied (as Datasette's do).
        classes = db.execute(f"SELECT cls, count(*) FROM m WHERE {'m.source = ?' if doc else '1'} GROUP BY cls "
                             "ORDER BY 2 DESC, 1", [doc] if doc else []).fetchall()
        documents = db.execute(f"SELECT m.source, label, count(*) FROM m LEFT JOIN sources ON sources.source = m.source "
                               f"WHERE {'m.cls = ?' if cls else '1'} GROUP BY m.source ORDER BY 3 DESC, 1",
                               [cls] if cls else []).fetchall()
    hits = [Hit(node, cls_, kind, txt, ja, en, segments(txt, needle), excerpt, source, file, locator,
                int(line) if line is not None else None)
            for node, cls_, kind, txt, ja, en, excerpt, source, locator, line, file in rows]
    return Found(hits, total, offset, [(c or "—", n) for c, n in classes],
                 [(s, label or s, n) for s, label, n in documents if s], exact[0] if exact else None)


def found_of(records: list[dict], text: str, cls: str | None = None, offset: int = 0, size: int = 100) -> Found:
    """A `Found` of the label search on the store (`serve.pages.search`'s records), for when the index
    is missing or stale: labels and ids only, counted by class, no documents."""
    needle = normalize(text)
    counts: dict[str, int] = {}
    for r in records:
        counts[r["cls"]] = counts.get(r["cls"], 0) + 1
    kept = [r for r in records if not cls or r["cls"] == cls]
    hits = []
    for r in kept[offset:offset + size]:
        kind = "id" if needle in normalize(r["id"]) and needle not in normalize(r["label"] or "") else "label_ja"
        shown = r["id"] if kind == "id" else r["label"]
        hits.append(Hit(r["id"], r["cls"], kind, shown, r["label"], r["label_en"], segments(shown, needle)))
    exact = records[0]["id"] if records and records[0]["id"] == text.strip() else None
    return Found(hits, len(kept), offset, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), [], exact)


__all__ = ["FILE", "KINDS", "Found", "Hit", "found_of", "index_bytes", "index_of", "normalize", "search", "segments", "state",
           "unavailable", "write", "write_atomic"]
