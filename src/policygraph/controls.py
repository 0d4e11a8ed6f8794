"""Text safety: control characters (refused in records, shown escaped wherever data reaches a
terminal) and spreadsheet formulas (quoted in every CSV/TSV we write).

An ESC or OSC sequence in a label would rewrite the terminal that prints it (colours, titles,
hyperlinks, cleared lines), and no source document prints one.

    >>> printable("ok\\x1b]0;pwned\\x07 tab\\tline\\n")
    'ok\\\\x1b]0;pwned\\\\x07 tab\\tline\\n'
"""
from __future__ import annotations

import re

#: C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character written as a visible \\xNN escape."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV/TSV cell: text a spreadsheet would run as a formula gets a leading apostrophe; numbers
    and other text are kept as they are.

    >>> print(spreadsheet_safe('=HYPERLINK("http://x")'), spreadsheet_safe(-5), repr(spreadsheet_safe(None)))
    '=HYPERLINK("http://x") -5 ''
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
