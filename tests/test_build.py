"""policygraph build: formats, counts, atomic output."""
from rdflib import Graph

from policygraph.cli.app import app


def test_build_writes_three_formats_that_agree(runner, project_copy, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    sizes = {}
    for name, fmt in (("policygraph.ttl", "turtle"), ("policygraph.nt", "nt"), ("policygraph.jsonld", "json-ld")):
        g = Graph()
        g.parse(out / name, format=fmt)
        sizes[name] = len(g)
    assert len(set(sizes.values())) == 1 and sizes["policygraph.nt"] > 2000, sizes
    assert "KPI" in result.stdout and "Observation" in result.stdout
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_build_counts_match_records(runner, project_copy, built):
    corpus, graph = built
    result = runner.invoke(app, ["build", "--root", str(project_copy.root)])
    assert result.exit_code == 0
    for rtype, n in corpus.counts.items():
        assert f"{rtype:16} {n:6,}" in result.stdout


def test_same_kpi_from_several_documents_is_one_node(graph):
    from policygraph.graph.convert import PG, PGR
    kpi = PGR["kpi-cloud-municipalities"]
    docs = {str(d).rsplit("/", 1)[-1] for d in graph.objects(kpi, PG.reportedIn)}
    assert {"doc-roadmap-2016", "doc-evaluation-2019"} <= docs
    observation_docs = {str(graph.value(o, PG.reportedIn)).rsplit("/", 1)[-1]
                        for o in graph.objects(kpi, PG.hasObservation)}
    assert observation_docs == {"doc-cloud-briefing-2017", "doc-evaluation-2019"}


def test_fiscal_year_is_an_april_to_march_interval(graph):
    from rdflib import XSD, Literal

    from policygraph.graph.convert import PG, PGR
    fy = PGR["fy-2017"]
    assert graph.value(fy, PG.beginDate) == Literal("2017-04-01", datatype=XSD.date)
    assert graph.value(fy, PG.endDate) == Literal("2018-03-31", datatype=XSD.date)


def test_module_entry_point_runs():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "policygraph", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "trace" in result.stdout
