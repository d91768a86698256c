/*
 * http: the HTTP/1.x request parser and the small helpers that decide a
 * response (ranges, validators, dates, paths).  Pure functions over
 * untrusted bytes, no I/O, so they are unit-tested and fuzzed on their own
 * (tests/fuzz/fuzz_http.c).  The event loop is in server.c.
 */
#ifndef AIRLOCK_HTTP_H
#define AIRLOCK_HTTP_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

#define HTTP_PATH_MAX 4096	/* decoded path, including the NUL */

enum http_method {
	HTTP_M_UNKNOWN = 0,	/* a valid token we do not know: 501 */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_OPTIONS,
	HTTP_M_PATCH,
};

struct http_limits {
	size_t max_request_line;	/* longer: 414 */
	size_t max_header_size;		/* request line + headers; longer: 431 */
	size_t max_headers;		/* more header fields: 431 */
};

/* A view into the caller's input buffer; not NUL-terminated. */
struct http_str {
	const char *p;
	size_t n;
};

struct http_header {
	struct http_str name;
	struct http_str value;	/* leading/trailing OWS removed */
};

#define HTTP_MAX_HEADERS 128	/* hard cap on max_headers */

struct http_request {
	enum http_method method;
	struct http_str method_str;
	int minor;			/* 0: HTTP/1.0, 1: HTTP/1.1 */
	struct http_str target;		/* raw request-target */
	char path[HTTP_PATH_MAX];	/* decoded, checked absolute path */
	struct http_str query;		/* raw, after '?', without it */
	size_t nheaders;
	struct http_header headers[HTTP_MAX_HEADERS];

	/* Headers the server acts on, picked out while parsing. */
	int has_host;
	int keep_alive;			/* from version + Connection */
	long long content_length;	/* -1: none */
	int chunked;			/* Transfer-Encoding present */
	struct http_str range;
	struct http_str if_none_match;
	struct http_str if_range;
	time_t if_modified_since;	/* -1: none or unparsable */
	struct http_str user_agent;
	struct http_str authorization;
	struct http_str cookie;

	size_t header_len;		/* bytes of request line + headers */
};

/*
 * Parses one request head at the start of in (in is not consumed).
 * Returns 1 with *req filled (req->header_len bytes used), 0 when more
 * bytes are needed, or -1 with *status set to the code to answer with
 * (400, 414, 431, 501, 505) when the request is malformed or over a limit.
 * Over-limit input is detected as early as possible, before the terminating
 * blank line arrives.  Views in *req point into in's storage.
 */
int http_parse_request(const struct buf *in, const struct http_limits *lim,
    struct http_request *req, int *status);

/*
 * Decodes and checks a request path (origin-form, before any '?').  Refuses
 * with 400: not starting with '/', bad or encoded-slash (%2F) percent
 * escapes, NUL or control bytes, "." or ".." segments, backslashes.
 * Collapses repeated slashes.  Returns 0, or -1 with *status set.
 */
int http_path_decode(const char *raw, size_t n, char *out, size_t outsz,
    int *status);

/* Case-insensitive header lookup; NULL when absent. */
const struct http_str *http_header_get(const struct http_request *req,
    const char *name);

/*
 * A single byte range against a body of size bytes.  Returns 1 with
 * [*first, *last] (inclusive) for 206, 0 to ignore the header and send the
 * whole body (not a bytes range, several ranges, unparsable), or -1 for 416.
 */
int http_range_parse(struct http_str range, off_t size, off_t *first,
    off_t *last);

/* 1 when an If-None-Match value matches etag (weak comparison, "*"). */
int http_etag_match(struct http_str inm, const char *etag);

/* IMF-fixdate into out (at least 30 bytes). */
void http_date_format(time_t t, char *out, size_t outsz);
/* IMF-fixdate, RFC 850 and asctime forms; -1 when unparsable. */
time_t http_date_parse(struct http_str s);

const char *http_status_text(int status);
/* Content-Type for a file name, by suffix; never NULL. */
const char *http_mime_type(const char *path);

#endif
