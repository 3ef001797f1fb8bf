#!/usr/bin/python3
"""
httpd.py - a scripted HTTP/1.1 server for mentiond's tests (stdlib only).

Usage: httpd.py [PORT] [--root DIR]
  Listens on 127.0.0.1:PORT (keep-alive, one thread per connection). With
  PORT 0 or none it picks a free port. Either way the port is printed alone on
  the first line of stdout. --root DIR serves DIR under /files/.

Paths (query parameters in brackets, defaults after "="):
  /ok [body=ok\\n, type=text/plain, status=200]   a plain response
  /status [code=200, retry_after=, body=]         any status, maybe Retry-After
  /redirect [to=/ok, code=302]                    a redirect
  /etag [v=v1, close=0]    ETag "v"; 304 when If-None-Match matches
                           (close=1: the 200's body ends with the connection,
                           no Content-Length)
  /lastmod [t=1700000000]  Last-Modified t; 304 when If-Modified-Since >= t
  /slow [delay=1]          sleeps delay seconds, then "slow\\n"
  /429 [retry_after=1, date=0]  429 with Retry-After (an HTTP date if date=1)
  /503 [retry_after=1, date=0]  the same with 503
  /500                     500 every time
  /flaky [fail=2, key=path] the first `fail` requests (counted per key) get
                           500, the next ones 200 "ok\\n"
  /ratelimit [remaining=0, reset=1, epoch=0, upper=0, iso=0, std=0]
                           200 with X-Ratelimit-Remaining and -Reset (seconds
                           from now, or an epoch timestamp if epoch=1, or an
                           ISO 8601 time if iso=1 (as Mastodon); spelled
                           X-RateLimit-* if upper=1, RateLimit-* if std=1)
  /truncated               Content-Length 1000, sends 7 bytes and closes
  /garbage [http=0]        random bytes instead of an HTTP response, then
                           close (http=1: a 200 whose body is random bytes)
  /huge [bytes=1048576, chunked=0]  a body of `bytes` "x" (chunked: without
                           Content-Length)
  /gzip                    gzip-encoded text ("hello gzip\\n" x 100)
  /bomb [mb=1024]          a gzip bomb: Content-Encoding gzip, chunked, the
                           compressed form of mb MiB of zeros (about 1 KiB
                           a MiB on the wire), made on the fly
  /loris [gap=10, hold=60] a 200 whose body comes one byte every gap
                           seconds, for hold seconds (a slow loris)
  /silent [hold=60]        reads the request, answers nothing for hold
                           seconds, then closes
  /sse [count=5, per_conn=3, retry=, hold=5, bom=0]
                           text/event-stream of events 1..count, resuming
                           after Last-Event-ID; per_conn events per connection,
                           then close. After the last, heartbeats for hold s.
                           Event i: i%3==1: event "tick", data
                           "line one of i\\nline two" (LF lines); i%3==2: data
                           '{"n": i}' after a comment (CRLF lines); i%3==0:
                           data "plain i" (CR lines). Sent in odd splits.
  /sse-stall [hold=10]     one event (id = Last-Event-ID + 1, data "stall N"),
                           then silence for hold seconds
  /lines [count=5, nonl=0] NDJSON {"n": i, "text": "line i"} lines, chunked in
                           odd splits, with a blank heartbeat line and CRLF
                           endings on even lines; nonl=1: no final newline
  /files/REL               a file under --root, with ETag, Last-Modified, 304s
  POST /_route             script a path: JSON {"path": "/x", "status": 200,
                           "headers": {...}, "body": "..."}; or {"path": ...,
                           "responses": [{...}, ...]} served in turn, the last
                           repeating. A path with "?" matches that exact query;
                           otherwise any query. Routes win over built-ins.
                           A response with "hold": S is streamed instead:
                           no Content-Length, the body in odd splits, then
                           the connection held open and silent for S
                           seconds before it is closed (a stalled or a
                           dropped stream, scripted).
                           A response with "gzip": true is sent gzipped
                           (Content-Encoding: gzip), as some APIs always do.
                           "body_b64" gives the body as base64, for bytes
                           that are not UTF-8.
                           "chaos": {"p": 0.3, "burst": 3, "seed": 1} makes
                           the route fail at random instead of answering:
                           with probability p (at most burst times in a
                           row) a request gets one of a 500, a 503 or a 429
                           (both with Retry-After: 1), a reset (the
                           connection closed with RST, no response), a body
                           shorter than its Content-Length (then close), or
                           a 200 whose body is cut in half. /_log counts
                           them by kind in "faults".
  /_log                    JSON {"requests": [...], "max_inflight": N}: every
                           request seen except /_*, in order, each with method,
                           path (with query), headers (dict), body (POST),
                           time and end (epoch seconds), inflight (requests in
                           progress when it arrived, itself included), client
                           (peer port); "faults": the chaos served, by
                           kind
  /_reset                  forget the log, counters and routes
Any other path: 404. Any other POST is logged and answered 200 "ok\\n".
"""
import base64
import email.utils
import gzip
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"log": [], "inflight": 0, "max_inflight": 0, "counters": {},
         "routes": {}, "faults": {}}
CHAOS = ["500", "503", "429", "reset", "short", "cut"]
ROOT = None
SPLITS = [1, 7, 2, 13, 3, 5, 11, 4, 17, 6]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mentiond-test-httpd/1"

    def log_message(self, fmt, *args):
        pass

    # Helpers.

    def param(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def reply(self, status, body=b"", headers=None, ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        hdrs = dict(headers or {})
        if ctype is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = ctype
        for k, v in hdrs.items():
            self.send_header(k, str(v))
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def send_odd(self, data, chunked):
        """Write DATA in odd-sized pieces, flushing each."""
        i = k = 0
        while i < len(data):
            n = SPLITS[k % len(SPLITS)]
            piece = data[i:i + n]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            self.wfile.flush()
            i += n
            k += 1
            time.sleep(0.002)

    def start_stream(self, ctype, chunked):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()

    # Dispatch.

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        self.route = url.path
        self.query = urllib.parse.parse_qs(url.query)
        body = b""
        n = int(self.headers.get("Content-Length") or 0)
        if n > 0:
            body = self.rfile.read(min(n, 1 << 20))
        if self.route.startswith("/_"):
            return self.control(body)
        entry = {"method": self.command, "path": self.path,
                 "headers": dict(self.headers.items()), "time": time.time(),
                 "client": self.client_address[1]}
        if self.command == "POST":
            entry["body"] = body.decode("utf-8", "replace")
        with LOCK:
            STATE["inflight"] += 1
            entry["inflight"] = STATE["inflight"]
            STATE["max_inflight"] = max(STATE["max_inflight"],
                                        STATE["inflight"])
            STATE["log"].append(entry)
        try:
            self.serve()
        finally:
            with LOCK:
                STATE["inflight"] -= 1
                entry["end"] = time.time()

    def control(self, body):
        if self.route == "/_log":
            with LOCK:
                doc = json.dumps({"requests": STATE["log"],
                                  "max_inflight": STATE["max_inflight"],
                                  "faults": STATE["faults"]})
            return self.reply(200, doc, ctype="application/json")
        if self.route == "/_reset":
            with LOCK:
                STATE["log"].clear()
                STATE["counters"].clear()
                STATE["routes"].clear()
                STATE["faults"].clear()
                STATE["max_inflight"] = 0
            return self.reply(200, "ok\n")
        if self.route == "/_route" and self.command == "POST":
            try:
                doc = json.loads(body)
                path = doc["path"]
                responses = doc.get("responses") or [doc]
            except (ValueError, KeyError, TypeError) as e:
                return self.reply(400, "bad route: %s\n" % e)
            with LOCK:
                old = STATE["routes"].get(path) or {}
                chaos = doc.get("chaos")
                STATE["routes"][path] = {
                    "responses": responses, "n": 0, "chaos": chaos,
                    "rng": old.get("rng") or random.Random(
                        (chaos or {}).get("seed", 1)),
                    "row": old.get("row", 0)}
            return self.reply(200, "ok\n")
        return self.reply(404, "no such control path\n")

    def scripted(self):
        """The scripted response for this request (None: no route), and
        the chaos to serve instead of it (None: none)."""
        with LOCK:
            r = STATE["routes"].get(self.path)
            if r is None:
                r = STATE["routes"].get(self.route)
            if r is None:
                return None, None
            resp = r["responses"][min(r["n"], len(r["responses"]) - 1)]
            r["n"] += 1
            chaos = r.get("chaos")
            if not chaos or r["row"] >= int(chaos.get("burst", 3)) or \
                    r["rng"].random() >= float(chaos.get("p", 0.3)):
                r["row"] = 0
                return resp, None
            r["row"] += 1
            kind = r["rng"].choice(CHAOS)
            STATE["faults"][kind] = STATE["faults"].get(kind, 0) + 1
            return resp, kind

    def chaos(self, kind, resp):
        """Fail this request as KIND says (see "chaos")."""
        if kind in ("500", "503", "429"):
            return self.reply(int(kind), "chaos %s\n" % kind,
                              {} if kind == "500" else {"Retry-After": "1"})
        self.close_connection = True
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            return None
        body = resp.get("body", "").encode()
        headers = dict(resp.get("headers") or {})
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, str(v))
        if kind == "short":
            self.send_header("Content-Length", str(len(body) + 1000))
        else:
            body = body[:len(body) // 2]
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body if kind == "cut" else body[:len(body) // 2])
        self.wfile.flush()
        return None

    def serve(self):
        resp, kind = self.scripted()
        if kind is not None:
            return self.chaos(kind, resp)
        if resp is not None and resp.get("hold") is not None:
            return self.held(resp)
        if resp is not None:
            headers = dict(resp.get("headers") or {})
            body = resp.get("body", "")
            if resp.get("body_b64") is not None:
                body = base64.b64decode(resp["body_b64"])
            if resp.get("gzip"):
                body = gzip.compress(body if isinstance(body, bytes)
                                     else body.encode())
                headers["Content-Encoding"] = "gzip"
            return self.reply(int(resp.get("status", 200)), body, headers,
                              ctype=None if "Content-Type" in headers
                              else "text/plain")
        if self.command == "POST":
            return self.reply(200, "ok\n")
        name = "path_" + self.route.strip("/").replace("-", "_")
        if self.route.startswith("/files/"):
            return self.path_files()
        fn = getattr(self, name, None)
        if fn is None or self.route == "/":
            return self.reply(404, "not found\n")
        return fn()

    def held(self, resp):
        """A scripted response streamed, then held open (see "hold")."""
        self.send_response(int(resp.get("status", 200)))
        headers = resp.get("headers") or {}
        for k, v in headers.items():
            self.send_header(k, str(v))
        if "Content-Type" not in headers:
            self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        self.send_odd(resp.get("body", "").encode(), chunked=False)
        end = time.time() + float(resp["hold"])
        while time.time() < end:
            time.sleep(0.05)

    # The paths.

    def path_ok(self):
        self.reply(int(self.param("status", "200")), self.param("body", "ok\n"),
                   ctype=self.param("type", "text/plain"))

    def path_status(self):
        headers = {}
        if self.param("retry_after") is not None:
            headers["Retry-After"] = self.param("retry_after")
        self.reply(int(self.param("code", "200")), self.param("body", ""),
                   headers)

    def path_redirect(self):
        self.reply(int(self.param("code", "302")), "",
                   {"Location": self.param("to", "/ok")})

    def path_etag(self):
        tag = '"%s"' % self.param("v", "v1")
        if self.headers.get("If-None-Match") == tag:
            return self.reply(304, headers={"ETag": tag}, ctype=None)
        if self.param("close", "0") == "1":
            # The body ends with the connection: no length, no chunks.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("ETag", tag)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"etag %s\n" % tag.encode())
            self.close_connection = True
            return
        self.reply(200, "etag %s\n" % tag, {"ETag": tag})

    def path_lastmod(self):
        t = int(self.param("t", "1700000000"))
        lm = email.utils.formatdate(t, usegmt=True)
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                if email.utils.parsedate_to_datetime(ims).timestamp() >= t:
                    return self.reply(304, headers={"Last-Modified": lm},
                                      ctype=None)
            except (TypeError, ValueError):
                pass
        self.reply(200, "lastmod %d\n" % t, {"Last-Modified": lm})

    def path_slow(self):
        time.sleep(float(self.param("delay", "1")))
        self.reply(200, "slow\n")

    def retry_after(self, code):
        ra = self.param("retry_after", "1")
        if self.param("date", "0") == "1":
            ra = email.utils.formatdate(time.time() + float(ra), usegmt=True)
        self.reply(code, "busy\n", {"Retry-After": ra})

    def path_429(self):
        self.retry_after(429)

    def path_503(self):
        self.retry_after(503)

    def path_500(self):
        self.reply(500, "error\n")

    def path_flaky(self):
        key = self.param("key", self.path)
        with LOCK:
            n = STATE["counters"].get(key, 0)
            STATE["counters"][key] = n + 1
        if n < int(self.param("fail", "2")):
            return self.reply(500, "flaky failure %d\n" % (n + 1))
        self.reply(200, "ok\n")

    def path_ratelimit(self):
        reset = float(self.param("reset", "1"))
        if self.param("iso", "0") == "1":
            reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                  time.gmtime(time.time() + reset + 1))
        elif self.param("epoch", "0") == "1":
            reset = int(time.time() + reset + 1)
        else:
            reset = int(reset) if reset == int(reset) else reset
        prefix = "X-RateLimit-" if self.param("upper") == "1" \
            else "X-Ratelimit-"
        if self.param("std") == "1":
            prefix = "RateLimit-"
        self.reply(200, "limited\n", {
            prefix + "Remaining": self.param("remaining", "0"),
            prefix + "Reset": str(reset)})

    def path_truncated(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"partial")
        self.wfile.flush()
        self.close_connection = True

    def path_garbage(self):
        if self.param("http", "0") == "1":
            return self.reply(200, os.urandom(4096),
                              ctype="application/octet-stream")
        self.wfile.write(b"\x00\xff garbage " + os.urandom(512))
        self.wfile.flush()
        self.close_connection = True

    def path_bomb(self):
        mb = int(self.param("mb", "1024"))
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = b"\0" * (1 << 20)
        try:
            for _ in range(mb):
                piece = z.compress(zeros)
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            piece = z.flush()
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(piece), piece))
            self.wfile.flush()
        except OSError:
            pass    # the client gave up, as it should
        self.close_connection = True

    def path_loris(self):
        gap = float(self.param("gap", "10"))
        end = time.time() + float(self.param("hold", "60"))
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            while time.time() < end:
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(gap)
        except OSError:
            pass
        self.close_connection = True

    def path_silent(self):
        end = time.time() + float(self.param("hold", "60"))
        while time.time() < end:
            time.sleep(0.1)
        self.close_connection = True

    def path_huge(self):
        n = int(self.param("bytes", str(1 << 20)))
        chunked = self.param("chunked", "0") == "1"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        block = b"x" * 65536
        while n > 0:
            piece = block[:min(n, len(block))]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            n -= len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def path_gzip(self):
        self.reply(200, gzip.compress(b"hello gzip\n" * 100),
                   {"Content-Encoding": "gzip"})

    @staticmethod
    def sse_event(i):
        if i % 3 == 1:
            return ("id: %d\nevent: tick\ndata: line one of %d\n"
                    "data: line two\n\n" % (i, i)).encode()
        if i % 3 == 2:
            return (': heartbeat\r\nid: %d\r\ndata: {"n": %d}\r\n\r\n'
                    % (i, i)).encode()
        return ("id:%d\rdata:plain %d\r\r" % (i, i)).encode()

    def last_event_id(self):
        try:
            return int(self.headers.get("Last-Event-ID") or 0)
        except ValueError:
            return 0

    def path_sse(self):
        count = int(self.param("count", "5"))
        per_conn = int(self.param("per_conn", "3"))
        hold = float(self.param("hold", "5"))
        first = self.last_event_id() + 1
        self.start_stream("text/event-stream", chunked=False)
        out = b""
        if self.param("bom", "0") == "1":
            out += b"\xef\xbb\xbf"
        out += b": hello\n\n"
        if self.param("retry") is not None:
            out += b"retry: %s\n\n" % self.param("retry").encode()
        for i in range(first, min(count, first + per_conn - 1) + 1):
            out += self.sse_event(i)
        self.send_odd(out, chunked=False)
        if first + per_conn - 1 >= count:
            end = time.time() + hold
            while time.time() < end:
                time.sleep(0.2)
                self.wfile.write(b": keep-alive\n")
                self.wfile.flush()

    def path_sse_stall(self):
        hold = float(self.param("hold", "10"))
        i = self.last_event_id() + 1
        self.start_stream("text/event-stream", chunked=False)
        self.wfile.write(b"id: %d\ndata: stall %d\n\n" % (i, i))
        self.wfile.flush()
        end = time.time() + hold
        while time.time() < end:
            time.sleep(0.1)

    def path_lines(self):
        count = int(self.param("count", "5"))
        out = b""
        for i in range(1, count + 1):
            eol = b"\r\n" if i % 2 == 0 else b"\n"
            out += json.dumps({"n": i, "text": "line %d" % i}).encode() + eol
            if i == 2:
                out += b"\n"
        if self.param("nonl", "0") == "1":
            out = out.rstrip(b"\r\n")
        self.start_stream("application/x-ndjson", chunked=True)
        self.send_odd(out, chunked=True)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def path_files(self):
        if ROOT is None:
            return self.reply(404, "no --root\n")
        rel = urllib.parse.unquote(self.route[len("/files/"):])
        path = os.path.realpath(os.path.join(ROOT, rel))
        if not path.startswith(os.path.realpath(ROOT) + os.sep) or \
                not os.path.isfile(path):
            return self.reply(404, "not found\n")
        st = os.stat(path)
        tag = '"%x-%x"' % (st.st_mtime_ns, st.st_size)
        lm = email.utils.formatdate(int(st.st_mtime), usegmt=True)
        headers = {"ETag": tag, "Last-Modified": lm}
        if self.headers.get("If-None-Match") == tag:
            return self.reply(304, headers=headers, ctype=None)
        ims = self.headers.get("If-Modified-Since")
        if ims and self.headers.get("If-None-Match") is None:
            try:
                if email.utils.parsedate_to_datetime(ims).timestamp() >= \
                        int(st.st_mtime):
                    return self.reply(304, headers=headers, ctype=None)
            except (TypeError, ValueError):
                pass
        with open(path, "rb") as f:
            data = f.read()
        ctype = "application/octet-stream"
        for ext, t in ((".json", "application/json"), (".xml", "application/xml"),
                       (".rss", "application/rss+xml"), (".txt", "text/plain"),
                       (".html", "text/html"), (".jsonl", "application/x-ndjson")):
            if path.endswith(ext):
                ctype = t
        self.reply(200, data, headers, ctype=ctype)


def main():
    global ROOT
    args = sys.argv[1:]
    if "--root" in args:
        i = args.index("--root")
        ROOT = args[i + 1]
        del args[i:i + 2]
    port = int(args[0]) if args else 0
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
