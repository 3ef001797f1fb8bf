"""test_webhook.py - the webhook connector: mentiond listens on loopback
(host->http_listen) and takes POSTed mentions. A good signed POST (one
object, then an array) lands in Redis with its fields; a body sent again
is taken once, also after a restart; each refusal has its status and its
reason in the body (400 bad JSON with where it broke, 400 an item without
an id, 401 no, bad or malformed signature, 404 wrong path, 405 not POST,
413 over the size limit, 415 not JSON); a backed-up pipeline (Redis away)
answers 503 with Retry-After; a taken address and a secret missing for a
non-loopback address stop the source with a clear message; out of
descriptors, the listener pauses instead of spinning. Fixtures go
through `mentionctl parse webhook`."""
import hashlib
import hmac
import http.client
import json
import os
import resource
import socket
import time

import apiserver
from harness import SOURCE, Daemon, Redis, Scenario, config, entries, free_port, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "webhook")
SECRET = b"correct horse battery staple"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def send(port, body, path="/mentions", method="POST", ctype="application/json",
         signature=True, headers=None, source="127.0.0.1"):
    """One request (http.client: no header added behind our back);
    (status, parsed JSON body or text, headers)."""
    h = dict(headers or {})
    if ctype is not None:
        h["Content-Type"] = ctype
    if signature is True:
        h["X-Mentiond-Signature"] = sign(body or b"")
    elif signature:
        h["X-Mentiond-Signature"] = signature
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        status, text, rh = r.status, r.read(), r.headers
    finally:
        c.close()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = text.decode("utf-8", "replace")
    return status, doc, rh


def hook_config(sc, r, port, *extra, secret=True, redis_extra=""):
    lines = ["plugin = webhook", "listen = 127.0.0.1:%d" % port]
    if secret:
        path = os.path.join(sc.tmp, "webhook.secret")
        with open(path, "wb") as f:
            f.write(SECRET + b"\n")
        lines.append("secret_file = %s" % path)
    text = config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                  sources={"hooks": "\n".join(lines + list(extra))})
    return text.replace("prefix = t\n", "prefix = t\n" + redis_extra)


def wait_listening(port, timeout=10):
    def up():
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0
    wait_for("the webhook listening on %d" % port, up, timeout)


def test_signed_posts_and_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        port = free_port()
        # The secret from the credentials folder (systemd LoadCredential=).
        creds = os.path.join(sc.tmp, "creds")
        os.makedirs(creds)
        with open(os.path.join(creds, "webhook-secret"), "wb") as f:
            f.write(SECRET + b"\n")
        cfg = hook_config(sc, r, port, secret=False)
        env = {"CREDENTIALS_DIRECTORY": creds}
        d = sc.add(Daemon(sc.tmp, cfg, env=env))
        d.wait_ready()
        wait_listening(port)
        assert "secret from credential webhook-secret" in d.logtext(), d.logtext()

        status, doc, _ = send(port, fixture("one.json"))
        assert status == 202, (status, doc)
        assert doc["accepted"] == 1 and doc["duplicates"] == 0, doc
        wait_for("the mention", lambda: r.client.xlen("t:mentions") >= 1)
        (key, m), = entries(r.client, "t:mentions")
        assert key == "hooks:evt_01HYB3", key
        assert m["plugin"] == "webhook" and m["url"] == "https://forum.example.org/t/acme-router/4411?u=ana", m
        assert m["title"] == "Acme router keeps rebooting", m
        assert m["author"] == {"handle": "ana", "name": "Ana B.", "followers": 312}, m["author"]
        assert "X200 reboots every hour & loses" in m["text"] and "<b>" not in m["text"], m
        assert m["published_at"].startswith("2024-05-20T08:00:00"), m
        assert m["lang"] == "en", m

        # An array, one item of it a number id, one a title only.
        status, doc, _ = send(port, fixture("array.json"))
        assert status == 202 and doc["accepted"] == 3 and doc["items"] == 3, (status, doc)
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") >= 4)
        keys = [k for k, _ in entries(r.client, "t:mentions")]
        assert keys == ["hooks:evt_01HYB3", "hooks:4412", "hooks:4413", "hooks:4414"], keys

        # The same body again: taken once.
        status, doc, _ = send(port, fixture("array.json"))
        assert status == 202 and doc["accepted"] == 0 and doc["duplicates"] == 3, (status, doc)

        # After a restart too (the ids taken are in the state).
        rc, _ = d.stop()
        assert rc == 0
        d2 = sc.add(Daemon(sc.tmp, cfg, env=env))
        d2.wait_ready()
        wait_listening(port)
        status, doc, _ = send(port, fixture("one.json"))
        assert status == 202 and doc["duplicates"] == 1 and doc["accepted"] == 0, (status, doc)
        body = json.dumps({"id": "new-1", "text": "acme again"}).encode()
        status, doc, _ = send(port, body)
        assert status == 202 and doc["accepted"] == 1, (status, doc)
        wait_for("5 mentions", lambda: r.client.xlen("t:mentions") >= 5)


def test_refusals():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        port = free_port()
        d = sc.add(Daemon(sc.tmp, hook_config(sc, r, port, "max_body = 4096")))
        d.wait_ready()
        wait_listening(port)
        good = fixture("one.json")

        status, doc, _ = send(port, good, path="/other")
        assert status == 404 and "mentions are POSTed to /mentions" in doc["error"], (status, doc)
        status, doc, h = send(port, None, method="GET")
        assert status == 405 and "method GET not allowed" in doc["error"], (status, doc)
        assert h.get("Allow") == "POST", dict(h)
        status, doc, _ = send(port, good, ctype="text/plain")
        assert status == 415 and "Content-Type text/plain is not JSON" in doc["error"], (status, doc)
        status, doc, _ = send(port, good, ctype=None)
        assert status == 415 and "(none)" in doc["error"], (status, doc)
        status, doc, _ = send(port, good, signature=False)
        assert status == 401 and "no X-Mentiond-Signature header" in doc["error"], (status, doc)
        status, doc, _ = send(port, good, signature=sign(good, b"wrong secret"))
        assert status == 401 and doc["error"] == "signature does not match the body", (status, doc)
        status, doc, _ = send(port, good, signature="md5=abcdef")
        assert status == 401 and "malformed signature" in doc["error"], (status, doc)
        # A signature over another body does not fit this one.
        status, doc, _ = send(port, good + b" ", signature=sign(good))
        assert status == 401, (status, doc)

        cut = good[:60]
        status, doc, _ = send(port, cut)
        assert status == 400 and "JSON ends early, inside a string, at byte 60" in doc["error"], (status, doc)
        status, doc, _ = send(port, b'{"id": 1, "text": nope}')
        assert status == 400 and "bad JSON at byte 18 (line 1, column 19)" in doc["error"], (status, doc)
        status, doc, _ = send(port, fixture("bad_item.json"))
        assert status == 400 and doc["error"] == "item 1 of 2: no id at 'id'", (status, doc)

        # The size limit: 413 from the host, and just under it passes.
        big = json.dumps({"id": "big", "text": "acme " + "x" * 5000}).encode()
        status, doc, _ = send(port, big)
        assert status == 413 and "Too Large" in doc, (status, doc)   # libevent's page
        fits = json.dumps({"id": "fits", "text": "acme " + "x" * (4096 - 40)}).encode()
        assert len(fits) <= 4096
        status, doc, _ = send(port, fits)
        assert status == 202 and doc["accepted"] == 1, (status, doc)
        # A good one after all that; nothing of the refused bodies was taken.
        status, doc, _ = send(port, good, ctype="application/json; charset=utf-8")
        assert status == 202 and doc["accepted"] == 1, (status, doc)
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["hooks:evt_01HYB3", "hooks:fits"], keys
        # Refusals are logged, at most once a minute.
        log = d.logtext()
        assert "POST /other from 127.0.0.1 refused with 404" in log, log
        assert log.count("refused with") == 1, log
        assert d.proc.poll() is None


def test_backed_up():
    """Redis away and the hold full: the first item is taken, then 503 with
    Retry-After; sent again once Redis is back, the rest is taken."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        port = free_port()
        d = sc.add(Daemon(sc.tmp, hook_config(sc, r, port, "retry_after = 7s",
                                              redis_extra="hold_max = 2\n")))
        d.wait_ready()
        wait_listening(port)
        d.wait_log("redis: connected to")   # else the kill comes first: no "lost"
        r.kill()
        d.wait_log("redis: lost ")
        body = json.dumps([{"id": "b%d" % i, "text": "acme %d" % i} for i in range(3)]).encode()
        status, doc, h = send(port, body)
        assert status == 503, (status, doc)
        assert h.get("Retry-After") == "7", dict(h)
        assert doc["accepted"] == 1 and doc["retry_after"] == 7 and "backed up" in doc["error"], doc

        r.start()
        wait_for("the first mention delivered", lambda: r.client.xlen("t:mentions") >= 1, timeout=20)
        status, doc, _ = send(port, body)
        assert status == 202 and doc["accepted"] == 2 and doc["duplicates"] == 1, (status, doc)
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3, timeout=20)


def test_rate_limit():
    """Each client address has its own bucket: past the burst, 429 with
    Retry-After and the reason; another address is still served; after the
    wait the first is served again; the refusals are logged once."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        port = free_port()
        d = sc.add(Daemon(sc.tmp, hook_config(sc, r, port, "rate = 1", "burst = 3")))
        d.wait_ready()
        wait_listening(port)
        body = lambda i: json.dumps({"id": "r%d" % i, "text": "acme %d" % i}).encode()
        got = [send(port, body(i)) for i in range(5)]
        assert [g[0] for g in got[:3]] == [202, 202, 202], [g[:2] for g in got]
        status, doc, h = got[3]
        assert status == 429 and "too many requests from 127.0.0.1: at most 1 a second" in doc["error"], doc
        assert h.get("Retry-After") == "1", dict(h)
        # A bad signature is refused for the rate too, before any HMAC work.
        status, doc, _ = send(port, body(9), signature="sha256=" + "0" * 64)
        assert status == 429, (status, doc)
        # Another client address, its own bucket.
        status, doc, _ = send(port, body(5), source="127.0.0.2")
        assert status == 202 and doc["accepted"] == 1, (status, doc)
        wait_for("a token back for 127.0.0.1",
                 lambda: send(port, body(6))[0] == 202, timeout=5, step=0.3)
        wait_for("5 mentions", lambda: r.client.xlen("t:mentions") >= 5)
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["hooks:r0", "hooks:r1", "hooks:r2", "hooks:r5", "hooks:r6"], keys
        log = d.logtext()
        assert "POST /mentions from 127.0.0.1 refused with 429" in log, log
        assert log.count("refused with") == 1, log


def test_start_failures():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        sc.add(taken)
        port = taken.getsockname()[1]
        secret = os.path.join(sc.tmp, "secret")
        with open(secret, "wb") as f:
            f.write(SECRET)
        cfg = config(sc.tmp, r.url, tracks={"acme": "query = acme"}, sources={
            "taken": "plugin = webhook\nlisten = 127.0.0.1:%d\nunsigned = yes" % port,
            "open": "plugin = webhook\nlisten = 0.0.0.0:%d" % free_port(),
            "badaddr": "plugin = webhook\nlisten = example.org:80\nsecret_file = %s" % secret,
            "signed_only": "plugin = webhook\nlisten = %d" % free_port(),
            "unsigned": "plugin = webhook\nlisten = %d\nunsigned = yes" % free_port()})
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        d.wait_log("cannot listen on 127.0.0.1:%d: Address already in use" % port)
        d.wait_log("refusing to take unsigned mentions on a non-loopback address")
        d.wait_log("address 'example.org:80' is not a numeric IPv4 or IPv6 address")
        d.wait_log("source: signed_only (")
        d.wait_log("cannot start: no secret (secret_file, $CREDENTIALS_DIRECTORY/webhook-secret or "
                   "$MENTIOND_WEBHOOK_SECRET): bodies must be signed; set unsigned = yes to take unsigned mentions on loopback")
        d.wait_log("no secret and unsigned = yes: unsigned mentions are taken, on loopback only")


def parse(name):
    """`mentionctl parse webhook` on fixture NAME."""
    return apiserver.parse("webhook", os.path.join(FIXTURES, name))


def test_out_of_descriptors():
    """Idle connections past the process's descriptor limit: accept()
    fails with EMFILE. The listener pauses (one warning) instead of
    spinning the loop at full CPU with a libevent line each turn, and takes
    requests again once descriptors are free."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        port = free_port()
        d = sc.add(Daemon(sc.tmp, hook_config(sc, r, port)))
        d.wait_ready()
        wait_listening(port)
        pid = d.proc.pid
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (64, 64))
        socks = []
        try:
            for _ in range(120):
                s = socket.socket()
                s.connect(("127.0.0.1", port))
                socks.append(s)
            d.wait_log("cannot accept connections")
            c0 = cpu_seconds(pid)
            time.sleep(2)
            used = cpu_seconds(pid) - c0
            assert used < 0.5, "%.2f s of CPU in 2 s while out of descriptors" % used
        finally:
            for s in socks:
                s.close()
        body = json.dumps({"id": "fd-1", "text": "acme after the flood"}).encode()
        t0 = time.monotonic()
        status, doc, _ = send(port, body)
        assert status == 202 and doc["accepted"] == 1, (status, doc)
        assert time.monotonic() - t0 < 8, time.monotonic() - t0
        wait_for("the mention", lambda: r.client.xlen("t:mentions") >= 1)
        log = d.logtext()
        assert log.count("cannot accept connections") == 1, log
        assert "Too many open files" in log, log
        assert "Error from accept" not in log, log
        d.wait_log("accepting connections on 127.0.0.1:%d again" % port)


def cpu_seconds(pid):
    """User and system CPU seconds process PID has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_parse_fixtures():
    rc, ms, err = parse("one.json")
    assert rc == 0 and len(ms) == 1, (rc, ms, err)
    assert ms[0]["id"] == "evt_01HYB3" and ms[0]["author"] == "Ana B."
    assert ms[0]["published"] == "2024-05-20T08:00:00Z"
    rc, ms, err = parse("array.json")
    assert rc == 0 and [m["id"] for m in ms] == ["4412", "4413", "4414"], (rc, ms, err)
    assert [m["published"] for m in ms] == ["2024-05-20T08:01:00Z", "2024-05-20T08:02:00Z",
                                            "2024-05-20T08:03:00Z"], ms
    assert ms[1]["title"] == "Re: Acme router keeps rebooting" and ms[1]["author"] == "m\u00fcller"
    rc, ms, err = parse("bad_item.json")
    assert rc == 1 and ms == [] and "item 1 of 2: no id at 'id'" in err, (rc, ms, err)


if __name__ == "__main__":
    run([test_signed_posts_and_restart, test_refusals, test_backed_up, test_rate_limit,
         test_start_failures, test_out_of_descriptors,
         test_parse_fixtures])
