/*
 * upstream.c: the mirrored repository's PACKAGES, its gzip wrapper,
 * dependency fields and closures, and the file names derived from it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "upstream.h"
#include "test.h"

static char err[512];

/* A CRAN-like excerpt: folded fields, a Path, extra fields, CRLF in one. */
static const char packages[] =
    "Package: A3\n"
    "Version: 1.0.0\n"
    "Depends: R (>= 2.15.0), xtable, pbapply\n"
    "Suggests: randomForest, e1071\n"
    "License: GPL (>= 2)\n"
    "MD5sum: 027ebdd8affce8f0effaecfcd5f5ade2\n"
    "NeedsCompilation: no\n"
    "\n"
    "Package: abc\n"
    "Version: 2.2.1\n"
    "Depends: R (>= 2.10), abc.data, nnet, quantreg, MASS, locfit\n"
    "License: GPL (>= 3)\n"
    "MD5sum: C8A2B4E3F1D2A0B9C8D7E6F5A4B3C2D1\n"
    "SHA256: 0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef\n"
    "Size: 12345\n"
    "NeedsCompilation: no\n"
    "\n"
    "Package: abc.data\n"
    "Version: 1.0\n"
    "Depends: R (>= 2.10)\n"
    "License: GPL (>= 3)\n"
    "MD5sum: 799079dbbdd0cfc9d9c61c3e35241806\n"
    "NeedsCompilation: no\n"
    "\n"
    "Package: locfit\n"
    "Version: 1.5-9.8\n"
    "Depends: R (>= 4.1.0)\n"
    "Imports: lattice\n"
    "License: GPL (>= 2)\n"
    "MD5sum: 4fb5e2e4a1d0c5f3a2b1c0d9e8f7a6b5\n"
    "NeedsCompilation: yes\n"
    "Path: Archive/locfit\n"
    "\n"
    "Package: quantreg\n"
    "Version: 5.97\n"
    "Depends: R (>= 3.5), stats, SparseM\n"
    "Imports: methods, graphics, Matrix, MatrixModels, survival,\n"
    "        MASS\n"
    "LinkingTo: Rcpp (>= 1.0.0),\n"
    "    RcppArmadillo\n"
    "Suggests: tripack, akima, rgl, logspline, nor1mix, Formula,\n"
    "        zoo, R.rsp, conquer\n"
    "License: GPL (>= 2)\n"
    "MD5sum: a1b2c3d4e5f60718293a4b5c6d7e8f90\n"
    "NeedsCompilation: yes\n"
    "\r\n"
    "Package: xtable\r\n"
    "Version: 1.8-4\r\n"
    "Depends: R (>= 2.10.0)\r\n"
    "Imports: stats, utils\r\n"
    "MD5sum: 0123456789abcdef0123456789abcdef\r\n";

static const struct upstream_pkg *
lookup(const struct upstream_index *ix, const char *name)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		if (strcmp(ix->v[i].package, name) == 0)
			return &ix->v[i];
	return NULL;
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
parse_s(struct upstream_index *ix, const char *s)
{
	err[0] = '\0';
	return upstream_parse(s, strlen(s), ix, err, sizeof(err));
}

/* Parsing fails, with an error that names all of want (NULL-ended). */
static int
fails(const char *s, size_t n, const char *want1, const char *want2)
{
	struct upstream_index ix;

	err[0] = '\0';
	if (upstream_parse(s, n, &ix, err, sizeof(err)) == 0) {
		fprintf(stderr, "  parsed, expected \"%s\"\n", want1);
		upstream_free(&ix);
		return 0;
	}
	if (ix.n != 0 || ix.v != NULL || strstr(err, want1) == NULL ||
	    (want2 != NULL && strstr(err, want2) == NULL)) {
		fprintf(stderr, "  got \"%s\", want \"%s\" \"%s\"\n", err,
		    want1, want2 ? want2 : "");
		return 0;
	}
	return 1;
}

static int
fails_s(const char *s, const char *want1, const char *want2)
{
	return fails(s, strlen(s), want1, want2);
}

static void
test_parse(void)
{
	struct upstream_index ix;
	const struct upstream_pkg *p;
	size_t i;

	CHECK(parse_s(&ix, packages) == 0);
	CHECK(ix.n == 6);
	for (i = 1; i < ix.n; i++)
		CHECK(strcmp(ix.v[i - 1].package, ix.v[i].package) < 0);

	CHECK((p = lookup(&ix, "A3")) != NULL);
	if (p != NULL) {
		CHECK(streq(p->version, "1.0.0"));
		CHECK(streq(p->depends, "R (>= 2.15.0), xtable, pbapply"));
		CHECK(streq(p->suggests, "randomForest, e1071"));
		CHECK(streq(p->md5, "027ebdd8affce8f0effaecfcd5f5ade2"));
		CHECK(p->sha256 == NULL && p->size == -1 && p->path == NULL);
		CHECK(p->imports == NULL && p->linking_to == NULL);
	}
	CHECK((p = lookup(&ix, "abc")) != NULL);
	if (p != NULL) {
		/* Hex is kept in lower case, whatever the index wrote. */
		CHECK(streq(p->md5, "c8a2b4e3f1d2a0b9c8d7e6f5a4b3c2d1"));
		CHECK(streq(p->sha256, "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef"));
		CHECK(p->size == 12345);
	}
	CHECK((p = lookup(&ix, "locfit")) != NULL);
	if (p != NULL) {
		CHECK(streq(p->version, "1.5-9.8"));
		CHECK(streq(p->path, "Archive/locfit"));
	}
	CHECK((p = lookup(&ix, "quantreg")) != NULL);
	if (p != NULL) {
		/* Folded lines lose their indent and join with newlines. */
		CHECK(streq(p->imports, "methods, graphics, Matrix, "
		    "MatrixModels, survival,\nMASS"));
		CHECK(streq(p->linking_to, "Rcpp (>= 1.0.0),\nRcppArmadillo"));
		CHECK(streq(p->suggests, "tripack, akima, rgl, logspline, "
		    "nor1mix, Formula,\nzoo, R.rsp, conquer"));
	}
	CHECK((p = lookup(&ix, "xtable")) != NULL);
	if (p != NULL) {
		CHECK(streq(p->version, "1.8-4"));
		CHECK(streq(p->imports, "stats, utils"));
	}
	upstream_free(&ix);
	upstream_free(&ix);	/* twice is harmless */

	/* Nothing, or blank lines only, is an empty repository. */
	CHECK(parse_s(&ix, "") == 0 && ix.n == 0 && ix.v == NULL);
	CHECK(parse_s(&ix, "\n \t\n\n") == 0 && ix.n == 0);
	/* Any run of blank lines (spaces and tabs) separates records. */
	CHECK(parse_s(&ix, "\n\nPackage: aa\nVersion: 1.0\n \t \n\n"
	    "Package: bb\nVersion: 2.0") == 0 && ix.n == 2);
	upstream_free(&ix);
	/* A lone CR ends lines too, as R reads them. */
	CHECK(parse_s(&ix, "Package: aa\rVersion: 1.0\r\rPackage: bb\r"
	    "Version: 2.0\r") == 0 && ix.n == 2);
	upstream_free(&ix);
	/* "Path:" with no value is no subdirectory. */
	CHECK(parse_s(&ix, "Package: aa\nVersion: 1.0\nPath:\n") == 0);
	CHECK(ix.n == 1 && ix.v[0].path == NULL);
	upstream_free(&ix);
}

#define M1	"11111111111111111111111111111111"
#define M2	"22222222222222222222222222222222"
#define M3	"33333333333333333333333333333333"
#define M4	"44444444444444444444444444444444"

static void
test_duplicates(void)
{
	struct upstream_index ix;
	const struct upstream_pkg *p;

	/* package_version order: 1.10 = 1.010 > 1.9 > 1.0; first of equals. */
	CHECK(parse_s(&ix,
	    "Package: dup\nVersion: 1.9\nMD5sum: " M1 "\n\n"
	    "Package: other\nVersion: 0.1\n\n"
	    "Package: dup\nVersion: 1.10\nMD5sum: " M2 "\n\n"
	    "Package: dup\nVersion: 1.0\nMD5sum: " M3 "\n\n"
	    "Package: dup\nVersion: 1.010\nMD5sum: " M4 "\n\n"
	    "Package: Dup\nVersion: 0.5\n") == 0);
	CHECK(ix.n == 3);
	CHECK((p = lookup(&ix, "dup")) != NULL);
	if (p != NULL) {
		CHECK(streq(p->version, "1.10"));
		CHECK(streq(p->md5, M2));
	}
	/* Names are case-sensitive, as R's are. */
	CHECK((p = lookup(&ix, "Dup")) != NULL && streq(p->version, "0.5"));
	upstream_free(&ix);

	/* 1.0-1 and 1.0.1 are the same version: the first stays. */
	CHECK(parse_s(&ix, "Package: aa\nVersion: 1.0-1\n\n"
	    "Package: aa\nVersion: 1.0.1\n") == 0);
	CHECK(ix.n == 1 && streq(ix.v[0].version, "1.0-1"));
	upstream_free(&ix);
}

static void
test_malformed(void)
{
	char big[UPSTREAM_MAX_FIELD + 100];
	const char *ok = "Package: aa\nVersion: 1.0\n\n";
	char buf[1024];

	CHECK(fails_s("Package: aa\nVersion: 1.0\n\nVersion: 1.0\n",
	    "record 2 (line 4)", "Package: missing"));
	CHECK(fails_s("Package: aa\n", "record 1 (line 1)",
	    "Version: missing"));
	CHECK(fails_s("Package: a\nVersion: 1.0\n", "record 1",
	    "Package: not a valid package name: \"a\""));
	CHECK(fails_s("Package: ../x\nVersion: 1.0\n", "record 1",
	    "not a valid package name"));
	CHECK(fails_s("Package: aa\nVersion: 1.0a\n", "record 1",
	    "Version: not a valid package version: \"1.0a\""));
	CHECK(fails_s("Package: aa\nVersion: 1\n", "record 1", "Version"));
	snprintf(buf, sizeof(buf), "%s%s%s", ok, ok,
	    "Package: cc\nVersion: 1.0\nMD5sum: 0123\n");
	CHECK(fails_s(buf, "record 3 (line 7)", "MD5sum: not 32 hex"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\n"
	    "MD5sum: 0123456789abcdef0123456789abcdeg\n", "record 1",
	    "MD5sum"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nSHA256: abc\n", "record 1",
	    "SHA256: not 64 hex"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nSize: -1\n", "record 1",
	    "Size"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nSize: 12x\n", "record 1",
	    "Size"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nSize: 99999999999999999999\n",
	    "record 1", "Size"));
	/* dcf_parse's errors, with line numbers counted from the top. */
	CHECK(fails_s("Package: aa\nVersion: 1.0\n\n\nPackage: bb\n"
	    "Version: 1.0\nVersion: 1.1\n", "record 2 (line 7)",
	    "field \"Version\" repeated"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\n\n  continued\n",
	    "record 2 (line 4)", "continuation line"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nno colon here\n",
	    "record 1 (line 3)", "neither a field"));
	CHECK(fails("Package: aa\nVersion: 1.0\nX: a\0b\n", 32,
	    "record 1 (line 3)", "NUL byte"));
	CHECK(fails("\x1f\x8b\x08\0\0\0\0\0", 8, "record 1 (line 1)",
	    "gzip-compressed"));
	/* Dependency fields must name packages. */
	CHECK(fails_s("Package: aa\nVersion: 1.0\nImports: foo bar\n",
	    "record 1", "Imports: \"foo bar\" is not a package name"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nDepends: R (>= 3.5\n",
	    "record 1", "Depends"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nLinkingTo: Rcpp (1.0)\n",
	    "record 1", "LinkingTo"));
	CHECK(fails_s("Package: aa\nVersion: 1.0\nSuggests: x\n",
	    "record 1", "Suggests: \"x\""));
	/* An echoed value is made safe and short. */
	CHECK(fails_s("Package: aa\nVersion: 1.0\nDepends: \x1b[31mred\n",
	    "record 1", "\"?[31mred\""));
	/* Values are bounded. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "Package: aa\nVersion: 1.0\nX: ", 28);
	big[sizeof(big) - 1] = '\0';
	CHECK(fails_s(big, "record 1 (line 1)", "field \"X\" longer than"));
}

static void
test_limits(void)
{
	struct upstream_index ix;
	struct buf b;
	size_t i;

	buf_init(&b, 8 * 1024 * 1024);
	for (i = 0; i < UPSTREAM_MAX_RECORDS; i++)
		CHECK(buf_putf(&b, "Package: p%zu\nVersion: 1.0\n\n", i) == 0);
	err[0] = '\0';
	CHECK(upstream_parse((const char *)b.data, b.len, &ix, err,
	    sizeof(err)) == 0);
	CHECK(ix.n == UPSTREAM_MAX_RECORDS);
	upstream_free(&ix);
	CHECK(buf_putf(&b, "Package: onemore\nVersion: 1.0\n") == 0);
	CHECK(fails((const char *)b.data, b.len, "record 100001",
	    "more than 100000 records"));
	buf_release(&b);
	/* Too big to be an index, before anything is read. */
	CHECK(fails("", (size_t)UPSTREAM_MAX_INDEX + 1, "more than", NULL));
}

/* gzip of n bytes at p onto out, as one member. */
static void
gzip(const void *p, size_t n, struct buf *out)
{
	z_stream z;
	uint8_t *o;
	int r;

	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		CHECK(buf_reserve(out, 65536, &o) == 0);
		z.next_out = o;
		z.avail_out = 65536;
		r = deflate(&z, Z_FINISH);
		out->len += 65536 - z.avail_out;
	} while (r == Z_OK);
	CHECK(r == Z_STREAM_END);
	deflateEnd(&z);
}

/* A gzip member of n zero bytes, made without holding them. */
static void
gzip_zeros(size_t n, struct buf *out)
{
	static const uint8_t zeros[65536];
	z_stream z;
	uint8_t *o;
	size_t left = n;
	int r, flush;

	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	do {
		z.next_in = (Bytef *)(uintptr_t)zeros;
		z.avail_in = left > sizeof(zeros) ? sizeof(zeros) :
		    (uInt)left;
		left -= z.avail_in;
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			CHECK(buf_reserve(out, 65536, &o) == 0);
			z.next_out = o;
			z.avail_out = 65536;
			r = deflate(&z, flush);
			out->len += 65536 - z.avail_out;
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	CHECK(r == Z_STREAM_END);
	deflateEnd(&z);
}

static void
test_gunzip(void)
{
	struct buf gz, out, two;
	struct upstream_index ix;
	size_t len;

	buf_init(&gz, 1 << 24);
	buf_init(&out, (size_t)UPSTREAM_MAX_INDEX * 2);
	gzip(packages, sizeof(packages) - 1, &gz);
	CHECK(upstream_gunzip(gz.data, gz.len, &out, err, sizeof(err)) == 0);
	CHECK(out.len == sizeof(packages) - 1 &&
	    memcmp(out.data, packages, out.len) == 0);
	CHECK(upstream_parse((const char *)out.data, out.len, &ix, err,
	    sizeof(err)) == 0 && ix.n == 6);
	upstream_free(&ix);

	/* Appended after what out holds; on failure out is as it was. */
	buf_reset(&out);
	CHECK(buf_put(&out, "keep", 4) == 0);
	CHECK(upstream_gunzip(gz.data, gz.len, &out, err, sizeof(err)) == 0);
	CHECK(out.len == 4 + sizeof(packages) - 1 &&
	    memcmp(out.data, "keep", 4) == 0);
	CHECK(upstream_gunzip(gz.data, gz.len - 1, &out, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "truncated") != NULL);
	CHECK(out.len == 4 + sizeof(packages) - 1);
	buf_reset(&out);

	/* Truncated anywhere, including inside the deflate data. */
	for (len = 1; len < gz.len; len += 7) {
		CHECK(upstream_gunzip(gz.data, len, &out, err,
		    sizeof(err)) == -1);
		CHECK(out.len == 0);
	}
	/* Two members, as cat a.gz b.gz gives. */
	buf_init(&two, 1 << 24);
	CHECK(buf_put(&two, gz.data, gz.len) == 0);
	CHECK(buf_put(&two, gz.data, gz.len) == 0);
	CHECK(upstream_gunzip(two.data, two.len, &out, err, sizeof(err)) == 0);
	CHECK(out.len == 2 * (sizeof(packages) - 1));
	buf_reset(&out);
	/* Trailing garbage is not another member. */
	CHECK(buf_put(&two, "garbage!", 8) == 0);
	CHECK(upstream_gunzip(two.data, two.len, &out, err,
	    sizeof(err)) == -1 && out.len == 0);
	/* A corrupt byte in the data, or a bad CRC. */
	two.data[gz.len / 2] ^= 0x55;
	CHECK(upstream_gunzip(two.data, gz.len, &out, err,
	    sizeof(err)) == -1 && out.len == 0);
	two.data[gz.len / 2] ^= 0x55;
	two.data[gz.len - 6] ^= 0x01;
	CHECK(upstream_gunzip(two.data, gz.len, &out, err,
	    sizeof(err)) == -1 && out.len == 0);
	buf_release(&two);
	/* Not gzip: plain text, empty, a zlib stream. */
	CHECK(upstream_gunzip((const unsigned char *)"Package: x\n", 11, &out,
	    err, sizeof(err)) == -1);
	CHECK(upstream_gunzip(gz.data, 0, &out, err, sizeof(err)) == -1);
	CHECK(upstream_gunzip((const unsigned char *)"\x78\x9c\x03\0\0\0\0\x01",
	    8, &out, err, sizeof(err)) == -1);
	CHECK(out.len == 0);

	/* A bomb: 65 MiB of zeros in about 65 KiB is stopped at the cap. */
	buf_reset(&gz);
	gzip_zeros((size_t)UPSTREAM_MAX_INDEX + 1024 * 1024, &gz);
	CHECK(gz.len < 1024 * 1024);
	CHECK(upstream_gunzip(gz.data, gz.len, &out, err, sizeof(err)) == -1);
	CHECK(strstr(err, "more than") != NULL);
	CHECK(out.len == 0);
	/* Exactly at the cap is fine. */
	buf_reset(&gz);
	gzip_zeros(UPSTREAM_MAX_INDEX, &gz);
	CHECK(upstream_gunzip(gz.data, gz.len, &out, err, sizeof(err)) == 0);
	CHECK(out.len == UPSTREAM_MAX_INDEX);
	buf_release(&out);
	/* out's own limit holds too. */
	buf_init(&out, 100);
	CHECK(upstream_gunzip(gz.data, gz.len, &out, err, sizeof(err)) == -1);
	CHECK(out.len == 0);
	buf_release(&out);
	buf_release(&gz);
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The names of field, space-separated, or "ERR". */
static const char *
deps(const char *field)
{
	static char out[512];
	char **v = NULL;
	size_t n = 0, i;

	out[0] = '\0';
	if (upstream_deps(field, &v, &n) != 0) {
		CHECK(v == NULL && n == 0);
		return "ERR";
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	free_list(v, n);
	return out;
}

static void
test_deps(void)
{
	char **v = NULL;
	size_t n = 0;

	CHECK(streq(deps(""), ""));
	CHECK(streq(deps("R (>= 3.5.0)"), ""));
	CHECK(streq(deps("R"), ""));
	CHECK(streq(deps("R (>= 4.0), pkgA (>= 1.2), pkgB"), "pkgA pkgB"));
	CHECK(streq(deps("pkg(>=1)"), "pkg"));
	CHECK(streq(deps("pkg (>=1.0-2)"), "pkg"));
	CHECK(streq(deps("  a.b ( >=  1.0 ) ,\n\tcc(<2.0)"), "a.b cc"));
	CHECK(streq(deps("Rcpp (>= 1.0.0),\nRcppArmadillo"),
	    "Rcpp RcppArmadillo"));
	CHECK(streq(deps("xx,"), "xx"));
	CHECK(streq(deps("xx,,yy, ,"), "xx yy"));
	CHECK(streq(deps(",xx"), "xx"));
	CHECK(streq(deps("xx (== 1.0), yy (!= 2.0), zz (< 3), ww (> 4.1)"),
	    "xx yy zz ww"));
	CHECK(streq(deps("methods, stats"), "methods stats"));
	/* Duplicates are the caller's business. */
	CHECK(streq(deps("xx, xx"), "xx xx"));

	CHECK(streq(deps("a"), "ERR"));
	CHECK(streq(deps("foo bar"), "ERR"));
	CHECK(streq(deps("foo (>= 1.0) bar"), "ERR"));
	CHECK(streq(deps("foo (>= 1.0"), "ERR"));
	CHECK(streq(deps("foo >= 1.0"), "ERR"));
	CHECK(streq(deps("foo (1.0)"), "ERR"));
	CHECK(streq(deps("foo (>= )"), "ERR"));
	CHECK(streq(deps("foo (>= 1..0)"), "ERR"));
	CHECK(streq(deps("foo (=> 1.0)"), "ERR"));
	CHECK(streq(deps("foo ((>= 1.0))"), "ERR"));
	CHECK(streq(deps("foo (>= 1.0))"), "ERR"));
	CHECK(streq(deps("(>= 1.0)"), "ERR"));
	CHECK(streq(deps("9lives"), "ERR"));
	CHECK(streq(deps("pkg."), "ERR"));
	CHECK(streq(deps("ok, ../../etc"), "ERR"));

	/* Appends; on error what was there stays. */
	CHECK(upstream_deps("aa, bb", &v, &n) == 0 && n == 2);
	CHECK(upstream_deps("cc", &v, &n) == 0 && n == 3);
	CHECK(n == 3 && streq(v[2], "cc"));
	errno = 0;
	CHECK(upstream_deps("dd, e e", &v, &n) == -1 && errno == EINVAL);
	CHECK(n == 3 && streq(v[0], "aa"));
	free_list(v, n);
}

static void
test_base(void)
{
	CHECK(upstream_is_base("base"));
	CHECK(upstream_is_base("grDevices"));
	CHECK(upstream_is_base("stats4"));
	CHECK(upstream_is_base("tcltk"));
	CHECK(upstream_is_base("MASS"));
	CHECK(upstream_is_base("Matrix"));
	CHECK(upstream_is_base("survival"));
	CHECK(upstream_is_base("KernSmooth"));
	CHECK(!upstream_is_base("matrix"));
	CHECK(!upstream_is_base("R"));
	CHECK(!upstream_is_base("Rcpp"));
	CHECK(!upstream_is_base(""));
	CHECK(upstream_is_recommended("Matrix"));
	CHECK(upstream_is_recommended("survival"));
	CHECK(!upstream_is_recommended("stats"));
	CHECK(!upstream_is_recommended("Rcpp"));
}

static const char graph[] =
    "Package: top\nVersion: 1.0\nDepends: R (>= 4.0), mid1\n"
    "Imports: stats, MASS, mid2\nSuggests: sug1, nowhere.sug\n\n"
    "Package: mid1\nVersion: 1.0\nImports: deep (>= 2.0)\n"
    "Suggests: sug2\n\n"
    "Package: mid2\nVersion: 1.0\nLinkingTo: Rcpp\n\n"
    "Package: deep\nVersion: 2.1\nDepends: deeper\n\n"
    "Package: deeper\nVersion: 1.0\nImports: gone (>= 1.0), utils\n\n"
    "Package: Rcpp\nVersion: 1.0.12\nImports: methods, utils\n\n"
    "Package: sug1\nVersion: 1.0\nImports: sugdep\nSuggests: sug3\n\n"
    "Package: sug2\nVersion: 1.0\n\n"
    "Package: sug3\nVersion: 1.0\n\n"
    "Package: sugdep\nVersion: 1.0\n\n"
    "Package: cyc.a\nVersion: 1.0\nImports: cyc.b\n\n"
    "Package: cyc.b\nVersion: 1.0\nDepends: cyc.c\n\n"
    "Package: cyc.c\nVersion: 1.0\nLinkingTo: cyc.a\n\n"
    "Package: self\nVersion: 1.0\nImports: self\n\n"
    "Package: lonely\nVersion: 1.0\n";

/* The names of the closure of wanted, space-separated, then "|" missing. */
static const char *
closure(const struct upstream_index *ix, const char *w1, const char *w2,
    int with_suggests)
{
	static char out[1024];
	char *wanted[2], **missing;
	size_t *idx, n, nmissing, i, nw = 0;

	if (w1 != NULL)
		wanted[nw++] = (char *)(uintptr_t)w1;
	if (w2 != NULL)
		wanted[nw++] = (char *)(uintptr_t)w2;
	if (upstream_closure(ix, wanted, nw, with_suggests, &idx, &n,
	    &missing, &nmissing) != 0)
		return "ERR";
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		CHECK(i == 0 || idx[i - 1] < idx[i]);
		CHECK(idx[i] < ix->n);
		if (i > 0)
			strcat(out, " ");
		strcat(out, ix->v[idx[i]].package);
	}
	strcat(out, " |");
	for (i = 0; i < nmissing; i++) {
		CHECK(i == 0 || strcmp(missing[i - 1], missing[i]) < 0);
		strcat(out, " ");
		strcat(out, missing[i]);
	}
	free(idx);
	free_list(missing, nmissing);
	return out;
}

static int
closure_is(const struct upstream_index *ix, const char *w1, const char *w2,
    int with_suggests, const char *want)
{
	const char *got = closure(ix, w1, w2, with_suggests);

	if (strcmp(got, want) == 0)
		return 1;
	fprintf(stderr, "  closure(%s, %s, %d): got \"%s\", want \"%s\"\n",
	    w1, w2 ? w2 : "-", with_suggests, got, want);
	return 0;
}

static void
test_closure(void)
{
	struct upstream_index ix, empty = { NULL, 0 };

	CHECK(parse_s(&ix, graph) == 0);
	/* Index order is by name (bytes): capitals first. */
	CHECK(streq(ix.v[0].package, "Rcpp"));

	/* top -> mid1 -> deep -> deeper -> gone (missing); no base. */
	CHECK(closure_is(&ix, "top", NULL, 0,
	    "Rcpp deep deeper mid1 mid2 top | gone"));
	/* Suggests of top only, and what they need over hard fields. */
	CHECK(closure_is(&ix, "top", NULL, 1,
	    "Rcpp deep deeper mid1 mid2 sug1 sugdep top | gone nowhere.sug"));
	/* mid1 wanted too: its Suggests count. */
	CHECK(closure_is(&ix, "top", "mid1", 1,
	    "Rcpp deep deeper mid1 mid2 sug1 sug2 sugdep top | gone "
	    "nowhere.sug"));
	CHECK(closure_is(&ix, "mid2", NULL, 1, "Rcpp mid2 |"));
	/* Cycles end. */
	CHECK(closure_is(&ix, "cyc.b", NULL, 0, "cyc.a cyc.b cyc.c |"));
	CHECK(closure_is(&ix, "self", NULL, 0, "self |"));
	/* Wanted names: unknown ones are missing, base ones and R ignored. */
	CHECK(closure_is(&ix, "lonely", "nosuch", 0, "lonely | nosuch"));
	CHECK(closure_is(&ix, "MASS", "R", 1, " |"));
	CHECK(closure_is(&ix, "nosuch", "nosuch", 0, " | nosuch"));
	CHECK(closure_is(&ix, "lonely", "lonely", 0, "lonely |"));
	CHECK(closure_is(&ix, NULL, NULL, 1, " |"));
	CHECK(closure_is(&empty, "x", NULL, 1, " | x"));
	upstream_free(&ix);

	/* An index built by hand, not sorted, works as well. */
	{
		struct upstream_pkg v[3];
		struct upstream_index hand = { v, 3 };

		memset(v, 0, sizeof(v));
		v[0].package = (char *)(uintptr_t)"zz";
		v[0].version = (char *)(uintptr_t)"1.0";
		v[0].imports = (char *)(uintptr_t)"aa";
		v[1].package = (char *)(uintptr_t)"mm";
		v[1].version = (char *)(uintptr_t)"1.0";
		v[2].package = (char *)(uintptr_t)"aa";
		v[2].version = (char *)(uintptr_t)"1.0";
		v[2].depends = (char *)(uintptr_t)"mm";
		CHECK(closure_is(&hand, "zz", NULL, 0, "zz mm aa |"));
		/* A field upstream_parse would refuse. */
		v[1].linking_to = (char *)(uintptr_t)"not valid";
		CHECK(closure_is(&hand, "zz", NULL, 0, "ERR"));
	}

	/*
	 * Recommended packages, as common/resolve.c has them: a dependency
	 * on one comes with R; named in the list, upstream's is mirrored.
	 */
	CHECK(parse_s(&ix, "Package: MASS\nVersion: 7.3-60\nImports: stats\n\n"
	    "Package: Matrix\nVersion: 1.6-5\nImports: lattice\n\n"
	    "Package: lattice\nVersion: 0.22-5\n\n"
	    "Package: user\nVersion: 1.0\nImports: MASS, Matrix, boot\n")
	    == 0);
	CHECK(closure_is(&ix, "user", NULL, 0, "user |"));
	CHECK(closure_is(&ix, "user", "Matrix", 0, "Matrix user |"));
	CHECK(closure_is(&ix, "MASS", "boot", 0, "MASS |"));
	upstream_free(&ix);
}

static const char *
file(const char *path, const char *pkg, const char *ver)
{
	static char out[256];
	struct upstream_pkg p;

	memset(&p, 0, sizeof(p));
	p.package = (char *)(uintptr_t)pkg;
	p.version = (char *)(uintptr_t)ver;
	p.path = (char *)(uintptr_t)path;
	if (upstream_file(&p, out, sizeof(out)) != 0)
		return errno == EINVAL ? "EINVAL" : "ERR";
	return out;
}

static void
test_file(void)
{
	struct upstream_pkg p;
	char small[16];

	CHECK(streq(file(NULL, "abc", "1.0-2"), "abc_1.0-2.tar.gz"));
	CHECK(streq(file("Archive/abc", "abc", "1.0"),
	    "Archive/abc/abc_1.0.tar.gz"));
	CHECK(streq(file("a_b-c.d/E9", "abc", "1.0"),
	    "a_b-c.d/E9/abc_1.0.tar.gz"));
	CHECK(streq(file(".hidden", "abc", "1.0"), ".hidden/abc_1.0.tar.gz"));

	CHECK(streq(file("..", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a/../b", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a/..", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a..b", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("/etc", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a//b", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a/", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("./a", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a/.", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a b", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a\\b", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a\nb", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("caf\xc3\xa9", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file("a%2f", "abc", "1.0"), "EINVAL"));
	CHECK(streq(file(NULL, "a/b", "1.0"), "EINVAL"));
	CHECK(streq(file(NULL, "abc", "1.0/../x"), "EINVAL"));
	CHECK(streq(file(NULL, NULL, "1.0"), "EINVAL"));

	memset(&p, 0, sizeof(p));
	p.package = (char *)(uintptr_t)"abcdef";
	p.version = (char *)(uintptr_t)"1.0";
	CHECK(upstream_file(&p, small, sizeof(small)) == -1 &&
	    errno == ENAMETOOLONG);
	p.version = (char *)(uintptr_t)"1";
	CHECK(upstream_file(&p, small, sizeof(small)) == -1 &&
	    errno == EINVAL);
}

int
main(void)
{
	RUN(test_parse);
	RUN(test_duplicates);
	RUN(test_malformed);
	RUN(test_limits);
	RUN(test_gunzip);
	RUN(test_deps);
	RUN(test_base);
	RUN(test_closure);
	RUN(test_file);
	TEST_EXIT();
}
