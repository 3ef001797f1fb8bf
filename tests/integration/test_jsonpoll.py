"""test_jsonpoll.py - the jsonpoll connector against tests/tools/httpd.py
serving Reddit-shaped listings (newest first, relative permalinks, HTML
entities, unicode, a deleted post): the mapping from the config gives each
field; the newest item's cursor is sent as `before` on the next request,
the rest of the query kept; a server that ignores the cursor repeats
nothing; a restart sends the saved cursor and repeats nothing; 429 with
Retry-After, 500 and a truncated body are survived (the truncation logged
once, with where it broke). Parser fixtures (Reddit, Mastodon, HN Algolia,
a truncated body) go through `mentionctl parse jsonpoll --set ...`."""
import json
import os
import time

import apiserver
from apiserver import Httpd
from harness import SOURCE, Daemon, Redis, Scenario, config, entries, run, wait_for

FIXTURES = os.path.join(SOURCE, "tests", "plugins", "jsonpoll")


def post(i, **extra):
    """A Reddit t3 child for post number I (1 is the oldest)."""
    d = {"subreddit": "networking", "name": "t3_p%d" % i, "id": "p%d" % i,
         "title": "Acme router %d &amp; firmware \u2014 anyone?" % i,
         "selftext": "Is the Acme X%d still dropping Wi-Fi? \U0001F629" % i,
         "author": "user%d" % i, "score": 10 + i, "num_comments": i,
         "permalink": "/r/networking/comments/p%d/acme_router_%d/" % (i, i),
         "created_utc": 1716200000.0 + 60 * i}
    d.update(extra)
    return {"kind": "t3", "data": d}


def listing(children):
    """A Reddit listing of CHILDREN, newest first as Reddit sends them."""
    return json.dumps({"kind": "Listing", "data": {
        "after": children[-1]["data"].get("name") if children else None,
        "before": None, "dist": len(children), "modhash": "",
        "children": children}})


def source(url):
    return "\n".join([
        # The items are from 2023: wanted on a first run too.
        "plugin = jsonpoll", "url = %s" % url, "interval = 1s", "backfill = all",
        "items = data.children", "id = data.name", "title = data.title",
        "text = data.selftext | data.title", "link = data.permalink",
        "url_base = https://www.reddit.com", "author = data.author",
        "published = data.created_utc", "score = data.score",
        "replies = data.num_comments", "cursor = data.name",
        "cursor_param = before", "newest = first",
        "headers = User-Agent: mentiond-test/1 | X-Client: it"])


def poll_config(sc, r, url):
    return config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                  sources={"reddit": source(url)})


def new_lines(log):
    """The connector's "N new items" log lines."""
    return [line for line in log.splitlines() if " new item" in line]


def test_mapping_cursor_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route("/r/acme/new.json", listing([post(2), post(1)]))
        url = h.base + "/r/acme/new.json?limit=25&raw_json=1"
        d = sc.add(Daemon(sc.tmp, poll_config(sc, r, url)))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == ["reddit:t3_p1", "reddit:t3_p2"], got
        # Oldest first in the stream, though the listing is newest first.
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["reddit:t3_p1", "reddit:t3_p2"]
        m = got["reddit:t3_p2"]
        assert m["plugin"] == "jsonpoll" and m["source_id"] == "t3_p2", m
        assert m["url"] == "https://www.reddit.com/r/networking/comments/p2/acme_router_2/", m
        assert m["title"].startswith("Acme router 2"), m
        assert "\u2014" in m["title"], m
        assert "Acme X2 still dropping" in m["text"] and "\U0001F629" in m["text"], m
        assert "user2" in json.dumps(m["author"]), m
        assert m["published_at"].startswith("2024-05-20T10:15:20"), m
        assert m["metrics"].get("score") == 12 and m["metrics"].get("replies") == 2, m

        # The next request carries the newest item's name as `before`,
        # the configured query kept, the headers sent.
        def cursored():
            return [q for q in h.requests("/r/acme/new.json") if "before=t3_p2" in q["path"]]
        wait_for("a request with before=t3_p2", cursored)
        q = cursored()[0]
        assert "limit=25" in q["path"] and "raw_json=1" in q["path"], q
        assert q["headers"].get("User-Agent") == "mentiond-test/1", q["headers"]
        assert q["headers"].get("X-Client") == "it", q["headers"]
        assert q["headers"].get("Accept") == "application/json", q["headers"]
        assert "Authorization" not in q["headers"], q["headers"]
        assert h.requests("/r/acme/new.json")[0]["path"].count("before=") == 0

        # The server ignores the cursor: it sends everything again, and one
        # new post. Only the new post is emitted, and nothing more after.
        h.route("/r/acme/new.json", listing([post(3), post(2), post(1)]))
        wait_for("the third mention", lambda: r.client.xlen("t:mentions") >= 3)
        assert [k for k, _ in entries(r.client, "t:mentions")][2] == "reddit:t3_p3"
        wait_for("a request with before=t3_p3",
                 lambda: [q for q in h.requests("/r/acme/new.json") if "before=t3_p3" in q["path"]])
        n0 = len(h.requests("/r/acme/new.json"))
        wait_for("two more polls", lambda: len(h.requests("/r/acme/new.json")) >= n0 + 2)
        # The pipeline's dedup would hide repeats from the stream: the log
        # says what the connector itself emitted.
        lines = new_lines(d.logtext())
        assert len(lines) == 2, lines
        assert "2 new items" in lines[0] and "1 new item," in lines[1], lines

        # A restart sends the saved cursor at once and repeats nothing.
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.requests("/r/acme/new.json"))
        before = len(d.logtext())
        d2 = sc.add(Daemon(sc.tmp, poll_config(sc, r, url)))
        d2.wait_ready()
        wait_for("two polls after the restart", lambda: len(h.requests("/r/acme/new.json")) >= n0 + 2)
        first = h.requests("/r/acme/new.json")[n0]
        assert "before=t3_p3" in first["path"], first
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert new_lines(d2.logtext()[before:]) == [], d2.logtext()[before:]


def test_errors_survived():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        good = listing([post(5), post(4, author="[deleted]", selftext="[deleted]"),
                        {"kind": "t3", "data": {"title": "no name, skipped"}}])
        cut = good[:len(good) // 2]
        ctype = {"Content-Type": "application/json"}
        h.script("/api/new", [
            {"status": 429, "headers": {"Retry-After": "1"}, "body": "slow down"},
            {"status": 500, "body": "oops"},
            {"status": 200, "headers": ctype, "body": cut},
            {"status": 200, "headers": ctype, "body": cut},
            {"status": 200, "headers": ctype, "body": good}])
        # A cursor parameter already in the URL is replaced, not repeated.
        d = sc.add(Daemon(sc.tmp, poll_config(sc, r, h.base + "/api/new?before=seed&limit=5")))
        d.wait_ready()
        wait_for("2 mentions after the errors", lambda: r.client.xlen("t:mentions") >= 2, timeout=20)
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["reddit:t3_p4", "reddit:t3_p5"], keys
        reqs = h.requests("/api/new")
        assert len(reqs) >= 5, reqs
        # Retry-After: 1 was honoured.
        assert reqs[1]["time"] - reqs[0]["time"] >= 0.9, [q["time"] for q in reqs]
        log = d.logtext()
        assert "HTTP 429" in log and "HTTP 500" in log, log
        # The truncated body: logged once, with where it broke.
        assert log.count("JSON ends early") == 1, log
        assert "truncated?" in log and "at byte %d" % len(cut) in log, log
        assert "usable again" in log, log
        # The item without a name is skipped with its reason.
        assert "1 of 3 items skipped (item 2: no id at 'data.name')" in log, log
        wait_for("a request with the cursor", lambda: [
            q for q in h.requests("/api/new") if "before=t3_p5" in q["path"]])
        q = [q for q in h.requests("/api/new") if "before=t3_p5" in q["path"]][0]
        assert q["path"] == "/api/new?limit=5&before=t3_p5", q["path"]
        assert reqs[0]["path"] == "/api/new?before=seed&limit=5", reqs[0]["path"]
        assert d.proc.poll() is None


def parse(args, name):
    """`mentionctl parse jsonpoll` with options ARGS on fixture NAME."""
    return apiserver.parse("jsonpoll", os.path.join(FIXTURES, name), *args)


def test_parse_fixtures():
    rc, ms, err = parse(["--set", "items=data.children", "--set", "id=data.name",
                         "--set", "title=data.title", "--set", "text=data.selftext",
                         "--set", "link=data.permalink", "--set", "url_base=https://www.reddit.com",
                         "--set", "author=data.author", "--set", "published=data.created_utc"],
                        "reddit_new.json")
    assert rc == 0, err
    assert [m["id"] for m in ms] == ["t3_1cz7aa", "t3_1cz7zz", "t3_1cz8b2", "t3_1cz9x1"], ms
    assert ms[0]["author"] == "m\u00fcller" and ms[0]["title"] == "Acme Router f\u00e4llt aus", ms[0]
    assert ms[0]["url"] == "https://www.reddit.com/r/de/comments/1cz7aa/acme_router_fallt_aus/"
    assert ms[3]["published"] == "2024-05-20T10:13:20Z" and ms[3]["text"].startswith("Is the **Acme**")
    assert ms[2]["text"] == "" and ms[2]["title"].startswith("Acme&amp;Co"), ms[2]

    # newest = last reverses nothing: the order of the document is kept.
    rc, ms2, err = parse(["--set", "items=data.children", "--set", "id=data.name",
                          "--set", "title=data.title", "--set", "newest=last"], "reddit_new.json")
    assert rc == 0 and [m["id"] for m in ms2] == ["t3_1cz9x1", "t3_1cz8b2", "t3_1cz7zz", "t3_1cz7aa"]

    rc, ms, err = parse(["--set", "text=content | reblog.content", "--set", "link=url | reblog.url | uri",
                         "--set", "author=account.acct", "--set", "author_name=account.display_name",
                         "--set", "published=created_at", "--set", "lang=language"],
                        "mastodon_tag.json")
    assert rc == 0, err
    assert [m["id"] for m in ms] == ["112468000000000001", "112469000000000002", "112470000000000003"]
    assert ms[1]["url"] == "https://other.example/@carol/99" and "review" in ms[1]["text"], ms[1]
    assert ms[1]["author"] == "bob@other.example", ms[1]   # an empty display name
    assert ms[2]["author"] == "Ana B \u2603" and ms[2]["published"] == "2024-05-20T10:00:00Z"

    rc, ms, err = parse(["--set", "items=hits", "--set", "id=objectID", "--set", "title=title | story_title",
                         "--set", "text=story_text | comment_text", "--set", "link=url | story_url",
                         "--set", "published=created_at_i", "--set", "score=points"], "hn_algolia.json")
    assert rc == 0, err
    assert [m["id"] for m in ms] == ["40420002", "40420003"], ms
    assert ms[0]["title"] == "Acme raises prices" and ms[0]["url"] == "https://news.example/acme-prices"
    assert "1 of 3 items skipped (item 2: no text at" in err, err

    rc, ms, err = parse(["--set", "items=data.children"], "truncated.json")
    assert rc == 1 and ms == [], (rc, ms)
    assert "JSON ends early, inside a string, at byte 900" in err, err

    rc, ms, err = parse(["--set", "items=data.nope"], "reddit_new.json")
    assert rc == 1 and "no items at 'data.nope'" in err, err
    rc, ms, err = parse(["--set", "id=a..b"], "reddit_new.json")
    assert rc == 1 and "id: path 'a..b' has an empty name" in err, err


def test_bad_settings():
    """A cursor without its parameter, or a bad newest, stops the source
    with a clear reason; a missing token file too."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        cfg = config(sc.tmp, r.url, tracks={"acme": "query = acme"}, sources={
            "a": "plugin = jsonpoll\nurl = http://127.0.0.1:9/x\ncursor = id",
            "b": "plugin = jsonpoll\nurl = http://127.0.0.1:9/x\nnewest = middle",
            "c": "plugin = jsonpoll\nurl = http://127.0.0.1:9/x\ntoken_file = %s/none" % sc.tmp})
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        d.wait_log("cursor and cursor_param go together")
        d.wait_log("newest: 'middle' is not first or last")
        d.wait_log("cannot read %s/none" % sc.tmp)


if __name__ == "__main__":
    run([test_mapping_cursor_restart, test_errors_survived, test_parse_fixtures, test_bad_settings])
