/*
 * fuzz_dcf: a DESCRIPTION as an uploader controls it.  Whatever parses
 * goes the whole way to a PACKAGES entry: every field through
 * dcf_put_field, the record through packages_prepare, packages_row and
 * packages_put_entry; the entry must read back as the same fields, and
 * packages_normalize on the DESCRIPTION must lead to the same entry.
 * The bytes are also tried as a License value on their own, and as a
 * binary's Built field (pkg_built_fits) for each kind of binary.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dcf.h"
#include "packages.h"
#include "pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A refusal says why; an accepted Built names the tree's R version. */
static void
built(const char *value)
{
	static const char *const types[] = { "win.binary:4.4",
	    "mac.binary:4.2", "mac.binary.big-sur-arm64:4.10" };
	struct pkg_type t;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (pkg_type_parse(types[i], &t) != 0)
			abort();
		err[0] = '\0';
		if (pkg_built_fits(&t, value, err, sizeof(err))) {
			if (value == NULL || strncmp(value + strspn(value,
			    " \t\n"), "R ", 2) != 0 || strstr(value, t.r) == NULL)
				abort();
		} else if (err[0] == '\0')
			abort();
	}
}

static void
format_fields(const struct dcf *d)
{
	struct buf b;
	size_t i, save;

	buf_init(&b, 1 << 24);
	for (i = 0; i < d->n; i++) {
		save = b.len;
		if (dcf_put_field(&b, d->fields[i].name, d->fields[i].value)
		    != 0) {
			/* Only what R cannot write is refused, cleanly. */
			if (errno != EILSEQ || b.len != save)
				abort();
			continue;
		}
		if (b.len <= save || b.data[b.len - 1] != '\n')
			abort();
	}
	buf_release(&b);
}

/* The entry of a record, which must read back as the same fields. */
static void
entry(const struct dcf *rec, struct buf *out)
{
	const char *row[PACKAGES_NFIELDS];
	struct dcf back;
	char err[256];
	size_t i, n = 0;

	if (packages_row(rec, "0123456789abcdef0123456789abcdef",
	    "pkg_1.0.tar.gz", row) != 0)
		abort();
	if (packages_put_entry(out, row) != 0)
		abort();
	if (dcf_parse(out, &back, err, sizeof(err)) != 0) {
		fprintf(stderr, "entry does not parse: %s\n%.*s", err,
		    (int)out->len, out->data);
		abort();
	}
	for (i = 0; i < PACKAGES_NFIELDS; i++) {
		if (row[i] == NULL)
			continue;
		if (n >= back.n || strcmp(back.fields[n].name,
		    packages_fields[i]) != 0)
			abort();
		n++;
	}
	if (n != back.n)
		abort();
	dcf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in, a, b;
	struct dcf d, rec;
	char err[256], *text, *std;
	/* 1, 0, or -1 as for a binary (nothing filled in). */
	int has_src = size == 0 ? 0 : (data[0] & 3) == 3 ? -1 : data[0] & 1;

	buf_view(&in, data, size);
	if (dcf_parse(&in, &d, err, sizeof(err)) == 0) {
		if (d.n == 0 || d.n > DCF_MAX_FIELDS)
			abort();
		format_fields(&d);
		built(dcf_get(&d, "Built"));
		buf_init(&a, 1 << 24);
		buf_init(&b, 1 << 24);
		if (packages_prepare(&d, has_src, &rec, err, sizeof(err))
		    == 0) {
			entry(&rec, &a);
			dcf_free(&rec);
			/* The other way to the same entry. */
			if (packages_normalize(&d, has_src, err, sizeof(err))
			    != 0)
				abort();
			entry(&d, &b);
			if (a.len != b.len ||
			    memcmp(a.data, b.data, a.len) != 0)
				abort();
		} else if (rec.n != 0 || rec.fields != NULL ||
		    packages_normalize(&d, has_src, err, sizeof(err)) == 0)
			abort();
		buf_release(&a);
		buf_release(&b);
		dcf_free(&d);
	} else if (d.n != 0 || d.fields != NULL ||
	    (strncmp(err, "line ", 5) != 0 && strstr(err, "more than") == NULL))
		abort();

	if (memchr(data, '\0', size) != NULL ||
	    (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* R never standardizes to an empty License. */
	if (packages_license(text, &std, err, sizeof(err)) == 0 &&
	    std != NULL && *std == '\0')
		abort();
	free(std);
	built(text);
	free(text);
	return 0;
}
