"""trace over the real corpus, through the CLI as a user runs it."""
import json
import re

import pytest

from policygraph.cli.app import app
from policygraph.query.trace import kpis_reached


@pytest.fixture(scope="module")
def future_trace(store_dir):
    from typer.testing import CliRunner
    result = CliRunner().invoke(app, ["trace", "未来投資戦略2017", "--format", "json", "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_trace_reaches_the_cloud_kpi_with_its_chain(future_trace):
    assert future_trace["root"]["id"] == "doc-future-investment-2017"
    [directive] = future_trace["directives"]
    assert directive["kind"] == "cabinet_decision"
    assert "クラウド導入市区町村の拡大(約1,000団体)" in directive["evidence"][0]["quote"]
    [item] = directive["reform_items"]
    assert item["number"] == "⑮"
    assert {b["label"] for b in item["bodies"]} == {"総務省地域力創造グループ", "内閣官房 情報通信技術(IT)総合戦略室"}
    assert len(item["steps"]) >= 10
    statuses = {p["status"] for s in item["steps"] for p in s["progress"]}
    assert statuses == {"順調"}


def test_cloud_kpi_baseline_target_observations_grade(future_trace):
    kpi = kpis_reached(future_trace)["kpi-cloud-municipalities"]
    assert kpi["label"] == "クラウド導入市区町村数" and kpi["tier"] == 1
    assert {(b["value"], b["unit"], b["fiscal_year"]) for b in kpi["baselines"]} == {(550, "団体", "2014年度")}
    roadmap_target = next(t for t in kpi["targets"] if t["document"] == "doc-roadmap-2016")
    assert roadmap_target["value"] == 1000 and roadmap_target["comparator"] == "approx"
    assert roadmap_target["deadline"] == "2018-03-31"  # 2017年度までに
    assert roadmap_target["relative_factor"] == 2  # 倍増
    observed = {(o["value"], o["date"]) for o in kpi["observations"]}
    for expected in ((728, "2015-04-01"), (842, "2016-04-01"), (950, "2017-04-01"), (1067, "2018-04-01")):
        assert expected in observed
    assert all(o["unit"] == "団体" and o["evidence"][0]["quote"] for o in kpi["observations"])
    # 842 at 2016-04-01 is reported by two documents, each with its own evidence.
    docs_842 = {o["document"] for o in kpi["observations"] if o["value"] == 842}
    assert docs_842 == {"doc-cloud-briefing-2017", "doc-evaluation-2019"}
    assert kpi["latest_grade"]["grade"] == "イ"
    # Attainment as the build computed it: ≈1,000 by 2018-03-31, 1,067 observed at 2018-04-01.
    assert kpi["attainment"]["status"] == "achieved"
    assert kpi["attainment"]["target"] in {t["id"] for t in kpi["targets"]}
    assert kpi["latest_grade"]["document"] == "doc-evaluation-2019"


def test_operating_cost_kpi_has_target_and_no_observation(future_trace):
    kpi = kpis_reached(future_trace)["kpi-local-system-operating-cost"]
    assert kpi["tier"] == 2
    assert kpi["targets"], "the 3割圧縮 target is missing"
    assert all(t["relative_factor"] == 0.7 for t in kpi["targets"])
    assert any("3割圧縮" in t.get("value_text", "") for t in kpi["targets"])
    assert kpi["observations"] == []
    assert kpi["attainment"]["status"] == "no_data"


def test_every_fact_in_the_trace_carries_a_quote(future_trace):
    def walk(node):
        if isinstance(node, dict):
            if "document" in node and "id" in node and node["id"] != future_trace["root"]["id"]:
                assert node.get("evidence"), f"{node['id']} has no evidence in the trace"
                for ev in node["evidence"]:
                    assert ev["quote"] and ev["locator"] and ev["file"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(future_trace)


def test_table_format_shows_the_thread_with_quotes(runner):
    result = runner.invoke(app, ["trace", "未来投資戦略2017"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("クラウド導入市区町村数", "1,067", "2018-04-01", "地方公共団体の情報システム運用コスト",
                 "attainment: 達成 achieved", "attainment: 実績なし no_data",
                 ):
        assert text in out, text
    # The operating-cost KPI's table says plainly that no observation is recorded.
    assert re.search(r"KPI 地方公共団体の情報システム運用コスト[\s\S]*none recorded: baseline, observation", out)
    # Quotes fold inside a table cell over several lines: read the evidence column (the last cell
    # of each table line) top to bottom, white space taken out.
    flat = "".join(re.sub(r"\s", "", line.split("│")[-2]) for line in out.splitlines() if line.count("│") >= 3)
    for quote in ("「本年度末までのクラウド導入市区町村の拡大(約1,000団体)」", "「950団体(H29.4.1時点)」",
                  "「【目標：3割圧縮（目標期限を集中改革期間中に設定）】」"):
        assert re.sub(r"\s", "", quote) in flat, quote


def test_trace_by_directive_id_and_by_alias(runner):
    by_id = runner.invoke(app, ["trace", "dir-honebuto-2017-cloud", "-f", "json"])
    assert by_id.exit_code == 0
    assert json.loads(by_id.stdout)["directives"][0]["id"] == "dir-honebuto-2017-cloud"
    by_alias = runner.invoke(app, ["trace", "骨太の方針2017", "-f", "json"])
    assert json.loads(by_alias.stdout)["root"]["id"] == "doc-honebuto-2017"


def test_guideline_reaches_no_kpi(runner):
    result = runner.invoke(app, ["trace", "dir-guideline-1", "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["directives"][0]["reform_items"] == []


def test_ambiguous_target_lists_candidates_and_fails(runner):
    result = runner.invoke(app, ["trace", "2017"])
    assert result.exit_code == 2
    assert "matches" in result.stderr
    assert "doc-future-investment-2017" in result.stderr and "doc-honebuto-2017" in result.stderr


def test_unknown_target_fails(runner):
    result = runner.invoke(app, ["trace", "存在しない文書"])
    assert result.exit_code == 2
    assert "no node to trace from matches" in result.stderr


def test_hostile_target_is_just_text(runner):
    result = runner.invoke(app, ["trace", '" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o '])
    assert result.exit_code == 2
    assert "no node to trace from matches" in result.stderr


def test_guideline_document_nests_actions_and_shows_empty_boxes(runner):
    result = runner.invoke(app, ["trace", "doc-ten-guidelines-draft", "-f", "json"])
    assert result.exit_code == 0, result.output
    directives = json.loads(result.stdout)["directives"]
    guidelines = [d for d in directives if d["part_of"] is None]
    assert len(guidelines) == 10
    actions = [d for d in directives if d["part_of"] is not None]
    assert {d["part_of"] for d in actions} == {g["id"] for g in guidelines}
    g1 = next(d for d in directives if d["id"] == "dir-guideline-1")
    assert {b["box"] for b in g1["empty_boxes"]} == {"measures", "kpi_examples"}
    assert all("（Ｐ）" in b["evidence"][0]["quote"] for b in g1["empty_boxes"])

    table = runner.invoke(app, ["trace", "doc-ten-guidelines-draft"]).stdout
    assert table.count("empty box 空欄") == 20
    assert "    └ 【指針１】① " in table  # an action nested under its guideline


def test_target_by_the_number_a_document_gives_it(runner):
    # 【指針１】 is guideline 1's number; guideline 2's first action merely mentions it in its label.
    result = runner.invoke(app, ["trace", "【指針１】", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["root"]["id"] == "dir-guideline-1"
    assert out["root"]["label"] == "個人番号制度の導入と同時に自治体クラウドを構築"


def test_the_split_trace_queries_give_the_rows_of_trace_and_trace_steps(engine, project):
    """trace runs ten small queries (Oxigraph evaluates a large OPTIONAL over the whole graph); for every
    root they give exactly the directive-item-KPI rows of the one-query `trace` and the step-report
    rows of `trace-steps`."""
    from policygraph.query.sparql import QueryLibrary
    lib = QueryLibrary(project.query_dirs)
    roots = sorted({r["node"] for r in engine.run(lib.get("trace-roots"))})
    assert len(roots) > 50
    for root in roots:
        joined = {(r["directive"], r["item"], r["kpi"], r["itemJa"], r["kpiJa"], r["tier"], r["attainment"])
                  for r in engine.run(lib.get("trace"), root=root)}
        links = engine.run(lib.get("trace-links"), root=root)
        items = sorted({r["item"] for r in links if r["item"] is not None})
        info = {r["item"]: r for r in engine.run(lib.get("trace-items"), values={"item": items})} if items else {}
        kpis: dict = {}
        for r in (engine.run(lib.get("trace-item-kpis"), values={"item": items}) if items else []):
            kpis.setdefault(r["item"], []).append(r)
        split = set()
        for r in links:
            item = r["item"] if r["item"] in info else None
            found = kpis.get(item, []) if item is not None else []
            ja = info[item]["itemJa"] if item is not None else None
            split |= {(r["directive"], item, k["kpi"], ja, k["kpiJa"], k["tier"], k["attainment"]) for k in found} \
                or {(r["directive"], item, None, ja, None, None, None)}
        assert split == joined, root
        if items:
            steps = {(r["item"], r["step"], r["report"]) for r in engine.run(lib.get("trace-steps"), values={"item": items})}
            reports = {r["report"] for r in engine.run(lib.get("trace-step-reports"), values={"item": items})} - {None}
            described = {r["report"] for r in engine.run(lib.get("trace-reports"), values={"report": sorted(reports)})} \
                if reports else set()
            split_steps = {(r["item"], r["step"], r["report"] if r["report"] in described else None)
                           for r in engine.run(lib.get("trace-step-reports"), values={"item": items})}
            assert split_steps == steps, root
