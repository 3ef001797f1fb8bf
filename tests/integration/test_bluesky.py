"""test_bluesky.py - the bluesky connector against tests/tools/httpd.py serving
XRPC answers written from the AT Protocol lexicons (createSession,
refreshSession, app.bsky.feed.searchPosts):

  - a session from an app password, then the bearer token on each search,
    sent to the PDS the DID document names; an ExpiredToken answer refreshes
    the session with the refresh token and the search is made again;
  - per term, cursor paging until the newest post emitted before, and a
    restart that repeats nothing; a walk stopped between two pages whose
    posts share a time loses neither;
  - link facets put back at UTF-8 byte offsets after multi-byte text, and
    bad offsets ignored;
  - anonymous search refused by the AppView: said once; a query setting;
  - a refused login, 429 with RateLimit-Reset, 500 and truncated JSON are
    survived, and the password is never logged;
  - the parser alone through `mentionctl parse bluesky` on the fixtures.
"""
import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone

from apiserver import Httpd, assert_failed_once, assert_works_again, response
from harness import MENTIONCTL, PLUGINS, SOURCE, Daemon, Redis, Scenario, config, entries, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "bluesky")
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
PASSWORD = "abcd-efgh-ijkl-mnop"

for var in ("MENTIOND_BLUESKY_APP_PASSWORD", "CREDENTIALS_DIRECTORY"):
    os.environ.pop(var, None)


def stamp(seconds_ago):
    t = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def utf8len(s):
    return len(s.encode())


def post(n, text, seconds_ago, facets=None, handle=None):
    """A postView: post number N by user N."""
    handle = handle or "user%d.bsky.social" % n
    did = "did:plc:user%020d" % n
    rec = {"$type": "app.bsky.feed.post", "text": text, "createdAt": stamp(seconds_ago), "langs": ["en"]}
    if facets:
        rec["facets"] = facets
    return {"uri": "at://%s/app.bsky.feed.post/3kpost%04d" % (did, n), "cid": "bafyreicid%d" % n,
            "author": {"did": did, "handle": handle, "displayName": "User %d" % n, "labels": []},
            "record": rec, "replyCount": n % 2, "repostCount": n % 3, "likeCount": n, "quoteCount": 0,
            "indexedAt": stamp(seconds_ago - 0.5), "labels": []}


def uri(n):
    return "at://did:plc:user%020d/app.bsky.feed.post/3kpost%04d" % (n, n)


def results(posts, cursor=None):
    doc = {"posts": posts}
    if cursor:
        doc["cursor"] = cursor
    return response(doc)


def session(n, pds=None, handle="acme-watch.bsky.social"):
    doc = {"did": "did:plc:acmewatch0000000000000000", "handle": handle, "email": "watch@acme.example",
           "emailConfirmed": True, "accessJwt": "access-%d" % n, "refreshJwt": "refresh-%d" % n, "active": True}
    if pds:
        doc["didDoc"] = {"@context": ["https://www.w3.org/ns/did/v1"], "id": doc["did"],
                         "alsoKnownAs": ["at://" + handle],
                         "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                                      "serviceEndpoint": pds}]}
    return response(doc)


def bluesky_config(sc, r, settings, query="acme OR \"acme fibre\""):
    return config(sc.tmp, r.url, tracks={"acme": "query = %s" % query},
                  sources={"sky": "plugin = bluesky\ninterval = 1s\n" + settings})


def by_source_id(r):
    return {m["source_id"]: m for _, m in entries(r.client, "t:mentions")}


def q(term, cursor=None, limit=3):
    path = SEARCH + "?q=%s&sort=latest&limit=%d" % (term, limit)
    return path + ("&cursor=" + cursor if cursor else "")


def test_session_paging_refresh_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        entry = sc.add(Httpd())     # the entryway: logins
        pds = sc.add(Httpd())       # the account's PDS: searches
        pw = os.path.join(sc.tmp, "app-password")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")
        # Multi-byte text before a shortened link, and a link facet that
        # is not: both put back.
        t1 = "Café ☕ 🇫🇷 acme: panne acme.example/statu..."
        f1 = [{"index": {"byteStart": utf8len(t1[:t1.index("acme.example")]), "byteEnd": utf8len(t1)},
               "features": [{"$type": "app.bsky.richtext.facet#link",
                             "uri": "https://acme.example/status/paris?x=1&y=2"}]}]
        page1 = [post(5, t1, 10, f1), post(4, "acme four", 20), post(3, "acme three", 30)]
        page2 = [post(2, "acme two", 40), post(1, "acme one", 50)]
        entry.script(CREATE, [session(1, pds.base)])
        entry.script(REFRESH, [session(2, pds.base)])
        pds.script(q("acme"), [response({"error": "ExpiredToken", "message": "Token has expired"}, 400),
                               results(page1, "c1"),
                               results([post(6, "acme six & <b>bold</b> claims", 5)] + page1, "c1b")])
        pds.script(q("acme", "c1"), [results(page2)])
        pds.script(q("%22acme%20fibre%22"), [results([])])
        d = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, "pds = %s\nidentifier = acme-watch.bsky.social\n"
                                                 "app_password_file = %s\nlimit = 3\n" % (entry.base, pw))))
        d.wait_ready()
        wait_for("6 mentions", lambda: r.client.xlen("t:mentions") >= 6, timeout=15)
        got = by_source_id(r)
        assert sorted(got) == sorted(uri(n) for n in range(1, 7)), sorted(got)
        m = got[uri(5)]
        assert m["text"] == "Café ☕ 🇫🇷 acme: panne https://acme.example/status/paris?x=1&y=2", m
        assert m["url"] == "https://bsky.app/profile/user5.bsky.social/post/3kpost0005", m
        assert m["author"]["handle"] == "user5.bsky.social" and m["author"]["name"] == "User 5", m
        assert m["metrics"] == {"score": 5, "replies": 1, "reposts": 2}, m
        assert got[uri(6)]["text"] == "acme six & <b>bold</b> claims", got[uri(6)]

        # The login, then the bearer on every search, refreshed once.
        logins = entry.requests(CREATE)
        assert len(logins) == 1, logins
        assert json.loads(logins[0]["body"]) == {"identifier": "acme-watch.bsky.social", "password": PASSWORD}
        assert logins[0]["headers"]["Content-Type"] == "application/json", logins[0]
        refresh = entry.requests(REFRESH)
        assert len(refresh) == 1 and refresh[0]["headers"]["Authorization"] == "Bearer refresh-1", refresh
        searches = pds.requests(SEARCH)
        assert not entry.requests(SEARCH), entry.requests(SEARCH)
        acme = [s for s in searches if "q=acme&" in s["path"]]
        assert acme[0]["headers"]["Authorization"] == "Bearer access-1", acme[0]
        assert acme[1]["path"] == q("acme") and acme[1]["headers"]["Authorization"] == "Bearer access-2", acme[1]
        assert acme[2]["path"] == q("acme", "c1"), acme[2]
        assert all(s["headers"]["Authorization"] == "Bearer access-2" for s in acme[1:]), acme
        # The next poll stopped at what it had emitted: no cursor followed.
        assert q("acme", "c1b") not in [s["path"] for s in searches], searches
        assert any(s["path"] == q("%22acme%20fibre%22") for s in searches), searches
        log = d.logtext()
        assert "logged in as acme-watch.bsky.social; searching on %s" % pds.base in log, log
        assert PASSWORD not in log

        # A restart repeats nothing.
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(pds.requests(SEARCH))
        d2 = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, "pds = %s\nidentifier = acme-watch.bsky.social\n"
                                                  "app_password_file = %s\nlimit = 3\n" % (entry.base, pw))))
        d2.wait_ready()
        wait_for("two searches after the restart", lambda: len(pds.requests(SEARCH)) >= n0 + 4)
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert q("acme", "c1b") not in [s["path"] for s in pds.requests(SEARCH)]


def test_restart_mid_walk():
    """A walk of several pages stopped half way: the pages emitted are
    saved as a range, so the next walk emits only the rest."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        newer = [post(9, "acme nine", 10), post(8, "acme eight", 20), post(7, "acme seven", 30)]
        older = [post(6, "acme six", 40), post(5, "acme five", 50), post(4, "acme four", 60)]
        h.script(q("acme"), [results(newer, "c2")])
        # The second page fails: the walk stops after its first page.
        h.script(q("acme", "c2"), [response("busy", 500)])
        settings = "api = %s\nlimit = 3\n" % h.base
        d = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, settings, query="acme")))
        d.wait_ready()
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        wait_for("the failed page", lambda: h.requests(q("acme", "c2")))
        d.wait_log("search for acme failed: HTTP 500")
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        h.script(q("acme", "c2"), [results(older)])
        h.script(q("acme"), [results([post(10, "acme ten", 5)] + newer[:2], "c3")])
        h.script(q("acme", "c3"), [results(newer[2:] + older[:2], "c4")])
        h.script(q("acme", "c4"), [results(older[2:])])
        d2 = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, settings, query="acme")))
        d2.wait_ready()
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") >= 4)
        wait_for("the last page", lambda: h.requests(q("acme", "c4")))
        time.sleep(1.5)
        got = sorted(by_source_id(r))
        assert got == sorted(uri(n) for n in (4, 5, 6, 10)), got


def test_walk_stopped_at_a_shared_time():
    """A walk stopped between two pages whose posts share a sortAt: the
    next walk emits the post of the next page at that time too."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        first = [post(9, "acme nine", 10), post(8, "acme eight", 20), post(7, "acme seven", 30)]
        # Posted in the same millisecond as seven, by someone else.
        twin = post(11, "acme eleven, a twin of seven", 30)
        twin["record"]["createdAt"] = first[2]["record"]["createdAt"]
        twin["indexedAt"] = first[2]["indexedAt"]
        h.script(q("acme"), [results(first, "c2")])
        # The second page fails once: the walk stops after the first.
        h.script(q("acme", "c2"), [response("busy", 500),
                                   results([twin, post(6, "acme six", 40)])])
        settings = "api = %s\nlimit = 3\n" % h.base
        d = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, settings, query="acme")))
        d.wait_ready()
        wait_for("the second page again", lambda: len(h.requests(q("acme", "c2"))) >= 2,
                 timeout=20)
        time.sleep(1.5)
        got = sorted(by_source_id(r))
        assert got == sorted(uri(n) for n in (6, 7, 8, 9, 11)), got


def test_anonymous():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script(SEARCH, [response({"error": "Forbidden", "message": "Search requires authentication"}, 403)])
        d = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, "api = %s\nquery = acme lang:en\n" % h.base),
                          env={"MENTIOND_BLUESKY_APP_PASSWORD": PASSWORD}))
        d.wait_ready()
        wait_for("3 searches", lambda: len(h.requests(SEARCH)) >= 3)
        log = d.logtext()
        assert "an app password but no identifier: searching anonymously on %s" % h.base in log, log
        assert log.count("refuses anonymous search (HTTP 403 Forbidden: Search requires authentication)") == 1, log
        s = h.requests(SEARCH)
        assert s[0]["path"] == SEARCH + "?q=acme%20lang%3Aen&sort=latest&limit=100", s[0]
        assert all("Authorization" not in x["headers"] for x in s), s
        assert not h.requests(CREATE)


def test_errors():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        creds = os.path.join(sc.tmp, "creds")
        os.mkdir(creds)
        with open(os.path.join(creds, "bluesky-app-password"), "w") as f:
            f.write(PASSWORD)
        refused = response({"error": "AuthenticationRequired",
                            "message": "Invalid identifier or password"}, 401)
        h.script(CREATE, [refused, refused, session(7)])
        good = [post(12, "acme twelve", 10), post(11, "acme eleven", 20)]
        h.script(q("acme", limit=100), [
             response({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429,
                    {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
                     "RateLimit-Reset": str(int(time.time()) + 6), "RateLimit-Policy": "3000;w=300"}),
             response(json.dumps({"posts": good})[:120]),
             results(good),
             results(good)])
        d = sc.add(Daemon(sc.tmp, bluesky_config(sc, r, "api = %s\npds = %s\nidentifier = watcher.example\n"
                                                 % (h.base, h.base), query="acme"),
                          env={"CREDENTIALS_DIRECTORY": creds}))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2, timeout=40)
        d.wait_log("works again after")
        log = d.logtext()
        assert "app password from $CREDENTIALS_DIRECTORY/bluesky-app-password" in log, log
        # Each failed round once, by the host, with the status and the next
        # try: the second refused login in a row is not logged again, and
        # what the host names is the account, never the password.
        assert_failed_once(log, "sky", "createSession as watcher.example on %s" % h.base,
                           "HTTP 401")
        assert len(h.requests(CREATE)) == 3, h.requests(CREATE)
        s = h.requests(SEARCH)
        # The rate limit held every request until its reset.
        assert s[1]["time"] - s[0]["time"] >= 1.5, [x["time"] for x in s]
        assert "rate limit reached" in log, log
        assert_failed_once(log, "sky", "search for acme", "HTTP 429")
        assert_failed_once(log, "sky", "search for acme", "broken JSON at byte")
        assert log.count("broken JSON at byte") == 1, log
        assert_works_again(log, "sky", 4)
        assert PASSWORD not in log
        assert sorted(by_source_id(r)) == [uri(11), uri(12)]
        assert d.proc.poll() is None


def parse(*args, stdin=None):
    return subprocess.run([MENTIONCTL, "parse", "bluesky", "--plugin-dir", PLUGINS, *args], input=stdin,
                          capture_output=True, timeout=30)


def test_parse_fixtures():
    p = parse(os.path.join(FIXTURES, "search.json"))
    assert p.returncode == 0, p.stderr
    got = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert len(got) == 5, got
    cafe, amp, anchor, bad, image = got
    assert cafe["id"] == "at://did:plc:rosaxxxxxxxxxxxxxxxxxxxx/app.bsky.feed.post/3lbq2acme0001", cafe
    assert cafe["url"] == "https://bsky.app/profile/rosa.bsky.social/post/3lbq2acme0001", cafe
    assert cafe["text"] == ("Café ☕ à Paris 🇫🇷: acme's outage report "
                            "https://acme.example/status/2024/outage-paris?ref=bsky thanks @rosa.bsky.social #acme")
    assert cafe["published"] == "2024-11-20T09:15:02Z", cafe
    # '<' and '&': the text is escaped HTML, its line break a <br>.
    assert amp["text"] == "acme box &lt;3 &amp; the new firmware<br>second line: https://www.acme.example/fw", amp
    # A link on words is kept as a link; handle.invalid: the DID.
    assert anchor["text"] == 'Is acme down? <a href="https://status.acme.example/">read this</a> first', anchor
    assert anchor["url"] == "https://bsky.app/profile/did:plc:ghostghostghostghostgh/post/3lbq2acme0003", anchor
    assert anchor["author"] == "did:plc:ghostghostghostghostgh", anchor
    # Out of range, reversed, mid-character, negative, fractional, string
    # and overlapping offsets are ignored; the one good facet is used.
    assert bad["text"] == "Ünïcödé acme 🎉 bad facets: https://example.com/x", bad
    assert image["text"] == "<p>An acme box, red light blinking</p>", image
    assert image["published"] == "2024-11-20T08:11:00Z", image

    with open(os.path.join(FIXTURES, "search.json"), "rb") as f:
        cut = f.read()[:700]
    p = parse("-", stdin=cut)
    assert p.returncode == 0 and p.stdout == b"" and b"broken JSON at byte" in p.stderr, p
    p = parse("-", stdin=b'{"error":"InvalidRequest","message":"Error: Params must have the property \\"q\\""}')
    assert p.returncode == 1 and b"not a searchPosts response: InvalidRequest" in p.stderr, p
    p = parse("-", stdin=b"<html>502</html>")
    assert p.returncode == 1 and b"not JSON" in p.stderr, p


if __name__ == "__main__":
    run([test_parse_fixtures, test_session_paging_refresh_restart, test_restart_mid_walk,
         test_walk_stopped_at_a_shared_time, test_anonymous,
         test_errors])
