"""test_crash_reload.py - the daemon killed with SIGKILL at moments spread
over a burst (a fixed seed picks them), restarted each time, and SIGHUP
reloads in the middle of a burst that restart one of two sources: in the
end every mention and every alert is in Redis exactly once, in each
source's order, and nothing was re-read from before a saved cursor beyond
what had not reached Redis yet."""
import os
import random
import signal
import threading
import time

from harness import Daemon, Redis, Scenario, append, config, post, run, wait_for


def ids(r, key):
    return [f["id"] for _, f in r.client.xrange(key)]


def writer(path, first, n, pause=0.01, every=200, name=None):
    """A thread appending posts FIRST..FIRST+N-1 to PATH in small bursts."""
    def go():
        for i in range(first, first + n, every):
            # "x143": a bare number can be a lexicon word ("143", I love you).
            append(path, [post(j, "acme broken again, why? x%d" % j)
                          for j in range(i, min(i + every, first + n))])
            time.sleep(pause)
    t = threading.Thread(target=go, name=name)
    t.start()
    return t


def test_kill9_at_random_moments():
    rng = random.Random(6)
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        cfg = config(sc.tmp, r.url)
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        n = 6000
        t = writer(inp, 0, n)
        kills = 0
        for _ in range(3):
            seen = r.client.xlen("t:mentions")
            wait_for("progress before a kill",
                     lambda: r.client.xlen("t:mentions") > seen + rng.randint(50, 800), 30)
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait(10)
            kills += 1
            d = sc.add(Daemon(sc.tmp, cfg))
            d.wait_ready()
        t.join(60)
        wait_for("every mention", lambda: r.client.xlen("t:mentions") >= n, 60)
        wait_for("every alert", lambda: r.client.xlen("t:alerts:negative") >= n, 60)
        time.sleep(0.5)
        want = ["feed:p%d" % i for i in range(n)]
        assert ids(r, "t:mentions") == want and ids(r, "t:alerts:negative") == want
        assert ids(r, "t:alerts:question") == want
        assert kills == 3
        rc, _ = d.stop()
        assert rc == 0


def test_reload_mid_burst():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        a, b = (os.path.join(sc.tmp, x + ".jsonl") for x in "ab")
        for p in (a, b):
            open(p, "w").close()

        def cfg(k):
            # b's settings change with K (it restarts); a's never do.
            srcs = {"a": "plugin = jsonl\npath = %s" % a,
                    "b": "plugin = jsonl\npath = %s\ninterval = %ds" % (b, 10 + k)}
            tracks = {"acme": "query = acme\nalert = question, negative",
                      "other%d" % k: "query = lumio"}
            return config(sc.tmp, r.url, sources=srcs, tracks=tracks)
        d = sc.add(Daemon(sc.tmp, cfg(0)))
        d.wait_ready()
        n = 4000
        ta, tb = writer(a, 0, n), writer(b, 100000, n)
        for k in range(1, 6):
            time.sleep(0.3)
            d.write_config(cfg(k))
            d.signal(signal.SIGHUP)
            wait_for("reload %d" % k, lambda: d.logtext().count(
                "reloaded: 1 source kept, 1 restarted") == k, timeout=20)
        ta.join(60)
        tb.join(60)
        wait_for("every mention", lambda: r.client.xlen("t:mentions") >= 2 * n, 60)
        time.sleep(0.5)
        got = ids(r, "t:mentions")
        assert len(got) == len(set(got)) == 2 * n, (len(got), len(set(got)))
        assert [i for i in got if i.startswith("a:")] == ["a:p%d" % i for i in range(n)]
        assert [i for i in got if i.startswith("b:")] == ["b:p%d" % i for i in range(100000, 100000 + n)]
        alerts = ids(r, "t:alerts:negative")
        assert sorted(alerts) == sorted(got), (len(alerts), len(got))
        assert "was delivered before" not in d.logtext(), "a restarted source re-read past its cursor"
        rc, _ = d.stop()
        assert rc == 0


if __name__ == "__main__":
    run([test_kill9_at_random_moments, test_reload_mid_burst])
