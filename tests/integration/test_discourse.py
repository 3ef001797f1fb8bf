"""test_discourse.py - the discourse connector against tests/tools/httpd.py
serving /posts.json bodies shaped like Discourse's (cooked HTML with
relative links, small actions, whispers, deleted and hidden posts, unicode
titles) for two forums, one of them in a subfolder: posts become mentions
with /t/slug/topic/number links, a poll pages back with ?before=ID down to
the cursor and no further, the page bound is logged, a restart repeats
nothing, 429, 502, 404 and truncated JSON are survived, and the saved bodies
under tests/plugins/discourse parse as expected."""
import json
import time

from apiserver import (Httpd, check_fixtures, fixture, iso, parse, response, truncated,
                       assert_failed_once, assert_works_again)
from harness import Daemon, Redis, Scenario, config, entries, run, wait_for

T0 = int(time.time()) - 600


def post(i, topic=77, kind=1, **extra):
    p = {"id": i, "name": "Ünïcode %d" % i, "username": "user%d" % i,
         "avatar_template": "/user_avatar/f/user%d/{size}/1_2.png" % i,
         "created_at": iso(T0 + i, frac=".123"),
         "cooked": '<p>Acme post %d, see <a href="/t/faq/1">faq</a> &amp; more</p>' % i,
         "post_number": i % 50 + 1, "post_type": kind, "reply_count": i % 3,
         "topic_id": topic, "topic_slug": "acme-topic-%d" % topic,
         "topic_title": "Acme topic %d" % topic, "category_id": 4,
         "actions_summary": [{"id": 2, "count": i % 7}], "hidden": False,
         "deleted_at": None, "user_deleted": False, "yours": False}
    p.update(extra)
    return p


def page(ids, **extra):
    return {"latest_posts": [post(i, **extra) for i in ids]}


def discourse_config(sc, r, forums, extra=""):
    return config(sc.tmp, r.url, tracks={"acme": "query = acme"},
                  sources={"forums": "plugin = discourse\nforums = %s\ninterval = 1s%s"
                           % (" ".join(forums), extra)})


def ids(r):
    return [k for k, _ in entries(r.client, "t:mentions")]


def test_latest_before_paging_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        a, b = h.base, h.base + "/community/"
        h.route("/posts.json", page(range(110, 100, -1)))
        # Forum b: a small action and a whisper, which are not mentions.
        h.route("/community/posts.json", {"latest_posts": [
            post(5), post(4, kind=3, cooked=""), post(3, kind=4), post(2, deleted_at=iso(T0)),
            post(1, topic=9, topic_slug="", topic_title="Q&amp;A “Acme”")]})
        d = sc.add(Daemon(sc.tmp, discourse_config(sc, r, [a, b])))
        d.wait_ready()
        wait_for("12 mentions", lambda: r.client.xlen("t:mentions") >= 12)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == sorted(["forums:%s/p/%d" % (a, i) for i in range(101, 111)] +
                                     ["forums:%s/community/p/%d" % (a, i) for i in (1, 5)]), got
        m = got["forums:%s/p/105" % a]
        assert m["url"] == "%s/t/acme-topic-77/77/%d" % (a, 105 % 50 + 1), m
        assert m["title"] == "Acme topic 77", m
        assert "Acme post 105" in m["text"] and "<" not in m["text"], m
        assert "user105" in json.dumps(m["author"]), m
        q = got["forums:%s/community/p/1" % a]
        assert q["title"] == "Q&A “Acme”" and q["url"] == "%s/community/t/topic/9/2" % a, q
        # Oldest first.
        assert ids(r)[:10] == ["forums:%s/p/%d" % (a, i) for i in range(101, 111)], ids(r)
        # A first run reads one page.
        assert not [q for q in h.requests() if "before=" in q["path"]], h.requests()

        # 25 new posts: three pages, the third reaching the cursor (110).
        h.route("/posts.json?before=126", page(range(125, 115, -1)))
        h.route("/posts.json?before=116", page(range(115, 105, -1)))
        h.route("/posts.json", page(range(135, 125, -1)))
        d.wait_log("%s: 25 new posts" % a)
        wait_for("37 mentions", lambda: r.client.xlen("t:mentions") >= 37)
        assert ids(r)[12:] == ["forums:%s/p/%d" % (a, i) for i in range(111, 136)], ids(r)[12:]
        befores = [q["path"] for q in h.requests("/posts.json?")]
        assert "/posts.json?before=126" in befores and "/posts.json?before=116" in befores
        assert "/posts.json?before=106" not in befores, befores
        assert all(q["headers"].get("Accept") == "application/json" for q in h.requests())

        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.requests("/posts.json"))
        before = len(d.logtext())
        d2 = sc.add(Daemon(sc.tmp, discourse_config(sc, r, [a, b])))
        d2.wait_ready()
        wait_for("two polls after the restart", lambda: len(h.requests("/posts.json")) >= n0 + 2)
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert " new post" not in d2.logtext()[before:], d2.logtext()[before:]


def test_errors_and_page_bound():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        first = page([20, 19])
        h.script("/posts.json", [
            response(first),
            response({"errors": ["You’ve performed this action too many times."],
                      "error_type": "rate_limit"}, 429, {"Retry-After": "1"}),
            response("<html>502 Bad Gateway</html>", 502),
            response("<html>502 Bad Gateway</html>", 502),
            response(truncated(page(range(60, 50, -1)))),
            response(page(range(60, 50, -1)))])
        # The bound: two pages (60..51, 50..41) and the cursor (20) not reached.
        h.route("/posts.json?before=51", page(range(50, 40, -1)))
        h.route("/gone/posts.json", {"errors": ["The requested URL or resource could not "
                                                "be found."], "error_type": "not_found"}, 404)
        d = sc.add(Daemon(sc.tmp, discourse_config(sc, r, [h.base, h.base + "/gone"],
                                                   "\nmax_pages = 2")))
        d.wait_ready()
        wait_for("the first page", lambda: r.client.xlen("t:mentions") >= 2)
        d.wait_log("%s: 20 new posts" % h.base, timeout=40)
        wait_for("22 mentions", lambda: r.client.xlen("t:mentions") >= 22)
        d.wait_log("works again after")
        assert ids(r)[2:] == ["forums:%s/p/%d" % (h.base, i) for i in range(41, 61)], ids(r)
        log = d.logtext()
        # Each failure once, by the host, with the status and the next
        # try: the second 502 in a row is not logged again.
        what = "%s/posts.json" % h.base
        assert_failed_once(log, "forums", what, "HTTP 429")
        assert_failed_once(log, "forums", what, "HTTP 502")
        assert_failed_once(log, "forums", what, "page 1: broken JSON at byte")
        assert_works_again(log, "forums", 4)
        # A forum refused round after round: said once.
        wait_for("the refused forum asked 3 times",
                 lambda: len(h.requests("/gone/posts.json")) >= 3, timeout=20)
        log = d.logtext()
        assert log.count("%s/gone/posts.json: HTTP 404: The requested URL" % h.base) == 1, log
        assert "2 pages of new posts and more: those below post 41 are skipped" in log, log
        assert "/posts.json?before=41" not in [q["path"] for q in h.requests()]
        assert d.proc.poll() is None


def test_parse_fixtures():
    assert check_fixtures("discourse", "--url", "https://forum.example.org/posts.json") >= 1
    rc, got, err = parse("discourse", fixture("discourse", "truncated.json"))
    assert rc == 0 and got == [] and "broken JSON at byte" in err, (rc, got, err)
    rc, got, err = parse("discourse", fixture("discourse", "notdiscourse.json"))
    assert rc == 1 and "not a Discourse posts.json body" in err, (rc, got, err)
    # Without --url the links are the forum setting's.
    rc, got, err = parse("discourse", fixture("discourse", "latest.json"),
                         "--set", "forum=https://talk.example.net/forum/")
    assert rc == 0 and got[0]["url"].startswith("https://talk.example.net/forum/t/"), got


if __name__ == "__main__":
    run([test_parse_fixtures, test_latest_before_paging_restart, test_errors_and_page_bound])
