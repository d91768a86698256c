/*
 * Unit tests for workers/http.c: the request parser, path decoding,
 * ranges, validators, dates, status texts and MIME types.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http.h"
#include "test.h"

static const struct http_limits lim_default = { 1024, 8192, 64 };

static struct http_request req;	/* too big for the stack of every test */
static char *req_copy;		/* what req's views point into */

/*
 * Parses s (n bytes) from a heap copy of exactly that size, so a read
 * past the end would show under ASan.  The copy lives until the next
 * parse, for the views in req.
 */
static int
parse_n(const char *s, size_t n, const struct http_limits *lim, int *status)
{
	struct buf b;

	free(req_copy);
	if ((req_copy = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(req_copy, s, n);
	buf_view(&b, req_copy, n);
	*status = 0;
	return http_parse_request(&b, lim, &req, status);
}

static int
parse_lim(const char *s, const struct http_limits *lim, int *status)
{
	return parse_n(s, strlen(s), lim, status);
}

static int
parse(const char *s, int *status)
{
	return parse_lim(s, &lim_default, status);
}

/* Parses s in place, for tests that look at views. */
static int
parse_keep(struct buf *b, const char *s, int *status)
{
	buf_view(b, s, strlen(s));
	*status = 0;
	return http_parse_request(b, &lim_default, &req, status);
}

static int
str_is(struct http_str s, const char *lit)
{
	return s.p != NULL && s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static struct http_str
view(const char *s)
{
	struct http_str v;

	v.p = s;
	v.n = strlen(s);
	return v;
}

/* Status of a request whose only oddity is one header line. */
static int
header_status(const char *line)
{
	char b[512];
	int status;

	snprintf(b, sizeof(b), "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n",
	    line);
	if (parse(b, &status) == 1)
		return 0;
	return status;
}

/* Status of a request for target. */
static int
target_status(const char *target)
{
	char b[HTTP_PATH_MAX * 2];
	int status;

	snprintf(b, sizeof(b), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
	if (parse(b, &status) == 1)
		return 0;
	return status;
}

static void
test_simple_get(void)
{
	const char *s = "GET /src/contrib/PACKAGES?x=1 HTTP/1.1\r\n"
	    "Host: cran.example.org\r\n"
	    "User-Agent: R (4.4.0 x86_64-pc-linux-gnu)\r\n"
	    "Accept: */*\r\n"
	    "\r\n";
	struct buf b;
	int status;

	CHECK(parse_keep(&b, s, &status) == 1);
	CHECK(req.method == HTTP_M_GET);
	CHECK(str_is(req.method_str, "GET"));
	CHECK(req.minor == 1);
	CHECK(str_is(req.target, "/src/contrib/PACKAGES?x=1"));
	CHECK(strcmp(req.path, "/src/contrib/PACKAGES") == 0);
	CHECK(str_is(req.query, "x=1"));
	CHECK(req.nheaders == 3);
	CHECK(str_is(req.headers[0].name, "Host"));
	CHECK(str_is(req.headers[0].value, "cran.example.org"));
	CHECK(req.has_host == 1);
	CHECK(req.keep_alive == 1);
	CHECK(req.content_length == -1);
	CHECK(req.chunked == 0);
	CHECK(req.range.p == NULL);
	CHECK(req.if_modified_since == -1);
	CHECK(str_is(req.user_agent, "R (4.4.0 x86_64-pc-linux-gnu)"));
	CHECK(req.header_len == strlen(s));
}

static void
test_methods(void)
{
	static const struct {
		const char *m;
		enum http_method e;
	} tests[] = {
		{ "GET", HTTP_M_GET }, { "HEAD", HTTP_M_HEAD },
		{ "POST", HTTP_M_POST }, { "PUT", HTTP_M_PUT },
		{ "DELETE", HTTP_M_DELETE }, { "OPTIONS", HTTP_M_OPTIONS },
		{ "PATCH", HTTP_M_PATCH }, { "BREW", HTTP_M_UNKNOWN },
		{ "get", HTTP_M_UNKNOWN }, { "GETS", HTTP_M_UNKNOWN },
		{ "CONNECT", HTTP_M_UNKNOWN }, { "M-SEARCH", HTTP_M_UNKNOWN },
	};
	char b[128];
	size_t i;
	int status;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		snprintf(b, sizeof(b), "%s / HTTP/1.1\r\nHost: x\r\n\r\n",
		    tests[i].m);
		CHECK(parse(b, &status) == 1);
		CHECK(req.method == tests[i].e);
		CHECK(req.method_str.n == strlen(tests[i].m));
	}
	/* Not tokens. */
	CHECK(parse("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GE\"T / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse(" GET / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET /\r\n\r\n", &status) == -1);
	CHECK(status == 400);
}

static void
test_pipelined(void)
{
	static const char s[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	    "HEAD /b?q HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n"
	    "GET /c";
	struct buf b;
	size_t first;
	int status;

	buf_init(&b, 4096);
	CHECK(buf_put(&b, s, sizeof(s) - 1) == 0);
	CHECK(http_parse_request(&b, &lim_default, &req, &status) == 1);
	CHECK(req.method == HTTP_M_GET);
	CHECK(strcmp(req.path, "/a") == 0);
	first = req.header_len;
	CHECK(first == strlen("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
	CHECK(buf_consume(&b, first) == 0);

	CHECK(http_parse_request(&b, &lim_default, &req, &status) == 1);
	CHECK(req.method == HTTP_M_HEAD);
	CHECK(strcmp(req.path, "/b") == 0);
	CHECK(str_is(req.query, "q"));
	CHECK(req.keep_alive == 0);
	/* Views point into the buffer, past what was consumed. */
	CHECK(req.target.p >= (const char *)b.data + first);
	CHECK(req.target.p + req.target.n <= (const char *)b.data + b.len);
	CHECK(buf_consume(&b, req.header_len) == 0);

	CHECK(http_parse_request(&b, &lim_default, &req, &status) == 0);
	buf_release(&b);
}

static void
test_incomplete(void)
{
	static const char *const reqs[] = {
		"GET /src/contrib/PACKAGES.gz HTTP/1.1\r\n"
		"Host: example.org:8080\r\n"
		"Range: bytes=0-99\r\n"
		"If-None-Match: W/\"abc\", \"def\"\r\n"
		"Connection: keep-alive\r\n"
		"\r\n",
		"\r\n\nGET / HTTP/1.0\nHost: x\n\n",
		"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
	};
	size_t i, k, n;
	int status, bad;

	for (k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
		n = strlen(reqs[k]);
		bad = 0;
		for (i = 0; i < n; i++)
			if (parse_n(reqs[k], i, &lim_default, &status) != 0)
				bad++;
		CHECK(bad == 0);
		CHECK(parse_n(reqs[k], n, &lim_default, &status) == 1);
		CHECK(req.header_len == n);
	}
}

/* A buffer whose storage goes on past len: the parser must stop at len. */
static void
test_buffer_bounds(void)
{
	static const char s[] = "xxGET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct buf b;
	int status;

	buf_view(&b, s, sizeof(s) - 1);
	b.off = 2;
	b.len = sizeof(s) - 2;	/* the last LF is not ours */
	CHECK(http_parse_request(&b, &lim_default, &req, &status) == 0);
	b.len = sizeof(s) - 1;
	CHECK(http_parse_request(&b, &lim_default, &req, &status) == 1);
	CHECK(req.header_len == sizeof(s) - 3);
	CHECK(req.method_str.p == s + 2);

	/* Empty input is simply incomplete. */
	buf_view(&b, s, 0);
	CHECK(http_parse_request(&b, &lim_default, &req, &status) == 0);
}

static void
test_leading_crlf(void)
{
	int status;

	CHECK(parse("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == 1);
	CHECK(req.header_len == 29);
	CHECK(parse("\r\n\r\n\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	    &status) == 1);
	/* A few are tolerated, not an unbounded stream of them. */
	CHECK(parse("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	    &status) == -1);
	CHECK(status == 400);
	CHECK(parse("\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("\r", &status) == 0);
}

static void
test_line_endings(void)
{
	int status;

	/* Bare LF everywhere is fine (RFC 9112 2.2). */
	CHECK(parse("GET / HTTP/1.1\nHost: x\nA: b\n\n", &status) == 1);
	CHECK(str_is(req.headers[1].value, "b"));
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\n\r\n", &status) == 1);
	/* Bare CR is not. */
	CHECK(parse("GET / HTTP/1.1\rHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\rA: b\r\n\r\n", &status) ==
	    -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\r\n", &status) == -1);
	CHECK(status == 400);
	/* ... even before the line is complete. */
	CHECK(parse("GET / HT\rTP/1.1", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nA: \rb", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nA: b\r", &status) == 0);
}

static void
test_limit_request_line(void)
{
	struct http_limits lim = { 32, 8192, 64 };
	char b[256];
	int status;

	/* "GET /" + 18 + " HTTP/1.1" is 32 bytes: exactly the limit. */
	snprintf(b, sizeof(b), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n",
	    "aaaaaaaaaaaaaaaaaa");
	CHECK(parse_lim(b, &lim, &status) == 1);
	snprintf(b, sizeof(b), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n",
	    "aaaaaaaaaaaaaaaaaaa");
	CHECK(parse_lim(b, &lim, &status) == -1);
	CHECK(status == 414);

	/* Known before the line ends: 33 bytes and no LF. */
	memset(b, 'a', sizeof(b));
	memcpy(b, "GET /", 5);
	CHECK(parse_n(b, 32, &lim, &status) == 0);
	CHECK(parse_n(b, 33, &lim, &status) == -1);
	CHECK(status == 414);
	/* A CR at the end may be half of the CRLF. */
	b[32] = '\r';
	CHECK(parse_n(b, 33, &lim, &status) == 0);
	CHECK(parse_n(b, sizeof(b), &lim, &status) == -1);
	CHECK(status == 414);
}

static void
test_limit_header_size(void)
{
	struct http_limits lim = { 1024, 64, 64 };
	const char *ok = "GET / HTTP/1.1\r\nHost: x\r\nA: 0123456789012345"
	    "6789012345678901\r\n\r\n";
	char b[4096];
	size_t i;
	int status;

	CHECK(strlen(ok) == 64);
	CHECK(parse_lim(ok, &lim, &status) == 1);
	lim.max_header_size = 63;
	CHECK(parse_lim(ok, &lim, &status) == -1);
	CHECK(status == 431);

	/* Never ending header lines: 431 once the limit is reached. */
	lim.max_header_size = 256;
	memset(b, 'a', sizeof(b));
	memcpy(b, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
	CHECK(parse_n(b, 255, &lim, &status) == 0);
	CHECK(parse_n(b, 256, &lim, &status) == -1);
	CHECK(status == 431);
	CHECK(parse_n(b, sizeof(b), &lim, &status) == -1);
	CHECK(status == 431);

	/* Many complete short lines, no blank line yet. */
	memcpy(b, "GET / HTTP/1.1\r\nHost: x\r\n", 25);
	for (i = 25; i + 5 <= sizeof(b); i += 5)
		memcpy(b + i, "A: b\n", 5);
	CHECK(parse_n(b, sizeof(b), &lim, &status) == -1);
	CHECK(status == 431);
}

static void
test_limit_header_count(void)
{
	struct http_limits lim = { 1024, 8192, 3 };
	char b[4096];
	size_t n;
	int status;

	CHECK(parse_lim("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n",
	    &lim, &status) == 1);
	CHECK(req.nheaders == 3);
	CHECK(parse_lim("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
	    "\r\n", &lim, &status) == -1);
	CHECK(status == 431);
	/* Before the head ends. */
	CHECK(parse_lim("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n",
	    &lim, &status) == -1);
	CHECK(status == 431);

	/* The configured limit never goes past HTTP_MAX_HEADERS. */
	lim.max_headers = 100000;
	lim.max_header_size = sizeof(b);
	n = (size_t)snprintf(b, sizeof(b), "GET / HTTP/1.1\r\nHost: x\r\n");
	while (n + 6 < sizeof(b) - 3)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "A: b\r\n");
	n += (size_t)snprintf(b + n, sizeof(b) - n, "\r\n");
	CHECK(parse_n(b, n, &lim, &status) == -1);
	CHECK(status == 431);
}

static void
test_versions(void)
{
	static const struct {
		const char *v;
		int status;	/* 0: accepted */
		int minor;
	} tests[] = {
		{ "HTTP/1.1", 0, 1 },
		{ "HTTP/1.0", 0, 0 },
		{ "HTTP/2.0", 505, 0 },
		{ "HTTP/1.2", 505, 0 },
		{ "HTTP/0.9", 505, 0 },
		{ "HTTP/3.0", 505, 0 },
		{ "http/1.1", 400, 0 },
		{ "HTTP/1.10", 400, 0 },
		{ "HTTP/1", 400, 0 },
		{ "HTTP/11", 400, 0 },
		{ "HTTP/1.x", 400, 0 },
		{ "HTTPS/1.1", 400, 0 },
		{ "HTTP/1.1x", 400, 0 },
	};
	char b[128];
	size_t i;
	int r, status;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		snprintf(b, sizeof(b), "GET / %s\r\nHost: x\r\n\r\n",
		    tests[i].v);
		r = parse(b, &status);
		if (tests[i].status == 0) {
			CHECK(r == 1);
			CHECK(req.minor == tests[i].minor);
		} else {
			CHECK(r == -1);
			CHECK(status == tests[i].status);
		}
	}
	/* The HTTP/2 preface, judged on its request line alone. */
	CHECK(parse("PRI * HTTP/2.0\r\n", &status) == -1);
	CHECK(status == 505);
}

static void
test_host(void)
{
	int status;

	CHECK(parse("GET / HTTP/1.1\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &status) == 1);
	CHECK(req.has_host == 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", &status) ==
	    -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nhOsT: a\r\nHOST: b\r\n\r\n", &status) ==
	    -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", &status) ==
	    -1);
	CHECK(status == 400);
	/* Empty is allowed (RFC 9112 3.2); an IPv6 literal and a port too. */
	CHECK(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", &status) == 1);
	CHECK(req.has_host == 1);
	CHECK(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", &status) ==
	    1);
	CHECK(header_status("X-Host: a b") == 0);
	CHECK(parse("GET / HTTP/1.0\r\nHost: a b\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.0\r\nHost: a/b\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.0\r\nHost: a\"b\r\n\r\n", &status) == -1);
	CHECK(status == 400);
}

static void
test_header_syntax(void)
{
	static const char nul[] =
	    "GET / HTTP/1.1\r\nHost: x\r\nA: b\0c\r\n\r\n";
	int status;

	/* obs-fold. */
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n",
	    &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\tc\r\n\r\n",
	    &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\n Host: x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n ", &status) == -1);
	CHECK(status == 400);
	/* Whitespace before the colon (RFC 9112 5.1). */
	CHECK(header_status("A : b") == 400);
	CHECK(header_status("A\t: b") == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost : x\r\n\r\n", &status) == -1);
	CHECK(status == 400);
	/* Names. */
	CHECK(header_status(": b") == 400);
	CHECK(header_status("A") == 400);
	CHECK(header_status("A(b): c") == 400);
	CHECK(header_status("A\x80: c") == 400);
	CHECK(header_status("X-Ok_1.2~: c") == 0);
	/* Values. */
	CHECK(header_status("A: b\x01" "c") == 400);
	CHECK(header_status("A: b\x7f") == 400);
	CHECK(header_status("A: b\x1b[0m") == 400);
	CHECK(parse_n(nul, sizeof(nul) - 1, &lim_default, &status) == -1);
	CHECK(status == 400);
	CHECK(header_status("A: b\tc") == 0);
	CHECK(header_status("A: caf\xc3\xa9") == 0);
	CHECK(header_status("A:") == 0);
	CHECK(str_is(req.headers[1].value, ""));
	CHECK(header_status("A: \t b c \t ") == 0);
	CHECK(str_is(req.headers[1].value, "b c"));
	CHECK(header_status("A:b:c") == 0);
	CHECK(str_is(req.headers[1].name, "A"));
	CHECK(str_is(req.headers[1].value, "b:c"));
}

static void
test_header_get(void)
{
	struct buf b;
	const struct http_str *v;
	int status;

	CHECK(parse_keep(&b, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Accept-Encoding: gzip\r\nX-A: 1\r\nx-a: 2\r\n\r\n", &status) == 1);
	CHECK((v = http_header_get(&req, "accept-encoding")) != NULL);
	CHECK(v != NULL && str_is(*v, "gzip"));
	CHECK((v = http_header_get(&req, "X-A")) != NULL);
	CHECK(v != NULL && str_is(*v, "1"));
	CHECK(http_header_get(&req, "Accept") == NULL);
	CHECK(http_header_get(&req, "X-A-B") == NULL);
	CHECK(http_header_get(&req, "") == NULL);
}

static void
test_picked_headers(void)
{
	struct buf b;
	int status;

	CHECK(parse_keep(&b, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "range: bytes=1-2\r\n"
	    "If-None-Match: \"a\"\r\n"
	    "If-Range: \"b\"\r\n"
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "User-Agent: curl/8\r\n"
	    "Authorization: Bearer t\r\n"
	    "Cookie: c=1\r\n"
	    "\r\n", &status) == 1);
	CHECK(str_is(req.range, "bytes=1-2"));
	CHECK(str_is(req.if_none_match, "\"a\""));
	CHECK(str_is(req.if_range, "\"b\""));
	CHECK(req.if_modified_since == 784111777);
	CHECK(str_is(req.user_agent, "curl/8"));
	CHECK(str_is(req.authorization, "Bearer t"));
	CHECK(str_is(req.cookie, "c=1"));

	CHECK(header_status("If-Modified-Since: yesterday") == 0);
	CHECK(req.if_modified_since == -1);

	/* Singletons that must not be repeated. */
	CHECK(header_status("Range: bytes=1-2\r\nRange: bytes=3-4") == 400);
	CHECK(header_status("Authorization: a\r\nAuthorization: a") == 400);
	CHECK(header_status("Cookie: a=1\r\nCookie: b=2") == 400);
	CHECK(header_status("If-Range: \"a\"\r\nIf-Range: \"a\"") == 400);
	CHECK(header_status("If-Modified-Since: x\r\nIf-Modified-Since: y") ==
	    400);
	/* Harmless repeats keep the first. */
	CHECK(header_status("User-Agent: a\r\nUser-Agent: b") == 0);
	CHECK(str_is(req.user_agent, "a"));
	CHECK(header_status("If-None-Match: \"a\"\r\nIf-None-Match: \"b\"") ==
	    0);
	CHECK(str_is(req.if_none_match, "\"a\""));
}

static void
test_content_length(void)
{
	int status;

	CHECK(header_status("Content-Length: 0") == 0);
	CHECK(req.content_length == 0);
	CHECK(header_status("Content-Length: 12345") == 0);
	CHECK(req.content_length == 12345);
	CHECK(header_status("Content-Length: 9223372036854775807") == 0);
	CHECK(req.content_length == 9223372036854775807LL);
	CHECK(header_status("Content-Length:  007 ") == 0);
	CHECK(req.content_length == 7);
	CHECK(header_status("Content-Length: 5\r\nContent-Length: 5") == 0);
	CHECK(req.content_length == 5);

	CHECK(header_status("Content-Length: 9223372036854775808") == 400);
	CHECK(header_status("Content-Length: 99999999999999999999999") == 400);
	CHECK(header_status("Content-Length: -1") == 400);
	CHECK(header_status("Content-Length: +1") == 400);
	CHECK(header_status("Content-Length: 1a") == 400);
	CHECK(header_status("Content-Length: 0x10") == 400);
	CHECK(header_status("Content-Length: 1 2") == 400);
	CHECK(header_status("Content-Length: 5, 5") == 400);
	CHECK(header_status("Content-Length:") == 400);
	CHECK(header_status("Content-Length: 5\r\nContent-Length: 6") == 400);
	CHECK(parse("POST / HTTP/1.0\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", &status) == -1);
	CHECK(status == 400);
}

static void
test_transfer_encoding(void)
{
	int status;

	CHECK(header_status("Transfer-Encoding: chunked") == 0);
	CHECK(req.chunked == 1);
	CHECK(req.content_length == -1);
	CHECK(header_status("Transfer-Encoding: Chunked ") == 0);
	CHECK(req.chunked == 1);

	/* Both lengths: the smuggling case, in either order. */
	CHECK(header_status("Transfer-Encoding: chunked\r\n"
	    "Content-Length: 5") == 400);
	CHECK(header_status("Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked") == 400);
	/* Chunked not last, twice, or not there at all. */
	CHECK(header_status("Transfer-Encoding: chunked, gzip") == 400);
	CHECK(header_status("Transfer-Encoding: gzip") == 400);
	CHECK(header_status("Transfer-Encoding: identity") == 400);
	CHECK(header_status("Transfer-Encoding:") == 400);
	CHECK(header_status("Transfer-Encoding: xchunked") == 400);
	CHECK(header_status("Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked") == 400);
	/* Codings we do not implement. */
	CHECK(header_status("Transfer-Encoding: gzip, chunked") == 501);
	/* HTTP/1.0 has no chunked framing. */
	CHECK(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    &status) == -1);
	CHECK(status == 400);
}

static void
test_keep_alive(void)
{
	int status;

	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &status) == 1);
	CHECK(req.keep_alive == 1);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &status) == 1);
	CHECK(req.keep_alive == 0);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	    &status) == 1);
	CHECK(req.keep_alive == 1);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &status) == 1);
	CHECK(req.keep_alive == 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: CLOSE\r\n\r\n",
	    &status) == 1);
	CHECK(req.keep_alive == 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n"
	    "Connection: Upgrade, close\r\n\r\n", &status) == 1);
	CHECK(req.keep_alive == 0);
	CHECK(parse("GET / HTTP/1.0\r\n"
	    "Connection: keep-alive, close\r\n\r\n", &status) == 1);
	CHECK(req.keep_alive == 0);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\n\r\n", &status) == 1);
	CHECK(req.keep_alive == 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
	    "\r\n", &status) == 1);
	CHECK(req.keep_alive == 1);
	/* Not a token of the list. */
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n",
	    &status) == 1);
	CHECK(req.keep_alive == 1);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n",
	    &status) == 1);
	CHECK(req.keep_alive == 0);
}

static void
test_target(void)
{
	struct buf b;
	int status;

	CHECK(parse_keep(&b, "GET /a/b?c=d&e=/f?g HTTP/1.1\r\nHost: x\r\n\r\n",
	    &status) == 1);
	CHECK(strcmp(req.path, "/a/b") == 0);
	CHECK(str_is(req.query, "c=d&e=/f?g"));
	CHECK(parse_keep(&b, "GET /a? HTTP/1.1\r\nHost: x\r\n\r\n",
	    &status) == 1);
	CHECK(strcmp(req.path, "/a") == 0);
	CHECK(req.query.p != NULL && req.query.n == 0);
	CHECK(parse_keep(&b, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", &status) ==
	    1);
	CHECK(req.query.p == NULL && req.query.n == 0);
	/* The query is not decoded, nor checked like the path. */
	CHECK(parse_keep(&b, "GET /?%2F..%00 HTTP/1.1\r\nHost: x\r\n\r\n",
	    &status) == 1);
	CHECK(strcmp(req.path, "/") == 0);
	CHECK(str_is(req.query, "%2F..%00"));

	CHECK(target_status("http://example.org/") == 400);
	CHECK(target_status("example.org:443") == 400);
	CHECK(target_status("*") == 400);
	CHECK(target_status("?a") == 400);
	CHECK(target_status("/a#frag") == 400);
	CHECK(target_status("/a?b#frag") == 400);
	CHECK(target_status("/caf\xc3\xa9") == 400);
	CHECK(target_status("/a\x7f") == 400);
	CHECK(target_status("/a/../b?c") == 400);
	CHECK(target_status("/a/..?c") == 400);
}

static int
decode(const char *raw, char *out, size_t outsz)
{
	int status = 0;

	if (http_path_decode(raw, strlen(raw), out, outsz, &status) == 0)
		return 0;
	return status;
}

static void
test_path_reject(void)
{
	static const char *const bad[] = {
		"", "a", "a/b", "%2F", "/..", "/../etc/passwd", "/a/..",
		"/a/../b", "/.", "/./a", "/a/./b", "/a/.",
		"/%2e%2e/", "/%2E%2E", "/.%2e/x", "/%2e./x", "/%2e",
		"/a%2Fb", "/a%2fb", "/%2f", "/a%00b", "/%00", "/%0a", "/%0D",
		"/%1f", "/%7f", "/%7F", "/a\\b", "/a%5cb", "/a%5C", "/\\",
		"/%", "/%2", "/a%", "/a%G1", "/a%1G", "/a%%41", "/a%+1", "/%-1",
		"/a b", "/a\tb", "/a\x01", "/a\x80", "/a#b",
		"//..//", "/a//..", "/a/.../..",
	};
	char out[HTTP_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode(bad[i], out, sizeof(out)) != 400) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			CHECK(0);
		}
	}
	/* Through the parser too. */
	CHECK(target_status("/../x") == 400);
	CHECK(target_status("/%2e%2e/x") == 400);
	CHECK(target_status("/a%2Fb") == 400);
	CHECK(target_status("/a%00") == 400);
	CHECK(target_status("/a%zz") == 400);
	CHECK(target_status("/a%4") == 400);
	CHECK(target_status("/a\\b") == 400);
	CHECK(target_status("/a%5Cb") == 400);
}

static void
test_path_accept(void)
{
	static const struct {
		const char *raw, *out;
	} tests[] = {
		{ "/", "/" },
		{ "//", "/" },
		{ "///a", "/a" },
		{ "/a//b///c", "/a/b/c" },
		{ "/a/", "/a/" },
		{ "/a//", "/a/" },
		{ "/src/contrib/PACKAGES.gz", "/src/contrib/PACKAGES.gz" },
		{ "/a%20b", "/a b" },
		{ "/%41%62%63", "/Abc" },
		{ "/%e2%82%ac", "/\xe2\x82\xac" },
		{ "/a%25b", "/a%b" },
		{ "/a%3Fb", "/a?b" },
		{ "/a%23b", "/a#b" },
		{ "/...", "/..." },
		{ "/..a", "/..a" },
		{ "/a..", "/a.." },
		{ "/.a", "/.a" },
		{ "/a.b/c", "/a.b/c" },
		{ "/a%2eb", "/a.b" },
		{ "/%2e%2e%2e", "/..." },
		{ "/pkg_1.0-2.tar.gz", "/pkg_1.0-2.tar.gz" },
		{ "/~user/!$&'()*+,;=:@", "/~user/!$&'()*+,;=:@" },
	};
	char out[HTTP_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		CHECK(decode(tests[i].raw, out, sizeof(out)) == 0);
		if (strcmp(out, tests[i].out) != 0) {
			fprintf(stderr, "\"%s\" -> \"%s\"\n", tests[i].raw,
			    out);
			CHECK(0);
		}
	}
	/* Through the parser. */
	CHECK(target_status("//src///contrib//") == 0);
	CHECK(strcmp(req.path, "/src/contrib/") == 0);
}

static void
test_path_length(void)
{
	char raw[HTTP_PATH_MAX + 16], out[HTTP_PATH_MAX];
	int status;

	CHECK(decode("/abc", out, 5) == 0);
	CHECK(strcmp(out, "/abc") == 0);
	CHECK(decode("/abcd", out, 5) == 414);
	CHECK(decode("/ab/", out, 5) == 0);
	CHECK(decode("/abc/", out, 5) == 414);
	/* Collapsed slashes and escapes count once decoded. */
	CHECK(decode("//////abc", out, 5) == 0);
	CHECK(decode("/%41%42%43", out, 5) == 0);
	CHECK(strcmp(out, "/ABC") == 0);
	CHECK(decode("/", out, 1) == 414);
	CHECK(decode("/", out, 0) == 414);

	/* A target decoding to HTTP_PATH_MAX bytes does not fit with NUL. */
	raw[0] = '/';
	memset(raw + 1, 'a', HTTP_PATH_MAX - 2);
	raw[HTTP_PATH_MAX - 1] = '\0';
	CHECK(http_path_decode(raw, HTTP_PATH_MAX - 1, out, sizeof(out),
	    &status) == 0);
	CHECK(strlen(out) == HTTP_PATH_MAX - 1);
	raw[HTTP_PATH_MAX - 1] = 'a';
	CHECK(http_path_decode(raw, HTTP_PATH_MAX, out, sizeof(out),
	    &status) == -1);
	CHECK(status == 414);
	/* Raw length is not what counts. */
	memcpy(raw + HTTP_PATH_MAX - 3, "%41", 3);
	CHECK(http_path_decode(raw, HTTP_PATH_MAX, out, sizeof(out),
	    &status) == 0);
}

static int
range(const char *s, off_t size, off_t *first, off_t *last)
{
	*first = *last = -7;
	return http_range_parse(view(s), size, first, last);
}

static void
test_range(void)
{
	struct http_str none = { NULL, 0 };
	off_t f, l;

	CHECK(range("bytes=0-99", 1000, &f, &l) == 1 && f == 0 && l == 99);
	CHECK(range("bytes=10-10", 1000, &f, &l) == 1 && f == 10 && l == 10);
	CHECK(range("bytes=500-", 1000, &f, &l) == 1 && f == 500 && l == 999);
	CHECK(range("bytes=-100", 1000, &f, &l) == 1 && f == 900 && l == 999);
	CHECK(range("bytes=999-", 1000, &f, &l) == 1 && f == 999 && l == 999);
	/* Clamping. */
	CHECK(range("bytes=0-5000", 1000, &f, &l) == 1 && f == 0 && l == 999);
	CHECK(range("bytes=-5000", 1000, &f, &l) == 1 && f == 0 && l == 999);
	CHECK(range("bytes=-1000", 1000, &f, &l) == 1 && f == 0 && l == 999);
	CHECK(range("bytes=0-99999999999999999999999", 1000, &f, &l) == 1 &&
	    f == 0 && l == 999);
	CHECK(range("bytes=-99999999999999999999999", 1000, &f, &l) == 1 &&
	    f == 0 && l == 999);
	/* Whitespace and case. */
	CHECK(range(" bytes = 1 - 2 ", 1000, &f, &l) == 1 && f == 1 && l == 2);
	CHECK(range("Bytes=1-2", 1000, &f, &l) == 1 && f == 1 && l == 2);
	CHECK(range("BYTES=\t-3", 1000, &f, &l) == 1 && f == 997 && l == 999);

	/* 416. */
	CHECK(range("bytes=1000-", 1000, &f, &l) == -1);
	CHECK(range("bytes=1000-2000", 1000, &f, &l) == -1);
	CHECK(range("bytes=99999999999999999999999-", 1000, &f, &l) == -1);
	CHECK(range("bytes=-0", 1000, &f, &l) == -1);
	CHECK(range("bytes=0-", 0, &f, &l) == -1);
	CHECK(range("bytes=0-0", 0, &f, &l) == -1);
	CHECK(range("bytes=-1", 0, &f, &l) == -1);

	/* Ignored: whole body. */
	CHECK(range("bytes=5-1", 1000, &f, &l) == 0);
	CHECK(range("bytes=0-1,5-6", 1000, &f, &l) == 0);
	CHECK(range("bytes=0-1,", 1000, &f, &l) == 0);
	CHECK(range("bytes=5-1,1000-", 1000, &f, &l) == 0);
	CHECK(range("items=0-1", 1000, &f, &l) == 0);
	CHECK(range("bytesx=0-1", 1000, &f, &l) == 0);
	CHECK(range("bytes 0-1", 1000, &f, &l) == 0);
	CHECK(range("bytes=", 1000, &f, &l) == 0);
	CHECK(range("bytes=-", 1000, &f, &l) == 0);
	CHECK(range("bytes=1", 1000, &f, &l) == 0);
	CHECK(range("bytes=a-b", 1000, &f, &l) == 0);
	CHECK(range("bytes=+1-2", 1000, &f, &l) == 0);
	CHECK(range("bytes=1--2", 1000, &f, &l) == 0);
	CHECK(range("bytes=0x10-", 1000, &f, &l) == 0);
	CHECK(range("bytes=1-2 3", 1000, &f, &l) == 0);
	CHECK(range("bytes=1-2x", 1000, &f, &l) == 0);
	CHECK(range("", 1000, &f, &l) == 0);
	CHECK(range("byte", 1000, &f, &l) == 0);
	CHECK(http_range_parse(none, 1000, &f, &l) == 0);
	/* A syntactically bad range is ignored even against an empty body. */
	CHECK(range("bytes=5-1", 0, &f, &l) == 0);
	/* Untouched outputs unless 1. */
	CHECK(range("bytes=5-1", 1000, &f, &l) == 0 && f == -7 && l == -7);
}

static void
test_etag(void)
{
	struct http_str none = { NULL, 0 };

	CHECK(http_etag_match(view("\"abc\""), "\"abc\"") == 1);
	CHECK(http_etag_match(view("\"abc\""), "\"abd\"") == 0);
	CHECK(http_etag_match(view("\"abc\""), "\"ab\"") == 0);
	CHECK(http_etag_match(view("\"ab\""), "\"abc\"") == 0);
	/* Weak comparison, on either side. */
	CHECK(http_etag_match(view("W/\"abc\""), "\"abc\"") == 1);
	CHECK(http_etag_match(view("\"abc\""), "W/\"abc\"") == 1);
	CHECK(http_etag_match(view("W/\"abc\""), "W/\"abc\"") == 1);
	CHECK(http_etag_match(view("w/\"abc\""), "\"abc\"") == 0);
	/* Lists. */
	CHECK(http_etag_match(view("\"x\", \"abc\""), "\"abc\"") == 1);
	CHECK(http_etag_match(view("\"x\",W/\"abc\",\"y\""), "\"abc\"") == 1);
	CHECK(http_etag_match(view(" \"x\" , , \"abc\" ,"), "\"abc\"") == 1);
	CHECK(http_etag_match(view("\"x\", \"y\""), "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"a,b\""), "\"a,b\"") == 1);
	CHECK(http_etag_match(view("\"x\", \"a,b\""), "\"b\"") == 0);
	/* "*". */
	CHECK(http_etag_match(view("*"), "\"abc\"") == 1);
	CHECK(http_etag_match(view(" * "), "W/\"abc\"") == 1);
	CHECK(http_etag_match(view("*, \"abc\""), "\"x\"") == 0);
	/* Malformed values match nothing. */
	CHECK(http_etag_match(view("abc"), "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"abc"), "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"abc\"x"), "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"abc\" \"d\""), "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"abc\", junk"), "\"abc\"") == 0);
	CHECK(http_etag_match(view("junk, \"abc\""), "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"a c\""), "\"a c\"") == 0);
	CHECK(http_etag_match(view("W/"), "\"abc\"") == 0);
	CHECK(http_etag_match(view(""), "\"abc\"") == 0);
	CHECK(http_etag_match(none, "\"abc\"") == 0);
	CHECK(http_etag_match(view("\"abc\""), NULL) == 0);
	CHECK(http_etag_match(view("abc"), "abc") == 0);
	CHECK(http_etag_match(view("\"\""), "\"\"") == 1);
}

static void
test_date_format(void)
{
	char b[64];

	http_date_format(784111777, b, sizeof(b));
	CHECK(strcmp(b, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	http_date_format(0, b, sizeof(b));
	CHECK(strcmp(b, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	http_date_format(951782400, b, sizeof(b));
	CHECK(strcmp(b, "Tue, 29 Feb 2000 00:00:00 GMT") == 0);
	/* Exactly the 30 bytes the header promises is enough. */
	http_date_format(784111777, b, 30);
	CHECK(strcmp(b, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	/* Short buffers are truncated, never overrun. */
	memset(b, 'x', sizeof(b));
	http_date_format(784111777, b, 5);
	CHECK(strcmp(b, "Sun,") == 0 && b[5] == 'x');
}

static time_t
date(const char *s)
{
	return http_date_parse(view(s));
}

static void
test_date_parse(void)
{
	struct http_str none = { NULL, 0 };

	CHECK(date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
	CHECK(date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
	CHECK(date("Sun Nov  6 08:49:37 1994") == 784111777);
	CHECK(date("Sun Nov 06 08:49:37 1994") == 784111777);
	CHECK(date("Wednesday, 09-Nov-94 08:49:37 GMT") == 784370977);
	CHECK(date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	CHECK(date("Tue, 29 Feb 2000 00:00:00 GMT") == 951782400);
	CHECK(date("Sat, 31 Dec 2016 23:59:60 GMT") == 1483228800);
	/* The day name is not cross-checked. */
	CHECK(date("Mon, 06 Nov 1994 08:49:37 GMT") == 784111777);

	CHECK(date("") == -1);
	CHECK(http_date_parse(none) == -1);
	CHECK(date("Sun, 06 Nov 1994 08:49:37 UTC") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:49:37 gmt") == -1);
	CHECK(date("sun, 06 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06 nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 6 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 8:49:37 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:49:37 GMT ") == -1);
	CHECK(date(" Sun, 06 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:49:37GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 24:00:00 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:60:00 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:00:61 GMT") == -1);
	CHECK(date("Sun, 00 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 31 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 29 Feb 1900 08:49:37 GMT") == -1);
	CHECK(date("Sun, 29 Feb 1995 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06 Nov 19a4 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 08-49-37 GMT") == -1);
	CHECK(date("Sun, 06 Nov +994 08:49:37 GMT") == -1);
	CHECK(date("Sunday, 06-Nov-1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06-Nov-94 08:49:37 GMT") == -1);
	CHECK(date("Sunday 06-Nov-94 08:49:37 GMT") == -1);
	CHECK(date("Sunday, 06 Nov 94 08:49:37 GMT") == -1);
	CHECK(date("Funday, 06-Nov-94 08:49:37 GMT") == -1);
	CHECK(date("Sun Nov 6 08:49:37 1994") == -1);
	CHECK(date("Sun Nov  6 08:49:37 1994 ") == -1);
	CHECK(date("Sun Nov \t6 08:49:37 1994") == -1);
	CHECK(date("Sun Nov  6 08:49:37 GMT 1994") == -1);
	CHECK(date("784111777") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 "
	    "GMT") == -1);
	/* NUL inside the view. */
	CHECK(http_date_parse((struct http_str){
	    "Sun, 06 Nov 1994 08:49:37 G\0T", 29 }) == -1);
}

static void
test_date_roundtrip(void)
{
	static const time_t times[] = {
		0, 1, 784111777, 951782400, 1000000000, 1483228799,
		1700000000, 2147483647, 4102444800LL, 253402300799LL,
	};
	char b[64];
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		http_date_format(times[i], b, sizeof(b));
		CHECK(strlen(b) == 29);
		CHECK(date(b) == times[i]);
	}
}

static void
test_status_text(void)
{
	static const int codes[] = {
		200, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408, 411,
		413, 414, 416, 431, 500, 501, 503, 505,
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		CHECK(strcmp(http_status_text(codes[i]), "Unknown") != 0);
	CHECK(strcmp(http_status_text(200), "OK") == 0);
	CHECK(strcmp(http_status_text(404), "Not Found") == 0);
	CHECK(strcmp(http_status_text(416), "Range Not Satisfiable") == 0);
	CHECK(strcmp(http_status_text(0), "Unknown") == 0);
	CHECK(strcmp(http_status_text(418), "Unknown") == 0);
	CHECK(strcmp(http_status_text(-1), "Unknown") == 0);
}

static void
test_mime_type(void)
{
	static const struct {
		const char *path, *type;
	} tests[] = {
		{ "/index.html", "text/html; charset=utf-8" },
		{ "/a/b.HTM", "text/html; charset=utf-8" },
		{ "/README.txt", "text/plain; charset=utf-8" },
		{ "/s.css", "text/css" },
		{ "/s.js", "application/javascript" },
		{ "/x.json", "application/json" },
		{ "/src/contrib/pkg_1.0.tar.gz", "application/x-gzip" },
		{ "/pkg.tgz", "application/x-gzip" },
		{ "/src/contrib/PACKAGES.gz", "application/x-gzip" },
		{ "/bin/windows/contrib/4.4/pkg_1.0.zip", "application/zip" },
		{ "/src/contrib/PACKAGES.rds", "application/octet-stream" },
		{ "/logo.png", "image/png" },
		{ "/logo.svg", "image/svg+xml" },
		{ "/favicon.ico", "image/x-icon" },
		{ "/src/contrib/PACKAGES", "text/plain; charset=utf-8" },
		{ "PACKAGES", "text/plain; charset=utf-8" },
		{ "/src/contrib/XPACKAGES", "application/octet-stream" },
		{ "/PACKAGES/x", "application/octet-stream" },
		{ "/a.bin", "application/octet-stream" },
		{ "/html", "application/octet-stream" },
		{ "/.gz", "application/octet-stream" },
		{ "/", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (strcmp(http_mime_type(tests[i].path), tests[i].type) !=
		    0) {
			fprintf(stderr, "%s: %s\n", tests[i].path,
			    http_mime_type(tests[i].path));
			CHECK(0);
		}
	}
	CHECK(strcmp(http_mime_type(NULL), "application/octet-stream") == 0);
}

int
main(void)
{
	RUN(test_simple_get);
	RUN(test_methods);
	RUN(test_pipelined);
	RUN(test_incomplete);
	RUN(test_buffer_bounds);
	RUN(test_leading_crlf);
	RUN(test_line_endings);
	RUN(test_limit_request_line);
	RUN(test_limit_header_size);
	RUN(test_limit_header_count);
	RUN(test_versions);
	RUN(test_host);
	RUN(test_header_syntax);
	RUN(test_header_get);
	RUN(test_picked_headers);
	RUN(test_content_length);
	RUN(test_transfer_encoding);
	RUN(test_keep_alive);
	RUN(test_target);
	RUN(test_path_reject);
	RUN(test_path_accept);
	RUN(test_path_length);
	RUN(test_range);
	RUN(test_etag);
	RUN(test_date_format);
	RUN(test_date_parse);
	RUN(test_date_roundtrip);
	RUN(test_status_text);
	RUN(test_mime_type);
	free(req_copy);
	TEST_EXIT();
}
