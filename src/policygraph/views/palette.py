"""The attainment palette, defined once: the custom properties of the site's stylesheet (site.css, the
``:root`` block between its "attainment palette" comments) give each status a fill, the text colour on
that fill and a mark, so that a status is never told by colour alone. The web app's pages use them through
CSS (``.pg-status-<status>``); the places that need colours in Python — the overview's stacked bars, the
coverage map, the explorer's and the views' node colours, the KPI chart — read them here; the offline
files inline the same block (`css`).

Example:
    >>> PALETTE["achieved"].fill, PALETTE["achieved"].text, PALETTE["achieved"].mark
    ('#1a7837', '#ffffff', '◎')
    >>> contrast("#1a7837", "#ffffff") >= 4.5
    True
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from policygraph.graph.attainment import LABELS, STATUSES
from policygraph.project import RESOURCES

#: The stylesheet holding the palette (the one served as /static/site.css).
STYLESHEET = RESOURCES / "viz" / "templates" / "site.css"
#: "unknown": a KPI the graph states no attainment for.
UNKNOWN = "unknown"
_BLOCK = re.compile(r"/\* The attainment palette.*?/\* end of the attainment palette \*/\n?", re.S)
_PROPERTY = re.compile(r"--pg-status-([a-z_]+?)(-text|-mark)?:\s*(#[0-9a-fA-F]{6}|\"[^\"]*\")\s*;")


@dataclass(frozen=True)
class Swatch:
    fill: str   # the status's colour (#rrggbb)
    text: str   # the colour of text on that fill
    mark: str   # a glyph beside the colour (◎ achieved, × missed …)
    ja: str
    en: str


def css(stylesheet=STYLESHEET) -> str:
    """The palette's block of the stylesheet (custom properties and the .pg-status-* rules), for pages that
    inline their styles (the offline views)."""
    found = _BLOCK.search(stylesheet.read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{stylesheet}: no attainment palette block")
    return found.group(0)


def read(stylesheet=STYLESHEET) -> dict[str, Swatch]:
    """Status → Swatch from the stylesheet's custom properties, every status of the attainment stage and
    "unknown" (a missing one is an error: the palette must cover them all)."""
    values: dict[str, dict[str, str]] = {}
    for status, part, value in _PROPERTY.findall(css(stylesheet)):
        values.setdefault(status, {})[part or "fill"] = value.strip('"').lower() if part != "-mark" else value.strip('"')
    out = {}
    for status in (*STATUSES, UNKNOWN):
        v = values.get(status, {})
        if set(v) != {"fill", "-text", "-mark"}:
            raise ValueError(f"{stylesheet}: the palette lacks --pg-status-{status} (fill, -text and -mark)")
        ja, en = LABELS.get(status, ("不明", "unknown (no pg:attainment)"))
        out[status] = Swatch(v["fill"], v["-text"], v["-mark"], ja, en)
    return out


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 … 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


PALETTE = read()
#: Status → (fill, Japanese, English): the shape the views and templates have always taken.
ATTAINMENT_STYLE = {s: (w.fill, w.ja, w.en) for s, w in PALETTE.items()}
