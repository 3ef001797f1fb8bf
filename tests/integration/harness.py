"""harness.py - what integration scenarios share: a real redis-server on a free
loopback port, the real mentiond binary started with a config written for the
test, systemd's notify protocol (READY=1, STATUS=...) received on a socket of
ours, and bounded waits. Every process started here is stopped in close().
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import redis

BUILD = os.environ.get("MENTIOND_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE = os.environ.get("MENTIOND_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
MENTIOND = os.path.join(BUILD, "daemon", "mentiond")
MENTIONCTL = os.path.join(BUILD, "daemon", "mentionctl")
PLUGINS = os.path.join(BUILD, "plugins")
TEST_PLUGINS = os.path.join(BUILD, "tests", "plugins")


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout=10.0, step=0.02):
    """Poll PREDICATE until it returns a true value or TIMEOUT passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


class Redis:
    """A redis-server of our own (append-only, fsync always, so that a SIGKILL
    loses nothing it acknowledged)."""

    def __init__(self, tmp, port=None, fsync="always", extra=()):
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.fsync = fsync
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, *self.persistence(), "--daemonize", "no", *self.extra],
            stdout=open(os.path.join(self.dir, "redis.log"), "a"),
            stderr=subprocess.STDOUT)
        self.client = redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True)
        wait_for("redis-server on port %d" % self.port, self._ping, 10)

    def persistence(self):
        """fsync "always" or "everysec": an append-only file; "rdb": Redis's
        stock setting (snapshots, no append-only file)."""
        if self.fsync == "rdb":
            return ["--appendonly", "no"]
        return ["--save", "", "--appendonly", "yes", "--appendfsync", self.fsync]

    def _ping(self):
        try:
            return self.client.ping()
        except redis.exceptions.ConnectionError:
            return False

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        stop_process(self.proc)


def stop_process(proc):
    """SIGTERM PROC (if it runs), SIGKILL it after 10 s."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Notify:
    """systemd's notify socket: what the daemon says with sd_notify()."""

    def __init__(self, tmp):
        self.path = tempfile.mktemp(prefix="notify-", suffix=".sock", dir=tmp)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setblocking(False)
        self.messages = []

    def poll(self):
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return self.messages

    def seen(self, line):
        return any(line in m.split("\n") for m in self.poll())

    def close(self):
        self.sock.close()


class Daemon:
    """The real mentiond, run with CONFIG (text) from a test folder."""

    def __init__(self, tmp, config, plugin_dir=PLUGINS, args=(), env=None):
        self.tmp = tmp
        self.conf = os.path.join(tmp, "mentiond.conf")
        self.log = os.path.join(tmp, "mentiond.log")
        self.write_config(config)
        self.notify = Notify(tmp)
        e = dict(os.environ)
        e.pop("JOURNAL_STREAM", None)
        e["NOTIFY_SOCKET"] = self.notify.path
        e["MENTIOND_PLUGIN_DIR"] = plugin_dir
        e.update(env or {})
        self.proc = subprocess.Popen([MENTIOND, "-c", self.conf, *args], env=e,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "a"))

    def write_config(self, text):
        with open(self.conf + ".tmp", "w") as f:
            f.write(text)
        os.replace(self.conf + ".tmp", self.conf)

    def wait_ready(self, timeout=10):
        wait_for("READY=1 from mentiond", lambda: self.notify.seen("READY=1") or self._died(), timeout)
        assert self.proc.poll() is None, "mentiond exited: %s" % self.logtext()

    def _died(self):
        return self.proc.poll() is not None

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, text, timeout=10):
        wait_for("log line containing %r" % text, lambda: text in self.logtext(), timeout)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM; returns (exit code, seconds it took)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("mentiond did not exit within %ds of SIGTERM" % timeout)
        return rc, time.monotonic() - t0

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.notify.close()


def post(i, text, **extra):
    """One jsonl line for post number I."""
    d = {"id": "p%d" % i, "author": "user%d" % i, "text": text,
         "url": "https://example.org/p/%d" % i}
    d.update(extra)
    return json.dumps(d, ensure_ascii=False) + "\n"


def append(path, lines):
    with open(path, "a") as f:
        f.writelines(lines)
        f.flush()


def config(tmp, redis_url, prefix="t", tracks=None, sources=None, extra=""):
    """A config text for a test: state in TMP, one jsonl source on TMP/in.jsonl
    unless SOURCES is given."""
    tracks = tracks if tracks is not None else {"acme": "query = acme\nalert = question, negative"}
    if sources is None:
        sources = {"feed": "plugin = jsonl\npath = %s/in.jsonl" % tmp}
    text = "[daemon]\nstate_dir = %s/state\nlog_level = info\n\n" % tmp
    text += "[redis]\nurl = %s\nprefix = %s\n\n" % (redis_url, prefix)
    for name, body in tracks.items():
        text += "[track %s]\n%s\n\n" % (name, body)
    for name, body in sources.items():
        text += "[source %s]\n%s\n\n" % (name, body)
    return text + extra


def entries(r, key):
    """The stream KEY as a list of (id field, parsed data)."""
    return [(f["id"], json.loads(f["data"])) for _, f in r.xrange(key)]


class Scenario:
    """A temporary folder and the processes of one test, cleaned up after."""

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="mentiond-it-")
        self.closers = []
        return self

    def add(self, thing):
        self.closers.append(thing)
        return thing

    def __exit__(self, typ, value, tb):
        if typ is not None:
            for c in self.closers:
                if isinstance(c, Daemon):
                    sys.stderr.write("---- mentiond log ----\n%s\n" % c.logtext())
        for c in reversed(self.closers):
            (c.close if hasattr(c, "close") else c.stop)()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def run(tests):
    """Run each test function in order; exit non-zero on the first failure."""
    for t in tests:
        t0 = time.monotonic()
        t()
        print("ok %s (%.1fs)" % (t.__name__, time.monotonic() - t0), flush=True)
