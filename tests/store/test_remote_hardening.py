"""A broken or hostile remote store never crashes a command, never hangs it, and never writes to the
terminal raw (issue #20, points 5, 6, 14 and 19): each bad answer below comes from a tiny HTTP server on
127.0.0.1 and ends the command with one located line and exit 2 (exit 1 means "gaps found").
"""
from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
import urllib.parse

import pytest
from typer.testing import CliRunner

from policygraph.cli.app import app
from policygraph.store.remote import META, Endpoints, RemoteStore

#: A valid answer to `RemoteStore.current()`: the build graph and its record.
GRAPH = "https://w3id.org/policygraph/store/graph/20260101T000000-abcdef12"


def _current_answer(info) -> bytes:
    return json.dumps({"head": {"vars": ["g", "info"]}, "results": {"bindings": [
        {"g": {"type": "uri", "value": GRAPH},
         "info": {"type": "literal", "value": json.dumps(info) if not isinstance(info, str) else info}}]}}).encode()


class _Bad(http.server.BaseHTTPRequestHandler):
    """A store answering badly; `mode` says how. Every request is answered the same way."""

    mode = "garbage"
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: C901 - one branch per bad answer
        form = urllib.parse.unquote_plus(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        mode = self.mode
        if mode in ("drip-status", "drip-headers", "drip-body"):
            self._drip(mode)
            return
        if mode == "endless":  # no Content-Length, no end: only a bound on the read stops it
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(10_000):  # 640 MB at most, should the client not stop
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
            return
        body, kind, length = {
            "truncated": (b'{"head": {"vars": ["g"]}, "res', "application/sparql-results+json", 5000),
            "huge": (b"{}", "application/sparql-results+json", 3 * 1024 ** 3),  # announces 3 GB
            "list-record": (_current_answer([1, 2]), "application/sparql-results+json", None),
            "string-bindings": (b'{"head": {"vars": ["g"]}, "results": {"bindings": ["g", 1]}}',
                                "application/sparql-results+json", None),
            "number-terms": (b'{"head": {"vars": ["g", "info"]}, "results": {"bindings": [{"g": 5, "info": []}]}}',
                             "application/sparql-results+json", None),
            "deep": (b"[" * 100_000, "application/sparql-results+json", None),
            "escape-type": (b"<html>garbage</html>", "text/html\x1b]0;pwned\x07\x1b[2J", None),
            "escape-record": (_current_answer({"version": "9\x1b]0;pwned\x07\x1b[2J", "built_at": "x"}),
                              "application/sparql-results+json", None),
            "bad-length": (b"{}", "application/sparql-results+json", "12\x1b[2J"),
        }[mode]
        if mode == "escape-record" and "store#info" not in form:
            body = b"not json"  # after the build record, the queries get garbage: the note is printed first
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def _drip(self, mode: str) -> None:
        """One byte every 0.2 s, for minutes: each socket read gets its byte well within a timeout."""
        head = b"HTTP/1.1 200 OK\r\n"
        if mode == "drip-headers":
            self.wfile.write(head)
            head = b"X-Slow: " + b"x" * 2000
        elif mode == "drip-body":
            self.wfile.write(head + b"Content-Type: application/sparql-results+json\r\nContent-Length: 100000\r\n\r\n")
            head = b" " * 100000
        try:
            for byte in head:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:  # the client hung up: what it should do
            pass
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def bad_store():
    """A local HTTP server answering like a broken store; yields (url, set_mode)."""
    handler = type("Handler", (_Bad,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.handle_error = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/query", lambda mode: setattr(handler, "mode", mode)
    server.shutdown()
    server.server_close()


def _invoke(args: list[str], env: dict | None = None):
    return CliRunner().invoke(app, args, env=env)


def _one_line_exit_2(result, *expected: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert lines[-2] == "policygraph: error:", result.stderr
    for text in expected:
        assert text in lines[-1], lines[-1]
    return lines[-1]


def _settings(project, url: str, **table) -> None:
    lines = [f'url = "{url}"'] + [f"{k} = {v}" for k, v in table.items()]
    (project.root / "policygraph.toml").write_text("[store]\n" + "\n".join(lines) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------- 5: bad answers, bounded reads
@pytest.mark.parametrize("mode, expected", [
    ("truncated", "cut its answer short: 30 of the 5,000 bytes it announced (Content-Length)"),
    ("huge", "answered more than 1024 MB (the most read, [store] max_response_mb"),
    ("list-record", "holds a malformed build record in <" + META),
    ("string-bindings", "answered something that is not SPARQL JSON results"),
    ("number-terms", "answered something that is not SPARQL JSON results"),
    ("deep", "answered something that is not SPARQL JSON results"),
    ("bad-length", "answered a malformed Content-Length (12\\x1b[2J)"),
])
@pytest.mark.parametrize("command", [["gaps", "--fail-on-gaps"], ["query", "kpi-status"],
                                     ["trace", "dir-honebuto-2017-cloud"]])
def test_a_broken_answer_is_one_line_and_exit_2(bad_store, mode, expected, command):
    """Defect: a truncated body (IncompleteRead), a build record that is a list or bindings that are not
    terms (AttributeError) crashed with a traceback and exit 1, which `gaps --fail-on-gaps` documents as
    "gaps found"; a 3 GB answer was read whole into memory."""
    url, set_mode = bad_store
    set_mode(mode)
    _one_line_exit_2(_invoke([*command, "--store", url]), expected)


def test_an_endless_answer_stops_at_the_configured_limit(bad_store, project_copy):
    """An answer with no Content-Length is read in pieces and refused past `[store] max_response_mb`."""
    url, set_mode = bad_store
    set_mode("endless")
    _settings(project_copy, url, max_response_mb=2)
    start = time.monotonic()
    result = _invoke(["gaps", "--root", str(project_copy.root)])
    _one_line_exit_2(result, f"the store at {url} answered more than 2 MB", "max_response_mb")
    assert time.monotonic() - start < 30


def test_the_limit_is_read_from_the_settings(project_copy):
    from policygraph.store.remote import configured
    _settings(project_copy, "http://127.0.0.1:9/query", max_response_mb=0.5)
    assert configured(project_copy).endpoints.max_bytes == 512 * 1024
    _settings(project_copy, "http://127.0.0.1:9/query", max_response_mb='"lots"')
    result = _invoke(["gaps", "--root", str(project_copy.root)])
    _one_line_exit_2(result, "[store] max_response_mb must be a positive number of megabytes")


# ------------------------------------------------------------------- 6: a deadline for the whole request
@pytest.mark.parametrize("mode", ["drip-status", "drip-headers", "drip-body"])
def test_a_dripping_store_is_cut_off_at_the_deadline(bad_store, project_copy, mode):
    """Defect: the timeout bounded each socket read, so a store sending one byte a second hung every
    command for ever. Now it bounds the whole request: 1 s here."""
    url, set_mode = bad_store
    set_mode(mode)
    _settings(project_copy, url, timeout=1)
    start = time.monotonic()
    result = _invoke(["gaps", "--root", str(project_copy.root)])
    _one_line_exit_2(result, f"the store at {url} did not answer within 1 s (the whole request")
    assert time.monotonic() - start < 5


def test_serve_start_up_on_a_dripping_store_is_cut_off(bad_store, project_copy):
    """`serve --store URL` snapshots the store at start-up: the deadline holds there too."""
    url, set_mode = bad_store
    set_mode("drip-body")
    _settings(project_copy, url, timeout=1)
    start = time.monotonic()
    result = _invoke(["serve", "--root", str(project_copy.root), "--port", "0"])
    _one_line_exit_2(result, "did not answer within 1 s")
    assert time.monotonic() - start < 5


def test_the_deadline_holds_across_threads(bad_store):
    """A server sends from many threads: each request has its own deadline."""
    url, set_mode = bad_store
    set_mode("drip-body")
    store = RemoteStore(Endpoints.derive(url, timeout=1))
    errors: list[str] = []

    def ask():
        try:
            store.current()
        except Exception as exc:  # noqa: BLE001 - the test looks at what is raised
            errors.append(str(exc))

    start = time.monotonic()
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert time.monotonic() - start < 5
    assert len(errors) == 4 and all("did not answer within 1 s" in e for e in errors), errors


# ----------------------------------------------------------------------- 14: nothing raw on the terminal
def test_an_escape_sequence_in_the_content_type_is_not_printed_raw(bad_store):
    url, set_mode = bad_store
    set_mode("escape-type")
    result = _invoke(["gaps", "--store", url])
    line = _one_line_exit_2(result, "answered something that is not SPARQL JSON results")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "text/html" in line


def test_an_escape_sequence_in_the_build_record_is_not_printed_raw(bad_store):
    """Defect: the build record's version and build time went into a note on stderr as they were."""
    url, set_mode = bad_store
    set_mode("escape-record")
    result = _invoke(["gaps", "--store", url])
    assert result.exit_code == 2, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "built by policygraph 9\\x1b]0;pwned\\x07\\x1b[2J" in result.stderr


def test_every_error_line_is_printed_with_escapes(capsys):
    """The one error handler escapes control characters in whatever a message quotes."""
    import typer

    from policygraph.cli.options import fail
    from policygraph.errors import PolicygraphError
    with pytest.raises(typer.Exit) as stopped:
        fail(PolicygraphError.single("bad \x1b[2J value", value="\x1b]0;t\x07"))
    err = capsys.readouterr().err
    assert stopped.value.exit_code == 2
    assert "\x1b" not in err and "\x07" not in err and "bad \\x1b[2J value" in err


# ------------------------------------------------------------ 19: bad URLs and password files
def test_a_port_out_of_range_is_one_line():
    """Defect: `--store http://127.0.0.1:99999/sparql` crashed with a traceback (ValueError)."""
    for command in (["gaps"], ["build"], ["serve", "--port", "0"]):
        _one_line_exit_2(_invoke([*command, "--store", "http://127.0.0.1:99999/sparql"]),
                         "option --store: the store URL has an invalid port (0 to 65535)", "127.0.0.1:99999")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/sparql", "file:///etc/passwd", "gopher://h/x", "FTP://h/x"])
@pytest.mark.parametrize("command", [["gaps"], ["query", "kpi-status"], ["build"], ["serve", "--port", "0"]])
def test_a_url_of_another_scheme_is_refused(url, command):
    """Defect: `--store ftp://…` was taken for a folder and the command ran on the local data, exit 0."""
    result = _invoke([*command, "--store", url])
    _one_line_exit_2(result, "the store URL must be an http(s) URL")


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "folder", "long"])
def test_a_password_file_that_is_not_a_small_regular_file_is_refused(tmp_path, kind):
    """Defect: POLICYGRAPH_STORE_PASSWORD_FILE=/dev/zero read until memory ran out; a FIFO blocked for
    ever. Only a regular file is read, and only its first line (at most 4 KB)."""
    if kind == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)
    elif kind == "folder":
        path = tmp_path
    elif kind == "long":
        path = tmp_path / "long"
        path.write_bytes(b"x" * 100_000)
    else:
        path = kind
    start = time.monotonic()
    result = _invoke(["gaps", "--store", f"http://127.0.0.1:{_free_port()}/query"],
                     env={"POLICYGRAPH_STORE_PASSWORD_FILE": str(path), "POLICYGRAPH_STORE_PASSWORD": None,
                          "POLICYGRAPH_STORE_USER": "dba"})
    line = _one_line_exit_2(result, f"{path}: cannot read the store password file")
    assert ("longer than 4096 bytes" if kind == "long" else "not a regular file") in line or kind == "folder"
    assert time.monotonic() - start < 10


def test_a_password_file_gives_its_first_line(tmp_path, monkeypatch):
    from policygraph.settings import store_credentials
    secret = tmp_path / "password"
    secret.write_bytes(b"s3cret\r\nsecond line\n")
    monkeypatch.delenv("POLICYGRAPH_STORE_PASSWORD", raising=False)
    monkeypatch.setenv("POLICYGRAPH_STORE_PASSWORD_FILE", str(secret))
    assert store_credentials()[1] == "s3cret"
    secret.write_bytes(b"")
    assert store_credentials()[1] == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
