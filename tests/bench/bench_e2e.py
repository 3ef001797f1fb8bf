#!/usr/bin/python3
"""bench_e2e.py - the whole skeleton pipeline, measured: the real mentiond with
the jsonl connector and a real redis-server on this host, with its stock
persistence (RDB snapshots) or, with BENCH_FSYNC=everysec, an append-only file
synced every second.

1. Throughput: N posts (all matching; half of them alerts) appended to the
   file at once; the time from the append to the last one in {prefix}:mentions.
2. Latency: posts appended one at a time at a steady 1,000/s; for each, the
   time from its append to its entry reaching an XREAD BLOCK reader (a separate
   process, so that neither side waits on the other).

Usage: tests/bench/bench_e2e.py [BUILD_DIR] [N]  (defaults: build, 200000)
"""
import json
import multiprocessing
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
os.environ.setdefault("MENTIOND_BUILD_DIR", os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build"))
import harness  # noqa: E402
from harness import Daemon, Redis, Scenario, config, wait_for  # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
FSYNC = os.environ.get("BENCH_FSYNC", "rdb")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TEXTS = [
    "Acme fibre has been down all morning in Lyon, this is the worst service",
    "Quelqu'un sait si la box Acme marche avec un routeur perso ?",
    "Just switched to Acme, setup took five minutes and the speed is great",
    "Acme support answered in ten minutes, problem solved, thanks",
]


# Words that make each post its own: without them the posts would be
# near-copies of four templates, and dedup would rightly keep only four.
def words(i):
    """Ten random words, seeded by I."""
    rng = random.Random(i)
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                            for _ in range(rng.randint(4, 8))) for _ in range(10))


def line(i, text, prefix="b"):
    return json.dumps({"id": "%s%d" % (prefix, i), "author": {"handle": "user%d" % (i % 997), "followers": i % 5000},
                       "text": "%s: %s" % (text, words(i)), "url": "https://example.org/%s/%d" % (prefix, i),
                       "published": "2026-11-24T10:00:00Z", "lang": "en"}) + "\n"


def cpu_seconds(pid):
    """User plus system CPU time of process PID, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(sc):
    r = sc.add(Redis(sc.tmp, fsync=FSYNC))
    inp = os.path.join(sc.tmp, "in.jsonl")
    open(inp, "w").close()
    # Duplicates (a few of these template posts are near-copies) are kept
    # in the stream too, so that every post is counted there.
    cfg = config(sc.tmp, r.url, extra="[dedup]\nkeep_duplicates = yes\n").replace(
        "prefix = t\n", "prefix = t\nmaxlen = 0\n")
    d = sc.add(Daemon(sc.tmp, cfg.replace("log_level = info", "log_level = warning")))
    d.wait_ready()
    return r, d, inp


def throughput():
    """One run: returns mentions/s."""
    with Scenario() as sc:
        r, d, inp = start(sc)
        data = "".join(line(i, TEXTS[i % 4]) for i in range(N))
        cpu0, rcpu0 = cpu_seconds(d.proc.pid), cpu_seconds(r.proc.pid)
        t0 = time.monotonic()
        with open(inp, "a") as f:
            f.write(data)
        wait_for("%d mentions" % N, lambda: r.client.xlen("t:mentions") >= N, 300, 0.005)
        dt = time.monotonic() - t0
        cpu = cpu_seconds(d.proc.pid) - cpu0
        rcpu = cpu_seconds(r.proc.pid) - rcpu0
        alerts = r.client.xlen("t:alerts:question") + r.client.xlen("t:alerts:negative")
        print("e2e throughput: %d mentions (%d alerts) jsonl -> redis streams in %.2f s = %.0f mentions/s"
              % (N, alerts, dt, N / dt), flush=True)
        print("e2e CPU: mentiond %.2f s = %.2f us/mention; redis-server %.2f s = %.2f us/mention"
              % (cpu, cpu * 1e6 / N, rcpu, rcpu * 1e6 / N), flush=True)
        d.stop()
        return N / dt


def reader(port, count, out, ready):
    """Note when each entry arrives (a process of its own)."""
    rr = harness.redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    last, got = "$", {}
    ready.set()
    while len(got) < count:
        res = rr.xread({"t:mentions": last}, block=3000, count=1000)
        now = time.monotonic()
        if not res:
            break
        for eid, f in res[0][1]:
            last = eid
            got[f["id"]] = now
    out.put(got)


def latency(count=5000, rate=1000.0):
    with Scenario() as sc:
        r, d, inp = start(sc)
        out, ready = multiprocessing.Queue(), multiprocessing.Event()
        p = multiprocessing.Process(target=reader, args=(r.port, count, out, ready))
        p.start()
        ready.wait(10)
        time.sleep(0.3)
        sent = {}
        with open(inp, "a") as f:
            t0 = time.monotonic()
            for i in range(count):
                ahead = t0 + i / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                sent["feed:l%d" % i] = time.monotonic()
                f.write(line(i, TEXTS[i % 4], "l"))
                f.flush()
        got = out.get(timeout=60)
        p.join(10)
        lat = sorted(got[k] - sent[k] for k in got if k in sent)
        pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
        print("e2e latency at %.0f/s: %d of %d mentions, append -> stream entry p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              % (rate, len(lat), count, pct(0.50), pct(0.99), lat[-1] * 1000), flush=True)
        d.stop()


if __name__ == "__main__":
    print("redis-server persistence: %s" % (FSYNC if FSYNC == "rdb" else "appendfsync " + FSYNC))
    runs = sorted(throughput() for _ in range(RUNS))
    print("e2e throughput, median of %d runs: %.0f mentions/s (min %.0f, max %.0f)"
          % (RUNS, runs[len(runs) // 2], runs[0], runs[-1]), flush=True)
    latency()
