"""A project shape whose `sh:sparql` pySHACL refuses to load or run is an input error naming the shapes
file, exit 2 — for `validate` and `build` (issue #20, point 20: it crashed with a traceback, exit 1)."""
import pytest

from policygraph.cli.app import app

BROKEN = {
    "no $this": 'sh:sparql [ sh:select "ASK { }" ]',
    "select not a literal": "sh:sparql [ sh:select pg:KPI ]",
    "no select": 'sh:sparql [ sh:message "m" ]',
    "does not parse": 'sh:sparql [ sh:select "SELECT $this WHERE { $this ?p " ]',
}


@pytest.mark.parametrize("shape", list(BROKEN))
@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_shape_pyshacl_refuses_is_a_located_input_error(runner, project_copy, tmp_path, shape, command):
    shapes = project_copy.root / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + f"\npgsh:Broken a sh:NodeShape ; sh:targetClass pg:KPI ; "
                      f"{BROKEN[shape]} .\n", encoding="utf-8")
    args = [command, "--root", str(project_copy.root)] + (["--out", str(tmp_path / "b")] if command == "build" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert lines[-2:-1] == ["policygraph: error:"], result.stderr
    # pySHACL's refusal, or the query check every shape's SPARQL passes first (store.safety) naming the
    # syntax error: either way one located line about the shapes file.
    assert lines[-1].startswith(f"  {shapes}"), lines[-1]
    assert any(why in lines[-1] for why in ("pySHACL cannot run these shapes (", "SPARQL syntax error",
                                            "rdflib cannot parse it")), lines[-1]
    assert not (tmp_path / "b").exists()
