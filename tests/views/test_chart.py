"""The KPI chart (views.chart), read back as SVG: on the cloud KPI the total and each sub-series are
separate lines, the baseline and the targets are reference marks, not points of a line, and the value
axis has round ticks. One renderer draws it for the node page and for the offline views."""
from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET

import pytest

from policygraph.serve import pages
from policygraph.views import chart

SVG = "{http://www.w3.org/2000/svg}"
KPI = "kpi-cloud-municipalities"


def parse(html: str) -> ET.Element:
    return ET.fromstring(str(html))


def svg_of(figure: ET.Element) -> ET.Element:
    return figure.find(f"{SVG}svg")


def classes(e: ET.Element) -> set[str]:
    return set((e.get("class") or "").split())


def points(e: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in e.get("points").split()]


def scales(svg: ET.Element):
    """value(y) from the y ticks' grid lines, day(x) from the year ticks: the chart's own axes."""
    grid = [float(e.get("y1")) for e in svg.iter(f"{SVG}line") if "pg-grid" in classes(e)]
    ticks = [float(e.get("data-value")) for e in svg.iter(f"{SVG}text") if "pg-tick-y" in classes(e)]
    (y0, v0), (y1, v1) = (grid[0], ticks[0]), (grid[-1], ticks[-1])
    years = [(float(e.get("x")), int(e.text)) for e in svg.iter(f"{SVG}text") if "pg-tick-x" in classes(e)]
    (x0, a), (x1, b) = years[0], years[-1]
    d0, d1 = dt.date(a, 1, 1).toordinal(), dt.date(b, 1, 1).toordinal()
    return (lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)), (lambda x: d0 + (x - x0) * (d1 - d0) / (x1 - x0))


@pytest.fixture(scope="module")
def cloud(engine, project):
    """The cloud KPI's node page data, read bounded from the store as the web app reads it."""
    return pages.node(engine, project.query_dirs, KPI)


def test_the_total_and_each_series_are_separate_lines(cloud):
    svg = svg_of(parse(cloud["chart"]))
    lines = {e.get("data-series"): e for e in svg.iter(f"{SVG}polyline") if "pg-obs-line" in classes(e)}
    # 550 → 211 → 339 was one line before: now the total (自治体クラウド + 単独クラウド) and each part apart
    assert {k: e.get("data-values") for k, e in lines.items()} == {
        chart.TOTAL: "550 728 842 950 1067", "自治体クラウド": "211 407", "単独クラウド": "339 660"}
    assert lines[chart.TOTAL].get("data-dates") == "2014-04-01 2015-04-01 2016-04-01 2017-04-01 2018-04-01"
    value_at, day_at = scales(svg)
    for name, line in lines.items():
        dates = line.get("data-dates").split()
        values = [float(v) for v in line.get("data-values").split()]
        drawn = points(line)
        assert len(drawn) == len(values)
        for (x, y), value, date in zip(drawn, values, dates):
            assert value_at(y) == pytest.approx(value, abs=2), (name, value)   # 1,250 over 202 px: 2 units a pixel
            assert day_at(x) == pytest.approx(dt.date.fromisoformat(date).toordinal(), abs=6), (name, date)
        # distinct colours, and distinct marker shapes so colour is not the only cue
    assert len({e.get("stroke") for e in lines.values()}) == 3
    shapes = {name: {m.tag for m in svg.iter() if "pg-obs" in classes(m) and m.get("data-series") == name}
              for name in lines}
    assert len({frozenset(s) for s in shapes.values()}) == 3, shapes


def test_baseline_and_targets_are_reference_marks_not_points_of_a_line(cloud):
    svg = svg_of(parse(cloud["chart"]))
    marks = [e for e in svg.iter() if "pg-ref-mark" in classes(e)]
    kinds = sorted((e.get("data-kind"), e.get("data-date"), e.get("data-value")) for e in marks)
    assert kinds == [("baseline", "2015-03-31", "550")] * 2 + [("target", "2017-03-31", "1000")] + \
        [("target", "2018-03-31", "1000")] * 3
    rules = {(e.get("class"), e.get("data-value")) for e in svg.iter(f"{SVG}line") if "pg-ref" in classes(e)}
    assert rules == {("pg-ref pg-ref-baseline", "550"), ("pg-ref pg-ref-target", "1000")}
    on_lines = {p for e in svg.iter(f"{SVG}polyline") for p in points(e)}
    for mark in marks:
        centre = mark_centre(mark)
        assert all(math.dist(centre, p) > 3 for p in on_lines), mark.get("data-kind")
    assert not any(e.get("data-kind") in ("baseline", "target") for e in svg.iter() if "pg-obs" in classes(e))


def mark_centre(e: ET.Element) -> tuple[float, float]:
    if e.tag == f"{SVG}rect":
        return float(e.get("x")) + float(e.get("width")) / 2, float(e.get("y")) + float(e.get("height")) / 2
    xs, ys = zip(*points(e))
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def test_value_ticks_are_round_and_the_axes_are_labelled(cloud):
    svg = svg_of(parse(cloud["chart"]))
    labels = [e.text for e in svg.iter(f"{SVG}text") if "pg-tick-y" in classes(e)]
    assert labels == ["0", "250", "500", "750", "1,000", "1,250"]
    titles = {e.get("class").split()[-1]: e.text for e in svg.iter(f"{SVG}text") if "pg-axis-title" in classes(e)}
    assert titles == {"pg-axis-y": "値 value (団体)", "pg-axis-x": "年 year (基準日 reference date)"}
    legend = [e.findtext(f"{SVG}text") for e in svg.iter(f"{SVG}g") if "pg-legend-item" in classes(e)]
    assert legend == [chart.TOTAL, "自治体クラウド", "単独クラウド", "基準値 baseline", "目標 target"]


@pytest.mark.parametrize("lo, hi", [(0, 1195.04), (0, 1.1), (0, 37.4), (-12, 88), (0, 0.0042), (1450, 1450),
                                    (0, 13_687), (0, 3)])
def test_nice_ticks_are_round(lo, hi):
    ticks = chart.nice_ticks(lo, hi)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5)
    assert ticks[0] <= lo and ticks[-1] >= hi and 3 <= len(ticks) <= 11
    labels = [chart.tick_label(v, step) for v in ticks]
    assert all(re.fullmatch(r"-?[\d,]+(\.\d{1,3})?", s) for s in labels), labels
    assert len(set(labels)) == len(labels)


def test_the_text_alternative_lists_every_value(cloud):
    figure = parse(cloud["chart"])
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    label = svg.get("aria-label")
    assert "3 line(s)" in label and "自治体クラウド" in label and "target 1,000団体" in label
    rows = [[td.text for td in tr.findall("td")] for tr in figure.iter("tr") if tr.findall("td")]
    drawn = [e for e in svg.iter() if "pg-pt" in classes(e)]
    assert len(rows) == len(drawn) == 17 - 1  # every statement but the grade (no number)
    assert ["自治体クラウド", "実績 observation", "2014-04-01 (平成26年4月1日現在)", "211団体", "unstated"] \
        in [r[:5] for r in rows]
    assert [r[0] for r in rows[:8]] == [chart.TOTAL] * 6 + ["単独クラウド"] * 2  # by series, then by date


def test_preliminary_hollow_projection_dashed_and_a_cut_drawn_at_its_level():
    series = [
        {"kind": "observation", "id": "o1", "value": 1450, "unit": "件", "date": "2013-03-31", "status": "final"},
        {"kind": "observation", "id": "o2", "value": 1117, "unit": "件", "date": "2017-03-31", "status": "preliminary"},
        {"kind": "projection", "id": "p1", "value": 894, "level": 556, "unit": "件", "date": "2019-03-31"},
        {"kind": "target", "id": "t1", "value": 725, "unit": "件", "date": "2019-03-31", "derived": True},
        {"kind": "observation", "id": "x", "value": 3, "unit": "%", "date": "2017-03-31", "status": "final"}]
    figure = parse(chart.kpi_chart(series))
    svg = svg_of(figure)
    prelim = [e for e in svg.iter() if "pg-pt-preliminary" in classes(e)]
    assert [(e.get("data-value"), e.get("fill")) for e in prelim] == [("1117", "#ffffff")]
    proj = [e for e in svg.iter(f"{SVG}polyline") if "pg-proj-line" in classes(e)]
    assert [(e.get("data-values"), bool(e.get("stroke-dasharray"))) for e in proj] == [("1117 556", True)]
    target = next(e for e in svg.iter() if "pg-pt-target" in classes(e))
    assert target.get("fill") == "#ffffff"  # derived from a relative target: hollow
    assert "1 value(s) in other units not drawn: 3 %" in "".join(figure.itertext())


def test_labels_are_escaped():
    evil = '"><script>alert(1)</script>'
    html = chart.kpi_chart([{"kind": "observation", "id": evil, "value": 1, "unit": evil, "date": "2017-03-31",
                             "series": evil, "document_label": evil},
                            {"kind": "observation", "id": "b", "value": 2, "unit": evil, "date": "2018-03-31",
                             "series": evil}], title=evil)
    assert "<script>" not in html
    parse(html)  # still well-formed


def test_one_renderer_for_every_page_and_view(project):
    """No second chart implementation: the offline views' script and the node page's templates only place
    the renderer's markup."""
    templates = project.template_dirs[-1]
    app_js = (templates / "app.js").read_text(encoding="utf-8")
    assert "createElementNS" not in app_js and "polyline" not in app_js and "d.chart" in app_js
    charts = (templates / "serve-charts.html.j2").read_text(encoding="utf-8")
    assert "kpi_chart" not in charts and "polyline" not in charts
    assert "node.chart" in (templates / "serve-node-body.html.j2").read_text(encoding="utf-8")


def test_the_offline_view_carries_the_same_chart(engine, project, cloud):
    import json
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    from policygraph.views import records
    from policygraph.views.viz import render_page, trace_ids, trace_view
    library = QueryLibrary(project.query_dirs)
    result = trace(engine, library, "dir-honebuto-2017-cloud")
    html = render_page(trace_view(records.load(engine, library, trace_ids(result)), result), project)
    meta = json.loads(re.search(r'<script type="application/json" id="pg-meta">(.*?)</script>', html, re.S).group(1))
    assert meta["details"][KPI]["chart"] == str(cloud["chart"])


def test_a_sparkline_carries_its_values_as_text():
    svg = parse(chart.sparkline_svg([550, 728, 1067], label="クラウド<導入>"))
    assert svg.get("role") == "img" and svg.get("aria-label") == "クラウド<導入>: 550 → 728 → 1,067"
    line = svg.find(f"{SVG}polyline")
    ys = [y for _, y in points(line)]
    assert ys[0] > ys[1] > ys[2]  # higher values drawn higher
    assert chart.sparkline_svg([5]) == ""  # one value: no line


def test_a_halving_target_is_drawn_in_the_base_unit(engine, project):
    """政府情報システム数: 半減 of 1,450 システム is 725 システム (derived, hollow), not a value in 割合 left out;
    the projection 894 システムの減 is drawn at the level it leaves, 556."""
    svg = svg_of(parse(pages.node(engine, project.query_dirs, "kpi-14-government-systems")["chart"]))
    target = [e for e in svg.iter() if "pg-pt-target" in classes(e)]
    assert [(e.get("data-value"), e.get("fill")) for e in target] == [("725", "#ffffff")]
    proj = [e.get("data-values") for e in svg.iter(f"{SVG}polyline") if "pg-proj-line" in classes(e)]
    assert proj == ["1117 556"]
