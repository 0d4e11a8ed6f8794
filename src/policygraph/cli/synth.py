"""The synth command: write a synthetic project of a given size (for benchmarks and load tests)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import console


def synth(
    triples: Annotated[int, typer.Option("--triples", "-n", min=1, help="Approximate number of "
                                         "triples of the built graph (the calibrated size model is within a few "
                                         "percent from about 5,000 up); at most 100,000,000 (about 3.6 GB of "
                                         "files; the free space is checked first).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Project folder to write (data/records/, data/sources/). "
                                      "Must not exist or be empty, unless --force.", file_okay=False)],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed writes the same bytes.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder, replacing its "
                                        "data/records/ and data/sources/.")] = False,
):
    """Write a synthetic project whose built graph has about N triples.

    Records in the format of data/records/*.yaml and synthetic Japanese source texts in which every
    quote is found, so `policygraph build --root OUT` passes every check. Shaped like the real corpus
    (documents with editions, directives with parts, reform items, steps, KPIs of both tiers with
    targets of every comparator, observations, grades of both legends, ~50 bodies, empty boxes,
    disagreements, budget lines) with rows for every gap kind. Deterministic for a given seed;
    the shipped ontology, shapes and queries are used.

    Example: policygraph synth --triples 100000 --out /tmp/synth-100k --seed 1
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from policygraph.records.synth import synthesize
    err = console(stderr=True)
    with Progress(TextColumn("writing policy areas"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("areas", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = synthesize(out, triples, seed=seed, progress=progress, force=force)
    console().print(
        f"wrote {result.total_records:,} records ({result.records.get('KPI', 0):,} KPIs, "
        f"{result.records.get('SourceText', 0):,} source texts) in {len(result.files):,} files to {out}; "
        f"about {result.estimated_triples:,} triples when built (seed {seed})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("synth")(synth)
