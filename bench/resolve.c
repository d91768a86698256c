/*
 * bench/resolve: the resolver on a generated mirror the size of CRAN
 * with its archive (24,000 packages, 1 to 3 versions each), closing over
 * 100 requested packages.  Times rv_universe_new + rv_resolve together,
 * as the master runs them for each validated set, over RUNS runs.
 *
 * Package i depends on up to 6 packages of lower index, drawn towards
 * the low indices as CRAN's dependencies go to a few popular packages
 * (Rcpp, rlang, ...), some with a (>= x) every target version meets, so
 * that the set resolves.  The generator is a fixed PRNG: every run of
 * the program measures the same mirror.
 *
 * It is a benchmark, not a test: it prints the figures and exits 0
 * whenever the measurement could be made, whatever they are.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolve.h"

#define NPKG		24000
#define NREQ		100
#define RUNS		20
#define MAXDEPS		6
#define GOAL_MS		50.0

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* splitmix64 */
static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
below(uint32_t n)
{
	return (uint32_t)(next() % n);
}

static double
unit(void)
{
	return (double)(next() >> 11) / (double)(1ull << 53);
}

static char *
xstrdup(const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL) {
		perror("strdup");
		exit(1);
	}
	return d;
}

/* The versions of package i, oldest first: "k.m.0". */
static void
version_of(uint32_t i, uint32_t k, char *dst, size_t n)
{
	snprintf(dst, n, "%u.%u.%u", 1 + i % 3, k * 2 + (i % 5), k);
}

/* Fills v with every version of every package; returns how many. */
static size_t
generate(struct rv_version *v, uint32_t *nver)
{
	char name[16], ver[32], imports[512], linking[128], tv[32];
	size_t n = 0, len, llen;
	uint32_t i, k, d, nd, t;

	for (i = 0; i < NPKG; i++)
		nver[i] = 1 + below(3);
	for (i = 0; i < NPKG; i++) {
		snprintf(name, sizeof(name), "pkg%05u", i);
		for (k = 0; k < nver[i]; k++) {
			version_of(i, k, ver, sizeof(ver));
			len = llen = 0;
			imports[0] = linking[0] = '\0';
			nd = i == 0 ? 0 : below(MAXDEPS + 1);
			for (d = 0; d < nd; d++) {
				/* Towards the popular, low indices. */
				t = (uint32_t)(i * unit() * unit() * unit());
				/* A version it has: the newest meets it. */
				version_of(t, below(nver[t]), tv, sizeof(tv));
				if (below(3) == 0)
					len += (size_t)snprintf(imports + len,
					    sizeof(imports) - len,
					    "%spkg%05u (>= %s)",
					    len ? ",\n    " : "", t, tv);
				else
					len += (size_t)snprintf(imports + len,
					    sizeof(imports) - len, "%spkg%05u",
					    len ? ",\n    " : "", t);
				if (below(8) == 0 && llen < 64)
					llen += (size_t)snprintf(linking +
					    llen, sizeof(linking) - llen,
					    "%spkg%05u", llen ? ", " : "", t);
			}
			v[n].id = (int64_t)n + 1;
			v[n].package = xstrdup(name);
			v[n].version = xstrdup(ver);
			v[n].depends = xstrdup(below(2) ? "R (>= 3.5.0)" :
			    "R (>= 4.0), methods, stats");
			v[n].imports = len ? xstrdup(imports) : NULL;
			v[n].linking_to = llen ? xstrdup(linking) : NULL;
			v[n].suggests = below(2) ? xstrdup("testthat (>= "
			    "3.0.0), knitr, rmarkdown") : NULL;
			n++;
		}
	}
	return n;
}

static double
ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(void)
{
	static struct rv_version v[NPKG * 3];
	static uint32_t nver[NPKG];
	struct rv_req reqs[NREQ];
	struct rv_opts o = { RV_INC_DEFAULT, "4.3.2", NULL, 0 };
	struct rv_universe *u;
	struct rv_result res;
	struct timespec t0;
	double ms[RUNS];
	char err[1024], name[16];
	size_t nv, i, picked = 0;
	int r;

	nv = generate(v, nver);
	memset(reqs, 0, sizeof(reqs));
	for (i = 0; i < NREQ; i++) {
		snprintf(name, sizeof(name), "pkg%05u", below(NPKG));
		reqs[i].package = xstrdup(name);
		reqs[i].line = (int)i + 1;
	}
	for (r = 0; r < RUNS; r++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((u = rv_universe_new(v, nv)) == NULL) {
			perror("rv_universe_new");
			return 1;
		}
		if (rv_resolve(u, reqs, NREQ, &o, &res, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "resolve: %s\n", err);
			return 1;
		}
		ms[r] = ms_since(&t0);
		picked = res.n;
		rv_result_free(&res);
		rv_universe_free(u);
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
	printf("resolve: %d requested, %zu picked, universe %d packages / "
	    "%zu versions: best %.1f ms, median %.1f ms (goal < %.0f ms)\n",
	    NREQ, picked, NPKG, nv, ms[0],
	    (ms[RUNS / 2 - 1] + ms[RUNS / 2]) / 2, GOAL_MS);
	return 0;
}
