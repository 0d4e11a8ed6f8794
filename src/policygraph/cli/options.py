"""Option types shared by the commands of every cli_*.py module: defined once here."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

RootOption = Annotated[Optional[Path], typer.Option(
    "--root", help="Project folder (with ontology/ and data/). Default: $POLICYGRAPH_ROOT, the current "
                   "folder, or this checkout.", file_okay=False)]
GraphOption = Annotated[Optional[Path], typer.Option(
    "--graph", help="A built graph file to read (default: build/policygraph.nt if up to date, else an "
                    "in-memory build).", dir_okay=False)]
