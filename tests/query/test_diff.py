"""`policygraph diff`: what changed between the 2016 and 2017 progress reports, on the real corpus."""
import json

import pytest

from policygraph.cli.app import app


def _diff(runner, *args):
    result = runner.invoke(app, ["diff", "doc-progress-2016", "doc-progress-2017", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_new_values_show_the_earlier_edition_beside_the_later(runner):
    new = {r["kpi"]: r for r in _diff(runner)["new_values"]}
    window = new["kpi-11-window-outsourcing"]
    assert window["a_latest"] == "278団体 (2016-04)" and window["b_new"] == ["301団体 (2017-04)"]
    assert new["kpi-12-renkei-chusu-areas"]["a_latest"] == "17圏域 (FY2016)"


def test_kpis_added_dropped_replaced_and_renamed(runner):
    result = _diff(runner)
    # ⑬'s 子育てワンストップ KPIs are new inside the scope both editions cover (⑪–⑬).
    assert {r["kpi"] for r in result["added"]} == {"kpi-13-kosodate-onestop-search",
                                                    "kpi-13-kosodate-onestop-e-application"}
    assert {"kpi": "kpi-13-convenience-store-usage", "label": "各種証明書のコンビニ交付の利用件数",
            "replaced_by": "kpi-13-convenience-store-issuance",
            "replaced_by_label": "各種証明書のコンビニ交付の実施団体数（人口）"} in result["replaced"]
    assert "kpi-13-convenience-store-usage" not in {r["kpi"] for r in result["dropped"]}
    assert [r["renamed_from"] for r in result["renamed"]] == ["資産老朽化比率"]
    assert result["counts"]["new_values"] == len(result["new_values"]) >= 6


def test_differences_of_scope_are_not_changes(runner):
    """Defect (#24): diff listed 7 KPIs "dropped" (the 見える化 KPIs) and 2 "added" (⑭), but 002 and 000
    are excerpts covering different reform items: a KPI is dropped only when the later edition covers
    its reform item and leaves it out."""
    result = _diff(runner)
    assert result["scope"]["common"] == ["ri-11", "ri-12", "ri-13"]
    assert result["dropped"] == []
    assert {r["kpi"] for r in result["not_covered_by_b"]} == {
        "kpi-asset-aging-ratio", "kpi-enterprise-accounting-priority", "kpi-facility-consolidation",
        "kpi-facility-management-plans", "kpi-fixed-asset-ledger", "kpi-pdca-tier2-unnamed",
        "kpi-public-accounting-unnamed"}
    assert {r["kpi"] for r in result["not_covered_by_a"]} == {"kpi-14-government-systems",
                                                              "kpi-14-government-system-operating-cost"}
    assert all(r["reform_items"] == ["ri-14"] for r in result["not_covered_by_a"])


def test_a_status_change_needs_a_status_in_both_editions(runner):
    """Defect (#24): a report going from blank (002 prints no statuses at all) to 順調 was a change."""
    assert _diff(runner)["status_changes"] == []


def test_a_table_for_people(runner):
    result = runner.invoke(app, ["diff", "doc-progress-2016", "doc-progress-2017"])
    assert result.exit_code == 0
    assert "新しい実績値 New values" in result.stdout and "301団体 (2017-04)" in result.stdout


def test_an_unknown_document_or_a_directive_is_a_located_error(runner):
    result = runner.invoke(app, ["diff", "doc-progress-2016", "doc-nowhere"])
    assert result.exit_code == 2
    assert "the later document: no node to trace from matches 'doc-nowhere'" in result.output
    result = runner.invoke(app, ["diff", "dir-honebuto-2017-cloud", "doc-progress-2017"])
    assert result.exit_code == 2 and "the earlier document: dir-honebuto-2017-cloud is a Directive" in result.output
    assert "DOC_A" not in result.output and "field" not in result.output  # typer's argument names stay out


def test_documents_are_found_by_alias_as_trace_finds_them(runner):
    by_alias = runner.invoke(app, ["diff", "2016年末進捗報告", "2017年進捗報告", "-f", "json"])
    assert by_alias.exit_code == 0, by_alias.output
    result = json.loads(by_alias.stdout)
    assert (result["a"]["id"], result["b"]["id"]) == ("doc-progress-2016", "doc-progress-2017")
    assert result["new_values"] == _diff(runner)["new_values"]


@pytest.mark.parametrize("b", ["doc-progress-2017", "2017年進捗報告"])
def test_the_same_document_twice_is_refused(runner, b):
    """Defect: `diff A A` exited 0 and reported the document's KPIs as renamed (issue #20, point 21)."""
    result = runner.invoke(app, ["diff", "doc-progress-2017", b])
    assert result.exit_code == 2, result.output
    assert ("the earlier and the later document both name doc-progress-2017; give two different documents"
            in result.stderr)
    assert result.stdout == ""
