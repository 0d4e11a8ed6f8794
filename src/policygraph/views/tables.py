"""Rows as files for spreadsheets: CSV/TSV and Excel workbooks, formula-like cells guarded.

Every table the tool writes — `policygraph query --format csv`, the server's `.csv` and `.xlsx`
links, `policygraph export --format xlsx` — goes through here, so a cell that begins with `=`, `+`,
`-` or `@` is guarded the same way everywhere: in CSV/TSV, which has no cell types, with a leading
apostrophe (`controls.spreadsheet_safe`); in a workbook as a *string cell* with Excel's "quote prefix"
flag, so the text stays verbatim (no apostrophe is added) and Excel never runs it.

A workbook is delivered ready to work in: dates typed as Excel dates (a column whose RDF values are
xsd:date, xsd:dateTime, xsd:gYearMonth or xsd:gYear; see `column_types`), numbers as numbers, column
widths from the contents, an autofilter and a frozen header on every sheet, and a contents sheet first
that names each sheet in full (a tab holds at most 31 characters: a longer name is shortened at a word
boundary, never mid-word).

Example:
    >>> delimited(["a"], [{"a": "=1+1"}], ",")
    "a\\n'=1+1\\n"
    >>> short_sheet_name("trace-doc-future-investment-2017", set())
    'trace-doc-future-investment'
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

from policygraph.controls import FORMULA_START, printable, spreadsheet_safe

#: The byte-order mark every CSV meant for a spreadsheet starts with: Excel then reads the Japanese as UTF-8.
BOM = "\ufeff"

#: XSD datatypes written as Excel dates: datatype IRI → column type.
DATE_TYPES = {"http://www.w3.org/2001/XMLSchema#date": "date",
              "http://www.w3.org/2001/XMLSchema#dateTime": "datetime",
              "http://www.w3.org/2001/XMLSchema#gYearMonth": "month",
              "http://www.w3.org/2001/XMLSchema#gYear": "year"}
#: Excel number format of each column type: the date shows at the precision the data has.
DATE_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss", "month": "yyyy-mm", "year": "yyyy"}
#: Widest column (in characters; a Japanese character counts two), so a long quote does not hide the rest.
MAX_WIDTH = 60
#: Rows read to size the columns (a larger sheet is sized on its first rows).
SIZED_ROWS = 2000

#: The contents sheet's name and headings, in each language of `--lang`.
CONTENTS = {"ja": ("目次", ["シート", "名前", "説明", "行数", "出典"]),
            "en": ("Contents", ["sheet", "name", "description", "rows", "source"])}
#: How ids relate to IRIs, said once on the contents sheet.
ID_NOTE = {"ja": "id は https://w3id.org/policygraph/id/<id> の略です（serve では /id/<id>）。",
           "en": "An id stands for https://w3id.org/policygraph/id/<id> (the web app's page /id/<id>)."}


def delimited(columns: list[str], rows: list[dict], delimiter: str = ",", bom: bool = False) -> str:
    """Rows of plain values as CSV (or TSV with delimiter "\\t"), header first; `bom` starts it with a
    byte-order mark, for spreadsheets."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([spreadsheet_safe(r.get(c)) for c in columns])  # =… +… -… @… quoted
    return buf.getvalue()


@dataclass
class Sheet:
    """One sheet of a workbook: `name` in full (the contents sheet shows it; the tab gets a short form),
    its columns and rows of plain values, and `types` naming the columns to write as Excel dates
    (column → "date", "datetime", "month" or "year"; values ISO text, as `graph.terms.plain` gives them)."""

    name: str
    columns: list[str]
    rows: list[dict]
    types: dict[str, str] = field(default_factory=dict)
    description: str = ""
    source: str = ""


def column_types(rows, columns: list[str]) -> dict[str, str]:
    """The date columns of a query result (dicts of RDF terms): those whose literals are all of one
    datatype of DATE_TYPES. A column of text (a printed date such as "FY2016") stays text."""
    seen: dict[str, set] = {c: set() for c in columns}
    for r in rows:
        for c in columns:
            v = r.get(c)
            if v is not None:
                seen[c].add(str(getattr(v, "datatype", None) or type(v).__name__))
    out = {}
    for c, kinds in seen.items():
        if len(kinds) == 1 and (kind := next(iter(kinds))) in DATE_TYPES:
            out[c] = DATE_TYPES[kind]
    return out


def xlsx_bytes(sheets: list[Sheet], lang: str = "ja") -> bytes:
    """One workbook: a contents sheet (in `lang`, "ja" or "en"), then a sheet per `Sheet`, each with a
    bold frozen header, an autofilter, column widths, typed dates and numbers and verbatim text.

    Text is guarded without being changed: a formula-like value is a string cell with Excel's quote
    prefix; control characters, which XML cannot hold, are written as visible \\xNN escapes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    contents = book.active
    contents_name, headings = CONTENTS[lang]
    contents.title = contents_name
    taken = {contents_name}
    listing = []
    for sheet in sheets:
        tab = short_sheet_name(sheet.name, taken)
        taken.add(tab)
        ws = book.create_sheet(tab)
        _fill(ws, sheet.columns, sheet.rows, sheet.types)
        listing.append({headings[0]: tab, headings[1]: sheet.name, headings[2]: sheet.description,
                        headings[3]: len(sheet.rows), headings[4]: sheet.source})
    _fill(contents, headings, listing + [{headings[1]: ID_NOTE[lang]}], {})
    for row, entry in enumerate(listing, start=2):
        link = contents.cell(row, 1)
        link.hyperlink = f"#'{entry[headings[0]]}'!A1"
        link.font = Font(color="0563C1", underline="single")
    book.active = 1 if sheets else 0  # open on the first table; the contents are one tab to the left
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _fill(ws, columns: list[str], rows: list[dict], types: dict[str, str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    widths = [_width(c) for c in columns]
    for n, r in enumerate(rows, start=2):
        values = []
        special = []
        for i, c in enumerate(columns):
            value, kind = _cell(r.get(c), types.get(c))
            values.append(value)
            if kind is not None:
                special.append((i, kind))
            if n <= SIZED_ROWS:
                widths[i] = max(widths[i], DATE_WIDTH if kind in DATE_FORMATS else _width(value))
        ws.append(values)
        for i, kind in special:
            cell = ws.cell(n, i + 1)
            if kind == "text":  # stays a string cell: openpyxl would make "=…" a formula
                cell.data_type = "s"
                cell.quotePrefix = True
            else:
                cell.number_format = DATE_FORMATS[kind]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(w + 2, MAX_WIDTH)
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"


DATE_WIDTH = 10


def _cell(value, kind: str | None):
    """(the value to write, "text" for a guarded string, a DATE_FORMATS key for a date, or None)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value, None
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = printable(str(value))
    if kind in DATE_FORMATS:
        when = _date(text, kind)
        if when is not None:
            return when, kind
    return text, ("text" if text.startswith(FORMULA_START) else None)


_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _date(text: str, kind: str):
    """An ISO date, month, year or date-time as a date Excel can hold (1900 on, no time zone), else None."""
    try:
        if kind == "year" and _YEAR.match(text):
            when = dt.date(int(text), 1, 1)
        elif kind == "month" and (m := _MONTH.match(text)):
            when = dt.date(int(m[1]), int(m[2]), 1)
        elif kind == "date":
            when = dt.date.fromisoformat(text[:10])
        elif kind == "datetime":
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
        else:
            return None
    except ValueError:
        return None
    return when if when.year >= 1900 else None


def _width(value) -> int:
    """Display width of a cell's text: a wide (Japanese) character counts two."""
    if value is None:
        return 0
    text = str(value)
    if len(text) > MAX_WIDTH:
        return MAX_WIDTH
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


#: Characters Excel refuses in a sheet name.
_NOT_IN_SHEET_NAMES = "[]:*?/\\"
#: Where a long name may be cut: after a word.
_WORD_END = re.compile(r"[\s\-_・、。（）()]")


def short_sheet_name(name: str, taken: set[str]) -> str:
    """A sheet tab for `name`: Excel's rules (at most 31 characters, none of []:*?/\\, no apostrophe at
    either end), a long name shortened at the last word boundary that fits (never mid-word), and
    different from every name in `taken` (case-insensitive, as Excel compares) by a " (2)" suffix."""
    clean = "".join("_" if ch in _NOT_IN_SHEET_NAMES else ch for ch in printable(name)).strip("' ") or "sheet"

    def fit(text: str, room: int) -> str:
        if len(text) <= room:
            return text
        cuts = [m.start() for m in _WORD_END.finditer(text) if 0 < m.start() <= room]
        return text[:cuts[-1]].rstrip(" -_・、") if cuts else text[:room]

    lower = {t.casefold() for t in taken}
    tab = fit(clean, 31)
    n = 2
    while tab.casefold() in lower:
        suffix = f" ({n})"
        tab = fit(clean, 31 - len(suffix)) + suffix
        n += 1
    return tab


#: Rows per block when a table is written a block at a time.
BLOCK_ROWS = 2000


def delimited_blocks(columns: list[str], rows: list[dict], delimiter: str = ",", block: int = BLOCK_ROWS,
                     bom: bool = False):
    """`delimited(columns, rows, delimiter, bom=bom)` as a sequence of strings (the header, then a block
    of rows each), so a large table is written without one string of all of it."""
    yield delimited(columns, [], delimiter, bom=bom)
    for start in range(0, len(rows), block):
        yield delimited(columns, rows[start:start + block], delimiter).split("\n", 1)[1]


def json_blocks(rows: list, indent: int = 1, block: int = BLOCK_ROWS):
    """`json.dumps(rows, ensure_ascii=False, indent=indent)` as a sequence of strings, a block of
    rows each (joined, the same text)."""
    import json
    if not rows:
        yield "[]"
        return
    for start in range(0, len(rows), block):
        text = json.dumps(rows[start:start + block], ensure_ascii=False, indent=indent)
        yield ("[" if start == 0 else ",") + text[1:-1].rstrip("\n")
    yield "\n]"
