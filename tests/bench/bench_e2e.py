#!/usr/bin/python3
"""bench_e2e.py - the whole skeleton pipeline, measured: the real mentiond with
the jsonl connector, a real redis-server on this host.

1. Throughput: N posts (all matching, half of them alerts) appended to the
   file at once; the time until the last one is in {prefix}:mentions.
2. Latency: posts appended one at a time at a steady 1,000/s; for each, the
   time from the append to its entry arriving to an XREAD BLOCK reader.

Usage: tests/bench/bench_e2e.py [BUILD_DIR] [N]  (defaults: build, 200000)
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../integration"))
os.environ.setdefault("MENTIOND_BUILD_DIR", os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build"))
import harness  # noqa: E402
from harness import Daemon, Redis, Scenario, config, wait_for  # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
TEXTS = [
    "Acme fibre has been down all morning in Lyon, this is the worst service",
    "Quelqu'un sait si la box Acme marche avec un routeur perso ?",
    "Just switched to Acme, setup took five minutes and the speed is great",
    "Acme support answered in ten minutes, problem solved, thanks",
]


def line(i, text):
    return json.dumps({"id": "b%d" % i, "author": {"handle": "user%d" % (i % 997), "followers": i % 5000},
                       "text": "%s (%d)" % (text, i), "url": "https://example.org/b/%d" % i,
                       "published": "2026-11-24T10:00:00Z", "lang": "en"}) + "\n"


def throughput():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        cfg = config(sc.tmp, r.url).replace("prefix = t\n", "prefix = t\nmaxlen = 0\n")
        d = sc.add(Daemon(sc.tmp, cfg.replace("log_level = info", "log_level = warning")))
        d.wait_ready()
        data = "".join(line(i, TEXTS[i % 4]) for i in range(N))
        t0 = time.monotonic()
        with open(inp, "a") as f:
            f.write(data)
        wait_for("%d mentions" % N, lambda: r.client.xlen("t:mentions") >= N, 300, 0.005)
        dt = time.monotonic() - t0
        alerts = r.client.xlen("t:alerts:question") + r.client.xlen("t:alerts:negative")
        print("e2e throughput: %d mentions (%d alerts) jsonl -> redis streams in %.2f s = %.0f mentions/s"
              % (N, alerts, dt, N / dt))
        d.stop()


def latency(count=5000, rate=1000.0):
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url).replace("log_level = info", "log_level = warning")))
        d.wait_ready()
        sent = {}
        lat = []
        done = threading.Event()

        def reader():
            last = "$"
            rr = harness.redis.Redis(host="127.0.0.1", port=r.port, decode_responses=True)
            while len(lat) < count:
                res = rr.xread({"t:mentions": last}, block=2000, count=1000)
                now = time.monotonic()
                if not res:
                    break
                for eid, f in res[0][1]:
                    last = eid
                    lat.append(now - sent[f["id"]])
            done.set()
        t = threading.Thread(target=reader)
        t.start()
        time.sleep(0.2)
        f = open(inp, "a", buffering=1)
        t0 = time.monotonic()
        for i in range(count):
            target = t0 + i / rate
            while time.monotonic() < target:
                pass
            sent["feed:b%d" % i] = time.monotonic()
            f.write(line(i, TEXTS[i % 4]))
            f.flush()
        done.wait(30)
        t.join(5)
        lat.sort()
        pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
        print("e2e latency at %.0f/s: %d mentions, append -> stream entry p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              % (rate, len(lat), pct(0.50), pct(0.99), lat[-1] * 1000))
        d.stop()


if __name__ == "__main__":
    throughput()
    latency()
