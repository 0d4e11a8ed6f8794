"""The embedded store: written by build as one atomic generation, opened read-only by every reading
command, named when stale or foreign; derived facts equal the rdflib derivation's."""
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from policygraph.graph import attainment, reason
from policygraph.graph.namespaces import PG
from policygraph.pipeline import _build, build, open_graph
from policygraph.project import Project
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import trace
from policygraph.store import derive, embedded
from policygraph.store.engines import OxigraphEngine, RdflibEngine

ROOT = Path(__file__).resolve().parents[2]
DERIVED = Path(__file__).resolve().parents[1] / "fixtures" / "derived"


def _copy(tmp: Path) -> Project:
    for name in ("data",):
        shutil.copytree(ROOT / name, tmp / name)
    return Project(tmp)


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory):
    """A copy of the real project, built once with `policygraph build` (store + exports in build/)."""
    project = _copy(tmp_path_factory.mktemp("proj"))
    build(project)
    return project


def _cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policygraph", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_build_writes_the_store_beside_the_exports(built_copy):
    out = built_copy.build_dir
    assert (out / "store").is_symlink() and (out / "current").is_symlink()
    info = embedded.read_info(out / "store")
    assert info.project == str(built_copy.root) and len(info.digest) == 64 and info.triples > 10_000
    store = embedded.open_store(out / "store")
    assert len(store) == info.triples
    exported = Graph().parse(out / "policygraph.nt", format="nt")
    assert len(exported) == info.triples


def test_reading_commands_work_with_the_exports_deleted(built_copy, tmp_path):
    project = _copy(tmp_path)
    shutil.copytree(built_copy.build_dir, project.build_dir, symlinks=True)
    for name in ("policygraph.nt", "policygraph.ttl", "policygraph.jsonld"):
        os.unlink(os.path.realpath(project.build_dir / name))
    root = ["--root", str(project.root)]
    traced = _cli("trace", "未来投資戦略2017", "-f", "json", *root)
    assert traced.returncode == 0, traced.stderr
    assert "in-memory" not in traced.stderr  # read from the store, not rebuilt
    assert json.loads(traced.stdout)["directives"][0]["reform_items"][0]["number"] == "⑮"
    gaps = _cli("gaps", "-f", "json", *root)
    assert gaps.returncode == 0 and json.loads(gaps.stdout)["total"] > 0, gaps.stderr
    status = _cli("query", "kpi-status", "-f", "json", *root)
    assert status.returncode == 0 and len(json.loads(status.stdout)) >= 39, status.stderr


def test_a_killed_build_leaves_the_previous_generation_whole(built_copy):
    """A build killed (SIGKILL, by its PID) while it writes its new generation changes nothing readers see."""
    out = built_copy.build_dir
    before_link = os.readlink(out / "current")
    before_nt = (out / "policygraph.nt").read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "policygraph", "build", "--root", str(built_copy.root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    killed_mid_write = False
    while time.monotonic() < deadline and proc.poll() is None:
        new = [g for g in out.glob(".gen-*") if g.name != before_link]
        if new:  # the new generation is being written: kill the build now
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_write = True
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert killed_mid_write, "the build finished before it could be killed mid-write"
    assert os.readlink(out / "current") == before_link
    assert (out / "policygraph.nt").read_bytes() == before_nt
    store = embedded.open_store(out / "store")
    assert len(store) == embedded.read_info(out / "store").triples
    engine = open_graph(built_copy)
    assert engine.note is None and engine.where == str(out / "store")
    # The next build clears the unfinished folder and swaps in a new generation; the one it replaced
    # stays, as this process read it above (open_store holds it until the process ends).
    build(built_copy)
    assert os.readlink(out / "current") != before_link
    assert sorted(g.name for g in out.glob(".gen-*")) == sorted([before_link, os.readlink(out / "current")])


def test_a_build_keeps_a_previous_generation_only_while_a_reader_holds_it(built_copy):
    """Issue #21: build/ held 843 MB after three 1M builds. A replaced generation no reader holds is
    removed at once; one a reading process holds (open_store) stays until a build after that process ends."""
    out = built_copy.build_dir
    reader = subprocess.Popen([sys.executable, "-c", "import sys, pathlib\n"
                               "from policygraph.store.embedded import open_store\n"
                               "store = open_store(pathlib.Path(sys.argv[1]))\n"
                               "print(len(store), flush=True)\n"
                               "sys.stdin.read()", str(out / "store")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert int(reader.stdout.readline()) > 0  # the reader has the store open
        held = os.readlink(out / "current")
        build(built_copy)
        first = os.readlink(out / "current")
        here = {gen.name for gen in embedded._held if gen.parent == out.resolve()}  # this test process read
        assert {g.name for g in out.glob(".gen-*")} == {held, first} | here  # the reader's stays
        assert embedded.read_info(out / held / "store") is not None
    finally:
        reader.stdin.close()
        reader.wait(30)
    build(built_copy)  # the reader is gone: only the new generation is left (and any this test process read)
    assert {g.name for g in out.glob(".gen-*")} == {os.readlink(out / "current")} | here
    assert held not in here and first not in here


def test_a_second_build_at_the_same_time_stops_with_exit_2(built_copy):
    with embedded.build_lock(built_copy.build_dir):
        result = _cli("build", "--root", str(built_copy.root))
    assert result.returncode == 2
    assert "another build is writing this folder" in result.stderr and str(os.getpid()) in result.stderr


def test_a_moved_project_keeps_its_store(built_copy, tmp_path):
    project = _copy(tmp_path)
    shutil.copytree(built_copy.build_dir, project.build_dir, symlinks=True)
    assert open_graph(project).note is None  # the same content under another folder: not stale


def test_a_stale_store_is_named_and_the_data_built_in_memory(tmp_path):
    project = _copy(tmp_path)
    build(project)
    info = embedded.read_info(project.build_dir / "store")
    os.utime(project.records_dir / "001-cloud-briefing.yaml")  # touched, same content: still fresh
    assert open_graph(project).note is None
    with (project.records_dir / "001-cloud-briefing.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# an edit\n")
    result = _cli("trace", "未来投資戦略2017", "-f", "json", "--root", str(project.root))
    assert result.returncode == 0
    assert f"build/store: older than the data (built {info.built_at}); using an in-memory build" in result.stderr


def test_a_store_of_another_project_is_refused(built_copy, tmp_path):
    other = _copy(tmp_path)
    with (other.records_dir / "001-cloud-briefing.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# another project\n")
    result = _cli("gaps", "--root", str(other.root), "--store", str(built_copy.build_dir / "store"))
    assert result.returncode == 2
    assert f"the store was built from another project ({built_copy.root})" in result.stderr


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = _cli("trace", "未来投資戦略2017", "--store", str(tmp_path / "empty"))
    assert result.returncode == 2 and "not a store written by `policygraph build`" in result.stderr


def test_a_missing_store_builds_in_memory_and_says_so(tmp_path):
    project = _copy(tmp_path)
    result = _cli("trace", "未来投資戦略2017", "--root", str(project.root))
    assert result.returncode == 0, result.stderr
    assert "build/store: missing; using an in-memory build of data/ (run `policygraph build`)" in result.stderr


# ---------------------------------------------------------------------------------- derived facts
def _derived_nt(store: ox.Store) -> list[str]:
    g = Graph()
    engine = OxigraphEngine(store=store)
    g += engine.rdflib_graph().triples((None, None, None))
    lines = Graph()
    for prop in derive.DERIVED:
        for t in g.triples((None, prop, None)):
            lines.add(t)
    return sorted(line for line in lines.serialize(format="nt").splitlines() if line.strip())


@pytest.mark.parametrize("as_of", ["2017-11-30", "2019-08-01"])
def test_derived_triples_on_the_store_equal_the_rdflib_derivation(project, as_of):
    """The store's derivation (SPARQL UPDATE for reaches; four batched queries for attainment) gives the
    triples the rdflib derivation gave before the store existed (golden files written by that code)."""
    _, _, store = _build(project)
    derive.attainment(store, dt.date.fromisoformat(as_of))
    expected = (DERIVED / f"corpus-{as_of}.nt").read_text(encoding="utf-8").splitlines()
    assert _derived_nt(store) == expected


def test_store_and_rdflib_derivations_agree_on_the_corpus(graph, project):
    base = Graph()
    for t in graph:
        if t[1] not in derive.DERIVED:
            base.add(t)
    # rdflib: the Python closure and the rdflib attainment
    rd = Graph()
    rd += base
    reason.materialise(None, rd)
    attainment.materialise(None, rd, dt.date(2020, 4, 1))
    # the store: SPARQL UPDATE and batched queries
    engine = OxigraphEngine(base)
    derive.reaches(engine.store)
    derive.attainment(engine.store, dt.date(2020, 4, 1))
    derived = OxigraphEngine(store=engine.store).rdflib_graph()  # read back once, not once per property
    for prop in derive.DERIVED:
        assert set(derived.triples((None, prop, None))) == set(rd.triples((None, prop, None))), prop
    assert len(set(rd.triples((None, PG.reaches, None)))) > 500


# ---------------------------------------------------------------------------------- trace
class Counting:
    """An engine that counts the queries it runs."""

    def __init__(self, engine):
        self.engine, self.calls = engine, 0
        self.where, self.note = engine.where, None

    def run(self, *args, **kwargs):
        self.calls += 1
        return self.engine.run(*args, **kwargs)


def test_trace_runs_ten_queries_whatever_it_reaches(engine, project):
    """Regression: trace ran one query per directive, item, step, KPI and fact (64 for 未来投資戦略2017).
    Since issue 24 a document's trace also asks for the reform items it reports and its directives'
    own progress reports: twelve at most, from any kind of root."""
    library = QueryLibrary(project.query_dirs)
    roots = sorted({str(r["id"]) for r in engine.run(library.get("trace-roots"))})
    sizes = {}
    for target in roots:
        counting = Counting(engine)
        result = trace(counting, library, target)
        assert counting.calls <= 12, (target, counting.calls)  # fewer where a level is empty
        sizes[target] = sum(len(i["kpis"]) + len(i["steps"]) for d in result["directives"] for i in d["reform_items"])
    assert len(roots) > 60 and max(sizes.values()) >= 20  # small and large traces alike


def test_trace_gives_the_same_result_on_both_engines(engine, graph, project):
    library = QueryLibrary(project.query_dirs)
    for target in ("未来投資戦略2017", "doc-ten-guidelines-draft", "doc-evaluation-2019"):
        assert trace(engine, library, target) == trace(RdflibEngine(graph), library, target)


# ---------------------------------------------------------------------------------- on a synthetic project
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A 20k-triple synthetic project (policygraph synth), built in memory: (project, corpus, graph, store)."""
    from policygraph.records.synth import synthesize
    root = tmp_path_factory.mktemp("synth") / "project"
    synthesize(root, 20_000, seed=3)
    project = Project(root)
    return (project, *_build(project))


def test_store_and_rdflib_derivations_agree_on_a_synthetic_project(synthetic):
    _, _, graph, store = synthetic
    base = Graph()
    for t in graph:
        if t[1] not in derive.DERIVED:
            base.add(t)
    reason.materialise(None, base)
    attainment.materialise(None, base, dt.date(2021, 4, 1))
    derive.attainment(store, dt.date(2021, 4, 1))
    on_store = OxigraphEngine(store=store).rdflib_graph()
    for prop in derive.DERIVED:
        assert set(on_store.triples((None, prop, None))) == set(base.triples((None, prop, None))), prop
    assert len(set(base.triples((None, PG.attainment, None)))) > 50


def test_trace_query_count_does_not_grow_with_the_graph(synthetic, engine, project):
    """The largest trace of a project 1.5× the corpus's size still takes twelve queries at most, as the
    corpus's do."""
    synth_project, _, _, store = synthetic
    library = QueryLibrary(synth_project.query_dirs)
    synth_engine = OxigraphEngine(store=store)
    roots = sorted({str(r["id"]) for r in synth_engine.run(library.get("trace-roots"))})
    counts, sizes = [], []
    for target in roots:
        counting = Counting(synth_engine)
        result = trace(counting, library, target)
        counts.append(counting.calls)
        sizes.append(sum(len(i["kpis"]) + len(i["steps"]) for d in result["directives"] for i in d["reform_items"]))
    assert len(roots) > 50 and max(counts) <= 12 and max(sizes) >= 20
