/*
 * upstream: reading the index of the mirrored repository.  PACKAGES is
 * split into records here and each record goes through dcf_parse, so a
 * record means what it means to R's read.dcf; what is kept of it is
 * checked again here, because everything downstream (file names in the
 * quarantine, dependency closures, the hashes a download must match)
 * trusts these values.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define ZLIB_CONST	/* next_in is const: the input is not ours */
#include <zlib.h>

#include "buf.h"
#include "dcf.h"
#include "pkg.h"
#include "util.h"
#include "upstream.h"

#define NAME_MAX_LEN	128	/* pkg_name_valid's limit */
#define VIS_LEN		40	/* bytes of an untrusted value in a message */
#define SIZE_DIGITS	15	/* a Size field: less than 1 PB */
#define GZ_CHUNK	(64 * 1024)

/* Part of R itself. */
static const char *const base_pkgs[] = {
	"base", "compiler", "datasets", "graphics", "grDevices", "grid",
	"methods", "parallel", "splines", "stats", "stats4", "tcltk",
	"tools", "utils",
};

/* Shipped with R, and on CRAN too (common/resolve.c knows the same). */
static const char *const recommended_pkgs[] = {
	"KernSmooth", "MASS", "Matrix", "boot", "class", "cluster",
	"codetools", "foreign", "lattice", "mgcv", "nlme", "nnet", "rpart",
	"spatial", "survival",
};

/* A parsed record before duplicates are resolved. */
struct entry {
	struct upstream_pkg p;
	size_t rec;
};

struct parse_state {
	struct entry *e;
	size_t n, cap;
	size_t rec;		/* records seen */
	char *err;
	size_t errlen;
};

static int
in_list(const char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

int
upstream_is_base(const char *name)
{
	return in_list(base_pkgs, nitems(base_pkgs), name) ||
	    upstream_is_recommended(name);
}

int
upstream_is_recommended(const char *name)
{
	return in_list(recommended_pkgs, nitems(recommended_pkgs), name);
}

static void
pkg_clear(struct upstream_pkg *p)
{
	free(p->package);
	free(p->version);
	free(p->md5);
	free(p->sha256);
	free(p->depends);
	free(p->imports);
	free(p->linking_to);
	free(p->suggests);
	free(p->path);
	memset(p, 0, sizeof(*p));
	p->size = -1;
}

void
upstream_free(struct upstream_index *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->n; i++)
		pkg_clear(&ix->v[i]);
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

/* [[:space:]] in the C locale. */
static int
dspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static void
free_names(char **names, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		free(names[i]);
}

/*
 * What may stand in parentheses after a name: an operator and a
 * version, as R's .split_op_version reads them.  Only the shape is
 * checked (the constraint is not used): digits in groups split by '.' or
 * '-', so one component ("R (>= 3)") is allowed here where a Version
 * field needs two.
 */
static int
constraint_valid(const char *s, size_t n)
{
	static const char *const ops[] = { "<=", ">=", "==", "!=", "<", ">" };
	size_t i = 0, j, k, digits;

	while (i < n && dspace((unsigned char)s[i]))
		i++;
	for (j = 0; j < nitems(ops); j++) {
		k = strlen(ops[j]);
		if (n - i >= k && memcmp(s + i, ops[j], k) == 0)
			break;
	}
	if (j == nitems(ops))
		return 0;
	i += k;
	while (i < n && dspace((unsigned char)s[i]))
		i++;
	for (digits = 0;; i++) {
		if (i < n && isdigit((unsigned char)s[i])) {
			digits++;
			continue;
		}
		if (digits == 0)
			return 0;
		if (i < n && (s[i] == '.' || s[i] == '-')) {
			digits = 0;
			continue;
		}
		break;
	}
	while (i < n && dspace((unsigned char)s[i]))
		i++;
	return i == n;
}

/*
 * One entry of a dependency field, blanks trimmed: its name in name
 * (NAME_MAX_LEN + 1 bytes), "" for R.  0, or -1 when malformed.
 */
static int
dep_entry(const char *s, size_t n, char *name)
{
	const char *close;
	size_t k = 0, rest;

	while (k < n && !dspace((unsigned char)s[k]) && s[k] != '(')
		k++;
	if (k == 0 || k > NAME_MAX_LEN)
		return -1;
	memcpy(name, s, k);
	name[k] = '\0';
	if (strcmp(name, "R") == 0)
		name[0] = '\0';
	else if (!pkg_name_valid(name))
		return -1;
	while (k < n && dspace((unsigned char)s[k]))
		k++;
	if (k == n)
		return 0;
	/* "(op version)", then nothing: the entry was trimmed. */
	rest = n - k;
	if (s[k] != '(' || s[n - 1] != ')' ||
	    (close = memchr(s + k, ')', rest)) != s + n - 1)
		return -1;
	return constraint_valid(s + k + 1, rest - 2) ? 0 : -1;
}

/*
 * upstream_deps, and with bad set, the offending entry (made safe to
 * echo) for the parser's message.
 */
static int
deps_scan(const char *field, char ***names, size_t *n, char *bad,
    size_t badlen)
{
	char name[NAME_MAX_LEN + 1], tmp[VIS_LEN], **nv, *dup;
	const char *p = field, *a, *e, *comma;
	size_t n0 = *n;

	for (;;) {
		comma = strchr(p, ',');
		e = comma != NULL ? comma : p + strlen(p);
		for (a = p; a < e && dspace((unsigned char)*a); a++)
			;
		while (e > a && dspace((unsigned char)e[-1]))
			e--;
		if (a < e) {
			if (dep_entry(a, (size_t)(e - a), name) != 0) {
				if (bad != NULL) {
					size_t l = (size_t)(e - a);

					if (l >= sizeof(tmp))
						l = sizeof(tmp) - 1;
					memcpy(tmp, a, l);
					tmp[l] = '\0';
					str_vis(bad, badlen, tmp);
				}
				errno = EINVAL;
				goto fail;
			}
			if (name[0] != '\0') {
				if ((nv = reallocarray(*names, *n + 1,
				    sizeof(*nv))) == NULL)
					goto fail;
				*names = nv;
				if ((dup = strdup(name)) == NULL)
					goto fail;
				nv[(*n)++] = dup;
			}
		}
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
fail:
	free_names(*names, n0, *n);
	*n = n0;
	if (n0 == 0) {
		free(*names);
		*names = NULL;
	}
	return -1;
}

int
upstream_deps(const char *field, char ***names, size_t *n)
{
	return deps_scan(field, names, n, NULL, 0);
}

/* Whether s is exactly n hex digits; lowers their case. */
static int
hex_lower(char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
		s[i] = (char)tolower((unsigned char)s[i]);
	}
	return 1;
}

static int
size_parse(const char *s, long long *v)
{
	size_t i;

	*v = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]) || i == SIZE_DIGITS)
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return i > 0;
}

/* Takes a field's value out of d (so dcf_free leaves it). */
static char *
take(struct dcf *d, const char *name)
{
	char *v;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->fields[i].name, name) == 0) {
			v = d->fields[i].value;
			d->fields[i].value = NULL;
			return v;
		}
	}
	return NULL;
}

/* dcf_parse's "line K: ..." renumbered from the start of the file. */
static void
record_error(struct parse_state *st, size_t line, const char *dcferr)
{
	const char *rest = dcferr;
	char *end;
	unsigned long k;

	if (strncmp(dcferr, "line ", 5) == 0) {
		errno = 0;
		k = strtoul(dcferr + 5, &end, 10);
		if (errno == 0 && k > 0 && strncmp(end, ": ", 2) == 0) {
			line += k - 1;
			rest = end + 2;
		}
	}
	errf(st->err, st->errlen, "record %zu (line %zu): %s", st->rec, line,
	    rest);
}

static int
check_deps(struct parse_state *st, size_t line, const char *fname,
    const char *v)
{
	char bad[VIS_LEN], **names = NULL;
	size_t n = 0;

	if (v == NULL)
		return 0;
	bad[0] = '\0';
	if (deps_scan(v, &names, &n, bad, sizeof(bad)) != 0) {
		if (errno == EINVAL)
			errf(st->err, st->errlen, "record %zu (line %zu): "
			    "%s: \"%s\" is not a package name with an "
			    "optional (op version)", st->rec, line, fname,
			    bad);
		else
			errf(st->err, st->errlen, "record %zu (line %zu): %s",
			    st->rec, line, strerror(errno));
		return -1;
	}
	free_names(names, 0, n);
	free(names);
	return 0;
}

/* Checks what is kept of a parsed record and moves it into p. */
static int
record_take(struct parse_state *st, size_t line, struct dcf *d,
    struct upstream_pkg *p)
{
	char vb[VIS_LEN], *size = NULL;
	const char *what, *shown = NULL;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->size = -1;
	for (i = 0; i < d->n; i++) {
		if (strlen(d->fields[i].value) > UPSTREAM_MAX_FIELD) {
			errf(st->err, st->errlen, "record %zu (line %zu): "
			    "field \"%s\" longer than %d bytes", st->rec,
			    line, str_vis(vb, sizeof(vb), d->fields[i].name),
			    UPSTREAM_MAX_FIELD);
			return -1;
		}
	}
	if (check_deps(st, line, "Depends", dcf_get(d, "Depends")) != 0 ||
	    check_deps(st, line, "Imports", dcf_get(d, "Imports")) != 0 ||
	    check_deps(st, line, "LinkingTo", dcf_get(d, "LinkingTo")) != 0 ||
	    check_deps(st, line, "Suggests", dcf_get(d, "Suggests")) != 0)
		return -1;

	p->package = take(d, "Package");
	p->version = take(d, "Version");
	p->md5 = take(d, "MD5sum");
	p->sha256 = take(d, "SHA256");
	p->depends = take(d, "Depends");
	p->imports = take(d, "Imports");
	p->linking_to = take(d, "LinkingTo");
	p->suggests = take(d, "Suggests");
	p->path = take(d, "Path");
	size = take(d, "Size");

	if (p->package == NULL)
		what = "Package: missing";
	else if (!pkg_name_valid(p->package)) {
		what = "Package: not a valid package name";
		shown = p->package;
	} else if (p->version == NULL)
		what = "Version: missing";
	else if (!pkg_version_valid(p->version)) {
		what = "Version: not a valid package version";
		shown = p->version;
	} else if (p->md5 != NULL && !hex_lower(p->md5, 32))
		what = "MD5sum: not 32 hex digits";
	else if (p->sha256 != NULL && !hex_lower(p->sha256, 64))
		what = "SHA256: not 64 hex digits";
	else if (size != NULL && !size_parse(size, &p->size))
		what = "Size: not a number of bytes";
	else {
		free(size);
		/* "Path:" with nothing after it is no subdirectory. */
		if (p->path != NULL && p->path[0] == '\0') {
			free(p->path);
			p->path = NULL;
		}
		return 0;
	}
	if (shown != NULL)
		errf(st->err, st->errlen, "record %zu (line %zu): %s: \"%s\"",
		    st->rec, line, what, str_vis(vb, sizeof(vb), shown));
	else
		errf(st->err, st->errlen, "record %zu (line %zu): %s",
		    st->rec, line, what);
	free(size);
	pkg_clear(p);
	return -1;
}

/* One record: n bytes at s, starting on line `line` of the file. */
static int
record(struct parse_state *st, const char *s, size_t n, size_t line)
{
	struct entry *ne;
	struct dcf d;
	struct buf in;
	char derr[256];
	size_t ncap;
	int r;

	if (++st->rec > UPSTREAM_MAX_RECORDS) {
		errf(st->err, st->errlen, "record %zu (line %zu): more than "
		    "%d records", st->rec, line, UPSTREAM_MAX_RECORDS);
		return -1;
	}
	if (n > DCF_MAX_SIZE) {
		errf(st->err, st->errlen, "record %zu (line %zu): %zu bytes, "
		    "more than %d", st->rec, line, n, DCF_MAX_SIZE);
		return -1;
	}
	buf_view(&in, s, n);
	if (dcf_parse(&in, &d, derr, sizeof(derr)) != 0) {
		record_error(st, line, derr);
		return -1;
	}
	if (st->n == st->cap) {
		ncap = st->cap ? st->cap * 2 : 256;
		if ((ne = reallocarray(st->e, ncap, sizeof(*ne))) == NULL) {
			errf(st->err, st->errlen, "record %zu (line %zu): %s",
			    st->rec, line, strerror(errno));
			dcf_free(&d);
			return -1;
		}
		st->e = ne;
		st->cap = ncap;
	}
	r = record_take(st, line, &d, &st->e[st->n].p);
	dcf_free(&d);
	if (r != 0)
		return -1;
	st->e[st->n++].rec = st->rec;
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->p.package, y->p.package)) != 0)
		return c;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/*
 * Sorts by name and keeps one record per package: the highest version,
 * the first record among equals.  Hands the kept ones to ix.
 */
static int
dedup(struct parse_state *st, struct upstream_index *ix)
{
	size_t i, j, best, k = 0;

	if (st->n == 0)
		return 0;
	qsort(st->e, st->n, sizeof(*st->e), entry_cmp);
	if ((ix->v = calloc(st->n, sizeof(*ix->v))) == NULL)
		return -1;
	for (i = 0; i < st->n; i = j) {
		best = i;
		for (j = i + 1; j < st->n && strcmp(st->e[j].p.package,
		    st->e[i].p.package) == 0; j++)
			if (pkg_version_cmp(st->e[j].p.version,
			    st->e[best].p.version) > 0)
				best = j;
		ix->v[k++] = st->e[best].p;
		memset(&st->e[best].p, 0, sizeof(st->e[best].p));
	}
	ix->n = k;
	return 0;
}

int
upstream_parse(const char *data, size_t len, struct upstream_index *ix,
    char *err, size_t errlen)
{
	struct parse_state st;
	char *t = NULL;
	const char *nl;
	size_t tn, off, l, i, line = 0, start = 0, startline = 0, last = 0;
	int in_rec = 0, blank;

	memset(ix, 0, sizeof(*ix));
	memset(&st, 0, sizeof(st));
	st.err = err;
	st.errlen = errlen;
	if (len > UPSTREAM_MAX_INDEX) {
		errf(err, errlen, "index of %zu bytes, more than %d", len,
		    UPSTREAM_MAX_INDEX);
		return -1;
	}
	if ((t = malloc(len + 1)) == NULL) {
		errf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	tn = dcf_map_cr((const uint8_t *)data, len, (uint8_t *)t);
	/*
	 * A line of spaces and tabs only ends a record, as in dcf_parse;
	 * each record goes to dcf_parse without the blank lines around it.
	 */
	for (off = 0; off < tn; off += l + (nl != NULL)) {
		nl = memchr(t + off, '\n', tn - off);
		l = nl != NULL ? (size_t)(nl - (t + off)) : tn - off;
		line++;
		for (i = 0, blank = 1; i < l && blank; i++)
			blank = t[off + i] == ' ' || t[off + i] == '\t';
		if (!blank) {
			if (!in_rec) {
				in_rec = 1;
				start = off;
				startline = line;
			}
			last = off + l;
			continue;
		}
		if (in_rec) {
			in_rec = 0;
			if (record(&st, t + start, last - start, startline)
			    != 0)
				goto fail;
		}
	}
	if (in_rec && record(&st, t + start, last - start, startline) != 0)
		goto fail;
	if (dedup(&st, ix) != 0) {
		errf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < st.n; i++)
		pkg_clear(&st.e[i].p);
	free(st.e);
	free(t);
	return 0;
fail:
	for (i = 0; i < st.n; i++)
		pkg_clear(&st.e[i].p);
	free(st.e);
	free(t);
	upstream_free(ix);
	return -1;
}

int
upstream_gunzip(const unsigned char *gz, size_t len, struct buf *out,
    char *err, size_t errlen)
{
	z_stream z;
	uint8_t *p;
	size_t start = out->len, room, left;
	int r, ended = 0;

	if (len == 0) {
		errf(err, errlen, "empty file, not gzip");
		return -1;
	}
	memset(&z, 0, sizeof(z));
	/* 16 + MAX_WBITS: the gzip wrapper only, not zlib or raw deflate. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		errf(err, errlen, "inflateInit2: %s",
		    z.msg ? z.msg : "failed");
		return -1;
	}
	z.next_in = gz;
	for (;;) {
		if (z.avail_in == 0) {
			if ((left = len - (size_t)(z.next_in - gz)) == 0)
				break;
			z.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
		}
		/* One byte past the cap, to see it exceeded. */
		room = UPSTREAM_MAX_INDEX + 1 - (out->len - start);
		if (room > GZ_CHUNK)
			room = GZ_CHUNK;
		if (buf_reserve(out, room, &p) != 0) {
			errf(err, errlen, "decompressed index: %s",
			    strerror(errno));
			goto fail;
		}
		z.next_out = p;
		z.avail_out = (uInt)room;
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
			errf(err, errlen, "corrupt gzip data: %s",
			    z.msg ? z.msg : "inflate failed");
			goto fail;
		}
		out->len += room - z.avail_out;
		if (r == Z_BUF_ERROR && z.avail_in > 0) {
			/* No progress with input and room: never loop on it. */
			errf(err, errlen, "corrupt gzip data");
			goto fail;
		}
		if (out->len - start > UPSTREAM_MAX_INDEX) {
			errf(err, errlen, "more than %d bytes once "
			    "decompressed", UPSTREAM_MAX_INDEX);
			goto fail;
		}
		ended = r == Z_STREAM_END;
		/* Another member may follow, as gzip(1) allows. */
		if (ended && (z.avail_in > 0 ||
		    (size_t)(z.next_in - gz) < len) &&
		    inflateReset(&z) != Z_OK) {
			errf(err, errlen, "inflateReset failed");
			goto fail;
		}
	}
	if (!ended) {
		errf(err, errlen, "truncated gzip data");
		goto fail;
	}
	inflateEnd(&z);
	return 0;
fail:
	inflateEnd(&z);
	out->len = start;
	return -1;
}

/* The index in ix->v of the package called name, through ord; or -1. */
static ssize_t
find(const struct upstream_index *ix, struct upstream_pkg *const *ord,
    const char *name)
{
	size_t lo = 0, hi = ix->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(name, ord[mid]->package)) == 0)
			return ord[mid] - ix->v;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int
ord_cmp(const void *a, const void *b)
{
	const struct upstream_pkg *const *x = a, *const *y = b;

	return strcmp((*x)->package, (*y)->package);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct closure {
	const struct upstream_index *ix;
	struct upstream_pkg **ord;	/* ix by name, whatever its order */
	unsigned char *mark;		/* 1: in the closure; 2: and wanted */
	size_t *queue, qn;		/* each index once */
	char **missing;
	size_t nmissing;
};

/* Takes name (an allocation) as missing. */
static int
closure_missing(struct closure *c, char *name)
{
	char **nv;

	if ((nv = reallocarray(c->missing, c->nmissing + 1,
	    sizeof(*nv))) == NULL) {
		free(name);
		return -1;
	}
	c->missing = nv;
	nv[c->nmissing++] = name;
	return 0;
}

/* Adds the packages one dependency field names. */
static int
closure_field(struct closure *c, const char *field)
{
	char **names = NULL;
	size_t n = 0, i;
	ssize_t k;
	int r = -1;

	if (field == NULL)
		return 0;
	if (upstream_deps(field, &names, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (upstream_is_base(names[i]))
			continue;
		if ((k = find(c->ix, c->ord, names[i])) < 0) {
			if (closure_missing(c, names[i]) != 0) {
				names[i] = NULL;
				goto out;
			}
			names[i] = NULL;
			continue;
		}
		if (c->mark[k] == 0) {
			c->mark[k] = 1;
			c->queue[c->qn++] = (size_t)k;
		}
	}
	r = 0;
out:
	free_names(names, 0, n);
	free(names);
	return r;
}

int
upstream_closure(const struct upstream_index *ix, char *const *wanted,
    size_t nwanted, int with_suggests, size_t **out, size_t *nout,
    char ***missing, size_t *nmissing)
{
	struct closure c;
	const struct upstream_pkg *p;
	size_t i, j, qi;
	ssize_t k;
	char *dup;

	*out = NULL;
	*nout = 0;
	*missing = NULL;
	*nmissing = 0;
	memset(&c, 0, sizeof(c));
	c.ix = ix;
	if ((c.ord = calloc(ix->n + 1, sizeof(*c.ord))) == NULL ||
	    (c.mark = calloc(ix->n + 1, 1)) == NULL ||
	    (c.queue = calloc(ix->n + 1, sizeof(*c.queue))) == NULL)
		goto fail;
	for (i = 0; i < ix->n; i++)
		c.ord[i] = &ix->v[i];
	qsort(c.ord, ix->n, sizeof(*c.ord), ord_cmp);

	/*
	 * The wanted ones first, so that each counts as wanted.  A
	 * recommended package named here is mirrored when upstream has it
	 * (an admin asked for it); as a dependency it comes with R.
	 */
	for (i = 0; i < nwanted; i++) {
		if (strcmp(wanted[i], "R") == 0 || (upstream_is_base(wanted[i])
		    && !upstream_is_recommended(wanted[i])))
			continue;
		k = find(ix, c.ord, wanted[i]);
		if (k < 0 && upstream_is_recommended(wanted[i]))
			continue;
		if (k < 0) {
			if ((dup = strdup(wanted[i])) == NULL ||
			    closure_missing(&c, dup) != 0)
				goto fail;
			continue;
		}
		if (c.mark[k] == 0)
			c.queue[c.qn++] = (size_t)k;
		c.mark[k] = 2;
	}
	for (qi = 0; qi < c.qn; qi++) {
		p = &ix->v[c.queue[qi]];
		if (closure_field(&c, p->depends) != 0 ||
		    closure_field(&c, p->imports) != 0 ||
		    closure_field(&c, p->linking_to) != 0)
			goto fail;
		if (with_suggests && c.mark[c.queue[qi]] == 2 &&
		    closure_field(&c, p->suggests) != 0)
			goto fail;
	}

	if ((*out = calloc(c.qn + 1, sizeof(**out))) == NULL)
		goto fail;
	for (i = 0; i < ix->n; i++)
		if (c.mark[i])
			(*out)[(*nout)++] = i;
	if (c.nmissing > 0) {
		qsort(c.missing, c.nmissing, sizeof(*c.missing), str_cmp);
		for (i = 1, j = 1; i < c.nmissing; i++) {
			if (strcmp(c.missing[i], c.missing[j - 1]) == 0)
				free(c.missing[i]);
			else
				c.missing[j++] = c.missing[i];
		}
		c.nmissing = j;
	}
	*missing = c.missing;
	*nmissing = c.nmissing;
	free(c.ord);
	free(c.mark);
	free(c.queue);
	return 0;
fail:
	free_names(c.missing, 0, c.nmissing);
	free(c.missing);
	free(c.ord);
	free(c.mark);
	free(c.queue);
	return -1;
}

/* Path: relative, canonical components of [A-Za-z0-9._-]. */
static int
path_valid(const char *s)
{
	size_t i, comp = 0;

	if (s[0] == '\0' || strstr(s, "..") != NULL)
		return 0;
	for (i = 0;; i++) {
		if (s[i] == '/' || s[i] == '\0') {
			/* Empty ("/x", "x//y", "x/") or "." components. */
			if (comp == 0 || (comp == 1 && s[i - 1] == '.'))
				return 0;
			if (s[i] == '\0')
				return 1;
			comp = 0;
			continue;
		}
		if ((unsigned char)s[i] >= 0x80 ||
		    (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-'))
			return 0;
		comp++;
	}
}

int
upstream_file(const struct upstream_pkg *p, char *out, size_t outsz)
{
	return upstream_file_ext(p, ".tar.gz", out, outsz);
}

int
upstream_file_ext(const struct upstream_pkg *p, const char *ext, char *out,
    size_t outsz)
{
	int n;

	if (p->package == NULL || p->version == NULL ||
	    !pkg_name_valid(p->package) || !pkg_version_valid(p->version) ||
	    (p->path != NULL && !path_valid(p->path))) {
		errno = EINVAL;
		return -1;
	}
	if (p->path != NULL)
		n = snprintf(out, outsz, "%s/%s_%s%s", p->path, p->package,
		    p->version, ext);
	else
		n = snprintf(out, outsz, "%s_%s%s", p->package, p->version,
		    ext);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
