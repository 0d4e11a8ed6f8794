"""Output paths (hardening issue: defect 2, and the -o cases of defects 4 and 7).

`-o` onto /dev/null replaced the device when run as root; a read-only or full file system gave a
traceback; ENOSPC left `.NAME.XXXX.tmp` behind. Only regular files (or symlinks) are replaced;
anything else, and any write failure, is exit 2 naming the file, with nothing left behind.
"""
import errno
import os
import socket
from pathlib import Path

import pytest

from policygraph.cli.app import app
from policygraph.errors import PolicygraphError
from policygraph.output import check_target, write_atomically

COMMANDS = {
    "export": ["export", "--format", "graphml", "-o"],
    "viz graph": ["viz", "graph", "-o"],
    "docs": ["docs", "-o"],
}


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_never_replaced(runner, tmp_path, command):
    """Defect: -o onto a device or FIFO replaced it (as root, /dev/null was replaced)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    before = _listing(tmp_path)
    result = runner.invoke(app, [*COMMANDS[command], str(fifo)])
    assert result.exit_code == 2, result.output
    assert "FIFO" in result.output and str(fifo) in result.output
    assert fifo.is_fifo() and _listing(tmp_path) == before


def test_a_socket_and_a_folder_are_never_replaced(runner, tmp_path):
    """Defect: only regular files may be replaced; a socket or folder target is refused."""
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        for target, words in ((sock_path, "a socket"), (tmp_path, "a folder")):
            result = runner.invoke(app, ["export", "--format", "graphml", "-o", str(target)])
            assert result.exit_code == 2, result.output
            assert words in result.output
    with pytest.raises(PolicygraphError, match="a folder"):
        write_atomically({tmp_path: b"x"})
        assert sock_path.is_socket()


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full", "/dev/zero"])
def test_devices_are_refused_before_anything_is_written(device):
    """Checked without writing: were it wrong, the test itself must not replace the device."""
    with pytest.raises(PolicygraphError, match="character device") as err:
        check_target(Path(device))
    assert err.value.exit_code == 2


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_failed_write_is_exit_2_and_leaves_no_temporary_file(runner, tmp_path, monkeypatch, code):
    """The operating system's answer is injected at os.fsync (a full, read-only or forbidden file
    system cannot be mounted in every CI); every file of the set is checked before and after."""
    target = tmp_path / "out.graphml"
    target.write_text("old", encoding="utf-8")
    before = _listing(tmp_path)

    def refuse(_fd):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(os, "fsync", refuse)
    result = runner.invoke(app, ["export", "--format", "graphml", "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert f"{target}: cannot write the file: {os.strerror(code)}" in result.output
    assert _listing(tmp_path) == before and target.read_text(encoding="utf-8") == "old"


def test_a_set_fails_whole(tmp_path, monkeypatch):
    """Two files: the second fails, the first is not moved into place and no temporary file stays."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    calls = []
    real = os.fsync

    def second_fails(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)
    monkeypatch.setattr(os, "fsync", second_fails)
    with pytest.raises(PolicygraphError, match="No space left"):
        write_atomically({a: b"1", b: b"2"})
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("label", ["nul\x00byte", "esc\x1b[31mred", "bell\x07", "c1\x85next", "\ufffe\uffff",
                                   "<tag> & \"quote\""])
def test_graphml_always_parses_back(runner, tmp_path, label):
    """A graph file may hold what records may not: the GraphML written from it still parses (hardening #6)."""
    import networkx as nx
    data = tmp_path / "g.nt"
    iri = "https://w3id.org/policygraph/id/kpi-x"
    escaped = "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else f"\\u{ord(c):04X}" for c in label)
    data.write_text(f'<{iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                    f'<https://w3id.org/policygraph/ontology#KPI> .\n'
                    f'<{iri}> <http://www.w3.org/2000/01/rdf-schema#label> "{escaped}"@ja .\n', encoding="utf-8")
    out = tmp_path / "g.graphml"
    result = runner.invoke(app, ["export", "--format", "graphml", "--graph", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out)
    shown = graph.nodes["kpi-x"]["label_ja"]
    printable_part = "".join(c for c in label if c.isprintable() and c not in "\ufffe\uffff")
    assert "".join(c for c in shown if c in printable_part) .startswith(printable_part[:2])
    assert all(c.isprintable() for c in shown)
    if label.startswith("<tag>"):
        assert shown == label


@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_ending_in_a_slash_names_a_folder_not_a_file(runner, tmp_path, command):
    """Defect: -o newdir/ wrote a file named newdir."""
    result = runner.invoke(app, [*COMMANDS[command], f"{tmp_path}/newdir/"])
    assert result.exit_code == 2, result.output
    assert "names a folder" in result.output
    assert not (tmp_path / "newdir").exists()
