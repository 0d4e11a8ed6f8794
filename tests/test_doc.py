"""Every docstring example in the library runs (as pyoxigraph's test_doc.py does): the examples are
doctests, given the real project, its graph built once per session and its query library."""
import doctest
import importlib
import pkgutil

import pytest

import policygraph
from policygraph.query.sparql import QueryLibrary

MODULES = sorted(m.name for m in pkgutil.walk_packages(policygraph.__path__, "policygraph.")
                 if not m.name.startswith("policygraph.resources") and not m.name.endswith("__main__"))


def _with_examples():
    for name in MODULES:
        module = importlib.import_module(name)
        tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
        if tests:
            yield pytest.param(name, id=name)


WITH_EXAMPLES = list(_with_examples())


def test_there_are_examples_to_run():
    assert len(WITH_EXAMPLES) >= 8


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name, project, graph, engine):
    module = importlib.import_module(name)
    globs = {"project": project, "graph": graph, "engine": engine, "library": QueryLibrary(project.query_dirs),
             "ontology_bytes": project.ontology.read_bytes()}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(module, extraglobs=globs):
        runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted and not failed, f"{failed} of {attempted} examples in {name} failed (see the output above)"
