"""test_sse.py - the sse connector against tests/tools/httpd.py streaming
scripted responses ("hold" keeps a connection open and silent): JSON events
mapped to mentions (one item or an array per message, links resolved
against the stream URL, HTML and unicode), unwanted events, heartbeats and
a non-JSON message skipped; a stall and a dropped connection reconnected
with Last-Event-ID; NDJSON with framing = lines and an items path; a token
from token_file sent in the header auth_header says; a restart against a
server that replays its history repeats nothing, and a restart resumes with
the last id delivered as Last-Event-ID. Parser fixtures (a saved
Wikimedia recentchange stream, an NDJSON file) go through `mentionctl
parse sse`."""
import json
import os

import apiserver
from apiserver import Httpd
from harness import SOURCE, Daemon, Redis, Scenario, config, entries, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "sse")


def event(eid, data, name="post", crlf=False):
    """One SSE message; DATA is JSON-encoded unless it is a str."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    lines = ["id: %s" % eid if eid is not None else None, "event: %s" % name if name else None]
    lines += ["data: " + part for part in text.split("\n")]
    eol = "\r\n" if crlf else "\n"
    return eol.join(line for line in lines if line is not None) + eol + eol


def item(i, **extra):
    d = {"id": "m%d" % i, "body": "<p>Acme widget %d &amp; more \u00e9\u00e8</p>" % i,
         "user": {"name": "user%d" % i}, "permalink": "/posts/m%d" % i,
         "created_at": "2024-05-20T10:%02d:00Z" % i}
    d.update(extra)
    return d


MAPPING = ["text = body", "author = user.name", "link = permalink",
           "published = created_at"]


def sse_config(sc, r, url, *extra, level="info"):
    # The events' times are old: wanted on a first run too.
    body = "\n".join(["plugin = sse", "url = %s" % url, "backfill = all"] + MAPPING + list(extra))
    text = config(sc.tmp, r.url, tracks={"acme": "query = acme"}, sources={"stream": body})
    return text.replace("log_level = info", "log_level = %s" % level)


def last_event_ids(h, path):
    return [q["headers"].get("Last-Event-ID") for q in h.requests(path)]


def test_stream_stall_drop():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        token = os.path.join(sc.tmp, "token")
        with open(token, "w") as f:
            f.write("tok-123\n")
        first = (": hello\n\n" + event(1, item(1)) + event(None, "", name="ping") +
                 event(None, {}, name="post") + event(2, item(2), crlf=True) +
                 event(None, item(9), name="other") + event(None, "not json {", name="post"))
        second = event(3, [item(3), item(4, permalink="https://other.example/x")])
        third = event(5, item(5))
        h.script("/v1/stream", [
            {"hold": 30, "body": first},      # then silent: a stall
            {"hold": 0, "body": second},      # then closed: a drop
            {"hold": 30, "body": third}])
        d = sc.add(Daemon(sc.tmp, sse_config(sc, r, h.base + "/v1/stream?topic=acme", "events = post",
                                             "stall = 1s", "token_file = %s" % token,
                                             "auth_header = X-Api-Key:")))
        d.wait_ready()
        wait_for("5 mentions", lambda: r.client.xlen("t:mentions") >= 5, timeout=20)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == ["stream:m%d" % i for i in range(1, 6)], sorted(got)
        m = got["stream:m1"]
        assert m["plugin"] == "sse" and m["url"] == h.base + "/posts/m1", m
        assert "Acme widget 1 & more \u00e9\u00e8" in m["text"] and "<p>" not in m["text"], m
        assert "user1" in json.dumps(m["author"]), m
        assert m["published_at"].startswith("2024-05-20T10:01:00"), m
        assert got["stream:m4"]["url"] == "https://other.example/x"
        assert "stream:m9" not in got    # the "other" event is not wanted

        # Reconnected after the stall with the last id, then after the drop.
        assert last_event_ids(h, "/v1/stream")[:3] == [None, "2", "3"], last_event_ids(h, "/v1/stream")
        reqs = h.requests("/v1/stream")
        assert reqs[0]["path"] == "/v1/stream?topic=acme"
        assert reqs[0]["headers"].get("X-Api-Key") == "tok-123", reqs[0]["headers"]
        assert reqs[0]["headers"].get("Accept") == "text/event-stream", reqs[0]["headers"]
        log = d.logtext()
        assert "no data for" in log and "end of stream" in log, log
        assert log.count("is not JSON") == 1 and "near 'not json {'" in log, log
        assert "token from file %s, sent in the X-Api-Key header" % token in log, log
        assert "tok-123" not in log


def test_ndjson_lines():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        lines = [{"type": "post", "data": item(1)}, {"type": "status", "n": 3},
                 {"type": "post", "data": item(2)}]
        body = json.dumps(lines[0]) + "\n\n" + json.dumps(lines[1]) + "\r\n" + json.dumps(lines[2]) + "\n"
        h.script("/firehose", [{"hold": 30, "body": body, "headers": {"Content-Type": "application/x-ndjson"}}])
        d = sc.add(Daemon(sc.tmp, sse_config(sc, r, h.base + "/firehose", "framing = lines", "items = data")))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["stream:m1", "stream:m2"]
        assert "Last-Event-ID" not in h.requests("/firehose")[0]["headers"]
        assert "Accept" in h.requests("/firehose")[0]["headers"]
        d.wait_log("items skipped: no items at 'data'")


def emitted(log):
    """How many items the connector says it emitted ("N new items")."""
    return sum(int(line.split(" new item")[0].split()[-1])
               for line in log.splitlines() if " new item" in line)


def test_restart_replay():
    """A server that replays its recent history on every connection, with
    no regard for Last-Event-ID: nothing is emitted twice, before or after
    a restart."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        replay = event(1, item(1)) + event(2, item(2))
        h.script("/replay", [{"hold": 0, "body": replay}])
        cfg = sse_config(sc, r, h.base + "/replay", level="debug")
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        wait_for("a reconnect and its replay", lambda: len(h.requests("/replay")) >= 2, timeout=10)
        d.wait_log("2 new items")
        rc, _ = d.stop()
        assert rc == 0
        log = d.logtext()
        assert emitted(log) == 2, [line for line in log.splitlines() if "new item" in line]

        before = len(log)
        n0 = len(h.requests("/replay"))
        d2 = sc.add(Daemon(sc.tmp, cfg))
        d2.wait_ready()
        wait_for("a replay after the restart", lambda: len(h.requests("/replay")) >= n0 + 2, timeout=10)
        rc, _ = d2.stop()
        assert rc == 0
        assert emitted(d2.logtext()[before:]) == 0, d2.logtext()[before:]


def test_restart_resumes_after_last_id():
    """A restart sends the last event id delivered before it as
    Last-Event-ID on its first connection, so a server that keeps history
    sends only what came meanwhile; reconnects then send the newer id."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script("/hist", [{"hold": 30, "body": event("e1", item(1)) + event("e2", item(2))}])
        cfg = sse_config(sc, r, h.base + "/hist", "stall = 1s")
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        rc, _ = d.stop()
        assert rc == 0
        assert last_event_ids(h, "/hist")[0] is None

        h.script("/hist", [{"hold": 0, "body": event("e3", item(3))},
                           {"hold": 30, "body": ""}])
        n0 = len(h.requests("/hist"))
        d2 = sc.add(Daemon(sc.tmp, cfg))
        d2.wait_ready()
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        wait_for("a reconnect", lambda: len(h.requests("/hist")) >= n0 + 2, timeout=10)
        assert last_event_ids(h, "/hist")[n0:n0 + 2] == ["e2", "e3"], last_event_ids(h, "/hist")
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["stream:m1", "stream:m2", "stream:m3"]
        d2.wait_log("resuming after event id e2")


def parse(args, name):
    """`mentionctl parse sse` with options ARGS on fixture NAME."""
    return apiserver.parse("sse", os.path.join(FIXTURES, name), *args)


def test_parse_fixtures():
    rc, ms, err = parse(["--set", "id=meta.id", "--set", "title=title", "--set", "text=comment",
                         "--set", "link=meta.uri", "--set", "author=user",
                         "--set", "published=timestamp"], "recentchange.sse")
    assert rc == 0, err
    assert [m["title"] for m in ms] == ["Acme Corporation", "Acme (band)", "Talk:Acme \u2014 Z\u00fcrich"], ms
    assert ms[0]["published"] == "2024-05-20T10:01:00Z" and ms[0]["author"] == "Ana B", ms[0]
    assert ms[2]["text"] == "Is this notable? \U0001F914", ms[2]
    # The log event cannot be mapped; the cut last message is dropped.
    assert "1 item skipped (first: no text at 'comment' and no title at 'title')" in err, err
    assert all(m["id"] != "cut" for m in ms)

    rc, ms, err = parse(["--set", "framing=lines", "--set", "items=data", "--set", "text=body",
                         "--set", "author=user.name", "--set", "published=ts"], "posts.ndjson")
    assert rc == 0, err
    assert [m["id"] for m in ms] == ["101", "102", "103"], ms   # the last line has no newline
    assert ms[0]["published"] == "2024-05-20T10:00:00Z"         # milliseconds
    assert "no items at 'data'" in err, err

    rc, ms, err = parse(["--set", "framing=smoke"], "posts.ndjson")
    assert rc == 1 and "framing: 'smoke' is not sse or lines" in err, err


if __name__ == "__main__":
    run([test_stream_stall_drop, test_ndjson_lines, test_restart_replay,
         test_restart_resumes_after_last_id, test_parse_fixtures])
