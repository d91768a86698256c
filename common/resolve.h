/*
 * resolve: validated package sets.  A curated repository serves exactly
 * a requirements list plus its dependency closure, resolved against one
 * snapshot of a CRAN mirror (the universe: every version the snapshot
 * holds, current and archived).
 *
 * The resolution is greedy, as install.packages is: every needed package
 * gets the newest version that satisfies every constraint on it (from the
 * requirements and from the dependency fields of the other picks), is not
 * blocked and accepts the target R.  It does not try older versions of a
 * package to please its dependencies: when the newest admissible version
 * of shiny needs an Rcpp the mirror lacks, the set is refused with that
 * chain, and whoever curates it pins shiny.  The master runs this, but
 * dependency fields come from package DESCRIPTIONs: they are parsed with
 * bounds and fuzzed (tests/fuzz/fuzz_resolve.c).
 */
#ifndef AIRLOCK_RESOLVE_H
#define AIRLOCK_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#define RV_NAME_MAX	128	/* pkg_name_valid's limit */
#define RV_VERSION_MAX	64	/* pkg_version_valid's limit */
#define RV_MAX_CONS	4	/* constraints on one requirement or rule */
#define RV_MAX_DEPS	1000	/* entries of one dependency field */
#define RV_MAX_REQS	10000	/* lines of a requirements list */

enum rv_op { RV_ANY = 0, RV_EQ, RV_GE, RV_GT, RV_LE, RV_LT, RV_NE };

/* One constraint: op and the version it compares with ("" for RV_ANY). */
struct rv_cons {
	enum rv_op op;
	char version[RV_VERSION_MAX + 1];
};

/*
 * Whether version satisfies c, by R's package_version ordering (so
 * "== 1.0.1" holds for 1.0-1).  A version that is not one (digits with
 * '.' or '-' between them) satisfies nothing, not even RV_ANY.
 */
int rv_satisfies(const char *version, const struct rv_cons *c);
/* "==" ... "!=", "" for RV_ANY. */
const char *rv_op_str(enum rv_op op);

/*
 * A dependency field as R's tools split it: entries separated by ',',
 * each "name" or "name (op version)" with any whitespace (newlines and
 * tabs of folded fields too) around the parts; empty entries (a trailing
 * comma) are skipped.  R's own entry is kept, with the name "R"; other
 * names must be valid package names.  Returns 0 with a new array in
 * *deps (NULL when there are none; caller frees), or -1 with errno
 * EINVAL on anything malformed (nothing allocated), E2BIG past
 * RV_MAX_DEPS entries, ENOMEM.  NULL is an empty field.
 */
struct rv_dep {
	char name[RV_NAME_MAX + 1];
	struct rv_cons c;
};
int rv_parse_deps(const char *field, struct rv_dep **deps, size_t *n);

/* Base packages (part of R) and recommended ones (shipped with it). */
int rv_is_base(const char *name);

/*
 * One version the mirror snapshot holds.  The strings are borrowed from
 * the caller and must outlive the universe; absent fields are NULL.
 */
struct rv_version {
	int64_t id;
	const char *package, *version;
	const char *depends, *imports, *linking_to, *suggests;
};

/*
 * The versions indexed by package, newest first.  rv_universe_new copies
 * the array, not the strings; it leaves out entries whose name or version
 * is not valid (they could not be served either) and repeats of the same
 * package and version (keeping the lowest id).  NULL on ENOMEM.
 */
struct rv_universe;
struct rv_universe *rv_universe_new(const struct rv_version *v, size_t n);
void rv_universe_free(struct rv_universe *u);

/*
 * A requirements list: one package a line, optionally constrained:
 * "pkg", "pkg == 1.2.3", "pkg >= 1.2, < 2" (or "pkg (>= 1.2)", as a
 * DESCRIPTION writes it); '#' starts a comment; blank lines are skipped.
 * A package named twice has its constraints merged into its first entry
 * (at most RV_MAX_CONS in all; a pin the other constraints rule out is
 * refused).  Returns 0 with a new array in *reqs (caller frees with
 * rv_reqs_free), or -1 with "line N: what is wrong" in err.
 */
struct rv_req {
	char *package;
	struct rv_cons c[RV_MAX_CONS];
	int nc;
	int line;		/* of its first mention, from 1 */
};
int rv_parse_requirements(const char *text, size_t len, struct rv_req **reqs,
    size_t *n, char *err, size_t errlen);
void rv_reqs_free(struct rv_req *r, size_t n);

/*
 * A blocklist rule: versions is NULL or "" for every version, otherwise
 * up to RV_MAX_CONS constraints that must all hold ("< 1.0.0",
 * ">= 2.0, < 2.1"; a bare "1.8.8" means "== 1.8.8").
 */
struct rv_block {
	int64_t id;
	const char *package;
	const char *versions;
	const char *reason;
};
int rv_block_valid(const char *versions, char *err, size_t errlen);
/*
 * The first rule that blocks this version, or NULL.  A rule whose
 * versions do not parse blocks every version of its package: a broken
 * rule must not let through what it was meant to stop.
 */
const struct rv_block *rv_blocked(const struct rv_block *b, size_t nb,
    const char *package, const char *version);

/*
 * Which dependency fields are followed.  RV_INC_SUGGESTS adds Suggests
 * of the requested packages only, as install.packages(dependencies =
 * TRUE) does (Suggests of everything would pull in half of CRAN); a
 * suggested package the mirror lacks is skipped with a note, as
 * Suggests may name other repositories.
 */
enum rv_include { RV_INC_DEFAULT, RV_INC_SUGGESTS, RV_INC_NONE };

struct rv_opts {
	enum rv_include include;
	const char *r_version;	/* target R; NULL: R (>= x) is ignored */
	const struct rv_block *blocks;
	size_t nblocks;
};

struct rv_pick {
	const struct rv_version *v;	/* in the universe's copy */
	char why[512];	/* "requested (line 3)", "Imports of httr 1.4.7" */
	/* "", or "routed around blocked jsonlite 1.8.8 (rule 4: ...)" */
	char note[512];
};

/* Sorted by package name (byte order); borrows from the universe. */
struct rv_result {
	struct rv_pick *picks;
	size_t n;
};

/*
 * Resolves reqs against u: 0 with *res, or -1 with err naming the chain
 * that fails ("requirements line 3: shiny (>= 1.7) -> httpuv (>= 1.6.5)
 * -> Rcpp (>= 1.0.10): the mirror has Rcpp 1.0.9 only").  Base packages
 * are never pulled in, recommended ones only when requested.  When a
 * constraint found later rules out an earlier pick, that package is
 * picked again and what it needs walked again; if the picks do not
 * settle (versions that need each other's older versions in a circle)
 * it gives up and says where.  Deterministic: the same input gives the
 * same result and the same messages.
 */
int rv_resolve(const struct rv_universe *u, const struct rv_req *reqs,
    size_t nreqs, const struct rv_opts *o, struct rv_result *res, char *err,
    size_t errlen);
void rv_result_free(struct rv_result *r);

/*
 * The change from the current set (package, version pairs, any order) to
 * a result, sorted by package.  -1 with errno EINVAL for a package named
 * twice or a name or version that is not valid, ENOMEM.
 */
enum rv_change { RV_ADDED, RV_REMOVED, RV_UPGRADED, RV_DOWNGRADED, RV_SAME };

struct rv_diff {
	char package[RV_NAME_MAX + 1];
	char old_version[RV_VERSION_MAX + 1];	/* "" when added */
	char new_version[RV_VERSION_MAX + 1];	/* "" when removed */
	enum rv_change change;
	const struct rv_pick *pick;	/* NULL when removed */
};
int rv_diff(const char *const *cur_pkgs, const char *const *cur_vers,
    size_t ncur, const struct rv_result *res, struct rv_diff **d, size_t *n);

#endif
