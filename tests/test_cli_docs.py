"""Every command is documented: a help text with an example, reachable with --help."""
import typer.main

from policygraph.cli.app import app


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if hasattr(cmd, "commands"):  # a command group
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def test_every_command_has_help_with_an_example(runner):
    root = typer.main.get_command(app)
    commands = list(_commands(root))
    assert {"build", "trace", "stats", "find-quote", "schema"} <= {p[0] for p, _ in commands}
    for path, cmd in commands:
        assert cmd.help and "Example:" in cmd.help, f"{' '.join(path)} lacks an 'Example:' in its help"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Example:" in result.output


def test_version(runner):
    from policygraph import __version__
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == __version__
