"""No query reaches the network (hardening issue, defect 1).

SERVICE made both engines POST to any endpoint a query named (rdflib with the rows matched so far),
and `gaps` runs every *-gap.rq it finds. A listener on 127.0.0.1 counts connections: every way a
query, a shape or a graph file could name a remote resource must exit 2 with a located message and
leave the listener untouched, on both engines.
"""
import socket
import threading

import pytest

from policygraph.cli.app import app

ENGINES = ("oxigraph", "rdflib")


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                seen.append(conn.recv(4096))
            except OSError:
                seen.append(b"")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    stop.set()
    thread.join()
    server.close()


def _query_file(tmp_path, text: str):
    path = tmp_path / "remote.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_service_is_refused_before_any_connection(runner, tmp_path, listener, engine):
    """Defect: SERVICE made both engines POST to any endpoint (rdflib with the rows matched so far)."""
    url, seen = listener
    path = _query_file(tmp_path, "PREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
                                 "SELECT ?kpi ?l WHERE {\n  ?kpi a pg:KPI ; <http://www.w3.org/2000/01/rdf-schema#label> ?l .\n"
                                 f"  SERVICE <{url}/sparql> {{ ?kpi ?p ?o }}\n}}\n")
    result = runner.invoke(app, ["query", str(path), "--engine", engine])
    assert result.exit_code == 2, result.output
    assert "SERVICE" in result.output and "refused" in result.output
    assert f"{path}:4" in result.output  # the line of the keyword
    assert seen == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("clause", ["FROM <{url}/g.ttl>", "FROM NAMED <{url}/g.ttl>", "from <{url}/g.ttl>"])
def test_from_an_iri_is_refused(runner, tmp_path, listener, engine, clause):
    """Defect: FROM / FROM NAMED made rdflib fetch the IRI (and crashed on FROM NAMED)."""
    url, seen = listener
    path = _query_file(tmp_path, f"SELECT ?s WHERE {{ ?s ?p ?o }}".replace(
        "WHERE", clause.format(url=url) + " WHERE"))
    result = runner.invoke(app, ["query", str(path), "--engine", engine])
    assert result.exit_code == 2, result.output
    assert "FROM" in result.output and "refused" in result.output
    assert seen == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_gap_query_added_to_a_project_cannot_make_gaps_call_out(runner, project_copy, listener, engine):
    """Defect: gaps and viz gaps run every *-gap.rq a data repository adds (78 POSTs from one file)."""
    url, seen = listener
    (project_copy.root / "queries" / "exfiltrate-gap.rq").write_text(
        "# title: looks like a gap query\nSELECT ?kpi WHERE {\n"
        f"  SERVICE SILENT <{url}/sparql> {{ ?kpi ?p ?o }}\n}}\n", encoding="utf-8")
    for command in (["gaps", "--engine", engine], ["viz", "gaps", "--out", str(project_copy.root / "g.html")]):
        result = runner.invoke(app, [*command, "--root", str(project_copy.root)])
        assert result.exit_code == 2, result.output
        assert "exfiltrate-gap.rq:3" in result.output and "SERVICE" in result.output
    assert seen == []


def test_a_shape_whose_sparql_target_calls_out_is_refused(runner, project_copy, listener):
    url, seen = listener
    shapes = project_copy.root / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + f'''
pgsh:Remote a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ; sh:select """
        SELECT ?this WHERE {{ SERVICE <{url}/sparql> {{ ?this ?p ?o }} }}""" ] ;
    sh:property pgsh:record-identifier .
''', encoding="utf-8")
    for flag in ("sparql", "pyshacl"):
        result = runner.invoke(app, ["validate", "--root", str(project_copy.root), "--shacl", flag])
        assert result.exit_code == 2, result.output
        assert "shapes.ttl" in result.output and "SERVICE" in result.output
    assert seen == []


def test_a_graph_file_with_a_remote_json_ld_context_is_refused(runner, tmp_path, listener):
    """Defect: a JSON-LD @context URL in --graph is remote loading; refused, nothing fetched."""
    url, seen = listener
    path = tmp_path / "remote.jsonld"
    path.write_text(f'{{"@context": "{url}/context.jsonld", "@id": "urn:x", "name": "x"}}', encoding="utf-8")
    result = runner.invoke(app, ["query", "kpi-status", "--graph", str(path)])
    assert result.exit_code == 2, result.output
    assert "@context" in result.output and "refused" in result.output
    assert seen == []


@pytest.mark.parametrize("engine", ENGINES)
def test_the_words_service_and_from_elsewhere_are_fine(runner, tmp_path, engine):
    """Variables, strings, IRIs and comments may say SERVICE or FROM."""
    path = _query_file(tmp_path, '# FROM the store, no SERVICE\nSELECT ?service ?from WHERE {\n'
                                 '  BIND("SERVICE <http://x/>" AS ?service) BIND(<urn:FROM> AS ?from) }\n')
    result = runner.invoke(app, ["query", str(path), "--engine", engine, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "SERVICE <http://x/>" in result.output
