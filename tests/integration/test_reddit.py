"""test_reddit.py - the reddit connector against tests/tools/httpd.py playing
reddit: with OAuth client credentials, the token request (HTTP Basic,
grant_type=client_credentials) and the bearer header on every listing, posts
and comments of a search and a subreddit become mentions (entities decoded in
titles, permalinks made absolute, removed and "more" things passed over), the
next request of each listing carries its before= cursor, a restart repeats
nothing; a 401 brings a new token, 429 with Retry-After, a 500 and truncated
JSON are survived and logged, X-Ratelimit headers slow the pace (and say so);
a cursor that reddit no longer answers for is caught up from the newest page;
a short-lived token is renewed before it expires;
the anonymous API is paced at one request every 6 s and says why; a listing
new to a source that ran before keeps to the backfill window; and the
parser gives the same on saved bodies through `mentionctl parse`."""
import base64
import json
import os
import re
import time
import urllib.parse
import urllib.request

import apiserver
from harness import SOURCE, Daemon, Redis, Scenario, config, entries, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "reddit")
T0 = int(time.time()) - 600
UA = "linux:mentiond-test:1.0 (by /u/tester)"


class Httpd(apiserver.Httpd):
    """apiserver's, with the GETs and POSTs of a path."""

    def gets(self, path):
        """(query parameters, headers, time) of each GET of PATH."""
        out = []
        for r in self.requests():
            u = urllib.parse.urlsplit(r["path"])
            if r["method"] == "GET" and u.path == path:
                q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
                out.append((q, r["headers"], r["time"]))
        return out

    def posts(self, path):
        return [r for r in self.requests() if r["method"] == "POST" and r["path"] == path]

def ok(doc, headers=None):
    h = {"Content-Type": "application/json; charset=UTF-8"}
    h.update(headers or {})
    return {"status": 200, "headers": h, "body": doc if isinstance(doc, str) else json.dumps(doc)}


def listing(things):
    return {"kind": "Listing", "data": {"after": things[-1]["data"]["name"] if things else None,
                                        "dist": len(things), "modhash": "", "geo_filter": "",
                                        "children": things, "before": None}}


def post(id36, t, title, selftext="", sub="sysadmin", author="op", score=3, comments=0):
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40]
    return {"kind": "t3", "data": {
        "subreddit": sub, "selftext": selftext, "title": title, "name": "t3_" + id36,
        "score": score, "is_self": True, "author": author, "num_comments": comments,
        "permalink": "/r/%s/comments/%s/%s/" % (sub, id36, slug),
        "url": "https://www.reddit.com/r/%s/comments/%s/%s/" % (sub, id36, slug),
        "created": float(t), "created_utc": float(t), "id": id36, "over_18": False}}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def recent(name):
    """A fixture listing with its things made recent (in order), so that a
    first run, which reads back to the backfill window only, takes them."""
    doc = json.loads(fixture(name))
    for i, c in enumerate(doc["data"]["children"]):
        if isinstance(c["data"].get("created_utc"), float):
            c["data"]["created_utc"] = float(T0 + 100 - i)
    return doc


def token(tok, expires=86400):
    return ok({"access_token": tok, "token_type": "bearer", "expires_in": expires, "scope": "*"})


def oauth_config(sc, r, h, extra="", tracks=None):
    secret = os.path.join(sc.tmp, "reddit.secret")
    with open(secret, "w") as f:
        f.write("s3cret\n")
    return config(sc.tmp, r.url, tracks=tracks or {"acme": "query = acme"}, sources={
        "rd": "plugin = reddit\napi = %s\nauth = %s\noauth_api = %s\nclient_id = cid\n"
              "client_secret_file = %s\nuser_agent = %s\ninterval = 1s\n%s"
              % (h.base, h.base, h.base, secret, UA, extra)})


def test_oauth_listings_cursor_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script("/api/v1/access_token", [token("tok1")])
        search = listing([post("1cfy002", T0 + 50, "Acme VPN &amp; MFA: worth it?",
                               "We moved to Acme last week, so far &lt;3", score=11, comments=4),
                          post("1cfy001", T0 + 40, "Replacing Acme switches", "Acme EOL, now what?")])
        h.script("/search", [ok(search)])
        new = recent("new.json")
        newer = recent("new.json")
        newer["data"]["children"].insert(0, post("1cfx0zz", T0 + 160, "Acme AX-6 announced",
                                                 sub="networking"))
        h.script("/r/networking/new", [ok(new), ok(newer)])
        h.script("/r/networking/comments", [ok(recent("comments.json"))])
        d = sc.add(Daemon(sc.tmp, oauth_config(sc, r, h, "subreddits = r/Networking\n")))
        d.wait_ready()
        want = {"rd:t3_1cfy002", "rd:t3_1cfy001", "rd:t3_1cfx0ab", "rd:t3_1cfwz11",
                "rd:t3_1cfwy22", "rd:t3_1cfw9zz", "rd:t1_l2b0003", "rd:t1_l2b0001",
                "rd:t3_1cfx0zz"}
        wait_for("9 mentions", lambda: r.client.xlen("t:mentions") >= 9, timeout=20)
        got = dict(entries(r.client, "t:mentions"))
        assert set(got) == want, sorted(got)
        p = got["rd:t3_1cfy002"]
        assert p["plugin"] == "reddit" and p["source_id"] == "t3_1cfy002", p
        assert p["title"] == "Acme VPN & MFA: worth it?", p
        assert p["text"] == "We moved to Acme last week, so far <3", p
        assert p["url"] == "https://www.reddit.com/r/sysadmin/comments/1cfy002/" \
                           "acme_vpn_amp_mfa_worth_it/", p
        assert p["metrics"] == {"score": 11, "replies": 4}, p
        c = got["rd:t1_l2b0003"]
        assert c["title"] == "Acme AX-5 & firmware 2.1: reboot loop", c
        assert c["text"] == "Roll back to 2.0 & disable \"smart roaming\" > fixed it for me.", c
        assert c["url"] == "https://www.reddit.com/r/networking/comments/1cfx0ab/" \
                           "acme_ax5_firmware_21_reboot_loop/l2b0003/", c
        assert c["author"]["handle"] == "wifi_wizard", c
        link = got["rd:t3_1cfwz11"]
        assert link["text"] == "https://news.example.org/acme-series-b?utm_source=reddit&ref=1", link
        assert got["rd:t3_1cfwy22"]["author"]["handle"] is None

        # The token: client credentials over HTTP Basic, with our User-Agent.
        t = h.posts("/api/v1/access_token")
        assert len(t) == 1, t
        assert t[0]["body"] == "grant_type=client_credentials", t[0]
        hd = {k.lower(): v for k, v in t[0]["headers"].items()}
        assert hd["authorization"] == "Basic " + base64.b64encode(b"cid:s3cret").decode(), hd
        assert hd["content-type"] == "application/x-www-form-urlencoded", hd
        assert hd["user-agent"] == UA, hd

        # Every listing: the bearer token, our User-Agent; the next request
        # of each carries the newest fullname it read.
        wait_for("second requests", lambda: all(len(h.gets(p)) >= 2 for p in (
            "/search", "/r/networking/new", "/r/networking/comments")), timeout=10)
        s = h.gets("/search")
        assert s[0][0] == {"q": "acme", "sort": "new", "limit": "100"}, s[0]
        assert s[1][0].get("before") == "t3_1cfy002", s[1]
        for q, hdrs, _ in s + h.gets("/r/networking/new") + h.gets("/r/networking/comments"):
            hd = {k.lower(): v for k, v in hdrs.items()}
            assert hd["authorization"] == "bearer tok1" and hd["user-agent"] == UA, hd
        n = h.gets("/r/networking/new")
        assert n[0][0] == {"limit": "100"} and n[1][0].get("before") == "t3_1cfx0ab", n
        assert h.gets("/r/networking/comments")[1][0].get("before") == "t1_l2b0003"
        d.wait_log("r/networking new: 4 new")
        d.wait_log("r/networking new: 1 new")  # the AX-6

        # Restart: the listings go on from their cursors; a listing that
        # still holds the old things (as if before= were ignored) gives
        # nothing again.
        wait_for("the third round", lambda: len(h.gets("/r/networking/new")) >= 3, timeout=10)
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        before = len(d.logtext())
        counts = {p: len(h.gets(p)) for p in ("/search", "/r/networking/new",
                                              "/r/networking/comments")}
        d2 = sc.add(Daemon(sc.tmp, oauth_config(sc, r, h, "subreddits = networking\n")))
        d2.wait_ready()
        wait_for("a round after the restart", lambda: all(
            len(h.gets(p)) >= counts[p] + 1 for p in counts), timeout=10)
        assert h.gets("/search")[counts["/search"]][0].get("before") == "t3_1cfy002"
        assert h.gets("/r/networking/new")[counts["/r/networking/new"]][0].get("before") == \
            "t3_1cfx0zz"
        assert h.gets("/r/networking/comments")[counts["/r/networking/comments"]][0].get(
            "before") == "t1_l2b0003"
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert " new\n" not in d2.logtext()[before:], d2.logtext()[before:]


def test_errors_token_ratelimit():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script("/api/v1/access_token", [token("tok1"), token("tok2")])
        a1 = post("a1", T0 + 1, "Acme one: the first post")
        a2 = post("a2", T0 + 2, "Acme two: a later post")
        a3 = post("a3", T0 + 3, "Acme three: the latest of all")
        body = json.dumps(listing([a2, a1]))
        h.script("/search", [
            ok(listing([a1])),
            {"status": 401, "headers": {"WWW-Authenticate": "Bearer realm=\"reddit\""},
             "body": "{\"message\": \"Unauthorized\", \"error\": 401}"},
            ok(listing([a2, a1]), {"X-Ratelimit-Used": "100", "X-Ratelimit-Remaining": "0",
                                   "X-Ratelimit-Reset": "2"}),
            {"status": 429, "headers": {"Retry-After": "2"}, "body": "Too Many Requests"},
            {"status": 500, "body": "<html>internal error</html>"},
            {"status": 500, "body": "<html>internal error</html>"},
            ok(body[:len(body) // 2]),
            ok(listing([a3, a2, a1]), {"X-Ratelimit-Used": "98", "X-Ratelimit-Remaining": "2.0",
                                       "X-Ratelimit-Reset": "6"}),
            ok(listing([]))])
        d = sc.add(Daemon(sc.tmp, oauth_config(sc, r, h)))
        d.wait_ready()
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3, timeout=40)
        wait_for("9 requests", lambda: len(h.gets("/search")) >= 9, timeout=20)
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["rd:t3_a1", "rd:t3_a2", "rd:t3_a3"], keys
        g = h.gets("/search")
        auth = [{k.lower(): v for k, v in x[1].items()}["authorization"] for x in g]
        assert auth[:2] == ["bearer tok1"] * 2 and set(auth[2:]) == {"bearer tok2"}, auth
        assert len(h.posts("/api/v1/access_token")) == 2
        assert [x[0].get("before") for x in g[:9]] == [None] + ["t3_a1"] * 2 + ["t3_a2"] * 5 + \
            ["t3_a3"], g
        # Held for X-Ratelimit-Reset once nothing was left, for Retry-After
        # after the 429, and paced at reset / remaining when little was left.
        assert g[3][2] - g[2][2] >= 1.9, (g[2], g[3])
        assert g[4][2] - g[3][2] >= 1.9, (g[3], g[4])
        assert g[8][2] - g[7][2] >= 2.9, (g[7], g[8])
        log = d.logtext()
        # Each failed round once, by the host, with the status and the next
        # try: the second 500 in a row is not logged again. It works again
        # after the 401 (a new token), and after the 429 and the 500s.
        apiserver.assert_failed_once(log, "rd", 'search "acme"', "HTTP 401")
        apiserver.assert_failed_once(log, "rd", 'search "acme"', "HTTP 429")
        apiserver.assert_failed_once(log, "rd", 'search "acme"', "HTTP 500")
        apiserver.assert_works_again(log, "rd", 1)
        apiserver.assert_works_again(log, "rd", 3)
        # Neither the client secret nor a token is ever in the log.
        for secret in ("s3cret", "tok1", "tok2"):
            assert secret not in log, (secret, log)
        for line in ("JSON broken at byte",
                     "rate limit used up (100 requests used): no request for 2 s",
                     "rate limit: 2 requests left for the next 6 s (98 used), fewer than the 6 "
                     "this source would send: one request every 3.0 s"):
            assert line in log, (line, log)
        assert d.proc.poll() is None


def test_stale_cursor_caught_up():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        # A token that lasts 4 s: renewed half way, before it expires.
        h.script("/api/v1/access_token", [token("tok1", 4), token("tok2")])
        p100 = post("100", T0 + 1, "Acme lab notes, part one", sub="acme")
        p101 = post("101", T0 + 2, "Acme lab notes, part two", sub="acme")
        p102 = post("102", T0 + 3, "Acme lab notes, part three", sub="acme")
        # The cursor's post is deleted: before=t3_100 answers nothing, ever.
        h.script("/r/acme/new", [ok(listing([p100])), ok(listing([])), ok(listing([])),
                                 ok(listing([])), ok(listing([p102, p101])), ok(listing([]))])
        h.script("/r/acme/comments", [ok(listing([]))])
        h.script("/search", [ok(listing([]))])
        d = sc.add(Daemon(sc.tmp, oauth_config(sc, r, h, "subreddits = acme\n")))
        d.wait_ready()
        wait_for("6 requests", lambda: len(h.gets("/r/acme/new")) >= 6, timeout=30)
        g = [x[0] for x in h.gets("/r/acme/new")]
        assert [x.get("before") for x in g[:6]] == [None, "t3_100", "t3_100", "t3_100", None,
                                                    "t3_102"], g
        assert all("after" not in x for x in g), g
        d.wait_log("r/acme new: t3_100 no longer anchors the listing")
        t = h.posts("/api/v1/access_token")
        assert len(t) == 2 and 1.5 <= t[1]["time"] - t[0]["time"] < 4, t
        auth = [{k.lower(): v for k, v in x[1].items()}["authorization"]
                for x in h.gets("/r/acme/new")]
        assert auth[-1] == "bearer tok2", auth
        early = [x[2] for x in h.gets("/r/acme/new") if x[2] < t[1]["time"]]
        assert early and all(a == "bearer tok1" for a in auth[:len(early)]), auth
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        log = d.logtext()
        assert "r/acme new: 1 new" in log and "r/acme new: 2 new" in log, log


def test_anonymous_pacing():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script("/search.json", [ok(listing([post("9zz", T0, "Acme in the wild"),
                                              post("9zy", int(time.time()) - 2 * 86400,
                                                   "Acme two days ago")])),
                                  ok(listing([]))])
        # The source ran before (another listing has a cursor): the host sees
        # no first run, so this new listing alone keeps to the window.
        os.makedirs(os.path.join(sc.tmp, "state"))
        with open(os.path.join(sc.tmp, "state", "anon.state"), "w") as f:
            json.dump({"new:elsewhere": "t3_1 1"}, f)
        # A client id without any secret: anonymous, and it says so.
        cfg = config(sc.tmp, r.url, tracks={"acme": "query = acme"}, sources={
            "anon": "plugin = reddit\napi = %s\noauth_api = %s\nclient_id = cid\ninterval = 1s"
                    % (h.base, h.base)})
        env = {k: "" for k in ("CREDENTIALS_DIRECTORY", "REDDIT_CLIENT_SECRET")}
        d = sc.add(Daemon(sc.tmp, cfg, env=env))
        d.wait_ready()
        wait_for("the mention", lambda: r.client.xlen("t:mentions") >= 1)
        wait_for("2 requests", lambda: len(h.gets("/search.json")) >= 2, timeout=15)
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["anon:t3_9zz"]
        g = h.gets("/search.json")
        assert g[0][0] == {"q": "acme", "sort": "new", "limit": "100"}, g[0]
        assert g[1][0].get("before") == "t3_9zz", g[1]
        assert g[1][2] - g[0][2] >= 5.9, (g[0][2], g[1][2])
        hd = {k.lower(): v for k, v in g[0][1].items()}
        assert "authorization" not in hd and hd["user-agent"] == "mentiond/0.1.0 (by /u/unknown)", hd
        assert h.posts("/api/v1/access_token") == []
        log = d.logtext()
        for line in ("client_id is set but no secret was found",
                     "anonymous API at %s, which allows 10 requests a minute: one request "
                     "every 6 s" % h.base,
                     "1 listing at one request every 6.0 s (anonymous: 10 a minute) take 6 s "
                     "a round, more than the interval of 1 s: each listing is read every 6 s",
                     "user_agent is the default"):
            assert line in log, (line, log)
        assert log.count("take 6 s a round") == 1, log


def parse(name):
    """`mentionctl parse reddit` on fixture NAME."""
    return apiserver.parse("reddit", os.path.join(FIXTURES, name))


def test_parser_fixtures():
    rc, out, err = parse("new.json")
    assert rc == 0 and err == "", (rc, err)
    assert [m["id"] for m in out] == ["t3_1cfx0ab", "t3_1cfwz11", "t3_1cfwy22", "t3_1cfw9zz"], out
    selfpost, link, removed, odd = out
    assert selfpost["title"] == "Acme AX-5 & firmware 2.1: reboot loop", selfpost
    assert selfpost["text"].startswith("Our Acme AX-5 keeps dropping &amp; rebooting"), selfpost
    assert selfpost["text"].endswith("Caf\u00e9 owner here \U0001F605"), selfpost
    assert selfpost["url"] == "https://www.reddit.com/r/networking/comments/1cfx0ab/" \
                              "acme_ax5_firmware_21_reboot_loop/", selfpost
    assert selfpost["published"] == "2024-05-01T12:00:09Z", selfpost
    assert link["text"] == "https://news.example.org/acme-series-b?utm_source=reddit&amp;ref=1", link
    assert removed["text"] == "" and removed["author"] is None, removed
    # No name, no permalink, a date that is not a number.
    assert odd["url"] == "https://www.reddit.com/comments/1cfw9zz/" and odd["published"] is None, odd

    rc, out, err = parse("comments.json")
    assert rc == 0 and [m["id"] for m in out] == ["t1_l2b0003", "t1_l2b0001"], out
    assert out[0]["title"] == "Acme AX-5 & firmware 2.1: reboot loop", out[0]
    assert out[1]["text"] == "\u00bfAcme otra vez? \u2014 no thanks", out[1]

    rc, out, err = parse("thread.json")
    assert rc == 0 and [m["id"] for m in out] == ["t3_1cfx0ab", "t1_l2b0003"], out

    rc, out, err = parse("truncated.json")
    assert rc == 0 and out == [] and "warning: JSON broken at byte" in err, (rc, out, err)
    rc, out, err = parse("error.json")
    assert rc == 1 and "not a listing: error 403 Forbidden, private" in err, err
    rc, out, err = parse("ratelimited.html")
    assert rc == 1 and "not a listing: not JSON" in err, err


if __name__ == "__main__":
    run([test_parser_fixtures, test_oauth_listings_cursor_restart, test_errors_token_ratelimit,
         test_stale_cursor_caught_up, test_anonymous_pacing])
