/*
 * authparse.c: the Cookie, Authorization and urlencoded parsers and the
 * encoders beside them.  Every input is copied into a scratch buffer
 * followed by bytes that would change the answer if a parser read past
 * its length, and every output buffer has a guard after outsz.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authparse.h"
#include "buf.h"
#include "test.h"

#define GUARD		0x7e
#define OUT_MAX		1024

static char scratch[8192];
static char out[OUT_MAX + 16];

/* n bytes of p, not NUL-terminated: what follows them looks like more. */
static const char *
input(const char *p, size_t n)
{
	if (p == NULL)
		return NULL;
	if (n > sizeof(scratch) - 16)
		abort();
	memcpy(scratch, p, n);
	memset(scratch + n, 'Z', sizeof(scratch) - n);
	return scratch;
}

static void
out_clear(void)
{
	memset(out, GUARD, sizeof(out));
}

/* The output is want (NULL: ""), and nothing after outsz was touched. */
static int
out_is(size_t outsz, int rc, int want_rc, const char *want)
{
	size_t i;

	if (want == NULL)
		want = "";
	for (i = outsz; i < sizeof(out); i++)
		if ((unsigned char)out[i] != GUARD) {
			fprintf(stderr, "  wrote past outsz %zu\n", outsz);
			return 0;
		}
	if (rc != want_rc || (outsz > 0 && strcmp(out, want) != 0)) {
		fprintf(stderr, "  got %d \"%.*s\", want %d \"%s\"\n", rc,
		    (int)strnlen(out, outsz), out, want_rc, want);
		return 0;
	}
	return 1;
}

static int
cookie_n(const char *hdr, size_t n, const char *name, size_t outsz,
    int want_rc, const char *want)
{
	out_clear();
	return out_is(outsz, cookie_find(input(hdr, n), n, name, out, outsz),
	    want_rc, want);
}

static int
cookie(const char *hdr, const char *name, int want_rc, const char *want)
{
	return cookie_n(hdr, strlen(hdr), name, OUT_MAX, want_rc, want);
}

/* A literal with NULs in it. */
#define COOKIE(lit, name, rc, want) \
	cookie_n((lit), sizeof(lit) - 1, (name), OUT_MAX, (rc), (want))

static int
form_n(const char *body, size_t n, const char *name, size_t outsz,
    int want_rc, const char *want)
{
	out_clear();
	return out_is(outsz, form_field(input(body, n), n, name, out, outsz),
	    want_rc, want);
}

static int
form(const char *body, const char *name, int want_rc, const char *want)
{
	return form_n(body, strlen(body), name, OUT_MAX, want_rc, want);
}

#define FORM(lit, name, rc, want) \
	form_n((lit), sizeof(lit) - 1, (name), OUT_MAX, (rc), (want))

static int
authz_n(const char *hdr, size_t n, struct authz *a)
{
	/* Whatever was there before must not survive a failure. */
	memset(a, 'x', sizeof(*a));
	return authz_parse(input(hdr, n), n, a);
}

/* hdr parses as Basic user:password. */
static int
basic(const char *hdr, const char *user, const char *password)
{
	struct authz a;

	if (authz_n(hdr, strlen(hdr), &a) != 0 || a.kind != AUTHZ_BASIC ||
	    strcmp(a.user, user) != 0 || strcmp(a.secret, password) != 0) {
		fprintf(stderr, "  \"%s\": want \"%s\" \"%s\"\n", hdr, user,
		    password);
		return 0;
	}
	return 1;
}

static int
bearer(const char *hdr, const char *token)
{
	struct authz a;

	if (authz_n(hdr, strlen(hdr), &a) != 0 || a.kind != AUTHZ_BEARER ||
	    a.user[0] != '\0' || strcmp(a.secret, token) != 0) {
		fprintf(stderr, "  \"%s\": want token \"%s\"\n", hdr, token);
		return 0;
	}
	return 1;
}

/* Refused, and *a left empty. */
static int
refused_n(const char *hdr, size_t n)
{
	struct authz a;
	size_t i;

	if (authz_n(hdr, n, &a) != -1) {
		fprintf(stderr, "  \"%.*s\": parsed\n", (int)n, hdr);
		return 0;
	}
	for (i = 0; i < sizeof(a.user); i++)
		if (a.user[i] != '\0')
			return 0;
	for (i = 0; i < sizeof(a.secret); i++)
		if (a.secret[i] != '\0')
			return 0;
	return a.kind == AUTHZ_NONE;
}

static int
refused(const char *hdr)
{
	return refused_n(hdr, strlen(hdr));
}

#define REFUSED(lit)	refused_n((lit), sizeof(lit) - 1)

/* authz_basic_encode writes exactly want into outsz bytes. */
static int
encodes(const char *user, const char *password, size_t outsz,
    const char *want)
{
	out_clear();
	return out_is(outsz, authz_basic_encode(user, password, out, outsz),
	    want == NULL ? -1 : 0, want);
}

static int
url_encodes(const char *s, const char *want)
{
	struct buf b;
	int ok;

	buf_init(&b, 1 << 16);
	ok = url_encode(&b, s) == 0 && b.len == strlen(want) &&
	    (b.len == 0 || memcmp(b.data, want, b.len) == 0);
	if (!ok)
		fprintf(stderr, "  got \"%.*s\", want \"%s\"\n", (int)b.len,
		    b.data ? (const char *)b.data : "", want);
	buf_release(&b);
	return ok;
}

static int
html_escapes(const char *s, const char *want)
{
	struct buf b;
	int ok;

	buf_init(&b, 1 << 16);
	ok = html_escape(&b, s) == 0 && b.len == strlen(want) &&
	    (b.len == 0 || memcmp(b.data, want, b.len) == 0);
	if (!ok)
		fprintf(stderr, "  got \"%.*s\", want \"%s\"\n", (int)b.len,
		    b.data ? (const char *)b.data : "", want);
	buf_release(&b);
	return ok;
}

/* n copies of c, as a string in a static buffer. */
static const char *
run_of(int c, size_t n)
{
	static char s[2][2048];
	static int which;
	char *p = s[which ^= 1];

	if (n >= sizeof(s[0]))
		abort();
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

static void
test_cookie_find(void)
{
	CHECK(cookie("airlock_session=abc", "airlock_session", 1, "abc"));
	CHECK(cookie("a=1; airlock_session=abc; b=2", "airlock_session", 1,
	    "abc"));
	CHECK(cookie("a=1;airlock_session=abc;b=2", "airlock_session", 1,
	    "abc"));
	CHECK(cookie("a=1;  airlock_session = abc \t;b=2", "airlock_session",
	    1, "abc"));
	CHECK(cookie("a=1; b=2", "airlock_session", 0, NULL));
	CHECK(cookie("", "airlock_session", 0, NULL));
	CHECK(cookie(";;; ;", "airlock_session", 0, NULL));
	/* '=' is a cookie-octet; only the first one splits. */
	CHECK(cookie("s=a=b==", "s", 1, "a=b=="));
	CHECK(cookie("s=", "s", 1, ""));
	CHECK(cookie("s=;t=1", "s", 1, ""));
	CHECK(cookie("s=!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~", "s", 1,
	    "!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~"));
	/* Names are case-sensitive. */
	CHECK(cookie("AIRLOCK_SESSION=1", "airlock_session", 0, NULL));
	CHECK(cookie_n(NULL, 0, "s", OUT_MAX, 0, NULL));
}

static void
test_cookie_names(void)
{
	CHECK(cookie("xairlock_session=1; airlock_session=2",
	    "airlock_session", 1, "2"));
	CHECK(cookie("airlock_session_old=1; airlock_session=2",
	    "airlock_session", 1, "2"));
	CHECK(cookie("airlock=1; session=2", "airlock_session", 0, NULL));
	CHECK(cookie("airlock_session=1", "airlock", 0, NULL));
	/* The first of two is the one, as in every browser's order. */
	CHECK(cookie("airlock_session=1; airlock_session=2",
	    "airlock_session", 1, "1"));
	/* Pairs without '=' are skipped, not taken as an empty value. */
	CHECK(cookie("airlock_session; airlock_session=x", "airlock_session",
	    1, "x"));
	CHECK(cookie("garbage;airlock_session=x", "airlock_session", 1, "x"));
	CHECK(cookie("airlock_session", "airlock_session", 0, NULL));
	/* A value that looks like a pair is not one. */
	CHECK(cookie("a=airlock_session=1", "airlock_session", 0, NULL));
}

static void
test_cookie_values(void)
{
	CHECK(cookie("s=\"abc\"", "s", 1, "abc"));
	CHECK(cookie("s=\"\"", "s", 1, ""));
	CHECK(cookie("s = \"abc\" ; t=1", "s", 1, "abc"));
	/* One pair of quotes only, and only a pair. */
	CHECK(cookie("s=\"\"abc\"\"", "s", -1, NULL));
	CHECK(cookie("s=\"abc", "s", -1, NULL));
	CHECK(cookie("s=abc\"", "s", -1, NULL));
	CHECK(cookie("s=\"", "s", -1, NULL));
	CHECK(cookie("s=\"a b\"", "s", -1, NULL));
	CHECK(cookie("s=a b", "s", -1, NULL));
	CHECK(cookie("s=a,b", "s", -1, NULL));
	CHECK(cookie("s=a\\b", "s", -1, NULL));
	CHECK(cookie("s=a\tb", "s", -1, NULL));
	CHECK(cookie("s=a\x7f", "s", -1, NULL));
	CHECK(cookie("s=caf\xc3\xa9", "s", -1, NULL));
	CHECK(COOKIE("s=a\0b", "s", -1, NULL));
	CHECK(COOKIE("s\0=a", "s", 0, NULL));
	/* Bad values elsewhere are not ours to judge. */
	CHECK(cookie("t=\"a b\"; u=x,y; s=ok", "s", 1, "ok"));
	/* The first match decides, even when bad. */
	CHECK(cookie("s=bad,; s=good", "s", -1, NULL));
}

static void
test_cookie_bounds(void)
{
	/* Exactly fits, then one too many. */
	CHECK(cookie_n("s=abc", 5, "s", 4, 1, "abc"));
	CHECK(cookie_n("s=abcd", 6, "s", 4, -1, NULL));
	CHECK(cookie_n("s=\"abc\"", 7, "s", 4, 1, "abc"));
	CHECK(cookie_n("s=", 2, "s", 1, 1, ""));
	CHECK(cookie_n("s=a", 3, "s", 1, -1, NULL));
	CHECK(cookie_n("t=a", 3, "s", 1, 0, NULL));
	/* No room even for "": out is left alone. */
	CHECK(cookie_n("s=a", 3, "s", 0, -1, NULL));
	/* len ends the input, not a NUL: "Z"s follow in memory. */
	CHECK(cookie_n("s=abc", 4, "s", OUT_MAX, 1, "ab"));
	CHECK(cookie_n("s=\"abc\"", 6, "s", OUT_MAX, -1, NULL));
	CHECK(cookie_n("s=abc", 1, "s", OUT_MAX, 0, NULL));
	CHECK(cookie_n("ss=abc", 1, "s", OUT_MAX, 0, NULL));
}

static void
test_authz_basic(void)
{
	CHECK(basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin",
	    "open sesame"));
	CHECK(basic("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin",
	    "open sesame"));
	CHECK(basic("BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin",
	    "open sesame"));
	CHECK(basic("  Basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==\t", "Aladdin",
	    "open sesame"));
	/* The first ':' splits: passwords may hold more. */
	CHECK(basic("Basic dTpwOnc=", "u", "p:w"));
	CHECK(basic("Basic OnNlY3JldA==", "", "secret"));
	CHECK(basic("Basic dXNlcjo=", "user", ""));
	CHECK(basic("Basic Og==", "", ""));
	CHECK(basic("Basic w7xzZXI6cMOkc3N3w7ZyZA==",
	    "\xc3\xbcser", "p\xc3\xa4ssw\xc3\xb6rd"));
	/* No ':' at all. */
	CHECK(refused("Basic dXNlcg=="));
	CHECK(refused("Basic "));
	CHECK(refused("Basic"));
	/* Control characters in the user or the password. */
	CHECK(refused("Basic dXMBZXI6cHc="));
	CHECK(refused("Basic dXNlcjpwYQpzcw=="));
	CHECK(refused("Basic dXNlcjpwYQBzcw=="));
	CHECK(refused("Basic dXNlcjpwYX9zcw=="));
}

static void
test_authz_base64(void)
{
	/* Padding is required, and only at the end. */
	CHECK(refused("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ"));
	CHECK(refused("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ="));
	CHECK(refused("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==="));
	CHECK(refused("Basic dTpw=Onc"));
	CHECK(refused("Basic YTo=YTo="));
	CHECK(refused("Basic ===="));
	CHECK(refused("Basic YT=="));
	/* Bits the padding leaves over must be zero: one encoding only. */
	CHECK(refused("Basic QWxhZGRpbjpvcGVuIHNlc2FtZR=="));
	CHECK(refused("Basic dTpwOnd="));
	/* Other alphabets, whitespace, junk. */
	CHECK(refused("Basic dTpw-nc="));
	CHECK(refused("Basic dTpw_nc="));
	CHECK(refused("Basic dTpw Onc="));
	CHECK(refused("Basic dTpw\tOnc="));
	CHECK(refused("Basic dTpw\r\nOnc="));
	CHECK(refused("Basic dTpw*nc="));
	CHECK(REFUSED("Basic dTpw\0nc="));
	CHECK(refused("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, Basic Og=="));
	CHECK(refused("Basic realm=\"x\""));
}

static void
test_authz_limits(void)
{
	char hdr[2048];
	struct authz a;

	/* The largest user and password, and one byte more of each. */
	CHECK(authz_basic_encode(run_of('u', AUTHZ_USER_MAX - 1),
	    run_of('p', AUTHZ_SECRET_MAX - 1), hdr, sizeof(hdr)) == 0);
	CHECK(basic(hdr, run_of('u', AUTHZ_USER_MAX - 1),
	    run_of('p', AUTHZ_SECRET_MAX - 1)));
	CHECK(authz_basic_encode(run_of('u', AUTHZ_USER_MAX),
	    "p", hdr, sizeof(hdr)) == 0);
	CHECK(refused(hdr));
	CHECK(authz_basic_encode("u", run_of('p', AUTHZ_SECRET_MAX),
	    hdr, sizeof(hdr)) == 0);
	CHECK(refused(hdr));
	/* Long enough to hold both but too long for either. */
	CHECK(authz_basic_encode("", run_of('p', 1000), hdr,
	    sizeof(hdr)) == 0);
	CHECK(refused(hdr));
	CHECK(refused_n(hdr, strlen(hdr) - 4));

	snprintf(hdr, sizeof(hdr), "Bearer %s",
	    run_of('t', AUTHZ_SECRET_MAX - 1));
	CHECK(bearer(hdr, run_of('t', AUTHZ_SECRET_MAX - 1)));
	snprintf(hdr, sizeof(hdr), "Bearer %s", run_of('t', AUTHZ_SECRET_MAX));
	CHECK(refused(hdr));

	/* len ends the input: the "Z"s after it are not part of the token. */
	CHECK(authz_n("Bearer abc", 9, &a) == 0 && strcmp(a.secret, "ab") == 0);
	CHECK(refused_n("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", 33));
	CHECK(refused_n("Bearer abc", 6));
	secret_wipe(&a, sizeof(a));
}

static void
test_authz_bearer(void)
{
	CHECK(bearer("Bearer abc", "abc"));
	CHECK(bearer("bearer abc", "abc"));
	CHECK(bearer("BEARER  abc ", "abc"));
	CHECK(bearer("Bearer azAZ09-._~+/", "azAZ09-._~+/"));
	CHECK(bearer("Bearer abc==", "abc=="));
	CHECK(bearer("Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM"));
	CHECK(refused("Bearer"));
	CHECK(refused("Bearer "));
	CHECK(refused("Bearer ===="));
	CHECK(refused("Bearer a=b"));
	CHECK(refused("Bearer =a"));
	CHECK(refused("Bearer abc def"));
	CHECK(refused("Bearer abc,def"));
	CHECK(refused("Bearer \"abc\""));
	CHECK(refused("Bearer ab%63"));
	CHECK(refused("Bearer ab\x01"));
	CHECK(refused("Bearer caf\xc3\xa9"));
	CHECK(REFUSED("Bearer ab\0c"));
	/* The scheme and its token are separated by SP only. */
	CHECK(refused("Bearer\tabc"));
}

static void
test_authz_schemes(void)
{
	CHECK(refused(""));
	CHECK(refused(" "));
	CHECK(refused("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
	CHECK(refused("Digest username=\"Aladdin\""));
	CHECK(refused("Negotiate YIIB"));
	CHECK(refused("Basics QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
	CHECK(refused("Bas QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
	CHECK(refused("Bearerx abc"));
	CHECK(refused(" Basic"));
	CHECK(REFUSED("Basic\0QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
}

static void
test_authz_encode(void)
{
	const char *aladdin = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";

	CHECK(encodes("Aladdin", "open sesame", OUT_MAX, aladdin));
	CHECK(encodes("Aladdin", "open sesame", strlen(aladdin) + 1,
	    aladdin));
	CHECK(encodes("Aladdin", "open sesame", strlen(aladdin), NULL));
	CHECK(encodes("Aladdin", "open sesame", 1, NULL));
	CHECK(encodes("Aladdin", "open sesame", 0, NULL));
	/* All three lengths modulo 3. */
	CHECK(encodes("", "", OUT_MAX, "Basic Og=="));
	CHECK(encodes("a", "", OUT_MAX, "Basic YTo="));
	CHECK(encodes("ab", "", OUT_MAX, "Basic YWI6"));
	CHECK(encodes("u", "p:w", OUT_MAX, "Basic dTpwOnc="));
	/* It would not read back as the same user. */
	CHECK(encodes("u:p", "w", OUT_MAX, NULL));
	CHECK(basic("Basic dTpwOnc=", "u", "p:w"));
}

static void
test_form_field(void)
{
	CHECK(form("a=1&b=2", "a", 1, "1"));
	CHECK(form("a=1&b=2", "b", 1, "2"));
	CHECK(form("a=1&b=2", "c", 0, NULL));
	CHECK(form("", "a", 0, NULL));
	CHECK(form_n(NULL, 0, "a", OUT_MAX, 0, NULL));
	CHECK(form("q=hello+world", "q", 1, "hello world"));
	CHECK(form("q=1%2B1", "q", 1, "1+1"));
	CHECK(form("q=1%2b1", "q", 1, "1+1"));
	CHECK(form("q=caf%C3%A9", "q", 1, "caf\xc3\xa9"));
	CHECK(form("q=%26%3D%25%2B", "q", 1, "&=%+"));
	CHECK(form("q=a=b=c", "q", 1, "a=b=c"));
	/* Only '&' separates: ';' is data. */
	CHECK(form("a=1;b=2", "a", 1, "1;b=2"));
	CHECK(form("a=1;b=2", "b", 0, NULL));
	/* The first of repeated fields. */
	CHECK(form("a=1&a=2", "a", 1, "1"));
	CHECK(form("a=&a=2", "a", 1, ""));
	/* Empty values, and a field without '='. */
	CHECK(form("a=&b=2", "a", 1, ""));
	CHECK(form("b=2&a", "a", 1, ""));
	CHECK(form("a&b=2", "b", 1, "2"));
	CHECK(form("&&a=1&&", "a", 1, "1"));
	CHECK(form("=1&a=2", "a", 1, "2"));
	CHECK(form("=1", "", 1, "1"));
}

static void
test_form_names(void)
{
	CHECK(form("ab=1&a=2", "a", 1, "2"));
	CHECK(form("a=1&ab=2", "ab", 1, "2"));
	CHECK(form("a=1", "ab", 0, NULL));
	CHECK(form("xa=1", "a", 0, NULL));
	CHECK(form("password_confirm=1&password=2", "password", 1, "2"));
	/* Names are decoded before they are compared. */
	CHECK(form("user%5Fname=x", "user_name", 1, "x"));
	CHECK(form("a+b=1", "a b", 1, "1"));
	CHECK(form("a%20b=1", "a b", 1, "1"));
	CHECK(form("a%3Db=1", "a=b", 1, "1"));
	CHECK(form("a%00=1&a=2", "a", 1, "2"));
	CHECK(form("A=1", "a", 0, NULL));
}

static void
test_form_errors(void)
{
	CHECK(form("a=%00", "a", -1, NULL));
	CHECK(form("a=x%00y", "a", -1, NULL));
	CHECK(form("a=%4", "a", -1, NULL));
	CHECK(form("a=%", "a", -1, NULL));
	CHECK(form("a=%%41", "a", -1, NULL));
	CHECK(form("a=%zz", "a", -1, NULL));
	CHECK(form("a=%4g", "a", -1, NULL));
	CHECK(form("a=% 4", "a", -1, NULL));
	CHECK(form("a=%+4", "a", -1, NULL));
	/* A bad escape anywhere: the answer must not depend on order. */
	CHECK(form("a=1&b=%4", "a", -1, NULL));
	CHECK(form("b=%4&a=1", "a", -1, NULL));
	CHECK(form("a=1&%=2", "a", -1, NULL));
	CHECK(FORM("a=x\0y", "a", -1, NULL));
	/* A NUL elsewhere is only data nobody asked for. */
	CHECK(form("b=%00&a=1", "a", 1, "1"));
	CHECK(FORM("b=\0&a=1", "a", 1, "1"));
	CHECK(FORM("a\0=1&a=2", "a", 1, "2"));
	/* len ends the input; the "Z"s after it do not complete "%4". */
	CHECK(form_n("a=%41", 4, "a", OUT_MAX, -1, NULL));
	CHECK(form_n("a=abc", 4, "a", OUT_MAX, 1, "ab"));
	CHECK(form_n("ab=1", 1, "a", OUT_MAX, 1, ""));
}

static void
test_form_bounds(void)
{
	CHECK(form_n("a=abc", 5, "a", 4, 1, "abc"));
	CHECK(form_n("a=abcd", 6, "a", 4, -1, NULL));
	CHECK(form_n("a=%41%42%43", 11, "a", 4, 1, "ABC"));
	CHECK(form_n("a=%41%42%43%44", 14, "a", 4, -1, NULL));
	CHECK(form_n("a=", 2, "a", 1, 1, ""));
	CHECK(form_n("a=b", 3, "a", 1, -1, NULL));
	CHECK(form_n("b=b", 3, "a", 1, 0, NULL));
	CHECK(form_n("a=b", 3, "a", 0, -1, NULL));
}

static void
test_url_encode(void)
{
	char all[256];
	struct buf b;
	size_t i;

	CHECK(url_encodes("azAZ09-._~", "azAZ09-._~"));
	CHECK(url_encodes("a b&c=d/e+f", "a%20b%26c%3Dd%2Fe%2Bf"));
	CHECK(url_encodes("%#?;\"'<>", "%25%23%3F%3B%22%27%3C%3E"));
	CHECK(url_encodes("caf\xc3\xa9\x01\x7f\xff",
	    "caf%C3%A9%01%7F%FF"));
	CHECK(url_encodes("", ""));
	CHECK(url_encodes(NULL, ""));

	/* Every byte there is comes back through form_field. */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	buf_init(&b, 1024);
	CHECK(buf_put(&b, "x=", 2) == 0);
	CHECK(url_encode(&b, all) == 0);
	CHECK(b.len == 2 + 66 + 189 * 3);
	CHECK(form_n((const char *)b.data, b.len, "x", OUT_MAX, 1, all));
	buf_release(&b);

	/* A full buffer is left as it was. */
	buf_init(&b, 5);
	CHECK(buf_put(&b, "x=", 2) == 0);
	CHECK(url_encode(&b, "a b") == -1);
	CHECK(b.len == 2);
	CHECK(url_encode(&b, "abc") == 0);
	CHECK(b.len == 5 && memcmp(b.data, "x=abc", 5) == 0);
	CHECK(url_encode(&b, "d") == -1);
	CHECK(url_encode(&b, "") == 0);
	CHECK(b.len == 5);
	buf_release(&b);
}

static void
test_html_escape(void)
{
	struct buf b;

	CHECK(html_escapes("<a href=\"x\">Tom & Jerry's</a>",
	    "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"));
	CHECK(html_escapes("&amp;", "&amp;amp;"));
	CHECK(html_escapes("plain caf\xc3\xa9 text", "plain caf\xc3\xa9 text"));
	CHECK(html_escapes("", ""));
	CHECK(html_escapes(NULL, ""));

	buf_init(&b, 8);
	CHECK(html_escape(&b, "a<b") == 0);
	CHECK(b.len == 6);
	CHECK(html_escape(&b, "\"") == -1);
	CHECK(b.len == 6);
	CHECK(html_escape(&b, "cd") == 0);
	CHECK(b.len == 8 && memcmp(b.data, "a&lt;bcd", 8) == 0);
	buf_release(&b);
}

static void
test_secret_wipe(void)
{
	char s[16];
	size_t i;

	memcpy(s, "hunter2hunter2!", sizeof(s));
	secret_wipe(s, sizeof(s));
	for (i = 0; i < sizeof(s); i++)
		CHECK(s[i] == '\0');
	secret_wipe(NULL, 16);
	secret_wipe(s, 0);
}

int
main(void)
{
	RUN(test_cookie_find);
	RUN(test_cookie_names);
	RUN(test_cookie_values);
	RUN(test_cookie_bounds);
	RUN(test_authz_basic);
	RUN(test_authz_base64);
	RUN(test_authz_limits);
	RUN(test_authz_bearer);
	RUN(test_authz_schemes);
	RUN(test_authz_encode);
	RUN(test_form_field);
	RUN(test_form_names);
	RUN(test_form_errors);
	RUN(test_form_bounds);
	RUN(test_url_encode);
	RUN(test_html_escape);
	RUN(test_secret_wipe);
	TEST_EXIT();
}
