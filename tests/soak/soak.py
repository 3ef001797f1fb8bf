#!/usr/bin/python3
"""soak.py - the real mentiond under a steady load for a bounded time, with
Redis killed (SIGKILL) and restarted twice and HTTP sources failing at
random, ending with the figures that say whether it held up: every alert
expected delivered, none twice, and the daemon's memory flat after warm-up.

The load: a jsonl file (source "bulk") carries the bulk at --rate lines a
second; two feed sources and one jsonpoll source poll tests/tools/httpd.py,
whose routes fail at random (5xx, 429, resets, short and cut bodies: its
"chaos") and recover. Every post has a unique id, link and text; a known
share is a question or a complaint (the track alerts on both); some are
sent again as they were (the same id) or as near-copies ("RT @x: ..." under
a new id), and must not alert again. So the alerts expected, one per
(queue, mention key), are known from what was sent. A consumer in its own
process reads the alert queues as the README says (XREADGROUP in group
"mentiond", then XACK, and XDEL to keep Redis small) and records each
stream entry; two entries with the same key in one queue are a duplicate.

redis-server (append-only, fsync always: what it acknowledged survives a
SIGKILL) is killed at 8% and 55% of the run, left down --outage seconds
and started again on the same port and data; the daemon holds and spools
meanwhile and must drain. The daemon's VmRSS is sampled every 2 s; after
the warm-up (the first 20%, and at least until 10 s after Redis is back
from the first outage: the dedup memory, sized by --capacity, is full by
then, and the catch-up after an outage has set the allocator's high-water
mark) the samples must stay within --rss-bound (10%) of each other. A leak
of a byte or two per mention would break that bound in the long run (2.4
million mentions after the warm-up at 5,000/s for 10 minutes, against an
RSS of about 30 MB); a step of a few per cent at the second outage is the
heap keeping the peak of a catch-up a little longer than the first. At the end the
sources stop, the daemon is given --drain seconds to deliver the rest, and
the figures are printed; the exit code is 0 only if expected = delivered,
there are no duplicates and the RSS was flat.

Usage: tests/soak/soak.py [--build DIR] [--seconds 600] [--rate 5000]
       [--no-rss-check] [--keep]
"""
import argparse
import email.utils
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import tempfile
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))

PREFIX = "t"
QUEUES = {"question": PREFIX + ":alerts:question", "negative": PREFIX + ":alerts:negative"}
GROUP = "mentiond"

# Templates by the alerts they raise (checked with `mentionctl classify` at
# start): a share of each kind, in twentieths of the posts. English only:
# the French sentiment model is swayed by the random tokens below (a neutral
# French text scores anywhere from -0.7 to +0.7 with them).
TEMPLATES = [
    (("question",), 2, ["Does the acme box support wpa3 on the guest network?",
                        "Anyone know how to reset my acme router to factory settings?",
                        "How do I change the wifi password on my acme box?"]),
    (("negative",), 2, ["acme fibre has been down all morning, this is the worst service ever",
                        "acme support is useless, three hours on hold and nobody helped",
                        "My acme router died again, terrible hardware and awful support"]),
    (("question", "negative"), 1, ["Why is acme so terrible, broken again and nobody cares?"]),
    ((), 3, ["Just switched to acme, setup took five minutes and the speed is great",
             "acme support answered in ten minutes, problem solved, thanks a lot"]),
    ((), 10, ["acme published its quarterly report on the website this morning",
              "The acme store on the high street opens at nine on weekdays",
              "acme will open a new shop in the city centre next month"]),
    (None, 2, ["The weather in the valley was cloudy with a light wind today"]),  # no match
]
KINDS = [(alerts, texts) for alerts, share, texts in TEMPLATES for _ in range(share)]


def tokens(rng, n=12):
    """N numbers of six digits, words of no language and no lexicon: they
    make each post its own (no near-copy of another) and change nothing of
    its language or class."""
    return " ".join(str(rng.randrange(100000, 1000000)) for _ in range(n))


class Post:
    """One generated post: its source, id, text and the alerts it must raise."""
    __slots__ = ("source", "id", "text", "url", "alerts")

    def __init__(self, source, pid, rng):
        alerts, texts = KINDS[rng.randrange(len(KINDS))]
        self.source, self.id = source, pid
        self.text = "%s %s" % (rng.choice(texts), tokens(rng))
        self.url = "https://example.org/%s/%s" % (source, pid)
        self.alerts = alerts      # None: matches no track

    @property
    def key(self):
        return "%s:%s" % (self.source, self.id)

    def copy(self, pid, rng):
        """A near-copy of this post under a new id and link: a repost."""
        c = Post.__new__(Post)
        c.source, c.id, c.alerts = self.source, pid, None
        c.text = "RT @user%d: %s" % (rng.randrange(1000), self.text)
        c.url = "https://example.org/%s/%s" % (self.source, pid)
        return c

    def jsonl(self):
        return json.dumps({"id": self.id, "author": "user%d" % (len(self.text) % 97),
                           "text": self.text, "url": self.url}) + "\n"


class Ledger:
    """What was sent: counts, and the alerts expected as (queue, key)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.expected = set()
        self.sent = self.repeats = self.copies = self.unmatched = 0

    def add(self, post, repeat=False):
        with self.lock:
            self.sent += 1
            if repeat:
                self.repeats += 1
            elif post.alerts is None and post.text.startswith("RT @"):
                self.copies += 1
            elif post.alerts is None:
                self.unmatched += 1
            else:
                for a in post.alerts:
                    self.expected.add((QUEUES[a], post.key))


# --- the consumer, a process of its own -----------------------------------

def consume(port, out_path, stop):
    """Read the alert queues as a team would (XREADGROUP, XACK) until STOP,
    writing "queue<TAB>entry id<TAB>mention key" for each entry to OUT_PATH.
    A lost connection (Redis restarted) is retried; the entries of our
    pending list are read again first, so that none is missed (an entry read
    twice this way has the same entry id and is not a duplicate)."""
    import redis
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=5)
    out = open(out_path, "a", buffering=1)
    pending = True
    while not stop.is_set():
        try:
            res = r.xreadgroup(GROUP, "soak", {q: "0" if pending else ">" for q in QUEUES.values()},
                               count=2000, block=None if pending else 300)
            if pending and not any(entries for _, entries in res or []):
                pending = False
                continue
            pipe = r.pipeline(transaction=False)
            for queue, entries in res or []:
                ids = [eid for eid, _ in entries]
                if not ids:
                    continue
                # An entry pending but deleted comes back without fields.
                out.write("".join("%s\t%s\t%s\n" % (queue, eid, f["id"]) for eid, f in entries if f))
                pipe.xack(queue, GROUP, *ids)
                pipe.xdel(queue, *ids)
            pipe.execute()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                redis.exceptions.ResponseError):
            # Away, loading, or the group not made yet (NOGROUP).
            pending = True
            time.sleep(0.2)
    out.close()


def delivered(path):
    """The consumer's record: {(queue, key): entries}."""
    seen, got = set(), {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or (parts[0], parts[1]) in seen:
                continue
            seen.add((parts[0], parts[1]))
            k = (parts[0], parts[2])
            got[k] = got.get(k, 0) + 1
    return got


# --- the HTTP sources -------------------------------------------------------

def rss(posts):
    items = "".join(
        "<item><link>%s</link><guid isPermaLink=\"false\">%s</guid><pubDate>%s</pubDate>"
        "<description>%s</description></item>" % (p.url, p.id, email.utils.formatdate(usegmt=True), p.text)
        for p in reversed(posts))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>soak</title>'
            "%s</channel></rss>" % items)


def jsonfeed(posts):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps({"items": [{"id": p.id, "text": p.text, "url": p.url, "published": now}
                                 for p in reversed(posts)]})


class HttpSources:
    """Two feeds and a JSON API on one httpd.py, new posts every second, the
    last WINDOW of each served, each route failing at random while chaos
    is on."""
    WINDOW = 600

    def __init__(self, httpd, ledger, per_second, seed):
        self.httpd, self.ledger, self.per_second = httpd, ledger, per_second
        self.rng = random.Random(seed)
        self.posts = {"feed1": [], "feed2": [], "poll": []}
        self.n = 0
        self.chaos = True

    def tick(self):
        for name, posts in self.posts.items():
            for _ in range(self.per_second):
                self.n += 1
                # No near-copies here: a feed hands its entries over newest
                # first, so which of a post and its copy alerts would depend
                # on the polls that failed. The polls repeat every post.
                p = Post(name, "h%d" % self.n, self.rng)
                posts.append(p)
                self.ledger.add(p)
            del posts[:-self.WINDOW]
            self.publish(name)

    def publish(self, name):
        posts = self.posts[name]
        chaos = {"p": 0.3, "burst": 3, "seed": sum(map(ord, name))} if self.chaos else None
        if name == "poll":
            resp = {"status": 200, "headers": {"Content-Type": "application/json"}, "body": jsonfeed(posts)}
        else:
            resp = {"status": 200, "headers": {"Content-Type": "application/rss+xml"}, "body": rss(posts)}
        self.httpd.script("/%s" % name, [resp], chaos)

    def calm(self):
        """No more failures: serve the last window as it is."""
        self.chaos = False
        for name in self.posts:
            self.publish(name)


# --- the run ----------------------------------------------------------------

class Folder:
    """A folder removed at the end."""

    def __init__(self, path):
        self.path = path

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def cpu_seconds(pid):
    """User plus system CPU time of process PID, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def check_templates():
    """Each template, with the tokens of the posts after it, is classified
    as its alerts say; a copy of a post is judged a near-copy of it, and
    posts of one template are not near-copies of each other: the figures
    below rest on these."""
    from harness import MENTIONCTL
    rng = random.Random(7)
    texts, want = [], []
    for alerts, _, tpls in TEMPLATES:
        if alerts is None:
            continue
        for t in tpls:
            for _ in range(100):
                texts.append("%s %s" % (t, tokens(rng)))
                want.append(set(alerts))
    out = subprocess.run([MENTIONCTL, "classify"], input="\n".join(texts) + "\n", capture_output=True,
                         text=True, timeout=60, check=True).stdout.splitlines()
    for text, w, line in zip(texts, want, out):
        c = json.loads(line)
        got = set(["question"] if c["question"] else []) | set(["negative"] if c["polarity"] == "negative" else [])
        if got != w:
            sys.exit("soak: template misjudged: %r is %s, expected %s" % (text, sorted(got), sorted(w)))
    posts = [Post("s", "x%d" % i, rng) for i in range(20000)]
    copies = [p.copy("c%d" % i, rng) for i, p in enumerate(posts[::50])]
    lines = [json.dumps({"id": p.id, "url": p.url, "text": p.text}) for p in posts + copies]
    out = subprocess.run([MENTIONCTL, "dedup"], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, timeout=120, check=True).stdout.splitlines()
    dups = [json.loads(l) for l in out if json.loads(l)["dup_of"] is not None]
    if len(dups) != len(copies) or any(not d["id"].startswith("stdin:c") for d in dups):
        sys.exit("soak: dedup does not judge the generated posts as planned: %d duplicates for %d copies"
                 % (len(dups), len(copies)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("MENTIOND_BUILD_DIR", "build"))
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--rate", type=int, default=5000, help="posts a second, all sources")
    ap.add_argument("--outage", type=float, default=3.0, help="seconds Redis stays down")
    ap.add_argument("--drain", type=float, default=120.0, help="seconds given to deliver the rest")
    ap.add_argument("--rss-bound", type=float, default=0.10)
    ap.add_argument("--no-rss-check", action="store_true", help="print the RSS, do not judge it (ASan)")
    ap.add_argument("--capacity", type=int, default=0, help="[dedup] capacity (default: full by 1/10 of the run)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--redis-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else "",
                    help="where Redis keeps its data (default /dev/shm, a tmpfs; '' for the test folder)")
    args = ap.parse_args()
    os.environ["MENTIOND_BUILD_DIR"] = os.path.abspath(args.build)
    from apiserver import Httpd
    from harness import Daemon, Redis, Scenario, config, wait_for

    # SIGTERM (a timeout): clean up as on any error.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("soak: SIGTERM"))
    check_templates()
    warmup = 0.2 * args.seconds
    http_per_source = max(1, min(20, args.rate // 250))
    bulk_rate = args.rate - 3 * http_per_source
    capacity = args.capacity or max(20000, int(bulk_rate * args.seconds * 0.1))
    hold_max = max(2000, args.rate * 2)
    ledger = Ledger()
    sc = Scenario().__enter__()
    ok = False
    try:
        # Redis's data on tmpfs when there is one: the append-only file is
        # fsynced before each reply, which on tmpfs costs nothing and still
        # loses nothing to a SIGKILL (the file outlives the process; only a
        # power cut needs the disk). On a shared virtual disk an fsync takes
        # milliseconds, and Redis reads 16 KB of a client's pipeline per
        # event-loop turn, one fsync a turn: that caps one connection at a
        # few thousand deliveries a second, a figure of the disk.
        rtmp = sc.tmp
        if args.redis_dir:
            rtmp = tempfile.mkdtemp(prefix="mentiond-soak-", dir=args.redis_dir)
            sc.add(Folder(rtmp))
        r = sc.add(Redis(rtmp))
        httpd = sc.add(Httpd())
        inp = os.path.join(sc.tmp, "bulk.jsonl")
        open(inp, "w").close()
        sources = {"bulk": "plugin = jsonl\npath = %s" % inp}
        for name in ("feed1", "feed2"):
            sources[name] = "plugin = feed\nurl = %s/%s\ninterval = 1s\nmax_interval = 2s" % (httpd.base, name)
        sources["poll"] = ("plugin = jsonpoll\nurl = %s/poll\ninterval = 1s\nmax_interval = 2s\n"
                           "items = items\nid = id\ntext = text\nlink = url\npublished = published" % httpd.base)
        http = HttpSources(httpd, ledger, http_per_source, 11)
        http.tick()
        cfg = config(sc.tmp, r.url, sources=sources,
                     extra="[dedup]\ncapacity = %d\n" % capacity).replace(
            "prefix = t\n", "prefix = t\nhold_max = %d\n" % hold_max)
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        pid = d.proc.pid
        out_path = os.path.join(sc.tmp, "consumed.tsv")
        stop = multiprocessing.Event()
        consumer = multiprocessing.Process(target=consume, args=(r.port, out_path, stop), daemon=True)
        consumer.start()

        rng = random.Random(1)
        t0 = time.monotonic()
        end = t0 + args.seconds
        restarts_at = [t0 + 0.08 * args.seconds, t0 + 0.55 * args.seconds]
        restarts, outages = 0, []
        rss = []            # (seconds since start, kB)
        later = []          # (when, post): repeats and copies to send
        n = 0
        next_http = t0 + 1
        next_rss = t0
        behind = 0.0
        f = open(inp, "a")
        restarter = None

        def restart():
            """Kill redis-server, leave it down, start it again on the same
            port and data; note how long it was away."""
            k0 = time.monotonic()
            r.kill()
            time.sleep(args.outage)
            r.proc = subprocess.Popen(
                ["redis-server", "--port", str(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
                 *r.persistence(), "--daemonize", "no"],
                stdout=open(os.path.join(r.dir, "redis.log"), "a"), stderr=subprocess.STDOUT)
            wait_for("redis-server back", r._ping, 120, 0.05)
            outages.append(time.monotonic() - k0)

        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - t0) * bulk_rate) - n
            behind = max(behind, due / max(bulk_rate, 1))
            lines = []
            for _ in range(min(due, bulk_rate)):
                n += 1
                p = Post("bulk", "b%d" % n, rng)
                lines.append(p.jsonl())
                ledger.add(p)
                x = rng.random()
                if x < 0.02:
                    later.append((now + rng.uniform(0.2, 3), p, True))
                elif x < 0.04 and p.alerts is not None:
                    later.append((now + rng.uniform(0.2, 3), p.copy("c%d" % n, rng), False))
            if later and later[0][0] <= now:
                keep = []
                for when, p, repeat in later:
                    if when <= now:
                        lines.append(p.jsonl())
                        ledger.add(p, repeat)
                    else:
                        keep.append((when, p, repeat))
                later = keep
            if lines:
                f.write("".join(lines))
                f.flush()
            if now >= next_http:
                http.tick()
                next_http += 1
            if now >= next_rss:
                # Read what the daemon tells systemd: a notify socket left
                # full blocks its sd_notify(), and so its loop.
                d.notify.poll()
                d.notify.messages.clear()
                rss.append((now - t0, vm_rss_kb(pid)))
                next_rss += 2
                if d.proc.poll() is not None:
                    raise AssertionError("mentiond exited: %s" % d.logtext()[-3000:])
            if restarts_at and now >= restarts_at[0] and (restarter is None or not restarter.is_alive()):
                restarts_at.pop(0)
                restarts += 1
                restarter = threading.Thread(target=restart)
                restarter.start()
            time.sleep(0.01)
        for when, p, repeat in later:
            f.write(p.jsonl())
            ledger.add(p, repeat)
        f.close()
        sent_for = time.monotonic() - t0
        if restarter is not None:
            restarter.join(150)
        http.calm()

        # Drain: every expected alert in, or the time is up.
        expected = ledger.expected
        d0 = time.monotonic()
        got = {}
        while time.monotonic() - d0 < args.drain:
            got = delivered(out_path)
            if expected <= set(got):
                break
            d.notify.poll()
            d.notify.messages.clear()
            time.sleep(1)
        drained_in = time.monotonic() - d0
        time.sleep(3)       # anything sent twice would come now
        stop.set()
        consumer.join(30)
        got = delivered(out_path)
        rss.append((time.monotonic() - t0, vm_rss_kb(pid)))
        dcpu = cpu_seconds(pid)
        rc, _ = d.stop(30)
        log = d.logtext().splitlines()
        faults = json.loads(__import__("urllib.request").request.urlopen(httpd.base + "/_log", timeout=10)
                            .read())["faults"]

        dups = sum(c - 1 for c in got.values() if c > 1)
        missing = expected - set(got)
        unexpected = set(got) - expected
        # The warm-up lasts until the catch-up after the first outage is over
        # too (the daemon reconnects after a backoff of a few seconds).
        if outages:
            warmup = max(warmup, 0.08 * args.seconds + outages[0] + 10)
        after = [kb for t, kb in rss if t >= warmup]
        lo, hi = min(after), max(after)
        flat = (hi - lo) <= args.rss_bound * lo
        print("soak: %.0f s at %d posts/s (%d by jsonl, 3 HTTP sources %d/s each), warm-up %.0f s, "
              "dedup capacity %d, hold_max %d" % (args.seconds, args.rate, bulk_rate, http_per_source,
                                                  warmup, capacity, hold_max))
        print("mentions sent: %d (%d exact repeats, %d near-copies, %d matching no track); sent in %.1f s, "
              "at most %.2f s behind" % (ledger.sent, ledger.repeats, ledger.copies, ledger.unmatched,
                                         sent_for, behind))
        print("alerts expected: %d" % len(expected))
        print("alerts delivered: %d (distinct; drained %.1f s after the sources stopped)"
              % (len(set(got) & expected), drained_in))
        print("duplicates: %d" % dups)
        print("missing: %d%s" % (len(missing), (" e.g. %s" % sorted(missing)[:5]) if missing else ""))
        print("unexpected: %d%s" % (len(unexpected), (" e.g. %s" % sorted(unexpected)[:5]) if unexpected else ""))
        print("RSS after warm-up: min %.1f MB, max %.1f MB (%+.1f%%; %d samples; at the end of warm-up "
              "%.1f MB, peak of the whole run %.1f MB)" % (lo / 1024, hi / 1024, 100.0 * (hi - lo) / lo,
                                                           len(after), after[0] / 1024,
                                                           max(kb for _, kb in rss) / 1024))
        print("RSS samples (MB, every 2 s): %s" % " ".join("%.1f" % (kb / 1024) for _, kb in rss))
        print("Redis restarts: %d (down %s s each, SIGKILL)" % (restarts, ", ".join("%.1f" % o for o in outages)))
        print("source failures injected: %d (%s)" % (sum(faults.values()), ", ".join(
            "%s %d" % kv for kv in sorted(faults.items()))))
        print("daemon log: %d lines, %d of them not an 'alert:' line (%d 'works again', %d 'reconnected', "
              "%d 'spool drained', %d 'dropping')" % (
                  len(log), sum(" alert: " not in l for l in log), sum("works again" in l for l in log),
                  sum("reconnected to" in l for l in log), sum("spool drained" in l for l in log),
                  sum("dropping" in l for l in log)))
        print("mentiond CPU: %.1f s (%.1f us a post sent)" % (dcpu, dcpu * 1e6 / max(ledger.sent, 1)))
        print("mentiond exit code: %d" % rc)
        ok = (expected == set(got) and dups == 0 and (flat or args.no_rss_check) and rc == 0
              and restarts == 2)
        print("soak: %s" % ("PASS" if ok else "FAIL"))
        if not ok:
            print("---- last lines of the mentiond log ----\n%s" % "\n".join(log[-40:]))
    except BaseException:
        for c in sc.closers:
            if isinstance(c, Daemon):
                sys.stderr.write("---- end of the mentiond log ----\n%s\n" % c.logtext()[-5000:])
        raise
    finally:
        if not ok and args.keep:
            print("kept %s" % sc.tmp)
        for c in reversed(sc.closers):
            (c.close if hasattr(c, "close") else c.stop)()
        if not (args.keep and not ok):
            shutil.rmtree(sc.tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
