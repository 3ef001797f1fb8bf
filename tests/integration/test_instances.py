"""test_instances.py - two mentiond processes on the same sources and the
same Redis deliver each mention and each alert exactly once; killing one with
SIGKILL mid-run and starting it again (it re-reads from its last saved
cursor) still delivers each exactly once. A restart of a single instance
with an empty memory delivers nothing twice either, nor does it write a
duplicate kept with keep_duplicates twice, nor lose an edit of a post it
delivered before the restart."""
import collections
import os
import signal

from harness import Daemon, Redis, Scenario, append, config, entries, post, run, wait_for

N = 3000


def instance(sc, name, redis_url, path, rate, extra=""):
    """A daemon of its own folder (config, log, state) on the shared PATH."""
    tmp = os.path.join(sc.tmp, name)
    os.mkdir(tmp)
    src = {"feed": "plugin = jsonl\npath = %s\nreplay_rate = %d" % (path, rate)}
    return Daemon(tmp, config(tmp, redis_url, sources=src, extra=extra))


def restart(sc, d, forget_cursor=False):
    """Stop D (SIGTERM) and start it again on its folder; FORGET_CURSOR: with
    its source state gone, so that the file is read again from the start."""
    rc, _ = d.stop()
    assert rc == 0, d.logtext()
    if forget_cursor:
        for f in os.listdir(os.path.join(d.tmp, "state")):
            os.unlink(os.path.join(d.tmp, "state", f))
    with open(d.conf) as f:
        d2 = sc.add(Daemon(d.tmp, f.read()))
    d2.wait_ready()
    return d2


def ids(r, key):
    return [f["id"] for _, f in r.client.xrange(key)]


def posts(n):
    """N posts, every other one a question."""
    return [post(i, ("is acme down again? %d" % i) if i % 2 == 0 else
                 "acme shipped release %d" % i) for i in range(n)]


def test_two_instances_and_a_kill():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        path = os.path.join(sc.tmp, "in.jsonl")
        append(path, posts(N))
        a = sc.add(instance(sc, "a", r.url, path, 1000))
        b = sc.add(instance(sc, "b", r.url, path, 1000))
        a.wait_ready()
        b.wait_ready()
        wait_for("a third of the mentions",
                 lambda: r.client.xlen("t:mentions") > N // 3, 30)
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        assert r.client.xlen("t:mentions") < N, "killed too late"
        with open(a.conf) as f:
            a2 = sc.add(Daemon(a.tmp, f.read()))
        a2.wait_ready()
        wait_for("every mention", lambda: r.client.xlen("t:mentions") >= N, 60)
        # Both have read the whole file (the restarted one from its cursor):
        # their logs have stopped growing.
        sizes = []
        wait_for("both at the end", lambda: sizes.append(
            (len(a2.logtext()), len(b.logtext()))) or sizes[-12:].count(sizes[-1]) == 12, 30, 0.1)
        for d in (a2, b):
            rc, _ = d.stop()
            assert rc == 0, d.logtext()
        got = ids(r, "t:mentions")
        dup = [k for k, c in collections.Counter(got).items() if c > 1]
        assert not dup, "written twice: %s" % dup[:10]
        assert sorted(got) == sorted("feed:p%d" % i for i in range(N)), len(got)
        q = ids(r, "t:alerts:question")
        assert sorted(q) == sorted("feed:p%d" % i for i in range(0, N, 2)), len(q)
        # No alert line is logged twice (a and a2 share their log file;
        # deliveries in flight when a died are written but never logged).
        urls = [l.rsplit(" ", 1)[-1] for d in (a2, b) for l in d.logtext().splitlines()
                if " alert: question" in l]
        dup = [u for u, c in collections.Counter(urls).items() if c > 1]
        assert not dup and N // 2 - 100 < len(urls) <= N // 2, (len(urls), dup[:5])


def test_restart_with_empty_memory():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        path = os.path.join(sc.tmp, "in.jsonl")
        append(path, posts(200))
        d = sc.add(instance(sc, "a", r.url, path, 0))
        d.wait_ready()
        wait_for("200 mentions", lambda: r.client.xlen("t:mentions") == 200)
        rc, _ = d.stop()
        assert rc == 0
        # The cursor is gone: the file is read again from the start.
        for f in os.listdir(os.path.join(d.tmp, "state")):
            os.unlink(os.path.join(d.tmp, "state", f))
        before = len(d.logtext())
        with open(d.conf) as f:
            d2 = sc.add(Daemon(d.tmp, f.read()))
        d2.wait_ready()
        wait_for("200 repeats told", lambda: d2.logtext().count("was delivered before") >= 200, 30)
        assert r.client.xlen("t:mentions") == 200
        assert r.client.xlen("t:alerts:question") == 100
        # No alert line for what the team was told before the restart.
        assert "alert:" not in d2.logtext()[before:], d2.logtext()[before:]
        rc, _ = d2.stop()
        assert rc == 0


# A post and a near-copy of it (a retweet) under another id.
ORIGINAL = ("acme router keeps dropping the wifi every evening since the last "
            "firmware update, is this known?")
RETWEET = "RT @someone: " + ORIGINAL


def kept_duplicates(r):
    """The mentions stream's entries that name a first, as (id, dup_of, reason)."""
    return [(k, d["dup_of"], d["dup_reason"]) for k, d in entries(r.client, "t:mentions")
            if d["dup_of"] is not None]


def test_kept_duplicate_once():
    """keep_duplicates: a duplicate is written once to the mentions stream,
    with dup_of and dup_reason, by whichever of two instances comes first and
    not again by a restart that reads it again."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        path = os.path.join(sc.tmp, "in.jsonl")
        keep = "[dedup]\nkeep_duplicates = yes\n"
        a = sc.add(instance(sc, "a", r.url, path, 0, keep))
        b = sc.add(instance(sc, "b", r.url, path, 0, keep))
        a.wait_ready()
        b.wait_ready()
        append(path, [post(1, ORIGINAL), post(2, RETWEET), post(3, "acme is fine %d" % 3)])
        # Each goes through them in order: once one is refused p3, both have
        # written (or been refused) p1 and p2.
        refused = lambda d: d.logtext().count("feed:p3 was delivered before")
        wait_for("p3 judged by both", lambda: refused(a) + refused(b) == 1, 10)
        before = refused(a)
        a2 = restart(sc, a, forget_cursor=True)
        wait_for("the restart refused by Redis",
                 lambda: refused(a2) == before + 1, 10)
        for d in (a2, b):
            rc, _ = d.stop()
            assert rc == 0, d.logtext()
        got = ids(r, "t:mentions")
        assert sorted(got) == ["feed:p1", "feed:p2", "feed:p3"], got
        assert kept_duplicates(r) == [("feed:p2", "feed:p1", "near_text")], kept_duplicates(r)
        assert ids(r, "t:alerts:question") == ["feed:p1"], ids(r, "t:alerts:question")


def test_edit_after_restart():
    """An edit of a post delivered before a restart is an update, as it is
    without the restart: its own entry naming the first, alerting only for
    the classes the post had not; reading it all again writes nothing."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        path = os.path.join(sc.tmp, "in.jsonl")
        d = sc.add(instance(sc, "a", r.url, path, 0))
        d.wait_ready()
        text = "acme shipped the new router today"
        append(path, [post(1, text)])
        wait_for("the post", lambda: r.client.xlen("t:mentions") == 1)
        d = restart(sc, d)
        # Edited into a question: it alerts.
        append(path, [post(1, text + ", why does it not even boot?")])
        wait_for("the first edit", lambda: r.client.xlen("t:mentions") == 2)
        d = restart(sc, d)
        # Edited again, into a complaint: only that alerts.
        append(path, [post(1, text + ", why does it not even boot? worst router "
                           "ever, broken and useless")])
        wait_for("the second edit", lambda: r.client.xlen("t:mentions") == 3)
        told = lambda: d.logtext().count("was delivered before")
        before = told()
        d = restart(sc, d, forget_cursor=True)
        wait_for("all three refused by Redis", lambda: told() == before + 3, 10)
        rc, _ = d.stop()
        assert rc == 0, d.logtext()
        got = entries(r.client, "t:mentions")
        assert [k for k, _ in got][0] == "feed:p1", got
        edits = [(k, m["dup_of"], m["dup_reason"]) for k, m in got[1:]]
        assert len(edits) == 2 and all(
            k.startswith("feed:p1#edit-") and dup == "feed:p1" and why == "update"
            for k, dup, why in edits), edits
        assert ids(r, "t:alerts:question") == [edits[0][0]], ids(r, "t:alerts:question")
        assert ids(r, "t:alerts:negative") == [edits[1][0]], ids(r, "t:alerts:negative")


if __name__ == "__main__":
    run([test_two_instances_and_a_kill, test_restart_with_empty_memory,
         test_kept_duplicate_once, test_edit_after_restart])
