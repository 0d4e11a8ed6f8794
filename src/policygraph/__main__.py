from policygraph.cli.app import run

run()
