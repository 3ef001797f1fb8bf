"""test_redis_refuses.py - Redis up but refusing writes: out of memory under
noeviction (OOM), a failed snapshot with stop-writes-on-bgsave-error
(MISCONF), a failover that made it a replica (READONLY), and an alert queue
that someone replaced with a string (WRONGTYPE). For each, the
daemon logs that it is holding, writes nothing while refused, and once Redis
takes writes again every mention and alert is there exactly once, in
order."""
import os
import time

from harness import Daemon, Redis, Scenario, append, config, free_port, post, run, wait_for

BEFORE, DURING = 5, 30


def oom(r):
    r.client.eval("for i = 1, 20000 do redis.call('set', 'fill' .. i, string.rep('x', 100)) end", 0)
    r.client.config_set("maxmemory", "1mb")
    return lambda: r.client.config_set("maxmemory", "0")


def misconf(r):
    r.client.config_set("dir", "/proc")   # no file can be made there, even by root
    r.client.bgsave()
    wait_for("a failed snapshot", lambda: r.client.info("persistence")["rdb_last_bgsave_status"] == "err")

    def undo():
        r.client.config_set("dir", r.dir)
        r.client.bgsave()
        wait_for("a good snapshot",
                 lambda: r.client.info("persistence")["rdb_last_bgsave_status"] == "ok")
    return undo


def readonly(r):
    r.client.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))   # no master there
    return lambda: r.client.execute_command("REPLICAOF", "NO", "ONE")


def wrongtype(r):
    key = "t:alerts:negative"
    saved = r.client.dump(key)
    r.client.delete(key)
    r.client.set(key, "not a stream")

    def undo():
        r.client.delete(key)
        r.client.restore(key, 0, saved)
    return undo


def refused_then_delivered(refuse, word):
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp, fsync="rdb", extra=["--enable-protected-configs", "yes"]))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d.wait_ready()
        append(inp, [post(i, "acme broken again, why? %d" % i) for i in range(BEFORE)])
        wait_for("the first mentions", lambda: r.client.xlen("t:mentions") >= BEFORE)

        undo = refuse(r)
        append(inp, [post(i, "acme broken again, why? %d" % i) for i in range(BEFORE, BEFORE + DURING)])
        d.wait_log("lost 127.0.0.1:%d: %s" % (r.port, word), timeout=20)
        time.sleep(1.5)
        assert r.client.xlen("t:mentions") == BEFORE, "written while Redis refused"
        assert d.proc.poll() is None

        undo()
        n = BEFORE + DURING
        wait_for("every mention", lambda: r.client.xlen("t:mentions") >= n, timeout=30)
        wait_for("every alert", lambda: r.client.xlen("t:alerts:negative") >= n, timeout=30)
        time.sleep(0.5)
        for key in ("t:mentions", "t:alerts:negative"):
            ids = [f["id"] for _, f in r.client.xrange(key)]
            assert ids == ["feed:p%d" % i for i in range(n)], (key, ids)
        log = d.logtext()
        assert "holding" in log and "reconnected to 127.0.0.1:%d" % r.port in log, log
        assert "dropped" not in log, log


def test_oom():
    refused_then_delivered(oom, "OOM command not allowed")


def test_misconf():
    refused_then_delivered(misconf, "MISCONF")


def test_readonly():
    refused_then_delivered(readonly, "READONLY")


def test_wrongtype():
    # deliver.lua checks the keys' types before it claims the mention: a
    # claim made before the failing write would have lost the alert.
    refused_then_delivered(wrongtype, "WRONGTYPE t:alerts:negative holds a string, not a stream")


if __name__ == "__main__":
    run([test_oom, test_misconf, test_readonly, test_wrongtype])
