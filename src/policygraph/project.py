"""Where a project's ontology, records, sources and queries live."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from policygraph.errors import EXIT_INPUT, PolicygraphError

_CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def locate(cls, root: Path | None = None) -> "Project":
        """The project at `root`, $POLICYGRAPH_ROOT, the current folder, or this checkout, in that order."""
        candidates = [root] if root else []
        if os.environ.get("POLICYGRAPH_ROOT"):
            candidates.append(Path(os.environ["POLICYGRAPH_ROOT"]))
        if not root:
            candidates += [Path.cwd(), _CHECKOUT]
        for cand in candidates:
            if (cand / "ontology" / "policygraph.ttl").is_file() and (cand / "data").is_dir():
                return cls(cand.resolve())
        raise PolicygraphError.single(
            "no policygraph project found (a folder with ontology/policygraph.ttl and data/); "
            "pass --root or set POLICYGRAPH_ROOT",
            EXIT_INPUT,
            file=candidates[0] if candidates else None,
        )

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "policygraph.ttl"

    @property
    def records_dir(self) -> Path:
        return self.root / "data" / "records"

    @property
    def sources_dir(self) -> Path:
        return self.root / "data" / "sources"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"
