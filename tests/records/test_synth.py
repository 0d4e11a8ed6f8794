"""The synthetic project generator: deterministic, sized as asked, builds clean, has every gap kind."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from policygraph.project import RESOURCES, Project
from policygraph.records import synth
from policygraph.records.synth import estimate, plan, synthesize

SIZE = 10_000
#: Every gap kind the shipped queries define (queries/*-gap.rq).
GAP_KINDS = sorted(p.stem for p in (RESOURCES / "queries").glob("*-gap.rq"))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, synth.SynthResult]:
    out = tmp_path_factory.mktemp("synth") / "project"
    return out, synthesize(out, SIZE, seed=0)


@pytest.fixture(scope="module")
def built(project):
    """The generated project built once through the real pipeline (checks included, files written)."""
    from policygraph.pipeline import build
    root, _ = project
    return build(Project(root))


@pytest.fixture(scope="module")
def gaps(project, built) -> dict:
    """`policygraph gaps --format json` on the built project, through the command line."""
    root, _ = project
    proc = subprocess.run([sys.executable, "-m", "policygraph", "gaps", "--root", str(root), "--format", "json"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, project):
    root, result = project
    again = synthesize(tmp_path / "again", SIZE, seed=0)
    assert again.records == result.records
    assert _files(tmp_path / "again") == _files(root)
    other = synthesize(tmp_path / "other", SIZE, seed=1)
    assert other.records == result.records  # same structure …
    theirs, ours = _files(tmp_path / "other"), _files(root)
    assert theirs.keys() == ours.keys()
    assert any(theirs[name] != ours[name] for name in ours)  # … other names and values


def test_layout(project):
    root, result = project
    records = root / "data" / "records"
    assert (records / "sources.yaml").is_file()
    assert not (root / "ontology").exists() and not (root / "queries").exists()
    sources = list((root / "data" / "sources").glob("*.txt"))
    assert len(sources) == result.records["SourceText"]
    assert max(p.stat().st_size for p in sources) < 200_000
    assert {"PolicyDocument", "Directive", "ReformItem", "ScheduleStep", "ProgressReport", "KPI", "Baseline",
            "Target", "Observation", "Projection", "Assessment", "Placeholder", "BudgetLine", "Measure",
            "Body"} <= set(result.records)
    assert result.records["Body"] == 50


def test_builds_clean_at_the_asked_size(project, built):
    _, result = project
    triples = built.triples
    assert abs(triples - SIZE) <= 0.25 * SIZE, triples
    assert abs(triples - result.estimated_triples) <= 0.05 * triples, (triples, result.estimated_triples)
    assert built.class_counts["KPI"] == result.records["KPI"]


def test_every_comparator_tier_status_and_legend(project):
    root, _ = project
    text = "\n".join(p.read_text(encoding="utf-8") for p in (root / "data" / "records").glob("*.yaml"))
    for comparator in ("ge", "le", "approx", "eq", "rank_le"):
        assert f"comparator: {comparator}\n" in text
    for line in ("tier: 1\n", "tier: 2\n", "status: preliminary\n", "status: final\n", "status: unstated\n",
                 "relative_factor: ", "relative_to: ", "reduction_from: ", "revision_of: ", "part_of: ",
                 "grade_scheme: roadmap\n", "grade_scheme: evaluation\n", "kind: policy_goal\n",
                 "kind: policy_means\n", "box: measures\n", "box: kpi_examples\n"):
        assert line in text, line
    for grade in "ABNFイロハ一":
        assert f'grade: "{grade}"' in text, grade


def test_every_gap_kind_has_rows(gaps):
    counts = {g["kind"]: g["count"] for g in gaps["gaps"]}
    assert GAP_KINDS and set(GAP_KINDS) <= set(counts)
    assert [k for k in GAP_KINDS if not counts[k]] == []


def test_size_model_steps_are_small():
    for n in (10_000, 30_000, 100_000, 1_000_000):
        layout = plan(n)
        assert min(layout) >= synth.MIN_ITEMS
        assert abs(estimate(layout) - n) <= 0.03 * n, (n, estimate(layout))


def test_command_refuses_a_non_empty_folder(tmp_path):
    from policygraph.cli import synth as synth_cli
    from policygraph.cli.options import PolicygraphGroup
    app = typer.Typer(cls=PolicygraphGroup)

    @app.callback()
    def main():
        """Test app."""

    synth_cli.register(app)
    runner = CliRunner()
    out = tmp_path / "p"
    first = runner.invoke(app, ["synth", "-n", "5000", "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert "records" in first.stdout and "triples" in first.stdout
    again = runner.invoke(app, ["synth", "-n", "5000", "-o", str(out)])
    assert again.exit_code == 2
    assert "not empty" in again.output
    forced = runner.invoke(app, ["synth", "-n", "5000", "-o", str(out), "--seed", "2", "--force"])
    assert forced.exit_code == 0, forced.output
    assert runner.invoke(app, ["synth", "-n", "0", "-o", str(tmp_path / "q")]).exit_code == 2
