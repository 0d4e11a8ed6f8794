"""Where a project's records and sources live, and which ontology, shapes, queries and view assets
it uses: its own where it has them, else the ones shipped inside the package.

A project is a folder with ``data/records/``. Everything else is optional and overrides or adds to
the package's resources (as Datasette's template directories and pySHACL's ``assets/`` do):

* ``ontology/policygraph.ttl`` and ``ontology/shapes.ttl`` replace the shipped ontology and shapes;
* ``queries/*.rq`` add named queries, and replace a shipped one of the same name;
* ``viz/templates/`` files replace shipped templates of the same name; ``viz/vendor/`` replaces the
  vendored vis-network.

In a checkout the top-level ``ontology/``, ``queries/`` and ``viz/`` folders are symlinks to the
package's resources, so both views agree.

>>> p = Project(RESOURCES.parent)      # a folder with no ontology/ of its own
>>> p.ontology == RESOURCES / "ontology" / "policygraph.ttl"
True
>>> p.shapes.name
'shapes.ttl'
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from policygraph import settings
from policygraph.errors import EXIT_INPUT, PolicygraphError

#: A project's own settings file (see `Project.config`).
CONFIG = "policygraph.toml"
#: The resources shipped inside the package (ontology/, queries/, viz/templates, viz/vendor).
RESOURCES = Path(str(resources.files("policygraph") / "resources"))
#: The checkout this module runs from, when it runs from one (an editable install).
_CHECKOUT = Path(__file__).resolve().parents[2]


def is_project(folder: Path) -> bool:
    """A project is a folder with data/records/."""
    return (folder / "data" / "records").is_dir()


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def locate(cls, root: Path | None = None) -> Project:
        """The project at `root`, $POLICYGRAPH_ROOT, the current folder, or this checkout, in that order."""
        candidates = [root] if root else []
        env_root = settings.project_root()
        if env_root is not None and not root:
            candidates.append(env_root)
        if not root:
            candidates += [Path.cwd(), _CHECKOUT]
        for cand in candidates:
            if is_project(cand):
                return cls(cand.resolve())
        raise PolicygraphError.single(
            "no policygraph project found (a folder with data/records/); pass --root or set "
            f"{settings.ROOT}",
            EXIT_INPUT,
            file=candidates[0] if candidates else None,
        )

    def _own_or_shipped(self, relative: str) -> Path:
        own = self.root / relative
        return own if own.is_file() else RESOURCES / relative

    @property
    def ontology(self) -> Path:
        """The project's ontology/policygraph.ttl, else the shipped one."""
        return self._own_or_shipped("ontology/policygraph.ttl")

    @property
    def shapes(self) -> Path:
        """The project's ontology/shapes.ttl, else the shipped SHACL shapes."""
        return self._own_or_shipped("ontology/shapes.ttl")

    @property
    def records_dir(self) -> Path:
        return self.root / "data" / "records"

    @property
    def sources_dir(self) -> Path:
        return self.root / "data" / "sources"

    @property
    def queries_dir(self) -> Path:
        """The project's own queries/ folder (it may not exist); see `query_dirs` for what is read."""
        return self.root / "queries"

    @property
    def query_dirs(self) -> list[Path]:
        """Folders of named queries, first match wins: the project's queries/, then the shipped ones."""
        return _dirs(self.queries_dir, RESOURCES / "queries")

    @property
    def template_dirs(self) -> list[Path]:
        """Folders of view templates, first match wins: the project's viz/templates/, then the shipped ones."""
        return _dirs(self.root / "viz" / "templates", RESOURCES / "viz" / "templates")

    @property
    def vendor_dir(self) -> Path:
        """The vendored front-end files: the project's viz/vendor/ when it has one, else the shipped ones."""
        own = self.root / "viz" / "vendor"
        return own if own.is_dir() else RESOURCES / "viz" / "vendor"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def config_file(self) -> Path:
        """The project's settings, ``policygraph.toml`` (optional); see `config`."""
        return self.root / CONFIG

    def config(self) -> dict:
        """The project's policygraph.toml as a dict ({} when there is none); exit 2 when it does not parse.

        Today it holds one table, the store that `build` writes and reading commands read when no
        ``--store`` is given::

            [store]
            url = "http://127.0.0.1:8890/sparql"     # the SPARQL 1.1 query endpoint
            update = "http://127.0.0.1:8890/sparql-auth"           # optional: derived from url
            graph_store = "http://127.0.0.1:8890/sparql-graph-crud-auth"  # optional: derived from url
            timeout = 60                              # seconds per request
            password_file = "/run/secrets/store"     # optional; or $POLICYGRAPH_STORE_PASSWORD(_FILE)
        """
        import tomllib
        if not self.config_file.is_file():
            return {}
        try:
            return tomllib.loads(self.config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PolicygraphError.single(f"cannot read the settings: {exc}", EXIT_INPUT, file=self.config_file) from None


def _dirs(own: Path, shipped: Path) -> list[Path]:
    """`own` (when it exists and is not the shipped folder itself, as in a checkout) before `shipped`."""
    if own.is_dir() and own.resolve() != shipped.resolve():
        return [own, shipped]
    return [shipped]


__all__ = ["CONFIG", "RESOURCES", "Project", "is_project"]
