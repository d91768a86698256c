/* pkg: R package names and versions, as R's tools validate and order them. */
#ifndef AIRLOCK_PKG_H
#define AIRLOCK_PKG_H

/* R's valid_package_name: a letter, then letters, digits, dots; not ending in a dot. */
int pkg_name_valid(const char *s);
/* R's valid_package_version: ([0-9]+[.-]){1,}[0-9]+, at most 64 bytes. */
int pkg_version_valid(const char *s);
/*
 * Orders two valid versions as R's package_version does: numeric
 * components split at '.' and '-', compared as numbers, a prefix before
 * a longer version (1.0 < 1.0.1; 1.10 > 1.9; 1.0-1 == 1.0.1).
 */
int pkg_version_cmp(const char *a, const char *b);
/*
 * Orders package names as R orders the file names of a repository in a
 * UTF-8 locale (list.files, through ICU): '.' and digits before letters,
 * letters ignoring case, then lower case before upper case.  That is the
 * order of write_PACKAGES' entries.
 */
int pkg_name_collate(const char *a, const char *b);
/*
 * A repository name, as URLs and bundles carry it: 1 to 64 letters,
 * digits, '.', '_' or '-', not starting with '.', '_' or '-', and not
 * "latest".
 */
int pkg_repo_name_valid(const char *s);
/* Whether name is "<Package>_<Version>.tar.gz" for these two. */
int pkg_file_matches(const char *file, const char *package,
    const char *version);

/*
 * Package types, as R's contrib.url names the trees of a repository:
 *   source                   src/contrib                  .tar.gz
 *   win.binary:X.Y           bin/windows/contrib/X.Y      .zip
 *   mac.binary:X.Y           bin/macosx/contrib/X.Y       .tgz
 *   mac.binary.SUB:X.Y       bin/macosx/SUB/contrib/X.Y   .tgz
 * X.Y is the R version the binaries are built for (R's major and the
 * first part of its minor); SUB is CRAN's macOS build name
 * ("big-sur-arm64", "big-sur-x86_64", "sonoma-arm64"...): 1 to 40 of
 * [a-z0-9_-], starting with a letter or digit.
 */
enum pkg_kind { PKG_SOURCE, PKG_WIN_BINARY, PKG_MAC_BINARY };

#define PKG_TREE_MAX 80		/* "bin/macosx/<40>/contrib/XX.YY" fits */
#define PKG_TREE_SOURCE "src/contrib"

struct pkg_type {
	enum pkg_kind kind;
	char r[8];		/* "4.4"; empty for source */
	char sub[41];		/* the macOS build name, or empty */
	char tree[PKG_TREE_MAX];
	char spec[PKG_TREE_MAX];	/* "source", "win.binary:4.4"... */
};

/* From "source" or "TYPE:X.Y" as above: 0, or -1 (EINVAL). */
int pkg_type_parse(const char *spec, struct pkg_type *t);
/* From a tree path as above ("src/contrib", "bin/windows/contrib/4.4"). */
int pkg_type_from_tree(const char *tree, struct pkg_type *t);
/* ".tar.gz", ".zip" or ".tgz". */
const char *pkg_type_ext(enum pkg_kind kind);
/*
 * Whether a binary's Built field ("R 4.4.1; x86_64-w64-mingw32;
 * 2024-06-14 12:00:00 UTC; windows", as R CMD INSTALL writes it) fits
 * the type: built by R X.Y, for Windows ("windows") or for macOS
 * ("unix" on an *-apple-darwin* platform, aarch64 for a build name with
 * "arm64", x86_64 for one with "x86_64").  A package without compiled
 * code has an empty platform, which fits any.  Untrusted input: 1, or 0
 * with the reason in err.
 */
int pkg_built_fits(const struct pkg_type *t, const char *built, char *err,
    size_t errlen);
/* Whether file is "<Package>_<Version><ext>" for the type's extension. */
int pkg_type_file_matches(const struct pkg_type *t, const char *file,
    const char *package, const char *version);

#endif
