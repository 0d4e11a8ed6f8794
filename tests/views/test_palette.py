"""One attainment palette (views.palette, read from site.css): every status has a fill, a text colour and
a mark; every text/background pair of the stylesheet meets WCAG AA; every page and view takes its status
colours from it (no stray status colour anywhere else)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from policygraph.graph.attainment import STATUSES
from policygraph.views import palette
from policygraph.views.palette import PALETTE, contrast

SRC = Path(palette.__file__).resolve().parents[1]
SITE_CSS = palette.STYLESHEET
#: Colours the views used for statuses before there was one palette (two palettes: the overview's bars
#: in one, the chips in the other).
LEGACY = {"#1a9641", "#1a9850", "#91cf60", "#fc8d59", "#d73027", "#4575b4", "#ffffbf", "#969696"}


def hexes(text: str) -> set[str]:
    return {expand(h) for h in re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", text)}


def expand(h: str) -> str:
    h = h.lower()
    return "#" + "".join(c * 2 for c in h[1:]) if len(h) == 4 else h


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, {property: value}) of every rule, custom properties resolved (var(--x))."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = [(sel.strip(), dict((k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)))
           for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]
    variables = {k: v for sel, decl in out if sel == ":root" for k, v in decl.items()}
    return [(sel, {k: re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], v) for k, v in decl.items()})
            for sel, decl in out]


def test_the_palette_covers_every_status_with_a_fill_a_text_colour_and_a_mark():
    assert list(PALETTE) == [*STATUSES, "unknown"]
    assert len({w.fill for w in PALETTE.values()}) == len(PALETTE)
    assert len({w.mark for w in PALETTE.values()}) == len(PALETTE)  # told apart without colour
    assert all(w.mark.strip() for w in PALETTE.values())
    # the evidence statuses of #24 are in it, each in its own colour
    assert {"missed", "unverified", "behind"} <= set(PALETTE)


@pytest.mark.parametrize("status", [*STATUSES, "unknown"])
def test_text_on_each_status_fill_meets_wcag_aa(status):
    swatch = PALETTE[status]
    assert contrast(swatch.fill, swatch.text) >= 4.5, (status, swatch)


def test_every_text_and_background_pair_of_the_stylesheet_meets_wcag_aa():
    """Every rule of site.css that sets a text colour, against its own background or the page's white;
    the status chips (.pg-status-*) among them, through their custom properties."""
    checked = []
    for selector, decl in rules(SITE_CSS.read_text(encoding="utf-8")):
        colour = decl.get("color")
        if not colour or not re.fullmatch(r"#[0-9a-fA-F]{3,6}", colour):
            continue
        background = next((expand(m) for m in re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b",
                                                         decl.get("background", decl.get("background-color", "")))),
                          "#ffffff")
        ratio = contrast(expand(colour), background)
        checked.append(selector)
        assert ratio >= 4.5, (selector, colour, background, round(ratio, 2))
    assert {f".pg-status-{s}" for s in PALETTE} <= set(checked)
    assert ".pg-hint" in checked  # 4.47:1 before


@pytest.mark.parametrize("template", ["page.html.j2", "explore.html.j2"])
def test_the_offline_pages_text_colours_meet_wcag_aa(template):
    """The offline views' own <style>: every text colour on the darkest panel background they use."""
    text = (SITE_CSS.parent / template).read_text(encoding="utf-8")
    style = text[text.index("<style>") + 7:text.index("</style>")].replace("{{ palette_css|safe }}", "")
    colours = [(sel, decl["color"]) for sel, decl in rules(style) if re.fullmatch(r"#[0-9a-fA-F]{3,6}", decl.get("color", ""))]
    assert colours
    for selector, colour in colours:
        assert contrast(expand(colour), "#f3f3f3") >= 4.5, (template, selector, colour)


def test_contrast_is_wcag_s():
    assert round(contrast("#ffffff", "#000000"), 2) == 21
    assert round(contrast("#1a9641", "#ffffff"), 2) == 3.83  # the old 達成 chip, below AA
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def test_chart_series_and_reference_colours_are_visible_on_white():
    from policygraph.views import chart
    for colour in [c for c, _ in chart.SERIES_STYLES] + [chart.BASELINE_COLOUR, chart.TARGET_COLOUR, chart.AXIS_COLOUR]:
        assert contrast(colour, "#ffffff") >= 3, colour  # WCAG 1.4.11, graphical objects
    assert contrast(chart.TEXT_COLOUR, "#ffffff") >= 4.5


def test_no_stray_status_colours():
    """Only site.css names a status colour: templates, scripts and views take them from the palette."""
    fills = {w.fill for w in PALETTE.values()} - {"#ffffff"}
    files = [p for p in (SRC / "resources" / "viz" / "templates").iterdir() if p.is_file() and p != SITE_CSS]
    files += [p for p in SRC.rglob("*.py") if p != Path(palette.__file__).resolve()]
    stray = {str(p.relative_to(SRC)): sorted(hexes(p.read_text(encoding="utf-8")) & (fills | LEGACY)) for p in files}
    assert {k: v for k, v in stray.items() if v} == {}
    assert hexes(SITE_CSS.read_text(encoding="utf-8")) & LEGACY == set()


def test_views_and_the_explorer_use_the_palette():
    from policygraph.views.explore import explorer_styles
    from policygraph.views.viz import _status_legend
    from policygraph.views.viz_model import ATTAINMENT_STYLE
    assert {s: v[0] for s, v in ATTAINMENT_STYLE.items()} == {s: w.fill for s, w in PALETTE.items()}
    assert explorer_styles()["status"] == {s: [w.fill, w.ja, w.en, w.mark] for s, w in PALETTE.items() if s != "unknown"}
    assert [(s["name"], s["color"], s["mark"]) for s in _status_legend()] == [(s, w.fill, w.mark) for s, w in PALETTE.items()]


def test_a_stylesheet_without_a_status_is_refused(tmp_path):
    css = SITE_CSS.read_text(encoding="utf-8").replace("--pg-status-unverified-mark", "--pg-status-unverified-x")
    broken = tmp_path / "site.css"
    broken.write_text(css, encoding="utf-8")
    with pytest.raises(ValueError, match="unverified"):
        palette.read(broken)


def test_kpi_nodes_of_a_view_show_their_status_by_colour_and_mark(engine, project):
    """The trace view's KPIs: the status's fill, and its mark before the label (not colour alone)."""
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    from policygraph.views import records
    from policygraph.views.viz import trace_ids, trace_view
    library = QueryLibrary(project.query_dirs)
    result = trace(engine, library, "未来投資戦略2017")
    rg = records.load(engine, library, trace_ids(result))
    kpis = [n for n in trace_view(rg, result).nodes if n["group"] == "KPI"]
    assert kpis
    for node in kpis:
        swatch = PALETTE[rg.attainment(node["id"])]
        assert node["color"]["background"] == swatch.fill
        assert node["label"].startswith(swatch.mark + " ") and swatch.ja in node["title"]
