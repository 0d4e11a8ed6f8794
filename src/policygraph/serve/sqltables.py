"""The web app's tables as SQLite files, answered the way Datasette answers a table.

A table of the web app (the KPI board, the gap report, a named query with its parameters bound, a
trace) is computed once per store generation — in a page worker, never on the event loop — and written
atomically into a SQLite file beside the store (`cache_dir`): a row per result row in the query's own
order (`_rowid`), a column per result column, an index per column, and a `meta` table (columns, date
columns, boolean columns, notes, extra page data). A new build is a new generation folder, so a new
build's tables are computed afresh and the old ones go with their generation.

Every request then reads that file (`select`, `stream`): filters, sort, facet counts and one page of
rows are SQL over indexed columns, a few milliseconds even on tens of thousands of rows, instead of
running the SPARQL report again (kpi-status takes ~1.5 s and the gap report ~7 s at 1M triples) once
per page and once more per facet. Downloads stream the file a block of rows at a time.

URL parameters (Datasette's names; the same on every table, its page, `.json`, `.jsonl`, `.csv`, `.xlsx`):

- `column=value` (exact), `column__exact=`, `column__not=`, `column__contains=` (a substring;
  case-insensitive for ASCII), `column__gte=` / `__lte=` / `__gt=` / `__lt=` (numbers compare as
  numbers, other values as text: ISO dates order correctly), `column__isnull=1` (no value; `=0`:
  has one). Several filters all apply.
- `_search=text`: rows with `text` in any column.
- `_sort=column` / `_sort_desc=column` (rows without a value last; ties in the query's own order).
- `_size=N` (1…1000, or `max`), `_next=token` (the token of the next page's link).
- `_facet=column` (repeatable; each table has default facets, `_nofacet=1` hides them).
- `_col=column` / `_nocol=column` (repeatable): the columns shown and downloaded.

Example (a sketch; tests/serve/test_tables.py runs it for real)::

    meta = materialise(engine, spec, path)                    # in a page worker
    page = select(path, Request(filters=[Filter("status", "exact", "achieved")], facets=["tier"]))
    page.count, page.rows[:1], page.facets["tier"]
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from policygraph.graph.namespaces import curie
from policygraph.labels import message

#: Written into every file's meta: a file of another schema is computed again.
SCHEMA = "3"
#: Rows per page (`?_size=`), and the most one page shows.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
#: Values listed per facet (the most frequent first); `truncated` says there were more.
FACET_VALUES = 30
#: Facets most tables want, when a table has the column (status, responsible body, document, tier,
#: grade, gap kind, class …), in this order.
DEFAULT_FACETS = ("kind", "status", "attainment", "tier", "grade", "cls", "class", "document", "doc", "source", "body",
                  "responsibleBody", "acknowledged")
#: Filter operators (the part after "__" in `column__op=`).
OPERATORS = ("exact", "not", "contains", "gte", "lte", "gt", "lt", "isnull")
#: Rows read per block while streaming a download.
BLOCK = 2000


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str

    @property
    def label(self) -> str:
        """The filter as a chip shows it."""
        sign = {"exact": "=", "not": "≠", "contains": "∋", "gte": "≥", "lte": "≤", "gt": ">", "lt": "<"}
        if self.op == "isnull":
            return f"{self.column} {'has no value' if self.value not in ('0', 'false') else 'has a value'}"
        return f"{self.column} {sign[self.op]} {curie(self.value)}"

    @property
    def param(self) -> str:
        return self.column if self.op == "exact" else f"{self.column}__{self.op}"


@dataclass
class Query:
    """What one request asks of a table (parsed from its URL by `parse`)."""

    filters: list[Filter] = field(default_factory=list)
    search: str = ""
    sort: str | None = None
    desc: bool = False
    offset: int = 0
    size: int = PAGE_SIZE
    facets: list[str] = field(default_factory=list)
    columns: list[str] | None = None  # None: every column


@dataclass
class Meta:
    """What a table's file says of it."""

    columns: list[str]
    types: dict[str, str]
    notes: list[str]
    extra: dict
    total: int
    #: Values written for a column's empty cells by the table's own rule (the board's status "unknown").
    null_names: dict[str, str] = field(default_factory=dict)
    #: Columns of lists: filters and facets read their values one by one (table `a`).
    arrays: list[str] = field(default_factory=list)


@dataclass
class Page:
    """One page of a table: its rows (plain values), the linked (record id) columns of each row, the rows
    matching the filters (`count`) and in the whole table (`total`), and facet counts."""

    columns: list[str]
    rows: list[dict]
    linked: list[set[str]]
    count: int
    total: int
    offset: int
    facets: dict[str, dict]
    types: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class BadRequest(ValueError):
    """A URL parameter the table cannot answer (the app turns it into a 400 with this message: a
    `labels.Said`, English and Japanese)."""


# ------------------------------------------------------------------------------------------------ files
def cache_dir(store_dir: Path) -> Path:
    """Where the tables of the store at `store_dir` are written: beside it in its generation (or `serve
    --as-of` snapshot) folder, removed with it; else `<store>.tables` beside the store folder; a temporary
    folder when neither can be written (a read-only build)."""
    real = Path(os.path.realpath(store_dir))
    own = real.parent.name.startswith((".gen-", "policygraph-serve-"))  # a generation or a snapshot: ours
    for folder in ([real.parent / "tables"] if own else []) + [real.with_name(real.name + ".tables")]:
        try:
            folder.mkdir(exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
            return folder
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="policygraph-tables-"))


def file_name(kind: str, args, stamp: str) -> str:
    """The file of one table: its kind and a digest of its arguments and the store's build stamp."""
    import hashlib
    digest = hashlib.sha256(json.dumps([SCHEMA, kind, args, stamp], sort_keys=True, default=str).encode()).hexdigest()
    return f"{re.sub(r'[^a-z0-9-]', '_', kind)}-{digest[:24]}.sqlite"


def _q(name: str) -> str:
    """A column name as an SQL identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _value(v):
    if v is None or isinstance(v, (int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return " / ".join(map(str, v)) or None
    return str(v)


def write(table, path: Path, extra: dict | None = None, null_names: dict[str, str] | None = None) -> Meta:
    """Write `table` (`serve.pages.Table`) as a SQLite file at `path`, atomically (a reader sees none of
    it or all of it); its Meta. A column whose cells are lists (the board's responsible bodies) is shown
    as its values joined by " / ", and each value is also kept in table `a` (row, column, value): a filter
    `column=v` keeps the rows that hold v among their values, and its facet counts each value (Datasette's
    array facet)."""
    columns = list(table.columns)
    bools = sorted({c for r in table.rows for c in columns if isinstance(r.get(c), bool)})
    arrays = sorted({c for r in table.rows for c in columns if isinstance(r.get(c), (list, tuple))})
    meta = Meta(columns, dict(table.types), list(table.notes), dict(extra or {}), len(table.rows),
                dict(null_names or {}), arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            cols = ", ".join(_q(c) for c in columns)
            db.execute(f"CREATE TABLE t (_rowid INTEGER PRIMARY KEY, _linked TEXT{', ' if columns else ''}{cols})")
            marks = ", ".join("?" * (len(columns) + 2))
            linked = table.linked or [set()] * len(table.rows)
            db.executemany(f"INSERT INTO t VALUES ({marks})",
                           ((i, ",".join(sorted(linked[i])) or None, *(_value(r.get(c)) for c in columns))
                            for i, r in enumerate(table.rows)))
            for n, c in enumerate(columns):
                db.execute(f"CREATE INDEX i{n} ON t ({_q(c)})")
            db.execute("CREATE TABLE a (row INTEGER, col TEXT, value TEXT)")
            db.executemany("INSERT INTO a VALUES (?, ?, ?)",
                           ((i, c, str(v)) for i, r in enumerate(table.rows) for c in arrays
                            for v in dict.fromkeys(r.get(c) or ())))
            db.execute("CREATE INDEX ia ON a (col, value, row)")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema", SCHEMA), ("columns", json.dumps(columns, ensure_ascii=False)),
                ("arrays", json.dumps(arrays, ensure_ascii=False)),
                ("types", json.dumps(meta.types)), ("bools", json.dumps(bools)),
                ("notes", json.dumps([[getattr(n, "ja", None), str(n)] for n in meta.notes], ensure_ascii=False)),
                ("extra", json.dumps(meta.extra, ensure_ascii=False)), ("total", str(meta.total)),
                ("null_names", json.dumps(meta.null_names, ensure_ascii=False))])
            db.commit()
        finally:
            db.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return meta


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    db.execute("PRAGMA temp_store = MEMORY")
    return db


def read_meta(path: Path) -> Meta | None:
    """The Meta of a table's file, or None when there is no file of this schema at `path`."""
    if not Path(path).is_file():
        return None
    try:
        db = _open(path)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
        finally:
            db.close()
    except sqlite3.Error:
        return None
    if meta.get("schema") != SCHEMA:
        return None
    from policygraph.labels import Said
    notes = [Said(ja, en) if ja is not None else en for ja, en in json.loads(meta["notes"])]  # both languages kept
    return Meta(json.loads(meta["columns"]), json.loads(meta["types"]), notes,
                json.loads(meta["extra"]), int(meta["total"]), json.loads(meta.get("null_names") or "{}"),
                json.loads(meta.get("arrays") or "[]"))


# ------------------------------------------------------------------------------------ computed in a worker
def materialise(engine, kind: str, args: tuple, path: str, project=None, rewrite: int = 0) -> Meta:
    """In a page worker: compute table `kind` with `args` and write it to `path`, unless a file of this
    schema is already there (another server, or an earlier call). The table kinds:

    - "query" (folders, name, params): a named query's rows with its parameters bound (`pages.named_rows`);
    - "kpis" (folders,): kpi-status, a KPI without a status under the status "unknown" for filters and facets;
    - "gaps" (folders,): the gap report (`pages.gap_table`), the count per kind kept for the page's chart;
    - "trace" (target,): the trace's rows (`pages.trace_table`), which needs `project`;
    - "diff" (folders, a, b, section): one section of the edition diff of documents a and b.

    `rewrite` only tells the server's result cache that this call is new (a file `prune` removed)."""
    from policygraph.serve import pages
    target = Path(path)
    found = read_meta(target)
    if found is not None:
        with contextlib.suppress(OSError):
            os.utime(target)  # used: the last to be pruned (`prune`)
        return found
    extra: dict = {}
    null_names: dict[str, str] = {}
    if kind == "query":
        folders, name, params = args
        table = pages.named_rows(engine, [Path(f) for f in folders], name, dict(params))
    elif kind == "kpis":
        table = pages.kpi_table(engine, [Path(f) for f in args[0]])
        null_names = {"status": pages.NO_STATUS}
    elif kind == "gaps":
        table, kinds = pages.gap_table(engine, [Path(f) for f in args[0]])
        extra = {"kinds": kinds}
    elif kind == "trace":
        table = pages.trace_table(engine, project, args[0])
    elif kind == "diff":
        folders, a, b, section = args
        _, sections = pages.diff_tables(engine, [Path(f) for f in folders], a, b)
        table = next(s["table"] for s in sections if s["name"] == section)
    else:
        raise ValueError(f"no table kind {kind!r}")
    meta = write(table, target, extra, null_names)
    prune(target.parent)
    return meta


#: The most tables of one store kept on disk: each set of a named query's parameters, each trace and diff
#: is a file of its own, so a long-running server asked for many would otherwise fill the disk.
MAX_FILES = 256
#: A file used within this many seconds is kept whatever the count (a request may be reading it).
KEEP_SECONDS = 600


def prune(folder: Path, most: int = MAX_FILES, keep_seconds: float = KEEP_SECONDS) -> list[Path]:
    """Remove the least recently used table files of `folder` beyond the `most` newest, but none used in
    the last `keep_seconds` (the board's and the gap report's are kept: they are asked for all the time);
    the files removed."""
    import time
    files = []
    for f in folder.glob("*.sqlite"):
        if f.name.startswith(("kpis-", "gaps-")):
            continue
        with contextlib.suppress(OSError):
            files.append((f.stat().st_mtime, f))
    files.sort(reverse=True)
    removed = []
    for mtime, f in files[most:]:
        if time.time() - mtime > keep_seconds:
            with contextlib.suppress(OSError):
                f.unlink()
                removed.append(f)
    return removed


def xlsx(_engine, path: str, query: Query, name: str, title: str = "") -> bytes:
    """In a page worker: the table's rows that `query` keeps (every one: no page), as a workbook."""
    from policygraph.views.tables import Sheet, xlsx_bytes
    meta = read_meta(Path(path))
    columns = shown_columns(meta, query)
    rows = [r for block in stream(Path(path), query) for r in block]
    return xlsx_bytes([Sheet(name, columns, rows, {c: t for c, t in meta.types.items() if c in columns}, title)])


# ------------------------------------------------------------------------------------------- URL → Query
def parse(items: list[tuple[str, str]], meta: Meta, reserved=(), default_facets: bool = True,
          other_columns=()) -> Query:
    """A Query from a request's (name, value) pairs: names beginning with "_" are the table's options,
    the rest filters on its columns; names in `reserved` (a named query's own parameters) are skipped;
    `_col` / `_nocol` names in `other_columns` are the page's own (the board's curated columns) and left
    to it. BadRequest names what is wrong."""
    columns = meta.columns
    q = Query()
    unknown: list[str] = []
    facets: list[str] = []
    chosen: list[str] = []
    dropped: list[str] = []
    no_facets = False
    for name, value in items:
        if name in reserved:
            continue
        if name.startswith("_"):
            if name == "_sort" and value:
                q.sort, q.desc = _column(value, columns, "_sort"), False
            elif name == "_sort_desc" and value:
                q.sort, q.desc = _column(value, columns, "_sort_desc"), True
            elif name == "_size":
                q.size = _size(value)
            elif name == "_next":
                q.offset = _token(value)
            elif name == "_facet" and value:
                facets.append(_column(value, columns, "_facet"))
            elif name == "_nofacet":
                no_facets = value not in ("", "0")
            elif name in ("_col", "_nocol") and value:
                for one in value.split(",") if other_columns else [value]:
                    if other_columns and one not in columns:
                        continue  # the page's own column (the board's chooser ignores a name it does not know)
                    (chosen if name == "_col" else dropped).append(_column(one, columns, name))
            elif name == "_search":
                q.search = value[:200]
            # other "_" names (_shape, _labels …) are the caller's or ignored, as Datasette does
            continue
        if value == "":
            continue  # an empty form field: no filter
        column, op = name, "exact"
        if "__" in name:
            head, _, tail = name.rpartition("__")
            if tail in OPERATORS and head in columns:
                column, op = head, tail
        if column not in columns:
            unknown.append(name)
            continue
        q.filters.append(Filter(column, op, value[:1000]))
    if unknown:
        raise BadRequest(message("table_unknown", unknown=", ".join(sorted(unknown))))
    if not no_facets and default_facets:
        facets = [c for c in DEFAULT_FACETS if c in columns] + facets
    q.facets = list(dict.fromkeys(facets))
    if chosen or dropped:
        base = [c for c in columns if c in chosen] if chosen else list(columns)
        q.columns = [c for c in base if c not in dropped]
    return q


def _column(value: str, columns: list[str], option: str) -> str:
    if value not in columns:
        raise BadRequest(message("table_column", option=option, value=repr(value[:100]), columns=", ".join(columns)))
    return value


def _size(text: str) -> int:
    if text == "max":
        return MAX_PAGE_SIZE
    try:
        size = int(text) if text else PAGE_SIZE
    except ValueError:
        raise BadRequest(message("table_size", most=MAX_PAGE_SIZE)) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(message("table_size", most=MAX_PAGE_SIZE))
    return size


def _token(text: str) -> int:
    """`_next`: the token of a next-page link (the position of the page's first row in the filtered,
    sorted rows; the file does not change, so a token always leads to the same rows)."""
    try:
        offset = int(text) if text else 0
    except ValueError:
        raise BadRequest(message("table_next")) from None
    if offset < 0:
        raise BadRequest(message("table_next"))
    return offset


# ------------------------------------------------------------------------------------------ Query → SQL
def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            return None
        return value if value == value and abs(value) != float("inf") else None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(query: Query, meta: Meta) -> tuple[str, list]:
    """The WHERE clause of `query`'s filters and search."""
    parts, args = [], []
    for f in query.filters:
        col = _q(f.column)
        null_name = meta.null_names.get(f.column)
        number = _number(f.value)
        if f.op in ("exact", "not") and f.column in meta.arrays:  # one of the row's values
            parts.append(f"{'NOT ' if f.op == 'not' else ''}EXISTS (SELECT 1 FROM a WHERE a.row = t._rowid "
                         f"AND a.col = ? AND a.value = ?)")
            args += [f.column, f.value]
        elif f.op in ("exact", "not"):
            test = f"({col} = ?" + (" OR " + f"{col} = ?" if number is not None else "") + ")"
            values = [f.value] + ([number] if number is not None else [])
            if null_name is not None and f.value == null_name:
                test = f"({test[1:-1]} OR {col} IS NULL)"
            if f.op == "not":
                test = f"NOT {test}" if null_name is not None and f.value == null_name else \
                    f"({col} IS NULL OR NOT {test})"
            parts.append(test)
            args += values
        elif f.op == "contains":
            parts.append(f"{col} LIKE ? ESCAPE '\\'")
            args.append(_like(f.value))
        elif f.op == "isnull":
            parts.append(f"{col} IS {'NOT ' if f.value in ('0', 'false') else ''}NULL")
        else:  # numbers compare with numbers, text with text (ISO dates order as text)
            sign = {"gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}[f.op]
            test = f"(typeof({col}) = 'text' AND {col} {sign} ?)"
            args.append(f.value)
            if number is not None:
                test = f"({test} OR (typeof({col}) IN ('integer', 'real') AND {col} {sign} ?))"
                args.append(number)
            parts.append(test)
    if query.search:
        parts.append("(" + " OR ".join(f"{_q(c)} LIKE ? ESCAPE '\\'" for c in meta.columns) + ")")
        args += [_like(query.search)] * len(meta.columns)
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


def _order(query: Query) -> str:
    if query.sort is None:
        return " ORDER BY _rowid"
    col = _q(query.sort)
    return f" ORDER BY {col} IS NULL, {col}{' DESC' if query.desc else ''}, _rowid"


def shown_columns(meta: Meta, query: Query) -> list[str]:
    return list(query.columns) if query.columns is not None else list(meta.columns)


def _bools(db) -> set[str]:
    row = db.execute("SELECT value FROM meta WHERE key = 'bools'").fetchone()
    return set(json.loads(row[0])) if row else set()


def _rows(cursor, names: list[str], bools: set[str]) -> list[dict]:
    out = []
    for values in cursor:
        row = dict(zip(names, values))
        for c in bools & row.keys():
            if row[c] in (0, 1):
                row[c] = bool(row[c])
        out.append(row)
    return out


def select(path: Path, query: Query, meta: Meta | None = None) -> Page:
    """One page of the table at `path` under `query`, with the filtered count, the table's total and the
    facet counts (of the rows the filters keep, as Datasette counts them)."""
    meta = meta or read_meta(path)
    columns = shown_columns(meta, query)
    db = _open(path)
    try:
        where, args = _where(query, meta)
        count = db.execute(f"SELECT count(*) FROM t{where}", args).fetchone()[0]
        names = ["_linked", *columns]
        cursor = db.execute(f"SELECT _linked{''.join(', ' + _q(c) for c in columns)} FROM t{where}{_order(query)} "
                            f"LIMIT ? OFFSET ?", [*args, query.size, query.offset])
        bools = _bools(db)
        raw = _rows(cursor, names, bools)
        linked = [set((r.pop("_linked") or "").split(",")) - {""} for r in raw]
        facets = {}
        for col in query.facets:
            if col in meta.arrays:  # each value of the rows' lists, counted once per row; then the rows of none
                found = db.execute(f"SELECT a.value, count(*) AS n FROM a JOIN (SELECT _rowid FROM t{where}) k "
                                   f"ON a.row = k._rowid WHERE a.col = ? GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
                                   [*args, col, FACET_VALUES + 1]).fetchall()
                empty = db.execute(f"SELECT count(*) FROM t{where}{' AND' if where else ' WHERE'} {_q(col)} IS NULL",
                                   args).fetchone()[0]
                truncated = len(found) > FACET_VALUES
                found = found[:FACET_VALUES] + ([(None, empty)] if empty else [])
            else:
                found = db.execute(f"SELECT {_q(col)}, count(*) AS n FROM t{where} GROUP BY 1 ORDER BY n DESC, "
                                   f"1 LIMIT ?", [*args, FACET_VALUES + 1]).fetchall()
                truncated = len(found) > FACET_VALUES
                found = found[:FACET_VALUES]
            chosen = {f.value for f in query.filters if f.column == col and f.op == "exact"}
            null_name = meta.null_names.get(col)
            values = []
            bool_column = col in bools
            for value, n in found:
                shown = null_name if value is None and null_name is not None else value
                values.append({"value": shown, "count": n, "null": value is None and null_name is None,
                               "label": ("はい true" if value else "いいえ false") if bool_column and value in (0, 1)
                               else "（空）empty" if value == "" else shown,
                               "selected": (str(shown) in chosen) if shown is not None else
                               any(f.column == col and f.op == "isnull" for f in query.filters)})
            facets[col] = {"name": col, "results": values, "truncated": truncated}
        return Page(columns, raw, linked, count, meta.total, query.offset, facets,
                    {c: t for c, t in meta.types.items() if c in columns}, meta.notes)
    finally:
        db.close()


def stream(path: Path, query: Query, block: int = BLOCK):
    """Every row `query` keeps (no page: from its `_next` on), in its order, a block of dicts at a time."""
    meta = read_meta(path)
    columns = shown_columns(meta, query)
    db = _open(path)
    try:
        bools = _bools(db)
        where, args = _where(query, meta)
        cursor = db.execute(f"SELECT {', '.join(_q(c) for c in columns) or 'NULL'} FROM t{where}{_order(query)}"
                            f" LIMIT -1 OFFSET ?", [*args, query.offset])
        while True:
            chunk = cursor.fetchmany(block)
            if not chunk:
                break
            yield _rows(chunk, columns, bools) if columns else [{} for _ in chunk]
    finally:
        db.close()
