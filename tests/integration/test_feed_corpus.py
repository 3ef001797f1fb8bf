#!/usr/bin/env python3
"""The feed parser on other parsers' corpora (../shared/eval/feeds, read in
place), through `mentionctl parse feed FILE`:

- feedparser's wellformed/ and illformed/ tests whose `Expect:` expression is
  only about entries[...] fields mentiond exposes are evaluated against our
  output, feedparser's names mapped to ours (title, link -> url, id/guid -> id,
  author, summary/description/content[0]['value'] -> text, published and
  published_parsed -> published, compared as instants). The pass rate is
  printed per folder; the test fails when one falls below its FLOOR.
- every gofeed sample with an expected output parses without error into the
  expected number of entries; every gofeed and rome sample parses without a
  crash or a timeout.
- every miniflux sample decodes its encoding without replacement characters
  or mojibake.

FLOOR is the rate measured when the test was written, minus 2 points."""
import calendar
import email.utils
import html.parser
import json
import os
import re
import subprocess
import sys
import time

BUILD = os.environ.get("MENTIOND_BUILD_DIR", "build")
SOURCE = os.environ.get("MENTIOND_SOURCE_DIR", ".")
CTL = os.path.join(BUILD, "daemon", "mentionctl")
FEEDS = os.path.join(SOURCE, "..", "shared", "eval", "feeds")
FEEDPARSER = os.path.join(FEEDS, "feedparser", "tests")

FLOOR = {"wellformed": 0.946, "illformed": 0.98}

# feedparser's entry keys that mentiond exposes, and ours.
KEYS = {"title": "title", "link": "link", "id": "id", "guid": "id",
        "author": "author", "summary": "text", "description": "text",
        "published": "published", "published_parsed": "published_parsed"}
ACCESS = re.compile(r"entries\[(\d+)\]((?:\[[^\]]+\]|\.\w+)*)")
EXPECT = re.compile(r"^\s*Expect:\s*(.*)$", re.M)


def run_many(paths, url=None):
    """mentionctl parse feed PATHS...: {path: (ok, entries, error)}."""
    out = {p: (True, [], None) for p in paths}
    for i in range(0, len(paths), 400):
        batch = paths[i:i + 400]
        p = subprocess.run([CTL, "parse", "feed"] +
                           (["--url", url] if url else []) + batch,
                           capture_output=True, timeout=50)
        assert p.returncode in (0, 1), "%s...: exit %d (a crash?) %s" % (
            batch[0], p.returncode, p.stderr.decode(errors="replace")[-2000:])
        for line in p.stdout.decode("utf-8").splitlines():
            e = json.loads(line)
            f = e.pop("file", batch[0])  # one file: no "file" member
            if "error" in e:
                out[f] = (False, out[f][1], e["error"])
            else:
                out[f][1].append(e)
        if len(batch) == 1 and p.returncode == 1:
            out[batch[0]] = (False, out[batch[0]][1], p.stderr.decode())
    return out


def to_instant(v):
    """Unix seconds of a feedparser date value (string or struct), or None."""
    if isinstance(v, time.struct_time) or isinstance(v, tuple):
        return calendar.timegm(tuple(v)[:6] + (0, 0, 0))
    if isinstance(v, str):
        try:
            return email.utils.parsedate_to_datetime(v).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
        try:
            from datetime import datetime
            return datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


class Instant:
    """A date that equals any spelling of the same instant."""

    def __init__(self, t):
        self.t = t

    def __eq__(self, other):
        o = to_instant(other)
        return o is not None and abs(o - self.t) < 1

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        return "Instant(%r)" % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t))


class TextReducer(html.parser.HTMLParser):
    """HTML to its text, as the daemon reads it: no tags, no script/style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def as_text(v):
    """V (HTML) reduced to text with white space collapsed."""
    r = TextReducer()
    r.feed(v)
    r.close()
    return " ".join("".join(r.out).split())


class Text(str):
    """A title or text that equals any HTML with the same text."""

    def __eq__(self, other):
        return isinstance(other, str) and as_text(self) == as_text(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


class Entry(dict):
    """An entry with feedparser's names, also readable as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)


def feedparser_entry(e, text):
    """Our output line as a feedparser entry (titles and texts compared as
    text when TEXT)."""
    d = Entry()
    wrap = Text if text else str
    if e.get("title") is not None:
        d["title"] = wrap(e["title"])
    if e.get("url") is not None:
        d["link"] = e["url"]
    if e.get("id") is not None and not e["id"].startswith("hash:"):
        d["id"] = d["guid"] = e["id"]
    if e.get("author") is not None:
        d["author"] = e["author"]
    if e.get("text") is not None:
        d["summary"] = d["description"] = wrap(e["text"])
        d["content"] = [{"value": wrap(e["text"])}]
    if e.get("published") is not None:
        t = calendar.timegm(time.strptime(e["published"], "%Y-%m-%dT%H:%M:%SZ"))
        d["published"] = Instant(t)
        d["published_parsed"] = Instant(t)
    return d


def applicable(expr):
    """The expression without bozo, when it is only about exposed fields."""
    expr = re.sub(r"^\s*(not\s+)?bozo\s+and\s+", "", expr)
    if "bozo" in expr or "feed" in re.sub(r"entries\[[^\]]*\]", "", expr) \
            and re.search(r"\bfeed\b", expr):
        return None
    found = ACCESS.findall(expr)
    if not found:
        return None
    rest = ACCESS.sub("", expr)
    if re.search(r"\b(entries|headers|version|encoding|namespaces)\b", rest):
        return None
    for _, chain in found:
        keys = re.findall(r"\[\s*['\"]?([^'\"\]]+)['\"]?\s*\]|\.(\w+)", chain)
        keys = [a or b for a, b in keys]
        if not keys:
            return None
        if keys[0] == "content":
            if keys[1:] != ["0", "value"]:
                return None
        elif keys[0] not in KEYS or len(keys) != 1:
            return None
    return expr


def feedparser_folder(folder):
    """Evaluate the applicable expectations of one folder: (passed, total)."""
    passed = 0
    failures = []
    cases = []
    root = os.path.join(FEEDPARSER, folder)
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fp:
                head = fp.read(4096).decode("utf-8", "replace")
            m = EXPECT.search(head)
            if m is None:
                continue
            expr = applicable(m.group(1).strip())
            if expr is not None:
                cases.append((path, expr))
    # Files feedparser's tests serve over HTTP resolve against their URL.
    results = run_many([path for path, _ in cases
                        if not os.path.basename(path).startswith("http_")])
    for path, _ in cases:
        if os.path.basename(path).startswith("http_"):
            url = "http://127.0.0.1:8097/" + os.path.relpath(
                path, os.path.dirname(FEEDPARSER))
            results.update(run_many([path], url))
    strict = 0
    for path, expr in cases:
        entries = results[path][1]
        ok = {}
        for text in (False, True):
            env = {"entries": [feedparser_entry(e, text) for e in entries],
                   "time": time, "u": str}
            try:
                ok[text] = bool(eval(expr, env))
            except Exception:  # a missing key or entry: the expectation fails
                ok[text] = False
        strict += ok[False]
        if ok[True]:
            passed += 1
        else:
            failures.append((os.path.relpath(path, FEEDPARSER), expr,
                             entries[:1]))
    return passed, strict, len(cases), failures


def test_feedparser():
    verbose = os.environ.get("FEED_CORPUS_VERBOSE")
    for folder in ("wellformed", "illformed"):
        passed, strict, total, failures = feedparser_folder(folder)
        rate = passed / total if total else 1.0
        print("feedparser %s: %d/%d expectations pass comparing titles and "
              "texts as text (%.1f%%, floor %.1f%%); %d/%d (%.1f%%) comparing "
              "their HTML as strings"
              % (folder, passed, total, 100 * rate, 100 * FLOOR[folder],
                 strict, total, 100 * strict / max(total, 1)))
        if verbose:
            for path, expr, got in failures:
                print("  FAIL %s\n    expect %s\n    got    %s" % (path, expr, got))
        assert rate >= FLOOR[folder], "%s: %.1f%% < floor" % (folder, 100 * rate)


def gofeed_expected_count(path):
    """The entry count gofeed's expected output gives for PATH, or None."""
    base, _ = os.path.splitext(path)
    for cand in (base + ".json", base + "_expected.json"):
        if cand != path and os.path.exists(cand):
            with open(cand) as fp:
                try:
                    doc = json.load(fp)
                except ValueError:
                    return None
            for key in ("items", "entries"):
                if isinstance(doc, dict) and isinstance(doc.get(key), list):
                    return len(doc[key])
                if isinstance(doc, dict) and key in doc and doc[key] is None:
                    return 0
            if isinstance(doc, dict) and "version" in doc:
                return 0
    return None


# gofeed samples that are not feeds at all, which gofeed's tests expect an
# error from: invalid JSON, and an empty file.
BROKEN_ON_PURPOSE = {"invalid.json", "empty_feed.xml"}


def test_gofeed_rome():
    counted = counted_ok = other = other_ok = refused = 0
    bad = []
    paths = []
    for corpus in ("gofeed", "rome"):
        for dirpath, _, files in sorted(os.walk(os.path.join(FEEDS, corpus))):
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                if f.endswith(".xml") or (
                        f.endswith(".json") and "/parser/json" in path and
                        not f.endswith("_expected.json")):
                    paths.append(path)
    results = run_many(paths)
    for path in paths:
        ok, entries, err = results[path]
        want = gofeed_expected_count(path) if "/gofeed/" in path else None
        if want is not None:
            counted += 1
            if ok and len(entries) == want:
                counted_ok += 1
            else:
                bad.append("%s: %d entries, expected %d %s" % (
                    os.path.relpath(path, FEEDS), len(entries), want, err))
        elif os.path.basename(path) in BROKEN_ON_PURPOSE:
            # An error is the right answer; gofeed's own tests expect one.
            refused += 1
            if ok:
                bad.append("%s: parsed, but it is broken on purpose" % os.path.relpath(path, FEEDS))
        else:
            other += 1
            other_ok += ok
            if not ok:
                bad.append("%s: %s" % (os.path.relpath(path, FEEDS), err))
    print("gofeed with expected output: %d/%d right entry count" % (counted_ok, counted))
    print("gofeed/rome others: %d/%d parse without error, none crashed; the %d broken on purpose "
          "refused with an error" % (other_ok, other, refused))
    for b in bad:
        print("  " + b)
    assert counted_ok == counted, "%d gofeed samples wrong" % (counted - counted_ok)
    assert other_ok == other and refused == len(BROKEN_ON_PURPOSE), bad


MOJIBAKE = re.compile("\ufffd|[\u00c2\u00c3\u00d0\u00d1][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]")


def test_miniflux_encodings():
    """Every miniflux sample (declared, undeclared and wrongly declared
    ISO-8859-1, Windows-1252/1251, KOI8-R, UTF-8) decodes to text without
    replacement characters or UTF-8-read-as-Latin-1 mojibake."""
    paths = []
    for dirpath, _, files in sorted(os.walk(os.path.join(FEEDS, "miniflux"))):
        paths += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".xml")]
    results = run_many(paths)
    bad = []
    for path in paths:
        ok, entries, err = results[path]
        text = " ".join(str(v) for e in entries for v in e.values())
        if not ok or MOJIBAKE.search(text):
            bad.append("%s: %s %s" % (os.path.relpath(path, FEEDS), err,
                                      MOJIBAKE.findall(text)[:3]))
    print("miniflux: %d/%d samples decode cleanly" % (len(paths) - len(bad), len(paths)))
    for b in bad:
        print("  " + b)
    assert not bad


if __name__ == "__main__":
    t0 = time.time()
    test_feedparser()
    test_gofeed_rome()
    test_miniflux_encodings()
    print("ok - feed corpora in %.1f s" % (time.time() - t0))
