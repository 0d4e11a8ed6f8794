"""The installed wheel runs outside a checkout: its ontology, shapes, queries, view templates and
vendored vis-network come from inside the package (importlib.resources), not from a checkout.

The wheel is built from a copy of the sources, installed into a fresh virtual environment, and run
on a copy of data/ in a temporary folder. The fresh environment borrows the already installed
dependencies through a .pth line written after the wheel is installed (so pip installs the wheel
itself, and nothing is fetched but the build backend)."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, cwd, env, timeout=600):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh venv's bin/, a project folder holding only data/, the environment to run in)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src-copy"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYGRAPH_ROOT", "PYTHON"))}
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(src)], tmp, env)
    wheel = next((tmp / "dist").glob("policygraph-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp, env)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
          str(wheel)], tmp, env)
    fresh_site = Path(_run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           tmp, env).stdout.strip())
    (fresh_site / "zz-borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    project = tmp / "project"
    project.mkdir()
    shutil.copytree(ROOT / "data", project / "data")
    return venv / "bin", project, env


def test_the_wheel_carries_the_resources(installed):
    bin_dir, project, env = installed
    out = _run([bin_dir / "python", "-c", "import policygraph, policygraph.project as p; "
                "print(policygraph.__file__); print(p.RESOURCES)"], project, env).stdout.split()
    assert str(bin_dir.parent) in out[0], f"policygraph was imported from {out[0]}, not the fresh venv"
    resources = Path(out[1])
    for rel in ("ontology/policygraph.ttl", "ontology/shapes.ttl", "queries/trace.rq", "queries/kpi-status.rq",
                "viz/templates/page.html.j2", "viz/templates/app.js"):
        assert (resources / rel).is_file(), rel
    assert list((resources / "viz" / "vendor").glob("vis-network-*/vis-network.min.js"))


def test_build_trace_gaps_and_viz_run_outside_a_checkout(installed):
    bin_dir, project, env = installed
    assert not (project / "ontology").exists() and not (project / "queries").exists()
    pg = str(bin_dir / "policygraph")
    _run([pg, "build"], project, env)
    for name in ("policygraph.ttl", "policygraph.nt", "policygraph.jsonld"):
        assert (project / "build" / name).stat().st_size > 100_000, name
    trace = json.loads(_run([pg, "trace", "未来投資戦略2017", "--format", "json"], project, env).stdout)
    assert trace["directives"] and trace["directives"][0]["reform_items"]
    gaps = json.loads(_run([pg, "gaps", "--format", "json"], project, env).stdout)
    assert gaps["total"] > 0 and {g["kind"] for g in gaps["gaps"]} >= {"deadline-no-observation-gap"}
    _run([pg, "viz", "trace", "未来投資戦略2017", "-o", str(project / "t.html")], project, env)
    html = (project / "t.html").read_text(encoding="utf-8")
    assert "vis-network" in html and "未来投資戦略2017" in html


def test_a_project_query_adds_to_the_shipped_ones(installed):
    bin_dir, project, env = installed
    (project / "queries").mkdir(exist_ok=True)
    (project / "queries" / "doc-count.rq").write_text(
        "# title: documents\nPREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
        "SELECT (COUNT(?d) AS ?n) WHERE { ?d a pg:PolicyDocument }\n", encoding="utf-8")
    listed = _run([str(bin_dir / "policygraph"), "queries", "--format", "json"], project, env).stdout
    names = {q["name"] for q in json.loads(listed)}
    assert {"doc-count", "trace", "kpi-status"} <= names
