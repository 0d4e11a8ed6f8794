from policygraph.cli.app import app

app(prog_name="policygraph")
