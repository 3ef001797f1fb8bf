"""test_lemmy.py - the lemmy connector against tests/tools/httpd.py serving
/api/v3/search responses shaped like Lemmy 0.19's (PostView and CommentView,
ap_ids of other instances, a published time without a zone, deleted and
removed items, unicode, "<" in markdown): each track term is searched for posts and
comments, the items become mentions, a poll pages back to the cursor and no
further, a restart repeats nothing, 429, 503 and truncated JSON are survived
and logged once each by the host,
and the saved bodies under tests/plugins/lemmy parse as expected."""
import json
import time

from apiserver import (Httpd, assert_failed_once, assert_works_again, check_fixtures, fixture,
                       iso, parse, query, response, truncated)
from harness import Daemon, Redis, Scenario, config, entries, run, wait_for

T0 = int(time.time()) - 600
EMPTY = {"posts": [], "comments": []}


def post(i, t, term="acme", body=None, url=None, zone="Z", instance="lemmy.world"):
    return {
        "post": {"id": i, "name": "%s post %d" % (term.capitalize(), i),
                 "body": body if body is not None else "About %s, number %d." % (term, i),
                 "url": url, "creator_id": 100 + i, "community_id": 7, "removed": False,
                 "locked": False, "deleted": False, "nsfw": False, "local": True,
                 "published": iso(t, zone, ".%06d" % (i % 1000000)),
                 "ap_id": "https://%s/post/%d" % (instance, i), "language_id": 37},
        "creator": {"id": 100 + i, "name": "user%d" % i, "display_name": "Üser %d" % i,
                    "actor_id": "https://%s/u/user%d" % (instance, i), "bot_account": False},
        "community": {"id": 7, "name": "tech"},
        "counts": {"post_id": i, "comments": i % 5, "score": 10 + i},
        "subscribed": "NotSubscribed", "saved": False, "read": False, "my_vote": None,
    }


def comment(i, t, term="acme"):
    return {
        "comment": {"id": i, "creator_id": 200 + i, "post_id": 1,
                    "content": "I said %s in comment %d" % (term, i), "removed": False,
                    "deleted": False, "published": iso(t, "", ".000001"),
                    "ap_id": "https://lemmy.ml/comment/%d" % i, "path": "0.%d" % i},
        "creator": {"id": 200 + i, "name": "bob%d" % i, "actor_id": "https://lemmy.ml/u/bob%d" % i},
        "post": {"id": 1, "name": "Some post"},
        "counts": {"comment_id": i, "score": 2, "child_count": 1},
    }


def search(term, kind, page=1):
    q = term.replace(" ", "%20")
    return ("/api/v3/search?q=%s&type_=%s&sort=New&listing_type=All&limit=50&page=%d"
            % (q, kind, page))


def lemmy_config(sc, r, h, extra=""):
    return config(sc.tmp, r.url, tracks={"acme": 'query = acme OR "blue widget"'},
                  sources={"lemmy": "plugin = lemmy\ninstance = %s/\ninterval = 1s%s"
                           % (h.base, extra)})


def mention_ids(r):
    return [k for k, _ in entries(r.client, "t:mentions")]


def test_search_page_to_cursor_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route("/api/v3/search", EMPTY)
        h.route(search("acme", "Posts"), {"posts": [
            post(2, T0 - 60, url="https://acme.example/news"),
            post(1, T0 - 120, zone="")], "comments": []})
        h.route(search("acme", "Comments"), {"posts": [], "comments": [comment(31, T0 - 90)]})
        h.route(search("blue widget", "Posts"), {"posts": [
            post(41, T0 - 30, term="blue widget", instance="feddit.de")], "comments": []})
        d = sc.add(Daemon(sc.tmp, lemmy_config(sc, r, h)))
        d.wait_ready()
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") >= 4)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == sorted([
            "lemmy:https://lemmy.world/post/1", "lemmy:https://lemmy.world/post/2",
            "lemmy:https://lemmy.ml/comment/31", "lemmy:https://feddit.de/post/41"]), got
        m = got["lemmy:https://lemmy.world/post/2"]
        assert m["plugin"] == "lemmy" and m["url"] == "https://lemmy.world/post/2", m
        assert m["title"] == "Acme post 2", m
        assert "https://acme.example/news" in m["text"] and "About acme" in m["text"], m
        assert "user2@lemmy.world" in json.dumps(m["author"], ensure_ascii=False), m
        assert "Üser 2" in json.dumps(m["author"], ensure_ascii=False), m
        # Oldest first within a job: post 1 before post 2.
        ids = mention_ids(r)
        assert ids.index("lemmy:https://lemmy.world/post/1") < \
            ids.index("lemmy:https://lemmy.world/post/2"), ids
        c = got["lemmy:https://lemmy.ml/comment/31"]
        assert c["title"] is None and "comment 31" in c["text"], c
        assert "bob31@lemmy.ml" in json.dumps(c["author"]), c

        wanted = {("acme", "Posts"), ("acme", "Comments"), ("blue widget", "Posts"),
                  ("blue widget", "Comments")}
        # The last job's request may come after the fourth mention is in.
        wait_for("every term and kind asked", lambda: wanted <= {
            (query(q)["q"], query(q)["type_"]) for q in h.requests("/api/v3/search")})
        reqs = h.requests("/api/v3/search")
        # A first run reads one page per term and kind.
        assert all(query(q)["page"] == "1" for q in reqs), [q["path"] for q in reqs]
        assert all(q["headers"].get("Accept") == "application/json" for q in reqs)

        # 52 new posts: page 1 is full, page 2 reaches the cursor (post 2),
        # page 3 is never asked for.
        new = [post(1000 + k, T0 + 100 - k) for k in range(52)]
        h.route(search("acme", "Posts", 2), {"posts": new[50:] + [
            post(2, T0 - 60), post(1, T0 - 120)], "comments": []})
        h.route(search("acme", "Posts", 1), {"posts": new[:50], "comments": []})
        d.wait_log('posts "acme": 52 new')
        wait_for("56 mentions", lambda: r.client.xlen("t:mentions") >= 56)
        pages = [query(q)["page"] for q in h.requests("/api/v3/search?q=acme&type_=Posts")]
        assert "2" in pages and "3" not in pages, pages
        ids = mention_ids(r)
        # Emitted oldest first: 1051 (the oldest new one) ... 1000.
        assert ids[-52:] == ["lemmy:https://lemmy.world/post/%d" % (1051 - k)
                             for k in range(52)], ids[-52:]
        assert d.logtext().count('posts "acme": 52 new') == 1

        # A restart with the same bodies emits nothing again.
        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.requests("/api/v3/search?q=acme&type_=Posts"))
        before = len(d.logtext())
        d2 = sc.add(Daemon(sc.tmp, lemmy_config(sc, r, h)))
        d2.wait_ready()
        wait_for("two rounds after the restart",
                 lambda: len(h.requests("/api/v3/search?q=acme&type_=Posts")) >= n0 + 2)
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert " new" not in d2.logtext()[before:], d2.logtext()[before:]


def test_errors_survived():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route("/api/v3/search", EMPTY)
        good = {"posts": [post(7, T0 - 10)], "comments": []}
        h.script(search("acme", "Posts"), [
            response({"error": "rate_limit_error"}, 429, {"Retry-After": "1"}),
            response("<html>bad gateway</html>", 503),
            response("<html>bad gateway</html>", 503),
            response(truncated(good)),
            response(good)])
        d = sc.add(Daemon(sc.tmp, lemmy_config(sc, r, h, "\ntypes = posts")))
        d.wait_ready()
        wait_for("the mention after the errors", lambda: r.client.xlen("t:mentions") >= 1,
                 timeout=40)
        assert mention_ids(r) == ["lemmy:https://lemmy.world/post/7"]
        d.wait_log("works again after")
        log = d.logtext()
        # The host logs each failure once, with the status and the next
        # try; the second 503 in a row is not logged again.
        assert_failed_once(log, "lemmy", 'search posts "acme"', "HTTP 429")
        assert_failed_once(log, "lemmy", 'search posts "acme"', "HTTP 503")
        assert_failed_once(log, "lemmy", 'search posts "acme"',
                           "page 1: broken JSON at byte")
        assert_works_again(log, "lemmy", 4)
        # types = posts: no comment searches at all.
        assert not h.requests("/api/v3/search?q=acme&type_=Comments")
        assert d.proc.poll() is None


def test_markdown_angle_brackets():
    # Lemmy's texts are markdown, in which raw HTML is shown as it is (the
    # renderer has no HTML): a "<" is a "<", not a tag that would take the
    # words after it away.
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route("/api/v3/search", EMPTY)
        c = comment(51, T0 - 90)
        c["comment"]["content"] = "Rust: `Vec<acme::Widget>` is slow when n<acme_max & more"
        h.route(search("acme", "Comments"), {"posts": [], "comments": [c]})
        p = post(52, T0 - 60, body="Add #include <acme.h> first.\n\nThen Tom &amp; Jerry.")
        h.route(search("acme", "Posts"), {"posts": [p], "comments": []})
        d = sc.add(Daemon(sc.tmp, lemmy_config(sc, r, h)))
        d.wait_ready()
        wait_for("the post", lambda: r.client.xlen("t:mentions") >= 1)
        time.sleep(2)
        got = dict(entries(r.client, "t:mentions"))
        assert "lemmy:https://lemmy.ml/comment/51" in got, got
        assert got["lemmy:https://lemmy.ml/comment/51"]["text"] == \
            "Rust: `Vec<acme::Widget>` is slow when n<acme_max & more", got
        # Lemmy 0.18 stored "&" as "&amp;": decoded, as in titles.
        assert got["lemmy:https://lemmy.world/post/52"]["text"] == \
            "Add #include <acme.h> first. Then Tom & Jerry.", got


def test_parse_fixtures():
    assert check_fixtures("lemmy") >= 2
    rc, got, err = parse("lemmy", fixture("lemmy", "truncated.json"))
    assert rc == 0 and got == [] and "broken JSON at byte" in err, (rc, got, err)
    rc, got, err = parse("lemmy", fixture("lemmy", "notlemmy.json"))
    assert rc == 1 and "not a Lemmy search response" in err, (rc, got, err)


if __name__ == "__main__":
    run([test_parse_fixtures, test_search_page_to_cursor_restart, test_errors_survived,
         test_markdown_angle_brackets])
