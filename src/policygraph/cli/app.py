"""The policygraph app: registration only. Each command lives in a module of its group."""
from __future__ import annotations

from typing import Annotated

import typer

from policygraph import __version__
from policygraph.cli import build, corpus, diff, queries, serve, synth, trace, validate, viz
from policygraph.cli.options import PolicygraphGroup, handle_signals

app = typer.Typer(
    name="policygraph",
    cls=PolicygraphGroup,
    help="Trace Japanese government reform mandates to measured outcomes, every fact tied to a verbatim quote.\n\n"
         "Exit codes: 0 ok; 1 records or checks found wanting; 2 input could not be read or parsed; "
         "130 / 143 / 129 stopped by SIGINT / SIGTERM / SIGHUP.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                               callback=_print_version)] = False):
    """Trace Japanese government reform mandates to measured outcomes."""


for _module in (build, trace, diff, corpus, queries, validate, viz, synth, serve):
    _module.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()


def run() -> None:
    """The console entry point: the app, with SIGINT, SIGTERM and SIGHUP ending it cleanly — a reasoner's
    Java process is killed with its process group and every clean-up runs (exit 130 / 143 / 129), at
    once even while a query runs (`policygraph.cli.options.handle_signals`, `time_limit`)."""
    handle_signals()
    app(prog_name="policygraph")
