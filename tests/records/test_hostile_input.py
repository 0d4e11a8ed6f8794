"""Inputs that crashed or hung the tool (hardening issue, defects 3 and 4): each is now exit 2 with
a located one-line message, never a traceback; and property tests feed generated YAML, random bytes
and random query strings, which may only ever raise the tool's own error.
"""
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygraph.cli.app import app
from policygraph.errors import PolicygraphError, Problem
from policygraph.records.corpus import load_corpus

RECORD = "records:\n  - id: body-x\n    type: Body\n    label: {ja: 組織, en: Body}\n    note: VALUE\n"
CASES = {
    # name: (the value written in place of VALUE, the line reported, words of the message)
    "alias of a scalar": ("&a text\n    parent: *a", 5, "aliases"),
    "merge key": ("&m {k: v}\n    evidence: {<<: *m}", 5, "aliases"),
    "integer of 5,000 digits": ("9" * 5000, 5, "4300 digits"),
    "!!int abc": ("!!int abc", 5, "cannot read the value 'abc'"),
    "!!float abc": ("!!float abc", 5, "cannot read the value 'abc'"),
    "!!timestamp 2017-02-30": ("!!timestamp 2017-02-30", 5, "day is out of range"),
    "unhashable key": ("\n      ? [a, b]\n      : c", 6, "a key must be a plain value"),
    "5,000-deep nesting": ("[" * 5000 + "]" * 5000, 5, "nesting"),
}


#: Nine anchors of nine aliases each: 9^9 (387 million) strings once expanded.
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)) + "records: [*a8]\n"
CASES["alias bomb"] = (None, 1, "aliases")


@pytest.mark.parametrize("case", CASES)
def test_hostile_yaml_is_a_located_input_error(runner, project_copy, tmp_path, case):
    """Defects: an alias bomb hung the tool; !!int/!!float/!!timestamp, huge integers, list keys and deep nesting gave tracebacks."""
    value, line, words = CASES[case]
    path = project_copy.records_dir / "zz-hostile.yaml"
    path.write_text(BOMB if value is None else RECORD.replace("VALUE", value), encoding="utf-8")
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(tmp_path / "b")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:{line}" in result.output if line else f"{path}:" in result.output
    assert words in result.output
    assert len(result.output) < 2000  # one line, the value cut short
    assert not (tmp_path / "b").exists()


def test_a_source_that_is_no_longer_utf8_is_located_and_its_digest_still_checked(runner, project_copy, tmp_path):
    """Defect: a source that is no longer UTF-8 gave a traceback before its SHA-256 was checked."""
    source = next((project_copy.root / "data" / "sources").glob("001*"))
    lines = source.read_bytes().split(b"\n")
    source.write_bytes(b"\n".join([*lines[:9], lines[9] + b"\xff\xfe", *lines[10:]]))
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(tmp_path / "b")])
    assert result.exit_code == 2, result.output
    assert f"{source}:10: the source file is not valid UTF-8" in result.output
    assert "SHA-256 differs" in result.output


def test_a_huge_value_is_never_printed_whole():
    """Defect: Problem.__str__ built the full repr of a value (gigabytes for an alias bomb) before cutting it."""
    nested = [[list(range(10_000))] * 10_000] * 10_000  # 10^12 elements by reference
    assert len(str(Problem("bad", value=nested))) < 400
    assert len(str(Problem("bad", value="x" * 10**7))) < 400


@pytest.mark.parametrize("kind", ["CONSTRUCT WHERE { ?s ?p ?o }", "ASK { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_queries_that_return_no_rows_are_refused_clearly(runner, tmp_path, kind, engine):
    """Defect: CONSTRUCT, ASK and DESCRIBE gave tracebacks."""
    path = tmp_path / "q.rq"
    path.write_text(kind, encoding="utf-8")
    result = runner.invoke(app, ["query", str(path), "--engine", engine])
    assert result.exit_code == 2, result.output
    assert "only SELECT queries are run" in result.output and str(path) in result.output


# ---------------------------------------------------------------------------------- property tests
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30), st.dates().map(str))
documents = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(string.ascii_lowercase + "_", max_size=12), children,
                                                     max_size=5)), max_leaves=25)
FIELDS = ["id", "type", "label", "evidence", "document", "kpi", "value", "date", "unit", "kind", "records", "source"]
records = st.lists(st.dictionaries(st.sampled_from(FIELDS), documents, max_size=6), max_size=3)


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory):
    import shutil

    from policygraph.project import Project
    root = tmp_path_factory.mktemp("hostile")
    for name in ("ontology", "data", "queries"):
        shutil.copytree(Project.locate().root / name, root / name)
    return Project(root)


def _load(project, content: bytes):
    path = project.records_dir / "zz-generated.yaml"
    path.write_bytes(content)
    try:
        load_corpus(project, files=[project.records_dir / "sources.yaml", path])
    except PolicygraphError as exc:
        assert exc.exit_code in (1, 2)
        assert all(isinstance(p, Problem) and str(p) for p in exc.problems)


@PROPERTY
@given(doc=st.one_of(documents, records.map(lambda rs: {"records": rs})))
def test_generated_yaml_documents_never_crash_the_loader(hostile_project, doc):
    _load(hostile_project, yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))


@PROPERTY
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_random_bytes_never_crash_the_loader(hostile_project, content):
    _load(hostile_project, content)


SPARQL_WORDS = ["SELECT", "WHERE", "{", "}", "?s", "?p", "?o", "FILTER", "(", ")", "OPTIONAL", "UNION", "CONSTRUCT",
                "ASK", "DESCRIBE", "SERVICE", "<urn:x>", '"x"', "1", ".", ";", "GROUP BY", "COUNT(*)", "AS", "BIND",
                "VALUES", "LIMIT", "ORDER BY", "FROM", "a", "pg:KPI", "*", "STRDT(", "xsd:date(", ","]


@PROPERTY
@given(text=st.one_of(st.text(max_size=120), st.lists(st.sampled_from(SPARQL_WORDS), max_size=25).map(" ".join)))
@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
def test_random_query_strings_raise_only_the_tools_error(engine, rg_engine, engine_name, text):
    from policygraph.store.engines import TextQuery
    chosen = engine if engine_name == "oxigraph" else rg_engine
    try:
        rows = chosen.run(TextQuery("random", text))
    except PolicygraphError as exc:
        assert exc.exit_code == 2
    else:
        assert isinstance(rows, list)


@pytest.fixture(scope="module")
def rg_engine(tmp_path_factory):
    """rdflib over a small graph (the shapes' base fixture): random queries stay quick."""
    from pathlib import Path

    from rdflib import Graph

    from policygraph.store.engines import RdflibEngine
    base = Path(__file__).resolve().parents[1] / "fixtures" / "shapes" / "base.ttl"
    return RdflibEngine(Graph().parse(base, format="turtle"))


@pytest.mark.parametrize("text,line", [
    ('records:\n  - id: a\n    label: {ja: "unterminated, en: x}\n    note: ok\n    kind: x\n    more: y\n'
     '    other: z\n  - id: b\n', 3),
    ("records:\n  - id: a\n    cites: [doc-a, doc-b\n    note: ok\n    kind: x\n    more: y\n", 3),
    ("records:\n  - id: a\n    note: ok\n   bad: indentation\n", 4),
])
def test_an_unterminated_quote_or_bracket_is_reported_where_it_opens(project_copy, text, line):
    """It used to be reported where the file ends (5 lines late); a block error stays at its own line."""
    from policygraph.records.yamlload import load_yaml
    path = project_copy.records_dir / "zz.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicygraphError) as err:
        load_yaml(path)
    assert err.value.problems[0].line == line, str(err.value)
    assert err.value.exit_code == 2


@pytest.mark.parametrize("cut", [40, 3000])
@pytest.mark.parametrize("name", ["policygraph.nt", "policygraph.ttl", "policygraph.jsonld"])
def test_a_truncated_export_given_as_graph_is_a_located_input_error(runner, store_dir, tmp_path, name, cut):
    """Defect: --graph with a broken or truncated export gave a traceback."""
    whole = (store_dir.parent / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(whole[:cut])
    result = runner.invoke(app, ["query", "kpi-status", "--graph", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}: cannot read the graph file" in result.output
