#!/usr/bin/python3
"""bench_feed.py - the feed parser side by side with sfeed (the suckless C
feed parser) and python3-feedparser, on the same generated feeds: a 500-item
RSS 2.0 feed and a 500-entry Atom feed, with the fields and HTML real feeds
carry (entities, CDATA, dc:creator, content:encoded).

Usage: tests/bench/bench_feed.py [BUILD_DIR]   (default: build)
Needs: apt-get install sfeed python3-feedparser (either may be missing: its
column is then skipped). mentiond's figure is in-process (build/tests/
bench_feed); sfeed is a program, so each run's start-up cost is measured on
an empty feed and taken off. All three are timed by CPU time (the process's
own, or the child's from wait4), so a busy machine slows none of them in the
figures. Run by hand; not a test."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

N = 500
WORDS = ("acme fibre router outage support lumio bike battery update "
         "customers week service price launch review").split()


def para(i, n):
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n))


def rss(path):
    items = []
    for i in range(N):
        items.append(
            "<item><title>Acme &amp; Lumio news %d: %s</title>"
            "<link>https://news.example.com/2024/06/%d/story-%d.html</link>"
            "<guid isPermaLink=\"false\">urn:example:story:%d</guid>"
            "<pubDate>Tue, 11 Jun 2024 %02d:%02d:00 +0200</pubDate>"
            "<dc:creator>Writer %d</dc:creator>"
            "<description>&lt;p&gt;%s &amp;mdash; &lt;a href=\"/more/%d\"&gt;read more&lt;/a&gt;&lt;/p&gt;</description>"
            "<content:encoded><![CDATA[<p>%s</p><p>%s <em>%s</em></p>]]></content:encoded>"
            "</item>" % (i, para(i, 6), i % 28 + 1, i, i, i % 24, i % 60, i % 40,
                         para(i, 40), i, para(i + 1, 60), para(i + 2, 50), para(i, 4)))
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                "<channel><title>Example news</title><link>https://news.example.com/</link>"
                "<description>News</description>" + "".join(items) + "</channel></rss>\n")


def atom(path):
    entries = []
    for i in range(N):
        entries.append(
            "<entry><title type=\"html\">Acme &amp;amp; Lumio %d: %s</title>"
            "<link rel=\"alternate\" href=\"/2024/06/story-%d\"/>"
            "<id>tag:example.com,2024:story-%d</id>"
            "<updated>2024-06-11T%02d:%02d:00Z</updated>"
            "<author><name>Writer %d</name></author>"
            "<summary type=\"html\">&lt;p&gt;%s&lt;/p&gt;</summary>"
            "<content type=\"html\">&lt;p&gt;%s&lt;/p&gt;&lt;p&gt;%s&lt;/p&gt;</content>"
            "</entry>" % (i, para(i, 6), i, i, i % 24, i % 60, i % 40, para(i, 40),
                          para(i + 1, 60), para(i + 2, 50)))
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
                'xml:base="https://blog.example.org/"><title>Example blog</title>'
                "<id>tag:example.com,2024:blog</id><updated>2024-06-11T00:00:00Z</updated>"
                + "".join(entries) + "</feed>\n")


def empty(path):
    with open(path, "w") as f:
        f.write('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>\n')


def run_sfeed(path, seconds=2.0):
    """CPU seconds per run of sfeed on PATH (user + system, from wait4),
    the best of runs over about SECONDS of wall clock."""
    best, runs, t0 = None, 0, time.monotonic()
    while time.monotonic() - t0 < seconds or runs < 5:
        with open(path, "rb") as f:
            p = subprocess.Popen(["sfeed"], stdin=f, stdout=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            if p.returncode != 0:
                raise RuntimeError("sfeed exited %d" % p.returncode)
        cpu = ru.ru_utime + ru.ru_stime
        best = cpu if best is None else min(best, cpu)
        runs += 1
    return best


def run_feedparser(path, seconds=3.0):
    import feedparser
    data = open(path, "rb").read()
    runs, n, t0, c0 = 0, 0, time.monotonic(), time.process_time()
    while time.monotonic() - t0 < seconds or runs < 2:
        n = len(feedparser.parse(data).entries)
        runs += 1
    return (time.process_time() - c0) / runs, n


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    tmp = tempfile.mkdtemp(prefix="bench_feed.")
    files = [os.path.join(tmp, "rss2-500.xml"), os.path.join(tmp, "atom-500.xml")]
    rss(files[0])
    atom(files[1])
    base = os.path.join(tmp, "empty.xml")
    empty(base)

    print("== mentiond (tests/bench/bench_feed.c, in-process)")
    out = subprocess.run([os.path.join(build, "tests", "bench_feed")] + files, check=True,
                         capture_output=True, text=True).stdout
    print(out, end="")
    ours = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        ours[f[0]] = float(f[3])

    if shutil.which("sfeed"):
        print("== sfeed %s (CPU time, best run, minus that of a run on an empty feed)" %
              subprocess.run(["dpkg-query", "-W", "-f=${Version}", "sfeed"],
                             capture_output=True, text=True).stdout)
        t_empty = run_sfeed(base)
        for path in files:
            t = run_sfeed(path) - t_empty
            size = os.path.getsize(path)
            name = os.path.basename(path)
            print("%-28s %8d %10.1f %12.0f   mentiond is %.1fx" % (
                name, N, size / t / 1e6, N / t, ours[name] / (N / t)))
    else:
        print("== sfeed: not installed (apt-get install sfeed)")

    try:
        import feedparser
        print("== python3-feedparser %s (in-process)" % feedparser.__version__)
        for path in files:
            t, n = run_feedparser(path)
            name = os.path.basename(path)
            print("%-28s %8d %10.1f %12.0f   mentiond is %.0fx" % (
                name, n, os.path.getsize(path) / t / 1e6, n / t, ours[name] / (n / t)))
    except ImportError:
        print("== python3-feedparser: not installed (apt-get install python3-feedparser)")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
