"""Bad input: each gives its documented error (file, line, field), a non-zero exit, and writes nothing."""
import re

import pytest

from policygraph.cli.app import app

CLOUD = "001-cloud-briefing.yaml"


def _edit(project, name, old, new, count=1):
    path = project.records_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _line_of(path, needle):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


@pytest.fixture
def out(tmp_path):
    """An output folder that already holds a previous build, which must survive a failed build."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "policygraph.ttl").write_text("previous build\n", encoding="utf-8")
    return folder


def _build(runner, project, out):
    return runner.invoke(app, ["build", "--root", str(project.root), "--out", str(out)])


def _assert_nothing_written(out):
    assert sorted(p.name for p in out.iterdir()) == ["policygraph.ttl"]
    assert (out / "policygraph.ttl").read_text(encoding="utf-8") == "previous build\n"


def test_malformed_yaml(runner, project_copy, out):
    path = _edit(project_copy, CLOUD, "  - id: body-cas\n", "  - id: body-cas\n   bad: [unclosed\n")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(path))}:\d+: malformed YAML", result.stderr), result.stderr
    _assert_nothing_written(out)


def test_unknown_reference_id(runner, project_copy, out):
    path = _edit(project_copy, CLOUD, "carried_by: [ri-15]\n    note: \"Names the two",
                 "carried_by: [ri-99]\n    note: \"Names the two")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    line = _line_of(path, "carried_by: [ri-99]")
    assert f"{path}:{line}: record dir-future-investment-2017-cloud, field carried_by[0]: unknown id" \
           f" (value: 'ri-99')" in result.stderr, result.stderr
    _assert_nothing_written(out)


def test_reference_to_wrong_type(runner, project_copy, out):
    _edit(project_copy, CLOUD, "    reform_item: ri-15\n", "    reform_item: body-mic\n")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    assert "field reform_item: refers to a Body; expected ReformItem" in result.stderr
    _assert_nothing_written(out)


def test_duplicate_id(runner, project_copy, out):
    path = _edit(project_copy, CLOUD, "  - id: body-cas\n", "  - id: body-cabinet\n")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+: record body-cabinet, field id: duplicate id "
                     rf"\(first defined at .*{CLOUD}:\d+\)", result.stderr), result.stderr
    _assert_nothing_written(out)


def test_wrong_type(runner, project_copy, out):
    path = _edit(project_copy, "004-evaluation-2019.yaml", "    value: 950\n", "    value: nine hundred fifty\n")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    line = _line_of(path, "value: nine hundred fifty")
    assert f"{path}:{line}: record obs-cloud-municipalities-2017-04-01-eval, field value:" in result.stderr
    assert "nine hundred fifty" in result.stderr
    _assert_nothing_written(out)


def test_impossible_date(runner, project_copy, out):
    path = _edit(project_copy, "004-evaluation-2019.yaml", "    date: 2017-04-01\n", "    date: 2017-02-30\n")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    line = _line_of(path, "date: 2017-02-30")
    assert f"{path}:{line}: record obs-cloud-municipalities-2017-04-01-eval, field date:" in result.stderr
    assert "2017-02-30" in result.stderr
    _assert_nothing_written(out)


def test_quote_not_in_source(runner, project_copy, out):
    path = _edit(project_copy, "004-evaluation-2019.yaml", 'quote: "950団体 (H29.4.1時点)"',
                 'quote: "951団体 (H29.4.1時点)"')
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    line = _line_of(path, "951団体")
    assert f"{path}:{line}: record obs-cloud-municipalities-2017-04-01-eval, field evidence[0].quote: " \
           f"quote not found in source src-004" in result.stderr, result.stderr
    _assert_nothing_written(out)


def test_edited_source_is_refused(runner, project_copy, out):
    src = project_copy.sources_dir / "004_62d7159f10255d34.txt"
    src.write_text(src.read_text(encoding="utf-8").replace("ランドデザイン", "グランドデザイン"), encoding="utf-8")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    assert "source file changed" in result.stderr
    _assert_nothing_written(out)


def test_unknown_record_type_and_missing_field(runner, project_copy, out):
    _edit(project_copy, CLOUD, "    type: Body\n    label: {ja: 内閣,", "    type: Bodyy\n    label: {ja: 内閣,")
    _edit(project_copy, "004-evaluation-2019.yaml", "    grade: イ\n", "")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    assert "field type: unknown record type" in result.stderr and "'Bodyy'" in result.stderr
    assert "record as-cloud-municipalities-eval, field grade: Field required" in result.stderr
    _assert_nothing_written(out)


def test_hostile_label_is_stored_as_plain_text(runner, project_copy, tmp_path):
    hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
    _edit(project_copy, CLOUD, "label: {ja: 内閣, en: Cabinet}", f"label: {{ja: '{hostile}', en: Cabinet}}")
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    from rdflib import Graph, Literal
    g = Graph().parse(tmp_path / "o" / "policygraph.nt", format="nt")
    assert (None, None, Literal(hostile, lang="ja")) in g


def test_data_file_without_records_list(runner, project_copy, out):
    path = project_copy.records_dir / "zz-extra.yaml"
    path.write_text("source: src-001\nrecord:\n  - id: x\n", encoding="utf-8")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 2
    assert f"{path}:1: a data file is a mapping with a list `records`" in result.stderr
    _assert_nothing_written(out)


def test_value_not_printed_in_its_quote(runner, project_copy, out):
    # A misread number: the quote verifies, but it prints 842, not 843.
    path = _edit(project_copy, "004-evaluation-2019.yaml", "    value: 842\n", "    value: 843\n")
    result = _build(runner, project_copy, out)
    assert result.exit_code == 1
    line = _line_of(path, "value: 843")
    assert f"{path}:{line}: record obs-cloud-municipalities-2016-04-01-eval, field value: the value is not " \
           f"printed in any of its quotes" in result.stderr, result.stderr
    _assert_nothing_written(out)


def test_values_printed_with_man_multiplier_are_recognised():
    from decimal import Decimal

    from policygraph.records.corpus import _printed_forms
    assert "7693万" in _printed_forms(Decimal(76930000))
    assert "1500" in _printed_forms(Decimal(1500)) and "0.2" in _printed_forms(Decimal("0.20"))


def test_a_problem_found_after_the_records_are_checked_names_its_line(project_copy):
    """Issue #21 (build memory): `load_corpus` lets the records as read go once they are checked (~250 MB at a
    million triples); a problem found later (the graph's checks) reads the file again for the field's line,
    and names the record's first line when the file has changed since."""
    from policygraph.records.corpus import load_corpus
    corpus = load_corpus(project_copy)
    located = corpus.records["obs-cloud-municipalities-2015-04-01-briefing"]
    assert located.kept is None
    path = project_copy.records_dir / CLOUD
    assert located.file == path and located.line == _line_of(path, "- id: obs-cloud-municipalities-2015-04-01-b")
    assert located.line_of("date") == located.line + 6 == _line_of(path, "    date: 2015-04-01")
    assert located.line_of("evidence", 0, "quote") == located.line + 10
    _edit(project_copy, CLOUD, "  - id: obs-cloud-municipalities-2015-04-01-briefing\n",
          "  - id: obs-cloud-renamed\n")  # the record is no longer where it was read
    from policygraph.records import corpus as corpus_module
    corpus_module._reread.cache_clear()
    assert located.line_of("date") == located.line
