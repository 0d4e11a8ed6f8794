"""Curation aids: stats, find-quote, schema — through the CLI."""
import json

from policygraph.cli.app import app
from policygraph.records.curation import data_file_schema, find_quote


def test_stats_counts_per_source_and_full_verification(runner, built):
    corpus, _ = built
    result = runner.invoke(app, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = {s["source"]: s for s in json.loads(result.stdout)["sources"]}
    assert set(stats) == {"src-000", "src-001", "src-002", "src-003", "src-004"}
    assert all(s["share_verified"] == 1.0 and s["quotes"] > 0 for s in stats.values())
    # Every evidenced record quotes at least one source, so the per-source counts cover the corpus.
    evidenced = sum(n for t, n in corpus.counts.items() if t != "SourceText")
    assert sum(sum(s["records"].values()) for s in stats.values()) >= evidenced
    assert stats["src-001"]["records"]["Directive"] >= 16


def test_stats_reports_unverified_quotes_without_failing(runner, project_copy):
    path = project_copy.records_dir / "004-evaluation-2019.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"950団体 (H29.4.1時点)"', '"951団体 (H29.4.1時点)"'),
                    encoding="utf-8")
    result = runner.invoke(app, ["stats", "--format", "json", "--root", str(project_copy.root)])
    assert result.exit_code == 0
    s = {x["source"]: x for x in json.loads(result.stdout)["sources"]}["src-004"]
    assert s["verified"] == s["quotes"] - 1 and s["share_verified"] < 1


def test_find_quote_prints_lines_locator_and_snippet(runner):
    result = runner.invoke(app, ["find-quote", "001", "728団体(H27.4.1)"])
    assert result.exit_code == 0, result.output
    assert "src-001:103" in result.stdout
    assert "1. クラウド化の進捗状況" in result.stdout
    assert 'quote: "728団体(H27.4.1)"' in result.stdout


def test_find_quote_matches_across_line_breaks_and_full_width(project):
    # 000 breaks this sentence over three lines and prints full-width ＣＩＯ.
    sid, hits = find_quote(project, "src-000", "また、政府CIOと連携して地方訪問を実施した。")
    assert sid == "src-000" and len(hits) == 1
    assert hits[0].end_line > hits[0].line
    assert "⑮" in hits[0].locator


def test_find_quote_not_found_says_where_it_breaks(runner):
    result = runner.invoke(app, ["find-quote", "004", "950団体 (H29.4.1時点) 1,068団体"])
    assert result.exit_code == 1
    assert "the longest matching start is '950団体(H29.4.1時点)1,06' (line 44)" in result.stderr


def test_find_quote_unknown_source(runner):
    result = runner.invoke(app, ["find-quote", "009", "x"])
    assert result.exit_code == 2 and "no source text '009'" in result.stderr


def test_schema_is_committed_and_current(runner, project):
    committed = json.loads((project.root / "data" / "records.schema.json").read_text(encoding="utf-8"))
    assert committed == data_file_schema(), "data/records.schema.json is stale: run policygraph schema -o ..."
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.stdout) == committed


def test_schema_accepts_the_real_files_and_rejects_bad_records(project):
    import jsonschema

    from policygraph.records.yamlload import load_yaml
    schema = data_file_schema()
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    files = sorted(project.records_dir.glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        errors = list(validator.iter_errors(load_yaml(path)))
        assert not errors, f"{path.name}: {errors[0].message}"
    bad_type = {"records": [{"id": "obs-x", "type": "Observation", "kpi": "k", "document": "d", "value": "many",
                             "unit": "団体", "date": "2017-04-01", "status": "final",
                             "evidence": [{"locator": "l", "quote": "q"}]}]}
    assert any("many" in e.message for e in validator.iter_errors(bad_type))
    unknown_field = {"records": [{"id": "body-x", "type": "Body", "label": {"ja": "x", "en": "x"},
                                  "colour": "red", "evidence": [{"locator": "l", "quote": "q"}]}]}
    assert list(validator.iter_errors(unknown_field))
