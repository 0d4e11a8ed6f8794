"""policygraph validate: records, SHACL and OWL in one run, through the CLI; build runs the same checks."""
import re

import pytest

from policygraph.cli.app import app

GUIDELINES = "003-ten-guidelines-draft.yaml"


def _make_cycle(project):
    """dir-guideline-1 becomes part of its own action ①: a loop (SHACL) and an asymmetry clash (OWL)."""
    path = project.records_dir / GUIDELINES
    text = path.read_text(encoding="utf-8")
    anchor = "    number: 【指針１】\n"
    assert text.count(anchor) == 1
    path.write_text(text.replace(anchor, anchor + "    part_of: dir-guideline-1-action-1\n"), encoding="utf-8")
    line = text[:text.index(anchor)].count("\n") + 2  # the inserted line
    return path, line


def test_real_corpus_validates_clean_with_hermit(runner):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert re.search(r"valid: \d+ records, [\d,]+ triples; \d+ SHACL rules .*OWL consistent \(HermiT", result.stdout)
    assert "reaches links" in result.stdout


def test_violations_name_file_line_record_rule_and_value(runner, project_copy):
    path, line = _make_cycle(project_copy)
    result = runner.invoke(app, ["validate", "--root", str(project_copy.root), "--reasoner", "hermit"])
    assert result.exit_code == 1, result.output
    err = result.stderr
    # SHACL: the loop, at the part_of line, in plain words, with the offending value.
    assert (f"{path}:{line}: record dir-guideline-1, field part_of: a directive must not reach itself"
            in err), err
    assert "[shape directive-no-cycle] (value: 'dir-guideline-1-action-1')" in err
    # OWL (HermiT): the asymmetry clash, on the same record and line.
    assert (f"{path}:{line}: record dir-guideline-1, field part_of: partOf is asymmetric, but this node is "
            f"partOf a node that is partOf it [OWL, checked by HermiT] (value: 'dir-guideline-1-action-1')"
            in err), err


def test_build_runs_the_same_checks_and_writes_nothing(runner, project_copy, tmp_path):
    _make_cycle(project_copy)
    out = tmp_path / "out"
    out.mkdir()
    (out / "policygraph.ttl").write_text("previous build\n", encoding="utf-8")
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(out)])
    assert result.exit_code == 1
    assert "[shape directive-no-cycle]" in result.stderr and "[OWL, checked by" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["policygraph.ttl"]
    assert (out / "policygraph.ttl").read_text(encoding="utf-8") == "previous build\n"
    # Into a folder that did not exist: the build takes its lock and writes its generation while the checks
    # run (issue #21), and a failed check removes both, and the folders it made.
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(tmp_path / "new" / "out")])
    assert result.exit_code == 1 and "[shape directive-no-cycle]" in result.stderr
    assert not (tmp_path / "new").exists()


def test_without_java_validate_says_so_in_one_line_and_still_checks(runner, monkeypatch):
    import owlready2
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "Java" in line]
    assert notes == ["policygraph: Java not found: OWL consistency checked with OWL-RL (owlrl) instead of HermiT"]
    assert "OWL consistent (owlrl" in result.stdout


def test_hermit_asked_for_without_java_is_an_input_error(runner, monkeypatch):
    import owlready2
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    result = runner.invoke(app, ["validate", "--reasoner", "hermit"])
    assert result.exit_code == 2
    assert "HermiT needs Java" in result.stderr


def test_broken_shapes_file_is_an_input_error(runner, project_copy):
    shapes = project_copy.root / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\npgsh:broken sh:path ( .\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--root", str(project_copy.root)])
    assert result.exit_code == 2
    assert f"{shapes}: shapes do not parse" in result.stderr


@pytest.mark.parametrize("command", ["validate", "docs"])
def test_commands_are_documented_with_an_example(runner, command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and f"Example: policygraph {command}" in result.stdout


def test_materialised_links_must_match_the_reasoner(project):
    from policygraph.checks.validate import check_graph
    from policygraph.graph.convert import PG, PGR
    from policygraph.pipeline import build_in_memory
    corpus, graph = build_in_memory(project)
    graph.add((PGR["kpi-cloud-municipalities"], PG.reaches, PGR["ri-15"]))  # upward: no axiom implies it
    report = check_graph(project, corpus, graph, "hermit")
    [problem] = report.problems
    assert "pg:reaches links differ from what HermiT infers: 0 missing, 1 extra" in problem.message
    assert problem.value == "kpi-cloud-municipalities reaches ri-15"
