/*
 * fuzz_upstream: the upstream index as a hostile mirror serves it.  The
 * bytes go through upstream_parse (and, when they are gzip, through
 * upstream_gunzip first) and, as a dependency field, through
 * upstream_deps.  What parses must hold only valid, unique packages whose
 * fields everything downstream can use: dependency fields that
 * upstream_deps takes, hex digests, file names from upstream_file, and a
 * closure of indexes into the index.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pkg.h"
#include "upstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
hex(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A dependency field parses, to valid names other than R. */
static void
check_deps(const char *field)
{
	char **v = NULL;
	size_t n = 0, i;

	if (field == NULL)
		return;
	if (upstream_deps(field, &v, &n) != 0)
		abort();
	for (i = 0; i < n; i++)
		if (!pkg_name_valid(v[i]))
			abort();
	free_list(v, n);
}

static void
check_index(const struct upstream_index *ix)
{
	const struct upstream_pkg *p;
	char file[1024], *wanted[3], **missing;
	size_t i, *out, nout, nmissing, nw = 0;

	if (ix->n > UPSTREAM_MAX_RECORDS || (ix->n == 0) != (ix->v == NULL))
		abort();
	for (i = 0; i < ix->n; i++) {
		p = &ix->v[i];
		if (!pkg_name_valid(p->package) ||
		    !pkg_version_valid(p->version))
			abort();
		/* Sorted, so no package twice. */
		if (i > 0 && strcmp(ix->v[i - 1].package, p->package) >= 0)
			abort();
		if ((p->md5 != NULL && !hex(p->md5, 32)) ||
		    (p->sha256 != NULL && !hex(p->sha256, 64)) ||
		    p->size < -1)
			abort();
		if (p->path != NULL && p->path[0] == '\0')
			abort();
		check_deps(p->depends);
		check_deps(p->imports);
		check_deps(p->linking_to);
		check_deps(p->suggests);
		/*
		 * Only a Path may be refused: a bad one, or one too long for
		 * the buffer (name and version alone always fit).
		 */
		if (upstream_file(p, file, sizeof(file)) != 0 &&
		    ((errno != EINVAL && errno != ENAMETOOLONG) ||
		    p->path == NULL))
			abort();
		if (nw < 3 && (i & 1) == 0)
			wanted[nw++] = p->package;
	}
	if (upstream_closure(ix, wanted, nw, ix->n & 1, &out, &nout,
	    &missing, &nmissing) != 0)
		abort();
	if (nout > ix->n)
		abort();
	for (i = 0; i < nout; i++)
		if (out[i] >= ix->n || (i > 0 && out[i - 1] >= out[i]))
			abort();
	for (i = 0; i < nmissing; i++)
		if (i > 0 && strcmp(missing[i - 1], missing[i]) >= 0)
			abort();
	free(out);
	free_list(missing, nmissing);
}

static void
parse(const char *data, size_t size)
{
	struct upstream_index ix;
	char err[256];

	err[0] = '\0';
	if (upstream_parse(data, size, &ix, err, sizeof(err)) == 0) {
		check_index(&ix);
		upstream_free(&ix);
		return;
	}
	if (ix.n != 0 || ix.v != NULL || strncmp(err, "record ", 7) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	char err[256], *text, **v = NULL;
	size_t n = 0, i;

	parse((const char *)data, size);

	/* A small cap keeps bombs cheap here; the real one is tested. */
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		buf_init(&out, 1 << 20);
		if (upstream_gunzip(data, size, &out, err, sizeof(err)) == 0)
			parse((const char *)out.data, out.len);
		else if (out.len != 0)
			abort();
		buf_release(&out);
	}

	if (memchr(data, '\0', size) != NULL ||
	    (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (upstream_deps(text, &v, &n) == 0) {
		for (i = 0; i < n; i++)
			if (!pkg_name_valid(v[i]) || strchr(v[i], ',') != NULL)
				abort();
		free_list(v, n);
	} else if (v != NULL || n != 0)
		abort();
	free(text);
	return 0;
}
