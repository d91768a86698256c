/*
 * http: the HTTP/1.x request parser (RFC 9110, RFC 9112) and the helpers
 * that decide a response.  Everything here reads untrusted bytes: each
 * function takes an explicit length, never reads past it, and refuses
 * what it does not understand rather than guessing, since a guess that
 * differs from a proxy's in front of us is how requests get smuggled.
 */
#include "config.h"

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http.h"

/* RFC 9112 2.2: ignore at least one empty line before the request-line. */
#define HTTP_LEADING_EOL_MAX	4

/* off_t is signed and its width depends on _FILE_OFFSET_BITS. */
#define HTTP_OFF_MAX \
	((off_t)(((uintmax_t)1 << (sizeof(off_t) * CHAR_BIT - 1)) - 1))

/* What the picked-out headers saw, for the checks that span fields. */
struct http_seen {
	int	conn_close;
	int	conn_keep_alive;
	int	content_length;
	int	transfer_encoding;
	int	if_modified_since;
};

static const char *const http_wkday[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const http_weekday[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const http_month[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* ASCII only: the C library's versions depend on the locale. */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 tchar. */
static int
is_tchar(int c)
{
	return is_alnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
mem_ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* s equals the NUL-terminated lit, ignoring ASCII case. */
static int
str_ieq(struct http_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && mem_ieq(s.p, lit, n);
}

static struct http_str
ows_trim(struct http_str s)
{
	while (s.n > 0 && is_ows((unsigned char)s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_ows((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

/*
 * Takes the next comma-separated list element of *list (RFC 9110 5.6.1),
 * trimmed of OWS, and advances *list past it.  Empty elements may be
 * returned; callers skip them.  Returns 0 when the list is exhausted.
 */
static int
list_next(struct http_str *list, struct http_str *elem)
{
	const char *comma;
	size_t n;

	if (list->p == NULL || list->n == 0)
		return 0;
	comma = memchr(list->p, ',', list->n);
	n = comma != NULL ? (size_t)(comma - list->p) : list->n;
	elem->p = list->p;
	elem->n = n;
	*elem = ows_trim(*elem);
	if (comma != NULL) {
		list->p = comma + 1;
		list->n -= n + 1;
	} else {
		list->p = NULL;
		list->n = 0;
	}
	return 1;
}

/*
 * Finds the line starting at off: *line excludes the LF and one CR before
 * it, *next is the offset after the LF.  0 when no LF has arrived yet.
 */
static int
find_line(const char *p, size_t n, size_t off, struct http_str *line,
    size_t *next)
{
	const char *lf;
	size_t len;

	if (off >= n || (lf = memchr(p + off, '\n', n - off)) == NULL)
		return 0;
	len = (size_t)(lf - (p + off));
	*next = off + len + 1;
	if (len > 0 && p[off + len - 1] == '\r')
		len--;
	line->p = p + off;
	line->n = len;
	return 1;
}

static int
fail(int *status, int code)
{
	*status = code;
	return -1;
}

/*
 * Out of bytes before the end of the head.  The head needs at least one
 * more byte, so once n reaches the limit it can never fit: say so now
 * rather than let a slow client hold the connection until it gives up.
 */
static int
need_more(size_t n, const struct http_limits *lim, int *status)
{
	if (n >= lim->max_header_size)
		return fail(status, 431);
	return 0;
}

/* Exact-match, case-sensitive, as RFC 9110 9.1 says methods are. */
static enum http_method
method_lookup(struct http_str m)
{
	static const struct {
		const char *name;
		enum http_method method;
	} methods[] = {
		{ "GET", HTTP_M_GET },
		{ "HEAD", HTTP_M_HEAD },
		{ "POST", HTTP_M_POST },
		{ "PUT", HTTP_M_PUT },
		{ "DELETE", HTTP_M_DELETE },
		{ "OPTIONS", HTTP_M_OPTIONS },
		{ "PATCH", HTTP_M_PATCH },
	};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i].name) == m.n &&
		    memcmp(methods[i].name, m.p, m.n) == 0)
			return methods[i].method;
	return HTTP_M_UNKNOWN;
}

/* 0 with *minor for HTTP/1.0 and 1.1; -1 with 505 or 400 otherwise. */
static int
parse_version(struct http_str v, int *minor, int *status)
{
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. */
	if (v.n != 8 || memcmp(v.p, "HTTP/", 5) != 0 ||
	    !is_digit((unsigned char)v.p[5]) || v.p[6] != '.' ||
	    !is_digit((unsigned char)v.p[7]))
		return fail(status, 400);
	if (v.p[5] != '1' || (v.p[7] != '0' && v.p[7] != '1'))
		return fail(status, 505);
	*minor = v.p[7] - '0';
	return 0;
}

static int
parse_request_line(struct http_request *req, struct http_str l, int *status)
{
	struct http_str version;
	const char *sp1, *sp2, *q;
	size_t i, pathlen;
	unsigned char c;

	/* Every part of a request-line is visible ASCII or SP (bare CR too). */
	for (i = 0; i < l.n; i++) {
		c = (unsigned char)l.p[i];
		if (c < 0x20 || c > 0x7e)
			return fail(status, 400);
	}

	/* Exactly one SP between the parts: no lenient whitespace parsing. */
	if ((sp1 = memchr(l.p, ' ', l.n)) == NULL || sp1 == l.p)
		return fail(status, 400);
	req->method_str.p = l.p;
	req->method_str.n = (size_t)(sp1 - l.p);
	for (i = 0; i < req->method_str.n; i++)
		if (!is_tchar((unsigned char)l.p[i]))
			return fail(status, 400);

	req->target.p = sp1 + 1;
	if ((sp2 = memchr(req->target.p, ' ',
	    l.n - (size_t)(req->target.p - l.p))) == NULL ||
	    sp2 == req->target.p)
		return fail(status, 400);
	req->target.n = (size_t)(sp2 - req->target.p);

	version.p = sp2 + 1;
	version.n = l.n - (size_t)(version.p - l.p);
	/* First, so that an HTTP/2 preface ("PRI * HTTP/2.0") gets 505. */
	if (parse_version(version, &req->minor, status) != 0)
		return -1;

	req->method = method_lookup(req->method_str);

	/*
	 * Origin-form only: we are no proxy, so absolute-form and "*" have
	 * no meaning here.  A fragment is never sent on the wire (RFC 9112
	 * 3.2.1); one that arrives means a client and any intermediary may
	 * disagree on what the path is.
	 */
	if (req->target.p[0] != '/' ||
	    memchr(req->target.p, '#', req->target.n) != NULL)
		return fail(status, 400);
	if ((q = memchr(req->target.p, '?', req->target.n)) != NULL) {
		pathlen = (size_t)(q - req->target.p);
		req->query.p = q + 1;
		req->query.n = req->target.n - pathlen - 1;
	} else {
		pathlen = req->target.n;
	}
	return http_path_decode(req->target.p, pathlen, req->path,
	    sizeof(req->path), status);
}

/* Content-Length = 1*DIGIT; no sign, no list, no overflow. */
static int
parse_content_length(struct http_str v, long long *out)
{
	long long n = 0;
	size_t i;
	int d;

	if (v.n == 0)
		return -1;
	for (i = 0; i < v.n; i++) {
		if (!is_digit((unsigned char)v.p[i]))
			return -1;
		d = v.p[i] - '0';
		if (n > (LLONG_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/*
 * RFC 9112 3.2: Host = uri-host [ ":" port ].  The value can end up in a
 * Location header or a log line, so only the characters a host may have.
 */
static int
host_valid(struct http_str v)
{
	size_t i;
	int c;

	for (i = 0; i < v.n; i++) {
		c = (unsigned char)v.p[i];
		if (!is_alnum(c) &&
		    (c == '\0' || strchr("-._~!$&'()*+,;=:[]%", c) == NULL))
			return 0;
	}
	return 1;
}

/*
 * Transfer-Encoding: only "chunked" on its own is something we can frame.
 * Chunked not last means the body length is unknowable (RFC 9112 6.3: 400);
 * other codings before it are ones we do not implement (6.1: 501).
 */
static int
parse_transfer_encoding(struct http_str v, int *status)
{
	struct http_str list = v, e, last = { NULL, 0 };
	size_t count = 0;

	while (list_next(&list, &e)) {
		if (e.n == 0)
			continue;
		last = e;
		count++;
	}
	if (count == 0 || !str_ieq(last, "chunked"))
		return fail(status, 400);
	if (count > 1)
		return fail(status, 501);
	return 0;
}

static void
parse_connection(struct http_str v, struct http_seen *seen)
{
	struct http_str list = v, e;

	while (list_next(&list, &e)) {
		if (str_ieq(e, "close"))
			seen->conn_close = 1;
		else if (str_ieq(e, "keep-alive"))
			seen->conn_keep_alive = 1;
	}
}

/* Records a field the server acts on; -1 with *status when it is bad. */
static int
pick_header(struct http_request *req, struct http_seen *seen,
    struct http_str name, struct http_str value, int *status)
{
	long long cl;

	if (str_ieq(name, "host")) {
		/* RFC 9112 3.2: more than one Host, or a bad one, is 400. */
		if (req->has_host || !host_valid(value))
			return fail(status, 400);
		req->has_host = 1;
	} else if (str_ieq(name, "connection")) {
		parse_connection(value, seen);
	} else if (str_ieq(name, "content-length")) {
		/*
		 * Repeated identical fields are allowed (RFC 9112 6.3); a list
		 * in one field or differing values mean someone upstream may
		 * have framed the body differently.
		 */
		if (parse_content_length(value, &cl) != 0)
			return fail(status, 400);
		if (seen->content_length && cl != req->content_length)
			return fail(status, 400);
		if (seen->transfer_encoding)
			return fail(status, 400);
		seen->content_length = 1;
		req->content_length = cl;
	} else if (str_ieq(name, "transfer-encoding")) {
		/*
		 * HTTP/1.0 has no chunked framing (RFC 9112 6.1), a second
		 * field would put a coding after chunked, and with
		 * Content-Length present one of the two lengths is a lie: the
		 * request smuggling cases, all refused.
		 */
		if (req->minor == 0 || seen->transfer_encoding ||
		    seen->content_length)
			return fail(status, 400);
		if (parse_transfer_encoding(value, status) != 0)
			return -1;
		seen->transfer_encoding = 1;
		req->chunked = 1;
	} else if (str_ieq(name, "range")) {
		/* A singleton field (RFC 9110 14.2); two mean confusion. */
		if (req->range.p != NULL)
			return fail(status, 400);
		req->range = value;
	} else if (str_ieq(name, "if-none-match")) {
		/*
		 * A list field whose lines a view cannot join.  Keeping the
		 * first line only errs towards "no match", a full 200.
		 */
		if (req->if_none_match.p == NULL)
			req->if_none_match = value;
	} else if (str_ieq(name, "if-range")) {
		if (req->if_range.p != NULL)
			return fail(status, 400);
		req->if_range = value;
	} else if (str_ieq(name, "if-modified-since")) {
		if (seen->if_modified_since)
			return fail(status, 400);
		seen->if_modified_since = 1;
		req->if_modified_since = http_date_parse(value);
	} else if (str_ieq(name, "user-agent")) {
		/* Only for logs: keep the first, refuse nothing. */
		if (req->user_agent.p == NULL)
			req->user_agent = value;
	} else if (str_ieq(name, "authorization")) {
		/* Two credentials: which one a proxy checked is unknowable. */
		if (req->authorization.p != NULL)
			return fail(status, 400);
		req->authorization = value;
	} else if (str_ieq(name, "cookie")) {
		/* RFC 6265 5.4: a user agent sends one Cookie field. */
		if (req->cookie.p != NULL)
			return fail(status, 400);
		req->cookie = value;
	}
	return 0;
}

static int
parse_header_line(struct http_request *req, struct http_seen *seen,
    struct http_str l, int *status)
{
	struct http_str name, value;
	const char *colon;
	size_t i;
	unsigned char c;

	/*
	 * obs-fold, or whitespace before the first field: RFC 9112 5.2 and
	 * 2.2 allow rejecting both, which is safer than guessing what a
	 * proxy made of them.
	 */
	if (l.n > 0 && is_ows((unsigned char)l.p[0]))
		return fail(status, 400);
	if ((colon = memchr(l.p, ':', l.n)) == NULL || colon == l.p)
		return fail(status, 400);
	name.p = l.p;
	name.n = (size_t)(colon - l.p);
	/* Includes "Name :" (RFC 9112 5.1 says 400). */
	for (i = 0; i < name.n; i++)
		if (!is_tchar((unsigned char)name.p[i]))
			return fail(status, 400);

	value.p = colon + 1;
	value.n = l.n - name.n - 1;
	/* field-vchar, SP, HTAB and obs-text; no NUL, CR or other controls. */
	for (i = 0; i < value.n; i++) {
		c = (unsigned char)value.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(status, 400);
	}
	value = ows_trim(value);

	req->headers[req->nheaders].name = name;
	req->headers[req->nheaders].value = value;
	req->nheaders++;
	return pick_header(req, seen, name, value, status);
}

int
http_parse_request(const struct buf *in, const struct http_limits *lim,
    struct http_request *req, int *status)
{
	const char *p = (const char *)buf_ptr(in);
	size_t n = buf_avail(in), off = 0, next, maxh, len, i;
	struct http_seen seen;
	struct http_str line;
	unsigned char c;

	memset(req, 0, sizeof(*req));
	memset(&seen, 0, sizeof(seen));
	req->content_length = -1;
	req->if_modified_since = -1;
	maxh = lim->max_headers < HTTP_MAX_HEADERS ?
	    lim->max_headers : HTTP_MAX_HEADERS;

	for (i = 0; i < HTTP_LEADING_EOL_MAX && off < n; i++) {
		if (p[off] == '\n') {
			off++;
		} else if (p[off] == '\r') {
			if (off + 1 == n)
				return need_more(n, lim, status);
			if (p[off + 1] != '\n')
				return fail(status, 400);
			off += 2;
		} else {
			break;
		}
	}

	if (!find_line(p, n, off, &line, &next)) {
		/*
		 * Judge what has arrived: too long already is 414, a byte no
		 * request-line may hold is 400 (a CR at the very end may be
		 * the start of CRLF).
		 */
		len = n - off;
		if (len > 0 && p[n - 1] == '\r')
			len--;
		if (len > lim->max_request_line)
			return fail(status, 414);
		for (i = off; i < off + len; i++) {
			c = (unsigned char)p[i];
			if (c < 0x20 || c > 0x7e)
				return fail(status, 400);
		}
		return need_more(n, lim, status);
	}
	if (line.n > lim->max_request_line)
		return fail(status, 414);
	if (next > lim->max_header_size)
		return fail(status, 431);
	if (parse_request_line(req, line, status) != 0)
		return -1;
	off = next;

	for (;;) {
		if (!find_line(p, n, off, &line, &next)) {
			/* Anything but the last byte is a bare CR already. */
			if (n - off > 1 &&
			    memchr(p + off, '\r', n - off - 1) != NULL)
				return fail(status, 400);
			if (n > off && is_ows((unsigned char)p[off]))
				return fail(status, 400);
			return need_more(n, lim, status);
		}
		if (next > lim->max_header_size)
			return fail(status, 431);
		if (line.n == 0)
			break;
		if (req->nheaders >= maxh)
			return fail(status, 431);
		if (parse_header_line(req, &seen, line, status) != 0)
			return -1;
		off = next;
	}
	req->header_len = next;

	/* RFC 9112 3.2. */
	if (req->minor == 1 && !req->has_host)
		return fail(status, 400);
	if (seen.conn_close)
		req->keep_alive = 0;
	else if (req->minor == 1)
		req->keep_alive = 1;
	else
		req->keep_alive = seen.conn_keep_alive;
	return 1;
}

/* A "." or ".." segment, which the file system would resolve for us. */
static int
dot_segment(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.');
}

int
http_path_decode(const char *raw, size_t n, char *out, size_t outsz,
    int *status)
{
	size_t i, o, seg;
	int c, hi, lo;

	if (n == 0 || raw[0] != '/')
		return fail(status, 400);
	if (outsz < 2)
		return fail(status, 414);
	out[0] = '/';
	o = seg = 1;
	for (i = 1; i < n; i++) {
		c = (unsigned char)raw[i];
		if (c == '/') {
			if (dot_segment(out + seg, o - seg))
				return fail(status, 400);
			if (out[o - 1] == '/')
				continue;
			if (o + 1 >= outsz)
				return fail(status, 414);
			out[o++] = '/';
			seg = o;
			continue;
		}
		/* Raw: visible ASCII, no Windows separator, no fragment. */
		if (c < 0x21 || c > 0x7e || c == '\\' || c == '#')
			return fail(status, 400);
		if (c == '%') {
			if (n - i < 3 ||
			    (hi = hex_value((unsigned char)raw[i + 1])) < 0 ||
			    (lo = hex_value((unsigned char)raw[i + 2])) < 0)
				return fail(status, 400);
			c = hi << 4 | lo;
			i += 2;
			/*
			 * An encoded slash would let one segment name a
			 * directory the checks above never saw; NUL and
			 * controls have no business in a file name.
			 */
			if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
				return fail(status, 400);
		}
		if (o + 1 >= outsz)
			return fail(status, 414);
		out[o++] = (char)c;
	}
	if (dot_segment(out + seg, o - seg))
		return fail(status, 400);
	out[o] = '\0';
	return 0;
}

const struct http_str *
http_header_get(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (str_ieq(req->headers[i].name, name))
			return &req->headers[i].value;
	return NULL;
}

static void
skip_ows(struct http_str s, size_t *i)
{
	while (*i < s.n && is_ows((unsigned char)s.p[*i]))
		(*i)++;
}

/* 1*DIGIT, saturating at HTTP_OFF_MAX (past any size); -1: no digits. */
static int
parse_off(struct http_str s, size_t *i, off_t *v)
{
	size_t start = *i;
	off_t n = 0;
	int d;

	while (*i < s.n && is_digit((unsigned char)s.p[*i])) {
		d = s.p[*i] - '0';
		if (n > (HTTP_OFF_MAX - d) / 10)
			n = HTTP_OFF_MAX;
		else
			n = n * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return -1;
	*v = n;
	return 0;
}

int
http_range_parse(struct http_str range, off_t size, off_t *first,
    off_t *last)
{
	size_t i = 0;
	off_t a = 0, b = 0;
	int have_a, have_b;

	if (range.p == NULL || size < 0)
		return 0;
	skip_ows(range, &i);
	/* Range units are case-insensitive (RFC 9110 14.1). */
	if (range.n - i < 5 || !mem_ieq(range.p + i, "bytes", 5))
		return 0;
	i += 5;
	skip_ows(range, &i);
	if (i >= range.n || range.p[i] != '=')
		return 0;
	i++;
	/* Several ranges would need multipart/byteranges: send it whole. */
	if (memchr(range.p + i, ',', range.n - i) != NULL)
		return 0;
	skip_ows(range, &i);
	have_a = parse_off(range, &i, &a) == 0;
	skip_ows(range, &i);
	if (i >= range.n || range.p[i] != '-')
		return 0;
	i++;
	skip_ows(range, &i);
	have_b = parse_off(range, &i, &b) == 0;
	skip_ows(range, &i);
	if (i != range.n)
		return 0;

	if (!have_a) {
		if (!have_b)
			return 0;
		/* suffix-range: the last b bytes. */
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (have_b && a > b)
		return 0;
	if (a >= size)
		return -1;
	*first = a;
	*last = !have_b || b >= size ? size - 1 : b;
	return 1;
}

/* RFC 9110 8.8.3 etagc: no DQUOTE, no controls, no SP. */
static int
is_etagc(int c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

int
http_etag_match(struct http_str inm, const char *etag)
{
	struct http_str v, want;
	size_t i, start;
	int match = 0;

	if (inm.p == NULL || etag == NULL)
		return 0;
	want.p = etag;
	want.n = strlen(etag);
	/* Weak comparison (RFC 9110 8.8.3.2): the W/ does not count. */
	if (want.n >= 2 && want.p[0] == 'W' && want.p[1] == '/') {
		want.p += 2;
		want.n -= 2;
	}
	if (want.n < 2 || want.p[0] != '"' || want.p[want.n - 1] != '"')
		return 0;

	v = ows_trim(inm);
	if (v.n == 1 && v.p[0] == '*')
		return 1;
	/*
	 * The whole list must parse: a malformed value matches nothing,
	 * whatever order its elements come in, and the full body is sent.
	 */
	for (i = 0; i < v.n;) {
		if (v.p[i] == ',' || is_ows((unsigned char)v.p[i])) {
			i++;
			continue;
		}
		if (v.n - i >= 2 && v.p[i] == 'W' && v.p[i + 1] == '/')
			i += 2;
		if (i >= v.n || v.p[i] != '"')
			return 0;
		start = i++;
		while (i < v.n && v.p[i] != '"') {
			if (!is_etagc((unsigned char)v.p[i]))
				return 0;
			i++;
		}
		if (i >= v.n)
			return 0;
		i++;
		if (i - start == want.n && memcmp(v.p + start, want.p,
		    want.n) == 0)
			match = 1;
		skip_ows(v, &i);
		if (i < v.n && v.p[i] != ',')
			return 0;
	}
	return match;
}

void
http_date_format(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (outsz == 0)
		return;
	out[0] = '\0';
	/* IMF-fixdate has a four-digit year; nothing else can be written. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 - 1900 ||
	    tm.tm_year > 9999 - 1900 || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return;
	snprintf(out, outsz, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    http_wkday[tm.tm_wday], tm.tm_mday, http_month[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* n decimal digits at s, or -1. */
static int
date_digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Names are case-sensitive in all three forms (RFC 9110 5.6.7). */
static int
date_name(const char *s, size_t n, const char *const *names, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(s, names[i], n) == 0)
			return i;
	return -1;
}

/* "HH:MM:SS" at s into tm. */
static int
date_time(const char *s, struct tm *tm)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;
	tm->tm_hour = date_digits(s, 2);
	tm->tm_min = date_digits(s + 3, 2);
	tm->tm_sec = date_digits(s + 6, 2);
	/* Second 60: a leap second, which IMF-fixdate allows. */
	if (tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
	    tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 60)
		return -1;
	return 0;
}

static int
date_mday_valid(int mday, int mon, int year)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int max = mdays[mon];

	if (mon == 1 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		max = 29;
	return mday >= 1 && mday <= max;
}

/*
 * RFC 9110 5.6.7: a two-digit year more than 50 years in the future is
 * the most recent past year with those digits.
 */
static int
date_rfc850_year(int yy)
{
	struct tm now;
	time_t t = time(NULL);
	int cur, year;

	if (gmtime_r(&t, &now) == NULL)
		return yy < 70 ? 2000 + yy : 1900 + yy;
	cur = now.tm_year + 1900;
	year = cur - cur % 100 + yy;
	if (year > cur + 50)
		year -= 100;
	return year;
}

time_t
http_date_parse(struct http_str s)
{
	/* Longest form: "Wednesday, 09-Nov-94 08:49:37 GMT" (33). */
	char b[40];
	const char *comma;
	struct tm tm;
	int year, wl;

	if (s.p == NULL || s.n >= sizeof(b))
		return -1;
	memcpy(b, s.p, s.n);
	b[s.n] = '\0';
	memset(&tm, 0, sizeof(tm));

	if (s.n == 29 && b[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (date_name(b, 3, http_wkday, 7) < 0 || b[4] != ' ' ||
		    b[7] != ' ' || b[11] != ' ' || b[16] != ' ' ||
		    b[25] != ' ' || memcmp(b + 26, "GMT", 3) != 0)
			return -1;
		tm.tm_mday = date_digits(b + 5, 2);
		tm.tm_mon = date_name(b + 8, 3, http_month, 12);
		year = date_digits(b + 12, 4);
		if (date_time(b + 17, &tm) != 0)
			return -1;
	} else if (s.n == 24 && b[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (date_name(b, 3, http_wkday, 7) < 0 || b[7] != ' ' ||
		    b[10] != ' ' || b[19] != ' ')
			return -1;
		tm.tm_mon = date_name(b + 4, 3, http_month, 12);
		if (b[8] == ' ')
			tm.tm_mday = date_digits(b + 9, 1);
		else
			tm.tm_mday = date_digits(b + 8, 2);
		year = date_digits(b + 20, 4);
		if (date_time(b + 11, &tm) != 0)
			return -1;
	} else if ((comma = memchr(b, ',', s.n)) != NULL) {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		wl = (int)(comma - b);
		if (date_name(b, (size_t)wl, http_weekday, 7) < 0 ||
		    s.n != (size_t)wl + 24)
			return -1;
		if (b[wl + 1] != ' ' || b[wl + 4] != '-' ||
		    b[wl + 8] != '-' || b[wl + 11] != ' ' ||
		    b[wl + 20] != ' ' || memcmp(b + wl + 21, "GMT", 3) != 0)
			return -1;
		tm.tm_mday = date_digits(b + wl + 2, 2);
		tm.tm_mon = date_name(b + wl + 5, 3, http_month, 12);
		if ((year = date_digits(b + wl + 9, 2)) >= 0)
			year = date_rfc850_year(year);
		if (date_time(b + wl + 12, &tm) != 0)
			return -1;
	} else
		return -1;

	if (tm.tm_mon < 0 || year < 0 ||
	    !date_mday_valid(tm.tm_mday, tm.tm_mon, year))
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_isdst = 0;
	return timegm(&tm);
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

const char *
http_mime_type(const char *path)
{
	static const struct {
		const char *suffix;
		const char *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".js", "application/javascript" },
		{ ".json", "application/json" },
		{ ".tar.gz", "application/x-gzip" },
		{ ".tgz", "application/x-gzip" },
		{ ".gz", "application/x-gzip" },
		{ ".zip", "application/zip" },
		{ ".rds", "application/octet-stream" },
		{ ".png", "image/png" },
		{ ".svg", "image/svg+xml" },
		{ ".ico", "image/x-icon" },
	};
	const char *base;
	size_t i, n, sn;

	if (path == NULL)
		return "application/octet-stream";
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	/* The CRAN index, which R reads as text. */
	if (strcmp(base, "PACKAGES") == 0)
		return "text/plain; charset=utf-8";
	n = strlen(base);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		sn = strlen(types[i].suffix);
		if (n > sn && mem_ieq(base + n - sn, types[i].suffix, sn))
			return types[i].type;
	}
	return "application/octet-stream";
}
