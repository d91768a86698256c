/*
 * resolve: validated package sets (see resolve.h for the contract).
 *
 * The resolver keeps, for every package in play, the constraints on it
 * with where each comes from (a requirement, or the pick of the package
 * whose dependency field says it), and a queue of packages whose pick may
 * be stale.  Picking a package adds the constraints of its dependency
 * fields to the packages they name; picking it again removes them first.
 * A constraint added to a package only wakes it when its pick no longer
 * fits (more constraints cannot make a newer version fit), a removed one
 * always does (fewer can).  When the queue is empty, what is no longer
 * reachable from the requirements is dropped, which may wake others;
 * when nothing changes any more, every pick is the newest admissible
 * version under exactly the constraints of the other picks, and the
 * packages left without one are explained, nearest the requirements
 * first.  Dependency fields are parsed once per version, when a version
 * is first considered.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg.h"
#include "resolve.h"
#include "util.h"

#define REQ_TEXT_MAX	(1024 * 1024)
#define VIS_MAX		48
#define CHAIN_MAX	16	/* packages shown in a chain, the middle cut */
#define LIST_MAX	4	/* versions listed in a message */

static int
space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && space((unsigned char)*p))
		p++;
	return p;
}

/* n bytes of untrusted text made safe to echo. */
static const char *
vis(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n && j + 1 < dstlen; i++)
		dst[j++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[j] = '\0';
	if (i < n && dstlen > 4)
		memcpy(dst + dstlen - 4, "...", 4);
	return dst;
}

/*
 * Digits with a single '.' or '-' between them.  Constraints may have
 * one component only (R (>= 4)), which pkg_version_valid refuses for a
 * package's own version; pkg_version_cmp orders both.
 */
static int
ver_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > RV_VERSION_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			continue;
		if ((s[i] == '.' || s[i] == '-') && i > 0 && i + 1 < n &&
		    isdigit((unsigned char)s[i - 1]) &&
		    isdigit((unsigned char)s[i + 1]))
			continue;
		return 0;
	}
	return 1;
}

static int
cons_ok(const struct rv_cons *c)
{
	if (c->op == RV_ANY)
		return 1;
	if (c->op < RV_EQ || c->op > RV_NE)
		return 0;
	return ver_ok(c->version, strnlen(c->version, sizeof(c->version)));
}

/* rv_satisfies for strings already checked. */
static int
sat(const char *v, const struct rv_cons *c)
{
	int d;

	if (c->op == RV_ANY)
		return 1;
	d = pkg_version_cmp(v, c->version);
	switch (c->op) {
	case RV_EQ:
		return d == 0;
	case RV_GE:
		return d >= 0;
	case RV_GT:
		return d > 0;
	case RV_LE:
		return d <= 0;
	case RV_LT:
		return d < 0;
	case RV_NE:
		return d != 0;
	default:
		return 0;
	}
}

int
rv_satisfies(const char *version, const struct rv_cons *c)
{
	/* pkg_version_cmp must only ever see digits and separators. */
	if (version == NULL || !ver_ok(version, strlen(version)) ||
	    !cons_ok(c))
		return 0;
	return sat(version, c);
}

const char *
rv_op_str(enum rv_op op)
{
	static const char *const ops[] = {
		"", "==", ">=", ">", "<=", "<", "!=",
	};

	return op >= RV_ANY && op <= RV_NE ? ops[op] : "?";
}

/* An operator at p: its length, 0 when there is none. */
static size_t
parse_op(const char *p, const char *end, enum rv_op *op)
{
	static const struct {
		const char *s;
		enum rv_op op;
	} ops[] = {
		/* Two-byte operators before their prefixes. */
		{ ">=", RV_GE }, { "<=", RV_LE }, { "==", RV_EQ },
		{ "!=", RV_NE }, { ">", RV_GT }, { "<", RV_LT },
	};
	size_t i, n;

	for (i = 0; i < nitems(ops); i++) {
		n = strlen(ops[i].s);
		if ((size_t)(end - p) >= n && memcmp(p, ops[i].s, n) == 0) {
			*op = ops[i].op;
			return n;
		}
	}
	return 0;
}

/*
 * One "op version" (bare: "version" alone means ==) with blanks around
 * it; the end of what it used, or NULL with why in err.
 */
static const char *
parse_cons(const char *p, const char *end, struct rv_cons *c, int bare,
    char *err, size_t errlen)
{
	const char *v;
	char tmp[VIS_MAX];
	size_t n;

	memset(c, 0, sizeof(*c));
	p = skip_space(p, end);
	if ((n = parse_op(p, end, &c->op)) == 0) {
		if (!bare || p == end || !isdigit((unsigned char)*p)) {
			errf(err, errlen, "expected an operator (==, >=, >, "
			    "<=, <, !=) at \"%s\"", vis(tmp, sizeof(tmp), p,
			    (size_t)(end - p)));
			return NULL;
		}
		c->op = RV_EQ;
	}
	p = skip_space(p + n, end);
	for (v = p; p < end && (isdigit((unsigned char)*p) || *p == '.' ||
	    *p == '-'); p++)
		;
	if (!ver_ok(v, (size_t)(p - v))) {
		errf(err, errlen, "\"%s\" is not a version",
		    vis(tmp, sizeof(tmp), v, (size_t)(p - v)));
		return NULL;
	}
	memcpy(c->version, v, (size_t)(p - v));
	c->version[p - v] = '\0';
	return skip_space(p, end);
}

/* "op version, op version ...", or blanks only for none. */
static int
parse_cons_list(const char *p, const char *end, struct rv_cons *c, int *nc,
    int bare, char *err, size_t errlen)
{
	char tmp[VIS_MAX];

	*nc = 0;
	if ((p = skip_space(p, end)) == end)
		return 0;
	for (;;) {
		if (*nc == RV_MAX_CONS) {
			errf(err, errlen, "more than %d constraints",
			    RV_MAX_CONS);
			return -1;
		}
		if ((p = parse_cons(p, end, &c[*nc], bare, err, errlen)) ==
		    NULL)
			return -1;
		(*nc)++;
		if (p == end)
			return 0;
		if (*p++ != ',') {
			p--;
			errf(err, errlen, "unexpected \"%s\"",
			    vis(tmp, sizeof(tmp), p, (size_t)(end - p)));
			return -1;
		}
	}
}

static void
put_cons_list(char *dst, size_t dstlen, const struct rv_cons *c, int nc)
{
	size_t len = 0;
	int i, w;

	dst[0] = '\0';
	for (i = 0; i < nc && len < dstlen; i++) {
		w = snprintf(dst + len, dstlen - len, "%s%s %s",
		    i > 0 ? ", " : "", rv_op_str(c[i].op), c[i].version);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Dependency fields */

/* One trimmed, non-empty entry: "name" or "name (op version)". */
static int
parse_entry(const char *s, const char *end, struct rv_dep *d)
{
	const char *p = s;
	size_t n;

	while (p < end && !space((unsigned char)*p) && *p != '(')
		p++;
	if ((n = (size_t)(p - s)) == 0 || n > RV_NAME_MAX)
		return -1;
	memcpy(d->name, s, n);
	d->name[n] = '\0';
	if (strcmp(d->name, "R") != 0 && !pkg_name_valid(d->name))
		return -1;
	memset(&d->c, 0, sizeof(d->c));
	if ((p = skip_space(p, end)) == end)
		return 0;
	/* R wants a blank between operator and version; we do not. */
	if (*p++ != '(' ||
	    (p = parse_cons(p, end, &d->c, 0, NULL, 0)) == NULL ||
	    p == end || *p++ != ')')
		return -1;
	return skip_space(p, end) == end ? 0 : -1;
}

/* Appends the entries of field to *d; on error *n is left as it was. */
static int
deps_append(const char *field, struct rv_dep **d, size_t *n, size_t *cap)
{
	const char *p = field, *e, *a, *b;
	struct rv_dep *nd;
	size_t count = 0, n0 = *n;

	if (field == NULL)
		return 0;
	for (; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		a = skip_space(p, e);
		for (b = e; b > a && space((unsigned char)b[-1]); b--)
			;
		if (a == b)
			continue;	/* as R drops empty entries */
		if (++count > RV_MAX_DEPS) {
			*n = n0;
			errno = E2BIG;
			return -1;
		}
		if (*n == *cap) {
			if ((nd = reallocarray(*d, *cap ? *cap * 2 : 8,
			    sizeof(**d))) == NULL) {
				*n = n0;
				return -1;
			}
			*d = nd;
			*cap = *cap ? *cap * 2 : 8;
		}
		if (parse_entry(a, b, &(*d)[*n]) == -1) {
			*n = n0;
			errno = EINVAL;
			return -1;
		}
		(*n)++;
	}
	return 0;
}

int
rv_parse_deps(const char *field, struct rv_dep **deps, size_t *n)
{
	size_t cap = 0;

	*deps = NULL;
	*n = 0;
	if (deps_append(field, deps, n, &cap) == -1) {
		free(*deps);
		*deps = NULL;
		return -1;
	}
	if (*n == 0) {
		free(*deps);
		*deps = NULL;
	}
	return 0;
}

/* Base and recommended packages */

enum { NOT_BASE, BASE, RECOMMENDED };

/* By strcmp, for bsearch. */
static const struct {
	const char *name;
	int kind;
} base_pkgs[] = {
	{ "KernSmooth", RECOMMENDED }, { "MASS", RECOMMENDED },
	{ "Matrix", RECOMMENDED }, { "base", BASE }, { "boot", RECOMMENDED },
	{ "class", RECOMMENDED }, { "cluster", RECOMMENDED },
	{ "codetools", RECOMMENDED }, { "compiler", BASE },
	{ "datasets", BASE }, { "foreign", RECOMMENDED },
	{ "grDevices", BASE }, { "graphics", BASE }, { "grid", BASE },
	{ "lattice", RECOMMENDED }, { "methods", BASE },
	{ "mgcv", RECOMMENDED }, { "nlme", RECOMMENDED },
	{ "nnet", RECOMMENDED }, { "parallel", BASE },
	{ "rpart", RECOMMENDED }, { "spatial", RECOMMENDED },
	{ "splines", BASE }, { "stats", BASE }, { "stats4", BASE },
	{ "survival", RECOMMENDED }, { "tcltk", BASE }, { "tools", BASE },
	{ "utils", BASE },
};

static int
base_kind(const char *name)
{
	size_t lo = 0, hi = nitems(base_pkgs), mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((d = strcmp(name, base_pkgs[mid].name)) == 0)
			return base_pkgs[mid].kind;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NOT_BASE;
}

int
rv_is_base(const char *name)
{
	return base_kind(name) != NOT_BASE;
}

/* Requirements */

struct req_line {
	char name[RV_NAME_MAX + 1];
	struct rv_cons c[RV_MAX_CONS];
	int cline[RV_MAX_CONS];	/* where each constraint was written */
	int nc;
	int line;
	int keep;		/* first mention of its package */
};

/* One line without its comment and line end; 0 for a blank one. */
static int
parse_req_line(const char *p, const char *end, int line, struct req_line *r,
    char *err, size_t errlen)
{
	const char *name;
	char tmp[VIS_MAX], why[128];
	size_t n;
	int i;

	if ((p = skip_space(p, end)) == end)
		return 0;
	for (name = p; p < end && !space((unsigned char)*p) &&
	    memchr("(<>=!,", *p, 6) == NULL; p++)
		;
	n = (size_t)(p - name);
	if (n == 0) {
		errf(err, errlen, "line %d: expected a package name at \"%s\"",
		    line, vis(tmp, sizeof(tmp), p, (size_t)(end - p)));
		return -1;
	}
	if (n <= RV_NAME_MAX) {
		memcpy(r->name, name, n);
		r->name[n] = '\0';
	}
	if (n > RV_NAME_MAX || !pkg_name_valid(r->name)) {
		errf(err, errlen, "line %d: \"%s\" is not a valid package "
		    "name", line, vis(tmp, sizeof(tmp), name, n));
		return -1;
	}
	/* "pkg (>= 1.2)" as a DESCRIPTION writes it, too. */
	p = skip_space(p, end);
	if (p < end && *p == '(') {
		while (end > p && space((unsigned char)end[-1]))
			end--;
		if (end[-1] != ')') {
			errf(err, errlen, "line %d: missing ')'", line);
			return -1;
		}
		p++;
		end--;
		if (skip_space(p, end) == end) {
			errf(err, errlen, "line %d: empty ()", line);
			return -1;
		}
	}
	if (parse_cons_list(p, end, r->c, &r->nc, 0, why, sizeof(why)) ==
	    -1) {
		errf(err, errlen, "line %d: %s: %s", line, r->name, why);
		return -1;
	}
	for (i = 0; i < r->nc; i++)
		r->cline[i] = line;
	r->line = line;
	return 1;
}

static int
cmp_line(const void *a, const void *b)
{
	const struct req_line *x = *(struct req_line *const *)a;
	const struct req_line *y = *(struct req_line *const *)b;
	int d;

	if ((d = strcmp(x->name, y->name)) != 0)
		return d;
	return (x->line > y->line) - (x->line < y->line);
}

static int
has_cons(const struct req_line *l, const struct rv_cons *c)
{
	int i;

	for (i = 0; i < l->nc; i++)
		if (l->c[i].op == c->op &&
		    strcmp(l->c[i].version, c->version) == 0)
			return 1;
	return 0;
}

/*
 * Merges the constraints of later mentions into the first (k, then the
 * rest of its group in line order).  0, or the line of the first problem
 * with its message in err.
 */
static int
merge_group(struct req_line **g, size_t n, char *err, size_t errlen)
{
	struct req_line *k = g[0], *o;
	char a[RV_VERSION_MAX + 8], b[RV_VERSION_MAX + 8];
	int i, j;

	for (i = 1; (size_t)i < n; i++) {
		o = g[i];
		o->keep = 0;
		for (j = 0; j < o->nc; j++) {
			if (has_cons(k, &o->c[j]))
				continue;
			if (k->nc == RV_MAX_CONS) {
				errf(err, errlen, "line %d: more than %d "
				    "constraints on %s in all", o->line,
				    RV_MAX_CONS, k->name);
				return o->line;
			}
			k->cline[k->nc] = o->cline[j];
			k->c[k->nc++] = o->c[j];
		}
	}
	/* A pin the other constraints rule out is a typo, not a wish. */
	for (i = 0; i < k->nc; i++) {
		if (k->c[i].op != RV_EQ)
			continue;
		for (j = 0; j < k->nc; j++) {
			if (j == i || sat(k->c[i].version, &k->c[j]))
				continue;
			put_cons_list(a, sizeof(a), &k->c[i], 1);
			put_cons_list(b, sizeof(b), &k->c[j], 1);
			/* Name the one written last. */
			if (k->cline[i] > k->cline[j] ||
			    (k->cline[i] == k->cline[j] && i > j))
				errf(err, errlen, "line %d: %s %s contradicts "
				    "%s %s (line %d)", k->cline[i], k->name,
				    a, k->name, b, k->cline[j]);
			else
				errf(err, errlen, "line %d: %s %s contradicts "
				    "%s %s (line %d)", k->cline[j], k->name,
				    b, k->name, a, k->cline[i]);
			return k->cline[i] > k->cline[j] ? k->cline[i] :
			    k->cline[j];
		}
	}
	return 0;
}

void
rv_reqs_free(struct rv_req *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		free(r[i].package);
	free(r);
}

int
rv_parse_requirements(const char *text, size_t len, struct rv_req **reqs,
    size_t *n, char *err, size_t errlen)
{
	struct req_line *l = NULL, *nl, **byname = NULL, one;
	struct rv_req *out = NULL;
	const char *p = text, *end = text + len, *eol, *e;
	char msg[256], first[256];
	size_t nl_n = 0, cap = 0, i, g, nout = 0;
	int line = 0, r, bad, first_line = 0;

	*reqs = NULL;
	*n = 0;
	if (len == 0)
		return 0;
	if (len > REQ_TEXT_MAX) {
		errf(err, errlen, "line 1: more than %d bytes", REQ_TEXT_MAX);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		for (line = 1; *p != '\0'; p++)
			line += *p == '\n';
		errf(err, errlen, "line %d: NUL byte", line);
		return -1;
	}
	for (; p < end; p = eol < end ? eol + 1 : end) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((e = memchr(p, '#', (size_t)(eol - p))) == NULL)
			e = eol;
		if ((r = parse_req_line(p, e, line, &one, err, errlen)) == -1)
			goto fail;
		if (r == 0)
			continue;
		if (nl_n == RV_MAX_REQS) {
			errf(err, errlen, "line %d: more than %d requirements",
			    line, RV_MAX_REQS);
			goto fail;
		}
		if (nl_n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nl = reallocarray(l, cap, sizeof(*l))) == NULL)
				goto nomem;
			l = nl;
		}
		one.keep = 1;
		l[nl_n++] = one;
	}
	if (nl_n == 0)
		return 0;

	/* Group the mentions of each package; report the earliest problem. */
	if ((byname = calloc(nl_n, sizeof(*byname))) == NULL)
		goto nomem;
	for (i = 0; i < nl_n; i++)
		byname[i] = &l[i];
	qsort(byname, nl_n, sizeof(*byname), cmp_line);
	for (i = 0; i < nl_n; i = g) {
		for (g = i + 1; g < nl_n &&
		    strcmp(byname[g]->name, byname[i]->name) == 0; g++)
			;
		if ((bad = merge_group(byname + i, g - i, msg,
		    sizeof(msg))) != 0 &&
		    (first_line == 0 || bad < first_line)) {
			first_line = bad;
			memcpy(first, msg, sizeof(first));
		}
	}
	if (first_line != 0) {
		errf(err, errlen, "%s", first);
		goto fail;
	}

	for (i = 0; i < nl_n; i++)
		nout += (size_t)l[i].keep;
	if ((out = calloc(nout, sizeof(*out))) == NULL)
		goto nomem;
	for (i = 0, g = 0; i < nl_n; i++) {
		if (!l[i].keep)
			continue;
		if ((out[g].package = strdup(l[i].name)) == NULL) {
			rv_reqs_free(out, g);
			goto nomem;
		}
		memcpy(out[g].c, l[i].c, sizeof(out[g].c));
		out[g].nc = l[i].nc;
		out[g].line = l[i].line;
		g++;
	}
	free(byname);
	free(l);
	*reqs = out;
	*n = nout;
	return 0;

nomem:
	errf(err, errlen, "line %d: out of memory", line);
fail:
	free(byname);
	free(l);
	return -1;
}

/* Blocklist */

int
rv_block_valid(const char *versions, char *err, size_t errlen)
{
	struct rv_cons c[RV_MAX_CONS];
	int nc;

	if (versions == NULL)
		return 0;
	return parse_cons_list(versions, versions + strlen(versions), c, &nc,
	    1, err, errlen);
}

const struct rv_block *
rv_blocked(const struct rv_block *b, size_t nb, const char *package,
    const char *version)
{
	struct rv_cons c[RV_MAX_CONS];
	size_t i;
	int j, nc;

	for (i = 0; i < nb; i++) {
		if (b[i].package == NULL || strcmp(b[i].package, package) != 0)
			continue;
		if (b[i].versions == NULL || parse_cons_list(b[i].versions,
		    b[i].versions + strlen(b[i].versions), c, &nc, 1, NULL,
		    0) == -1)
			return &b[i];
		for (j = 0; j < nc; j++)
			if (!rv_satisfies(version, &c[j]))
				break;
		if (j == nc)
			return &b[i];
	}
	return NULL;
}

/* The universe */

struct upkg {
	const char *name;
	uint32_t first, n;	/* its versions in v, newest first */
};

/*
 * Packages are found by a hash of their names rather than sorted: a
 * mirror with its archive holds some 50,000 versions, and sorting them
 * by name costs more than the whole resolution.  Only the result is
 * sorted.
 */
struct rv_universe {
	struct rv_version *v;	/* grouped by package */
	size_t nv;
	struct upkg *p;		/* in the order the caller first named them */
	size_t np;
	uint32_t *slot;		/* open addressing: package + 1, 0 free */
	size_t mask;
};

static uint64_t
hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The slot of name: where it is, or the free one where it would go. */
static uint32_t *
find_slot(const struct rv_universe *u, const char *name)
{
	size_t i;

	for (i = hash_name(name) & u->mask;; i = (i + 1) & u->mask)
		if (u->slot[i] == 0 ||
		    strcmp(u->p[u->slot[i] - 1].name, name) == 0)
			return &u->slot[i];
}

static int32_t
find_pkg(const struct rv_universe *u, const char *name)
{
	return (int32_t)*find_slot(u, name) - 1;
}

static int
cmp_version(const void *a, const void *b)
{
	const struct rv_version *x = a, *y = b;
	int d;

	if ((d = pkg_version_cmp(y->version, x->version)) != 0)
		return d;
	/* 1.0-1 and 1.0.1 are equal, but the order must not vary. */
	if ((d = strcmp(y->version, x->version)) != 0)
		return d;
	return (x->id > y->id) - (x->id < y->id);
}

struct rv_universe *
rv_universe_new(const struct rv_version *v, size_t n)
{
	struct rv_universe *u;
	struct upkg *up;
	uint32_t *pkg = NULL, *s;
	size_t i, k, first, size;

	if (n >= UINT32_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	for (size = 16; size < 2 * n; size *= 2)
		;
	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->v = calloc(n ? n : 1, sizeof(*u->v))) == NULL ||
	    (u->p = calloc(n ? n : 1, sizeof(*u->p))) == NULL ||
	    (u->slot = calloc(size, sizeof(*u->slot))) == NULL ||
	    (pkg = calloc(n ? n : 1, sizeof(*pkg))) == NULL)
		goto fail;
	u->mask = size - 1;

	/* Number the packages, count their versions... */
	for (i = 0; i < n; i++) {
		pkg[i] = UINT32_MAX;
		if (v[i].package == NULL || v[i].version == NULL ||
		    !pkg_name_valid(v[i].package) ||
		    !pkg_version_valid(v[i].version))
			continue;
		if (*(s = find_slot(u, v[i].package)) == 0) {
			u->p[u->np].name = v[i].package;
			*s = (uint32_t)++u->np;
		}
		pkg[i] = *s - 1;
		u->p[pkg[i]].n++;
	}
	/* ... place them together, ... */
	for (k = 0, first = 0; k < u->np; k++) {
		u->p[k].first = (uint32_t)first;
		first += u->p[k].n;
		u->p[k].n = 0;
	}
	for (i = 0; i < n; i++) {
		if (pkg[i] == UINT32_MAX)
			continue;
		up = &u->p[pkg[i]];
		u->v[up->first + up->n++] = v[i];
	}
	/* ... newest first, without repeats. */
	for (k = 0, u->nv = 0; k < u->np; k++) {
		up = &u->p[k];
		qsort(u->v + up->first, up->n, sizeof(*u->v), cmp_version);
		first = u->nv;
		for (i = up->first; i < up->first + up->n; i++)
			if (u->nv == first || strcmp(u->v[u->nv - 1].version,
			    u->v[i].version) != 0)
				u->v[u->nv++] = u->v[i];
		up->first = (uint32_t)first;
		up->n = (uint32_t)(u->nv - first);
		up->name = u->v[first].package;
	}
	free(pkg);
	return u;

fail:
	free(pkg);
	rv_universe_free(u);
	return NULL;
}

void
rv_universe_free(struct rv_universe *u)
{
	if (u == NULL)
		return;
	free(u->v);
	free(u->p);
	free(u->slot);
	free(u);
}

/* The resolver */

#define P_MISSING	(-1)	/* dependency target: not on the mirror */
#define P_SKIP		(-2)	/* R itself or a base package */
#define SRC_REQ(i)	(-1 - (int32_t)(i))

enum { F_DEPENDS, F_IMPORTS, F_LINKINGTO, F_SUGGESTS, NFIELDS };
#define F_DEFAULT	((1u << F_DEPENDS) | (1u << F_IMPORTS) | \
			    (1u << F_LINKINGTO))
#define F_ALL		(F_DEFAULT | (1u << F_SUGGESTS))

static const char *const field_names[NFIELDS] = {
	"Depends", "Imports", "LinkingTo", "Suggests",
};

enum { EX_NONE, EX_BLOCKED, EX_R, EX_MALFORMED };

/* A constraint on a package and who puts it there. */
struct con {
	int32_t src;		/* the package whose pick says it, or SRC_REQ */
	const struct rv_cons *c;
};

#define N_QUEUED	0x01
#define N_UNSAT		0x02	/* none fits: only fewer constraints help */
#define N_REACHED	0x04	/* by the last walk from the requirements */
#define N_TOUCHED	0x08

struct node {
	struct con *cons;
	uint32_t ncons, capcons;
	int32_t pick;		/* version index in the universe, -1: none */
	int32_t req;		/* first requirement naming it, -1 */
	int32_t parent;		/* first package of the walk needing it */
	const struct rv_cons *via;	/* what parent's field says of it */
	uint32_t changes;
	uint8_t via_field;
	uint8_t flags;
};

/* The dependency fields of one version, parsed once. */
struct vcache {
	struct rv_dep *d;	/* Depends, Imports, LinkingTo, Suggests */
	int32_t *pkg;		/* target of each: package, P_MISSING, P_SKIP */
	uint16_t end[NFIELDS];	/* end of each field's entries in d */
	uint8_t parsed;
	uint8_t bad;		/* fields that do not parse */
};

struct res {
	const struct rv_universe *u;
	const struct rv_req *reqs;
	size_t nreqs;
	enum rv_include inc;
	const char *rver;
	const struct rv_block *blocks;
	size_t nblocks;
	struct node *nodes;
	struct vcache *vc;
	int32_t *queue;		/* a ring: each package at most once */
	size_t qhead, qlen;
	int32_t *order;		/* the last walk, nearest first */
	size_t norder;
	int32_t *touched;
	size_t ntouched;
	char *err;
	size_t errlen;
};

/* A message growing in err, cut at its size. */
struct msg {
	char *s;
	size_t cap, len;
};

static void msg_add(struct msg *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (m->cap == 0 || m->len + 1 >= m->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(m->s + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		m->len += (size_t)w;
	if (m->len >= m->cap)
		m->len = m->cap - 1;
}

static const char *
pname(const struct res *r, int32_t p)
{
	return r->u->p[p].name;
}

static const char *
pver(const struct res *r, int32_t p)
{
	return r->u->v[r->nodes[p].pick].version;
}

static const char *
vfield(const struct rv_version *v, int f)
{
	switch (f) {
	case F_DEPENDS:
		return v->depends;
	case F_IMPORTS:
		return v->imports;
	case F_LINKINGTO:
		return v->linking_to;
	default:
		return v->suggests;
	}
}

/* What a dependency on name leads to. */
static int32_t
target(const struct res *r, const char *name)
{
	int32_t p;
	int kind;

	if (strcmp(name, "R") == 0 || (kind = base_kind(name)) == BASE)
		return P_SKIP;
	p = find_pkg(r->u, name);
	/* Recommended packages come with R, unless asked for by name. */
	if (kind == RECOMMENDED && (p < 0 || r->nodes[p].req < 0))
		return P_SKIP;
	return p < 0 ? P_MISSING : p;
}

/* NULL on ENOMEM only: a field that does not parse is marked bad. */
static struct vcache *
vc_get(struct res *r, size_t vi)
{
	struct vcache *c = &r->vc[vi];
	size_t n = 0, cap = 0, i;
	int f;

	if (c->parsed)
		return c;
	for (f = 0; f < NFIELDS; f++) {
		if (deps_append(vfield(&r->u->v[vi], f), &c->d, &n, &cap) ==
		    -1) {
			if (errno == ENOMEM)
				return NULL;
			c->bad |= 1u << f;
		}
		c->end[f] = (uint16_t)n;
	}
	if (n > 0 && (c->pkg = calloc(n, sizeof(*c->pkg))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c->pkg[i] = target(r, c->d[i].name);
	c->parsed = 1;
	return c;
}

/* The fields followed from a pick of p. */
static unsigned
fields_used(const struct res *r, int32_t p)
{
	switch (r->inc) {
	case RV_INC_NONE:
		return 0;
	case RV_INC_SUGGESTS:
		return r->nodes[p].req >= 0 ? F_ALL : F_DEFAULT;
	default:
		return F_DEFAULT;
	}
}

static int
field_of(const struct vcache *c, size_t i)
{
	int f;

	for (f = 0; f < NFIELDS - 1; f++)
		if (i < c->end[f])
			break;
	return f;
}

static int
fits(const struct node *n, const char *version)
{
	uint32_t i;

	for (i = 0; i < n->ncons; i++)
		if (!sat(version, n->cons[i].c))
			return 0;
	return 1;
}

/*
 * Why version vi of p cannot be picked although it fits: EX_NONE, or the
 * reason with its rule, R entry or field; -1 on ENOMEM.
 */
static int
excluded(struct res *r, int32_t p, size_t vi, const struct rv_block **blk,
    const struct rv_dep **rdep, int *field)
{
	const struct rv_version *v = &r->u->v[vi];
	const struct rv_block *b;
	struct vcache *c;
	unsigned bad;
	size_t i;

	if ((c = vc_get(r, vi)) == NULL)
		return -1;
	if ((b = rv_blocked(r->blocks, r->nblocks, v->package, v->version))
	    != NULL) {
		if (blk != NULL)
			*blk = b;
		return EX_BLOCKED;
	}
	for (i = 0; r->rver != NULL && i < c->end[F_DEPENDS]; i++) {
		if (strcmp(c->d[i].name, "R") == 0 &&
		    !sat(r->rver, &c->d[i].c)) {
			if (rdep != NULL)
				*rdep = &c->d[i];
			return EX_R;
		}
	}
	/* Depends must parse to know which R it wants. */
	bad = c->bad & (fields_used(r, p) |
	    (r->rver != NULL ? 1u << F_DEPENDS : 0));
	if (bad != 0) {
		if (field != NULL)
			for (*field = 0; !(bad & (1u << *field)); (*field)++)
				;
		return EX_MALFORMED;
	}
	return EX_NONE;
}

/* The newest admissible version of p in *pick, -1 for none. */
static int
choose(struct res *r, int32_t p, int32_t *pick)
{
	const struct upkg *up = &r->u->p[p];
	size_t i;
	int ex;

	*pick = -1;
	for (i = up->first; i < up->first + up->n; i++) {
		if (!fits(&r->nodes[p], r->u->v[i].version))
			continue;
		if ((ex = excluded(r, p, i, NULL, NULL, NULL)) == -1)
			return -1;
		if (ex == EX_NONE) {
			*pick = (int32_t)i;
			break;
		}
	}
	return 0;
}

static void
enqueue(struct res *r, int32_t p)
{
	struct node *n = &r->nodes[p];

	if (!(n->flags & N_TOUCHED)) {
		n->flags |= N_TOUCHED;
		n->parent = -1;
		r->touched[r->ntouched++] = p;
	}
	if (n->flags & N_QUEUED)
		return;
	n->flags |= N_QUEUED;
	r->queue[(r->qhead + r->qlen++) % r->u->np] = p;	/* np > 0 */
}

static int
con_add(struct res *r, int32_t q, int32_t src, const struct rv_cons *c)
{
	struct node *n = &r->nodes[q];
	struct con *nc;

	if (n->ncons == n->capcons) {
		if ((nc = reallocarray(n->cons, n->capcons ? n->capcons * 2 :
		    4, sizeof(*nc))) == NULL)
			return -1;
		n->cons = nc;
		n->capcons = n->capcons ? n->capcons * 2 : 4;
	}
	n->cons[n->ncons].src = src;
	n->cons[n->ncons++].c = c;
	/* A constraint more only matters when the pick no longer fits. */
	if (!(n->flags & N_UNSAT) &&
	    (n->pick < 0 || !sat(r->u->v[n->pick].version, c)))
		enqueue(r, q);
	return 0;
}

/* Removes what src's pick says of q; fewer constraints may let newer fit. */
static void
con_drop(struct res *r, int32_t q, int32_t src)
{
	struct node *n = &r->nodes[q];
	uint32_t i, k;

	for (i = k = 0; i < n->ncons; i++)
		if (n->cons[i].src != src)
			n->cons[k++] = n->cons[i];
	if (k == n->ncons)
		return;
	n->ncons = k;
	n->flags &= ~N_UNSAT;
	enqueue(r, q);
}

/* Whether entry i of a pick of p is followed; its field in *f. */
static int
followed(const struct res *r, int32_t p, const struct vcache *c, size_t i,
    int *f)
{
	*f = field_of(c, i);
	return (fields_used(r, p) & (1u << *f)) != 0;
}

static int
add_edges(struct res *r, int32_t p, int32_t vi)
{
	struct vcache *c = &r->vc[vi];
	size_t i;
	int f;

	for (i = 0; i < c->end[NFIELDS - 1]; i++)
		if (followed(r, p, c, i, &f) && c->pkg[i] >= 0 &&
		    c->pkg[i] != p && con_add(r, c->pkg[i], p, &c->d[i].c) ==
		    -1)
			return -1;
	return 0;
}

static void
drop_edges(struct res *r, int32_t p, int32_t vi)
{
	struct vcache *c = &r->vc[vi];
	size_t i;
	int f;

	for (i = 0; i < c->end[NFIELDS - 1]; i++)
		if (followed(r, p, c, i, &f) && c->pkg[i] >= 0 &&
		    c->pkg[i] != p)
			con_drop(r, c->pkg[i], p);
}

static uint32_t
change_limit(const struct res *r, int32_t p)
{
	/* Tightening alone moves a pick down at most once per version. */
	return 32 + 2 * r->u->p[p].n;
}

static int
give_up(struct res *r, int32_t p)
{
	struct node *n = &r->nodes[p];
	struct msg m = { r->err, r->errlen, 0 };
	uint32_t i, shown = 0;

	msg_add(&m, "gave up: %s was picked %u times and the version "
	    "constraints around it do not settle", pname(r, p),
	    (unsigned)n->changes);
	for (i = 0; i < n->ncons && shown < 3; i++) {
		if (n->cons[i].src < 0 || n->cons[i].c->op == RV_ANY)
			continue;
		msg_add(&m, "%s%s %s needs %s (%s %s)", shown ? ", " :
		    " (now ", pname(r, n->cons[i].src),
		    pver(r, n->cons[i].src), pname(r, p),
		    rv_op_str(n->cons[i].c->op), n->cons[i].c->version);
		shown++;
	}
	if (shown)
		msg_add(&m, ")");
	return -1;
}

static int
process(struct res *r, int32_t p)
{
	struct node *n = &r->nodes[p];
	int32_t v = -1;

	n->flags &= ~N_QUEUED;
	if (n->req < 0 && n->ncons == 0)
		n->flags &= ~N_UNSAT;	/* nothing needs it any more */
	else {
		if (choose(r, p, &v) == -1) {
			errf(r->err, r->errlen, "out of memory");
			return -1;
		}
		if (v < 0)
			n->flags |= N_UNSAT;
		else
			n->flags &= ~N_UNSAT;
	}
	if (v == n->pick)
		return 0;
	if (++n->changes > change_limit(r, p))
		return give_up(r, p);
	if (n->pick >= 0)
		drop_edges(r, p, n->pick);
	n->pick = v;
	if (v >= 0 && add_edges(r, p, v) == -1) {
		errf(r->err, r->errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Walks from the requirements through the picks, nearest first. */
static void
mark(struct res *r)
{
	struct node *n;
	struct vcache *c;
	size_t i, k;
	int32_t p, q;
	int f;

	for (i = 0; i < r->ntouched; i++)
		r->nodes[r->touched[i]].flags &= ~N_REACHED;
	r->norder = 0;
	for (i = 0; i < r->nreqs; i++) {
		n = &r->nodes[p = find_pkg(r->u, r->reqs[i].package)];
		if (n->flags & N_REACHED)
			continue;
		n->flags |= N_REACHED;
		n->parent = -1;
		n->via = NULL;
		r->order[r->norder++] = p;
	}
	for (k = 0; k < r->norder; k++) {
		p = r->order[k];
		if (r->nodes[p].pick < 0)
			continue;
		c = &r->vc[r->nodes[p].pick];
		for (i = 0; i < c->end[NFIELDS - 1]; i++) {
			if (!followed(r, p, c, i, &f) || (q = c->pkg[i]) < 0 ||
			    (r->nodes[q].flags & N_REACHED))
				continue;
			n = &r->nodes[q];
			n->flags |= N_REACHED;
			n->parent = p;
			n->via = &c->d[i].c;
			n->via_field = (uint8_t)f;
			r->order[r->norder++] = q;
		}
	}
}

/* " (op version)" when there is a constraint. */
static void
put_target(struct msg *m, const char *name, const struct rv_cons *c)
{
	msg_add(m, "%s", name);
	if (c != NULL && c->op != RV_ANY)
		msg_add(m, " (%s %s)", rv_op_str(c->op), c->version);
}

static void
put_req(struct msg *m, const struct rv_req *q)
{
	char list[RV_MAX_CONS * (RV_VERSION_MAX + 8)];

	msg_add(m, "%s", q->package);
	if (q->nc > 0) {
		put_cons_list(list, sizeof(list), q->c, q->nc);
		msg_add(m, " (%s)", list);
	}
}

/* The walk from a requirement to p: root first, the middle cut. */
static size_t
path_to(const struct res *r, int32_t p, int32_t *path, int *cut)
{
	int32_t q, root;
	size_t n = 0, i;

	for (q = p; q >= 0 && n < CHAIN_MAX; q = r->nodes[q].parent)
		path[n++] = q;
	for (root = path[n - 1]; r->nodes[root].parent >= 0;
	    root = r->nodes[root].parent)
		;
	*cut = root != path[n - 1];
	if (*cut)
		path[n - 1] = root;	/* keep the root, lose one more */
	for (i = 0; i < n / 2; i++) {
		q = path[i];
		path[i] = path[n - 1 - i];
		path[n - 1 - i] = q;
	}
	return n;
}

/* "requirements line 3: shiny (>= 1.7) -> httpuv (>= 1.6.5)" */
static void
put_chain(struct res *r, struct msg *m, int32_t p)
{
	int32_t path[CHAIN_MAX];
	size_t n, i;
	int cut;

	n = path_to(r, p, path, &cut);
	msg_add(m, "requirements line %d: ",
	    r->reqs[r->nodes[path[0]].req].line);
	put_req(m, &r->reqs[r->nodes[path[0]].req]);
	for (i = 1; i < n; i++) {
		msg_add(m, cut && i == 1 ? " -> ... -> " : " -> ");
		put_target(m, pname(r, path[i]), r->nodes[path[i]].via);
	}
}

/* The chain that leads to constraint c on q. */
static void
put_con_chain(struct res *r, struct msg *m, int32_t q, const struct con *c)
{
	const struct rv_req *rq;

	if (c->src < 0) {
		rq = &r->reqs[-1 - c->src];
		msg_add(m, "requirements line %d: ", rq->line);
		put_req(m, rq);
		return;
	}
	put_chain(r, m, c->src);
	msg_add(m, " -> ");
	put_target(m, pname(r, q), c->c);
}

/* "httr 1.4.7 (required at line 2 via shiny)" */
static void
put_origin(struct res *r, struct msg *m, int32_t s)
{
	int32_t path[CHAIN_MAX];
	size_t n, i;
	int cut;

	n = path_to(r, s, path, &cut);
	msg_add(m, "%s %s (required at line %d", pname(r, s), pver(r, s),
	    r->reqs[r->nodes[path[0]].req].line);
	for (i = 0; i + 1 < n; i++)
		msg_add(m, "%s%s", i == 0 ? " via " : cut && i == 1 ?
		    " -> ... -> " : " -> ", pname(r, path[i]));
	msg_add(m, ")");
}

/* One side of a conflict on q. */
static void
put_side(struct res *r, struct msg *m, int32_t q, const struct con *c)
{
	if (c->src < 0) {
		msg_add(m, "requirements %s %s %s %s (line %d)",
		    c->c->op == RV_EQ ? "pin" : "ask for", pname(r, q),
		    rv_op_str(c->c->op), c->c->version,
		    r->reqs[-1 - c->src].line);
		return;
	}
	put_origin(r, m, c->src);
	msg_add(m, " needs ");
	put_target(m, pname(r, q), c->c);
}

static void
put_excluded(struct res *r, struct msg *m, size_t vi, int ex,
    const struct rv_block *b, const struct rv_dep *rdep, int field)
{
	const struct rv_version *v = &r->u->v[vi];
	char tmp[160];

	switch (ex) {
	case EX_BLOCKED:
		msg_add(m, "%s %s is blocked (rule %lld%s%s)", v->package,
		    v->version, (long long)b->id,
		    b->reason && *b->reason ? ": " : "",
		    b->reason ? str_vis(tmp, sizeof(tmp), b->reason) : "");
		break;
	case EX_R:
		msg_add(m, "%s %s needs R (%s %s) and the target is R %s",
		    v->package, v->version, rv_op_str(rdep->c.op),
		    rdep->c.version, r->rver);
		break;
	default:
		msg_add(m, "%s %s has a %s field that does not parse",
		    v->package, v->version, field_names[field]);
		break;
	}
}

static size_t
popcount_set(const uint64_t *s, size_t w)
{
	uint64_t x;
	size_t i, n = 0;

	for (i = 0; i < w; i++)
		for (x = s[i]; x != 0; x &= x - 1)
			n++;
	return n;
}

static int
disjoint(const uint64_t *a, const uint64_t *b, size_t w)
{
	size_t i;

	for (i = 0; i < w; i++)
		if (a[i] & b[i])
			return 0;
	return 1;
}

/*
 * Why no version of q can be picked: a constraint the mirror cannot
 * meet, two that exclude each other, or every version that fits
 * excluded (blocked, wanting another R, unreadable).
 */
static int
explain(struct res *r, int32_t q)
{
	const struct node *n = &r->nodes[q];
	const struct upkg *up = &r->u->p[q];
	struct msg m = { r->err, r->errlen, 0 };
	const struct rv_block *b = NULL;
	const struct rv_dep *rdep = NULL;
	uint64_t *sets = NULL, *all;
	uint32_t *ord = NULL, k = 0, i, j, best;
	size_t w = (up->n + 63) / 64, vi, x, shown;
	int ex, field = 0;

	if ((ord = calloc(n->ncons + 1, sizeof(*ord))) == NULL ||
	    (sets = calloc((n->ncons + 1) * w, sizeof(*sets))) == NULL) {
		errf(r->err, r->errlen, "%s: no version fits (out of memory "
		    "to say why)", pname(r, q));
		goto out;
	}
	/* Requirements first, then the dependers in the order they came. */
	for (i = 0; i < n->ncons; i++)
		if (n->cons[i].src < 0)
			ord[k++] = i;
	for (i = 0; i < n->ncons; i++)
		if (n->cons[i].src >= 0)
			ord[k++] = i;
	all = sets + (size_t)n->ncons * w;
	for (x = 0; x < up->n; x++)
		all[x / 64] |= 1ull << (x % 64);
	for (i = 0; i < k; i++) {
		for (x = 0; x < up->n; x++)
			if (sat(r->u->v[up->first + x].version,
			    n->cons[ord[i]].c))
				sets[i * w + x / 64] |= 1ull << (x % 64);
		for (x = 0; x < w; x++)
			all[x] &= sets[i * w + x];
	}

	for (i = 0; i < k; i++) {
		if (popcount_set(sets + i * w, w) != 0)
			continue;
		put_con_chain(r, &m, q, &n->cons[ord[i]]);
		msg_add(&m, ": the mirror has %s ", up->name);
		for (x = 0; x < up->n && x < LIST_MAX; x++)
			msg_add(&m, "%s%s", x ? ", " : "",
			    r->u->v[up->first + x].version);
		if (up->n > LIST_MAX)
			msg_add(&m, ", ... (%u versions)", (unsigned)up->n);
		else
			msg_add(&m, " only");
		goto out;
	}
	for (i = 0; i < k; i++)
		for (j = i + 1; j < k; j++) {
			if (!disjoint(sets + i * w, sets + j * w, w))
				continue;
			msg_add(&m, "conflict: ");
			put_side(r, &m, q, &n->cons[ord[i]]);
			msg_add(&m, ", but ");
			put_side(r, &m, q, &n->cons[ord[j]]);
			goto out;
		}
	if (popcount_set(all, w) == 0) {
		msg_add(&m, "conflict: no version of %s meets all of: ",
		    up->name);
		for (i = 0; i < k; i++) {
			msg_add(&m, i ? "; " : "");
			put_side(r, &m, q, &n->cons[ord[i]]);
		}
		goto out;
	}

	/* Versions fit, none may be used: show the narrowest demand. */
	for (i = 1, best = 0; i < k; i++)
		if (popcount_set(sets + i * w, w) <
		    popcount_set(sets + best * w, w))
			best = i;
	if (k > 0)
		put_con_chain(r, &m, q, &n->cons[ord[best]]);
	else
		put_chain(r, &m, q);	/* requested, without constraints */
	msg_add(&m, ": ");
	if (popcount_set(all, w) > 1)
		msg_add(&m, "every version that fits is excluded: ");
	for (x = 0, shown = 0; x < up->n; x++) {
		if (!(all[x / 64] & (1ull << (x % 64))))
			continue;
		if (shown == LIST_MAX) {
			msg_add(&m, "; ...");
			break;
		}
		vi = up->first + x;
		if ((ex = excluded(r, q, vi, &b, &rdep, &field)) <= EX_NONE)
			continue;
		msg_add(&m, shown++ ? "; " : "");
		put_excluded(r, &m, vi, ex, b, rdep, field);
	}
out:
	free(ord);
	free(sets);
	return -1;
}

/* The packages reached without a pick, or naming one the mirror lacks. */
static int
check(struct res *r)
{
	struct msg m = { r->err, r->errlen, 0 };
	struct vcache *c;
	size_t k, i;
	int32_t p;
	int f;

	for (k = 0; k < r->norder; k++) {
		p = r->order[k];
		if (r->nodes[p].pick < 0)
			return explain(r, p);
		c = &r->vc[r->nodes[p].pick];
		for (i = 0; i < c->end[NFIELDS - 1]; i++) {
			/* Suggests may name other repositories. */
			if (!followed(r, p, c, i, &f) ||
			    c->pkg[i] != P_MISSING || f == F_SUGGESTS)
				continue;
			put_chain(r, &m, p);
			msg_add(&m, " -> ");
			put_target(&m, c->d[i].name, &c->d[i].c);
			msg_add(&m, ": the mirror has no package %s",
			    c->d[i].name);
			return -1;
		}
	}
	return 0;
}

static void
put_why(struct res *r, int32_t p, char *why, size_t len)
{
	const struct node *n = &r->nodes[p];
	const struct rv_req *q;
	char list[RV_MAX_CONS * (RV_VERSION_MAX + 8)];

	if (n->req >= 0) {
		q = &r->reqs[n->req];
		put_cons_list(list, sizeof(list), q->c, q->nc);
		if (q->nc == 1 && q->c[0].op == RV_EQ)
			snprintf(why, len, "pinned %s (line %d)", list,
			    q->line);
		else
			snprintf(why, len, "requested%s%s (line %d)",
			    q->nc ? " " : "", list, q->line);
		return;
	}
	snprintf(why, len, "%s of %s %s", field_names[n->via_field],
	    pname(r, n->parent), pver(r, n->parent));
}

/* Newer versions that fit but were passed over, and Suggests skipped. */
static int
put_note(struct res *r, int32_t p, char *note, size_t len)
{
	const struct node *n = &r->nodes[p];
	const struct upkg *up = &r->u->p[p];
	const struct rv_block *b = NULL;
	const struct rv_dep *rdep = NULL;
	struct msg m = { note, len, 0 };
	struct vcache *c;
	char tmp[160];
	size_t vi, i, k = 0;
	int ex, field = 0, f;

	note[0] = '\0';
	for (vi = up->first; vi < (size_t)n->pick; vi++) {
		if (!fits(n, r->u->v[vi].version))
			continue;
		if ((ex = excluded(r, p, vi, &b, &rdep, &field)) == -1)
			return -1;
		if (ex == EX_NONE)
			continue;	/* cannot be: it would be the pick */
		msg_add(&m, "%s", m.len ? "; " : "");
		if (ex == EX_BLOCKED)
			msg_add(&m, "routed around blocked %s %s (rule "
			    "%lld%s%s)", up->name, r->u->v[vi].version,
			    (long long)b->id,
			    b->reason && *b->reason ? ": " : "",
			    b->reason ? str_vis(tmp, sizeof(tmp), b->reason) :
			    "");
		else if (ex == EX_R)
			msg_add(&m, "skipped %s %s (needs R (%s %s), the "
			    "target is R %s)", up->name, r->u->v[vi].version,
			    rv_op_str(rdep->c.op), rdep->c.version, r->rver);
		else
			msg_add(&m, "skipped %s %s (its %s field does not "
			    "parse)", up->name, r->u->v[vi].version,
			    field_names[field]);
	}
	c = &r->vc[n->pick];
	for (i = 0; i < c->end[NFIELDS - 1]; i++) {
		if (!followed(r, p, c, i, &f) || f != F_SUGGESTS ||
		    c->pkg[i] != P_MISSING)
			continue;
		msg_add(&m, "%s%s", k++ ? ", " : m.len ? "; Suggests not on "
		    "the mirror, skipped: " : "Suggests not on the mirror, "
		    "skipped: ", c->d[i].name);
	}
	return 0;
}

static int
cmp_pick(const void *a, const void *b)
{
	return strcmp(((const struct rv_pick *)a)->v->package,
	    ((const struct rv_pick *)b)->v->package);
}

static int
build_result(struct res *r, struct rv_result *res)
{
	struct rv_pick *pk;
	size_t k;
	int32_t p;

	/* Every package of the walk has a pick by now. */
	if ((res->picks = calloc(r->norder ? r->norder : 1,
	    sizeof(*res->picks))) == NULL)
		goto nomem;
	for (k = 0; k < r->norder; k++) {
		p = r->order[k];
		pk = &res->picks[res->n++];
		pk->v = &r->u->v[r->nodes[p].pick];
		put_why(r, p, pk->why, sizeof(pk->why));
		if (put_note(r, p, pk->note, sizeof(pk->note)) == -1)
			goto nomem;
	}
	qsort(res->picks, res->n, sizeof(*res->picks), cmp_pick);
	return 0;

nomem:
	rv_result_free(res);
	errf(r->err, r->errlen, "out of memory");
	return -1;
}

/* The requirements as rv_resolve takes them: checked, and seeded. */
static int
seed(struct res *r)
{
	const struct rv_req *q;
	struct msg m = { r->err, r->errlen, 0 };
	size_t i;
	int32_t p;
	int j;

	for (i = 0; i < r->nreqs; i++) {
		q = &r->reqs[i];
		if (q->package == NULL || !pkg_name_valid(q->package) ||
		    q->nc < 0 || q->nc > RV_MAX_CONS) {
			errf(r->err, r->errlen, "requirements line %d: not a "
			    "valid requirement", q->line);
			return -1;
		}
		for (j = 0; j < q->nc; j++)
			if (!cons_ok(&q->c[j])) {
				errf(r->err, r->errlen, "requirements line "
				    "%d: not a valid constraint", q->line);
				return -1;
			}
		if (base_kind(q->package) == BASE) {
			errf(r->err, r->errlen, "requirements line %d: %s is "
			    "part of R, not a package of the mirror", q->line,
			    q->package);
			return -1;
		}
		if ((p = find_pkg(r->u, q->package)) < 0) {
			msg_add(&m, "requirements line %d: ", q->line);
			put_req(&m, q);
			msg_add(&m, ": the mirror has no package %s",
			    q->package);
			return -1;
		}
		if (r->nodes[p].req < 0)
			r->nodes[p].req = (int32_t)i;
	}
	for (i = 0; i < r->nreqs; i++) {
		q = &r->reqs[i];
		p = find_pkg(r->u, q->package);
		enqueue(r, p);
		for (j = 0; j < q->nc; j++)
			if (q->c[j].op != RV_ANY &&
			    con_add(r, p, SRC_REQ(i), &q->c[j]) == -1) {
				errf(r->err, r->errlen, "out of memory");
				return -1;
			}
	}
	return 0;
}

static void
res_free(struct res *r)
{
	size_t i;

	if (r->nodes != NULL)
		for (i = 0; i < r->ntouched; i++)
			free(r->nodes[r->touched[i]].cons);
	if (r->vc != NULL)
		for (i = 0; i < r->u->nv; i++) {
			free(r->vc[i].d);
			free(r->vc[i].pkg);
		}
	free(r->nodes);
	free(r->vc);
	free(r->queue);
	free(r->order);
	free(r->touched);
}

int
rv_resolve(const struct rv_universe *u, const struct rv_req *reqs,
    size_t nreqs, const struct rv_opts *o, struct rv_result *res, char *err,
    size_t errlen)
{
	static const struct rv_opts defaults;
	struct res r;
	char tmp[VIS_MAX];
	struct node *n;
	size_t i, np = u->np ? u->np : 1;	/* calloc(0) may give NULL */
	int32_t p;
	int swept, ret = -1;

	res->picks = NULL;
	res->n = 0;
	if (o == NULL)
		o = &defaults;
	memset(&r, 0, sizeof(r));
	r.u = u;
	r.reqs = reqs;
	r.nreqs = nreqs;
	r.inc = o->include;
	r.rver = o->r_version;
	r.blocks = o->blocks;
	r.nblocks = o->nblocks;
	r.err = err;
	r.errlen = errlen;
	if (nreqs > RV_MAX_REQS) {
		errf(err, errlen, "more than %d requirements", RV_MAX_REQS);
		return -1;
	}
	if (r.rver != NULL && !ver_ok(r.rver, strlen(r.rver))) {
		errf(err, errlen, "target R version \"%s\" is not a version",
		    str_vis(tmp, sizeof(tmp), r.rver));
		return -1;
	}
	if ((r.nodes = calloc(np, sizeof(*r.nodes))) == NULL ||
	    (r.vc = calloc(u->nv ? u->nv : 1, sizeof(*r.vc))) == NULL ||
	    (r.queue = calloc(np, sizeof(*r.queue))) == NULL ||
	    (r.order = calloc(np, sizeof(*r.order))) == NULL ||
	    (r.touched = calloc(np, sizeof(*r.touched))) == NULL) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < u->np; i++) {
		r.nodes[i].pick = -1;
		r.nodes[i].req = -1;
	}
	if (seed(&r) == -1)
		goto out;

	for (;;) {
		while (r.qlen > 0) {
			p = r.queue[r.qhead];
			r.qhead = (r.qhead + 1) % np;
			r.qlen--;
			if (process(&r, p) == -1)
				goto out;
		}
		/* Drop what only unreachable picks wanted (old versions'). */
		mark(&r);
		swept = 0;
		for (i = 0; i < r.ntouched; i++) {
			n = &r.nodes[p = r.touched[i]];
			if (n->pick < 0 || (n->flags & N_REACHED))
				continue;
			if (++n->changes > change_limit(&r, p)) {
				give_up(&r, p);
				goto out;
			}
			drop_edges(&r, p, n->pick);
			n->pick = -1;
			swept = 1;
		}
		if (!swept)
			break;
	}
	if (check(&r) == -1 || build_result(&r, res) == -1)
		goto out;
	ret = 0;
out:
	res_free(&r);
	return ret;
}

void
rv_result_free(struct rv_result *r)
{
	if (r == NULL)
		return;
	free(r->picks);
	r->picks = NULL;
	r->n = 0;
}

/* Diff */

struct cur {
	const char *package, *version;
};

static int
cmp_cur(const void *a, const void *b)
{
	return strcmp(((const struct cur *)a)->package,
	    ((const struct cur *)b)->package);
}

int
rv_diff(const char *const *cur_pkgs, const char *const *cur_vers,
    size_t ncur, const struct rv_result *res, struct rv_diff **d, size_t *n)
{
	struct rv_diff *out = NULL, *e;
	struct cur *cur = NULL;
	const struct rv_pick *pk;
	size_t i, j, k = 0;
	int c;

	*d = NULL;
	*n = 0;
	for (i = 0; i < ncur; i++)
		if (cur_pkgs[i] == NULL || cur_vers[i] == NULL ||
		    !pkg_name_valid(cur_pkgs[i]) ||
		    !pkg_version_valid(cur_vers[i])) {
			errno = EINVAL;
			return -1;
		}
	if ((cur = calloc(ncur ? ncur : 1, sizeof(*cur))) == NULL ||
	    (out = calloc(ncur + res->n ? ncur + res->n : 1,
	    sizeof(*out))) == NULL)
		goto fail;
	for (i = 0; i < ncur; i++) {
		cur[i].package = cur_pkgs[i];
		cur[i].version = cur_vers[i];
	}
	qsort(cur, ncur, sizeof(*cur), cmp_cur);
	for (i = 1; i < ncur; i++)
		if (strcmp(cur[i - 1].package, cur[i].package) == 0) {
			errno = EINVAL;
			goto fail;
		}

	/* Both sorted by name: a merge. */
	for (i = j = 0; i < ncur || j < res->n; k++) {
		e = &out[k];
		pk = j < res->n ? &res->picks[j] : NULL;
		if (pk == NULL)
			c = -1;
		else if (i == ncur)
			c = 1;
		else
			c = strcmp(cur[i].package, pk->v->package);
		if (c <= 0) {
			snprintf(e->package, sizeof(e->package), "%s",
			    cur[i].package);
			snprintf(e->old_version, sizeof(e->old_version), "%s",
			    cur[i].version);
		} else
			snprintf(e->package, sizeof(e->package), "%s",
			    pk->v->package);
		if (c >= 0) {
			snprintf(e->new_version, sizeof(e->new_version), "%s",
			    pk->v->version);
			e->pick = pk;
		}
		if (c < 0)
			e->change = RV_REMOVED;
		else if (c > 0)
			e->change = RV_ADDED;
		else if (strcmp(e->old_version, e->new_version) == 0)
			e->change = RV_SAME;
		else
			/* Another spelling of the same version is a change. */
			e->change = pkg_version_cmp(e->new_version,
			    e->old_version) >= 0 ? RV_UPGRADED : RV_DOWNGRADED;
		i += c <= 0;
		j += c >= 0;
	}
	free(cur);
	*d = out;
	*n = k;
	return 0;

fail:
	free(cur);
	free(out);
	return -1;
}
