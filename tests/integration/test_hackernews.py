"""test_hackernews.py - the hackernews connector against tests/tools/httpd.py
playing the Algolia HN Search API (/api/v1/search_by_date): hits become
mentions (comment text with HN's entities decoded, the item link for comments
and text posts, the story's own link otherwise, points and comment counts),
the request asks for the search term, both kinds and a page size, back to
the backfill window only, the next request carries the created_at_i cursor, a restart repeats nothing, 429 with
Retry-After, a 500 and a truncated body are survived and logged, mode all asks
without a query and pages through a burst (resuming a burst from the state),
a term new to a source that ran before keeps to the backfill window,
and the parser gives the same on saved bodies through `mentionctl parse`."""
import email.utils
import json
import os
import re
import time
import urllib.parse
import urllib.request

import apiserver
from apiserver import assert_failed_once, assert_works_again
from harness import SOURCE, Daemon, Redis, Scenario, config, entries, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "hackernews")
PATH = "/api/v1/search_by_date"
T0 = int(time.time()) - 600  # recent, whatever backfill window applies


class Httpd(apiserver.Httpd):
    """apiserver's, with the search requests' queries."""

    def queries(self):
        """The query parameters of each request to the search path."""
        out = []
        for r in self.requests():
            u = urllib.parse.urlsplit(r["path"])
            if u.path == PATH:
                q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
                q["_time"] = r["time"]
                out.append(q)
        return out

def ok(body):
    return {"status": 200, "headers": {"Content-Type": "application/json; charset=utf-8"},
            "body": body if isinstance(body, str) else json.dumps(body)}


def story(oid, t, title, url=None, text=None, points=10, comments=0, author="pg"):
    h = {"_highlightResult": {"title": {"matchLevel": "full", "matchedWords": ["acme"],
                                        "value": title.replace("Acme", "<em>Acme</em>")}},
         "_tags": ["story", "author_" + author, "story_%d" % oid], "author": author,
         "children": [], "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
         "created_at_i": t, "num_comments": comments, "objectID": str(oid), "points": points,
         "story_id": oid, "title": title, "url": url}
    if text is not None:
        h["story_text"] = text
        h["_tags"].append("ask_hn")
    return h


def comment(oid, t, text, story_title="Acme raises a Series B", author="jdoe"):
    return {"_highlightResult": {"comment_text": {"matchLevel": "full", "matchedWords": ["acme"],
                                                  "value": text.replace("Acme", "<em>Acme</em>")}},
            "_tags": ["comment", "author_" + author, "story_1"], "author": author,
            "comment_text": text, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
            "created_at_i": t, "objectID": str(oid), "parent_id": 1, "points": None,
            "story_id": 1, "story_title": story_title, "story_url": "https://news.example.org/b"}


def page(hits, nbpages=1, pageno=0, per=100):
    return ok({"exhaustive": {"nbHits": False, "typo": False}, "exhaustiveNbHits": False,
               "hits": hits, "hitsPerPage": per, "nbHits": len(hits), "nbPages": nbpages,
               "page": pageno, "params": "tags=%28story%2Ccomment%29", "processingTimeMS": 1,
               "query": "acme"})


def hn_config(sc, r, h, name="hn", extra="", tracks=None):
    return config(sc.tmp, r.url, tracks=tracks or {"acme": "query = acme"},
                  sources={name: "plugin = hackernews\napi = %s\ninterval = 1s\n%s" % (h.base, extra)})


def test_search_cursor_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        first = [comment(101, T0 + 30, "I&#x27;ve used Acme for years &amp; it &quot;just "
                         "works&quot;.<p>See <a href=\"https:&#x2F;&#x2F;acme.example.com\" "
                         "rel=\"nofollow\">docs</a>"),
                 story(100, T0 + 20, "Acme raises a Series B & hires",
                       url="https://news.example.org/acme-b", points=57, comments=2),
                 story(99, T0 + 10, "Ask HN: Anyone using Acme routers?",
                       text="Is Acme worth it? Our caf\u00e9 needs 5&gt;3 APs", points=3)]
        h.script(PATH, [page(first), page([])])
        d = sc.add(Daemon(sc.tmp, hn_config(sc, r, h)))
        d.wait_ready()
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == ["hn:100", "hn:101", "hn:99"], got
        c = got["hn:101"]
        assert c["plugin"] == "hackernews" and c["source_id"] == "101", c
        assert c["url"] == "https://news.ycombinator.com/item?id=101", c
        assert c["title"] == "Acme raises a Series B", c
        assert c["text"].startswith("I've used Acme for years & it \"just works\".\nSee docs"), c
        assert c["author"]["handle"] == "jdoe", c
        assert c["published_at"].startswith(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(T0 + 30))), c
        s = got["hn:100"]
        assert s["url"] == "https://news.example.org/acme-b", s
        assert s["title"] == "Acme raises a Series B & hires" and s["text"] == "", s
        assert s["metrics"] == {"score": 57, "replies": 2}, s
        a = got["hn:99"]
        assert a["url"] == "https://news.ycombinator.com/item?id=99", a
        assert a["text"] == "Is Acme worth it? Our caf\u00e9 needs 5>3 APs", a

        # The first request: the term, both kinds, a page size; the next
        # one: the highest created_at_i seen.
        wait_for("a second request", lambda: len(h.queries()) >= 2)
        q = h.queries()
        assert q[0]["query"] == "acme" and q[0]["tags"] == "(story,comment)", q[0]
        assert q[0]["hitsPerPage"] == "100", q[0]
        # No cursor yet: back to the backfill window (1 h), not the history.
        since = int(q[0]["numericFilters"].split(">")[1])
        assert abs(since - (q[0]["_time"] - 3600)) < 5, q[0]
        assert q[1]["numericFilters"] == "created_at_i>%d" % (T0 + 30), q[1]
        assert "page" not in q[1], q[1]
        d.wait_log("search \"acme\": 3 new hits")

        # Restart. The server now sends the old hits again with a new one,
        # as if it ignored the filter: only the new one is emitted.
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        before = len(d.logtext())
        n0 = len(h.queries())
        h.script(PATH, [page([comment(102, T0 + 40, "Acme shipped the fix")] + first), page([])])
        d2 = sc.add(Daemon(sc.tmp, hn_config(sc, r, h)))
        d2.wait_ready()
        wait_for("the new mention", lambda: r.client.xlen("t:mentions") >= 1)
        wait_for("a poll after that", lambda: len(h.queries()) >= n0 + 2)
        q = h.queries()
        assert q[n0]["numericFilters"] == "created_at_i>%d" % (T0 + 30), q[n0]
        assert q[n0 + 1]["numericFilters"] == "created_at_i>%d" % (T0 + 40), q[n0 + 1]
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["hn:102"]
        log = d2.logtext()[before:]
        assert "search \"acme\": 1 new hit" in log and "3 new hits" not in log, log


def test_errors_survived():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        full = page([comment(203, T0 + 9, "Our Acme router rebooted twice during the night"),
                     comment(202, T0 + 8, "Support at Acme never wrote back to me"),
                     comment(201, T0 + 7, "Acme pricing is fine, first with a long tail")])["body"]
        cut = full[:full.index("first with")]
        h.script(PATH, [
            page([comment(200, T0 + 5, "Is the Acme status page down for anyone else?")]),
            {"status": 429, "headers": {"Retry-After": "2"}, "body": "slow down\n"},
            {"status": 500, "body": "<html>Internal Server Error</html>"},
            {"status": 500, "body": "<html>Internal Server Error</html>"},
            ok(cut),
            page([comment(204, T0 + 10, "Acme fixed it, thanks to whoever escalated")]),
            page([])])
        # A query setting wins over the tracks' terms: one search a round.
        d = sc.add(Daemon(sc.tmp, hn_config(sc, r, h, extra="query = acme\n",
                                            tracks={"acme": "query = acme OR lumio"})))
        d.wait_ready()
        # The truncated body still gives the two hits before the cut.
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") >= 4, timeout=30)
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["hn:200", "hn:202", "hn:203", "hn:204"], keys
        d.wait_log("works again after")
        log = d.logtext()
        # The host logs each failed round once, with the status and the
        # next try (the second 500 in a row is not logged again), and that
        # it works again; a body cut short is the connector's to say.
        assert_failed_once(log, "hn", 'search "acme"', "HTTP 429")
        assert_failed_once(log, "hn", 'search "acme"', "HTTP 500")
        assert_works_again(log, "hn", 3)
        assert "unterminated string at byte" in log and "of %d (%d bytes, 2 hits read)" % (
            len(cut), len(cut)) in log, log
        q = h.queries()
        assert all(x["query"] == "acme" for x in q), q
        # The request after the 429 waited for its Retry-After.
        assert q[2]["_time"] - q[1]["_time"] >= 1.9, (q[1], q[2])
        # The cursor stayed where it was through the failures.
        assert all(x.get("numericFilters") == "created_at_i>%d" % (T0 + 5) for x in q[1:6]), q
        wait_for("the cursor moved on", lambda: len(h.queries()) >= 7, timeout=20)
        assert h.queries()[6]["numericFilters"] == "created_at_i>%d" % (T0 + 10)
        assert d.proc.poll() is None


def test_retry_after_date():
    """A 429 whose Retry-After is an HTTP date (as RFC 9110 allows): the
    round waits for it, and the log says how long, not the interval's
    backoff."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        when = email.utils.formatdate(time.time() + 8, usegmt=True)
        h.script(PATH, [
            {"status": 429, "headers": {"Retry-After": when}, "body": "slow down\n"},
            page([comment(300, T0 + 5, "Is the Acme status page down for anyone else?")]),
            page([])])
        d = sc.add(Daemon(sc.tmp, hn_config(sc, r, h, extra="query = acme\n")))
        d.wait_ready()
        wait_for("1 mention", lambda: r.client.xlen("t:mentions") >= 1, timeout=20)
        lines = apiserver.failed_lines(d.logtext(), "hn", 'search "acme"', "HTTP 429")
        assert len(lines) == 1, lines
        wait = int(re.search(r"next try in (\d+) s", lines[0]).group(1))
        assert 6 <= wait <= 8, lines
        q = h.queries()
        assert q[1]["_time"] - q[0]["_time"] >= 6, q[:2]


def test_mode_all_paging_resume():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        low, high = T0, T0 + 100
        # A burst was being read when the daemon stopped: pages 0 and 1 of
        # (low, high] are done, page 2 is next.
        os.makedirs(os.path.join(sc.tmp, "state"))
        with open(os.path.join(sc.tmp, "state", "hnall.state"), "w") as f:
            json.dump({"all": "%d %d 2" % (low, high)}, f)
        h.script(PATH, [
            page([comment(300, low + 1, "Acme, the last of the old burst")], 3, 2, 2),
            page([comment(303, high + 3, "Acme new three"), story(302, high + 2, "Acme new two")],
                 2, 0, 2),
            page([comment(301, high + 1, "Acme new one")], 2, 1, 2),
            page([], 0, 0, 2)])
        d = sc.add(Daemon(sc.tmp, hn_config(sc, r, h, name="hnall", extra="mode = all\nhits = 2\n")))
        d.wait_ready()
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") >= 4)
        wait_for("4 requests", lambda: len(h.queries()) >= 4)
        q = h.queries()
        assert all("query" not in x and x["hitsPerPage"] == "2" and
                   x["tags"] == "(story,comment)" for x in q), q
        assert q[0]["page"] == "2", q[0]
        assert q[0]["numericFilters"] == "created_at_i>%d,created_at_i<=%d" % (low, high), q[0]
        assert "page" not in q[1] and q[1]["numericFilters"] == "created_at_i>%d" % high, q[1]
        assert q[2]["page"] == "1", q[2]
        assert q[2]["numericFilters"] == "created_at_i>%d,created_at_i<=%d" % (high, high + 3), q[2]
        assert q[3]["numericFilters"] == "created_at_i>%d" % (high + 3), q[3]
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["hnall:300", "hnall:301", "hnall:302", "hnall:303"], keys

        def saved():
            with open(os.path.join(sc.tmp, "state", "hnall.state")) as f:
                return json.load(f).get("all") == str(high + 3)
        wait_for("the cursor saved", saved, timeout=5)


def test_new_term_backfill():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        # The source has run before (another term has a cursor), so the host
        # sees no first run: the new term alone must keep to the window.
        os.makedirs(os.path.join(sc.tmp, "state"))
        with open(os.path.join(sc.tmp, "state", "hn.state"), "w") as f:
            json.dump({"q:0123456789abcdef": str(T0)}, f)
        old = int(time.time()) - 2 * 86400
        h.script(PATH, [page([comment(401, T0 + 3, "Acme is new to our tracks today"),
                              comment(400, old, "Acme two days ago, not news")]), page([])])
        d = sc.add(Daemon(sc.tmp, hn_config(sc, r, h)))
        d.wait_ready()
        wait_for("2 requests", lambda: len(h.queries()) >= 2)
        q = h.queries()
        since = int(q[0]["numericFilters"].split(">")[1])
        assert abs(since - (q[0]["_time"] - 3600)) < 5, q[0]
        assert q[1]["numericFilters"] == "created_at_i>%d" % (T0 + 3), q[1]
        wait_for("the mention", lambda: r.client.xlen("t:mentions") >= 1)
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["hn:401"]
        d.wait_log("search \"acme\": 1 new hit")


def parse(name):
    """`mentionctl parse hackernews` on fixture NAME."""
    return apiserver.parse("hackernews", os.path.join(FIXTURES, name))


def test_parser_fixtures():
    rc, out, err = parse("search_by_date.json")
    assert rc == 0 and err == "", (rc, err)
    assert [m["id"] for m in out] == ["40225421", "40225400", "40225300", "40225290",
                                      "40225200", "40225100"], out
    c, s, ask, anon, show, num = out
    assert c["url"] == "https://news.ycombinator.com/item?id=40225421", c
    assert c["title"] == "Acme raises a Series B" and c["author"] == "jdoe", c
    assert c["text"].startswith("I&#x27;ve used Acme for years &amp; it"), c  # the host decodes
    assert c["published"] == "2024-05-01T12:00:09Z", c
    assert s["url"] == "https://news.example.org/acme-series-b" and s["text"] == "", s
    assert s["title"] == "Acme raises a Series B & hires", s
    assert ask["url"] == "https://news.ycombinator.com/item?id=40225300", ask
    assert ask["text"] == ("Is Acme worth it? Our caf\u00e9 needs 5&gt;3 APs \u2014 na\u00efve "
                           "question, I know \U0001F605"), ask
    assert anon["author"] is None and anon["text"].startswith("<i>Acme</i>"), anon
    assert anon["title"] == "Ask HN: Anyone using Acme routers?", anon
    # No created_at_i: created_at; a javascript: link: the item instead.
    assert show["published"] == "2024-05-01T11:40:00Z", show
    assert show["url"] == "https://news.ycombinator.com/item?id=40225200", show
    # A numeric objectID.
    assert num["id"] == "40225100" and num["url"].startswith("http://lumio.example.net/"), num

    rc, out, err = parse("truncated.json")
    assert rc == 0 and [m["id"] for m in out] == ["40225421", "40225400"], (rc, out)
    assert "warning: unterminated string at byte" in err and "(2 mentions read)" in err, err

    rc, out, err = parse("error.json")
    assert rc == 1 and out == [], (rc, out)
    assert "no hits array (\"Invalid syntax for numeric value" in err, err
    rc, out, err = parse("bad_gateway.html")
    assert rc == 1 and "not a JSON object" in err, err


if __name__ == "__main__":
    run([test_parser_fixtures, test_search_cursor_restart, test_errors_survived,
         test_retry_after_date, test_mode_all_paging_resume, test_new_term_backfill])
