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
    assert {r["kpi"] for r in result["added"]} >= {"kpi-14-government-systems", "kpi-14-government-system-operating-cost"}
    assert {"kpi": "kpi-13-convenience-store-usage", "label": "各種証明書のコンビニ交付の利用件数",
            "replaced_by": "kpi-13-convenience-store-issuance",
            "replaced_by_label": "各種証明書のコンビニ交付の実施団体数（人口）"} in result["replaced"]
    assert "kpi-13-convenience-store-usage" not in {r["kpi"] for r in result["dropped"]}
    assert [r["renamed_from"] for r in result["renamed"]] == ["資産老朽化比率"]
    assert result["counts"]["new_values"] == len(result["new_values"]) >= 6


def test_steps_whose_printed_status_changed(runner):
    changes = {r["subject"]: r for r in _diff(runner)["status_changes"]}
    assert changes and all(r["a"] != r["b"] for r in changes.values())


def test_a_table_for_people(runner):
    result = runner.invoke(app, ["diff", "doc-progress-2016", "doc-progress-2017"])
    assert result.exit_code == 0
    assert "新しい実績値 New values" in result.stdout and "301団体 (2017-04)" in result.stdout


def test_an_unknown_document_or_a_directive_is_a_located_error(runner):
    result = runner.invoke(app, ["diff", "doc-progress-2016", "doc-nowhere"])
    assert result.exit_code == 2
    assert "the later document: no directive or document matches 'doc-nowhere'" in result.output
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
