/*
 * authparse: credentials and form fields out of bytes a client controls.
 * The workers run these inside their sandbox on every request, so each
 * function takes an explicit length, copies only into the caller's
 * fixed-size output, and refuses what it does not understand: a lenient
 * parse of a credential is how one component ends up authenticating a
 * different user than another one logged.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "authparse.h"
#include "buf.h"

/* user ':' password, each at its largest. */
#define BASIC_DECODED_MAX	(AUTHZ_USER_MAX - 1 + 1 + AUTHZ_SECRET_MAX - 1)

/* Bytes of the input: never NUL-terminated, so always with a length. */
struct span {
	const char *p;
	size_t n;
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
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 5234 CTL: what a user name or password must not smuggle in. */
static int
is_ctl(int c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 6265 4.1.1: no CTLs, whitespace, DQUOTE, comma, semicolon or '\'. */
static int
is_cookie_octet(int c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
	    (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

/* RFC 3986 2.3. */
static int
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
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

static struct span
span_trim(struct span s)
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
 * Cuts the next sep-separated element off the front of *list, possibly
 * empty, and advances *list past the separator.  0 when it is exhausted.
 */
static int
span_next(struct span *list, int sep, struct span *elem)
{
	size_t i;

	if (list->n == 0)
		return 0;
	for (i = 0; i < list->n && list->p[i] != sep; i++)
		;
	elem->p = list->p;
	elem->n = i;
	if (i < list->n)
		i++;
	list->p += i;
	list->n -= i;
	return 1;
}

/* Splits s at its first c; 0, with s left whole in *head, when none. */
static int
span_cut(struct span s, int c, struct span *head, struct span *tail)
{
	size_t i;

	for (i = 0; i < s.n && s.p[i] != c; i++)
		;
	head->p = s.p;
	head->n = i;
	if (i == s.n) {
		tail->p = s.p + s.n;
		tail->n = 0;
		return 0;
	}
	tail->p = s.p + i + 1;
	tail->n = s.n - i - 1;
	return 1;
}

/* s equals the NUL-terminated lit, byte for byte. */
static int
span_eq(struct span s, const char *lit)
{
	return strlen(lit) == s.n && memcmp(s.p, lit, s.n) == 0;
}

/* s equals the NUL-terminated lit, ignoring ASCII case. */
static int
span_ieq(struct span s, const char *lit)
{
	size_t i;

	if (strlen(lit) != s.n)
		return 0;
	for (i = 0; i < s.n; i++)
		if (lower((unsigned char)s.p[i]) !=
		    lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

/* Copies s into out as a string, or sets out to "" if it does not fit. */
static int
span_copy(struct span s, char *out, size_t outsz)
{
	if (s.n >= outsz) {
		out[0] = '\0';
		return -1;
	}
	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return 0;
}

void
secret_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

int
cookie_find(const char *hdr, size_t len, const char *name, char *out,
    size_t outsz)
{
	struct span list = { hdr, len }, pair, k, v;
	size_t i;

	if (outsz == 0) {
		errno = EINVAL;
		return -1;
	}
	out[0] = '\0';
	while (span_next(&list, ';', &pair)) {
		if (!span_cut(pair, '=', &k, &v))
			continue;
		/* Browsers send "; " but tolerate what a script wrote. */
		if (!span_eq(span_trim(k), name))
			continue;
		v = span_trim(v);
		if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"') {
			v.p++;
			v.n -= 2;
		}
		/*
		 * The first match decides, even when it is bad: a later
		 * cookie of the same name would be a different credential
		 * than the one a proxy in front of us may have looked at.
		 */
		for (i = 0; i < v.n; i++)
			if (!is_cookie_octet((unsigned char)v.p[i])) {
				errno = EINVAL;
				return -1;
			}
		if (span_copy(v, out, outsz) == -1) {
			errno = ENOBUFS;
			return -1;
		}
		return 1;
	}
	return 0;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict RFC 4648 base64: padded to a multiple of four, no whitespace,
 * '=' only at the end, and the bits the padding leaves over zero, so a
 * byte string has one encoding only.  0 with *outlen, or -1.
 */
static int
b64_decode(struct span s, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t i, k, o = 0, pad = 0, take;
	uint32_t v;
	int d;

	if (s.n == 0 || s.n % 4 != 0)
		return -1;
	if (s.p[s.n - 1] == '=') {
		pad++;
		if (s.p[s.n - 2] == '=')
			pad++;
	}
	if (s.n / 4 * 3 - pad > outsz)
		return -1;
	for (i = 0; i < s.n; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			d = 0;
			if (i + k < s.n - pad &&
			    (d = b64_value((unsigned char)s.p[i + k])) == -1)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		take = 3;
		if (i + 4 == s.n) {
			take -= pad;
			if ((pad == 1 && (v & 0xff) != 0) ||
			    (pad == 2 && (v & 0xffff) != 0))
				return -1;
		}
		for (k = 0; k < take; k++)
			out[o++] = (unsigned char)(v >> (16 - 8 * k));
	}
	*outlen = o;
	return 0;
}

/* RFC 7617 user-pass, already decoded. */
static int
basic_split(const unsigned char *d, size_t n, struct authz *a)
{
	struct span all = { (const char *)d, n }, user, password;
	size_t i;

	if (!span_cut(all, ':', &user, &password))
		return -1;
	for (i = 0; i < n; i++)
		if (is_ctl(d[i]))
			return -1;
	if (span_copy(user, a->user, sizeof(a->user)) == -1 ||
	    span_copy(password, a->secret, sizeof(a->secret)) == -1)
		return -1;
	a->kind = AUTHZ_BASIC;
	return 0;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-._~+/" ) *"=". */
static int
bearer_token(struct span t, struct authz *a)
{
	size_t i, n;
	int c;

	for (n = 0; n < t.n; n++) {
		c = (unsigned char)t.p[n];
		if (!is_unreserved(c) && c != '+' && c != '/')
			break;
	}
	if (n == 0)
		return -1;
	for (i = n; i < t.n; i++)
		if (t.p[i] != '=')
			return -1;
	if (span_copy(t, a->secret, sizeof(a->secret)) == -1)
		return -1;
	a->kind = AUTHZ_BEARER;
	return 0;
}

int
authz_parse(const char *hdr, size_t len, struct authz *a)
{
	struct span all = { hdr, len }, scheme, cred;
	unsigned char dec[BASIC_DECODED_MAX];
	size_t i, declen;
	int r = -1;

	secret_wipe(a, sizeof(*a));
	all = span_trim(all);
	/* RFC 9110 11.4: credentials = auth-scheme [ 1*SP token68 ]. */
	if (!span_cut(all, ' ', &scheme, &cred))
		goto out;
	while (cred.n > 0 && cred.p[0] == ' ') {
		cred.p++;
		cred.n--;
	}
	/* token68 has no whitespace; nor do the auth-params we refuse. */
	for (i = 0; i < cred.n; i++)
		if (is_ows((unsigned char)cred.p[i]))
			goto out;
	if (span_ieq(scheme, "Basic")) {
		if (b64_decode(cred, dec, sizeof(dec), &declen) == 0)
			r = basic_split(dec, declen, a);
		secret_wipe(dec, sizeof(dec));
	} else if (span_ieq(scheme, "Bearer"))
		r = bearer_token(cred, a);
 out:
	if (r == -1) {
		secret_wipe(a, sizeof(*a));
		errno = EINVAL;
	}
	return r;
}

int
authz_basic_encode(const char *user, const char *password, char *out,
    size_t outsz)
{
	static const char prefix[] = "Basic ";
	size_t ulen, n, i, k, o;
	uint32_t v;
	unsigned char c;

	if (outsz == 0) {
		errno = ENOBUFS;
		return -1;
	}
	out[0] = '\0';
	/* authz_parse splits at the first ':': it would read another user. */
	if (strchr(user, ':') != NULL) {
		errno = EINVAL;
		return -1;
	}
	ulen = strlen(user);
	n = ulen + 1 + strlen(password);
	if (n > (SIZE_MAX - sizeof(prefix)) / 4 * 3 ||
	    sizeof(prefix) + (n + 2) / 3 * 4 > outsz) {
		errno = ENOBUFS;
		return -1;
	}
	memcpy(out, prefix, sizeof(prefix) - 1);
	o = sizeof(prefix) - 1;
	/* Over user ':' password as if they were one string, without one. */
	for (i = 0; i < n; i += 3) {
		v = 0;
		for (k = 0; k < 3; k++) {
			c = 0;
			if (i + k < ulen)
				c = (unsigned char)user[i + k];
			else if (i + k == ulen)
				c = ':';
			else if (i + k < n)
				c = (unsigned char)password[i + k - ulen - 1];
			v = v << 8 | c;
		}
		for (k = 0; k < 4; k++)
			out[o++] = k <= n - i ?
			    b64_alphabet[(v >> (18 - 6 * k)) & 0x3f] : '=';
	}
	out[o] = '\0';
	return 0;
}

/*
 * The byte of a urlencoded span at *i, decoded, and *i moved past it;
 * -1 for a '%' not followed by two hex digits.
 */
static int
form_byte(struct span s, size_t *i)
{
	int c = (unsigned char)s.p[*i], hi, lo;

	if (c == '+') {
		(*i)++;
		return ' ';
	}
	if (c != '%') {
		(*i)++;
		return c;
	}
	if (s.n - *i < 3 ||
	    (hi = hex_value((unsigned char)s.p[*i + 1])) == -1 ||
	    (lo = hex_value((unsigned char)s.p[*i + 2])) == -1)
		return -1;
	*i += 3;
	return hi << 4 | lo;
}

/* The decoded name s is name; s is known to be well-formed. */
static int
form_name_is(struct span s, const char *name)
{
	size_t i = 0, j = 0;

	while (i < s.n)
		if (name[j] == '\0' || form_byte(s, &i) !=
		    (unsigned char)name[j++])
			return 0;
	return name[j] == '\0';
}

static int
form_decode(struct span s, char *out, size_t outsz)
{
	size_t i = 0, o = 0;
	int c;

	while (i < s.n) {
		/* A NUL would cut the value short for every C caller. */
		if ((c = form_byte(s, &i)) <= 0 || o + 1 >= outsz) {
			out[0] = '\0';
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
form_field(const char *body, size_t len, const char *name, char *out,
    size_t outsz)
{
	struct span all = { body, len }, list = all, field, k, v;
	size_t i;

	if (outsz == 0) {
		errno = EINVAL;
		return -1;
	}
	out[0] = '\0';
	for (i = 0; i < all.n;)
		if (form_byte(all, &i) == -1) {
			errno = EINVAL;
			return -1;
		}
	while (span_next(&list, '&', &field)) {
		if (field.n == 0)
			continue;
		/* "flag" alone is the field flag with an empty value. */
		span_cut(field, '=', &k, &v);
		if (!form_name_is(k, name))
			continue;
		if (form_decode(v, out, outsz) == -1) {
			errno = EINVAL;
			return -1;
		}
		return 1;
	}
	return 0;
}

/*
 * Both encoders size the output first and reserve it in one go, so a
 * full buffer is left as it was rather than with half a value in it.
 */
int
url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0, o = 0;
	uint8_t *p;
	int c;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		n += is_unreserved((unsigned char)s[i]) ? 1 : 3;
	if (n == 0)
		return 0;
	if (buf_reserve(b, n, &p) == -1)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (is_unreserved(c)) {
			p[o++] = (uint8_t)c;
			continue;
		}
		p[o++] = '%';
		p[o++] = (uint8_t)hex[c >> 4];
		p[o++] = (uint8_t)hex[c & 0xf];
	}
	return buf_commit(b, n);
}

static const char *
html_entity(int c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

int
html_escape(struct buf *b, const char *s)
{
	const char *e;
	size_t i, n = 0, o = 0, elen;
	uint8_t *p;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		n += (e = html_entity((unsigned char)s[i])) != NULL ?
		    strlen(e) : 1;
	if (n == 0)
		return 0;
	if (buf_reserve(b, n, &p) == -1)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if ((e = html_entity((unsigned char)s[i])) == NULL) {
			p[o++] = (uint8_t)s[i];
			continue;
		}
		elen = strlen(e);
		memcpy(p + o, e, elen);
		o += elen;
	}
	return buf_commit(b, n);
}
