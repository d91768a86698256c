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

#endif
