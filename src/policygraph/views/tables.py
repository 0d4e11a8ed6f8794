"""Rows as files for spreadsheets: CSV/TSV and Excel workbooks, formula-like cells guarded.

Every table the tool writes — `policygraph query --format csv`, the server's `.csv` and `.xlsx`
links, `policygraph export --format xlsx` — goes through here, so a cell that begins with `=`, `+`,
`-` or `@` is written as text the same way everywhere (`controls.spreadsheet_safe`).

Example:
    >>> delimited(["a"], [{"a": "=1+1"}], ",")
    "a\\n'=1+1\\n"
"""
from __future__ import annotations

import csv
import io

from policygraph.controls import printable, spreadsheet_safe


def delimited(columns: list[str], rows: list[dict], delimiter: str = ",") -> str:
    """Rows of plain values as CSV (or TSV with delimiter "\\t"), header first."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([spreadsheet_safe(r.get(c)) for c in columns])  # =… +… -… @… quoted
    return buf.getvalue()


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[dict]]]) -> bytes:
    """One workbook, a sheet per (columns, rows) entry, header row bold and frozen.

    Text cells are guarded as in CSV (a formula-like cell gets a leading apostrophe) and control
    characters, which XML cannot hold, are written as visible \\xNN escapes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(_sheet_name(name))
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for r in rows:
            sheet.append([_cell(r.get(c)) for c in columns])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _cell(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return spreadsheet_safe(printable(str(value)))


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "sheet"


#: Rows per block when a table is written a block at a time.
BLOCK_ROWS = 2000


def delimited_blocks(columns: list[str], rows: list[dict], delimiter: str = ",", block: int = BLOCK_ROWS):
    """`delimited(columns, rows)` as a sequence of strings (the header, then a block of rows each), so a
    large table is written without one string of all of it."""
    yield delimited(columns, [], delimiter)
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
