"""Control characters: refused in records, shown escaped wherever data reaches a terminal.

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
