"""test_github.py - the github connector against tests/tools/httpd.py
serving /search/issues and /repos/OWNER/REPO/issues/comments bodies shaped
like GitHub's (null bodies, deleted users, pull requests among issues,
rate-limit headers): against a server that searches as GitHub does, a
search of 1,148 results, more than the 1,000 it gives, comes whole, each
full page followed by the query again from its last item's second, an item
deleted between two pages makes no other lost, the cursor is sent on the
next request and its second's ids are not emitted twice, a
restart repeats nothing, the token header is sent only when a token is
configured (token_file, $CREDENTIALS_DIRECTORY, the environment), without
one searches are paced 6 s apart and that is logged, comments of the repos
list come by since=, low rate limits are logged, 429, 403 with Retry-After,
502, 404 and truncated JSON are survived, and the saved bodies under
tests/plugins/github parse as expected."""
import calendar
import json
import os
import time
import urllib.parse

from apiserver import (Httpd, JsonServer, assert_failed_once, assert_works_again, check_fixtures,
                       fixture, iso, parse, query, response, truncated)
from harness import Daemon, Redis, Scenario, config, entries, run, wait_for

T0 = int(time.time()) - 1800
SEARCH = "/search/issues"
EMPTY = {"total_count": 0, "incomplete_results": False, "items": []}

for name in ("MENTIOND_GITHUB_TOKEN", "CREDENTIALS_DIRECTORY"):
    os.environ.pop(name, None)


def issue(k, t=None):
    t = T0 + k // 2 if t is None else t
    return {"url": "https://api.github.com/repos/acme/r/issues/%d" % k,
            "html_url": "https://github.com/acme/r/issues/%d" % k,
            "id": 100000 + k, "number": k, "title": "Acme issue %d" % k,
            "user": {"login": "user%d" % k, "type": "User"}, "state": "open",
            "comments": k % 4, "created_at": iso(t), "updated_at": iso(t + 5),
            "body": "Acme body %d" % k if k % 10 else None,
            "reactions": {"total_count": k % 3, "+1": k % 3}}


def results(items, total=None):
    return {"total_count": len(items) if total is None else total,
            "incomplete_results": False, "items": items}


SAYS = {1: "Acme support told me to reset the router twice and wait an hour",
        2: "Downgrading the firmware to version two fixed every Acme problem here",
        3: "Could the Acme team publish a changelog before shipping updates again?",
        9: "Edited much later: this old Acme remark should never come back"}


def comment(i, created, updated=None):
    # Texts of 8 words or more: the dedup takes shorter ones under one
    # link (the issue's, the fragment dropped) as shares of it.
    return {"html_url": "https://github.com/acme/router/issues/1#issuecomment-%d" % i,
            "id": i, "user": {"login": "c%d" % i}, "created_at": iso(created),
            "updated_at": iso(updated or created), "body": SAYS[i],
            "reactions": {"total_count": 1}}


def gh_config(sc, r, h, extra="", tracks=None):
    return config(sc.tmp, r.url, tracks=tracks or {"acme": "query = acme"},
                  sources={"gh": "plugin = github\napi = %s/\ninterval = 1s%s" % (h.base, extra)})


def created_from(req):
    q = query(req)["q"]
    assert " created:>=" in q, q
    return q.split(" created:>=")[1]


def ids(r):
    return [k for k, _ in entries(r.client, "t:mentions")]


class Search(JsonServer):
    """GitHub's issue search over a list of issues that may change: the
    query's created:>= filters, sort=created&order=asc orders (ties by
    number), per_page and page slice the result as it is at each request;
    past the first 1,000 results it answers 422, as GitHub does. FN, when
    set, is called with each request's query after its answer is made (to
    delete an issue between two pages, say). LOG holds each request's
    query and headers."""

    def __init__(self, issues, fn=None):
        self.issues = list(issues)
        self.log = []
        super().__init__(fn)

    def answer(self, path, q, headers):
        self.log.append({"query": q, "headers": headers})
        since = q.get("q", "").split(" created:>=")[-1]
        t = calendar.timegm(time.strptime(since, "%Y-%m-%dT%H:%M:%SZ"))
        found = sorted((i for i in self.issues if calendar.timegm(time.strptime(
            i["created_at"], "%Y-%m-%dT%H:%M:%SZ")) >= t),
            key=lambda i: (i["created_at"], i["number"]))
        size, page = int(q["per_page"]), int(q["page"])
        if page * size > 1000:
            return 422, {"message": "Only the first 1000 search results are available"}
        return 200, results(found[(page - 1) * size:page * size], len(found))


def test_search_cap_token_restart():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        # 1,148 results, more than the 1,000 the search gives of a query.
        h = sc.add(Search([issue(k) for k in range(1148)]))
        token = os.path.join(sc.tmp, "gh.token")
        with open(token, "w") as f:
            f.write("ghp_test123\n")
        extra = "\ntoken_file = %s\nsearch_gap = 50ms\nmax_pages = 15" % token
        d = sc.add(Daemon(sc.tmp, gh_config(sc, r, h, extra)))
        d.wait_ready()
        d.wait_log('search "acme": 1148 new', timeout=30)
        wait_for("1148 mentions", lambda: r.client.xlen("t:mentions") >= 1148, timeout=30)
        assert ids(r) == ["gh:https://github.com/acme/r/issues/%d" % k for k in range(1148)]
        m = dict(entries(r.client, "t:mentions"))["gh:https://github.com/acme/r/issues/21"]
        assert m["title"] == "Acme issue 21" and m["text"] == "Acme body 21", m
        assert m["url"] == "https://github.com/acme/r/issues/21", m
        assert "user21" in json.dumps(m["author"]), m

        # Each full page is followed by the query again from the cursor's
        # second (issue 99's, which issue 98 shares), at page 1: never
        # past the 1,000.
        reqs = [q["query"] for q in h.log]
        assert all(q["page"] == "1" for q in reqs), [q["page"] for q in reqs]
        first = created_from({"path": "/?" + urllib.parse.urlencode(reqs[0])})
        assert abs(calendar.timegm(time.strptime(first, "%Y-%m-%dT%H:%M:%SZ")) -
                   (time.time() - 3600)) < 60, first
        assert reqs[1]["q"] == "acme created:>=" + iso(T0 + 99 // 2), reqs[1]
        assert reqs[2]["q"] == "acme created:>=" + iso(T0 + 197 // 2), reqs[2]
        q0 = reqs[0]
        assert q0["q"].startswith("acme created:>=") and q0["sort"] == "created", q0
        assert q0["order"] == "asc" and q0["per_page"] == "100", q0
        hd = h.log[0]["headers"]
        assert hd.get("Authorization") == "Bearer ghp_test123", hd
        assert hd.get("Accept") == "application/vnd.github+json", hd
        assert hd.get("X-GitHub-Api-Version") == "2022-11-28", hd
        log = d.logtext()
        assert "with the token from token_file" in log and "ghp_test123" not in log, log
        # The next poll sends the cursor: the last issue's time.
        n = len(h.log)
        wait_for("the next poll", lambda: len(h.log) > n)
        assert h.log[n]["query"]["q"] == "acme created:>=" + iso(T0 + 1147 // 2), h.log[n]

        rc, _ = d.stop()
        assert rc == 0
        r.client.delete("t:mentions")
        n0 = len(h.log)
        before = len(d.logtext())
        d2 = sc.add(Daemon(sc.tmp, gh_config(sc, r, h, extra)))
        d2.wait_ready()
        wait_for("two polls after the restart", lambda: len(h.log) >= n0 + 2)
        assert h.log[n0]["query"]["q"] == "acme created:>=" + iso(T0 + 1147 // 2), h.log[n0]
        assert r.client.xlen("t:mentions") == 0, entries(r.client, "t:mentions")
        assert " new" not in d2.logtext()[before:], d2.logtext()[before:]


def test_unauthenticated_pacing():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        reset = int(time.time()) + 60
        h.route(SEARCH, EMPTY, headers={"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1",
                                        "X-RateLimit-Reset": str(reset),
                                        "X-RateLimit-Resource": "search"})
        d = sc.add(Daemon(sc.tmp, gh_config(sc, r, h, tracks={"acme": "query = acme OR widget"})))
        d.wait_ready()
        wait_for("2 searches", lambda: len(h.requests(SEARCH)) >= 2, timeout=15)
        reqs = h.requests(SEARCH)
        assert reqs[1]["time"] - reqs[0]["time"] >= 5.9, [q["time"] for q in reqs]
        assert {query(q)["q"].split(" ")[0] for q in reqs} == {"acme", "widget"}, reqs
        assert all("Authorization" not in q["headers"] for q in reqs), reqs
        log = d.logtext()
        assert "without a token" in log and "10 searches a minute, so one every 6.0 s" in log, log
        assert log.count("without a token") == 1, log
        assert "rate limit search: 1 of 10 requests left until %s" % iso(reset) in log, log
        assert log.count("rate limit search") == 1, log


def test_repo_comments():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        h.route(SEARCH, EMPTY)
        h.script("/repos/acme/router/issues/comments", [
            response([comment(1, T0), comment(2, T0 + 10)]),
            # An old comment edited now, the cursor's second again, a new one.
            response([comment(9, T0 - 5000, T0 + 15), comment(2, T0 + 10), comment(3, T0 + 20)])])
        h.route("/repos/acme/gone/issues/comments", {"message": "Not Found",
                                                     "documentation_url": "https://docs"}, 404)
        creds = os.path.join(sc.tmp, "creds")
        os.mkdir(creds)
        with open(os.path.join(creds, "github-token"), "w") as f:
            f.write("ghp_fromcreds")
        d = sc.add(Daemon(sc.tmp, gh_config(sc, r, h, "\nsearch_gap = 50ms\nrepos = acme/router,"
                                            " acme/gone"), env={"CREDENTIALS_DIRECTORY": creds}))
        d.wait_ready()
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        # A comment's id is its html_url without the scheme.
        base = "gh:github.com/acme/router/issues/1#issuecomment-%d"
        assert ids(r) == [base % 1, base % 2, base % 3], ids(r)
        m = dict(entries(r.client, "t:mentions"))[base % 2]
        assert m["url"] == "https://github.com/acme/router/issues/1#issuecomment-2", m
        reqs = h.requests("/repos/acme/router/issues/comments")
        q0, q1 = query(reqs[0]), query(reqs[1])
        assert q0["sort"] == "created" and q0["direction"] == "asc", q0
        assert q1["since"] == iso(T0 + 10), q1
        assert reqs[0]["headers"].get("Authorization") == "Bearer ghp_fromcreds", reqs[0]
        log = d.logtext()
        assert "the token from $CREDENTIALS_DIRECTORY/github-token" in log, log
        assert "acme/gone comments: HTTP 404: Not Found" in log, log
        # The dedup would hide a repeat: the log says what was emitted.
        d.wait_log("acme/router comments: 1 new")
        time.sleep(1.5)
        assert r.client.xlen("t:mentions") == 3
        log = d.logtext()
        assert log.count("acme/router comments: ") == 2, log
        assert "acme/router comments: 2 new" in log, log


def test_errors_survived():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Httpd())
        good = results([issue(5, T0)])
        h.script(SEARCH, [
            response({"message": "API rate limit exceeded"}, 429, {"Retry-After": "1"}),
            response({"message": "You have exceeded a secondary rate limit."}, 403,
                     {"Retry-After": "2"}),
            response("<html>502 Bad Gateway</html>", 502),
            response(truncated(good)),
            response(good)])
        d = sc.add(Daemon(sc.tmp, gh_config(sc, r, h, "\nsearch_gap = 50ms"),
                          env={"MENTIOND_GITHUB_TOKEN": "ghp_env"}))
        d.wait_ready()
        wait_for("the mention after the errors", lambda: r.client.xlen("t:mentions") >= 1,
                 timeout=30)
        assert ids(r) == ["gh:https://github.com/acme/r/issues/5"], ids(r)
        d.wait_log("works again after")
        log = d.logtext()
        # Each failed round once, by the host, with the status and the next
        # try (at least the Retry-After, which a 403 says too).
        assert_failed_once(log, "gh", 'search "acme"', "HTTP 429")
        assert_failed_once(log, "gh", 'search "acme"', "HTTP 403")
        assert_failed_once(log, "gh", 'search "acme"', "HTTP 502")
        assert_failed_once(log, "gh", 'search "acme"', "page 1: broken JSON at byte")
        assert_works_again(log, "gh", 4)
        assert "the token from $MENTIOND_GITHUB_TOKEN" in log, log
        assert "ghp_env" not in log, log
        reqs = h.requests(SEARCH)
        assert reqs[2]["time"] - reqs[1]["time"] >= 1.9, [q["time"] for q in reqs]
        assert all(q["headers"].get("Authorization") == "Bearer ghp_env" for q in reqs)
        assert d.proc.poll() is None


def test_item_gone_between_pages():
    # 250 new issues; once the first page is read, issue 50 on it (emitted)
    # is deleted (spam, say): the result shifts by one, and none of the
    # others may be lost at the next page's boundary.
    def delete_after_first(search, q):
        if len(search.log) == 1:
            search.issues = [i for i in search.issues if i["number"] != 50]

    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        h = sc.add(Search([issue(k) for k in range(250)], delete_after_first))
        d = sc.add(Daemon(sc.tmp, gh_config(sc, r, h, "\nsearch_gap = 50ms")))
        d.wait_ready()
        want = ["gh:https://github.com/acme/r/issues/%d" % k for k in range(250)]
        try:
            wait_for("250 mentions", lambda: r.client.xlen("t:mentions") >= 250, timeout=20)
        except AssertionError:
            pass
        time.sleep(1.5)
        got = ids(r)
        assert sorted(set(want) - set(got)) == [], ("missing", sorted(set(want) - set(got)))
        assert got == want, got


def test_parse_fixtures():
    assert check_fixtures("github") >= 2
    rc, got, err = parse("github", fixture("github", "ratelimit.json"))
    assert rc == 0 and got == [] and "API error: API rate limit exceeded" in err, (rc, got, err)
    rc, got, err = parse("github", fixture("github", "invalid.json"))
    assert rc == 0 and "Validation Failed: The listed users" in err, (rc, got, err)
    rc, got, err = parse("github", fixture("github", "truncated.json"))
    assert rc == 0 and got == [] and "broken JSON at byte" in err, (rc, got, err)
    rc, got, err = parse("github", fixture("github", "notgithub.json"))
    assert rc == 1 and "not a GitHub API body" in err, (rc, got, err)


if __name__ == "__main__":
    run([test_parse_fixtures, test_search_cap_token_restart, test_unauthenticated_pacing,
         test_repo_comments, test_errors_survived, test_item_gone_between_pages])
