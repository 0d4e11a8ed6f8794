"""Data never rewrites the terminal (hardening issue, defect 5).

`trace` crashed (MarkupError) on a label holding `[/]`, interpreted `[link=…]`, `[red]` and
`:warning:`, and passed ESC/OSC sequences through to the terminal; `find-quote` turned `:x:` into ❌
in the evidence line it suggests. Data is printed as text; control characters are refused in records.
"""
import pytest

from policygraph.cli.app import app

HOSTILE = ["閉じ[/]タグ", "[link=http://127.0.0.1:9/]リンク[/link]", "[red]赤[/red]", "警告 :warning: :x:",
           "[bold", "\\[escaped]"]
ANCHOR = "label: {ja: （地方）業務の簡素化・標準化、自治体クラウドの積極的展開,"  # reform item ri-15


ROOT_ANCHOR = "label: {ja: 地方公共団体のクラウド導入計画の策定と国による進捗管理・見える化,"  # dir-honebuto-2017-cloud


def _relabel(project, label: str, anchor: str = ANCHOR) -> None:
    path = project.records_dir / "001-cloud-briefing.yaml"
    text = path.read_text(encoding="utf-8")
    assert anchor in text
    # A YAML double-quoted string, control characters written as \\u escapes (YAML refuses them raw).
    quoted = '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in label) + '"'
    path.write_text(text.replace(anchor, f"label: {{ja: {quoted},", 1), encoding="utf-8")


@pytest.mark.parametrize("label", HOSTILE)
def test_trace_prints_a_hostile_label_as_written(runner, project_copy, tmp_path, label):
    """Defect: trace crashed (MarkupError) on [/] and interpreted [link=…], [red] and :warning: in labels."""
    _relabel(project_copy, label)                 # a reform item: a panel of its own
    _relabel(project_copy, label, ROOT_ANCHOR)    # the traced directive: the title panel
    out = tmp_path / "build"
    built = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(out)])
    assert built.exit_code == 0, built.output
    result = runner.invoke(app, ["trace", "dir-honebuto-2017-cloud", "--root", str(project_copy.root),
                                 "--store", str(out / "store")])
    assert result.exit_code == 0, result.output
    assert result.output.count(label) >= 2
    assert "⚠" not in result.output and "❌" not in result.output


@pytest.mark.parametrize("control", ["\x1b[2J", "\x1b]0;pwned\x07", "\x9b31m", "\x00", "\x7f"])
def test_a_control_character_in_a_record_is_a_located_error(runner, project_copy, tmp_path, control):
    """Defect: ESC/OSC sequences in records passed build and reached the terminal raw."""
    _relabel(project_copy, f"題名{control}")
    result = runner.invoke(app, ["build", "--root", str(project_copy.root), "--out", str(tmp_path / "b")])
    assert result.exit_code == 1, result.output
    lines = (project_copy.records_dir / "001-cloud-briefing.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("  - id: ri-15") + 3  # the label, two lines below the id (lines move as records are added)
    assert f"001-cloud-briefing.yaml:{line}: record ri-15, field label.ja: a control character" in result.output
    assert control not in result.output
    assert not (tmp_path / "b").exists()


def test_tabs_and_line_breaks_stay_allowed(project_copy):
    from policygraph.pipeline import build_in_memory
    _relabel(project_copy, "題名\tタブ")
    corpus, _graph = build_in_memory(project_copy)
    assert corpus.records["ri-15"].record.label.ja == "題名\tタブ"


def test_a_control_character_from_a_graph_file_is_shown_escaped(runner, tmp_path):
    """A graph file is not checked like records: what it holds is printed with escapes."""
    path = tmp_path / "g.nt"
    path.write_text('<https://w3id.org/policygraph/id/x> <http://www.w3.org/2000/01/rdf-schema#label> '
                    '"a\\u001B]0;pwned\\u0007b [red]c[/red]" .\n', encoding="utf-8")
    q = tmp_path / "labels.rq"
    q.write_text("SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }", encoding="utf-8")
    result = runner.invoke(app, ["query", str(q), "--graph", str(path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07b [red]c[/red]" in result.output


def test_find_quote_suggests_the_text_as_typed(runner, project_copy):
    """Emoji codes and markup in the searched text stay verbatim in the suggested evidence line."""
    source = project_copy.root / "data" / "sources" / sorted(
        p.name for p in (project_copy.root / "data" / "sources").glob("001*"))[0]
    source.write_text(source.read_text(encoding="utf-8") + "\n注記 :x: と [red]赤[/red] :warning:\n", encoding="utf-8")
    result = runner.invoke(app, ["find-quote", "001", "注記 :x: と [red]赤[/red] :warning:",
                                 "--root", str(project_copy.root)])
    assert result.exit_code == 0, result.output
    assert 'quote: "注記 :x: と [red]赤[/red] :warning:"' in result.output
    assert "❌" not in result.output and "⚠" not in result.output
