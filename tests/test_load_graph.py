"""The one graph-loading path (pipeline.open_graph) that trace, query, gaps, viz and export share."""
from rdflib import Graph

from policygraph.cli.app import app
from policygraph.graph.namespaces import PG
from policygraph.pipeline import open_graph


def _old_export(graph, tmp_path):
    """An export written before the reasoning and attainment stages existed: no derived triples."""
    old = Graph()
    for s, p, o in graph:
        if p != PG.reaches and not str(p).startswith(str(PG) + "attainment"):
            old.add((s, p, o))
    path = tmp_path / "old.nt"
    old.serialize(path, format="nt", encoding="utf-8")
    return path


def test_an_old_export_gets_the_derived_triples_back(graph, project, tmp_path):
    """Regression: the three drifted loaders added pg:reaches, attainment, or nothing to an old file."""
    path = _old_export(graph, tmp_path)
    for engine in ("oxigraph", "rdflib"):
        opened = open_graph(project, graph_file=path, engine=engine)
        assert opened.where == str(path)
        loaded = opened.rdflib_graph()
        assert set(loaded.triples((None, PG.reaches, None))) == set(graph.triples((None, PG.reaches, None)))
        assert set(loaded.triples((None, PG.attainment, None))) == set(graph.triples((None, PG.attainment, None)))


def test_gaps_and_viz_gaps_agree_on_an_old_export(graph, runner, tmp_path):
    """Regression: `viz gaps --graph old.nt` and `gaps --graph old.nt` could disagree."""
    import json
    import re
    path = _old_export(graph, tmp_path)
    report = runner.invoke(app, ["gaps", "--graph", str(path), "--format", "json"])
    assert report.exit_code == 0, report.output
    total = json.loads(report.stdout)["total"]
    assert total > 0
    out = tmp_path / "gaps.html"
    view = runner.invoke(app, ["viz", "gaps", "--graph", str(path), "-o", str(out)])
    assert view.exit_code == 0, view.output
    assert re.search(rf"\b{total} gaps\b", view.stdout)


def test_a_missing_graph_file_is_an_input_error(runner, tmp_path):
    for cmd in (["trace", "未来投資戦略2017"], ["gaps"], ["viz", "graph", "-o", str(tmp_path / "x.html")]):
        result = runner.invoke(app, [*cmd, "--graph", str(tmp_path / "nope.nt")])
        assert result.exit_code == 2 and "graph file not found" in result.stderr, cmd
