"""Reports kept with the store they were computed from: kpi-status's rows and the gap report, computed
once per store generation and read back as files.

A built store does not change (a build writes a new generation: `policygraph.store.embedded`), so the
answer of a query without parameters does not either. At a million triples the gap report takes ~10 s
and kpi-status ~3 s to compute, against a few hundred milliseconds to read back; so `policygraph build`
computes both while its checks run and writes them into the generation, beside the store
(`<generation>/reports/`), and every reader — `gaps`, `query kpi-status`, the web app's board, gap page
and overview, the workbook export — reads them from there. A store made for a date (`--as-of`,
`--published-by`: `policygraph.store.dated`) gets its own on first use, written by the first reader.

A report file is named by a digest of what its rows depend on besides the store: the text of every
query it runs and the code that turns their rows into plain values (this module, `graph.terms`, and the module that makes the
report, e.g. `query.gaps`). A project whose queries/ overrides a query, or a newer policygraph, reads a file of
another name: it is computed again, never read stale. Files are written atomically (a reader sees all
of one or none); a folder that cannot be written (a read-only build) just means no file is kept.

Only the embedded store of a generation is read this way (`OxigraphEngine.folder`); a remote store, a
graph file, an in-memory build and `--engine rdflib` always run the queries.

Example:
    >>> result = plain_result(engine, library.get("kpi-status"))
    >>> result.columns[:2], len(result.rows) == len(engine.run(library.get("kpi-status")))
    (['kpi', 'label'], True)
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

#: Bumped when the files' layout changes.
SCHEMA = "1"
#: The folder of a generation (or of a store as of a date) that holds its reports.
FOLDER = "reports"


@dataclass
class PlainResult:
    """A query's rows as plain values (`graph.terms.plain`: record IRIs as ids, dates ISO, numbers as
    numbers), with its columns, for each row the columns that hold a record IRI (`linked`), and the date
    columns (`types`, `views.tables.column_types`) — what every table, download and CLI output needs."""

    columns: list[str]
    rows: list[dict]
    linked: list[list[str]] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)


def folder_of(engine) -> Path | None:
    """Where `engine`'s reports are kept: `<generation>/reports` of an embedded store opened from a
    generation (or a store as of a date inside one), else None."""
    home = getattr(engine, "folder", None)
    return Path(home) / FOLDER if home is not None else None


@functools.lru_cache(maxsize=None)
def _file_digest(path: str) -> bytes:
    return hashlib.sha256(Path(path).read_bytes()).digest()


def key(name: str, texts, code=()) -> str:
    """The file name of report `name` whose queries have `texts` and whose rows are made by the modules
    at the paths `code` (beside this module and `graph.terms`, which every report uses)."""
    from policygraph.graph import terms
    h = hashlib.sha256(SCHEMA.encode())
    for module in (__file__, terms.__file__, *code):
        h.update(_file_digest(str(module)))
    for text in texts:
        h.update(b"\0" + text.encode())
    return f"{name}-{h.hexdigest()[:24]}.json"


def read(path: Path) -> dict | None:
    """A report file's content, or None when there is none (or it cannot be read: computed again)."""
    try:
        with open(path, encoding="utf-8") as f:
            found = json.load(f)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and found.get("schema") == SCHEMA else None


def write(path: Path, content: dict) -> bool:
    """Write a report file atomically (`output.write_atomically`); False, and nothing written, when its
    folder cannot be written (a read-only build: the report is computed again next time)."""
    from policygraph.errors import PolicygraphError
    from policygraph.output import write_atomically
    text = json.dumps({"schema": SCHEMA, **content}, ensure_ascii=False, separators=(",", ":"))
    try:
        write_atomically({path: text.encode("utf-8")})
        return True
    except PolicygraphError:
        return False


def compute_plain(engine, query) -> PlainResult:
    """Run `query` (no parameters) and make its rows plain."""
    from rdflib import URIRef

    from policygraph.graph.namespaces import PREFIXES
    from policygraph.graph.terms import plain
    from policygraph.views.tables import column_types
    rows = engine.run(query)
    columns = list(rows.columns)
    record = str(PREFIXES["pgr"])
    linked = [[c for c in columns if isinstance(r.get(c), URIRef) and str(r[c]).startswith(record)] for r in rows]
    return PlainResult(columns, [{c: plain(r.get(c)) for c in columns} for r in rows], linked,
                       column_types(rows, columns))


def plain_result(engine, query) -> PlainResult:
    """`query`'s rows (it takes no parameters) as plain values: read from the store's reports folder when
    computed there before, else computed and kept there (`folder_of`)."""
    home = folder_of(engine)
    if home is None:
        return compute_plain(engine, query)
    path = home / key(f"query-{query.name}", [query.text])
    found = read(path)
    if found is not None:
        return PlainResult(found["columns"], [dict(zip(found["columns"], r)) for r in found["rows"]],
                           found["linked"], found["types"])
    result = compute_plain(engine, query)
    keep_plain(path, result)
    return result


def keep_plain(path: Path, result: PlainResult) -> bool:
    return write(path, {"columns": result.columns, "types": result.types, "linked": result.linked,
                        "rows": [[r.get(c) for c in result.columns] for r in result.rows]})
