"""test_lifecycle.py - SIGTERM stops within 5 s with every mention flushed and
the cursor saved (a restart re-reads nothing); SIGHUP applies a changed config
(unchanged sources keep their place, a changed one restarts, a removed one
stops, a new one starts, new tracks apply) and refuses a broken one with
FILE:LINE errors while the old config keeps running; a SIGHUP to another
Redis while the old one hangs delivers what the old one held to the new one;
spool settings changed by a SIGHUP are said to wait for a restart."""
import os
import signal
import time

from harness import Daemon, Redis, Scenario, append, config, entries, post, run, wait_for


def test_sigterm_flushes_and_saves_cursor():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d.wait_ready()
        n = 20000
        append(inp, [post(i, "acme question %d?" % i) for i in range(n)])
        # Stop while the burst is being processed.
        wait_for("first mentions", lambda: r.client.xlen("t:mentions") > 0)
        rc, took = d.stop()
        assert rc == 0 and took < 5, (rc, took)
        done = r.client.xlen("t:mentions")
        assert done > 0
        # Restart: it resumes from the saved cursor; in the end every line is
        # in the stream exactly once.
        d2 = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d2.wait_ready()
        wait_for("all %d mentions" % n, lambda: r.client.xlen("t:mentions") >= n, 30)
        keys = [f["id"] for _, f in r.client.xrange("t:mentions")]
        assert keys == ["feed:p%d" % i for i in range(n)], (len(keys), keys[:3], done)
        assert r.client.xlen("t:alerts:question") == n
        rc, _ = d2.stop()
        assert rc == 0


def test_sighup_reload():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        a, b, c = (os.path.join(sc.tmp, x + ".jsonl") for x in "abc")
        for p in (a, b, c):
            open(p, "w").close()
        srcs = {"a": "plugin = jsonl\npath = %s" % a, "b": "plugin = jsonl\npath = %s" % b}
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url, sources=srcs)))
        d.wait_ready()
        append(a, [post(1, "acme one")])
        append(b, [post(2, "acme two")])
        wait_for("2 mentions", lambda: r.client.xlen("t:mentions") == 2)

        # Change b (a new key), remove nothing, add c, add a track "lumio".
        srcs2 = {"a": srcs["a"], "b": srcs["b"] + "\nfrom = start", "c": "plugin = jsonl\npath = %s" % c}
        tracks2 = {"acme": "query = acme\nalert = question, negative", "lumio": "query = lumio\nalert = question"}
        d.write_config(config(sc.tmp, r.url, sources=srcs2, tracks=tracks2))
        d.signal(signal.SIGHUP)
        d.wait_log("reloaded: 1 source kept, 1 restarted")
        append(a, [post(3, "acme three")])
        append(c, [post(4, "lumio four?")])
        wait_for("4 mentions", lambda: r.client.xlen("t:mentions") == 4)
        keys = [k for k, _ in entries(r.client, "t:mentions")]
        # a kept its cursor (p1 not re-read), b restarted from its saved
        # cursor (p2 not re-read), c is new, lumio matches. (Two sources'
        # lines appended together may land in either order.)
        assert sorted(keys[:2]) == ["a:p1", "b:p2"] and sorted(keys[2:]) == ["a:p3", "c:p4"], keys
        assert [k for k, _ in entries(r.client, "t:alerts:question")] == ["c:p4"]

        # Remove c: it stops.
        d.write_config(config(sc.tmp, r.url, sources=srcs2 and {"a": srcs["a"], "b": srcs2["b"]}, tracks=tracks2))
        d.signal(signal.SIGHUP)
        d.wait_log("1 stopped")
        append(c, [post(5, "lumio five")])
        append(a, [post(6, "acme six")])
        wait_for("a:p6", lambda: r.client.xlen("t:mentions") == 5)
        assert [k for k, _ in entries(r.client, "t:mentions")][-1] == "a:p6"

        # A broken config is refused with FILE:LINE and the old one runs on.
        d.write_config(config(sc.tmp, r.url, sources={"a": srcs["a"]}) + "[track bad]\nalert = sometimes\n")
        d.signal(signal.SIGHUP)
        d.wait_log("reload refused")
        log = d.logtext()
        assert "%s:" % d.conf in log and "alert" in log, log
        append(b, [post(7, "acme seven")])
        wait_for("b still running", lambda: r.client.xlen("t:mentions") == 6)
        assert d.proc.poll() is None
        rc, _ = d.stop()
        assert rc == 0


def test_sighup_new_redis_while_old_hangs():
    """SIGHUP points the daemon at another Redis while the old one hangs
    (SIGSTOP) with alerts in flight to it: once the old sink's flush gives up
    they go through the spool to the new Redis, each once, without waiting
    for another post."""
    with Scenario() as sc:
        ra = sc.add(Redis(os.path.join(sc.tmp, "a")))
        rb = sc.add(Redis(os.path.join(sc.tmp, "b")))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, ra.url)))
        d.wait_ready()
        append(inp, [post(0, "acme question 0?")])
        wait_for("p0 in the old Redis", lambda: ra.client.xlen("t:alerts:question") == 1)
        n = 50
        os.kill(ra.proc.pid, signal.SIGSTOP)
        try:
            append(inp, [post(i, "acme question %d?" % i) for i in range(1, n + 1)])
            time.sleep(1)   # read, and sent to the hung Redis
            d.write_config(config(sc.tmp, rb.url))
            d.signal(signal.SIGHUP)
            d.wait_log("redis is now")
            wait_for("%d alerts in the new Redis" % n,
                     lambda: rb.client.xlen("t:alerts:question") >= n, 15)
        finally:
            os.kill(ra.proc.pid, signal.SIGCONT)
        keys = sorted(k for k, _ in entries(rb.client, "t:alerts:question"))
        assert keys == sorted("feed:p%d" % i for i in range(1, n + 1)), keys
        assert "flush to 127.0.0.1:%d timed out" % ra.port in d.logtext()
        rc, _ = d.stop()
        assert rc == 0


def test_sighup_spool_settings_need_restart():
    """The spool stays open as it is across a reload: a SIGHUP that changes
    its settings says they take effect at restart."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        open(os.path.join(sc.tmp, "in.jsonl"), "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d.wait_ready()
        d.write_config(config(sc.tmp, r.url).replace(
            "prefix = t\n", "prefix = t\nspool_max = 64M\n"))
        d.signal(signal.SIGHUP)
        d.wait_log("reloaded:")
        assert "spool_max and spool_fsync changes take effect at restart" in d.logtext(), d.logtext()
        rc, _ = d.stop()
        assert rc == 0


if __name__ == "__main__":
    run([test_sigterm_flushes_and_saves_cursor, test_sighup_reload,
         test_sighup_new_redis_while_old_hangs,
         test_sighup_spool_settings_need_restart])
