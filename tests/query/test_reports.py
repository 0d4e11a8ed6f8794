"""Reports kept with their store (`policygraph.query.reports`): `policygraph build` writes kpi-status, the
gap report and the overview into the generation; every reader reads them back, and what it reads is what
it would compute on the published store — on the corpus and on a synthetic project, in every output
format, for a store as of a date too; a changed query or a damaged file is never read."""
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policygraph.cli.app import app
from policygraph.pipeline import build, open_graph
from policygraph.query import reports
from policygraph.query.gaps import gap_report
from policygraph.query.sparql import QueryLibrary
from policygraph.serve.overview import overview_page
from policygraph.store import embedded
from tests.conftest import built_synth

COMMANDS = [["gaps", "--format", f] for f in ("json", "csv", "table")] + \
           [["query", "kpi-status", "--format", f] for f in ("json", "csv", "tsv", "table")]


@pytest.fixture(scope="module")
def corpus(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("build-reports")
    build(project, out)
    return project, out / embedded.STORE


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return built_synth(tmp_path_factory, "synth-reports", seed=5)


def _folder(store_dir: Path) -> Path:
    return store_dir.resolve().parent / reports.FOLDER


def _files(folder: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def _run(project, store_dir, args, extra=()):
    result = CliRunner().invoke(app, [*args, "--root", str(project.root), "--store", str(store_dir), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_build_writes_the_reports_into_its_generation(corpus):
    _, store_dir = corpus
    names = sorted(_files(_folder(store_dir)))
    assert [n.split("-")[0] for n in names] == ["gaps", "overview", "query"]
    assert any(n.startswith("query-kpi-status-") for n in names)


@pytest.mark.parametrize("which", ["corpus", "synthetic"])
def test_what_is_read_back_is_what_a_reader_computes_on_the_published_store(request, which, tmp_path):
    """The build computes the reports on its store in memory, before publishing; a reader computing them
    on the published store writes the same files, and every command prints the same bytes either way."""
    project, store_dir = request.getfixturevalue(which)
    folder = _folder(store_dir)
    built = _files(folder)
    kept = [_run(project, store_dir, args) for args in COMMANDS]
    engine = open_graph(project, store_dir)
    assert engine.folder == folder.parent
    overview = overview_page(engine, QueryLibrary(project.query_dirs).folders)
    shutil.move(folder, tmp_path / "built")
    try:
        computed = [_run(project, store_dir, args) for args in COMMANDS]
        assert overview_page(engine, QueryLibrary(project.query_dirs).folders) == overview
        assert _files(folder) == built  # written again by the readers, the same
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(tmp_path / "built", folder)
    assert [len(k) for k in kept] == [len(c) for c in computed]
    assert kept == computed
    rows = json.loads(kept[0])["gaps"]
    assert sum(k["count"] for k in rows) > 10  # a real report, not an empty one read twice


def test_the_reports_hold_the_rows_the_engine_returns(corpus):
    project, store_dir = corpus
    library = QueryLibrary(project.query_dirs)
    engine = open_graph(project, store_dir)
    live = engine.run(library.get("kpi-status"))
    kept = reports.plain_result(engine, library.get("kpi-status"))
    assert kept.columns == live.columns and len(kept.rows) == len(live) > 10
    assert kept.rows[0]["kpi"] == str(live[0]["kpi"]).rsplit("/", 1)[-1]
    assert any(kept.linked)  # the KPI column links its record


def test_a_store_as_of_a_date_keeps_its_own_reports(corpus):
    project, store_dir = corpus
    a = _run(project, store_dir, ["query", "kpi-status", "--format", "json"], ["--as-of", "2017-11-30"])
    dated_folder = next(store_dir.resolve().parent.glob("as-of/*/reports"))
    assert any(p.name.startswith("query-kpi-status-") for p in dated_folder.iterdir())
    b = _run(project, store_dir, ["query", "kpi-status", "--format", "json"], ["--as-of", "2017-11-30"])
    assert a == b
    plain = _run(project, store_dir, ["query", "kpi-status", "--format", "json"])
    assert json.loads(a) != json.loads(plain)  # the date's own statuses, not the build's report
    assert {r["asOf"] for r in json.loads(a)} == {"2017-11-30"}


def test_a_changed_query_is_computed_again_not_read_stale(corpus, tmp_path):
    """A project whose queries/ overrides kpi-status gets a report of its own query."""
    project, store_dir = corpus
    own = tmp_path / "queries"
    own.mkdir()
    text = (project.root / "queries" / "kpi-status.rq").read_text(encoding="utf-8")
    (own / "kpi-status.rq").write_text(text.replace("ORDER BY ?kpi", "ORDER BY DESC(?kpi)"), encoding="utf-8")
    engine = open_graph(project, store_dir)
    theirs = reports.plain_result(engine, QueryLibrary(project.query_dirs).get("kpi-status"))
    mine = reports.plain_result(engine, QueryLibrary([own, *project.query_dirs]).get("kpi-status"))
    assert [r["kpi"] for r in mine.rows] == [r["kpi"] for r in theirs.rows][::-1]
    assert len(list(_folder(store_dir).glob("query-kpi-status-*.json"))) == 2


def test_a_damaged_report_is_computed_again(corpus):
    project, store_dir = corpus
    folder = _folder(store_dir)
    path = next(folder.glob("gaps-*.json"))
    good = path.read_text(encoding="utf-8")
    expected = _run(project, store_dir, ["gaps", "--format", "json"])
    try:
        path.write_text(good[: len(good) // 2], encoding="utf-8")  # cut short
        assert _run(project, store_dir, ["gaps", "--format", "json"]) == expected
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(good)  # and kept whole again
    finally:
        path.write_text(good, encoding="utf-8")


def test_engines_without_a_generation_compute_every_time(project, engine):
    """The session's in-memory store (and rdflib, a graph file, a remote store) keeps no reports."""
    assert reports.folder_of(engine) is None
    report = gap_report(engine, QueryLibrary(project.query_dirs))
    assert report.rows


def test_a_report_survives_the_round_trip_of_its_values(corpus):
    """Numbers stay numbers, booleans booleans and dates ISO text in a report read back."""
    project, store_dir = corpus
    engine = open_graph(project, store_dir)
    found = reports.plain_result(engine, QueryLibrary(project.query_dirs).get("kpi-status"))
    kinds = {type(v).__name__ for r in found.rows for v in r.values() if v is not None}
    assert {"str", "int"} <= kinds
    assert found.types.get("asOf") or found.types.get("deadline")
    assert all(dt.date.fromisoformat(r["asOf"]) for r in found.rows if r.get("asOf"))
