"""test_stackexchange.py - the stackexchange connector against
tests/tools/httpd.py serving gzipped API wrappers shaped like the real
API's (HTML-escaped titles and display names, deleted owners, answers among
questions, comments without links): questions and comments become
mentions, the cursor is sent as fromdate on the next request and the ids of
its second are not emitted twice, has_more pages on, a restart repeats
nothing, the method's backoff is honoured (the gap between requests is
measured), a used-up quota stops requests, error bodies (bad_parameter,
throttle_violation with its wait) are logged and obeyed, 429, 503 and
truncated JSON are survived, an app key from key_file is sent, more new
questions than max_pages holds all come, over the next polls, against a
server that filters and pages as the API does, and the saved bodies under
tests/plugins/stackexchange parse as expected."""
import json
import os
import time

from apiserver import (Httpd, JsonServer, assert_failed_once, assert_works_again, check_fixtures,
                       fixture, parse, query, response, truncated)
from harness import Daemon, Redis, Scenario, config, entries, run, wait_for

T0 = int(time.time()) - 600
SEARCH = "/2.3/search/advanced"


def question(i, t, **extra):
    q = {"tags": ["acme"], "owner": {"account_id": i, "reputation": 10 + i, "user_id": 500 + i,
                                     "user_type": "registered",
                                     "display_name": "J&#246;rg %d &amp; co" % i,
                                     "link": "https://stackoverflow.com/users/%d/x" % (500 + i)},
         "is_answered": False, "view_count": 3, "answer_count": i % 4, "score": i % 5,
         "last_activity_date": t, "creation_date": t, "question_id": 7000 + i,
         "content_license": "CC BY-SA 4.0",
         "link": "https://stackoverflow.com/questions/%d/acme-%d" % (7000 + i, i),
         "title": "Acme &quot;thing&quot; %d &lt;broken&gt;" % i,
         "body": "<p>Acme question %d &amp; details</p>" % i}
    q.update(extra)
    return q


def wrapper(items, has_more=False, quota=290, **extra):
    w = {"items": items, "has_more": has_more, "quota_max": 300, "quota_remaining": quota}
    w.update(extra)
    return w


def gz(doc, status=200, headers=None):
    return response(doc, status, headers, gzip=True)


def se_config(sc, r, h, tracks=None, extra=""):
    return config(sc.tmp, r.url, tracks=tracks or {"acme": "query = acme"},
                  sources={"se": "plugin = stackexchange\napi = %s/\ninterval = 1s%s"
                           % (h.base, extra)})


def ids(r):
    return [k for k, _ in entries(r.client, "t:mentions")]


def test_search_cursor_gzip_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script(SEARCH, [
            gz(wrapper([question(1, T0 - 100), question(2, T0 - 50)])),
            # The cursor's second again (q2) and a new one; more to come.
            gz(wrapper([question(2, T0 - 50), question(3, T0 + 10)], has_more=True)),
            gz(wrapper([question(3, T0 + 10)], has_more=False))])
        h.script("/2.3/comments", [gz(wrapper([
            {"owner": {"display_name": "Carol"}, "creation_date": T0 - 20, "post_id": 7001,
             "comment_id": 99001, "score": 1, "body": "acme comment <b>here</b>"}]))])
        d = sc.add(Daemon(sc.tmp, se_config(sc, r, h, extra="\ncomments = yes")))
        d.wait_ready()
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        got = dict(entries(r.client, "t:mentions"))
        assert sorted(got) == ["se:c99001", "se:q7001", "se:q7002"], got
        m = got["se:q7001"]
        assert m["title"] == 'Acme "thing" 1 <broken>', m
        assert m["url"] == "https://stackoverflow.com/questions/7001/acme-1", m
        assert "J\u00f6rg 1 & co" in json.dumps(m["author"], ensure_ascii=False), m
        assert m["text"] == "Acme question 1 & details", m
        c = got["se:c99001"]
        assert c["url"] == "https://stackoverflow.com/posts/comments/99001", c
        assert ids(r)[:2] == ["se:q7001", "se:q7002"], ids(r)

        reqs = h.requests(SEARCH)
        first = query(reqs[0])
        assert first["site"] == "stackoverflow" and first["q"] == "acme", first
        assert first["sort"] == "creation" and first["order"] == "asc", first
        assert first["pagesize"] == "100" and first["filter"] == "withbody", first
        assert abs(int(first["fromdate"]) - (time.time() - 3600)) < 60, first
        assert "key" not in first, first
        assert "gzip" in reqs[0]["headers"].get("Accept-Encoding", ""), reqs[0]["headers"]
        d.wait_log("without an app key")

        # The next poll sends the cursor, skips q2, emits q3, pages on.
        d.wait_log('search "acme": 1 new')
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") >= 4)
        reqs = h.requests(SEARCH)
        assert query(reqs[1])["fromdate"] == str(T0 - 50), reqs[1]
        # More to come: the query again from the newest second read.
        assert query(reqs[2])["page"] == "1" and query(reqs[2])["fromdate"] == str(T0 + 10)
        assert ids(r)[3:] == ["se:q7003"], ids(r)
        assert d.logtext().count('search "acme": ') == 2, d.logtext()
        cq = query(h.requests("/2.3/comments")[0])
        assert cq["site"] == "stackoverflow" and "q" not in cq, cq

        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.requests(SEARCH))
        before = len(d.logtext())
        d2 = sc.add(Daemon(sc.tmp, se_config(sc, r, h, extra="\ncomments = yes")))
        d2.wait_ready()
        wait_for("two polls after the restart", lambda: len(h.requests(SEARCH)) >= n0 + 2)
        assert query(h.requests(SEARCH)[n0])["fromdate"] == str(T0 + 10)
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert " new" not in d2.logtext()[before:], d2.logtext()[before:]


def test_backoff_and_key():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script(SEARCH, [gz(wrapper([question(1, T0)], backoff=2))])
        key = os.path.join(sc.tmp, "se.key")
        with open(key, "w") as f:
            f.write("abc(key)\n")
        d = sc.add(Daemon(sc.tmp, se_config(sc, r, h, tracks={"acme": "query = acme OR widget"},
                                            extra="\nkey_file = %s" % key)))
        d.wait_ready()
        wait_for("4 search requests", lambda: len(h.requests(SEARCH)) >= 4, timeout=20)
        reqs = h.requests(SEARCH)
        gaps = [b["time"] - a["time"] for a, b in zip(reqs, reqs[1:])]
        # Two terms a poll: without the backoff the second would follow at once.
        assert all(g >= 1.95 for g in gaps[:3]), gaps
        assert {query(q)["q"] for q in reqs} == {"acme", "widget"}, reqs
        assert all(query(q)["key"] == "abc(key)" for q in reqs), reqs
        assert "key=abc%28key%29" in reqs[0]["path"], reqs[0]
        log = d.logtext()
        assert "the API asks for 2 s between search/advanced requests" in log, log
        assert "with the app key from key_file" in log, log
        assert "abc(key)" not in log, log


def test_quota_used_up():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.script(SEARCH, [gz(wrapper([question(1, T0)], quota=1)),
                          gz(wrapper([question(2, T0 + 1)], quota=0))])
        d = sc.add(Daemon(sc.tmp, se_config(sc, r, h)))
        d.wait_ready()
        d.wait_log("is used up: no request until")
        n = len(h.requests(SEARCH))
        assert n == 2, h.requests(SEARCH)
        log = d.logtext()
        assert "API quota low: 1 of 300 requests left today" in log, log
        assert "the day's API quota (300 requests) is used up: no request until" in log, log
        assert "00:00 UTC" in log, log
        # What the last page held is emitted; nothing is asked for after it.
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2)
        time.sleep(3)
        assert len(h.requests()) == n, h.requests()


def test_errors_survived():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        good = wrapper([question(7, T0)])
        h.script(SEARCH, [
            response("busy\n", 429, {"Retry-After": "1", "Content-Type": "text/plain"}),
            response("<html>503 Service Unavailable</html>", 503),
            response("<html>503 Service Unavailable</html>", 503),
            gz({"error_id": 400, "error_name": "bad_parameter",
                "error_message": "q is too long"}, 400),
            gz(truncated(good)),
            gz(good),
            gz({"error_id": 502, "error_name": "throttle_violation",
                "error_message": "too many requests from this IP, more requests available "
                                 "in 3 seconds"}, 400),
            gz(wrapper([question(8, T0 + 5), question(7, T0)]))])
        key = os.path.join(sc.tmp, "se.key")
        with open(key, "w") as f:
            f.write("abc(key)\n")
        d = sc.add(Daemon(sc.tmp, se_config(sc, r, h, extra="\nkey_file = %s" % key)))
        d.wait_ready()
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") >= 2, timeout=50)
        assert ids(r) == ["se:q7007", "se:q7008"], ids(r)
        log = d.logtext()
        # Each failed round once, by the host, with the status and the next
        # try: the second 503 in a row is not logged again.
        assert_failed_once(log, "se", 'search "acme"', "HTTP 429")
        assert_failed_once(log, "se", 'search "acme"', "HTTP 503")
        assert_works_again(log, "se", 3)
        # A refusal of this term alone: the round goes on, the connector says.
        assert 'search "acme": API error 400 bad_parameter: q is too long (HTTP 400)' in log, log
        assert_failed_once(log, "se", 'search "acme"', "page 1: broken JSON at byte")
        assert_failed_once(log, "se", 'search "acme"',
                           "API error 502 throttle_violation: too many requests from this "
                           "IP, more requests available in 3 seconds (HTTP 400)")
        assert "throttled: no request for 3 s" in log, log
        # What the host logs names the search, never the URL with the key.
        assert "abc(key)" not in log and "abc%28key%29" not in log and "key=" not in log, log
        reqs = h.requests(SEARCH)
        assert all(query(q)["key"] == "abc(key)" for q in reqs), reqs
        assert reqs[7]["time"] - reqs[6]["time"] >= 2.9, [q["time"] for q in reqs]
        assert d.proc.poll() is None


class Site(JsonServer):
    """A Stack Exchange API over a list of questions that may grow: search/
    advanced and comments answer as the real API does, filtering by
    fromdate (inclusive), sorting by creation in the order asked, paging by
    page and pagesize, has_more when more follow. FN, when set, is called
    with each request's query after its answer is made."""

    def __init__(self, questions, fn=None):
        self.questions = list(questions)
        self.log = []
        super().__init__(fn)

    def answer(self, path, q, headers):
        self.log.append(q)
        items = [] if path != SEARCH else \
            [x for x in self.questions if x["creation_date"] >= int(q["fromdate"])]
        items.sort(key=lambda x: (x["creation_date"], x["question_id"]),
                   reverse=q.get("order", "desc") == "desc")
        size, page = int(q["pagesize"]), int(q["page"])
        return 200, wrapper(items[(page - 1) * size:page * size],
                            has_more=len(items) > page * size)

    def add(self, questions):
        with self.lock:
            self.questions.extend(questions)


def test_more_than_max_pages_come_later():
    # 250 new questions since the cursor and max_pages = 1: a poll reads one
    # page of them, and the others come at the next polls; none is lost,
    # none repeated, all in order.
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        site = sc.add(Site([question(0, T0 - 100)]))
        d = sc.add(Daemon(sc.tmp, se_config(sc, r, site, extra="\nmax_pages = 1")))
        d.wait_ready()
        wait_for("the first question", lambda: r.client.xlen("t:mentions") >= 1)
        site.add([question(k, T0 + k) for k in range(1, 251)])
        try:
            wait_for("251 mentions", lambda: r.client.xlen("t:mentions") >= 251, timeout=30)
        except AssertionError:
            pass
        time.sleep(2)
        got = ids(r)
        missing = sorted(set("se:q%d" % (7000 + k) for k in range(251)) - set(got))
        assert not missing, ("%d of 251 emitted, missing" % len(got), missing)
        assert got == ["se:q%d" % (7000 + k) for k in range(251)], got


def test_question_gone_between_pages():
    # 250 new questions; once the first page of them is read, question 50
    # on it is deleted (the site deletes spam fast): the result shifts by
    # one, and no other question may be lost at the next page's boundary.
    def delete_after_first_page(site, q):
        if q.get("page") == "1" and int(q["fromdate"]) == T0 - 100 and \
                any(x["question_id"] == 7050 for x in site.questions):
            site.questions = [x for x in site.questions if x["question_id"] != 7050]

    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        site = sc.add(Site([question(0, T0 - 100)], delete_after_first_page))
        d = sc.add(Daemon(sc.tmp, se_config(sc, r, site)))
        d.wait_ready()
        wait_for("the first question", lambda: r.client.xlen("t:mentions") >= 1)
        site.add([question(k, T0 + k // 2) for k in range(1, 251)])
        try:
            wait_for("251 mentions", lambda: r.client.xlen("t:mentions") >= 251, timeout=20)
        except AssertionError:
            pass
        time.sleep(2)
        got = ids(r)
        # Question 50 was read before it went: every one is emitted.
        want = ["se:q%d" % (7000 + k) for k in range(251)]
        assert sorted(set(want) - set(got)) == [], ("missing", sorted(set(want) - set(got)))
        assert got == want, got


def test_parse_fixtures():
    assert check_fixtures("stackexchange") >= 2
    rc, got, err = parse("stackexchange", fixture("stackexchange", "throttle.json"))
    assert rc == 0 and got == [] and "API error 502 throttle_violation" in err, (rc, got, err)
    rc, got, err = parse("stackexchange", fixture("stackexchange", "truncated.json"))
    assert rc == 0 and got == [] and "broken JSON at byte" in err, (rc, got, err)
    rc, got, err = parse("stackexchange", fixture("stackexchange", "notse.json"))
    assert rc == 1 and "not a Stack Exchange API body" in err, (rc, got, err)
    rc, got, err = parse("stackexchange", fixture("stackexchange", "comments.json"),
                         "--set", "site=unix")
    assert got[0]["url"] == "https://unix.stackexchange.com/posts/comments/138001234", got


if __name__ == "__main__":
    run([test_parse_fixtures, test_search_cursor_gzip_restart, test_backoff_and_key,
         test_quota_used_up, test_errors_survived, test_more_than_max_pages_come_later,
         test_question_gone_between_pages])
