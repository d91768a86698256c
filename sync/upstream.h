/*
 * upstream: the index of the repository sync mirrors (src/contrib/PACKAGES
 * of a CRAN-like site) and what is derived from it: dependency closures
 * and the file name of each package.  The index comes from the network
 * and is untrusted: every input is bounded, and upstream_parse is fuzzed
 * (tests/fuzz/fuzz_upstream.c).
 */
#ifndef AIRLOCK_UPSTREAM_H
#define AIRLOCK_UPSTREAM_H

#include <stddef.h>

#include "buf.h"

#define UPSTREAM_MAX_RECORDS	100000
#define UPSTREAM_MAX_FIELD	(64 * 1024)		/* bytes of one value */
#define UPSTREAM_MAX_INDEX	(64 * 1024 * 1024)	/* PACKAGES, unpacked */

struct upstream_pkg {
	char *package, *version;
	char *md5;		/* MD5sum field, 32 hex (lower case), or NULL */
	char *sha256;		/* SHA256 field, 64 hex (lower case), or NULL */
	long long size;		/* Size field (some mirrors have it), or -1 */
	char *depends, *imports, *linking_to, *suggests; /* raw, or NULL */
	char *path;		/* Path field (subdirectory), or NULL */
};

struct upstream_index {
	struct upstream_pkg *v;	/* sorted by package name (bytes), unique */
	size_t n;
};

/*
 * Parses a PACKAGES file (already decompressed): records are read as
 * dcf_parse reads one DESCRIPTION (so as R's read.dcf reads them), at most
 * UPSTREAM_MAX_RECORDS of them, each value at most UPSTREAM_MAX_FIELD
 * bytes.  Every record needs a valid Package and Version; MD5sum, SHA256
 * and Size are checked when present, and so are the package names of
 * Depends, Imports, LinkingTo and Suggests (upstream_deps).  Of the
 * records of one package the highest Version is kept, the first one on a
 * tie, as R's available.packages() does.  An empty file is an empty index.
 * Returns 0, or -1 with "record N (line L): what is wrong" in err and ix
 * left empty.  ix need not be initialized.
 */
int upstream_parse(const char *data, size_t len, struct upstream_index *ix,
    char *err, size_t errlen);
void upstream_free(struct upstream_index *ix);

/*
 * Decompresses PACKAGES.gz (gzip, one or more members) onto the end of
 * out, at most UPSTREAM_MAX_INDEX bytes of it (out's own max applies as
 * well).  0, or -1 with err and out as it was.
 */
int upstream_gunzip(const unsigned char *gz, size_t len, struct buf *out,
    char *err, size_t errlen);

/*
 * The package names of a dependency field ("R (>= 4.0), pkgA (>= 1.2),
 * pkgB"), without their version constraints and without "R", appended
 * to *names (*names and *n may start as NULL and 0; the caller frees
 * each name and the array).  Empty entries (a trailing comma) are
 * skipped.  -1 with errno EINVAL when an entry is not a valid package
 * name with an optional "(op version)", ENOMEM; *n and the names are
 * then as they were (the array may have moved; NULL if it was empty).
 */
int upstream_deps(const char *field, char ***names, size_t *n);

/*
 * Whether name is a base or recommended package, which ships with R and
 * is not mirrored as a dependency.
 */
int upstream_is_base(const char *name);
/* Whether name is one of the recommended packages (a subset of base). */
int upstream_is_recommended(const char *name);

/*
 * The packages to mirror for wanted: their closure over Depends, Imports
 * and LinkingTo, and with with_suggests also the Suggests of the wanted
 * packages themselves (one level, as install.packages(dependencies =
 * TRUE) does; what they need is followed over the hard fields only).
 * Base packages and "R" are left out, and so are recommended packages
 * unless wanted names them and ix has them (as common/resolve.c treats
 * them: they come with R).  *out gets indexes into ix->v,
 * sorted and unique; names that are neither in ix nor base go to
 * *missing, sorted and unique.  The caller frees *out, and *missing with
 * its names.  0, or -1 (errno: ENOMEM, or EINVAL for a dependency field
 * upstream_deps refuses, which upstream_parse never lets in) with all
 * four outputs empty.
 */
int upstream_closure(const struct upstream_index *ix, char *const *wanted,
    size_t nwanted, int with_suggests, size_t **out, size_t *nout,
    char ***missing, size_t *nmissing);

/*
 * The file of a record relative to src/contrib: "<package>_<version>.tar.gz",
 * after "<Path>/" when Path is set.  Refuses (-1, errno EINVAL) a Path
 * with "..", a leading "/", an empty or "." component, or bytes outside
 * [A-Za-z0-9._/-], and an invalid name or version; ENAMETOOLONG when out
 * is too small.
 */
int upstream_file(const struct upstream_pkg *p, char *out, size_t outsz);
/* The same relative to a binary tree, with its extension (".zip"). */
int upstream_file_ext(const struct upstream_pkg *p, const char *ext,
    char *out, size_t outsz);

#endif
