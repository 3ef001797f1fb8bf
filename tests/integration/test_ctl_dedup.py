#!/usr/bin/env python3
"""mentionctl dedup: the daemon's deduplication on JSON lines, one answer per
line, in order; bad lines get an error and the rest goes on."""
import json
import os
import subprocess
import sys

BUILD = os.environ.get("MENTIOND_BUILD_DIR", "build")
CTL = os.path.join(BUILD, "daemon", "mentionctl")


def dedup(lines, *args):
    """Run mentionctl dedup ARGS on LINES (dicts or raw strings)."""
    data = "".join((l if isinstance(l, str) else json.dumps(l)) + "\n"
                   for l in lines)
    p = subprocess.run([CTL, "dedup"] + list(args), input=data.encode(),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    assert len(out) == len(lines), (lines, out)
    return out


def test_exact_and_link():
    story = "https://news.example/acme-recall?utm_source=x"
    out = dedup([
        {"id": "1", "source": "hn", "url": story, "title": "Acme recalls its router"},
        {"id": "1", "source": "hn", "url": story, "title": "Acme recalls its router"},
        {"id": "9", "source": "reddit", "url": story, "title": "Acme recalls router"},
        {"id": "10", "source": "reddit", "url": story,
         "text": "I returned mine last week, the support never answered my calls about it"},
        {"id": "1", "source": "hn", "url": story, "title": "Acme recalls its router (update)"},
        {"id": "2", "source": "hn", "text": "something else entirely"},
    ])
    assert out[0] == {"id": "hn:1", "dup_of": None, "reason": None}, out
    assert out[1] == {"id": "hn:1", "dup_of": "hn:1", "reason": "same_id"}, out
    assert out[2] == {"id": "reddit:9", "dup_of": "hn:1", "reason": "same_url"}, out
    # A comment about the link is its own mention.
    assert out[3] == {"id": "reddit:10", "dup_of": None, "reason": None}, out
    assert out[4] == {"id": "hn:1", "dup_of": "hn:1", "reason": "update"}, out
    assert out[5]["reason"] is None, out
    print("ok - same id, edits, same link, a comment about a link")


def test_bad_lines():
    out = dedup(['not json', '{"text": "no id"}', '[1, 2]',
                 {"id": "a", "text": "fine"}, {"id": "a", "text": "fine"},
                 {"id": 9917515, "text": "an integer id, as jsonl takes it"},
                 {"id": 1.5, "text": "not an id"}])
    assert out[0] == {"line": 1, "error": "not a JSON object"}, out
    assert out[1] == {"line": 2, "error": "no \"id\" string or integer"}, out
    assert out[2]["error"] == "not a JSON object", out
    assert out[3] == {"id": "stdin:a", "dup_of": None, "reason": None}, out
    assert out[4]["reason"] == "same_id", out
    assert out[5] == {"id": "stdin:9917515", "dup_of": None, "reason": None}, out
    assert out[6] == {"line": 7, "error": "no \"id\" string or integer"}, out
    print("ok - bad lines are answered with an error and skipped")


def test_cli():
    p = subprocess.run([CTL, "dedup", "--near-distance", "12"],
                       capture_output=True, timeout=30)
    assert p.returncode == 2 and b"usage" in p.stderr, p
    p = subprocess.run([CTL, "dedup", "--help"], capture_output=True, timeout=30)
    assert p.returncode == 0 and b"--min-words" in p.stdout, p
    print("ok - options checked")


def main():
    if not os.access(CTL, os.X_OK):
        print("FAIL: %s not built" % CTL)
        return 1
    test_exact_and_link()
    test_bad_lines()
    test_cli()
    print("all mentionctl dedup tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
