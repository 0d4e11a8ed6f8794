"""`synth` has an upper bound and checks the free space before writing; with --force it never follows a
symbolic link in place of data/records/ (issue #20, point 18: -n 10^11 ran out of memory, -n 10^9 wrote
~30 GB unchecked, and a linked data/records crashed rmtree with a traceback)."""
import shutil
from collections import namedtuple

import pytest
from typer.testing import CliRunner

from policygraph.cli.app import app
from policygraph.errors import PolicygraphError
from policygraph.records import synth


def _one_line_exit_2(result, *expected):
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "policygraph: error:" and len(lines) == 2, result.stderr
    for text in expected:
        assert text in lines[1], lines[1]


def test_more_than_the_maximum_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "big"
    result = CliRunner().invoke(app, ["synth", "-n", str(10 ** 11), "-o", str(out)])
    _one_line_exit_2(result, "option --triples: at most 100,000,000 triples")
    assert not out.exists()
    assert synth.MAX_TRIPLES == 100_000_000


def test_too_little_free_space_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 ** 9, 10 ** 9 - 50_000, 50_000))
    out = tmp_path / "small"
    result = CliRunner().invoke(app, ["synth", "-n", "5000", "-o", str(out)])
    _one_line_exit_2(result, f"{out}: option --out: about 0.2 MB are needed for 5,000 triples and 0.1 MB are free")
    assert not out.exists()


def test_the_space_estimate_covers_what_is_written(tmp_path):
    result = synth.synthesize(tmp_path / "p", 20_000)
    written = sum(f.stat().st_size for f in (tmp_path / "p").rglob("*") if f.is_file())
    assert written <= result.estimated_triples * synth.BYTES_PER_TRIPLE


@pytest.mark.parametrize("linked", ["data", "data/records", "data/sources"])
def test_force_refuses_a_symbolic_link_and_leaves_its_target(tmp_path, linked):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.yaml").write_text("precious\n")
    out = tmp_path / "project"
    (out / linked).parent.mkdir(parents=True, exist_ok=True)
    (out / linked).symlink_to(elsewhere, target_is_directory=True)
    result = CliRunner().invoke(app, ["synth", "-n", "5000", "-o", str(out), "--force"])
    _one_line_exit_2(result, f"{out / linked}: option --out: is a symbolic link")
    assert (elsewhere / "keep.yaml").read_text() == "precious\n" and len(list(elsewhere.iterdir())) == 1


def test_force_refuses_a_file_in_place_of_data_records(tmp_path):
    out = tmp_path / "project"
    (out / "data").mkdir(parents=True)
    (out / "data" / "records").write_text("not a folder\n")
    with pytest.raises(PolicygraphError, match="exists and is not a folder"):
        synth.synthesize(out, 5000, force=True)
