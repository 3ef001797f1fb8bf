"""test_feed.py - the feed connector against tests/tools/httpd.py serving an
RSS feed: entries become mentions (links resolved against the feed URL, the
author and title kept), a new entry is emitted when the feed changes, the
entries already emitted are not emitted again after a restart (the cursor of
seen ids in the source state), and a broken feed still gives its entries."""
import email.utils
import json
import os
import time

import apiserver
from harness import Daemon, Redis, Scenario, config, entries, run, wait_for



class Httpd(apiserver.Httpd):
    """apiserver's, serving feeds (RSS unless told otherwise)."""

    def route(self, path, body, ctype="application/rss+xml; charset=utf-8"):
        self.script(path, [{"status": 200, "headers": {"Content-Type": ctype}, "body": body}])

def item(i, extra=""):
    return ("<item><title>Acme news %d</title><link>/posts/%d</link><guid>acme-%d</guid>"
            "<dc:creator>Writer %d</dc:creator><description>&lt;p&gt;Acme router %d is "
            "broken&lt;/p&gt;</description><pubDate>Tue, 10 Jun 2003 04:0%d:00 GMT</pubDate>"
            "%s</item>" % (i, i, i, i, i, i, extra))


def rss(items, tail="</channel></rss>"):
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<channel><title>Acme</title>" + "".join(items) + tail)


def feed_config(sc, r, url, backfill="all"):
    """The items of these tests are from 2003: every one is wanted unless
    BACKFILL bounds a first run."""
    return config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                  sources={"news": "plugin = feed\nurl = %s\ninterval = 1s\nbackfill = %s" % (url, backfill)})


def dated(i, seconds_ago):
    """Item I published SECONDS_AGO."""
    when = email.utils.formatdate(time.time() - seconds_ago, usegmt=True)
    return item(i).replace("Tue, 10 Jun 2003 04:0%d:00 GMT" % i, when)


def test_poll_new_and_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route("/feed.xml", rss([item(2), item(1)]))
        d = sc.add(Daemon(sc.tmp, feed_config(sc, r, h.base + "/feed.xml")))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == ["news:acme-1", "news:acme-2"], got
        m = got["news:acme-1"]
        assert m["plugin"] == "feed" and m["source_id"] == "acme-1", m
        assert m["url"] == h.base + "/posts/1", m
        assert m["title"] == "Acme news 1", m
        assert "Writer 1" in json.dumps(m["author"]), m

        # The feed changes: only the new entry is emitted.
        h.route("/feed.xml", rss([item(3), item(2), item(1)]))
        wait_for("the third mention", lambda: r.client.xlen("t:mentions") >= 3)
        assert [k for k, _ in entries(r.client, "t:mentions")][2] == "news:acme-3"
        # The dedup would hide repeats from the stream: the log says what
        # the connector itself emitted.
        log = d.logtext()
        assert "feed.xml: 2 new entries" in log and "feed.xml: 1 new entry" in log, log
        assert log.count("new entr") == 2, log

        # After a restart, with a changed body (so no 304), nothing repeats:
        # the cursor, not the dedup, says these entries were emitted.
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.requests())
        before = len(d.logtext())  # both daemons append to the same log
        h.route("/feed.xml", rss([item(3), item(2), item(1)], "<!-- v2 --></channel></rss>"))
        d2 = sc.add(Daemon(sc.tmp, feed_config(sc, r, h.base + "/feed.xml")))
        d2.wait_ready()
        wait_for("a poll after the restart", lambda: len(h.requests()) >= n0 + 2)
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert "new entr" not in d2.logtext()[before:], d2.logtext()[before:]


def test_first_run_backfill():
    """A first run skips what is older than the backfill window (1 h by
    default) and says so; once a cursor is saved, an old item that appears
    is emitted like any other."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route("/feed.xml", rss([dated(1, 600), dated(2, 3 * 3600), dated(3, 30 * 86400)]))
        cfg = config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                     sources={"news": "plugin = feed\nurl = %s/feed.xml\ninterval = 1s" % h.base})
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("the recent mention", lambda: r.client.xlen("t:mentions") >= 1)
        d.wait_log("are history and are skipped")
        assert "more than 1h before the start" in d.logtext(), d.logtext()
        time.sleep(1.5)
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["news:acme-1"]
        rc, _ = d.stop()
        assert rc == 0

        # Not a first run any more: an old entry new to the feed is emitted.
        h.route("/feed.xml", rss([dated(4, 5 * 3600), dated(1, 600)]))
        d2 = sc.add(Daemon(sc.tmp, cfg))
        d2.wait_ready()
        wait_for("the old new entry", lambda: r.client.xlen("t:mentions") >= 2)
        assert [k for k, _ in entries(r.client, "t:mentions")] == ["news:acme-1", "news:acme-4"]


def test_feed_lists():
    """Several feeds in one source: a url, a urls list and a urls_file. The
    file is watched: rewritten as an OPML list that drops one feed and adds
    another, the new one is polled and the dropped one no more."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        for name, first in (("a", 10), ("b", 20), ("c", 30), ("d", 40)):
            h.route("/%s.xml" % name, rss([item(first), item(first + 1)]))
        lst = os.path.join(sc.tmp, "feeds.txt")
        with open(lst, "w") as f:
            f.write("# my feeds\n%s/c.xml\n\n  %s/b.xml   # twice: polled once\nnot-a-url\n" % (h.base, h.base))
        cfg = config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                     sources={"news": "plugin = feed\nurl = %s/a.xml\nurls = %s/b.xml, %s/a.xml\n"
                              "urls_file = %s\ninterval = 1s\nbackfill = all" % (h.base, h.base, h.base, lst)})
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("6 mentions", lambda: r.client.xlen("t:mentions") >= 6)
        d.wait_log("polling 3 feeds")
        d.wait_log("'not-a-url' is not an http(s) URL")
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys == ["news:acme-%d" % i for i in (10, 11, 20, 21, 30, 31)], keys

        tmp = lst + ".new"
        with open(tmp, "w") as f:
            f.write('<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>'
                    '<outline text="tech"><outline type="rss" text="D" xmlUrl="%s/d.xml"/></outline>'
                    '<outline type="rss" text="B" xmlUrl="%s/b.xml"/></body></opml>' % (h.base, h.base))
        os.rename(tmp, lst)
        wait_for("the added feed", lambda: r.client.xlen("t:mentions") >= 8)
        d.wait_log("c.xml: no longer listed, stopped")
        d.wait_log("feed list changed: 3 feeds")
        n = len([q for q in h.requests() if q["path"].startswith("/c.xml")])
        time.sleep(2.5)
        assert len([q for q in h.requests() if q["path"].startswith("/c.xml")]) == n
        assert len([q for q in h.requests() if q["path"].startswith("/d.xml")]) >= 2


def test_broken_feed():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        # Truncated in the middle of the third item.
        h.route("/broken.xml", rss([item(5), item(4), "<item><title>Acme cut sho"], ""))
        d = sc.add(Daemon(sc.tmp, feed_config(sc, r, h.base + "/broken.xml")))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        keys = sorted(k for k, _ in entries(r.client, "t:mentions"))
        assert keys[:2] == ["news:acme-4", "news:acme-5"], keys
        d.wait_log("broken feed")


if __name__ == "__main__":
    run([test_poll_new_and_restart, test_first_run_backfill, test_feed_lists, test_broken_feed])
