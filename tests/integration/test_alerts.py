"""test_alerts.py - the main job end to end: lines appended to a jsonl file
become exact entries in the mentions stream, alerts in the durable queues
(consumer group delivery and XACK), and messages on the pub/sub channels;
unmatched and duplicate posts are not written; READY=1 reaches systemd."""
import json
import os
import threading

from harness import Daemon, Redis, Scenario, append, config, entries, post, run, wait_for


def test_stream_entries_alerts_and_channels():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        open(inp, "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url)))
        d.wait_ready()
        assert d.notify.seen("READY=1")

        # Subscribe before anything is published.
        ps = r.client.pubsub()
        ps.subscribe("t:alerts:question", "t:alerts:negative")
        wait_for("subscription", lambda: ps.get_message(timeout=0.05) is not None)
        wait_for("second subscription", lambda: ps.get_message(timeout=0.05) is not None)

        append(inp, [
            post(1, "Does anyone know how to reset my Acme router?", author={"handle": "jdoe", "name": "Jane", "followers": 1200}),
            post(2, "Nothing to see here, just lunch."),
            post(3, "My ACME box is broken again, worst service ever"),
            post(4, "Acme fibre installed today, works fine."),
            post(1, "Does anyone know how to reset my Acme router?"),  # same id again
        ])
        wait_for("3 mentions", lambda: r.client.xlen("t:mentions") >= 3)
        got = entries(r.client, "t:mentions")
        assert [k for k, _ in got] == ["feed:p1", "feed:p3", "feed:p4"], got
        m1 = got[0][1]
        assert m1["source"] == "feed" and m1["plugin"] == "jsonl"
        assert m1["source_id"] == "p1"
        assert m1["author"]["handle"] == "jdoe" and m1["author"]["followers"] == 1200
        assert m1["url"] == "https://example.org/p/1"
        assert m1["track"] == "acme" and "question" in m1["classes"]
        assert "negative" in got[1][1]["classes"]
        assert got[2][1]["classes"] == []

        q = entries(r.client, "t:alerts:question")
        n = entries(r.client, "t:alerts:negative")
        assert [k for k, _ in q] == ["feed:p1"], q
        assert [k for k, _ in n] == ["feed:p3"], n

        # The consumer group exists and delivers, then XACK clears it.
        res = r.client.xreadgroup("mentiond", "alice", {"t:alerts:question": ">"}, count=10)
        assert len(res) == 1 and len(res[0][1]) == 1
        eid, fields = res[0][1][0]
        assert fields["id"] == "feed:p1"
        assert r.client.xack("t:alerts:question", "mentiond", eid) == 1
        assert r.client.xpending("t:alerts:question", "mentiond")["pending"] == 0

        # The channels carried the same documents.
        msgs = []
        def collect():
            m = ps.get_message(timeout=0.05)
            if m and m["type"] == "message":
                msgs.append((m["channel"], json.loads(m["data"])["id"]))
            return len(msgs) >= 2
        wait_for("2 channel messages", collect)
        assert sorted(msgs) == [("t:alerts:negative", "feed:p3"), ("t:alerts:question", "feed:p1")]
        ps.close()

        rc, took = d.stop()
        assert rc == 0 and took < 5, (rc, took)


def test_list_queue():
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        inp = os.path.join(sc.tmp, "in.jsonl")
        append(inp, [post(i, "acme is broken? #%d" % i) for i in range(5)])
        cfg = config(sc.tmp, r.url).replace("prefix = t\n", "prefix = t\nqueue = list\n")
        d = sc.add(Daemon(sc.tmp, cfg))
        d.wait_ready()
        wait_for("5 listed alerts", lambda: r.client.llen("t:alerts:question") == 5)
        ids = [json.loads(r.client.brpop("t:alerts:question", 1)[1])["id"] for _ in range(5)]
        assert ids == ["feed:p%d" % i for i in range(5)], ids


def test_systemd_status_and_watchdog():
    """STATUS= says what the daemon does, and WATCHDOG=1 comes from the loop
    at half the interval systemd asks for."""
    with Scenario() as sc:
        r = sc.add(Redis(sc.tmp))
        open(os.path.join(sc.tmp, "in.jsonl"), "w").close()
        d = sc.add(Daemon(sc.tmp, config(sc.tmp, r.url), env={"WATCHDOG_USEC": "200000"}))
        d.wait_ready()
        wait_for("three WATCHDOG=1", lambda: sum(m.split("\n").count("WATCHDOG=1") for m in d.notify.poll()) >= 3, 5)
        status = [l for m in d.notify.poll() for l in m.split("\n") if l.startswith("STATUS=")]
        assert any("1/1 sources" in l and "redis" in l for l in status), status


if __name__ == "__main__":
    run([test_stream_entries_alerts_and_channels, test_list_queue, test_systemd_status_and_watchdog])
