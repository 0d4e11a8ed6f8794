"""Issue 24, point 7: `policygraph trace` from any node, in both directions, on the real corpus."""
import json

import pytest
from rdflib import RDF

from policygraph.cli.app import app
from policygraph.graph.namespaces import PG, PGR
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import kpis_reached, trace
from policygraph.store.engines import RdflibEngine


@pytest.fixture(scope="module")
def lib(project):
    return QueryLibrary(project.query_dirs)


def test_a_finding_shows_its_responses_with_their_typed_dates(engine, lib):
    """Defect: trace of 指摘事項3 did not show 004's response (a directive's own progress reports)."""
    [finding] = trace(engine, lib, "dir-gyokaku-2016-3-cost-visibility")["directives"]
    responses = {p["id"]: p for p in finding["progress"]}
    assert responses["pr-2019-gyokaku-3"]["as_of"] == "2018-03-30"
    assert "市区町村における情報システム経費の調査結果" in responses["pr-2019-gyokaku-3"]["text"]
    assert responses["pr-2019-gyokaku-3"]["evidence"][0]["quote"].startswith("(3)平成30年3月30日")
    assert "1月、6月、10月にフォローアップ" in responses["pr-briefing-gyokaku-3-followup"]["next_steps"]


def test_a_progress_report_document_shows_everything_it_states(engine, lib, graph):
    """Defect: trace doc-progress-2017 printed an empty trace although 000 reports 19 KPIs (⑪–⑭ have
    no directive)."""
    result = trace(engine, lib, "doc-progress-2017")
    assert [i["number"] for i in result["reform_items"]] == ["⑪", "⑫", "⑬", "⑭", "⑮"]
    reported = {str(k).rsplit("/", 1)[-1] for k in graph.subjects(PG.reportedIn, PGR["doc-progress-2017"])
                if (k, RDF.type, PG.KPI) in graph}
    assert len(reported) == 19 and reported <= set(kpis_reached(result))
    steps = {s["id"] for i in result["reform_items"] for s in i["steps"]}
    assert {str(s).rsplit("/", 1)[-1] for s in graph.subjects(PG.reportedIn, PGR["doc-progress-2017"])
            if (s, RDF.type, PG.ScheduleStep) in graph} <= steps


def test_from_a_reform_item_up_and_down(engine, lib):
    result = trace(engine, lib, "ri-15")
    assert result["root"]["type"] == "ReformItem" and [i["id"] for i in result["reform_items"]] == ["ri-15"]
    assert "dir-future-investment-2017-cloud" in {d["id"] for d in result["directives"]}
    assert all([i["id"] for i in d["reform_items"]] == ["ri-15"] for d in result["directives"])
    assert "doc-future-investment-2017" in {u["id"] for u in result["upward"]["mandated_in"]}
    assert "kpi-cloud-municipalities" in kpis_reached(result)


def test_from_a_kpi_upward(engine, lib):
    result = trace(engine, lib, "kpi-cloud-municipalities")
    up = {k: {u["id"] for u in v} for k, v in result["upward"].items()}
    assert "dir-future-investment-2017-cloud" in up["directive"]
    assert {"ri-15", "ri-eval-cloud-adoption"} <= up["reform_item"]
    assert "doc-future-investment-2017" in up["mandated_in"] and "doc-evaluation-2019" in up["reported_in"]
    [kpi] = result["kpis"]
    assert kpi["id"] == "kpi-cloud-municipalities" and kpi["observations"]


def test_from_a_body_everything_it_is_responsible_for(engine, lib):
    result = trace(engine, lib, "body-mic-regional-vitalization")
    kpis = {k["id"] for k in result["responsible_for"]["kpis"]}
    assert "kpi-cloud-municipalities" in kpis and kpis == {k["id"] for k in result["kpis"]}
    assert {i["id"] for i in result["responsible_for"]["reform_items"]} == {"ri-15"}


def test_a_projected_cut_shows_the_level_it_leaves(engine, lib):
    """Defect: trace-kpi showed 「894 システム」 without the level it leaves (556)."""
    [kpi] = trace(engine, lib, "kpi-14-government-systems")["kpis"]
    [projection] = [p for p in kpi["projections"] if p["id"] == "pj-14-government-systems-reduction-fy2018-progress2017"]
    assert (projection["value"], projection["level"]) == (894, 556)


@pytest.mark.parametrize("root", ["dir-gyokaku-2016-3-cost-visibility", "doc-progress-2017", "ri-15",
                                  "kpi-cloud-municipalities", "body-mic-regional-vitalization"])
def test_every_kind_of_root_gives_the_same_trace_on_both_engines(engine, lib, graph, root):
    assert trace(RdflibEngine(graph), lib, root) == trace(engine, lib, root)


def test_cli_trace_from_a_kpi_in_json_and_table(runner):
    result = runner.invoke(app, ["trace", "kpi-14-government-systems", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["root"]["type"] == "KPI" and {u["id"] for u in data["upward"]["reform_item"]} == {"ri-14"}
    table = runner.invoke(app, ["trace", "kpi-14-government-systems"])
    assert table.exit_code == 0 and "ri-14" in table.output and "556" in table.output


class _Listing:
    """An engine that ignores VALUES lists (every lookup lists every root, as resolve_target did before
    it looked a label up) and counts the queries run without one."""

    def __init__(self, engine, drop_values: bool):
        self.engine, self.drop_values, self.whole = engine, drop_values, 0
        self.where, self.note = engine.where, None

    def run(self, query, values=None, **params):
        if values is None or self.drop_values:
            self.whole += 1
            return self.engine.run(query, **params)
        return self.engine.run(query, values=values, **params)


def _outcome(engine, lib, target):
    from policygraph.errors import PolicygraphError
    from policygraph.query.trace import resolve_target
    try:
        return resolve_target(engine, lib, target)
    except PolicygraphError as exc:
        return str(exc)


def test_a_label_as_written_resolves_without_listing_every_root(engine, lib):
    """Every label, alias and number of every root on the corpus (and a few that are no label as written)
    resolves to what picking from the whole listing gives — the same node, or the same error listing the
    same candidates — and a label as written is found without listing every root (at a million triples
    the listing took 2.1 s of a 3 s trace)."""
    labels = sorted({str(r["label"]) for r in engine.run(lib.get("trace-roots"))})
    assert len(labels) > 300
    others = ["未来投資戦略", "ＫＰＩ", "kpi-cloud", "no such thing", "【指針１】", " 未来投資戦略2017 "]
    for target in labels + others:
        bounded, whole = _Listing(engine, drop_values=False), _Listing(engine, drop_values=True)
        assert _outcome(bounded, lib, target) == _outcome(whole, lib, target), target
        if target in labels:
            assert bounded.whole == 0, target
