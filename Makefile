# The two set-up commands of README.md. Each creates .venv if needed and installs what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_FLAGS ?= -q --disable-pip-version-check

.PHONY: run test

$(PY):
	python3 -m venv $(VENV)

# Install, build the graph into build/, and show the worked thread.
run: $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -e .
	$(VENV)/bin/policygraph build
	$(VENV)/bin/policygraph trace 未来投資戦略2017

# Install with test extras and run the whole test suite.
test: $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -e '.[test]'
	$(PY) -m pytest
