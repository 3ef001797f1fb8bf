#!/usr/bin/python3
"""test_mentionctl.py - `mentionctl tail` against a real redis-server.

Starts redis-server on a free loopback port (and a unix socket) in a temporary
folder, writes alert entries the way mentiond's sink does (streams
{prefix}:alerts:CLASS with fields id and data, channels of the same names), runs
the built mentionctl and checks every printed field: reading from the start,
from now, as a consumer group (entries acknowledged, pending ones recovered),
live on pub/sub, the text cut to the width on a UTF-8 boundary, malformed
payloads warned about and skipped, URLs, databases and passwords.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import redis

BUILD = os.environ.get("MENTIOND_BUILD_DIR", "build")
CTL = os.path.join(BUILD, "daemon", "mentionctl")
PREFIX = "mentiond"
Q, N, P = (PREFIX + ":alerts:" + c for c in ("question", "negative", "positive"))
RUN_TIMEOUT = 20  # seconds any one mentionctl run may take


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, what, timeout=10.0):
    """Poll COND every 20 ms for at most TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def alert(**kw):
    """An alert document as mentiond's sink writes it, with KW overriding."""
    doc = {
        "id": "1", "source": "demo", "plugin": "jsonl",
        "url": "https://social.example/@alice/1",
        "author": {"handle": "alice", "name": "Alice", "followers": 120},
        "title": None, "text": "anyone know how to reset my acme router",
        "lang": "en", "published_at": "2024-05-01T14:03:07Z",
        "seen_at": "2024-05-01T14:03:09.120Z", "track": "acme",
        "tracks": ["acme"], "terms": ["acme"], "classes": ["question"],
        "sentiment": 0.0, "priority": 0.8123, "metrics": {}, "dup_of": None,
    }
    doc.update(kw)
    return json.dumps(doc, ensure_ascii=False)


def ctl(*args, env=None, timeout=RUN_TIMEOUT, check=True):
    """Run mentionctl ARGS; returns (stdout lines, stderr, exit status)."""
    e = dict(os.environ)
    for k in ("MENTIOND_REDIS_URL", "REDISCLI_AUTH", "MENTIOND_REDIS_PASSWORD",
              "COLUMNS", "NO_COLOR"):
        e.pop(k, None)
    e["TZ"] = "UTC"
    e.update(env or {})
    p = subprocess.run([CTL] + list(args), env=e, capture_output=True,
                       timeout=timeout)
    out = p.stdout.decode("utf-8")  # strict: a cut must not split a character
    err = p.stderr.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise AssertionError("mentionctl %s: exit %d\n%s" % (args, p.returncode, err))
    return out.splitlines(), err, p.returncode


class Redis:
    """A redis-server of our own in a temporary folder."""

    def __init__(self, tmp, port=None):
        self.port = port or free_port()
        self.sock = os.path.join(tmp, "redis.sock")
        self.log = open(os.path.join(tmp, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--unixsocket", self.sock, "--unixsocketperm", "700",
             "--dir", tmp, "--save", "", "--appendonly", "no"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.url = "redis://127.0.0.1:%d" % self.port
        self.r = redis.Redis(port=self.port, decode_responses=True)

        def up():
            try:
                return self.r.ping()
            except redis.exceptions.ConnectionError:
                assert self.proc.poll() is None, "redis-server exited"
                return False
        wait_for(up, "redis-server to answer")

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


def test_from_start(rs):
    """--from-start prints every stream's entries in id order across the
    streams, each field exact; malformed entries are warned about and skipped."""
    r = rs.r
    r.xadd(Q, {"id": "demo:1", "data": alert()}, id="1000-0")
    r.xadd(N, {"id": "demo:bad", "data": "{not json"}, id="1100-0")
    r.xadd(N, {"id": "demo:arr", "data": "[1, 2]"}, id="1200-0")
    r.xadd(N, {"id": "demo:nodata", "other": "x"}, id="1300-0")
    r.xadd(P, {"id": "demo:3", "data": alert(
        id="3", source="demo", author={"name": "Zoé Martin"},
        text="J'adore mon Lumio,\n\tvraiment top \u00e9lectrique \U0001F6B2",
        url="https://velo.example/p/3", track=None, tracks=["lumio", "x"],
        priority=0.3, published_at=None, seen_at=1714636800123,
        classes=["positive"])}, id="1400-0")
    r.xadd(N, {"id": "demo:2", "data": alert(
        id="2", author="@bob@mastodon.example", track="acme",
        text="panne fibre acme depuis 3 jours\x1b[31m, arnaque", priority=1,
        url="https://m.example/2", published_at="2024-05-01T16:30:00+02:00",
        classes=["negative"])}, id="1500-0")

    lines, err, _ = ctl("tail", "--from-start", "--count", "3", "--class", "all",
                        "--no-color", "--redis", rs.url)
    assert lines == [
        "05-01 14:03 question 0.81 acme demo @alice anyone know how to reset "
        "my acme router https://social.example/@alice/1",
        "05-02 08:00 positive 0.30 lumio demo Zoé Martin J'adore mon Lumio, "
        "vraiment top électrique \U0001F6B2 https://velo.example/p/3",
        "05-01 14:30 negative 1.00 acme demo @bob@mastodon.example panne fibre "
        "acme depuis 3 jours [31m, arnaque https://m.example/2",
    ], lines
    assert "\x1b" not in "".join(lines)
    warnings = err.splitlines()
    assert warnings == [
        "mentionctl: skipping malformed alert %s 1100-0: not JSON" % N,
        "mentionctl: skipping malformed alert %s 1200-0: not a JSON object" % N,
        "mentionctl: skipping malformed alert %s 1300-0: no data field" % N,
    ], warnings

    # The default classes are question and negative; local time follows TZ.
    lines, _, _ = ctl("tail", "--from-start", "--count", "2", "--no-color",
                      "--redis", rs.url, env={"TZ": "UTC-2"})
    assert [l[:20] for l in lines] == ["05-01 16:03 question",
                                       "05-01 16:30 negative"], lines
    lines, _, _ = ctl("tail", "--from-start", "--count", "1", "--class",
                      "positive", "--no-color", "--redis", rs.url)
    assert lines[0].startswith("05-02 08:00 positive 0.30 lumio"), lines
    print("ok - from start: fields, order, malformed entries skipped")


def test_width(rs):
    """With COLUMNS the text is cut to fit, on a character boundary, with an
    ellipsis, and the URL is kept whole."""
    text = "Est-ce que quelqu'un sait si Lumio livre le dimanche à Montréal " * 3
    rs.r.xadd(Q, {"id": "demo:w", "data": alert(text=text, url="https://u.example/w")},
              id="5000-0")
    head = "05-01 14:03 question 0.81 acme demo @alice "
    tail = "… https://u.example/w"
    # The head and the URL take 63 columns; the text gets the rest.
    for cols in range(80, 130, 3):
        lines, _, _ = ctl("tail", "--from-start", "--count", "2", "--no-color",
                          "--class", "question", "--redis", rs.url,
                          env={"COLUMNS": str(cols)})
        line = lines[1]
        assert line.startswith(head) and line.endswith(tail), line
        shown = line[len(head):-len(tail)]
        assert text.startswith(shown) and not shown.endswith(" "), (cols, shown)
        # All characters here are one column wide; a space before the cut
        # is dropped.
        assert cols - 1 <= len(line) <= cols, (cols, len(line), line)
    # A narrow terminal still shows 16 columns of text.
    lines, _, _ = ctl("tail", "--from-start", "--count", "2", "--no-color",
                      "--class", "question", "--redis", rs.url, env={"COLUMNS": "20"})
    assert lines[1] == head + "Est-ce que quel" + tail, lines
    # Wide characters count two columns and are never split.
    rs.r.xadd(Q, {"id": "demo:cjk", "data": alert(text="日本語のテキスト" * 10,
                                                  url="https://u.example/j")},
              id="5001-0")
    lines, _, _ = ctl("tail", "--from-start", "--count", "3", "--no-color",
                      "--class", "question", "--redis", rs.url, env={"COLUMNS": "90"})
    shown = lines[2][len(head):-len("… https://u.example/j")]
    assert ("日本語のテキスト" * 10).startswith(shown), shown
    assert len(shown) == (90 - 63 - 1) // 2, (len(shown), shown)
    print("ok - text cut to the width on a character boundary")


def test_colour(rs):
    """NO_COLOR and a pipe both mean no escape sequences; none by default in a
    pipe either."""
    lines, _, _ = ctl("tail", "--from-start", "--count", "1", "--redis", rs.url)
    assert "\x1b" not in lines[0]
    if shutil.which("script"):
        cmd = "%s tail --from-start --count 1 --redis %s" % (CTL, rs.url)
        env = dict(os.environ, TZ="UTC")
        env.pop("NO_COLOR", None)
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env,
                           capture_output=True, timeout=RUN_TIMEOUT)
        out = p.stdout.decode()
        assert "\x1b[1;33mquestion\x1b[0m" in out and "\x1b[2m" in out, out
        env["NO_COLOR"] = "1"
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env,
                           capture_output=True, timeout=RUN_TIMEOUT)
        assert "\x1b" not in p.stdout.decode(), p.stdout
        print("ok - colour on a terminal only, and not with NO_COLOR")
    else:
        print("ok - no colour in a pipe (script(1) absent: terminal not tried)")


def test_from_now(rs):
    """Without --from-start only entries added after the start are printed."""
    r = rs.r
    r.xadd(Q, {"id": "demo:old", "data": alert(text="old one")})
    p = subprocess.Popen([CTL, "tail", "--count", "1", "--no-color", "--redis",
                          rs.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, TZ="UTC"))
    try:
        wait_for(lambda: any(c.get("cmd") == "xread" for c in r.client_list()),
                 "mentionctl to block in XREAD")
        r.xadd(N, {"id": "demo:new", "data": alert(text="brand new panne")})
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = out.decode().splitlines()
    assert p.returncode == 0 and len(lines) == 1, (lines, err)
    assert " negative " in lines[0] and "brand new panne" in lines[0], lines
    print("ok - from now: only new entries")


def test_group(rs):
    """With --group each printed alert is acknowledged; what was delivered but
    not printed (--count reached) stays pending and is printed next time."""
    r = rs.r
    for k in (Q, N, P):
        r.delete(k)
    for i in range(3):
        r.xadd(Q, {"id": "demo:g%d" % i, "data": alert(text="group q%d" % i)},
               id="%d-0" % (7000 + i))
    r.xadd(N, {"id": "demo:gbad", "data": "nope"}, id="7000-1")
    args = ("tail", "--group", "ops", "--consumer", "c1", "--from-start",
            "--no-color", "--redis", rs.url)
    lines, err, _ = ctl(*(args + ("--count", "2")))
    assert [l.split(" ", 7)[7] for l in lines] == [
        "group q0 https://social.example/@alice/1",
        "group q1 https://social.example/@alice/1"], lines
    assert "skipping malformed alert %s 7000-1" % N in err, err
    # q2 was delivered in the same read but not printed: pending to c1.
    assert r.xpending(Q, "ops")["pending"] == 1
    assert r.xpending(N, "ops")["pending"] == 0  # the malformed one is acked
    lines, _, _ = ctl(*(args + ("--count", "1")))
    assert len(lines) == 1 and "group q2" in lines[0], lines
    for k in (Q, N):
        assert r.xpending(k, "ops")["pending"] == 0, k
    # The group was created on each stream read, and only on those.
    for k in (Q, N):
        assert [g["name"] for g in r.xinfo_groups(k)] == ["ops"], k
    assert not r.exists(P)
    # A new entry is delivered once to the group.
    r.xadd(Q, {"id": "demo:g9", "data": alert(text="group q9")}, id="7100-0")
    lines, _, _ = ctl(*(args + ("--count", "1")))
    assert len(lines) == 1 and "group q9" in lines[0], lines
    assert r.xpending(Q, "ops")["pending"] == 0
    print("ok - group: acknowledged, pending recovered, created when missing")


def test_live(rs):
    """--live subscribes to the channels; each message is the document."""
    r = rs.r
    p = subprocess.Popen([CTL, "tail", "--live", "--count", "2", "--no-color",
                          "--class", "all", "--redis", rs.url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, TZ="UTC"))
    try:
        first = alert(text="Lumio livre le dimanche ?", track="lumio")

        def published():
            return r.publish(Q, first) == 1
        wait_for(published, "mentionctl to subscribe")
        r.publish(N, "garbage{")
        r.publish(PREFIX + ":mentions", alert(text="not an alert channel"))
        r.publish(P, alert(text="top service", priority=0.25))
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = out.decode().splitlines()
    assert p.returncode == 0, err
    assert lines == [
        "05-01 14:03 question 0.81 lumio demo @alice Lumio livre le dimanche ? "
        "https://social.example/@alice/1",
        "05-01 14:03 positive 0.25 acme demo @alice top service "
        "https://social.example/@alice/1"], lines
    assert err.decode().strip() == \
        "mentionctl: skipping malformed alert %s: not JSON" % N, err
    print("ok - live: pub/sub messages printed, garbage skipped")


def test_connection(rs):
    """URLs, databases, passwords from the environment, and failures."""
    r = rs.r
    db3 = redis.Redis(port=rs.port, db=3, decode_responses=True)
    db3.xadd(Q, {"id": "demo:db3", "data": alert(text="in db three")})
    base = ("tail", "--from-start", "--count", "1", "--no-color")
    lines, _, _ = ctl(*base, "--redis", rs.url + "/3")
    assert "in db three" in lines[0], lines
    lines, _, _ = ctl(*base, env={"MENTIOND_REDIS_URL": "unix://" + rs.sock + "?db=3"})
    assert "in db three" in lines[0], lines

    _, err, rc = ctl(*base, "--redis", "http://x", check=False)
    assert rc == 1 and "not a redis:// or unix:// URL" in err, err
    _, err, rc = ctl(*base, "--redis", "redis://127.0.0.1:%d" % free_port(),
                     check=False)
    assert rc == 1 and "mentionctl: redis: 127.0.0.1:" in err, err
    _, err, rc = ctl("tail", "--class", "happy", check=False)
    assert rc == 2 and "--class" in err, err
    _, err, rc = ctl("tail", "--live", "--group", "g", check=False)
    assert rc == 2, err
    r.rpush(PREFIX + "x:alerts:question", "a list")
    _, err, rc = ctl(*base, "--prefix", PREFIX + "x", "--redis", rs.url, check=False)
    assert rc == 1 and "WRONGTYPE" in err and "--live" in err, err

    # A password, from either variable; a wrong one fails clearly.
    r.config_set("requirepass", "s3cret")
    try:
        authed = redis.Redis(port=rs.port, password="s3cret")
        lines, _, _ = ctl(*base, "--redis", rs.url + "/3",
                          env={"REDISCLI_AUTH": "s3cret"})
        assert "in db three" in lines[0], lines
        lines, _, _ = ctl(*base, "--redis", rs.url + "/3",
                          env={"MENTIOND_REDIS_PASSWORD": "s3cret"})
        assert "in db three" in lines[0], lines
        lines, _, _ = ctl(*base, "--redis", "redis://default@127.0.0.1:%d/3" % rs.port,
                          env={"MENTIOND_REDIS_PASSWORD": "s3cret"})
        assert "in db three" in lines[0], lines
        _, err, rc = ctl(*base, "--redis", rs.url, env={"REDISCLI_AUTH": "wrong"},
                         check=False)
        assert rc == 1 and "AUTH" in err, err
        _, err, rc = ctl(*base, "--redis", rs.url, check=False)
        assert rc == 1 and "NOAUTH" in err, err
    finally:
        authed.config_set("requirepass", "")
    print("ok - URLs, databases, passwords and connection failures")


def test_reconnect(tmp):
    """When Redis goes away after the start, tail reconnects with backoff and
    goes on after the last id it read."""
    rs = Redis(tmp)
    p = None
    try:
        rs.r.xadd(Q, {"id": "demo:r1", "data": alert(text="before")}, id="1-0")
        errpath = os.path.join(tmp, "reconnect.err")
        errfile = open(errpath, "wb")
        p = subprocess.Popen([CTL, "tail", "--from-start", "--count", "2",
                              "--no-color", "--redis", rs.url],
                             stdout=subprocess.PIPE, stderr=errfile,
                             env=dict(os.environ, TZ="UTC"))
        errfile.close()
        wait_for(lambda: any(c.get("cmd") == "xread" for c in rs.r.client_list()),
                 "mentionctl to block in XREAD")
        port = rs.port
        rs.kill()
        rs = None

        def err():
            with open(errpath, encoding="utf-8", errors="replace") as f:
                return f.read()
        wait_for(lambda: "retrying in 1s" in err(), "a failed reconnection")
        rs = Redis(tmp, port)       # the same port, empty: nothing persisted
        wait_for(lambda: any(c.get("cmd") == "xread" for c in rs.r.client_list()),
                 "mentionctl to reconnect", timeout=30)
        rs.r.xadd(Q, {"id": "demo:r2", "data": alert(text="after")}, id="2-0")
        out, _ = p.communicate(timeout=RUN_TIMEOUT)
        lines = out.decode().splitlines()
        assert p.returncode == 0, err()
        assert len(lines) == 2 and " before " in lines[0] and " after " in lines[1], lines
        assert "reconnecting" in err() and "connected again" in err(), err()
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        if rs is not None:
            rs.kill()
    print("ok - reconnects and resumes after the last id read")


def test_cli():
    """--version, --help, an unknown command."""
    lines, _, _ = ctl("--version")
    assert len(lines) == 1 and lines[0].startswith("mentionctl "), lines
    lines, _, _ = ctl("--help")
    assert any("check-config" in l for l in lines), lines
    _, err, rc = ctl("frobnicate", check=False)
    assert rc == 2 and "unknown command" in err, err
    print("ok - --version, --help, unknown command")


def test_parse(tmp):
    """mentionctl parse loads the named plugin and runs its parser: jsonl's
    lines become mentions, a bad line is a warning; an unknown plugin, one
    without a parser, and a bad --set are refused with the reason."""
    path = os.path.join(tmp, "saved.jsonl")
    with open(path, "w") as f:
        f.write('{"id": 7, "text": "acme &amp; co", "author": "@ann", '
                '"published": "2024-06-11T06:58:00Z"}\n'
                'not json\n{"id": "8", "title": "Acme"}\n')
    lines, err, _ = ctl("parse", "jsonl", path)
    got = [json.loads(l) for l in lines]
    assert [g["id"] for g in got] == ["7", "8"], got
    assert got[0]["author"] == "@ann" and got[0]["published"] == "2024-06-11T06:58:00Z", got
    assert "line 2: bad JSON" in err, err
    _, err, rc = ctl("parse", "nosuch", path, check=False)
    assert rc == 2 and "no plugin nosuch" in err and "jsonl" in err, err
    _, err, rc = ctl("parse", "jsonl", "--set", "colour", path, check=False)
    assert rc == 2 and "KEY=VALUE" in err, err
    _, err, rc = ctl("parse", "jsonl", "--set", "colour=red", path, check=False)
    assert rc == 2 and "unknown key 'colour'" in err, err
    _, err, rc = ctl("parse", "feed", path, check=False)
    assert rc == 1 and "not" in err, err
    print("ok - parse")


def main():
    if not os.access(CTL, os.X_OK):
        print("FAIL: %s not built" % CTL)
        return 1
    tmp = tempfile.mkdtemp(prefix="mentionctl-test-")
    rs = None
    try:
        test_cli()
        test_parse(tmp)
        rs = Redis(tmp)
        test_from_start(rs)
        test_width(rs)
        test_colour(rs)
        test_from_now(rs)
        test_group(rs)
        test_live(rs)
        test_connection(rs)
        rs.kill()
        rs = None
        test_reconnect(tmp)
    finally:
        if rs is not None:
            rs.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("all mentionctl tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
