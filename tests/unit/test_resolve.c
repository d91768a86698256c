/*
 * resolve.c: requirements and dependency fields as they are written,
 * and resolution against small mirrors built for each case.  Messages
 * are compared whole where their wording is the point (what a curator
 * reads when a set is refused).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "test.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static char err[1024];

/* One version of a test mirror: package, version, then its fields. */
struct fx {
	const char *pkg, *ver, *depends, *imports, *linking_to, *suggests;
};

static struct rv_universe *
mirror(const struct fx *f, size_t n)
{
	struct rv_version *v = calloc(n, sizeof(*v));
	struct rv_universe *u;
	size_t i;

	for (i = 0; i < n; i++) {
		v[i].id = (int64_t)i + 1;
		v[i].package = f[i].pkg;
		v[i].version = f[i].ver;
		v[i].depends = f[i].depends;
		v[i].imports = f[i].imports;
		v[i].linking_to = f[i].linking_to;
		v[i].suggests = f[i].suggests;
	}
	u = rv_universe_new(v, n);	/* copies the array */
	free(v);
	return u;
}

/* Resolves a requirements text; 0, or -1 with err set. */
static int
resolve(const struct rv_universe *u, const char *text,
    const struct rv_opts *o, struct rv_result *res)
{
	struct rv_req *reqs;
	size_t n;
	int rc;

	err[0] = '\0';
	if (rv_parse_requirements(text, strlen(text), &reqs, &n, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "  requirements: %s\n", err);
		return -2;
	}
	rc = rv_resolve(u, reqs, n, o, res, err, sizeof(err));
	rv_reqs_free(reqs, n);
	return rc;
}

/* The result as "a 1.0, b 2.0", in its order. */
static const char *
set(const struct rv_result *res)
{
	static char s[2048];
	size_t i, len = 0;

	s[0] = '\0';
	for (i = 0; i < res->n && len < sizeof(s); i++)
		len += (size_t)snprintf(s + len, sizeof(s) - len, "%s%s %s",
		    i ? ", " : "", res->picks[i].v->package,
		    res->picks[i].v->version);
	return s;
}

/* Resolves to exactly this set. */
static int
gives(const struct rv_universe *u, const char *text, const struct rv_opts *o,
    const char *want, struct rv_result *res)
{
	if (resolve(u, text, o, res) != 0) {
		fprintf(stderr, "  refused: %s\n  want: %s\n", err, want);
		return 0;
	}
	if (strcmp(set(res), want) != 0) {
		fprintf(stderr, "  got:  %s\n  want: %s\n", set(res), want);
		return 0;
	}
	return 1;
}

static int
refused(const struct rv_universe *u, const char *text,
    const struct rv_opts *o, const char *want)
{
	struct rv_result res;

	if (resolve(u, text, o, &res) == 0) {
		fprintf(stderr, "  resolved to %s\n  want: %s\n", set(&res),
		    want);
		rv_result_free(&res);
		return 0;
	}
	if (strcmp(err, want) != 0) {
		fprintf(stderr, "  got:  %s\n  want: %s\n", err, want);
		return 0;
	}
	return 1;
}

static const struct rv_pick *
pick(const struct rv_result *res, const char *pkg)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		if (strcmp(res->picks[i].v->package, pkg) == 0)
			return &res->picks[i];
	return NULL;
}

static int
str_is(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return 1;
	fprintf(stderr, "  got:  \"%s\"\n  want: \"%s\"\n", got, want);
	return 0;
}

static int
sat(const char *v, enum rv_op op, const char *w)
{
	struct rv_cons c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	snprintf(c.version, sizeof(c.version), "%s", w);
	return rv_satisfies(v, &c);
}

static void
test_order(void)
{
	/* R's package_version: numbers, not strings; '-' is a '.'. */
	CHECK(sat("1.10", RV_GT, "1.9"));
	CHECK(sat("1.9", RV_LT, "1.10"));
	CHECK(sat("1.0-1", RV_EQ, "1.0.1"));
	CHECK(sat("1.0.1", RV_EQ, "1.0-1"));
	CHECK(!sat("1.0-1", RV_NE, "1.0.1"));
	CHECK(sat("1.0", RV_LT, "1.0.1"));
	CHECK(sat("1.01", RV_EQ, "1.1"));
	CHECK(sat("4.2.0", RV_GE, "4"));	/* R (>= 4) */
	CHECK(sat("10.0", RV_GT, "9.99.99"));
}

static void
test_operators(void)
{
	CHECK(sat("1.2", RV_ANY, ""));
	CHECK(sat("1.2", RV_EQ, "1.2") && !sat("1.2", RV_EQ, "1.2.0"));
	CHECK(sat("1.2", RV_GE, "1.2") && sat("1.3", RV_GE, "1.2") &&
	    !sat("1.1", RV_GE, "1.2"));
	CHECK(!sat("1.2", RV_GT, "1.2") && sat("1.3", RV_GT, "1.2"));
	CHECK(sat("1.2", RV_LE, "1.2") && !sat("1.3", RV_LE, "1.2"));
	CHECK(!sat("1.2", RV_LT, "1.2") && sat("1.1", RV_LT, "1.2"));
	CHECK(sat("1.3", RV_NE, "1.2") && !sat("1.2", RV_NE, "1.2"));
	/* What is not a version satisfies nothing, and compares nothing. */
	CHECK(!sat("1.2a", RV_ANY, ""));
	CHECK(!sat("", RV_ANY, ""));
	CHECK(!sat("1.2", RV_GE, "x"));
	CHECK(!sat("1..2", RV_LE, "9"));
	CHECK(!sat("1.2", (enum rv_op)42, "1.2"));
	CHECK(strcmp(rv_op_str(RV_GE), ">=") == 0);
}

/* Parses text; 0 or -1 with err. */
static int
reqs(const char *text, struct rv_req **r, size_t *n)
{
	err[0] = '\0';
	return rv_parse_requirements(text, strlen(text), r, n, err,
	    sizeof(err));
}

static int
req_fails(const char *text, const char *want)
{
	struct rv_req *r;
	size_t n;

	if (reqs(text, &r, &n) == 0) {
		fprintf(stderr, "  parsed, want \"%s\"\n", want);
		rv_reqs_free(r, n);
		return 0;
	}
	if (r != NULL || n != 0 || strcmp(err, want) != 0) {
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
		return 0;
	}
	return 1;
}

static void
test_requirements(void)
{
	struct rv_req *r;
	size_t n;

	CHECK(reqs("# a validated set\n"
	    "\n"
	    "  shiny   \t\n"
	    "jsonlite == 1.8.0   # pinned: see ticket 12\r\n"
	    "httr>=1.4,<2\n"
	    "data.table (>= 1.14)\n"
	    "R6 != 2.5.0\n"
	    "   \n"
	    "#shiny == 1.0\n"
	    "Rcpp >= 1.0.10, <= 1.0.12, != 1.0.11", &r, &n) == 0);
	CHECK(n == 6);
	if (n == 6) {
		CHECK(strcmp(r[0].package, "shiny") == 0 && r[0].nc == 0 &&
		    r[0].line == 3);
		CHECK(strcmp(r[1].package, "jsonlite") == 0 &&
		    r[1].nc == 1 && r[1].c[0].op == RV_EQ &&
		    strcmp(r[1].c[0].version, "1.8.0") == 0 &&
		    r[1].line == 4);
		CHECK(r[2].nc == 2 && r[2].c[0].op == RV_GE &&
		    strcmp(r[2].c[0].version, "1.4") == 0 &&
		    r[2].c[1].op == RV_LT &&
		    strcmp(r[2].c[1].version, "2") == 0);
		CHECK(strcmp(r[3].package, "data.table") == 0 &&
		    r[3].nc == 1 && r[3].c[0].op == RV_GE);
		CHECK(r[4].nc == 1 && r[4].c[0].op == RV_NE);
		CHECK(r[5].nc == 3 && r[5].c[2].op == RV_NE &&
		    r[5].line == 10);
	}
	rv_reqs_free(r, n);

	/* Nothing but comments is an empty set. */
	CHECK(reqs("# nothing yet\n\n", &r, &n) == 0 && n == 0 && r == NULL);
	CHECK(reqs("", &r, &n) == 0 && n == 0);

	/* A package named twice: one entry, constraints merged. */
	CHECK(reqs("jsonlite >= 1.8\nhttr\njsonlite < 2, >= 1.8\n"
	    "jsonlite\n", &r, &n) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(strcmp(r[0].package, "jsonlite") == 0 &&
		    r[0].line == 1 && r[0].nc == 2 &&
		    r[0].c[0].op == RV_GE && r[0].c[1].op == RV_LT);
		CHECK(strcmp(r[1].package, "httr") == 0 && r[1].line == 2);
	}
	rv_reqs_free(r, n);

	CHECK(req_fails("shiny\nhttr\nmy_pkg\n",
	    "line 3: \"my_pkg\" is not a valid package name"));
	CHECK(req_fails("shiny\n\n  >= 1.0\n",
	    "line 3: expected a package name at \">= 1.0\""));
	CHECK(req_fails("a\n", "line 1: \"a\" is not a valid package name"));
	CHECK(req_fails("shiny 1.7\n", "line 1: shiny: expected an "
	    "operator (==, >=, >, <=, <, !=) at \"1.7\""));
	CHECK(req_fails("#\nshiny >= 1.x\n",
	    "line 2: shiny: \"1.\" is not a version"));
	CHECK(req_fails("shiny >= 1.7,\n", "line 1: shiny: expected an "
	    "operator (==, >=, >, <=, <, !=) at \"\""));
	CHECK(req_fails("shiny >= 1.7 httr\n",
	    "line 1: shiny: unexpected \"httr\""));
	CHECK(req_fails("shiny => 1.7\n", "line 1: shiny: expected an "
	    "operator (==, >=, >, <=, <, !=) at \"=> 1.7\""));
	CHECK(req_fails("shiny (>= 1.7\n", "line 1: missing ')'"));
	CHECK(req_fails("x1\nshiny >1, >2, >3, >4, >5\n",
	    "line 2: shiny: more than 4 constraints"));
	CHECK(req_fails("shiny >1, >2\nhttr\nshiny >3, >4\nshiny >5\n",
	    "line 4: more than 4 constraints on shiny in all"));
	CHECK(req_fails("jsonlite == 1.8.0\nhttr\njsonlite >= 1.8.4\n",
	    "line 3: jsonlite >= 1.8.4 contradicts jsonlite == 1.8.0 "
	    "(line 1)"));
	CHECK(req_fails("jsonlite == 1.8.0, == 1.8.1\n",
	    "line 1: jsonlite == 1.8.1 contradicts jsonlite == 1.8.0 "
	    "(line 1)"));
	/* The earliest problem is reported, whatever the names. */
	CHECK(req_fails("zz == 1.0\naa == 1.0\naa == 2.0\nzz == 3.0\n",
	    "line 3: aa == 2.0 contradicts aa == 1.0 (line 2)"));
	CHECK(rv_parse_requirements("shiny\n\0x\n", 9, &r, &n, err,
	    sizeof(err)) == -1 && strcmp(err, "line 2: NUL byte") == 0);
}

static int
deps(const char *field, size_t want_n, struct rv_dep **d)
{
	size_t n;

	if (rv_parse_deps(field, d, &n) != 0) {
		fprintf(stderr, "  refused \"%s\"\n", field);
		return 0;
	}
	if (n != want_n) {
		fprintf(stderr, "  %zu entries, want %zu\n", n, want_n);
		free(*d);
		*d = NULL;
		return 0;
	}
	return 1;
}

static int
dep_is(const struct rv_dep *d, const char *name, enum rv_op op,
    const char *v)
{
	return strcmp(d->name, name) == 0 && d->c.op == op &&
	    strcmp(d->c.version, v) == 0;
}

static int
deps_refused(const char *field)
{
	struct rv_dep *d;
	size_t n;

	if (rv_parse_deps(field, &d, &n) == 0) {
		fprintf(stderr, "  parsed \"%s\"\n", field);
		free(d);
		return 0;
	}
	return d == NULL && n == 0 && errno == EINVAL;
}

static void
test_deps(void)
{
	struct rv_dep *d = NULL;
	char *big, *p;
	size_t n, i;

	CHECK(deps("R (>= 4.1.0), pkgA (>= 1.2), pkgB", 3, &d));
	if (d != NULL) {
		CHECK(dep_is(&d[0], "R", RV_GE, "4.1.0"));
		CHECK(dep_is(&d[1], "pkgA", RV_GE, "1.2"));
		CHECK(dep_is(&d[2], "pkgB", RV_ANY, ""));
	}
	free(d);
	/* As read.dcf leaves a folded field, and as people type them. */
	CHECK(deps("\n    methods,\n\tRcpp (>=\n 1.0.10),\r\n  httr,", 3,
	    &d));
	if (d != NULL) {
		CHECK(dep_is(&d[0], "methods", RV_ANY, ""));
		CHECK(dep_is(&d[1], "Rcpp", RV_GE, "1.0.10"));
		CHECK(dep_is(&d[2], "httr", RV_ANY, ""));
	}
	free(d);
	CHECK(deps("pkg(>=1.0),pkg2( == 2.0-1 ) , , pkg3(<3)", 3, &d));
	if (d != NULL) {
		CHECK(dep_is(&d[0], "pkg", RV_GE, "1.0"));
		CHECK(dep_is(&d[1], "pkg2", RV_EQ, "2.0-1"));
		CHECK(dep_is(&d[2], "pkg3", RV_LT, "3"));
	}
	free(d);
	CHECK(rv_parse_deps(NULL, &d, &n) == 0 && n == 0 && d == NULL);
	CHECK(rv_parse_deps(" , \n", &d, &n) == 0 && n == 0 && d == NULL);

	CHECK(deps_refused("pkgA (>= 1.0"));
	CHECK(deps_refused("pkgA >= 1.0"));
	CHECK(deps_refused("pkgA pkgB"));
	CHECK(deps_refused("pkgA (~ 1.0)"));
	CHECK(deps_refused("pkgA (>= )"));
	CHECK(deps_refused("pkgA (>= 1.0) x"));
	CHECK(deps_refused("pkgA (>= 1.0, < 2)"));
	CHECK(deps_refused("pkgA (>= 1.0.)"));
	CHECK(deps_refused("my_pkg"));
	CHECK(deps_refused("pkgA, (>= 1.0)"));
	CHECK(deps_refused("R (>= r56550)"));
	CHECK(deps_refused("ggplot2 (>= 3.0) (< 4)"));

	/* Bounded: 1000 entries are fine, 1001 are not. */
	big = malloc(1001 * 8 + 1);
	for (i = 0, p = big; i < 1001; i++)
		p += sprintf(p, "p%04zu, ", i);
	p[-2] = '\0';
	CHECK(rv_parse_deps(big, &d, &n) == -1 && errno == E2BIG &&
	    d == NULL);
	big[1000 * 7 - 2] = '\0';
	CHECK(rv_parse_deps(big, &d, &n) == 0 && n == 1000 &&
	    strcmp(d[999].name, "p0999") == 0);
	free(d);
	free(big);
}

static void
test_base(void)
{
	static const char *const base[] = {
		"base", "compiler", "datasets", "graphics", "grDevices",
		"grid", "methods", "parallel", "splines", "stats", "stats4",
		"tcltk", "tools", "utils", "KernSmooth", "MASS", "Matrix",
		"boot", "class", "cluster", "codetools", "foreign",
		"lattice", "mgcv", "nlme", "nnet", "rpart", "spatial",
		"survival",
	};
	size_t i;

	for (i = 0; i < nitems(base); i++)
		CHECK(rv_is_base(base[i]));
	CHECK(!rv_is_base("Rcpp"));
	CHECK(!rv_is_base("matrix"));
	CHECK(!rv_is_base("R"));
	CHECK(!rv_is_base(""));
}

static void
test_blocklist(void)
{
	static const struct rv_block b[] = {
		{ 1, "jsonlite", "1.8.8", "CVE-2024-0001" },
		{ 2, "httr", ">= 2.0, < 2.1", "broken release" },
		{ 3, "old", "", "abandoned" },
		{ 4, "broken", "??", "a rule that does not parse" },
		{ 5, "Rcpp", "<1.0.0", NULL },
	};

	CHECK(rv_block_valid("", err, sizeof(err)) == 0);
	CHECK(rv_block_valid(NULL, err, sizeof(err)) == 0);
	CHECK(rv_block_valid("<1.0.0", err, sizeof(err)) == 0);
	CHECK(rv_block_valid(" >= 2.0 , < 2.1 ", err, sizeof(err)) == 0);
	CHECK(rv_block_valid("1.8.8", err, sizeof(err)) == 0);
	CHECK(rv_block_valid("< 1.0,", err, sizeof(err)) == -1);
	CHECK(rv_block_valid("all", err, sizeof(err)) == -1 &&
	    strstr(err, "expected an operator") != NULL);
	CHECK(rv_block_valid(">= 2.x", err, sizeof(err)) == -1 &&
	    strcmp(err, "\"2.\" is not a version") == 0);
	CHECK(rv_block_valid("<1,<2,<3,<4,<5", err, sizeof(err)) == -1);

	CHECK(rv_blocked(b, nitems(b), "jsonlite", "1.8.8") == &b[0]);
	CHECK(rv_blocked(b, nitems(b), "jsonlite", "1.8.7") == NULL);
	CHECK(rv_blocked(b, nitems(b), "httr", "2.0.3") == &b[1]);
	CHECK(rv_blocked(b, nitems(b), "httr", "2.1") == NULL);
	CHECK(rv_blocked(b, nitems(b), "httr", "1.9") == NULL);
	CHECK(rv_blocked(b, nitems(b), "old", "9.9") == &b[2]);
	CHECK(rv_blocked(b, nitems(b), "broken", "1.0") == &b[3]);
	CHECK(rv_blocked(b, nitems(b), "Rcpp", "0.12.19") == &b[4]);
	CHECK(rv_blocked(b, nitems(b), "Rcpp", "1.0.0") == NULL);
	CHECK(rv_blocked(b, nitems(b), "rcpp", "0.1") == NULL);
}

static void
test_universe(void)
{
	static const struct fx f[] = {
		{ "pkgA", "1.9", NULL, NULL, NULL, NULL },
		{ "pkgA", "1.10", NULL, NULL, NULL, NULL },
		{ "pkgA", "1.10", NULL, NULL, NULL, NULL },	/* again */
		{ "pkgA", "1.2", NULL, NULL, NULL, NULL },
		{ "my_pkg", "1.0", NULL, NULL, NULL, NULL },	/* invalid */
		{ "pkgB", "1.0a", NULL, NULL, NULL, NULL },	/* invalid */
	};
	struct rv_universe *u = mirror(f, nitems(f)), *e;
	struct rv_result res;

	CHECK(u != NULL);
	/* Newest first, by R's order. */
	CHECK(gives(u, "pkgA", NULL, "pkgA 1.10", &res));
	rv_result_free(&res);
	CHECK(gives(u, "pkgA < 1.10", NULL, "pkgA 1.9", &res));
	rv_result_free(&res);
	CHECK(refused(u, "pkgB", NULL, "requirements line 1: pkgB: the "
	    "mirror has no package pkgB"));
	CHECK(refused(u, "pkgA >= 2", NULL, "requirements line 1: pkgA "
	    "(>= 2): the mirror has pkgA 1.10, 1.9, 1.2 only"));
	CHECK(refused(u, "\n\nstats\n", NULL, "requirements line 3: stats "
	    "is part of R, not a package of the mirror"));
	rv_universe_free(u);

	e = rv_universe_new(NULL, 0);
	CHECK(e != NULL);
	CHECK(gives(e, "# nothing\n", NULL, "", &res) && res.n == 0);
	rv_result_free(&res);
	CHECK(refused(e, "pkgA", NULL, "requirements line 1: pkgA: the "
	    "mirror has no package pkgA"));
	rv_universe_free(e);
}

/* shiny and friends, shaped like CRAN (versions trimmed). */
static const struct fx cran[] = {
	{ "shiny", "1.8.0", "R (>= 3.0.2), methods", "utils, grDevices, "
	    "httpuv (>= 1.5.2), mime (>= 0.3), jsonlite (>= 0.9.16), "
	    "R6 (>= 2.0), later (>= 1.0.0)", NULL,
	    "datasets, Cairo (>= 1.5-5), testthat (>= 3.0.0), knitr" },
	{ "shiny", "1.6.0", "R (>= 3.0.2), methods", "httpuv (>= 1.5.2), "
	    "mime, jsonlite, R6", NULL, NULL },
	{ "httpuv", "1.6.13", "R (>= 2.15.1)", "later (>= 0.8.0), promises, "
	    "R6, Rcpp (>= 1.0.7), utils", "later, Rcpp", "testthat" },
	{ "httpuv", "1.6.5", "R (>= 2.15.1)", "Rcpp (>= 1.0.7)",
	    "Rcpp", NULL },
	{ "later", "1.3.2", NULL, "Rcpp (>= 0.12.9), rlang", "Rcpp", NULL },
	{ "promises", "1.2.1", NULL, "R6, Rcpp, later, magrittr (>= 1.5), "
	    "rlang, stats", "later, Rcpp", NULL },
	{ "Rcpp", "1.0.11", NULL, "methods, utils", NULL, NULL },
	{ "Rcpp", "1.0.9", NULL, "methods, utils", NULL, NULL },
	{ "rlang", "1.1.2", "R (>= 3.5.0)", "utils", NULL, NULL },
	{ "magrittr", "2.0.3", "R (>= 3.4.0)", NULL, NULL, NULL },
	{ "mime", "0.12", NULL, "tools", NULL, NULL },
	{ "jsonlite", "1.8.8", "methods", NULL, NULL, NULL },
	{ "jsonlite", "1.8.7", "methods", NULL, NULL, NULL },
	{ "jsonlite", "1.8.0", "methods", NULL, NULL, NULL },
	{ "R6", "2.5.1", "R (>= 3.0)", NULL, NULL, NULL },
	{ "httr", "1.4.7", "R (>= 3.5)", "curl (>= 5.0.2), jsonlite "
	    "(>= 1.8.4), mime, openssl (>= 0.8), R6", NULL, NULL },
	{ "curl", "5.2.0", "R (>= 3.0.0)", NULL, NULL, NULL },
	{ "openssl", "2.1.1", NULL, "askpass", NULL, NULL },
	{ "askpass", "1.2.0", NULL, "sys (>= 2.1)", NULL, NULL },
	{ "sys", "3.4.2", NULL, NULL, NULL, NULL },
	{ "testthat", "3.2.0", NULL, "R6, rlang", NULL, NULL },
	{ "knitr", "1.45", NULL, "xfun (>= 0.39)", NULL, NULL },
	{ "MASS", "7.3-60", NULL, NULL, NULL, NULL },
};

static void
test_closure(void)
{
	struct rv_universe *u = mirror(cran, nitems(cran));
	struct rv_result res;
	const struct rv_pick *p;

	/* httr -> openssl -> askpass -> sys: three deep and more. */
	CHECK(gives(u, "httr", NULL, "R6 2.5.1, askpass 1.2.0, curl 5.2.0, "
	    "httr 1.4.7, jsonlite 1.8.8, mime 0.12, openssl 2.1.1, "
	    "sys 3.4.2", &res));
	CHECK((p = pick(&res, "httr")) != NULL &&
	    str_is(p->why, "requested (line 1)") && str_is(p->note, ""));
	CHECK((p = pick(&res, "askpass")) != NULL &&
	    str_is(p->why, "Imports of openssl 2.1.1"));
	CHECK((p = pick(&res, "sys")) != NULL &&
	    str_is(p->why, "Imports of askpass 1.2.0"));
	rv_result_free(&res);

	CHECK(gives(u, "jsonlite == 1.8.7\nmime >= 0.10, < 1", NULL,
	    "jsonlite 1.8.7, mime 0.12", &res));
	CHECK((p = pick(&res, "jsonlite")) != NULL &&
	    str_is(p->why, "pinned == 1.8.7 (line 1)"));
	CHECK((p = pick(&res, "mime")) != NULL &&
	    str_is(p->why, "requested >= 0.10, < 1 (line 2)"));
	rv_result_free(&res);

	/* LinkingTo is followed; base and recommended ones are not. */
	CHECK(gives(u, "later", NULL, "Rcpp 1.0.11, later 1.3.2, "
	    "rlang 1.1.2", &res));
	rv_result_free(&res);
	CHECK(gives(u, "shiny\n", NULL, "R6 2.5.1, Rcpp 1.0.11, "
	    "httpuv 1.6.13, jsonlite 1.8.8, later 1.3.2, magrittr 2.0.3, "
	    "mime 0.12, promises 1.2.1, rlang 1.1.2, shiny 1.8.0", &res));
	CHECK((p = pick(&res, "httpuv")) != NULL &&
	    str_is(p->why, "Imports of shiny 1.8.0"));
	rv_result_free(&res);
	rv_universe_free(u);
}

static void
test_suggests_and_none(void)
{
	struct rv_universe *u = mirror(cran, nitems(cran));
	struct rv_opts o = { RV_INC_SUGGESTS, NULL, NULL, 0 };
	struct rv_result res;
	const struct rv_pick *p;

	/*
	 * Suggests of what is requested (testthat, knitr; Cairo is not on
	 * the mirror and is skipped), not of what comes in through it:
	 * httpuv suggests testthat too, which is only here through shiny.
	 */
	CHECK(refused(u, "shiny", &o, "requirements line 1: shiny -> "
	    "knitr -> xfun (>= 0.39): the mirror has no package xfun"));
	CHECK(gives(u, "httpuv", &o, "R6 2.5.1, Rcpp 1.0.11, "
	    "httpuv 1.6.13, later 1.3.2, magrittr 2.0.3, promises 1.2.1, "
	    "rlang 1.1.2, testthat 3.2.0", &res));
	CHECK((p = pick(&res, "testthat")) != NULL &&
	    str_is(p->why, "Suggests of httpuv 1.6.13"));
	rv_result_free(&res);
	CHECK(gives(u, "later", &o, "Rcpp 1.0.11, later 1.3.2, rlang 1.1.2",
	    &res));
	rv_result_free(&res);

	o.include = RV_INC_NONE;
	CHECK(gives(u, "shiny\nhttr", &o, "httr 1.4.7, shiny 1.8.0", &res));
	rv_result_free(&res);
	rv_universe_free(u);

	{
		static const struct fx f[] = {
			{ "pkgA", "1.0", NULL, "pkgB", NULL,
			    "Cairo, pkgC (>= 1.0), BiocGenerics" },
			{ "pkgB", "1.0", NULL, NULL, NULL, "pkgC" },
			{ "pkgC", "1.0", NULL, NULL, NULL, NULL },
		};

		u = mirror(f, nitems(f));
		o.include = RV_INC_SUGGESTS;
		CHECK(gives(u, "pkgA", &o, "pkgA 1.0, pkgB 1.0, pkgC 1.0",
		    &res));
		CHECK((p = pick(&res, "pkgA")) != NULL && str_is(p->note,
		    "Suggests not on the mirror, skipped: Cairo, "
		    "BiocGenerics"));
		rv_result_free(&res);
		CHECK(gives(u, "pkgB", &o, "pkgB 1.0, pkgC 1.0", &res));
		rv_result_free(&res);
		o.include = RV_INC_DEFAULT;
		CHECK(gives(u, "pkgA", &o, "pkgA 1.0, pkgB 1.0", &res));
		CHECK((p = pick(&res, "pkgA")) != NULL && str_is(p->note, ""));
		rv_result_free(&res);
		rv_universe_free(u);
	}
}

static void
test_base_skipped(void)
{
	static const struct fx f[] = {
		{ "pkgA", "1.0", "R (>= 4.0), stats, methods", "MASS "
		    "(>= 7.3-58), Matrix, grid, survival", NULL, NULL },
		{ "MASS", "7.3-60", "grDevices, graphics, stats, utils", NULL,
		    NULL, NULL },
		{ "MASS", "7.3-55", NULL, NULL, NULL, NULL },
		{ "Matrix", "1.6-1", "methods", "grid, lattice", NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_result res;

	CHECK(gives(u, "pkgA", NULL, "pkgA 1.0", &res));
	rv_result_free(&res);
	/* Asked for by name, a recommended package is served, constrained. */
	CHECK(gives(u, "pkgA\nMASS", NULL, "MASS 7.3-60, pkgA 1.0", &res));
	rv_result_free(&res);
	CHECK(refused(u, "pkgA\nMASS < 7.3-58", NULL, "conflict: "
	    "requirements ask for MASS < 7.3-58 (line 2), but pkgA 1.0 "
	    "(required at line 1) needs MASS (>= 7.3-58)"));
	CHECK(refused(u, "pkgA\nutils", NULL, "requirements line 2: utils "
	    "is part of R, not a package of the mirror"));
	rv_universe_free(u);
}

static void
test_cycles(void)
{
	static const struct fx f[] = {
		{ "pkgA", "2.0", NULL, "pkgB", NULL, NULL },
		{ "pkgB", "1.0", NULL, "pkgA (>= 1.0), pkgC", NULL, NULL },
		{ "pkgC", "1.0", "pkgC", "pkgB", NULL, NULL },	/* itself too */
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_result res;
	const struct rv_pick *p;

	CHECK(gives(u, "pkgA", NULL, "pkgA 2.0, pkgB 1.0, pkgC 1.0", &res));
	CHECK((p = pick(&res, "pkgC")) != NULL &&
	    str_is(p->why, "Imports of pkgB 1.0"));
	rv_result_free(&res);
	CHECK(gives(u, "pkgC", NULL, "pkgA 2.0, pkgB 1.0, pkgC 1.0", &res));
	rv_result_free(&res);
	rv_universe_free(u);
}

static void
test_missing(void)
{
	static const struct fx f[] = {
		{ "shiny", "1.8.0", NULL, "httpuv (>= 1.6.5)", NULL, NULL },
		{ "httpuv", "1.6.13", NULL, "Rcpp (>= 1.0.10)", "Rcpp", NULL },
		{ "Rcpp", "1.0.9", NULL, NULL, NULL, NULL },
		{ "jsonlite", "1.8.8", NULL, NULL, NULL, NULL },
		{ "httr", "1.4.7", NULL, "jsonlite (>= 1.8.4)", NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));

	CHECK(refused(u, "# set\njsonlite\nshiny (>= 1.7)\n", NULL,
	    "requirements line 3: shiny (>= 1.7) -> httpuv (>= 1.6.5) -> "
	    "Rcpp (>= 1.0.10): the mirror has Rcpp 1.0.9 only"));
	CHECK(refused(u, "shiny == 1.8.0\nRcpp >= 1.0.10", NULL,
	    "requirements line 2: Rcpp (>= 1.0.10): the mirror has Rcpp "
	    "1.0.9 only"));
	CHECK(refused(u, "shiny\nRcpp", NULL, "requirements line 1: shiny "
	    "-> httpuv (>= 1.6.5) -> Rcpp (>= 1.0.10): the mirror has Rcpp "
	    "1.0.9 only"));
	/* Of two impossible demands, the requirements' is named. */
	CHECK(refused(u, "httpuv\nRcpp < 1.0.9", NULL, "requirements line "
	    "2: Rcpp (< 1.0.9): the mirror has Rcpp 1.0.9 only"));
	rv_universe_free(u);

	{
		static const struct fx g[] = {
			{ "pkgA", "1.0", NULL, "pkgB", NULL, NULL },
			{ "pkgB", "1.0", NULL, "pkgC (>= 2.0)", NULL, NULL },
			{ "pkgC", "2.1", NULL, "pkgD", NULL, NULL },
		};

		u = mirror(g, nitems(g));
		CHECK(refused(u, "pkgA", NULL, "requirements line 1: pkgA -> "
		    "pkgB -> pkgC (>= 2.0) -> pkgD: the mirror has no "
		    "package pkgD"));
		rv_universe_free(u);
	}
}

static void
test_long_chain(void)
{
	static char names[20][8], imports[20][16];
	static const char *const vers[] = { "1.5", "1.4", "1.3", "1.2",
	    "1.1", "1.0" };
	struct fx f[20 + nitems(vers)];
	struct rv_universe *u;
	size_t i;

	/* pk01 -> pk02 -> ... -> pk20 -> zzz, which is not there. */
	for (i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "pk%02zu", i + 1);
		snprintf(imports[i], sizeof(imports[i]), "pk%02zu", i + 2);
		f[i] = (struct fx){ names[i], "1.0", NULL, imports[i], NULL,
		    NULL };
	}
	snprintf(imports[19], sizeof(imports[19]), "zzz (>= 1)");
	for (i = 0; i < nitems(vers); i++)
		f[20 + i] = (struct fx){ "many", vers[i], NULL, NULL, NULL,
		    NULL };
	u = mirror(f, nitems(f));
	CHECK(refused(u, "pk01", NULL, "requirements line 1: pk01 -> ... -> "
	    "pk06 -> pk07 -> pk08 -> pk09 -> pk10 -> pk11 -> pk12 -> pk13 -> "
	    "pk14 -> pk15 -> pk16 -> pk17 -> pk18 -> pk19 -> pk20 -> "
	    "zzz (>= 1): the mirror has no package zzz"));
	CHECK(refused(u, "many > 2", NULL, "requirements line 1: many (> 2): "
	    "the mirror has many 1.5, 1.4, 1.3, 1.2, ... (6 versions)"));
	rv_universe_free(u);
}

static void
test_conflicts(void)
{
	static const struct fx f[] = {
		{ "jsonlite", "1.8.8", NULL, NULL, NULL, NULL },
		{ "jsonlite", "1.8.0", NULL, NULL, NULL, NULL },
		{ "httr", "1.4.7", NULL, "jsonlite (>= 1.8.4), mime", NULL,
		    NULL },
		{ "mime", "0.12", NULL, NULL, NULL, NULL },
		{ "shiny", "1.8.0", NULL, "httr, jsonlite (< 1.8.4)", NULL,
		    NULL },
		{ "plumber", "1.2.1", NULL, "jsonlite (>= 1.8.4), jsonlite "
		    "(< 1.8.2)", NULL, NULL },
		{ "pkgX", "1.0", NULL, "pkgY (!= 1.0)", NULL, NULL },
		{ "pkgY", "3.0", NULL, NULL, NULL, NULL },
		{ "pkgY", "2.0", NULL, NULL, NULL, NULL },
		{ "pkgY", "1.0", NULL, NULL, NULL, NULL },
		{ "pkgZ", "1.0", NULL, "pkgY (!= 2.0)", NULL, NULL },
		{ "pkgW", "1.0", NULL, "pkgY (!= 3.0)", NULL, NULL },
		{ "pkgV", "1.0", NULL, "pkgY (> 2.0), pkgW", NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_result res;

	CHECK(refused(u, "jsonlite == 1.8.0\nhttr", NULL, "conflict: "
	    "requirements pin jsonlite == 1.8.0 (line 1), but httr 1.4.7 "
	    "(required at line 2) needs jsonlite (>= 1.8.4)"));
	CHECK(refused(u, "shiny", NULL, "conflict: shiny 1.8.0 (required "
	    "at line 1) needs jsonlite (< 1.8.4), but httr 1.4.7 (required "
	    "at line 1 via shiny) needs jsonlite (>= 1.8.4)"));
	CHECK(refused(u, "plumber", NULL, "conflict: plumber 1.2.1 "
	    "(required at line 1) needs jsonlite (>= 1.8.4), but plumber "
	    "1.2.1 (required at line 1) needs jsonlite (< 1.8.2)"));
	/* Three constraints, any two of them possible, not all three. */
	CHECK(refused(u, "pkgX\npkgZ\npkgW", NULL, "conflict: no version "
	    "of pkgY meets all of: pkgX 1.0 (required at line 1) needs "
	    "pkgY (!= 1.0); pkgZ 1.0 (required at line 2) needs pkgY "
	    "(!= 2.0); pkgW 1.0 (required at line 3) needs pkgY (!= 3.0)"));
	CHECK(refused(u, "pkgV", NULL, "conflict: pkgV 1.0 (required at "
	    "line 1) needs pkgY (> 2.0), but pkgW 1.0 (required at line 1 "
	    "via pkgV) needs pkgY (!= 3.0)"));
	CHECK(gives(u, "pkgX\npkgW", NULL, "pkgW 1.0, pkgX 1.0, pkgY 2.0",
	    &res));
	rv_result_free(&res);
	rv_universe_free(u);
}

static void
test_repick(void)
{
	/*
	 * pkgA 2.0 is picked first and walked (pkgX); then pkgB says
	 * pkgA (< 2.0): pkgA is picked again, 1.5 walked (pkgY), and pkgX,
	 * which only pkgA 2.0 wanted, dropped.
	 */
	static const struct fx f[] = {
		{ "pkgA", "2.0", NULL, "pkgX", NULL, NULL },
		{ "pkgA", "1.5", NULL, "pkgY (>= 1.0)", NULL, NULL },
		{ "pkgA", "1.0", NULL, NULL, NULL, NULL },
		{ "pkgB", "1.0", NULL, "pkgC", NULL, NULL },
		{ "pkgC", "1.0", NULL, "pkgA (< 2.0)", NULL, NULL },
		{ "pkgX", "1.0", NULL, "pkgZ", NULL, NULL },
		{ "pkgY", "1.1", NULL, NULL, NULL, NULL },
		{ "pkgZ", "1.0", NULL, NULL, NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_result res;
	const struct rv_pick *p;

	CHECK(gives(u, "pkgA\npkgB", NULL, "pkgA 1.5, pkgB 1.0, pkgC 1.0, "
	    "pkgY 1.1", &res));
	CHECK((p = pick(&res, "pkgA")) != NULL &&
	    str_is(p->why, "requested (line 1)"));
	rv_result_free(&res);
	CHECK(gives(u, "pkgA", NULL, "pkgA 2.0, pkgX 1.0, pkgZ 1.0", &res));
	rv_result_free(&res);
	rv_universe_free(u);
}

static void
test_r_version(void)
{
	static const struct fx f[] = {
		{ "pkgP", "2.0", "R (>= 4.3), methods", "pkgQ", NULL, NULL },
		{ "pkgP", "1.9", "R (>= 4.3.1)", NULL, NULL, NULL },
		{ "pkgP", "1.0", "R (>= 4.0)", NULL, NULL, NULL },
		{ "pkgQ", "1.0", NULL, NULL, NULL, NULL },
		{ "pkgS", "1.0", "R (>= 3.5), R (< 4.1)", NULL, NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_opts o = { RV_INC_DEFAULT, "4.2.3", NULL, 0 };
	struct rv_result res;
	const struct rv_pick *p;

	CHECK(gives(u, "pkgP", &o, "pkgP 1.0", &res));
	CHECK((p = pick(&res, "pkgP")) != NULL && str_is(p->note,
	    "skipped pkgP 2.0 (needs R (>= 4.3), the target is R 4.2.3); "
	    "skipped pkgP 1.9 (needs R (>= 4.3.1), the target is R 4.2.3)"));
	rv_result_free(&res);
	CHECK(refused(u, "pkgP >= 1.5", &o, "requirements line 1: pkgP (>= "
	    "1.5): every version that fits is excluded: pkgP 2.0 needs R "
	    "(>= 4.3) and the target is R 4.2.3; pkgP 1.9 needs R (>= "
	    "4.3.1) and the target is R 4.2.3"));
	CHECK(refused(u, "pkgS", &o, "requirements line 1: pkgS: pkgS 1.0 "
	    "needs R (< 4.1) and the target is R 4.2.3"));
	/* Without a target R, R (>= x) is not looked at. */
	CHECK(gives(u, "pkgP\npkgS", NULL, "pkgP 2.0, pkgQ 1.0, pkgS 1.0",
	    &res));
	rv_result_free(&res);
	o.r_version = "4.3";
	CHECK(gives(u, "pkgP", &o, "pkgP 2.0, pkgQ 1.0", &res));
	rv_result_free(&res);
	o.r_version = "four";
	CHECK(refused(u, "pkgP", &o, "target R version \"four\" is not a "
	    "version"));
	rv_universe_free(u);
}

static void
test_blocked(void)
{
	static const struct rv_block b[] = {
		{ 4, "jsonlite", "1.8.8", "CVE-2024-0001" },
		{ 7, "mime", "", NULL },
	};
	static const struct fx f[] = {
		{ "jsonlite", "1.8.8", NULL, NULL, NULL, NULL },
		{ "jsonlite", "1.8.7", NULL, NULL, NULL, NULL },
		{ "httr", "1.4.7", NULL, "jsonlite (>= 1.8.4)", NULL, NULL },
		{ "shiny", "1.8.0", NULL, "jsonlite (>= 1.8.8)", NULL, NULL },
		{ "mime", "0.12", NULL, NULL, NULL, NULL },
		{ "mime", "0.11", NULL, NULL, NULL, NULL },
		{ "httr2", "1.0.0", NULL, "mime", NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_opts o = { RV_INC_DEFAULT, NULL, b, nitems(b) };
	struct rv_result res;
	const struct rv_pick *p;

	CHECK(gives(u, "httr", &o, "httr 1.4.7, jsonlite 1.8.7", &res));
	CHECK((p = pick(&res, "jsonlite")) != NULL && str_is(p->note,
	    "routed around blocked jsonlite 1.8.8 (rule 4: CVE-2024-0001)"));
	CHECK((p = pick(&res, "httr")) != NULL && str_is(p->note, ""));
	rv_result_free(&res);
	CHECK(refused(u, "httr\nshiny", &o, "requirements line 2: shiny -> "
	    "jsonlite (>= 1.8.8): jsonlite 1.8.8 is blocked (rule 4: "
	    "CVE-2024-0001)"));
	CHECK(refused(u, "jsonlite == 1.8.8", &o, "requirements line 1: "
	    "jsonlite (== 1.8.8): jsonlite 1.8.8 is blocked (rule 4: "
	    "CVE-2024-0001)"));
	CHECK(refused(u, "httr2", &o, "requirements line 1: httr2 -> mime: "
	    "every version that fits is excluded: mime 0.12 is blocked "
	    "(rule 7); mime 0.11 is blocked (rule 7)"));
	/* Without the rules, the newest. */
	CHECK(gives(u, "httr\nhttr2", NULL, "httr 1.4.7, httr2 1.0.0, "
	    "jsonlite 1.8.8, mime 0.12", &res));
	rv_result_free(&res);
	rv_universe_free(u);
}

static void
test_malformed_field(void)
{
	static const struct fx f[] = {
		{ "pkgA", "2.0", NULL, "pkgB (>= 1.0", NULL, NULL },
		{ "pkgA", "1.0", NULL, "pkgB", NULL, "not a (field" },
		{ "pkgB", "1.0", NULL, NULL, NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_result res;
	const struct rv_pick *p;

	/* A Suggests that does not parse only matters when followed. */
	CHECK(gives(u, "pkgA", NULL, "pkgA 1.0, pkgB 1.0", &res));
	CHECK((p = pick(&res, "pkgA")) != NULL && str_is(p->note,
	    "skipped pkgA 2.0 (its Imports field does not parse)"));
	rv_result_free(&res);
	CHECK(refused(u, "pkgA == 2.0", NULL, "requirements line 1: pkgA "
	    "(== 2.0): pkgA 2.0 has a Imports field that does not parse"));
	rv_universe_free(u);
}

static void
test_give_up(void)
{
	/*
	 * No pick of the newest admissible versions is consistent: each
	 * version of one wants the other version of the other.
	 */
	static const struct fx f[] = {
		{ "pkgA", "2.0", NULL, "pkgB", NULL, NULL },
		{ "pkgA", "1.0", NULL, "pkgB (< 2.0)", NULL, NULL },
		{ "pkgB", "2.0", NULL, "pkgA (< 2.0)", NULL, NULL },
		{ "pkgB", "1.0", NULL, "pkgA (>= 2.0)", NULL, NULL },
	};
	struct rv_universe *u = mirror(f, nitems(f));

	CHECK(refused(u, "pkgA", NULL, "gave up: pkgA was picked 37 times "
	    "and the version constraints around it do not settle (now pkgB "
	    "1.0 needs pkgA (>= 2.0))"));
	rv_universe_free(u);
}

static void
test_diff(void)
{
	static const struct fx f[] = {
		{ "pkgA", "2.0", NULL, "pkgB, pkgC, pkgD", NULL, NULL },
		{ "pkgB", "1.0", NULL, NULL, NULL, NULL },
		{ "pkgC", "1.0-1", NULL, NULL, NULL, NULL },
		{ "pkgD", "1.0", NULL, NULL, NULL, NULL },
	};
	static const char *const pkgs[] = { "pkgE", "pkgB", "pkgA", "pkgC" };
	static const char *const vers[] = { "0.1", "1.1", "1.0", "1.0.1" };
	static const char *const dup[] = { "pkgB", "pkgB" };
	static const char *const bad[] = { "1.0", "x" };
	struct rv_universe *u = mirror(f, nitems(f));
	struct rv_result res;
	struct rv_diff *d;
	size_t n;

	CHECK(gives(u, "pkgA", NULL, "pkgA 2.0, pkgB 1.0, pkgC 1.0-1, "
	    "pkgD 1.0", &res));
	CHECK(rv_diff(pkgs, vers, nitems(pkgs), &res, &d, &n) == 0);
	CHECK(n == 5);
	if (n == 5) {
		CHECK(strcmp(d[0].package, "pkgA") == 0 &&
		    d[0].change == RV_UPGRADED &&
		    strcmp(d[0].old_version, "1.0") == 0 &&
		    strcmp(d[0].new_version, "2.0") == 0 &&
		    d[0].pick == &res.picks[0]);
		CHECK(strcmp(d[1].package, "pkgB") == 0 &&
		    d[1].change == RV_DOWNGRADED);
		/* The same version, spelt otherwise: another file. */
		CHECK(strcmp(d[2].package, "pkgC") == 0 &&
		    d[2].change == RV_UPGRADED);
		CHECK(strcmp(d[3].package, "pkgD") == 0 &&
		    d[3].change == RV_ADDED && d[3].old_version[0] == '\0');
		CHECK(strcmp(d[4].package, "pkgE") == 0 &&
		    d[4].change == RV_REMOVED && d[4].pick == NULL &&
		    d[4].new_version[0] == '\0' &&
		    strcmp(d[4].old_version, "0.1") == 0);
	}
	free(d);
	CHECK(rv_diff(pkgs + 2, (const char *const []){ "2.0", "1.0" }, 2,
	    &res, &d, &n) == 0 && n == 4);
	if (n == 4)
		CHECK(d[0].change == RV_SAME && d[1].change == RV_ADDED &&
		    d[2].change == RV_UPGRADED && d[3].change == RV_ADDED);
	free(d);
	CHECK(rv_diff(dup, vers, 2, &res, &d, &n) == -1 && errno == EINVAL);
	CHECK(rv_diff(pkgs, bad, 2, &res, &d, &n) == -1 && errno == EINVAL);
	rv_result_free(&res);

	/* From nothing, everything is added; to nothing, removed. */
	res.picks = NULL;
	res.n = 0;
	CHECK(rv_diff(pkgs, vers, 1, &res, &d, &n) == 0 && n == 1 &&
	    d[0].change == RV_REMOVED);
	free(d);
	rv_universe_free(u);
}

static void
test_determinism(void)
{
	static const struct rv_block b[] = {
		{ 1, "jsonlite", "1.8.8", "CVE" },
	};
	struct fx shuffled[nitems(cran)];
	struct rv_universe *u = mirror(cran, nitems(cran)), *v;
	struct rv_opts o = { RV_INC_DEFAULT, "4.2", b, nitems(b) };
	struct rv_result r1, r2;
	char e1[sizeof(err)];
	size_t i, j;
	int same;

	/* The same answer whatever order the mirror lists its versions. */
	for (i = 0; i < nitems(cran); i++)
		shuffled[i] = cran[(i * 7 + 3) % nitems(cran)];
	v = mirror(shuffled, nitems(shuffled));
	CHECK(resolve(u, "shiny\nhttr\nknitr == 1.45", &o, &r1) == -1);
	memcpy(e1, err, sizeof(e1));
	CHECK(resolve(v, "shiny\nhttr\nknitr == 1.45", &o, &r2) == -1);
	CHECK(str_is(err, e1));
	CHECK(resolve(u, "shiny\nhttr\nsys", &o, &r1) == 0);
	CHECK(resolve(v, "sys\nshiny\nhttr", &o, &r2) == 0);
	same = r1.n == r2.n;
	for (i = 0; same && i < r1.n; i++) {
		j = i;
		same = strcmp(r1.picks[i].v->package,
		    r2.picks[j].v->package) == 0 &&
		    strcmp(r1.picks[i].v->version,
		    r2.picks[j].v->version) == 0 &&
		    strcmp(r1.picks[i].note, r2.picks[j].note) == 0;
	}
	CHECK(same);
	for (i = 1; i < r1.n; i++)
		CHECK(strcmp(r1.picks[i - 1].v->package,
		    r1.picks[i].v->package) < 0);
	rv_result_free(&r1);
	rv_result_free(&r2);
	rv_universe_free(u);
	rv_universe_free(v);
}

int
main(void)
{
	RUN(test_order);
	RUN(test_operators);
	RUN(test_requirements);
	RUN(test_deps);
	RUN(test_base);
	RUN(test_blocklist);
	RUN(test_universe);
	RUN(test_closure);
	RUN(test_suggests_and_none);
	RUN(test_base_skipped);
	RUN(test_cycles);
	RUN(test_missing);
	RUN(test_long_chain);
	RUN(test_conflicts);
	RUN(test_repick);
	RUN(test_r_version);
	RUN(test_blocked);
	RUN(test_malformed_field);
	RUN(test_give_up);
	RUN(test_diff);
	RUN(test_determinism);
	TEST_EXIT();
}
