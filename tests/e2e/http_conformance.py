#!/usr/bin/env python3
"""HTTP/1.x conformance cases against a running airlockd, over raw sockets.

usage: http_conformance.py PORT WWW_DIR [HEADER_TIMEOUT IDLE_TIMEOUT
                                         BODY_TIMEOUT MAX_CONNECTIONS]

Prints one TAP line per case ("ok - http: CASE" / "not ok - http: CASE")
with "# ..." diagnostic lines after a failure; exits 1 when a case failed.
Standard library only.  Every socket has a timeout, so nothing can hang.

The limits the daemon must run with (see tests/e2e/http.sh):
  max_request_line = 1024, max_header_size = 4096, max_headers = 20,
  max_body_size = 1000, and the timeouts/max_connections given above.
"""

import errno
import hashlib
import json
import os
import re
import select
import socket
import sys
import time

PORT = int(sys.argv[1])
WWW = sys.argv[2]
HEADER_TIMEOUT = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
IDLE_TIMEOUT = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
BODY_TIMEOUT = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
MAX_CONNECTIONS = int(sys.argv[6]) if len(sys.argv) > 6 else 20

MAX_REQUEST_LINE = 1024
MAX_HEADER_SIZE = 4096
MAX_HEADERS = 20
MAX_BODY_SIZE = 1000

SOCK_TIMEOUT = 5.0      # any single blocking socket operation
SLACK = 1.5             # timeouts are swept once per second
EARLY = 0.5             # closing this much before a timeout is a failure

NAME = "http"
failures = 0
count = 0


# ---------------------------------------------------------------- TAP output

class CaseFailed(Exception):
    pass


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line)


def show(raw, limit=600):
    """A raw response for a diagnostic: escaped, cut short."""
    if raw is None:
        return "(nothing)"
    if isinstance(raw, str):
        raw = raw.encode("latin-1", "replace")
    text = repr(bytes(raw[:limit]))
    if len(raw) > limit:
        text += " ... (%d bytes in all)" % len(raw)
    return text


def case(desc):
    """Decorator: runs the function as one TAP case."""
    def wrap(fn):
        global failures, count
        count += 1
        try:
            fn()
            print("ok - %s: %s" % (NAME, desc))
        except CaseFailed as e:
            failures += 1
            print("not ok - %s: %s" % (NAME, desc))
            diag(e)
        except Exception as e:  # a client-side surprise is a failure too
            failures += 1
            print("not ok - %s: %s" % (NAME, desc))
            if isinstance(e, Closed):
                diag("%s; got %s" % (e, show(e.partial)))
            elif isinstance(e, socket.timeout):
                diag("no reply within the socket timeout (%.0fs)" %
                     SOCK_TIMEOUT)
            else:
                diag("%s: %s" % (type(e).__name__, e))
        sys.stdout.flush()
        return fn
    return wrap


def expect(cond, msg, resp=None):
    if not cond:
        if resp is not None:
            msg = "%s\nresponse: %s" % (msg, show(resp.raw))
        raise CaseFailed(msg)


# ------------------------------------------------------------ the raw client

class Response:
    def __init__(self):
        self.version = None
        self.status = None
        self.reason = None
        self.headers = []       # [(name, value)] in order
        self.body = b""
        self.raw = b""

    def header(self, name):
        """The value of the one field called name (None when absent)."""
        vals = self.all(name)
        return vals[0] if vals else None

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def has_token(self, name, token):
        for v in self.all(name):
            for t in v.split(","):
                if t.strip().lower() == token.lower():
                    return True
        return False

    def __repr__(self):
        return show(self.raw)


class Closed(Exception):
    """The server closed the connection (or reset it) before a response."""
    def __init__(self, msg, partial=b""):
        Exception.__init__(self, msg)
        self.partial = partial


class Conn:
    def __init__(self, timeout=SOCK_TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", PORT),
                                             timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self):
        """One recv into buf; False at EOF or reset."""
        if self.eof:
            return False
        try:
            d = self.sock.recv(65536)
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def read_response(self, head=False):
        """Reads exactly one response: the head, then Content-Length bytes
        (none for HEAD, 1xx, 204, 304).  Raises Closed on early EOF and
        socket.timeout when the server says nothing."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise Closed("connection closed before a full response head",
                             self.buf)
        end = self.buf.index(b"\r\n\r\n") + 4
        headraw, rest = self.buf[:end], self.buf[end:]
        lines = headraw[:-4].split(b"\r\n")
        r = Response()
        m = re.match(rb"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise CaseFailed("bad status line %s" % show(lines[0]))
        r.version = m.group(1).decode()
        r.status = int(m.group(2))
        r.reason = m.group(3).decode("latin-1")
        for ln in lines[1:]:
            if b":" not in ln:
                raise CaseFailed("bad header line %s in %s" %
                                 (show(ln), show(headraw)))
            n, v = ln.split(b":", 1)
            r.headers.append((n.decode("latin-1"),
                              v.strip(b" \t").decode("latin-1")))
        nobody = head or r.status in (204, 304) or 100 <= r.status < 200
        length = 0
        if not nobody:
            cl = r.header("Content-Length")
            if cl is None:
                if r.header("Transfer-Encoding") is not None:
                    raise CaseFailed("unexpected Transfer-Encoding: %s" %
                                     show(headraw))
                # Delimited by close.
                self.buf = rest
                while self._fill():
                    pass
                rest, self.buf = self.buf, b""
                length = len(rest)
            else:
                if not re.match(r"^\d+$", cl):
                    raise CaseFailed("bad Content-Length in %s" %
                                     show(headraw))
                length = int(cl)
        self.buf = rest
        while len(self.buf) < length:
            if not self._fill():
                raise Closed("connection closed after %d of %d body bytes" %
                             (len(self.buf), length), headraw + self.buf)
        r.body = self.buf[:length]
        self.buf = self.buf[length:]
        r.raw = headraw + r.body
        return r

    def wait_closed(self, timeout):
        """Seconds until EOF (or reset), or None if still open at timeout.
        Any bytes that arrive meanwhile are kept in self.extra."""
        start = time.monotonic()
        self.extra = b""
        if self.eof:
            return 0.0
        self.sock.settimeout(timeout)
        try:
            while True:
                left = timeout - (time.monotonic() - start)
                if left <= 0:
                    return None
                self.sock.settimeout(left)
                try:
                    d = self.sock.recv(65536)
                except ConnectionResetError:
                    d = b""
                if not d:
                    self.eof = True
                    return time.monotonic() - start
                self.extra += d
        except socket.timeout:
            return None
        finally:
            self.sock.settimeout(SOCK_TIMEOUT)

    def is_open(self, wait=0.2):
        """True when no EOF arrives within wait seconds."""
        r, _, _ = select.select([self.sock], [], [], wait)
        if not r:
            return True
        try:
            self.sock.setblocking(False)
            d = self.sock.recv(65536, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return True
        except ConnectionResetError:
            return False
        finally:
            self.sock.settimeout(SOCK_TIMEOUT)
        return bool(d)


def req(method, path, headers=None, version="HTTP/1.1", host=True, body=b""):
    lines = ["%s %s %s" % (method, path, version)]
    if host:
        lines.append("Host: 127.0.0.1:%d" % PORT)
    for h in headers or []:
        lines.append(h)
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data + body


def one(data, head=False):
    """Sends data on a fresh connection, returns (response, conn)."""
    c = Conn()
    c.send(data)
    try:
        r = c.read_response(head=head)
    except Closed as e:
        c.close()
        raise CaseFailed("%s; got %s" % (e, show(e.partial)))
    except socket.timeout:
        c.close()
        raise CaseFailed("no response within %.0fs; request %s" %
                         (SOCK_TIMEOUT, show(data)))
    return r, c


def fetch(data, head=False):
    r, c = one(data, head)
    c.close()
    return r


def expect_status(r, status, what=""):
    expect(r.status == status, "%sexpected %d, got %d" %
           (what + ": " if what else "", status, r.status), r)


def expect_closes(c, r=None, within=2.0):
    t = c.wait_closed(within)
    expect(t is not None, "connection still open %.1fs after the response" %
           within, r)
    expect(c.extra == b"", "bytes after the response: %s" % show(c.extra), r)


def expect_error(data, status, closes=True):
    r, c = one(data)
    try:
        expect_status(r, status)
        if closes:
            expect(r.has_token("Connection", "close"),
                   "no Connection: close on a %d" % status, r)
            expect_closes(c, r)
    finally:
        c.close()
    return r


def content(name):
    with open(os.path.join(WWW, name), "rb") as f:
        return f.read()


INDEX = content("index.html")
RAND = content("rand.bin")
BIG = content("big.bin")
PACKAGES = content("PACKAGES")
SUBINDEX = content(os.path.join("sub", "index.html"))
RAND_SIZE = len(RAND)

IMF = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
                 r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                 r"\d{4} \d\d:\d\d:\d\d GMT$")
STRONG_ETAG = re.compile(r'^"[\x21\x23-\x7e\x80-\xff]*"$')


def file_headers_ok(r, size, ctype):
    expect(r.header("Content-Length") == str(size),
           "Content-Length %r, want %d" % (r.header("Content-Length"), size),
           r)
    expect(r.header("Content-Type") is not None and
           r.header("Content-Type").startswith(ctype),
           "Content-Type %r, want %s" % (r.header("Content-Type"), ctype), r)
    lm = r.header("Last-Modified")
    expect(lm is not None and IMF.match(lm), "bad Last-Modified %r" % lm, r)
    et = r.header("ETag")
    expect(et is not None and STRONG_ETAG.match(et),
           "ETag %r is not a strong quoted entity tag" % et, r)
    expect(r.header("Accept-Ranges") == "bytes",
           "Accept-Ranges %r" % r.header("Accept-Ranges"), r)


def get_rand():
    r = fetch(req("GET", "/rand.bin"))
    expect_status(r, 200)
    return r


# ================================================================ the cases
# Methods and versions.

@case("GET /index.html: 200, text/html, exact body")
def _():
    r = fetch(req("GET", "/index.html"))
    expect_status(r, 200)
    file_headers_ok(r, len(INDEX), "text/html")
    expect(r.body == INDEX, "body differs from the file", r)
    expect(r.version == "HTTP/1.1", "status line version %s" % r.version, r)
    expect(r.header("Date") is not None and IMF.match(r.header("Date")),
           "missing or bad Date", r)


@case("GET 20000-byte file: exact bytes, application/octet-stream")
def _():
    r = get_rand()
    file_headers_ok(r, RAND_SIZE, "application/octet-stream")
    expect(r.body == RAND, "body differs from the file (sha256 %s vs %s)" %
           (hashlib.sha256(r.body).hexdigest(),
            hashlib.sha256(RAND).hexdigest()), r)


@case("GET 1 MiB file: exact bytes")
def _():
    r = fetch(req("GET", "/big.bin"))
    expect_status(r, 200)
    file_headers_ok(r, len(BIG), "application/octet-stream")
    expect(hashlib.sha256(r.body).digest() == hashlib.sha256(BIG).digest(),
           "body differs from the file (%d bytes)" % len(r.body), r)


@case("GET PACKAGES: text/plain")
def _():
    r = fetch(req("GET", "/PACKAGES"))
    expect_status(r, 200)
    file_headers_ok(r, len(PACKAGES), "text/plain")
    expect(r.body == PACKAGES, "body differs from the file", r)


@case("GET .tar.gz: application/x-gzip")
def _():
    r = fetch(req("GET", "/pkg_1.0.tar.gz"))
    expect_status(r, 200)
    file_headers_ok(r, len(content("pkg_1.0.tar.gz")), "application/x-gzip")


@case("HEAD: same headers as GET, no body (pipelined GET after it parses)")
def _():
    with Conn() as c:
        c.send(req("HEAD", "/rand.bin") + req("GET", "/rand.bin"))
        h = c.read_response(head=True)
        g = c.read_response()
        expect_status(h, 200, "HEAD")
        expect_status(g, 200, "GET")
        for name in ("Content-Type", "Content-Length", "Last-Modified",
                     "ETag", "Accept-Ranges"):
            expect(h.header(name) == g.header(name),
                   "%s differs: HEAD %r, GET %r" %
                   (name, h.header(name), g.header(name)), h)
        expect(g.body == RAND, "GET after HEAD: wrong body "
               "(did HEAD send a body?)", g)


@case("HEAD of a big file: no body, connection stays usable")
def _():
    with Conn() as c:
        c.send(req("HEAD", "/big.bin"))
        h = c.read_response(head=True)
        expect_status(h, 200)
        expect(h.header("Content-Length") == str(len(BIG)),
               "Content-Length %r" % h.header("Content-Length"), h)
        time.sleep(0.2)
        c.sock.setblocking(False)
        try:
            stray = c.sock.recv(65536)
        except BlockingIOError:
            stray = b""
        c.sock.settimeout(SOCK_TIMEOUT)
        expect(stray == b"", "HEAD sent body bytes: %s" % show(stray), h)
        c.send(req("GET", "/index.html"))
        r = c.read_response()
        expect(r.status == 200 and r.body == INDEX,
               "second request after HEAD failed", r)


for _m in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
    def _mk(m):
        @case("%s: 405 with Allow: GET, HEAD" % m)
        def _():
            with Conn() as c:
                c.send(req(m, "/index.html", ["Content-Length: 0"]))
                r = c.read_response()
                expect_status(r, 405)
                expect(r.header("Allow") == "GET, HEAD",
                       "Allow %r" % r.header("Allow"), r)
                # 405 keeps the connection.
                c.send(req("GET", "/index.html"))
                r2 = c.read_response()
                expect(r2.status == 200 and r2.body == INDEX,
                       "request after the 405 failed", r2)
    _mk(_m)


@case("unknown method token BREW: 501")
def _():
    expect_error(req("BREW", "/index.html"), 501)


@case("methods are case-sensitive: 'get' is unknown, 501")
def _():
    expect_error(req("get", "/index.html"), 501)


@case("HTTP/2.0 in the request line: 505")
def _():
    expect_error(req("GET", "/index.html", version="HTTP/2.0"), 505)


@case("HTTP/1.2 (unsupported minor): 505")
def _():
    expect_error(req("GET", "/index.html", version="HTTP/1.2"), 505)


@case("garbage version HTTX/1.1: 400")
def _():
    expect_error(req("GET", "/index.html", version="HTTX/1.1"), 400)


@case("garbage version HTTP/1: 400")
def _():
    expect_error(req("GET", "/index.html", version="HTTP/1"), 400)


@case("HTTP/1.1 without Host: 400")
def _():
    expect_error(req("GET", "/index.html", host=False), 400)


@case("HTTP/1.0 without Host: 200")
def _():
    r = fetch(req("GET", "/index.html", version="HTTP/1.0", host=False))
    expect_status(r, 200)
    expect(r.body == INDEX, "wrong body", r)


@case("two Host fields: 400")
def _():
    expect_error(req("GET", "/index.html", ["Host: other"]), 400)


# Connection management.

@case("HTTP/1.1 keep-alive by default: 3 requests on one connection")
def _():
    with Conn() as c:
        for path, want in (("/index.html", INDEX), ("/rand.bin", RAND),
                           ("/PACKAGES", PACKAGES)):
            c.send(req("GET", path))
            r = c.read_response()
            expect_status(r, 200, path)
            expect(r.body == want, "%s: wrong body" % path, r)
            expect(not r.has_token("Connection", "close"),
                   "%s: Connection: close on a keep-alive request" % path, r)


@case("HTTP/1.1 Connection: close: response says close, socket closes")
def _():
    r, c = one(req("GET", "/index.html", ["Connection: close"]))
    with c:
        expect_status(r, 200)
        expect(r.body == INDEX, "wrong body", r)
        expect(r.has_token("Connection", "close"),
               "no Connection: close in the response", r)
        expect_closes(c, r)


@case("HTTP/1.0: closes by default, with Connection: close")
def _():
    r, c = one(req("GET", "/index.html", version="HTTP/1.0", host=False))
    with c:
        expect_status(r, 200)
        expect(r.has_token("Connection", "close"),
               "no Connection: close in the response", r)
        expect_closes(c, r)


@case("HTTP/1.0 Connection: keep-alive: response says keep-alive, stays open")
def _():
    with Conn() as c:
        for i in range(2):
            c.send(req("GET", "/index.html", ["Connection: keep-alive"],
                       version="HTTP/1.0"))
            r = c.read_response()
            expect_status(r, 200, "request %d" % (i + 1))
            expect(r.has_token("Connection", "keep-alive"),
                   "request %d: no Connection: keep-alive" % (i + 1), r)
            expect(r.body == INDEX, "wrong body", r)
        expect(c.is_open(0.3), "closed after a keep-alive HTTP/1.0 request")


@case("pipelining: 4 requests in one write, responses in order")
def _():
    paths = [("/index.html", INDEX), ("/rand.bin", RAND),
             ("/missing.txt", None), ("/PACKAGES", PACKAGES)]
    with Conn() as c:
        c.send(b"".join(req("GET", p) for p, _ in paths))
        for p, want in paths:
            r = c.read_response()
            if want is None:
                expect_status(r, 404, p)
            else:
                expect_status(r, 200, p)
                expect(r.body == want, "%s: wrong body (out of order?)" % p,
                       r)
        expect(c.is_open(0.2), "closed after pipelined keep-alive requests")


@case("pipelining: last request with Connection: close ends the connection")
def _():
    with Conn() as c:
        c.send(req("GET", "/index.html") + req("GET", "/PACKAGES") +
               req("GET", "/index.html", ["Connection: close"]))
        a = c.read_response()
        b = c.read_response()
        z = c.read_response()
        expect(a.status == 200 and a.body == INDEX, "first response", a)
        expect(b.status == 200 and b.body == PACKAGES, "second response", b)
        expect(z.status == 200 and z.has_token("Connection", "close"),
               "third response should be 200 with Connection: close", z)
        expect_closes(c, z)


@case("GET with a 5-byte body, then a pipelined GET: body skipped")
def _():
    with Conn() as c:
        c.send(req("GET", "/index.html", ["Content-Length: 5"], body=b"hello")
               + req("GET", "/PACKAGES"))
        a = c.read_response()
        b = c.read_response()
        expect(a.status == 200 and a.body == INDEX, "first response", a)
        expect(b.status == 200 and b.body == PACKAGES,
               "second response (body not skipped?)", b)


@case("body of exactly max_body_size is accepted and skipped")
def _():
    with Conn() as c:
        c.send(req("GET", "/index.html",
                   ["Content-Length: %d" % MAX_BODY_SIZE],
                   body=b"x" * MAX_BODY_SIZE) + req("GET", "/PACKAGES"))
        a = c.read_response()
        b = c.read_response()
        expect(a.status == 200 and a.body == INDEX, "first response", a)
        expect(b.status == 200 and b.body == PACKAGES, "second response", b)


@case("Content-Length over max_body_size: 413")
def _():
    expect_error(req("GET", "/index.html",
                     ["Content-Length: %d" % (MAX_BODY_SIZE + 1)]), 413)


@case("Transfer-Encoding: chunked: 501")
def _():
    expect_error(req("GET", "/index.html", ["Transfer-Encoding: chunked"]),
                 501)


# Static files.

@case("missing file: 404")
def _():
    with Conn() as c:
        c.send(req("GET", "/no-such-file.txt"))
        r = c.read_response()
        expect_status(r, 404)
        # A 404 keeps the connection.
        c.send(req("GET", "/index.html"))
        r2 = c.read_response()
        expect(r2.status == 200, "request after a 404", r2)


@case("directory without trailing slash: 301, Location ends in /")
def _():
    r = fetch(req("GET", "/sub"))
    expect_status(r, 301)
    loc = r.header("Location")
    expect(loc is not None and loc.endswith("/sub/"),
           "Location %r" % loc, r)


@case("directory with index.html: served as text/html")
def _():
    r = fetch(req("GET", "/sub/"))
    expect_status(r, 200)
    expect((r.header("Content-Type") or "").startswith("text/html"),
           "Content-Type %r" % r.header("Content-Type"), r)
    expect(r.body == SUBINDEX, "wrong body", r)


@case("/ serves the top index.html")
def _():
    r = fetch(req("GET", "/"))
    expect_status(r, 200)
    expect(r.body == INDEX, "wrong body", r)


@case("directory without index: 404 (no listing)")
def _():
    r = fetch(req("GET", "/noindex/"))
    expect_status(r, 404)
    expect(b"a.txt" not in r.body, "looks like a listing", r)


@case("file in a directory without index is served")
def _():
    r = fetch(req("GET", "/noindex/a.txt"))
    expect_status(r, 200)
    expect(r.body == content(os.path.join("noindex", "a.txt")), "wrong body",
           r)


@case("query string is ignored for file lookup")
def _():
    r = fetch(req("GET", "/index.html?x=1&y=2"))
    expect_status(r, 200)
    expect(r.body == INDEX, "wrong body", r)


@case("percent-encoded file name is decoded")
def _():
    r = fetch(req("GET", "/%69ndex.html"))
    expect_status(r, 200)
    expect(r.body == INDEX, "wrong body", r)


for _p in ("/../etc/passwd", "/a/%2e%2e/b", "/a/%2E%2E/b", "/a%2Fb",
           "/a%2fb", "/a%00b", "/%zz", "/a\\b", "/a/./b", "/sub/..",
           "/a%5Cb", "/..%2fetc/passwd"):
    def _mk(p):
        @case("path attack %s: 400" % p)
        def _():
            expect_error(req("GET", p), 400)
    _mk(_p)


@case("/__api__/status: 200 application/json, status ok, workers")
def _():
    r = fetch(req("GET", "/__api__/status"))
    expect_status(r, 200)
    expect((r.header("Content-Type") or "").startswith("application/json"),
           "Content-Type %r" % r.header("Content-Type"), r)
    expect(b'"status":"ok"' in r.body, 'no "status":"ok"', r)
    expect(b'"workers"' in r.body, 'no "workers"', r)
    try:
        j = json.loads(r.body)
    except ValueError as e:
        raise CaseFailed("not JSON (%s): %s" % (e, show(r.body)))
    expect(j.get("status") == "ok", "status %r" % j.get("status"), r)


@case("/__api__/other: 404")
def _():
    r = fetch(req("GET", "/__api__/nothing"))
    expect_status(r, 404)


# Ranges.

def range_req(spec, extra=None, path="/rand.bin"):
    return fetch(req("GET", path, ["Range: " + spec] + (extra or [])))


@case("Range bytes=0-99: 206, Content-Range, exact bytes")
def _():
    r = range_req("bytes=0-99")
    expect_status(r, 206)
    expect(r.header("Content-Range") == "bytes 0-99/%d" % RAND_SIZE,
           "Content-Range %r" % r.header("Content-Range"), r)
    expect(r.header("Content-Length") == "100", "Content-Length", r)
    expect(r.body == RAND[0:100], "wrong bytes", r)


@case("Range bytes=100-: 206, to the end")
def _():
    r = range_req("bytes=100-")
    expect_status(r, 206)
    expect(r.header("Content-Range") == "bytes 100-%d/%d" %
           (RAND_SIZE - 1, RAND_SIZE),
           "Content-Range %r" % r.header("Content-Range"), r)
    expect(r.body == RAND[100:], "wrong bytes", r)


@case("Range bytes=-50 (suffix): 206, last 50 bytes")
def _():
    r = range_req("bytes=-50")
    expect_status(r, 206)
    expect(r.header("Content-Range") == "bytes %d-%d/%d" %
           (RAND_SIZE - 50, RAND_SIZE - 1, RAND_SIZE),
           "Content-Range %r" % r.header("Content-Range"), r)
    expect(r.body == RAND[-50:], "wrong bytes", r)


@case("Range end past the size is clamped: bytes=19990-30000")
def _():
    r = range_req("bytes=%d-30000" % (RAND_SIZE - 10))
    expect_status(r, 206)
    expect(r.header("Content-Range") == "bytes %d-%d/%d" %
           (RAND_SIZE - 10, RAND_SIZE - 1, RAND_SIZE),
           "Content-Range %r" % r.header("Content-Range"), r)
    expect(r.body == RAND[-10:], "wrong bytes", r)


@case("Range in the middle of the 1 MiB file")
def _():
    r = range_req("bytes=500000-600000", path="/big.bin")
    expect_status(r, 206)
    expect(r.body == BIG[500000:600001], "wrong bytes", r)


@case("Range past the end: 416 with Content-Range: bytes */SIZE")
def _():
    with Conn() as c:
        c.send(req("GET", "/rand.bin", ["Range: bytes=%d-" % RAND_SIZE]))
        r = c.read_response()
        expect_status(r, 416)
        expect(r.header("Content-Range") == "bytes */%d" % RAND_SIZE,
               "Content-Range %r" % r.header("Content-Range"), r)
        c.send(req("GET", "/index.html"))
        r2 = c.read_response()
        expect(r2.status == 200 and r2.body == INDEX,
               "request after the 416", r2)


@case("multiple ranges: 200 with the whole body")
def _():
    r = range_req("bytes=0-9,20-29")
    expect_status(r, 200)
    expect(r.header("Content-Range") is None, "Content-Range on a 200", r)
    expect(r.body == RAND, "wrong body", r)


@case("If-Range with the current ETag: 206")
def _():
    et = get_rand().header("ETag")
    r = range_req("bytes=0-99", ["If-Range: " + et])
    expect_status(r, 206)
    expect(r.body == RAND[:100], "wrong bytes", r)


@case("If-Range with another ETag: 200, whole body")
def _():
    r = range_req("bytes=0-99", ['If-Range: "not-the-etag"'])
    expect_status(r, 200)
    expect(r.body == RAND, "wrong body", r)


@case("If-Range with the Last-Modified date: 206")
def _():
    lm = get_rand().header("Last-Modified")
    r = range_req("bytes=0-99", ["If-Range: " + lm])
    expect_status(r, 206)
    expect(r.body == RAND[:100], "wrong bytes", r)


# Conditional requests.

def cond(headers, path="/rand.bin"):
    with Conn() as c:
        c.send(req("GET", path, headers) + req("GET", "/PACKAGES"))
        r = c.read_response()
        nxt = c.read_response()
        expect(nxt.status == 200 and nxt.body == PACKAGES,
               "the request pipelined after it went wrong "
               "(a body after the 304?)", nxt)
        return r


@case("If-None-Match with the ETag: 304 without body")
def _():
    g = get_rand()
    r = cond(["If-None-Match: " + g.header("ETag")])
    expect_status(r, 304)
    expect(r.header("ETag") == g.header("ETag"),
           "304 ETag %r" % r.header("ETag"), r)


@case("If-None-Match with a list containing the ETag: 304")
def _():
    et = get_rand().header("ETag")
    r = cond(['If-None-Match: "aaa", %s , "bbb"' % et])
    expect_status(r, 304)


@case("If-None-Match with W/ETag (weak comparison): 304")
def _():
    et = get_rand().header("ETag")
    r = cond(["If-None-Match: W/" + et])
    expect_status(r, 304)


@case("If-None-Match: *: 304")
def _():
    r = cond(["If-None-Match: *"])
    expect_status(r, 304)


@case("If-None-Match not matching: 200 with body")
def _():
    r = cond(['If-None-Match: "nope", W/"nope2"'])
    expect_status(r, 200)
    expect(r.body == RAND, "wrong body", r)


@case("If-Modified-Since = Last-Modified: 304")
def _():
    lm = get_rand().header("Last-Modified")
    r = cond(["If-Modified-Since: " + lm])
    expect_status(r, 304)


@case("If-Modified-Since after Last-Modified: 304")
def _():
    r = cond(["If-Modified-Since: " +
              time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                            time.gmtime(time.time() + 3600))])
    expect_status(r, 304)


@case("If-Modified-Since before Last-Modified: 200")
def _():
    r = cond(["If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"])
    expect_status(r, 200)
    expect(r.body == RAND, "wrong body", r)


@case("non-matching If-None-Match wins over a matching If-Modified-Since")
def _():
    lm = get_rand().header("Last-Modified")
    r = cond(['If-None-Match: "nope"', "If-Modified-Since: " + lm])
    expect_status(r, 200)


# Limits.

@case("request line longer than max_request_line: 414")
def _():
    expect_error(req("GET", "/" + "a" * (MAX_REQUEST_LINE + 10)), 414)


@case("request line of exactly max_request_line is accepted (404)")
def _():
    # "GET " and " HTTP/1.1" are 13 bytes around the path.
    path = "/" + "a" * (MAX_REQUEST_LINE - 13 - 1)
    line = "GET %s HTTP/1.1" % path
    assert len(line) == MAX_REQUEST_LINE, len(line)
    r = fetch(req("GET", path))
    expect_status(r, 404)


@case("head larger than max_header_size: 431")
def _():
    big = ["X-Big-%d: %s" % (i, "b" * 1000) for i in range(5)]
    data = req("GET", "/index.html", big)
    assert len(data) > MAX_HEADER_SIZE
    expect_error(data, 431)


@case("more than max_headers fields: 431")
def _():
    many = ["X-H%d: v" % i for i in range(MAX_HEADERS + 5)]
    expect_error(req("GET", "/index.html", many), 431)


@case("max_headers fields exactly (Host included): 200")
def _():
    many = ["X-H%d: v" % i for i in range(MAX_HEADERS - 1)]
    r = fetch(req("GET", "/index.html", many))
    expect_status(r, 200)


# Timeouts (the server sweeps them once a second).

def in_window(t, timeout, what, r=None):
    expect(t is not None, "%s: still open after %.1fs" %
           (what, timeout + SLACK), r)
    expect(t >= timeout - EARLY, "%s: closed after %.2fs, before the %.0fs "
           "timeout" % (what, t, timeout), r)
    expect(t <= timeout + SLACK, "%s: closed after %.2fs, want <= %.1fs" %
           (what, t, timeout + SLACK), r)


@case("header timeout: partial head gets 408 then close")
def _():
    with Conn(timeout=HEADER_TIMEOUT + SLACK + 2) as c:
        t0 = time.monotonic()
        c.send("GET /index.html HTTP/1.1\r\nHost: x\r\n")
        try:
            r = c.read_response()
        except socket.timeout:
            raise CaseFailed("no response %.1fs after a partial head" %
                             (time.monotonic() - t0))
        except Closed as e:
            raise CaseFailed("closed after %.2fs without a 408; got %s" %
                             (time.monotonic() - t0, show(e.partial)))
        t = time.monotonic() - t0
        expect_status(r, 408)
        in_window(t, HEADER_TIMEOUT, "408", r)
        expect_closes(c, r)


@case("slowloris: a byte every 0.5s still gets 408 and close in time")
def _():
    with Conn() as c:
        data = b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 200
        t0 = time.monotonic()
        sent = 0
        limit = HEADER_TIMEOUT + SLACK + 2
        readable = False
        while time.monotonic() - t0 < limit and sent < len(data):
            try:
                c.send(data[sent:sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            r_, _, _ = select.select([c.sock], [], [], 0.5)
            if r_:
                readable = True
                break
        t = time.monotonic() - t0
        expect(readable, "no answer after %.1fs of dribbling (%d bytes)" %
               (t, sent))
        try:
            r = c.read_response()
        except Closed as e:
            raise CaseFailed("closed after %.2fs without a 408; got %s" %
                             (t, show(e.partial)))
        expect_status(r, 408)
        in_window(t, HEADER_TIMEOUT, "slowloris 408", r)
        expect_closes(c, r)


@case("idle keep-alive connection is closed after idle_timeout")
def _():
    with Conn() as c:
        c.send(req("GET", "/index.html"))
        r = c.read_response()
        expect_status(r, 200)
        t = c.wait_closed(IDLE_TIMEOUT + SLACK + 1)
        expect(c.extra == b"", "bytes while idle: %s" % show(c.extra), r)
        in_window(t, IDLE_TIMEOUT, "idle", r)


@case("body timeout: 10 of 100 body bytes, closed after body_timeout")
def _():
    with Conn() as c:
        t0 = time.monotonic()
        c.send(req("GET", "/index.html", ["Content-Length: 100"],
                   body=b"0123456789"))
        r = c.read_response()
        expect_status(r, 200)
        expect(r.body == INDEX, "wrong body", r)
        t = c.wait_closed(BODY_TIMEOUT + SLACK + 1)
        expect(c.extra == b"", "bytes after the response: %s" %
               show(c.extra), r)
        if t is not None:
            t = time.monotonic() - t0
        in_window(t, BODY_TIMEOUT, "body", r)


@case("max_connections: the next connection gets 503 and is closed")
def _():
    time.sleep(0.5)     # earlier connections are gone from the server
    held = []
    try:
        for i in range(MAX_CONNECTIONS):
            c = Conn()
            held.append(c)
            c.send("GET /index.html HTTP/1.1\r\nHost: x\r\n")
        # Give the worker the chance to accept them all.
        time.sleep(0.2)
        for i, c in enumerate(held):
            expect(c.is_open(0.0), "held connection %d closed early: %s" %
                   (i, show(c.buf)))
        extra = Conn()
        held.append(extra)
        try:
            r = extra.read_response()
        except socket.timeout:
            raise CaseFailed("connection %d: no response in %.0fs" %
                             (MAX_CONNECTIONS + 1, SOCK_TIMEOUT))
        except Closed as e:
            raise CaseFailed("connection %d: closed without a 503; got %s" %
                             (MAX_CONNECTIONS + 1, show(e.partial)))
        expect_status(r, 503)
        expect_closes(extra, r)
    finally:
        for c in held:
            c.close()


@case("after max_connections is released, a fresh request works")
def _():
    time.sleep(0.5)
    r = fetch(req("GET", "/index.html"))
    expect_status(r, 200)
    expect(r.body == INDEX, "wrong body", r)


@case("the server still answers at the end (/__api__/status)")
def _():
    r = fetch(req("GET", "/__api__/status"))
    expect_status(r, 200)


print("# %d cases, %d failed" % (count, failures))
sys.exit(1 if failures else 0)
