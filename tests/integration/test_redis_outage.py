"""test_redis_outage.py - Redis killed (SIGKILL) and restarted mid-run: the
daemon says what happened, holds alerts meanwhile, and afterwards every alert
is in its queue exactly once, in order. A Redis that loses its data while
the daemon runs (FLUSHALL) loses no later alert for the consumer group, and
the daemon's memory still keeps a repeat from alerting again."""
import os
import threading
import time

from harness import Daemon, Redis, Scenario, append, config, free_port, post, run, wait_for


def test_kill_and_restart_loses_and_repeats_nothing():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d.wait_ready()
        n = 3000
        stop = threading.Event()

        def writer():
            for i in range(n):
                append(inp, [post(i, "acme broken again, worst ever, why? %d" % i)])
                if i % 50 == 0:
                    time.sleep(0.02)
        t = threading.Thread(target=writer)
        t.start()
        wait_for("some alerts", lambda: r.client.xlen("t:alerts:negative") > 200)
        r.kill()
        time.sleep(1.0)
        r.start()
        t.join(60)
        wait_for("all alerts", lambda: r.client.xlen("t:alerts:negative") >= n, 60)
        time.sleep(0.5)
        for key in ("t:alerts:negative", "t:alerts:question", "t:mentions"):
            ids = [f["id"] for _, f in r.client.xrange(key)]
            assert ids == ["feed:p%d" % i for i in range(n)], (key, len(ids))
        log = d.logtext()
        assert "redis" in log and ("lost" in log or "disconnect" in log), log
        assert "repeats are told by this process's memory alone" in log, log
        rc, took = d.stop()
        assert rc == 0 and took < 5


def test_backpressure_holds_the_file_not_the_alerts():
    """Redis away at start and a hold buffer far smaller than the backlog: the
    file is left unread (its cursor waits) instead of alerts being dropped."""
    with Scenario() as sc:
        port = free_port()
        inp = os.path.join(sc.tmp, "in.jsonl")
        n = 20000
        append(inp, [post(i, "acme broken again, worst ever %d" % i) for i in range(n)])
        cfg = config(sc.tmp, "redis://127.0.0.1:%d" % port).replace("prefix = t\n", "prefix = t\nhold_max = 1000\n")
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        time.sleep(1.0)
        r = sc.add(Redis(sc.tmp, port=port))
        wait_for("all %d alerts" % n, lambda: r.client.xlen("t:alerts:negative") >= n, 60)
        ids = [f["id"] for _, f in r.client.xrange("t:alerts:negative")]
        assert ids == ["feed:p%d" % i for i in range(n)], len(ids)
        assert "dropp" not in d.logtext(), d.logtext()
        rc, _ = d.stop()
        assert rc == 0


def test_cursor_waits_for_redis():
    """Redis away: the mentions read are held, and the file's cursor is not
    saved past them. Killed with SIGKILL then, the daemon restarts (Redis
    back) from the old cursor and every alert arrives; once Redis has them
    the cursor is saved at the end of the file."""
    with Scenario() as sc:
        port = free_port()
        inp = os.path.join(sc.tmp, "in.jsonl")
        n = 10
        append(inp, [post(i, "acme broken again, worst ever %d" % i) for i in range(n)])
        cfg = config(sc.tmp, "redis://127.0.0.1:%d" % port)
        state = os.path.join(sc.tmp, "state", "feed.state")
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("the file read", lambda: "cannot use" in d.logtext())
        time.sleep(2.5)     # the state would be written within a second
        saved = open(state).read() if os.path.exists(state) else ""
        assert '"%d"' % os.path.getsize(inp) not in saved, saved
        d.proc.kill()
        d.proc.wait()
        r = sc.add(Redis(sc.tmp, port=port))
        d2 = sc.add(Daemon(sc.tmp, cfg))
        d2.wait_ready()
        wait_for("all %d alerts" % n, lambda: r.client.xlen("t:alerts:negative") >= n)
        size = os.path.getsize(inp)
        wait_for("the cursor saved", lambda: os.path.exists(state) and
                 '"%d"' % size in open(state).read())
        ids = [f["id"] for _, f in r.client.xrange("t:alerts:negative")]
        assert ids == ["feed:p%d" % i for i in range(n)], ids
        rc, _ = d2.stop()
        assert rc == 0


def test_stop_while_redis_away_spools():
    """Redis away: the file source waits (backpressure) with a few mentions
    held, and SIGTERM saves those to the spool, so the file's cursor may
    move past them. The next start, with Redis back, delivers the spool
    first, then the rest of the file: every alert once, in order, and the
    spool is emptied."""
    with Scenario() as sc:
        port = free_port()
        inp = os.path.join(sc.tmp, "in.jsonl")
        n = 50
        append(inp, [post(i, "acme broken again, worst ever %d" % i) for i in range(n)])
        cfg = config(sc.tmp, "redis://127.0.0.1:%d" % port).replace("prefix = t\n", "prefix = t\nhold_max = 10\n")
        state = os.path.join(sc.tmp, "state", "feed.state")
        spool = os.path.join(sc.tmp, "state", "redis.spool")
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        d.wait_log("cannot use")
        time.sleep(1.0)
        rc, _ = d.stop()
        assert rc == 0
        assert "undelivered entries saved to %s" % spool in d.logtext(), d.logtext()
        assert "lost" not in d.logtext() and "dropp" not in d.logtext(), d.logtext()
        assert '"offset":\t"0"' not in open(state).read(), open(state).read()
        assert os.path.getsize(spool) > 0

        r = sc.add(Redis(sc.tmp, port=port))
        d2 = sc.add(Daemon(sc.tmp, cfg))
        d2.wait_ready()
        wait_for("all %d alerts" % n, lambda: r.client.xlen("t:alerts:negative") >= n)
        d2.wait_log("spool drained")
        ids = [f["id"] for _, f in r.client.xrange("t:alerts:negative")]
        assert ids == ["feed:p%d" % i for i in range(n)], ids
        assert os.path.getsize(spool) == 0
        rc, _ = d2.stop()
        assert rc == 0


def test_data_lost_while_running():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d.wait_ready()
        append(inp, [post(1, "is acme down?")])
        wait_for("the first alert", lambda: r.client.xlen("t:alerts:question") == 1)
        got = r.client.xreadgroup("mentiond", "alice", {"t:alerts:question": ">"})
        assert [f["id"] for _, f in got[0][1]] == ["feed:p1"], got
        # Redis loses everything, the consumer group with it; the
        # connection stays up.
        r.client.flushall()
        append(inp, [post(1, "is acme down?"), post(2, "is acme down again?")])
        wait_for("the next alert", lambda: r.client.xlen("t:alerts:question") == 1)
        got = r.client.xreadgroup("mentiond", "alice", {"t:alerts:question": ">"}, block=1000)
        assert got and [f["id"] for _, f in got[0][1]] == ["feed:p2"], got
        assert [f["id"] for _, f in r.client.xrange("t:mentions")] == ["feed:p2"]
        rc, _ = d.stop()
        assert rc == 0, d.logtext()


if __name__ == "__main__":
    run([test_kill_and_restart_loses_and_repeats_nothing, test_data_lost_while_running, test_backpressure_holds_the_file_not_the_alerts,
         test_cursor_waits_for_redis, test_stop_while_redis_away_spools])
