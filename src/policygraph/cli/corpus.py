"""Corpus commands: stats, find-quote, schema."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from policygraph.cli.options import RootOption, TableOrJson, console, file_path, open_project


def stats(
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="table (default) or json.")] = TableOrJson.table,
    root: RootOption = None,
):
    """Per source document: records by class and the share of quotes verified.

    Reads the records leniently, so it also works while some are still broken.

    Example: policygraph stats --format json
    """
    from policygraph.records.curation import corpus_stats
    rows, invalid = corpus_stats(open_project(root))
    if fmt is TableOrJson.json:
        typer.echo(json.dumps({"sources": [
            {"source": r.source, "file": r.file, "records": dict(sorted(r.records.items())),
             "quotes": r.quotes, "verified": r.verified, "share_verified": round(r.share, 4)} for r in rows],
            "invalid_records": invalid}, ensure_ascii=False, indent=2))
        return
    types = sorted({t for r in rows for t in r.records})
    table = Table(title="records by source document (a record counts once per source it quotes)")
    table.add_column("class")
    for r in rows:
        table.add_column(f"{r.source}\n{r.file[:3]}", justify="right")
    for t in types:
        table.add_row(t, *[str(r.records.get(t, 0)) for r in rows])
    table.add_section()
    table.add_row("quotes", *[str(r.quotes) for r in rows])
    table.add_row("verified", *[f"{r.share:.0%}" for r in rows])
    out = console()
    out.print(table)
    if invalid:
        out.print(f"{invalid} record(s) fail their model and are not counted; run `policygraph build` for details",
                  style="red")


def find_quote_cmd(
    doc: Annotated[str, typer.Argument(help="Source text: id (src-001), number (001) or file name.")],
    text: Annotated[str, typer.Argument(help="Text to find (compared after NFKC, white space ignored).")],
    context: Annotated[int, typer.Option("--context", "-C", min=0, max=20, help="Lines of context.")] = 1,
    root: RootOption = None,
):
    """Find a passage in a source, with line numbers, a suggested locator and a record snippet.

    Matching is the one the quote test uses, so a quote found here verifies in `build`.
    When nothing matches, it says how far the start of the text does match. Exit 1 if not found.

    Example: policygraph find-quote 001 "728団体(H27.4.1)"
    """
    from rich.text import Text

    from policygraph.controls import printable
    from policygraph.records.curation import find_quote, require_hits
    project = open_project(root)
    sid, hits = find_quote(project, doc, text, context=context)
    require_hits(sid, hits, text, project, doc)
    out = console()
    for hit in hits:
        span = f"{hit.line}" if hit.line == hit.end_line else f"{hit.line}-{hit.end_line}"
        out.print(Text.assemble((f"{sid}:{span}", "bold"), printable(f"  locator: {hit.locator}")))
        for n, line in hit.excerpt:
            mark = ">" if hit.line <= n <= hit.end_line else " "
            out.print(Text(printable(f" {mark}{n:5} │ {line}")), soft_wrap=True)
        quoted = text.replace('"', '\\"')
        out.print(Text(printable(f'   evidence: {{source: {sid}, locator: "{hit.locator}", quote: "{quoted}"}}'),
                       style="dim"), soft_wrap=True)


def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.",
                                                parser=file_path, metavar="FILE")] = None,
):
    """Print the JSON Schema of the data files, for editors that validate YAML while typing.

    Add `# yaml-language-server: $schema=../records.schema.json` at the top of a data file
    (VS Code YAML extension and others), with the schema written next to data/records/.

    Example: policygraph schema -o data/records.schema.json
    """
    from policygraph.output import write_atomically
    from policygraph.records.curation import schema_text
    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomically({out: text.encode("utf-8")})
        console().print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command('stats')(stats)
    app.command("find-quote")(find_quote_cmd)
    app.command('schema')(schema)
