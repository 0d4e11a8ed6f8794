"""The KPI chart, drawn once, on the server, as SVG: the node page (/id/<id>), the explorer's panel, the
offline views (`policygraph viz graph | gaps`, /trace/<id>) and the explorer file all show this markup.

Why a server-side renderer and not a charting library in the browser: the pages need no script for it
(the web app's CSP allows scripts of its own origin only, the offline files only theirs, pinned by hash;
Vega would need 'unsafe-eval' or its interpreter build), it works in the offline files unchanged, the
tests read the SVG without a browser, and it is one small module instead of a vendored bundle.

What it draws, for the values of a KPI in its main unit:

- one line per series: the KPI's total and each sub-series (pg:series: 自治体クラウド, 単独クラウド) are
  separate lines, never joined into one; on a date a series states twice (two documents), the line goes
  through the best-founded value (final, then unstated, then preliminary) and every statement keeps its
  marker;
- baselines (squares) and targets (diamonds, hollow when derived from a relative target) as reference
  marks: a mark at their date and a thin rule at their value, not points of a line;
- projections (見込み, 予定) hollow with a dashed outline, joined to their series' last observation by a
  dashed line; preliminary values (速報値) hollow markers, final and unstated ones filled;
- a value axis with round ("nice") ticks and the unit as its title, a time axis by year, a legend, and a
  text alternative: an aria-label summary on the svg and a table of every value drawn.

Every label is escaped (markupsafe); colours are presentation attributes (no inline style: the CSP).

Example:
    >>> html = kpi_chart([{"kind": "observation", "id": "o1", "value": 550, "unit": "団体",
    ...                    "date": "2014-04-01", "status": "final", "series": None},
    ...                   {"kind": "observation", "id": "o2", "value": 1067, "unit": "団体",
    ...                    "date": "2018-04-01", "status": "final", "series": None}])
    >>> 'role="img"' in html and 'data-values="550 1067"' in html
    True
    >>> nice_ticks(0, 1195.04)
    [0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0]
    >>> [tick_label(v, 0.25) for v in nice_ticks(0, 1.1)]
    ['0.00', '0.25', '0.50', '0.75', '1.00', '1.25']
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Series lines, one colour and marker shape each (Okabe–Ito hues darkened to ≥ 3:1 on white, WCAG
#: 1.4.11); the shape and the legend tell them apart without colour.
SERIES_STYLES = (("#0072b2", "circle"), ("#c35a00", "triangle"), ("#007a5a", "square"), ("#7b3294", "down"),
                 ("#6b5a00", "circle"), ("#2f4b7c", "triangle"))
BASELINE_COLOUR = "#595959"
TARGET_COLOUR = "#8e0152"
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#e6e6e6"
TEXT_COLOUR = "#333333"
#: The name of a KPI's total (the values without pg:series).
TOTAL = "全体 total"
_STATUS_RANK = {"final": 2, "unstated": 1, "preliminary": 0}
_KIND_JA = {"observation": "実績", "baseline": "基準値", "target": "目標", "projection": "見込み",
            "assessment": "評価"}


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values covering lo … hi: steps of 1, 2, 2.5 or 5 × 10ⁿ, about `count` of them."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        hi = lo + (abs(lo) or 1)
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick's text: thousands separated, as many decimals as the step needs (no 1195.04)."""
    fraction = f"{step:.10f}".rstrip("0").split(".")[1]
    decimals = len(fraction)
    return f"{value:,.{decimals}f}"


def sparkline(values: list[float], width: int = 90, height: int = 22) -> str:
    """SVG polyline points of a series of values, scaled into width × height ("" for fewer than two)."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(values))


def sparkline_svg(values: list[float], label: str = "", width: int = 90, height: int = 22) -> Markup:
    """A small inline chart of `values` (the board's sparkline), with its values as its text alternative;
    empty for fewer than two values."""
    points = sparkline(values, width, height)
    if not points:
        return Markup("")
    text = f"{label}: " if label else ""
    text += " → ".join(f"{v:,.10g}" for v in values)
    return Markup('<svg class="pg-spark" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{a}">'
                  '<polyline points="{p}" fill="none" stroke="{c}" stroke-width="1.5"></polyline></svg>').format(
        w=width, h=height, a=text, p=points, c=SERIES_STYLES[0][0])


@dataclass
class _Point:
    item: dict
    t: float  # ordinal day
    v: float


def _day(text: str) -> float:
    return dt.date.fromisoformat(str(text)[:10]).toordinal()


def _number(v: float) -> str:
    """A value as shown (thousands separated)."""
    return f"{v:,.10g}"


def _raw(v: float) -> str:
    """A value in a data- attribute (no separators)."""
    return f"{v:.10g}"


def _marker(shape: str, x: float, y: float, r: float = 4.5) -> tuple[str, str]:
    """(element, geometry attributes) of a marker centred at x, y."""
    if shape == "circle":
        return "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="{r}"'
    if shape == "square":
        return "rect", f'x="{x - r + .5:.1f}" y="{y - r + .5:.1f}" width="{2 * r - 1:.1f}" height="{2 * r - 1:.1f}"'
    if shape == "diamond":
        r += 1.5
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    elif shape == "down":
        pts = [(x - r, y - r * .8), (x + r, y - r * .8), (x, y + r)]
    else:  # triangle
        pts = [(x, y - r), (x + r, y + r * .8), (x - r, y + r * .8)]
    return "polygon", 'points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"'


def _text_width(text: str, size: float = 11) -> float:
    """About how wide `text` is drawn: full-width characters a font size, others about half."""
    return sum(size if ord(c) > 0x2E7F else size * .56 for c in text)


def kpi_chart(series: list[dict], width: int = 560, height: int = 250, title: str = "") -> Markup | None:
    """The chart of a KPI's values (`RecordGraph.kpi_series` items) as HTML: a <figure> holding the SVG
    and a table of the values drawn; None when no value is a dated number."""
    numeric = [s for s in series if isinstance(s.get("value"), (int, float)) and not isinstance(s.get("value"), bool)
               and s.get("date") and s.get("kind") in _KIND_JA and s.get("kind") != "assessment"]
    if not numeric:
        return None
    units = Counter(s.get("unit") or "" for s in numeric)
    unit = max(units, key=lambda u: (units[u], u == ""))
    omitted = [s for s in numeric if (s.get("unit") or "") != unit]
    # a value printed as a cut (894 システムの減) is drawn at the level it leaves (pg:level: 556)
    points = [_Point(s, _day(s["date"]), float(s["level"] if isinstance(s.get("level"), (int, float)) else s["value"]))
              for s in numeric if (s.get("unit") or "") == unit]

    # series: the total first, then the sub-series in the order they first appear
    names: list[str | None] = []
    for p in sorted(points, key=lambda p: (p.t, p.item.get("series") is not None)):
        if p.item["kind"] in ("observation", "projection") and p.item.get("series") not in names:
            names.append(p.item.get("series"))
    names.sort(key=lambda n: n is not None)
    style = {n: SERIES_STYLES[i % len(SERIES_STYLES)] for i, n in enumerate(names)}

    # the plane
    left, right, top = 64, 16, 14
    axis_h = 34
    t0, t1 = min(p.t for p in points), max(p.t for p in points)
    pad = max((t1 - t0) * 0.05, 120)
    t0, t1 = t0 - pad, t1 + pad
    values = [p.v for p in points]
    ticks = nice_ticks(min(0.0, min(values)), max(values))
    v0, v1 = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1

    # the legend (below the plot, wrapped into rows)
    entries = [("series", n) for n in names]
    kinds = {p.item["kind"] for p in points}
    if any(p.item["kind"] == "observation" and p.item.get("status") == "preliminary" for p in points):
        entries.append(("preliminary", None))
    for kind in ("projection", "baseline", "target"):
        if kind in kinds:
            entries.append((kind, None))
    legend, x, row = [], left, 0
    for kind, name in entries:
        text = {"series": (TOTAL if name is None else str(name)), "preliminary": "速報値 preliminary (hollow)",
                "projection": "見込み projection (dashed)", "baseline": "基準値 baseline",
                "target": "目標 target"}[kind]
        w = 26 + _text_width(text) + 14
        if x + w > width - right and x > left:
            x, row = left, row + 1
        legend.append((kind, name, text, x, row))
        x += w
    plot_bottom = height - axis_h
    total_h = height + 18 * (row + 1) + 4

    def X(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (width - left - right)

    def Y(v: float) -> float:
        return top + (v1 - v) / ((v1 - v0) or 1) * (plot_bottom - top)

    out: list[Markup] = []

    def add(piece: str) -> None:  # pieces built here hold numbers and constants only; labels come as Markup
        out.append(piece if isinstance(piece, Markup) else Markup(piece))
    observations = [p for p in points if p.item["kind"] == "observation"]
    summary = _summary(title, names, observations, points, unit)
    add(Markup('<svg class="pg-chart" id="pg-kpi-chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
               'viewBox="0 0 {w} {h}" role="img" aria-label="{a}" font-family="Noto Sans CJK JP, sans-serif" '
               'font-size="11">').format(w=width, h=round(total_h), a=summary))
    # value axis: grid, round ticks, the unit as its title
    for v in ticks:
        y = Y(v)
        add(f'<line class="pg-grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID_COLOUR}"></line>')
        add(Markup('<text class="pg-tick pg-tick-y" x="{x}" y="{y:.1f}" text-anchor="end" fill="{c}" '
                   'data-value="{v}">{label}</text>').format(x=left - 5, y=y + 4, c=TEXT_COLOUR, v=_raw(v),
                                                            label=tick_label(v, step)))
    add(Markup('<text class="pg-axis-title pg-axis-y" x="12" y="{y:.1f}" transform="rotate(-90 12 {y:.1f})" '
               'text-anchor="middle" fill="{c}">{t}</text>').format(y=(top + plot_bottom) / 2, c=TEXT_COLOUR,
                                                                   t=f"値 value ({unit})" if unit else "値 value"))
    # time axis: a tick a year (every few years on a long span)
    first, last = dt.date.fromordinal(int(t0)).year + 1, dt.date.fromordinal(int(t1)).year
    every = max(1, math.ceil((last - first + 1) / 8))
    for year in range(first, last + 1, every):
        xx = X(dt.date(year, 1, 1).toordinal())
        add(f'<line class="pg-axis" x1="{xx:.1f}" y1="{plot_bottom}" x2="{xx:.1f}" y2="{plot_bottom + 4}" '
            f'stroke="{AXIS_COLOUR}"></line>')
        add(f'<text class="pg-tick pg-tick-x" x="{xx:.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
            f'fill="{TEXT_COLOUR}">{year}</text>')
    add(f'<line class="pg-axis" x1="{left}" y1="{plot_bottom}" x2="{width - right}" y2="{plot_bottom}" stroke="{AXIS_COLOUR}"></line>')
    add(f'<line class="pg-axis" x1="{left}" y1="{top}" x2="{left}" y2="{plot_bottom}" stroke="{AXIS_COLOUR}"></line>')
    add(f'<text class="pg-axis-title pg-axis-x" x="{(left + width - right) / 2:.1f}" y="{plot_bottom + 30}" '
        f'text-anchor="middle" fill="{TEXT_COLOUR}">年 year (基準日 reference date)</text>')

    def tip(p: _Point) -> Markup:
        s = p.item
        bits = [_KIND_JA[s["kind"]] + " " + s["kind"]]
        if s["kind"] in ("observation", "projection"):
            bits.append(TOTAL if s.get("series") is None else str(s["series"]))
        text = " · ".join(bits) + f": {_value_text(p, unit)} @ {s.get('date_text') or s['date']}"
        if s.get("status"):
            text += f" ({s['status']})"
        if s.get("projection_kind"):
            text += f" ({s['projection_kind']})"
        if s.get("derived"):
            text += " (derived)"
        if s.get("document_label"):
            text += f" — {s['document_label']}"
        return Markup("<title>{}</title>").format(text + f" [{s['id']}]")

    # reference marks: a thin rule at the value and a mark at the date, never joined to a line
    for p in points:
        kind = p.item["kind"]
        if kind not in ("baseline", "target"):
            continue
        colour = BASELINE_COLOUR if kind == "baseline" else TARGET_COLOUR
        x, y = X(p.t), Y(p.v)
        add(f'<line class="pg-ref pg-ref-{kind}" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1" stroke-dasharray="{"2 3" if kind == "baseline" else "6 3"}" '
            f'data-value="{_raw(p.v)}"></line>')
        tag, geometry = _marker("square" if kind == "baseline" else "diamond", x, y)
        cls = "pg-pt pg-ref-mark pg-pt-baseline pg-base" if kind == "baseline" else \
            "pg-pt pg-ref-mark pg-pt-target pg-target"
        fill = "#ffffff" if p.item.get("derived") else colour
        add(Markup(f'<{tag} class="{cls}" {geometry} fill="{fill}" stroke="{colour}" stroke-width="1.5" '
                   f'data-kind="{kind}" data-value="{_raw(p.v)}" data-date="{escape(p.item["date"])}">')
            + tip(p) + Markup(f"</{tag}>"))

    # one line per series through its observations; projections dashed from the series' last observation
    for name in names:
        colour, shape = style[name]
        mine = [p for p in observations if p.item.get("series") == name]
        by_date: dict[float, _Point] = {}
        for p in sorted(mine, key=lambda p: (p.t, _STATUS_RANK.get(p.item.get("status"), 1))):
            by_date[p.t] = p  # the best-founded value of the date comes last and wins
        line = [by_date[t] for t in sorted(by_date)]
        label = TOTAL if name is None else str(name)
        if len(line) >= 2:
            add(Markup('<polyline class="pg-line pg-obs-line" data-series="{s}" data-values="{vals}" data-dates="{ds}" '
                       'points="{pts}" fill="none" stroke="{c}" stroke-width="2"></polyline>').format(
                s=label, vals=" ".join(_raw(p.v) for p in line), ds=" ".join(p.item["date"][:10] for p in line),
                pts=" ".join(f"{X(p.t):.1f},{Y(p.v):.1f}" for p in line), c=colour))
        projected = sorted((p for p in points if p.item["kind"] == "projection" and p.item.get("series") == name),
                           key=lambda p: p.t)
        if projected:
            start = [p for p in line if p.t <= projected[0].t][-1:]
            chain = start + projected
            if len(chain) >= 2:
                add(Markup('<polyline class="pg-line pg-proj-line" data-series="{s}" data-values="{vals}" '
                           'points="{pts}" fill="none" stroke="{c}" stroke-width="1.5" stroke-dasharray="5 4">'
                           '</polyline>').format(s=label, vals=" ".join(_raw(p.v) for p in chain),
                                                 pts=" ".join(f"{X(p.t):.1f},{Y(p.v):.1f}" for p in chain), c=colour))
        for p in sorted(mine + projected, key=lambda p: p.t):
            tag, geometry = _marker(shape, X(p.t), Y(p.v))
            if p.item["kind"] == "projection":
                cls, fill, extra = "pg-pt pg-pt-projection pg-proj", "#ffffff", ' stroke-dasharray="2 2"'
            elif p.item.get("status") == "preliminary":
                cls, fill, extra = "pg-pt pg-pt-preliminary pg-obs pg-prelim", "#ffffff", ""
            else:
                cls, fill, extra = "pg-pt pg-pt-final pg-obs", colour, ""
            add(Markup(f'<{tag} class="{cls}" {geometry} fill="{fill}" stroke="{colour}" stroke-width="2"{extra} '
                       f'data-kind="{p.item["kind"]}" data-value="{_raw(p.v)}" '
                       f'data-date="{escape(p.item["date"])}" data-series="{escape(label)}">') + tip(p)
                + Markup(f"</{tag}>"))

    # the legend
    base = total_h - 18 * (row + 1) + 6
    for kind, name, text, x, r in legend:
        y = base + 18 * r
        add(f'<g class="pg-legend-item pg-legend-{kind}">')
        if kind == "series":
            colour, shape = style[name]
            add(f'<line x1="{x}" y1="{y:.1f}" x2="{x + 20}" y2="{y:.1f}" stroke="{colour}" stroke-width="2"></line>')
            tag, geometry = _marker(shape, x + 10, y, 3.5)
            add(f'<{tag} {geometry} fill="{colour}" stroke="{colour}"></{tag}>')
        elif kind == "preliminary":
            tag, geometry = _marker("circle", x + 10, y, 3.5)
            add(f'<{tag} {geometry} fill="#ffffff" stroke="{TEXT_COLOUR}" stroke-width="2"></{tag}>')
        elif kind == "projection":
            add(f'<line x1="{x}" y1="{y:.1f}" x2="{x + 20}" y2="{y:.1f}" stroke="{TEXT_COLOUR}" stroke-width="1.5" '
                f'stroke-dasharray="5 4"></line>')
        else:
            colour = BASELINE_COLOUR if kind == "baseline" else TARGET_COLOUR
            tag, geometry = _marker("square" if kind == "baseline" else "diamond", x + 10, y, 3.5)
            add(f'<{tag} {geometry} fill="{colour}" stroke="{colour}"></{tag}>')
        add(Markup('<text x="{x}" y="{y:.1f}" fill="{c}">{t}</text></g>').format(x=x + 26, y=y + 4, c=TEXT_COLOUR,
                                                                                    t=text))
    add(Markup("</svg>"))
    table = _table(points, omitted, unit)
    return Markup('<figure class="pg-chart-figure">') + Markup("").join(out) + table + Markup("</figure>")


def _value_text(p: _Point, unit: str) -> str:
    """A value as the chart's texts give it: a cut with the level it leaves (894システム cut → 556システム)."""
    if isinstance(p.item.get("level"), (int, float)):
        return f"{_number(float(p.item['value']))}{unit} cut → {_number(p.v)}{unit}"
    return f"{_number(p.v)}{unit}"


def _summary(title: str, names, observations, points, unit: str) -> str:
    """The chart in one sentence, for the svg's aria-label."""
    lines = ", ".join(TOTAL if n is None else str(n) for n in names)
    text = f"{title + ': ' if title else ''}KPI chart, {len(names)} line(s) ({lines})"
    if observations:
        dates = sorted(p.item["date"][:10] for p in observations)
        text += f", {len(observations)} observation(s) from {dates[0]} to {dates[-1]}"
    for kind in ("baseline", "target"):
        marks = sorted({(p.item["date"][:10], p.v) for p in points if p.item["kind"] == kind})
        if marks:
            text += f"; {kind} " + ", ".join(f"{_number(v)}{unit} ({d})" for d, v in marks)
    return text + ". The values are listed in the table below the chart."


def _table(points: list[_Point], omitted: list[dict], unit: str) -> Markup:
    """The chart's text alternative: every value drawn (and those left out, in other units)."""
    rows = [Markup('<details class="pg-chart-data"><summary>グラフの値 The values in the chart</summary>'
                   '<table class="pg-table pg-chart-values"><thead><tr><th scope="col">系列 series</th>'
                   '<th scope="col">種類 kind</th><th scope="col">日付 date</th><th scope="col">値 value</th>'
                   '<th scope="col">状態 status</th><th scope="col">文書 document</th></tr></thead><tbody>')]
    for p in sorted(points, key=lambda p: (p.item["kind"] not in ("observation", "projection"),
                                           p.item.get("series") is not None, str(p.item.get("series") or ""), p.t)):
        s = p.item
        line = (TOTAL if s.get("series") is None else s["series"]) if s["kind"] in ("observation", "projection") else "—"
        rows.append(Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            line, f"{_KIND_JA[s['kind']]} {s['kind']}",
            s["date"][:10] + (f" ({s['date_text']})" if s.get("date_text") else ""),
            _value_text(p, unit) + (" (derived)" if s.get("derived") else ""),
            s.get("status") or s.get("projection_kind") or "", s.get("document_label") or ""))
    rows.append(Markup("</tbody></table>"))
    if omitted:
        rows.append(Markup('<p class="pg-src">{} value(s) in other units not drawn: {}</p>').format(
            len(omitted), ", ".join(f"{_number(float(s['value']))} {s.get('unit') or ''}".strip() for s in omitted)))
    rows.append(Markup("</details>"))
    return Markup("").join(rows)
