/*
 * fuzz_resolve: dependency fields (from DESCRIPTIONs: untrusted) and
 * requirements lists.  The input is tried whole as both; then it is cut
 * at '|' into pieces: the first a requirements list, the next twelve the
 * Imports of a small mirror (aa, bb, cc, dd at 1.0, 2.0, 3.0), two more
 * blocklist rules on aa and bb, then the Depends of every 3.0 and the
 * Suggests of every 2.0; the first byte chooses the options.  Every
 * piece is also a version to compare with the others.  Whatever parses
 * must hold what the parsers promise (valid names and versions,
 * requirements that print and parse back the same); whatever resolves
 * must be the greedy fixpoint: each pick meets every constraint on it,
 * follows its dependencies, and no newer version would have done.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg.h"
#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NPIECES		17
#define MIRROR_PKGS	4
#define MIRROR_VERS	3

static const char *const mpkgs[MIRROR_PKGS] = { "aa", "bb", "cc", "dd" };
static const char *const mvers[MIRROR_VERS] = { "3.0", "2.0", "1.0" };

static int
valid_cons(const struct rv_cons *c)
{
	if (c->op == RV_ANY)
		return c->version[0] == '\0';
	if (c->op < RV_EQ || c->op > RV_NE ||
	    memchr(c->version, '\0', sizeof(c->version)) == NULL)
		return 0;
	/* A version is equal to itself, and to nothing less or more. */
	return rv_satisfies(c->version, &(struct rv_cons){ RV_ANY, "" }) &&
	    pkg_version_cmp(c->version, c->version) == 0;
}

static void
check_deps(const char *field)
{
	struct rv_dep *d;
	size_t n, i;

	if (rv_parse_deps(field, &d, &n) != 0) {
		if (d != NULL || n != 0 ||
		    (errno != EINVAL && errno != E2BIG && errno != ENOMEM))
			abort();
		return;
	}
	if (n > RV_MAX_DEPS || (n == 0) != (d == NULL))
		abort();
	for (i = 0; i < n; i++) {
		if ((strcmp(d[i].name, "R") != 0 &&
		    !pkg_name_valid(d[i].name)) || !valid_cons(&d[i].c))
			abort();
		/* What a field asks of a version, the version itself meets. */
		if (d[i].c.op != RV_ANY &&
		    rv_satisfies(d[i].c.version, &d[i].c) !=
		    (d[i].c.op == RV_EQ || d[i].c.op == RV_GE ||
		    d[i].c.op == RV_LE))
			abort();
	}
	free(d);
}

/* Requirements as a list prints them, to parse back the same. */
static char *
print_reqs(const struct rv_req *r, size_t n, size_t *len)
{
	size_t cap = n * (RV_NAME_MAX + RV_MAX_CONS * 72) + 1, i;
	char *s = malloc(cap), *p = s;
	int j;

	if (s == NULL)
		abort();
	*s = '\0';
	for (i = 0; i < n; i++) {
		p += sprintf(p, "%s", r[i].package);
		for (j = 0; j < r[i].nc; j++)
			p += sprintf(p, "%s%s %s", j ? ", " : " ",
			    rv_op_str(r[i].c[j].op), r[i].c[j].version);
		p += sprintf(p, "  # line %d\n", r[i].line);
	}
	*len = (size_t)(p - s);
	return s;
}

static void
check_reqs(const char *text, size_t len, struct rv_req **out, size_t *nout)
{
	struct rv_req *r, *b;
	size_t n, nb, i, k, plen;
	char err[256], *s;
	int j, l;

	*out = NULL;
	*nout = 0;
	if (rv_parse_requirements(text, len, &r, &n, err, sizeof(err)) != 0) {
		if (r != NULL || n != 0 || strncmp(err, "line ", 5) != 0)
			abort();
		return;
	}
	for (i = 0; i < n; i++) {
		if (!pkg_name_valid(r[i].package) || r[i].nc < 0 ||
		    r[i].nc > RV_MAX_CONS || r[i].line < 1 ||
		    (i > 0 && r[i].line <= r[i - 1].line))
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(r[k].package, r[i].package) == 0)
				abort();
		for (j = 0; j < r[i].nc; j++) {
			if (r[i].c[j].op == RV_ANY || !valid_cons(&r[i].c[j]))
				abort();
			/* A pin is never ruled out by its neighbours. */
			if (r[i].c[j].op != RV_EQ)
				continue;
			for (l = 0; l < r[i].nc; l++)
				if (!rv_satisfies(r[i].c[j].version,
				    &r[i].c[l]))
					abort();
		}
	}
	s = print_reqs(r, n, &plen);
	if (rv_parse_requirements(s, plen, &b, &nb, err, sizeof(err)) != 0 ||
	    nb != n)
		abort();
	for (i = 0; i < n; i++) {
		if (strcmp(b[i].package, r[i].package) != 0 ||
		    b[i].nc != r[i].nc || b[i].line != (int)i + 1)
			abort();
		for (j = 0; j < r[i].nc; j++)
			if (b[i].c[j].op != r[i].c[j].op ||
			    strcmp(b[i].c[j].version, r[i].c[j].version) != 0)
				abort();
	}
	rv_reqs_free(b, nb);
	free(s);
	*out = r;
	*nout = n;
}

/* R's ordering is a total order on what is a version. */
static void
check_order(const char *a, const char *b)
{
	struct rv_cons c = { RV_ANY, "" };
	int lt, eq, gt;

	if (strlen(b) > RV_VERSION_MAX)
		return;
	memcpy(c.version, b, strlen(b) + 1);
	c.op = RV_LT;
	lt = rv_satisfies(a, &c);
	c.op = RV_EQ;
	eq = rv_satisfies(a, &c);
	c.op = RV_GT;
	gt = rv_satisfies(a, &c);
	if (!rv_satisfies(a, &(struct rv_cons){ RV_ANY, "" }) ||
	    !rv_satisfies(b, &(struct rv_cons){ RV_ANY, "" })) {
		if (lt || eq || gt)
			abort();
		return;
	}
	if (lt + eq + gt != 1)
		abort();
	c.op = RV_GE;
	if (rv_satisfies(a, &c) != (gt || eq))
		abort();
	c.op = RV_LE;
	if (rv_satisfies(a, &c) != (lt || eq))
		abort();
	c.op = RV_NE;
	if (rv_satisfies(a, &c) == eq)
		abort();
	if (pkg_version_cmp(a, b) != -pkg_version_cmp(b, a))
		abort();
}

static void
check_block(const char *versions)
{
	struct rv_block b = { 1, "aa", versions, "fuzz" };
	char err[256];

	err[0] = '\0';
	if (rv_block_valid(versions, err, sizeof(err)) == 0) {
		if (versions[strspn(versions, " \t\r\n\f\v")] == '\0' &&
		    rv_blocked(&b, 1, "aa", "1.0") != &b)
			abort();
	} else if (err[0] == '\0' || rv_blocked(&b, 1, "aa", "1.0") != &b)
		abort();	/* a broken rule blocks everything */
	if (rv_blocked(&b, 1, "bb", "1.0") != NULL)
		abort();
}

static int
requested(const struct rv_req *reqs, size_t nreqs, const char *pkg)
{
	size_t i;

	for (i = 0; i < nreqs; i++)
		if (strcmp(reqs[i].package, pkg) == 0)
			return 1;
	return 0;
}

/*
 * The dependencies a pick of v follows, Suggests last (*nsug of them);
 * -1 when one of those fields does not parse.
 */
static int
followed(const struct rv_version *v, const struct rv_req *reqs,
    size_t nreqs, const struct rv_opts *o, struct rv_dep **d, size_t *n,
    size_t *nsug)
{
	const char *f[3] = { v->depends, v->imports, v->suggests };
	struct rv_dep *one, *all = NULL;
	size_t k, m, i;

	*d = NULL;
	*n = *nsug = 0;
	if (o->include == RV_INC_NONE)
		return 0;
	for (k = 0; k < 3; k++) {
		if (k == 2 && (o->include != RV_INC_SUGGESTS ||
		    !requested(reqs, nreqs, v->package)))
			break;
		if (rv_parse_deps(f[k], &one, &m) != 0) {
			free(all);
			return -1;
		}
		if ((all = realloc(all, (*n + m + 1) * sizeof(*all))) == NULL)
			abort();
		for (i = 0; i < m; i++)
			all[(*n)++] = one[i];
		if (k == 2)
			*nsug = m;
		free(one);
	}
	*d = all;
	return 0;
}

/* Whether v could be picked at all: fields parse, R fits, not blocked. */
static int
usable(const struct rv_version *v, const struct rv_req *reqs, size_t nreqs,
    const struct rv_opts *o)
{
	struct rv_dep *d;
	size_t n, nsug, i;
	int ok = 1;

	if (rv_blocked(o->blocks, o->nblocks, v->package, v->version) != NULL)
		return 0;
	if (followed(v, reqs, nreqs, o, &d, &n, &nsug) != 0)
		return 0;
	free(d);
	if (o->r_version == NULL)
		return 1;
	if (rv_parse_deps(v->depends, &d, &n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(d[i].name, "R") == 0)
			ok &= rv_satisfies(o->r_version, &d[i].c);
	free(d);
	return ok;
}

/* The constraints the picks and requirements put on package pkg. */
static int
meets_all(const struct rv_result *res, const struct rv_req *reqs,
    size_t nreqs, const struct rv_opts *o, const char *pkg,
    const char *version)
{
	struct rv_dep *d;
	size_t i, j, n, nsug;
	int k, ok = 1;

	for (i = 0; i < nreqs; i++)
		if (strcmp(reqs[i].package, pkg) == 0)
			for (k = 0; k < reqs[i].nc; k++)
				ok &= rv_satisfies(version, &reqs[i].c[k]);
	for (i = 0; i < res->n && ok; i++) {
		if (strcmp(res->picks[i].v->package, pkg) == 0)
			continue;	/* what it says of itself is ignored */
		if (followed(res->picks[i].v, reqs, nreqs, o, &d, &n,
		    &nsug) != 0)
			abort();	/* a pick's fields parse */
		for (j = 0; j < n; j++)
			if (strcmp(d[j].name, pkg) == 0)
				ok &= rv_satisfies(version, &d[j].c);
		free(d);
	}
	return ok;
}

static const struct rv_pick *
find(const struct rv_result *res, const char *pkg)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		if (strcmp(res->picks[i].v->package, pkg) == 0)
			return &res->picks[i];
	return NULL;
}

static int
on_mirror(const char *name)
{
	size_t i;

	for (i = 0; i < MIRROR_PKGS; i++)
		if (strcmp(mpkgs[i], name) == 0)
			return 1;
	return 0;
}

static void
check_result(const struct rv_result *res, const struct rv_req *reqs,
    size_t nreqs, const struct rv_version *v, const struct rv_opts *o)
{
	const struct rv_pick *p;
	struct rv_dep *d;
	size_t i, j, n, nsug;

	for (i = 0; i < res->n; i++) {
		p = &res->picks[i];
		if (i > 0 && strcmp(res->picks[i - 1].v->package,
		    p->v->package) >= 0)
			abort();
		if (p->why[0] == '\0' || !usable(p->v, reqs, nreqs, o) ||
		    !meets_all(res, reqs, nreqs, o, p->v->package,
		    p->v->version))
			abort();
		/* What it needs is there; Suggests elsewhere are skipped. */
		if (followed(p->v, reqs, nreqs, o, &d, &n, &nsug) != 0)
			abort();
		for (j = 0; j < n; j++) {
			if (strcmp(d[j].name, "R") == 0 ||
			    rv_is_base(d[j].name) ||
			    strcmp(d[j].name, p->v->package) == 0)
				continue;
			if (on_mirror(d[j].name) ? find(res, d[j].name) ==
			    NULL : j < n - nsug)
				abort();
		}
		free(d);
		/* No newer version of it would have done. */
		for (j = 0; j < MIRROR_PKGS * MIRROR_VERS; j++) {
			if (strcmp(v[j].package, p->v->package) != 0 ||
			    pkg_version_cmp(v[j].version, p->v->version) <= 0)
				continue;
			if (usable(&v[j], reqs, nreqs, o) &&
			    meets_all(res, reqs, nreqs, o, v[j].package,
			    v[j].version))
				abort();
		}
	}
	for (i = 0; i < nreqs; i++)
		if (find(res, reqs[i].package) == NULL)
			abort();
}

/* Against itself nothing changes; against nothing, all is added. */
static void
check_diff(const struct rv_result *res)
{
	const char *pkgs[MIRROR_PKGS], *vers[MIRROR_PKGS];
	struct rv_diff *d;
	size_t i, n;

	if (res->n > MIRROR_PKGS)
		abort();
	for (i = 0; i < res->n; i++) {
		pkgs[res->n - 1 - i] = res->picks[i].v->package;
		vers[res->n - 1 - i] = res->picks[i].v->version;
	}
	if (rv_diff(pkgs, vers, res->n, res, &d, &n) != 0 || n != res->n)
		abort();
	for (i = 0; i < n; i++)
		if (d[i].change != RV_SAME || d[i].pick != &res->picks[i])
			abort();
	free(d);
	if (rv_diff(pkgs, vers, 0, res, &d, &n) != 0 || n != res->n)
		abort();
	for (i = 0; i < n; i++)
		if (d[i].change != RV_ADDED || d[i].old_version[0] != '\0')
			abort();
	free(d);
}

static void
check_resolve(char **piece, size_t npieces, const struct rv_req *reqs,
    size_t nreqs, uint8_t flags)
{
	static char aa[] = "aa";
	static const struct rv_req dflt = { aa, { { RV_ANY, "" } }, 0, 1 };
	struct rv_version v[MIRROR_PKGS * MIRROR_VERS];
	struct rv_block b[2];
	struct rv_opts o = { RV_INC_DEFAULT, NULL, b, 0 };
	struct rv_universe *u;
	struct rv_result r1, r2;
	char e1[1024], e2[1024];
	size_t i;
	int a, c;

	/* Options from the first byte. */
	o.r_version = flags & 1 ? "4.2" : NULL;
	o.include = (flags >> 1) % 3 == 1 ? RV_INC_SUGGESTS :
	    (flags >> 1) % 3 == 2 ? RV_INC_NONE : RV_INC_DEFAULT;
	memset(v, 0, sizeof(v));
	for (i = 0; i < MIRROR_PKGS * MIRROR_VERS; i++) {
		v[i].id = (int64_t)i;
		v[i].package = mpkgs[i / MIRROR_VERS];
		v[i].version = mvers[i % MIRROR_VERS];
		v[i].imports = 1 + i < npieces ? piece[1 + i] : NULL;
		/* The newest of each: Depends; the middle: Suggests. */
		if (i % MIRROR_VERS == 0 && 15 < npieces)
			v[i].depends = piece[15];
		if (i % MIRROR_VERS == 1 && 16 < npieces)
			v[i].suggests = piece[16];
	}
	for (i = 0; i < 2 && 13 + i < npieces; i++) {
		b[i].id = (int64_t)i + 1;
		b[i].package = mpkgs[i];
		b[i].versions = piece[13 + i];
		b[i].reason = "fuzz";
		o.nblocks++;
	}
	if ((u = rv_universe_new(v, MIRROR_PKGS * MIRROR_VERS)) == NULL)
		abort();
	if (nreqs == 0) {
		reqs = &dflt;
		nreqs = 1;
	}
	a = rv_resolve(u, reqs, nreqs, &o, &r1, e1, sizeof(e1));
	c = rv_resolve(u, reqs, nreqs, &o, &r2, e2, sizeof(e2));
	if (a != c)
		abort();
	if (a == 0) {
		check_result(&r1, reqs, nreqs, v, &o);
		check_diff(&r1);
		if (r1.n != r2.n)
			abort();
		for (i = 0; i < r1.n; i++)
			if (r1.picks[i].v != r2.picks[i].v ||
			    strcmp(r1.picks[i].why, r2.picks[i].why) != 0 ||
			    strcmp(r1.picks[i].note, r2.picks[i].note) != 0)
				abort();
		rv_result_free(&r1);
		rv_result_free(&r2);
	} else if (e1[0] == '\0' || strcmp(e1, e2) != 0 || r1.n != 0 ||
	    r1.picks != NULL)
		abort();
	rv_universe_free(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *piece[NPIECES], *p, *bar;
	struct rv_req *reqs;
	size_t n = 0, i, j, nreqs;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_deps(text);
	check_reqs(text, size, &reqs, &nreqs);
	rv_reqs_free(reqs, nreqs);

	for (p = text; n < NPIECES; p = bar + 1) {
		piece[n++] = p;
		if ((bar = strchr(p, '|')) == NULL)
			break;
		*bar = '\0';
	}
	for (i = 0; i < n; i++) {
		check_deps(piece[i]);
		check_block(piece[i]);
		for (j = 0; j < n; j++)
			check_order(piece[i], piece[j]);
	}
	check_reqs(piece[0], strlen(piece[0]), &reqs, &nreqs);
	check_resolve(piece, n, reqs, nreqs, size > 0 ? data[0] : 0);
	rv_reqs_free(reqs, nreqs);
	free(text);
	return 0;
}
