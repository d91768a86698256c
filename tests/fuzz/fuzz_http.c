/*
 * libFuzzer target for workers/http.c: the request parser under several
 * limits, and every helper that reads client bytes.  Beyond ASan/UBSan,
 * the invariants the server relies on are checked and abort() when broken:
 * views inside the input, a decoded path that is absolute, without dot
 * segments or doubled slashes, ranges inside the body, dates that survive
 * a format/parse round trip.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_request req;

static const struct http_limits limits[] = {
	{ 8192, 16384, 100 },	/* the defaults, roughly */
	{ 64, 256, 8 },
	{ 16, 32, 1 },
	{ 0, 0, 0 },
	{ SIZE_MAX, SIZE_MAX, SIZE_MAX },
};

static void
check_view(struct http_str s, const uint8_t *base, size_t n)
{
	uintptr_t p = (uintptr_t)s.p, b = (uintptr_t)base;

	if (s.p == NULL) {
		if (s.n != 0)
			abort();
		return;
	}
	if (p < b || s.n > n || p - b > n - s.n)
		abort();
}

static void
check_path(const char *path)
{
	size_t i, n = strlen(path), seg = 1;

	if (n == 0 || n >= HTTP_PATH_MAX || path[0] != '/')
		abort();
	for (i = 1; i <= n; i++) {
		if (path[i] == '\\' || (path[i] != '\0' &&
		    ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)))
			abort();
		if (path[i] != '/' && path[i] != '\0')
			continue;
		if (path[i] == '/' && path[i - 1] == '/')
			abort();
		if ((i - seg == 1 && path[seg] == '.') ||
		    (i - seg == 2 && path[seg] == '.' && path[seg + 1] == '.'))
			abort();
		seg = i + 1;
	}
}

static void
fuzz_parse(const uint8_t *data, size_t size, const struct http_limits *lim)
{
	struct buf b;
	size_t i, maxh, len;
	int r, status = 0;

	buf_view(&b, data, size);
	r = http_parse_request(&b, lim, &req, &status);
	if (r == -1) {
		if (status != 400 && status != 414 && status != 431 &&
		    status != 501 && status != 505)
			abort();
		return;
	}
	if (r == 0) {
		if (size >= lim->max_header_size)
			abort();
		return;
	}
	if (r != 1)
		abort();

	len = req.header_len;
	maxh = lim->max_headers < HTTP_MAX_HEADERS ?
	    lim->max_headers : HTTP_MAX_HEADERS;
	if (len == 0 || len > size || len > lim->max_header_size ||
	    req.nheaders > maxh || (req.minor != 0 && req.minor != 1) ||
	    (req.minor == 1 && !req.has_host) ||
	    (req.chunked && req.content_length != -1))
		abort();
	check_path(req.path);
	check_view(req.method_str, data, len);
	check_view(req.target, data, len);
	check_view(req.query, data, len);
	check_view(req.range, data, len);
	check_view(req.if_none_match, data, len);
	check_view(req.if_range, data, len);
	check_view(req.user_agent, data, len);
	check_view(req.authorization, data, len);
	check_view(req.cookie, data, len);
	for (i = 0; i < req.nheaders; i++) {
		check_view(req.headers[i].name, data, len);
		check_view(req.headers[i].value, data, len);
	}
	(void)http_header_get(&req, "host");
	(void)http_header_get(&req, "x-does-not-exist");

	/* Nothing after the head changes it; one byte less is not a head. */
	buf_view(&b, data, len - 1);
	if (http_parse_request(&b, lim, &req, &status) != 0)
		abort();
}

static void
fuzz_path(const uint8_t *data, size_t size, size_t outsz)
{
	char *out;
	int status = 0;

	/* Exactly outsz bytes, so any overrun shows under ASan. */
	if ((out = malloc(outsz > 0 ? outsz : 1)) == NULL)
		abort();
	if (http_path_decode((const char *)data, size, out, outsz,
	    &status) == 0) {
		if (strlen(out) >= outsz)
			abort();
		check_path(out);
	} else if (status != 400 && status != 414)
		abort();
	free(out);
}

static void
fuzz_range(struct http_str s, off_t size)
{
	off_t first = -1, last = -1;
	int r;

	r = http_range_parse(s, size, &first, &last);
	if (r == 1 && (first < 0 || first > last || last >= size))
		abort();
	if (r < -1 || r > 1)
		abort();
}

static void
fuzz_date(struct http_str s)
{
	char out[64];
	time_t t;

	if ((t = http_date_parse(s)) == -1)
		return;
	http_date_format(t, out, sizeof(out));
	/* Empty when the year has no four digits (second 60 of 9999). */
	if (out[0] != '\0' &&
	    http_date_parse((struct http_str){ out, strlen(out) }) != t)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_str s = { (const char *)data, size };
	char *str;
	size_t i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		fuzz_parse(data, size, &limits[i]);

	fuzz_path(data, size, HTTP_PATH_MAX);
	fuzz_path(data, size, 8);
	fuzz_path(data, size, 1);

	fuzz_range(s, 0);
	fuzz_range(s, 1);
	fuzz_range(s, 1000);
	fuzz_range(s, (off_t)INT64_MAX);

	(void)http_etag_match(s, "\"abc\"");
	(void)http_etag_match(s, "W/\"abc\"");

	fuzz_date(s);

	/* The helpers that take C strings, on the input made into one. */
	if ((str = malloc(size + 1)) == NULL)
		abort();
	memcpy(str, data, size);
	str[size] = '\0';
	(void)http_etag_match((struct http_str){ "\"abc\", W/\"x\"", 13 },
	    str);
	(void)http_mime_type(str);
	free(str);
	if (size >= 2)
		(void)http_status_text(data[0] << 8 | data[1]);
	return 0;
}
