#!/usr/bin/env python3
# The HTTPS send and receive paths, byte for byte, over TLS 1.2 and 1.3:
# pipelined requests in one write (a large file, a HEAD, ranges, a small
# file), a client that reads nothing for a while (the server's socket and
# its record buffer fill up), and a request head that arrives in pieces.
# Prints TAP lines; used by tls.sh.
#   tls_stream.py PORT CAFILE URLPATH FILE [URLPATH FILE]
# The first pair is the large file, the second a small one.
import socket
import ssl
import sys
import time

port, cafile = int(sys.argv[1]), sys.argv[2]
big_path, big = sys.argv[3], open(sys.argv[4], "rb").read()
small_path, small = sys.argv[5], open(sys.argv[6], "rb").read()
failed = 0


def tap(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + "tls: " + what, flush=True)
    failed += 0 if ok else 1


class Conn:
    def __init__(self, version, rcvbuf=0):
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.minimum_version = ctx.maximum_version = version
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # A small window: the server's sends come back short.
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.settimeout(20)
        raw.connect(("127.0.0.1", port))
        self.s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buf = b""

    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(262144)
            if not d:
                raise EOFError("the server closed the connection")
            self.buf += d

    def response(self, head_only=False):
        """(status, headers dict, body) of the next response."""
        while b"\r\n\r\n" not in self.buf:
            self.need(len(self.buf) + 1)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        hdr = {}
        for ln in lines[1:]:
            k, v = ln.split(b":", 1)
            hdr[k.strip().lower().decode()] = v.strip().decode()
        n = 0 if head_only else int(hdr.get("content-length", "0"))
        self.need(n)
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdr, body


def req(method, path, extra=""):
    return ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" %
            (method, path, extra)).encode()


for name, version in (("TLS 1.3", ssl.TLSVersion.TLSv1_3),
                      ("TLS 1.2", ssl.TLSVersion.TLSv1_2)):
    # Pipelined: what each answer must be, in order.
    mid = len(big) // 2
    plan = [
        (req("GET", big_path), 200, big, False),
        (req("HEAD", small_path), 200, b"", True),
        (req("GET", big_path, "Range: bytes=%d-%d\r\n" % (mid, mid + 99999)),
         206, big[mid:mid + 100000], False),
        (req("GET", small_path, "Range: bytes=10-\r\n"), 206, small[10:],
         False),
        (req("GET", big_path, "Range: bytes=-70000\r\n"), 206, big[-70000:],
         False),
        (req("GET", small_path), 200, small, False),
    ]
    try:
        c = Conn(version)
        c.s.sendall(b"".join(p[0] for p in plan))
        bad = []
        for i, (_, status, body, head_only) in enumerate(plan):
            st, _, got = c.response(head_only)
            if st != status or got != body:
                bad.append("answer %d: %d, %d bytes" % (i + 1, st, len(got)))
        tap(not bad, "%s: %d pipelined requests, every body byte for byte%s"
            % (name, len(plan), (" (" + "; ".join(bad) + ")") if bad else ""))
    except (OSError, EOFError, ValueError) as e:
        tap(False, "%s: pipelined requests (%s)" % (name, e))

    # A client with a small window that reads nothing for a second, then
    # in small pieces for a while.
    try:
        c = Conn(version, rcvbuf=4096)
        c.s.sendall(req("GET", big_path) + req("GET", small_path))
        time.sleep(1)
        for _ in range(40):
            c.buf += c.s.recv(3000)
            time.sleep(0.01)
        st1, _, b1 = c.response()
        st2, _, b2 = c.response()
        tap(st1 == 200 and b1 == big and st2 == 200 and b2 == small,
            "%s: a reader that stalls gets the large file byte for byte, "
            "then the next answer" % name)
    except (OSError, EOFError, ValueError) as e:
        tap(False, "%s: a reader that stalls (%s)" % (name, e))

    # A request head in three records, some time apart.
    try:
        c = Conn(version)
        r = req("GET", small_path)
        for part in (r[:5], r[5:20], r[20:]):
            c.s.sendall(part)
            time.sleep(0.2)
        st, _, got = c.response()
        c.s.sendall(req("GET", small_path))
        st2, _, got2 = c.response()
        tap(st == 200 and got == small and st2 == 200 and got2 == small,
            "%s: a request head in pieces is answered, and the next one "
            "on the connection" % name)
    except (OSError, EOFError, ValueError) as e:
        tap(False, "%s: a request head in pieces (%s)" % (name, e))

sys.exit(1 if failed else 0)
