"""apiserver.py - what the tests of polling API connectors share: tests/tools/
httpd.py on a free loopback port scripted with JSON responses, its request
log, an in-process JSON API whose answers a test computes (JsonServer), and
`mentionctl parse` run on fixture files."""
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import MENTIONCTL, PLUGINS

TOOLS = os.environ.get("MENTIOND_TEST_TOOLS", os.path.join(os.path.dirname(__file__), "../tools"))
SOURCE = os.environ.get("MENTIOND_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))


def iso(t, zone="Z", frac=""):
    """Unix time T as RFC 3339 UTC, with FRAC after the seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + frac + zone


class Httpd:
    """tests/tools/httpd.py on a free port."""

    def __init__(self):
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(TOOLS, "httpd.py"), "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline())
        self.base = "http://127.0.0.1:%d" % self.port

    def script(self, path, responses, chaos=None):
        """Serve RESPONSES (dicts: status, headers, body, gzip) in turn at
        PATH, the last one repeating; with CHAOS (httpd.py's "chaos"),
        failing at random instead."""
        doc = {"path": path, "responses": responses}
        if chaos:
            doc["chaos"] = chaos
        req = urllib.request.Request(self.base + "/_route", method="POST", data=json.dumps(doc).encode())
        urllib.request.urlopen(req, timeout=5).read()

    def route(self, path, doc, status=200, headers=None, gzip=False):
        """Serve DOC (JSON-encoded unless a str) at PATH."""
        self.script(path, [response(doc, status, headers, gzip)])

    def requests(self, prefix=""):
        with urllib.request.urlopen(self.base + "/_log", timeout=5) as r:
            return [q for q in json.load(r)["requests"] if q["path"].startswith(prefix)]

    def close(self):
        self.proc.kill()
        self.proc.wait()


class JsonServer:
    """An API on a free loopback port (HTTP/1.1, a thread per connection)
    whose GETs a subclass answers: answer(path, query, headers) returns
    (status, document), called under self.lock, the query as a dict. Then
    FN, when set, is called (still under the lock) with the server and the
    query: to change the data between two requests."""

    def __init__(self, fn=None):
        self.fn = fn
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                with outer.lock:
                    status, doc = outer.answer(url.path, q, dict(self.headers.items()))
                    if outer.fn:
                        outer.fn(outer, q)
                body = json.dumps(doc).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        ThreadingHTTPServer.daemon_threads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def answer(self, path, query, headers):
        raise NotImplementedError

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def response(doc, status=200, headers=None, gzip=False):
    """One scripted response of JSON DOC (or text, when a str)."""
    h = {"Content-Type": "application/json; charset=utf-8"}
    h.update(headers or {})
    body = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    return {"status": status, "headers": h, "body": body, "gzip": gzip}


def query(req):
    """The query parameters of a logged request as a dict of single values."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(req["path"]).query))


def truncated(doc):
    """DOC as JSON, cut in the middle (a proxy that gave up, say)."""
    text = json.dumps(doc)
    return text[:len(text) // 2]


def parse(plugin, path, *args):
    """`mentionctl parse PLUGIN PATH`: (exit code, mentions, stderr)."""
    p = subprocess.run([MENTIONCTL, "parse", "--plugin-dir", PLUGINS, *args, plugin, path],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()], p.stderr


def fixture(plugin, name):
    return os.path.join(SOURCE, "tests", "plugins", plugin, name)


def check_fixtures(plugin, *args):
    """Every tests/plugins/PLUGIN/*.json with a .expected file beside it
    parses (with mentionctl parse options ARGS) to exactly the JSON lines
    that file holds."""
    folder = os.path.join(SOURCE, "tests", "plugins", plugin)
    checked = 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        exp_path = os.path.join(folder, name[:-5] + ".expected")
        if not os.path.exists(exp_path):
            continue
        with open(exp_path) as f:
            expected = [json.loads(line) for line in f if line.strip()]
        rc, got, err = parse(plugin, os.path.join(folder, name), *args)
        assert rc == 0, (name, rc, err)
        assert got == expected, "%s:\n got %s\nwant %s" % (name, json.dumps(got, indent=1),
                                                          json.dumps(expected, indent=1))
        checked += 1
    assert checked > 0, "no fixtures in %s" % folder
    return checked


def failed_lines(log, source, what="", reason=""):
    """The host's warnings of SOURCE's failed rounds ("WHAT failed: REASON;
    next try in N s"), one per failure streak or change of reason."""
    key = "%s failed: %s" % (what, reason)
    return [l for l in log.splitlines()
            if l.split()[1:2] == ["warning"] and " source %s: " % source in l and
            key in l and re.search(r" failed: .*; next try in \d+ s", l)]


def assert_failed_once(log, source, what, reason):
    """SOURCE's round that failed asking WHAT for REASON is logged once, by
    the host, with the status and the next try: not once per round."""
    lines = failed_lines(log, source, what, reason)
    assert len(lines) == 1, ("want one line of %r failed: %r" % (what, reason), lines, log)


def assert_works_again(log, source, failures):
    """The host said once that SOURCE works again after FAILURES rounds."""
    want = "source %s: works again after %d failure%s in " % (
        source, failures, "" if failures == 1 else "s")
    assert sum(want in l for l in log.splitlines()) == 1, (want, log)
