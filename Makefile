# The two set-up commands of README.md. Each creates .venv if needed and installs what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_FLAGS ?= -q --disable-pip-version-check

.PHONY: run serve test system-deps

$(PY):
	python3 -m venv $(VENV)

# The install, once: pip runs again only when pyproject.toml changes (the install is editable, so code
# changes need none).
INSTALLED := $(VENV)/.policygraph-installed
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -e .
	@touch $@

# Install, build the graph into build/, and show the worked thread.
run: $(INSTALLED)
	$(VENV)/bin/policygraph build
	$(VENV)/bin/policygraph trace 未来投資戦略2017
	$(VENV)/bin/policygraph viz graph
	$(VENV)/bin/policygraph viz trace 未来投資戦略2017

# The web app on http://127.0.0.1:8000/: reuses the install, builds only when the data changed since the
# store was built (`build --if-stale` compares the store's input digest), and stops quietly on Ctrl-C
# (the server's exit on SIGINT or SIGTERM is a normal end here, not a make error). SERVE_ARGS="--port 8080"
# passes options to `policygraph serve`.
serve: $(INSTALLED)
	@$(VENV)/bin/policygraph build --if-stale
	@trap : INT; $(VENV)/bin/policygraph serve $(SERVE_ARGS); status=$$?; \
	  case $$status in 0|130|143) exit 0;; *) exit $$status;; esac

# Install with test extras and run the whole test suite (browser tests need Debian's chromium). The
# install includes the plain one, so `make run` / `make serve` afterwards need no pip. The suite runs in
# TEST_WORKERS processes (pytest-xdist), each test file in one worker so its fixtures are built once:
# on 2 cores about 12 minutes instead of 21. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
test: $(PY) system-deps
	$(PY) -m pip install $(PIP_FLAGS) -e '.[test]'
	@touch $(INSTALLED)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

# Debian packages the tests need: chromium (browser tests drive /usr/bin/chromium, never a downloaded
# browser), CJK fonts (legible screenshots), a Java runtime (HermiT, the OWL reasoner) and Virtuoso 7
# (the remote-store tests start it on loopback; Oxigraph server comes from PyPI, the [test] extra). Installed
# when missing and running as root; otherwise stop with a clear message. POLICYGRAPH_SKIP_BROWSER=1
# skips the browser tests explicitly (CI never sets it).
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || [ "$${POLICYGRAPH_SKIP_BROWSER:-}" = 1 ] || missing="$$missing chromium fonts-noto-cjk"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v virtuoso-t >/dev/null 2>&1 || missing="$$missing virtuoso-opensource-7-bin"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $$missing; \
	else echo "make test: missing Debian packages:$$missing; run 'sudo apt-get install -y$$missing'" \
	  "(or set POLICYGRAPH_SKIP_BROWSER=1 to skip the browser tests)" >&2; exit 1; fi
