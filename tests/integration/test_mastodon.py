"""test_mastodon.py - the mastodon connector against tests/tools/httpd.py
serving REST timelines written from the Mastodon API documentation, and a
streaming server of this file's own speaking server-sent events:

  - REST: the newest page on a first run, then "next" pages back within the
    hour; from then on min_id=CURSOR, the Link header's "prev" page after a
    full one; a boost stands for the boosted status; the token goes in a
    bearer header; a restart goes on from the saved cursor, repeating nothing;
  - streaming: update, status.update (an edit, under the same id), delete and
    heartbeats; a broken event logged and survived; a stream that drops and
    one that stalls are reconnected by the host;
  - without a token, stream = yes says streaming is off and polls instead;
  - 429 with Retry-After, 503, and truncated JSON are survived;
  - the parser alone through `mentionctl parse mastodon` on the fixtures.
"""
import json
import os
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from apiserver import Httpd
from harness import MENTIONCTL, PLUGINS, SOURCE, Daemon, Redis, Scenario, config, entries, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "mastodon")
TAG = "/api/v1/timelines/tag/acme"

# The connector looks there for a token: none unless a test says so.
for var in ("MENTIOND_MASTODON_TOKEN", "CREDENTIALS_DIRECTORY"):
    os.environ.pop(var, None)


def page(statuses, link=None, status=200):
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if link:
        headers["Link"] = link
    return {"status": status, "headers": headers, "body": json.dumps(statuses, ensure_ascii=False)}


def stamp(minutes_ago):
    t = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def status(n, text=None, minutes_ago=1, **extra):
    """A Status entity of mastodon.example, id 1135000000000000NN."""
    sid = "1135000000000%05d" % n
    s = {"id": sid, "created_at": stamp(minutes_ago), "in_reply_to_id": None, "sensitive": False,
         "spoiler_text": "", "visibility": "public", "language": "en",
         "uri": "https://mastodon.example/users/u%d/statuses/%s" % (n, sid),
         "url": "https://mastodon.example/@u%d/%s" % (n, sid),
         "replies_count": n % 3, "reblogs_count": n % 5, "favourites_count": n, "edited_at": None,
         "content": "<p>%s</p>" % (text or "acme status %d &amp; more" % n),
         "account": {"id": str(n), "username": "u%d" % n, "acct": "u%d" % n,
                     "display_name": "User %d" % n, "followers_count": 10 * n,
                     "url": "https://mastodon.example/@u%d" % n},
         "media_attachments": [], "mentions": [], "tags": [{"name": "acme"}], "reblog": None}
    s.update(extra)
    return s


def boost(n, original):
    """A boost by user N of ORIGINAL: its own id, empty content."""
    b = status(n, minutes_ago=0)
    b.update({"content": "", "reblog": original, "uri": b["uri"] + "/activity"})
    return b


def mastodon_config(sc, r, base, extra="", level="info"):
    text = config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                  sources={"masto": "plugin = mastodon\ninstance = %s/\nhashtags = #acme\n"
                           "interval = 1s\n%s" % (base, extra)})
    return text.replace("log_level = info", "log_level = %s" % level)


def by_source_id(r):
    return {m["source_id"]: m for _, m in entries(r.client, "t:mentions")}


def test_rest_paging_and_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        b = h.base + TAG
        token = os.path.join(sc.tmp, "token")
        with open(token, "w") as f:
            f.write("  rest-token-1\n")
        orig = status(90, "Is <b>acme</b> down for everyone?", minutes_ago=5,
                      account={"acct": "rosa@fosstodon.example", "display_name": "Rosa 🌹",
                               "followers_count": 1520, "url": "https://fosstodon.example/@rosa"},
                      uri="https://fosstodon.example/users/rosa/statuses/42",
                      url="https://fosstodon.example/@rosa/42")
        # A first run: the newest page, full (limit 3), then back through
        # "next" while it is within the hour.
        h.script(TAG + "?limit=3", [page([status(103), boost(102, orig), status(101)],
                                         '<%s?max_id=113500000000000101>; rel="next", '
                                         '<%s?min_id=113500000000000103>; rel="prev"' % (b, b))])
        h.script(TAG + "?max_id=113500000000000101&limit=3", [page([status(100, minutes_ago=3)])])
        # Then from the cursor: a full page, whose "prev" link is followed.
        h.script(TAG + "?limit=3&min_id=113500000000000103",
                 [page([status(106), status(105), boost(104, orig)],
                       '<%s?max_id=113500000000000104>; rel="next", '
                       '<%s?min_id=113500000000000106&limit=3>; rel="prev"' % (b, b))])
        h.script(TAG + "?min_id=113500000000000106&limit=3", [page([status(107)])])
        h.script(TAG + "?limit=3&min_id=113500000000000107", [page([])])
        d = sc.add(Daemon(sc.tmp, mastodon_config(sc, r, h.base, "limit = 3\ntoken_file = %s\n" % token)))
        d.wait_ready()
        wait_for("7 mentions", lambda: r.client.xlen("t:mentions") >= 7)
        wait_for("a poll from the last cursor",
                 lambda: any(q["path"].endswith("min_id=113500000000000107") for q in h.requests(TAG)))
        got = by_source_id(r)
        ids = sorted(k.rsplit("/", 1)[-1] for k in got)
        assert ids == ["113500000000000%03d" % i for i in (100, 101, 103, 105, 106, 107)] + ["42"], ids
        # The boost is the boosted status, with its author and counts.
        m = got["https://fosstodon.example/users/rosa/statuses/42"]
        assert m["url"] == "https://fosstodon.example/@rosa/42", m
        assert m["author"]["handle"] == "rosa@fosstodon.example", m
        assert m["author"]["name"] == "Rosa 🌹" and m["author"]["followers"] == 1520, m
        assert m["text"] == "Is acme down for everyone?", m
        m = got["https://mastodon.example/users/u105/statuses/113500000000000105"]
        assert m["author"]["handle"] == "u105@mastodon.example", m
        assert m["text"] == "acme status 105 & more", m
        assert m["lang"] == "en", m
        assert m["metrics"] == {"score": 105, "replies": 0, "reposts": 0}, m
        paths = [q["path"][len(TAG):] for q in h.requests(TAG)]
        expect = ["?limit=3", "?max_id=113500000000000101&limit=3", "?limit=3&min_id=113500000000000103",
                  "?min_id=113500000000000106&limit=3", "?limit=3&min_id=113500000000000107"]
        assert paths[:5] == expect, paths
        assert all(q["headers"].get("Authorization") == "Bearer rest-token-1" for q in h.requests(TAG))
        assert "access token from token_file" in d.logtext()
        log = d.logtext()
        # The boost was emitted once, though it came twice.
        assert log.count(" new status") == 4, log  # "new status" or "new statuses"

        # A restart goes on from the saved cursor and repeats nothing.
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.requests(TAG))
        h.script(TAG + "?limit=3&min_id=113500000000000107", [page([status(108)])])
        h.script(TAG + "?limit=3&min_id=113500000000000108", [page([])])
        d2 = sc.add(Daemon(sc.tmp, mastodon_config(sc, r, h.base, "limit = 3\ntoken_file = %s\n" % token)))
        d2.wait_ready()
        wait_for("the new status", lambda: r.client.xlen("t:mentions") >= 1)
        first = h.requests(TAG)[n0]
        assert first["path"] == TAG + "?limit=3&min_id=113500000000000107", first
        time.sleep(1.5)
        assert list(by_source_id(r)) == ["https://mastodon.example/users/u108/statuses/113500000000000108"], \
            by_source_id(r)


class StreamServer:
    """A streaming API: each connection to a path plays the next script of
    steps (bytes to send, or a number of seconds to sleep), the last script
    repeating; the connection is closed at the end of its script."""

    def __init__(self, scripts):
        self.scripts = scripts
        self.conns = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                with outer.lock:
                    outer.conns.append({"path": self.path, "headers": dict(self.headers.items())})
                    n = sum(1 for c in outer.conns if c["path"] == self.path) - 1
                script = outer.scripts.get(self.path)
                if script is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                try:
                    for step in script[min(n, len(script) - 1)]:
                        if isinstance(step, (int, float)):
                            time.sleep(step)
                        else:
                            self.wfile.write(step.encode())
                            self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        ThreadingHTTPServer.daemon_threads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def sse(event, data):
    return "event: %s\ndata: %s\n\n" % (event, data if isinstance(data, str) else json.dumps(data))


def test_stream():
    s1 = status(201, "acme outage again")
    s1_edit = dict(s1, content="<p>acme outage again, now fixed</p>", edited_at=stamp(0))
    orig = status(202, "acme support answered fast", uri="https://other.example/users/x/statuses/9")
    hb = ":thump\n"
    scripts = {"/api/v1/streaming/hashtag?tag=acme": [
        # Drops after these.
        [":)\n\n", sse("update", s1), hb, sse("status.update", s1_edit), hb,
         sse("delete", "113500000000000999"), sse("update", '{"id": "1", "content": "<p>acme cut'),
         sse("notification", {"id": "5"}), sse("update", boost(203, orig)), 0.2],
        # Stalls after one status.
        [sse("update", status(204, "acme after a drop")), 30],
        # Heartbeats from then on.
        [sse("update", status(205, "acme after a stall"))] + [hb, 0.3] * 60,
    ]}
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        st = sc.add(StreamServer(scripts))
        h.script(TAG, [page([])])
        creds = os.path.join(sc.tmp, "creds")
        os.mkdir(creds)
        with open(os.path.join(creds, "mastodon-token"), "w") as f:
            f.write("stream-token-2")
        d = sc.add(Daemon(sc.tmp, mastodon_config(sc, r, h.base, "stream = yes\nstreaming = %s\n"
                                                  "stall_timeout = 1s\n" % st.base, level="debug"),
                          env={"CREDENTIALS_DIRECTORY": creds}))
        d.wait_ready()
        wait_for("the status after the stall",
                 lambda: "https://mastodon.example/users/u205/statuses/113500000000000205" in by_source_id(r),
                 timeout=20)
        keys = [k for k, _ in entries(r.client, "t:mentions")]
        got = by_source_id(r)
        assert s1["uri"] in got and orig["uri"] in got, keys
        assert "https://mastodon.example/users/u204/statuses/113500000000000204" in got, keys
        # The edit is written as an update of the first, under its id.
        edits = [k for k in keys if k.startswith("masto:" + s1["uri"] + "#edit-")]
        assert len(edits) == 1, keys
        edited = [m for k, m in entries(r.client, "t:mentions") if k == edits[0]][0]
        assert edited["text"] == "acme outage again, now fixed", edited
        assert len(st.conns) >= 3, st.conns
        assert all(c["headers"].get("Authorization") == "Bearer stream-token-2" for c in st.conns), st.conns
        assert st.conns[0]["headers"].get("Accept") == "text/event-stream", st.conns[0]
        log = d.logtext()
        assert "status 113500000000000999 deleted" in log, log
        assert "stream event update: broken JSON" in log, log
        assert "end of stream" in log and "no data for" in log, log
        assert "$CREDENTIALS_DIRECTORY/mastodon-token" in log, log
        assert d.proc.poll() is None


def test_missing_token():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script(TAG, [page([status(301)])])
        h.script("/api/v1/timelines/public", [page([status(302, "public acme")])])
        d = sc.add(Daemon(sc.tmp, mastodon_config(sc, r, h.base, "stream = yes\npublic = yes\n")))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        d.wait_log("streaming is off")
        assert "polling the REST timelines every 1 s instead" in d.logtext(), d.logtext()
        wait_for("polls of both timelines", lambda: len(h.requests("/api/v1/timelines/public")) >= 2 and
                 len(h.requests(TAG)) >= 2)
        assert not h.requests("/api/v1/streaming"), h.requests("/api/v1/streaming")
        assert all("Authorization" not in q["headers"] for q in h.requests("/api/v1/"))


def test_errors():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script(TAG, [
             {"status": 429, "headers": {"Retry-After": "2"}, "body": '{"error":"Too many requests"}'},
             {"status": 503, "body": "<html>Service Unavailable</html>"},
             {"status": 200, "headers": {"Content-Type": "application/json"},
              "body": json.dumps([status(401), status(400)])[:150]},
             page([status(402), status(401)]),
             page([])])
        d = sc.add(Daemon(sc.tmp, mastodon_config(sc, r, h.base)))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2, timeout=20)
        reqs = h.requests(TAG)
        assert reqs[1]["time"] - reqs[0]["time"] >= 1.9, reqs[:2]
        log = d.logtext()
        assert "HTTP 429" in log and "HTTP 503" in log, log
        assert log.count("broken JSON at byte") == 1, log
        assert "the cursor stays" in log, log
        # The cursor stayed: the good page came with the same URL.
        assert reqs[3]["path"] == TAG + "?limit=40", reqs[3]
        wait_for("a poll from the cursor", lambda: any("min_id=113500000000000402" in q["path"]
                                                       for q in h.requests(TAG)))
        assert d.proc.poll() is None


def parse(*args):
    return subprocess.run([MENTIONCTL, "parse", "mastodon", "--plugin-dir", PLUGINS, *args],
                          capture_output=True, text=True, timeout=30)


def test_parse_fixtures():
    p = parse(os.path.join(FIXTURES, "timeline.json"))
    assert p.returncode == 0, p.stderr
    got = [json.loads(line) for line in p.stdout.splitlines()]
    assert [m["id"] for m in got] == [
        "https://fosstodon.example/users/rosa/statuses/113499990000000001",
        "https://mastodon.example/users/jules/statuses/113500000000000104",
        "https://mastodon.example/users/pix/statuses/113500000000000103",
        "https://misskey.example/notes/9x1y2z"], got
    boosted, warned, media, remote = got
    # The boost gives the boosted status: its author, its date.
    assert boosted["author"] == "Rosa 🌹 Díaz" and boosted["published"] == "2024-11-20T08:59:30Z", boosted
    # The content warning comes first, escaped; no display name: the handle.
    assert warned["text"].startswith("<p>acme rant &lt;long&gt;</p><p>Mon routeur"), warned
    assert warned["author"] == "jules@mastodon.example", warned
    # Media only: the descriptions; no url: the uri; a +01:00 offset.
    assert media["text"] == "<p>An acme box with a blinking red light</p>", media
    assert media["url"] == media["id"] and media["published"] == "2024-11-20T08:13:00Z", media
    assert remote["published"] == "2024-11-20T14:41:00Z", remote

    p = parse(os.path.join(FIXTURES, "status.json"))
    assert p.returncode == 0, p.stderr
    one = json.loads(p.stdout)
    assert one["id"] == "https://mastodon.example/users/jules/statuses/113500000000000200", one
    assert one["text"] == "<p>acme fixed it, thanks!</p>" and one["author"] == "Jules", one

    with open(os.path.join(FIXTURES, "timeline.json"), "rb") as f:
        cut = f.read()[:400]
    p = subprocess.run([MENTIONCTL, "parse", "mastodon", "--plugin-dir", PLUGINS, "-"], input=cut,
                       capture_output=True, timeout=30)
    assert p.returncode == 0 and p.stdout == b"", p
    assert b"broken JSON at byte" in p.stderr, p.stderr
    p = subprocess.run([MENTIONCTL, "parse", "mastodon", "--plugin-dir", PLUGINS, "-"],
                       input=b"<html>502 Bad Gateway</html>", capture_output=True, timeout=30)
    assert p.returncode == 1 and b"not JSON" in p.stderr, p


if __name__ == "__main__":
    run([test_parse_fixtures, test_rest_paging_and_restart, test_stream, test_missing_token, test_errors])
