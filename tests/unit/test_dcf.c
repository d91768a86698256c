/*
 * dcf.c and packages.c: DESCRIPTION files read as R 4.2 reads them and
 * PACKAGES entries written as it writes them.  Every expected value below
 * is R's own output (read.dcf, write.dcf, tools:::analyze_licenses and
 * tools::write_PACKAGES, run in a UTF-8 locale), pasted in.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dcf.h"
#include "packages.h"
#include "test.h"

#define A10	"aaaaaaaaaa"
#define A30	A10 A10 A10
#define A60	A30 A30
#define ZH	"\xe4\xb8\xad\xe6\x96\x87"	/* two CJK characters */
#define ZH5	ZH " " ZH " " ZH " " ZH " " ZH
#define ZH12	ZH5 " " ZH5 " " ZH " " ZH
#define ZH13	ZH12 " " ZH

static char err[512];

/* Parses n bytes of text (NULs allowed); 0 or -1 with err set. */
static int
parse(struct dcf *d, const char *text, size_t n)
{
	struct buf in;

	buf_view(&in, text, n);
	err[0] = '\0';
	return dcf_parse(&in, d, err, sizeof(err));
}

static int
parse_s(struct dcf *d, const char *text)
{
	return parse(d, text, strlen(text));
}

/* The field has exactly this value (NULL: absent). */
static int
has(const struct dcf *d, const char *name, const char *want)
{
	const char *v = dcf_get(d, name);

	if (want == NULL ? v == NULL : v != NULL && strcmp(v, want) == 0)
		return 1;
	fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n", name,
	    v ? v : "(absent)", want ? want : "(absent)");
	return 0;
}

/* Parsing fails with a message holding want. */
static int
fails(const char *text, size_t n, const char *want)
{
	struct dcf d;

	if (parse(&d, text, n) == 0) {
		fprintf(stderr, "  parsed, expected \"%s\"\n", want);
		dcf_free(&d);
		return 0;
	}
	if (d.n != 0 || d.fields != NULL || strstr(err, want) == NULL) {
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
		return 0;
	}
	return 1;
}

static int
fails_s(const char *text, const char *want)
{
	return fails(text, strlen(text), want);
}

/* A literal with NULs in it. */
#define FAILS(lit, want)	fails((lit), sizeof(lit) - 1, (want))

/* dcf_put_field writes exactly want. */
static int
formats(const char *name, const char *value, const char *want)
{
	struct buf b;
	int ok;

	buf_init(&b, 1 << 20);
	ok = dcf_put_field(&b, name, value) == 0 && b.len == strlen(want) &&
	    memcmp(b.data, want, b.len) == 0;
	if (!ok)
		fprintf(stderr, "  got \"%.*s\"\n  want \"%s\"\n", (int)b.len,
		    b.data ? (const char *)b.data : "", want);
	buf_release(&b);
	return ok;
}

/* R's standardization: want NULL for NA. */
static int
license(const char *in, const char *want)
{
	char *std;
	int ok;

	err[0] = '\0';
	if (packages_license(in, &std, err, sizeof(err)) != 0) {
		fprintf(stderr, "  \"%s\": refused: %s\n", in, err);
		return 0;
	}
	ok = want == NULL ? std == NULL : std != NULL && strcmp(std, want) == 0;
	if (!ok)
		fprintf(stderr, "  \"%s\": got \"%s\", want \"%s\"\n", in,
		    std ? std : "NA", want ? want : "NA");
	free(std);
	return ok;
}

static int
license_refused(const char *in, const char *want)
{
	char *std = NULL;

	err[0] = '\0';
	if (packages_license(in, &std, err, sizeof(err)) == 0 ||
	    std != NULL || strstr(err, want) == NULL) {
		fprintf(stderr, "  \"%s\": got \"%s\" / \"%s\"\n", in,
		    std ? std : "NA", err);
		free(std);
		return 0;
	}
	return 1;
}

static void
test_parse_fields(void)
{
	struct dcf d;

	CHECK(parse_s(&d, "Package: foo\nVersion: 1.0-2\n"
	    "Depends: R (>= 3.5.0),\n    methods,\n\tutils\n"
	    "Title:   Spaces  Around  \t\n") == 0);
	CHECK(d.n == 4);
	CHECK(has(&d, "Package", "foo"));
	CHECK(has(&d, "Version", "1.0-2"));
	CHECK(has(&d, "Depends", "R (>= 3.5.0),\nmethods,\nutils"));
	CHECK(has(&d, "Title", "Spaces  Around"));
	CHECK(has(&d, "Imports", NULL));
	CHECK(strcmp(d.fields[2].name, "Depends") == 0);
	dcf_free(&d);

	/* Empty values stay empty; a continuation fills one. */
	CHECK(parse_s(&d, "Package: a\nSuggests:\nEnhances:   \n"
	    "Depends:\n  methods\nImports:\t\tx\t \n") == 0);
	CHECK(has(&d, "Suggests", ""));
	CHECK(has(&d, "Enhances", ""));
	CHECK(has(&d, "Depends", "methods"));
	CHECK(has(&d, "Imports", "x"));
	dcf_free(&d);

	/* A name is what precedes the first colon, spaces and all. */
	CHECK(parse_s(&d, "Foo Bar: x:y\n\fOdd: 1\nPackage : a\n") == 0);
	CHECK(has(&d, "Foo Bar", "x:y"));
	CHECK(has(&d, "\fOdd", "1"));
	CHECK(has(&d, "Package ", "a"));
	CHECK(has(&d, "Package", NULL));
	dcf_free(&d);

	/* Only blanks are trimmed: R keeps a trailing form feed. */
	CHECK(parse_s(&d, "Package: a\nDepends: x \f\n") == 0);
	CHECK(has(&d, "Depends", "x \f"));
	dcf_free(&d);
}

static void
test_parse_line_ends(void)
{
	struct dcf d;

	CHECK(parse_s(&d, "Package: a\r\nDepends: R,\r\n  methods  \r\n") == 0);
	CHECK(has(&d, "Package", "a"));
	CHECK(has(&d, "Depends", "R,\nmethods"));
	dcf_free(&d);

	/* A lone CR ends a line too; no final line end is needed. */
	CHECK(parse_s(&d, "Package: a\rVersion: 1\rDepends: x,\r y") == 0);
	CHECK(has(&d, "Version", "1"));
	CHECK(has(&d, "Depends", "x,\ny"));
	dcf_free(&d);

	/* CR CR is two line ends, so a blank line: a record ends. */
	CHECK(parse_s(&d, "Package: a\r\rVersion: 1\n") == 0);
	CHECK(has(&d, "Version", NULL));
	dcf_free(&d);
	CHECK(fails_s("Package: a\rDepends: R,\r\r  methods\n",
	    "line 4: \"  methods\": a continuation line at the start"));
}

static void
test_parse_whitespace(void)
{
	struct dcf d;

	/* Description keeps its whitespace, Title is folded. */
	CHECK(parse_s(&d, "Package: a\nDescription:   foo  \n   bar \t\n"
	    " .\n\tbaz\nTitle: x\n .\n y\n") == 0);
	CHECK(has(&d, "Description", "foo  \n   bar \t\n\n\tbaz"));
	CHECK(has(&d, "Title", "x\n\ny"));
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nDescription:\n  bar\n") == 0);
	CHECK(has(&d, "Description", "\n  bar"));
	dcf_free(&d);

	/* Escaped empty lines: " .", " \t.\t ", one empty line each. */
	CHECK(parse_s(&d, "Package: a\nDepends: x\n \t.\t \n .\n y\n") == 0);
	CHECK(has(&d, "Depends", "x\n\n\ny"));
	dcf_free(&d);
}

/*
 * R holds a " ." line back until the next continuation line, even one of
 * the next field; write_PACKAGES' read.dcf(fields = ...) sees only its
 * own fields' lines, .read_description all of them.
 */
static void
test_parse_escaped_blank_carry(void)
{
	struct dcf d;

	CHECK(parse_s(&d, "Package: a\nDepends: R\n .\nImports: x,\n y\n")
	    == 0);
	CHECK(has(&d, "Depends", "R"));
	CHECK(has(&d, "Imports", "x,\n\ny"));
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nDescription: foo\n .\n"
	    "Depends: R,\n methods\n") == 0);
	CHECK(has(&d, "Description", "foo\n"));
	CHECK(has(&d, "Depends", "R,\nmethods"));
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nTitle: x\n .\nDescription: foo\n"
	    "  bar\n") == 0);
	CHECK(has(&d, "Title", "x"));
	CHECK(has(&d, "Description", "foo\n\n  bar"));
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nTitle: x\n .\nDepends: foo\n  bar\n")
	    == 0);
	CHECK(has(&d, "Depends", "foo\nbar"));
	dcf_free(&d);

	/* A blank line ends the record and forgets the count. */
	CHECK(parse_s(&d, "Package: a\nDepends: R\n .\n") == 0);
	CHECK(has(&d, "Depends", "R"));
	dcf_free(&d);
}

static void
test_parse_records(void)
{
	struct dcf d;

	CHECK(parse_s(&d, "\n \n\t\nPackage: a\n\n\nPackage: b\nVersion: 2\n")
	    == 0);
	CHECK(d.n == 1);
	CHECK(has(&d, "Package", "a"));
	CHECK(has(&d, "Version", NULL));
	dcf_free(&d);
	/* Later records are not kept, but R refuses a malformed one. */
	CHECK(fails_s("Package: a\n\nPackage: b\nfoo\n",
	    "line 4: \"foo\": neither a field"));
	CHECK(fails_s("Package: a\n\n  cont\n",
	    "line 3: \"  cont\": a continuation line at the start"));
	/* Repeats in later records are R's business, not ours. */
	CHECK(parse_s(&d, "Package: a\n\nX: 1\nX: 2\n") == 0);
	dcf_free(&d);
}

static void
test_parse_errors(void)
{
	char big[300 * 16];
	size_t i, n;

	CHECK(fails_s("", "line 1: no field"));
	CHECK(fails_s("\n \n", "line 2: no field"));
	CHECK(fails_s(" Package: a\n", "line 1: \" Package: a\": a "
	    "continuation line at the start of a record"));
	CHECK(fails_s("Package: a\nfoo bar\n", "line 2: \"foo bar\": neither "
	    "a field (Name: value) nor a continuation line"));
	CHECK(fails_s("# comment\nPackage: a\n", "line 1: \"# comment\""));
	CHECK(fails_s(":x\n", "line 1: \":x\""));
	CHECK(fails_s("Package: a\nVersion: 1\nPackage: b\n",
	    "line 3: field \"Package\" repeated (first on line 1)"));
	CHECK(FAILS("Package: a\nVersion: 1\0x\n", "line 2: NUL byte"));
	CHECK(FAILS("Package: a\n\0", "line 2: NUL byte"));
	/* What R would decompress is not a DESCRIPTION. */
	CHECK(FAILS("\x1f\x8b\x08\0\0\0\0\0", "line 1: gzip-compressed"));
	CHECK(fails_s("BZh91AY&SY", "line 1: bzip2-compressed"));
	CHECK(FAILS("\xfd" "7zXZ\0", "line 1: xz-compressed"));
	/* A long line is quoted short and safe. */
	CHECK(fails_s("\x01verylonglinewithoutanycolonatallreally\n",
	    "line 1: \"?verylonglinewithout...\""));

	/* DCF_MAX_FIELDS fields parse; one more does not. */
	for (n = 0, i = 0; i < DCF_MAX_FIELDS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "F%zu: v\n", i);
	{
		struct dcf d;

		CHECK(parse(&d, big, n) == 0 && d.n == DCF_MAX_FIELDS);
		CHECK(has(&d, "F255", "v"));
		dcf_free(&d);
	}
	n += (size_t)snprintf(big + n, sizeof(big) - n, "F%d: v\n",
	    DCF_MAX_FIELDS);
	CHECK(fails(big, n, "line 257: more than 256 fields"));
}

/* The largest input, in continuation lines, parses in linear time. */
static void
test_parse_huge(void)
{
	struct dcf d;
	char *s;
	size_t n = DCF_MAX_SIZE, i;

	if ((s = malloc(n + 1)) == NULL) {
		CHECK(0);
		return;
	}
	memcpy(s, "Package: a\nDepends: x", 21);
	for (i = 21; i + 4 <= n; i += 4)
		memcpy(s + i, "\n  y", 4);
	for (; i < n; i++)
		s[i] = 'z';
	CHECK(parse(&d, s, n) == 0);
	/* "x", then "\ny" per line, then the z's that end the last. */
	CHECK(d.n == 2 && strlen(dcf_get(&d, "Depends")) ==
	    1 + (n - 21) / 4 * 2 + (n - 21) % 4);
	dcf_free(&d);
	s[n] = '\n';
	CHECK(fails(s, n + 1, "more than 1048576"));
	free(s);
}

static void
test_dcf_edit(void)
{
	struct dcf d;

	memset(&d, 0, sizeof(d));
	CHECK(dcf_add(&d, "Package", "a") == 0);
	CHECK(dcf_add(&d, "Version", "1.0") == 0);
	CHECK(dcf_set(&d, "Version", "2.0") == 0);
	CHECK(dcf_set(&d, "License", "MIT") == 0);
	CHECK(d.n == 3 && has(&d, "Version", "2.0") && has(&d, "License",
	    "MIT"));
	CHECK(dcf_set(&d, "Package", NULL) == 0);
	CHECK(dcf_set(&d, "Nothing", NULL) == 0);
	CHECK(d.n == 2 && strcmp(d.fields[0].name, "Version") == 0);
	dcf_free(&d);
	CHECK(d.n == 0 && d.fields == NULL);
	dcf_free(&d);
	dcf_free(NULL);
}

static void
test_format_fold(void)
{
	CHECK(formats("Description", "Tools for manipulating and analysing "
	    "long package descriptions, written to check that airlock folds "
	    "every line of a DESCRIPTION exactly where R's write.dcf folds "
	    "it.  Two spaces after a full stop survive.  Even\ttabs and\n"
	    "newlines are just spaces.",
	    "Description: Tools for manipulating and analysing long package\n"
	    "        descriptions, written to check that airlock folds every "
	    "line of\n"
	    "        a DESCRIPTION exactly where R's write.dcf folds it.  Two "
	    "spaces\n"
	    "        after a full stop survive.  Even tabs and newlines are "
	    "just\n"
	    "        spaces.\n"));
	CHECK(formats("Depends", "R (>= 3.5.0),\nmethods,\nutils",
	    "Depends: R (>= 3.5.0), methods, utils\n"));
	CHECK(formats("Imports", "cli (>= 3.4.0), glue (>= 1.6.2), lifecycle "
	    "(>= 1.0.3), rlang (>= 1.1.0), vctrs (>= 0.6.0), withr",
	    "Imports: cli (>= 3.4.0), glue (>= 1.6.2), lifecycle (>= 1.0.3), "
	    "rlang\n        (>= 1.1.0), vctrs (>= 0.6.0), withr\n"));
	CHECK(formats("LinkingTo", "Rcpp, RcppArmadillo (>= 0.12.0.0.0)",
	    "LinkingTo: Rcpp, RcppArmadillo (>= 0.12.0.0.0)\n"));
	CHECK(formats("Suggests", "", "Suggests:\n"));
	/* A word longer than a line gets a line of its own. */
	CHECK(formats("Suggests", A60 A30 ", b",
	    "Suggests:\n        " A60 A30 ",\n        b\n"));
}

/* 71 columns fit on a line, 72 do not; continuation lines alike. */
static void
test_format_width(void)
{
	CHECK(formats("Depends", "x " A60, "Depends: x " A60 "\n"));
	CHECK(formats("Depends", "x " A60 "a",
	    "Depends: x\n        " A60 "a\n"));
	CHECK(formats("D", "x " A60 "aaaaaaaaa " A30 " " A30 "aa",
	    "D: x\n        " A60 "aaaaaaaaa\n        " A30 " " A30 "aa\n"));
	CHECK(formats("D", "x " A60 "aaaaaaaaa " A30 " " A30 "aaa",
	    "D: x\n        " A60 "aaaaaaaaa\n        " A30 "\n        "
	    A30 "aaa\n"));
	CHECK(formats("Depends", "x123456789 x123456789 x123456789 x123456789 "
	    "x123456789 x12345678",
	    "Depends: x123456789 x123456789 x123456789 x123456789 x123456789\n"
	    "        x12345678\n"));
	/* CJK characters are two columns wide: 13 pairs fit, not 23. */
	CHECK(formats("Title", ZH13 "\n" ZH13,
	    "Title: " ZH13 "\n        " ZH12 "\n        " ZH "\n"));
}

static void
test_format_words(void)
{
	/* One space between words, two after a sentence end. */
	CHECK(formats("Depends", "End.  Next.   Three!)  Done?'  Ok",
	    "Depends: End.  Next.  Three!)  Done?'  Ok\n"));
	/* Zero-width words go, zero-width characters in words stay. */
	CHECK(formats("Title", "a \xe2\x80\x8b b", "Title: a b\n"));
	CHECK(formats("Depends", "x\xcc\x81y \xcc\x81 z",
	    "Depends: x\xcc\x81y z\n"));
	CHECK(formats("Depends", "one.\xe2\x80\x8b two",
	    "Depends: one.\xe2\x80\x8b two\n"));
	/* Not UTF-8: R writes the bytes as <xx>. */
	CHECK(formats("Depends", "caf\xe9, na\xefve",
	    "Depends: caf<e9>, na<ef>ve\n"));
	CHECK(formats("Depends", "a\xed\xa0\x80" "b\xc0\xaf",
	    "Depends: a<ed><a0><80>b<c0><af>\n"));
}

static void
test_format_paragraphs(void)
{
	CHECK(formats("X", "First paragraph.\n\nSecond paragraph.\n\n"
	    ".hidden starts with a dot",
	    "X: First paragraph.\n .\n Second paragraph.\n .\n"
	    "  .hidden starts with a dot\n"));
	CHECK(formats("Depends", "a\n\n\nb", "Depends: a\n .\n b\n"));
	CHECK(formats("Depends", "a\n \t \nb\n\n.c",
	    "Depends: a\n .\n b\n .\n  .c\n"));
}

static void
test_format_errors(void)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	CHECK(buf_put(&b, "keep", 4) == 0);
	/* R writes a bare "NA" line for this; we refuse. */
	errno = 0;
	CHECK(dcf_put_field(&b, "Depends", "a\xf4\x90\x80\x80" "b") == -1 &&
	    errno == EILSEQ);
	CHECK(dcf_put_field(&b, "Depends", "\xf8\x88\x80\x80\x80") == -1);
	CHECK(b.len == 4);
	buf_release(&b);

	buf_init(&b, 16);
	CHECK(dcf_put_field(&b, "Depends", "R (>= 3.5.0)") == -1 &&
	    errno == ENOBUFS && b.len == 0);
	buf_release(&b);
}

static void
test_license(void)
{
	CHECK(license("GPL (>=2)", "GPL (>= 2)"));
	CHECK(license("GPL(>=2.0)", "GPL (>= 2.0)"));
	CHECK(license("GPL  (  >=  2 , < 3 )", "GPL (>= 2, < 3)"));
	CHECK(license("GPL (>=2)(<=3)", "GPL (>= 2)(<= 3)"));
	CHECK(license("GPL\n(>= 2)", "GPL (>= 2)"));
	CHECK(license("GPL (>= 2) | file LICENSE",
	    "GPL (>= 2) | file LICENSE"));
	CHECK(license("MIT+file LICENSE", "MIT + file LICENSE"));
	CHECK(license("GPL   (>= 2)+file LICENSE",
	    "GPL (>= 2) + file LICENSE"));
	CHECK(license("GPL-2 + file LICENCE", "GPL-2 + file LICENCE"));
	CHECK(license("GPL-2|GPL-3", "GPL-2 | GPL-3"));
	CHECK(license("GPL version 2", "GPL-2"));
	CHECK(license("GPL version 2 | GPL 2", "GPL-2 | GPL-2"));
	CHECK(license("GPL>=2", "GPL (>= 2)"));
	CHECK(license("Unlimited", "Unlimited"));
	CHECK(license("file LICENSE", "file LICENSE"));
	CHECK(license("GPL-2 |", "GPL-2"));
	CHECK(license("X11 (http://www.x.org/Downloads_terms.html)", "X11"));
	/* Not standardizable: the column is NA. */
	CHECK(license("X11", NULL));
	CHECK(license("GPL-2 | GPL 2", NULL));
	CHECK(license("MIT+file LICENSE | GPL-2|GPL version 2", NULL));
	CHECK(license("GPL (> =2)", NULL));
	CHECK(license(" | GPL-2", NULL));
	CHECK(license("GPL-2 || GPL-3", NULL));
	CHECK(license("", NULL));
	CHECK(license(" \t\n", NULL));
	CHECK(license("LGPL-2x1 | Proprietary", NULL));
	CHECK(license("GPL-2+\xe9", NULL));
	CHECK(license("\nGPL-2 \xe9", NULL));
	CHECK(license("foo\xe3\x80\x80" "bar", NULL));
	CHECK(license("GPL-2 \xc2\xa9 me", NULL));
	/* R stops on these, or may: the package must be refused. */
	CHECK(license_refused("LGPL-2x1",
	    "\"LGPL-2x1\": not a license R knows"));
	CHECK(license_refused("GPL-2 | Apache License 2x0", "may stop"));
	CHECK(license_refused("GPL-2 \xe9", "not UTF-8"));
	/* R makes it "GPL (>= 2)", reading U+3000 as a space. */
	CHECK(license_refused("GPL\xe3\x80\x80(>= 2)", "Unicode space"));
}

static void
test_packages_fields(void)
{
	static const char *const r[] = {
		"Package", "Version", "Priority", "Depends", "Imports",
		"LinkingTo", "Suggests", "Enhances", "License",
		"License_is_FOSS", "License_restricts_use", "OS_type", "Archs",
		"MD5sum", "NeedsCompilation", "File",
	};
	size_t i;

	CHECK(packages_nfields == PACKAGES_NFIELDS);
	CHECK(sizeof(r) / sizeof(r[0]) == PACKAGES_NFIELDS);
	for (i = 0; i < PACKAGES_NFIELDS; i++)
		CHECK(strcmp(packages_fields[i], r[i]) == 0);
}

static void
test_packages_prepare(void)
{
	struct dcf d, rec;

	CHECK(parse_s(&d, "Title: t\nLicense: GPL (>=2)\nPackage: foo\n"
	    "MD5sum: 0123\nVersion: 1.0\nAuthor: me\n") == 0);
	CHECK(packages_prepare(&d, 1, &rec, err, sizeof(err)) == 0);
	CHECK(rec.n == 4);
	CHECK(strcmp(rec.fields[0].name, "Package") == 0);
	CHECK(strcmp(rec.fields[1].name, "Version") == 0);
	CHECK(has(&rec, "License", "GPL (>= 2)"));
	CHECK(has(&rec, "NeedsCompilation", "yes"));
	CHECK(has(&rec, "MD5sum", NULL));
	CHECK(has(&rec, "Title", NULL));
	dcf_free(&rec);
	CHECK(packages_prepare(&d, 0, &rec, err, sizeof(err)) == 0);
	CHECK(has(&rec, "NeedsCompilation", "no"));
	dcf_free(&rec);
	dcf_free(&d);

	/* NeedsCompilation as written wins; an odd License goes. */
	CHECK(parse_s(&d, "Package: a\nNeedsCompilation: no\n"
	    "License: Proprietary\n") == 0);
	CHECK(packages_prepare(&d, 1, &rec, err, sizeof(err)) == 0);
	CHECK(has(&rec, "NeedsCompilation", "no"));
	CHECK(has(&rec, "License", NULL));
	dcf_free(&rec);
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nLicense: LGPL-2x1\n") == 0);
	CHECK(packages_prepare(&d, 1, &rec, err, sizeof(err)) == -1);
	CHECK(strstr(err, "License: \"LGPL-2x1\"") != NULL && rec.n == 0);
	dcf_free(&d);
	CHECK(parse_s(&d, "Package: a\nDepends: \xf4\x90\x80\x80\n") == 0);
	CHECK(packages_prepare(&d, 1, &rec, err, sizeof(err)) == -1);
	CHECK(strstr(err, "Depends: ") != NULL);
	dcf_free(&d);
	/* R writes "Depends: x\n .\n \n": the entry would end there. */
	CHECK(formats("Depends", "x\n\n\x01", "Depends: x\n .\n \n"));
	CHECK(parse_s(&d, "Package: a\nDepends: x\n .\n \x01\n") == 0);
	CHECK(packages_prepare(&d, 1, &rec, err, sizeof(err)) == -1);
	CHECK(strstr(err, "Depends: R would write it so that it does not "
	    "read back") != NULL);
	dcf_free(&d);
}

static void
test_packages_normalize(void)
{
	const char *row[PACKAGES_NFIELDS];
	struct dcf d;

	CHECK(parse_s(&d, "Package: a\nLicense: MIT+file LICENSE\nTitle: t\n")
	    == 0);
	CHECK(packages_normalize(&d, 1, err, sizeof(err)) == 0);
	CHECK(d.n == 4);
	CHECK(has(&d, "License", "MIT + file LICENSE"));
	CHECK(has(&d, "NeedsCompilation", "yes"));
	CHECK(has(&d, "Title", "t"));
	CHECK(packages_row(&d, "abc", "a_1.0.tar.gz", row) == 0);
	CHECK(row[8] == dcf_get(&d, "License"));
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nLicense: Proprietary\n"
	    "NeedsCompilation: no\n") == 0);
	CHECK(packages_normalize(&d, 1, err, sizeof(err)) == 0);
	CHECK(d.n == 2 && has(&d, "License", NULL));
	CHECK(has(&d, "NeedsCompilation", "no"));
	dcf_free(&d);

	CHECK(parse_s(&d, "Package: a\nLicense: LGPL-2x1\n") == 0);
	CHECK(packages_normalize(&d, 0, err, sizeof(err)) == -1);
	CHECK(has(&d, "License", "LGPL-2x1"));
	dcf_free(&d);
}

static void
test_packages_row(void)
{
	const char *row[PACKAGES_NFIELDS];
	struct dcf d;

	memset(&d, 0, sizeof(d));
	CHECK(dcf_add(&d, "Package", "a") == 0);
	CHECK(dcf_add(&d, "Suggests", "") == 0);
	CHECK(dcf_add(&d, "Title", "not a column") == 0);
	CHECK(packages_row(&d, "abc", "a_1.0.tar.gz", row) == 0);
	CHECK(row[0] == dcf_get(&d, "Package"));
	CHECK(row[6] == NULL);
	CHECK(row[13] != NULL && strcmp(row[13], "abc") == 0);
	CHECK(row[15] != NULL && strcmp(row[15], "a_1.0.tar.gz") == 0);
	CHECK(row[1] == NULL && row[14] == NULL);
	errno = 0;
	CHECK(packages_row(&d, NULL, "a_1.0.tar.gz", row) == -1 &&
	    errno == EINVAL);
	CHECK(packages_row(&d, "abc", "", row) == -1);
	dcf_free(&d);
}

/* Two tarballs through write_PACKAGES, and the file R wrote. */
static void
test_packages_entries(void)
{
	static const char *const desc[2] = {
		"Package: bar\nVersion: 0.1-2\n"
		"License: MIT+file LICENSE | GPL-2|GPL version 2\nTitle: t\n",
		"Package: foo\nVersion: 1.0\nLicense: GPL (>=2)\n"
		"Depends: R (>= 3.5),\n    methods\nDescription: x\n",
	};
	static const char *const md5[2] = {
		"45bc07444c06e12780a18e3ba68b86d5",
		"ae5a3eb5a57697b4be8794cf6d7d6a58",
	};
	static const char *const file[2] = {
		"bar_0.1-2.tar.gz", "foo_1.0.tar.gz",
	};
	static const char want[] =
	    "Package: bar\n"
	    "Version: 0.1-2\n"
	    "MD5sum: 45bc07444c06e12780a18e3ba68b86d5\n"
	    "NeedsCompilation: no\n"
	    "File: bar_0.1-2.tar.gz\n"
	    "\n"
	    "Package: foo\n"
	    "Version: 1.0\n"
	    "Depends: R (>= 3.5), methods\n"
	    "License: GPL (>= 2)\n"
	    "MD5sum: ae5a3eb5a57697b4be8794cf6d7d6a58\n"
	    "NeedsCompilation: yes\n"
	    "File: foo_1.0.tar.gz\n";
	const char *row[PACKAGES_NFIELDS];
	struct dcf d, rec;
	struct buf out;
	size_t save;
	int i;

	buf_init(&out, 1 << 16);
	for (i = 0; i < 2; i++) {
		CHECK(parse_s(&d, desc[i]) == 0);
		CHECK(packages_prepare(&d, i, &rec, err, sizeof(err)) == 0);
		CHECK(packages_row(&rec, md5[i], file[i], row) == 0);
		CHECK(packages_put_entry(&out, row) == 0);
		dcf_free(&rec);
		dcf_free(&d);
	}
	CHECK(out.len == strlen(want) && memcmp(out.data, want, out.len) == 0);
	if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0)
		fprintf(stderr, "  got:\n%.*s", (int)out.len, out.data);

	/* A failed entry leaves no trace, separator included. */
	memset(row, 0, sizeof(row));
	row[0] = "x";
	row[3] = "\xf4\x90\x80\x80";
	save = out.len;
	CHECK(packages_put_entry(&out, row) == -1 && out.len == save);
	buf_release(&out);
}

static void
test_pack_unpack(void)
{
	struct dcf d = { NULL, 0 }, e;
	struct buf b;
	size_t cut;

	CHECK(dcf_add(&d, "Package", "alpha") == 0);
	CHECK(dcf_add(&d, "Version", "1.0") == 0);
	buf_init(&b, 4096);
	CHECK(dcf_pack(&d, &b) == 0);
	CHECK(dcf_unpack(&b, &e) == 0);
	CHECK(e.n == 2 && strcmp(dcf_get(&e, "Version"), "1.0") == 0);
	CHECK(buf_avail(&b) == 0);
	dcf_free(&e);
	/* Every truncation fails cleanly. */
	for (cut = 0; cut + 1 < b.len; cut++) {
		struct buf v;

		buf_view(&v, b.data, cut);
		CHECK(dcf_unpack(&v, &e) == -1 && e.n == 0);
	}
	buf_release(&b);
	/* A repeated or empty name, from a role that lies. */
	CHECK(dcf_add(&d, "Package", "beta") == 0);
	buf_init(&b, 4096);
	CHECK(dcf_pack(&d, &b) == 0);
	CHECK(dcf_unpack(&b, &e) == -1);
	buf_release(&b);
	dcf_free(&d);
	CHECK(dcf_add(&d, "", "x") == 0);
	buf_init(&b, 4096);
	CHECK(dcf_pack(&d, &b) == 0);
	CHECK(dcf_unpack(&b, &e) == -1);
	buf_release(&b);
	dcf_free(&d);
	/* More fields than allowed. */
	buf_init(&b, 64);
	buf_put_u32(&b, DCF_MAX_FIELDS + 1);
	CHECK(dcf_unpack(&b, &e) == -1);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_parse_fields);
	RUN(test_parse_line_ends);
	RUN(test_parse_whitespace);
	RUN(test_parse_escaped_blank_carry);
	RUN(test_parse_records);
	RUN(test_parse_errors);
	RUN(test_parse_huge);
	RUN(test_dcf_edit);
	RUN(test_format_fold);
	RUN(test_format_width);
	RUN(test_format_words);
	RUN(test_format_paragraphs);
	RUN(test_format_errors);
	RUN(test_license);
	RUN(test_packages_fields);
	RUN(test_packages_prepare);
	RUN(test_packages_normalize);
	RUN(test_packages_row);
	RUN(test_packages_entries);
	RUN(test_pack_unpack);
	TEST_EXIT();
}
