/*
 * packages: the entries of a repository index (src/contrib/PACKAGES and
 * PACKAGES.rds) built from a package's DESCRIPTION fields, with exactly
 * the fields, order and values of R's
 * tools::write_PACKAGES(type = "source", addFiles = TRUE).
 *
 * What R does around one entry, which is the caller's part:
 *  - It indexes the files named <pkg>_<anything>.tar.<anything> in the
 *    directory, in list.files() order: sorted by file name (not package
 *    name) with the collation of R's LC_COLLATE: byte order under C or
 *    POSIX, otherwise ICU's (in C.UTF-8 and en_US.UTF-8 alike, ICU's
 *    root collation: punctuation before digits before letters, '_'
 *    before '-' before '.', case ignored but lowercase first on a tie).
 *  - Of the files of one package it keeps the highest Version
 *    (package_version order); on a tie, the first in that order.  The
 *    entry stays where that file sorted.
 *  - A file whose DESCRIPTION R cannot read is left out (dcf_parse fails
 *    where R does); an empty directory writes no index at all.
 *  - The file has no blank line after the last entry.
 */
#ifndef AIRLOCK_PACKAGES_H
#define AIRLOCK_PACKAGES_H

#include "buf.h"
#include "dcf.h"

#define PACKAGES_NFIELDS 16

/*
 * The columns of PACKAGES.rds and the order of PACKAGES fields:
 * colnames(readRDS("PACKAGES.rds")), PACKAGES_NFIELDS of them.  R saves
 * the matrix with rownames set to the Package column.
 */
extern const char *const packages_fields[];
extern const size_t packages_nfields;

/*
 * The record R's index holds for a DESCRIPTION (desc, as dcf_parse gives
 * it), before MD5sum and File: the fields of packages_fields that desc
 * has, in that order, with two changes R makes:
 *  - License becomes R's standardization of it (tools:::analyze_license:
 *    "GPL (>=2)" → "GPL (>= 2)", "MIT+file LICENSE" → "MIT + file
 *    LICENSE", "GPL version 2" → "GPL-2"), and is left out when R cannot
 *    standardize it;
 *  - NeedsCompilation, when desc lacks it, is "yes" if the tarball has a
 *    directory member "<pkg>/src/" (has_src; R looks for that exact
 *    entry in tar's listing, not for files under it), else "no".
 * Fills rec (need not be initialized; dcf_free it).  Call it once, on the
 * DESCRIPTION: the standardization is not idempotent ("X11 (http://…)"
 * becomes "X11", which R does not standardize again).
 * Returns 0, or -1 with the reason in err when the package must be
 * refused because R's write_PACKAGES would stop on it (so no index at
 * all) or would write a broken entry: a License R's license analysis
 * fails on, a value R writes as a bare "NA" line, or one it writes with
 * a line of blanks inside (which ends the entry for every reader).
 */
int packages_prepare(const struct dcf *desc, int has_src, struct dcf *rec,
    char *err, size_t errlen);

/*
 * packages_prepare's changes made to the DESCRIPTION itself, for callers
 * that keep all its fields and later build rows from them (the inspect
 * role, which knows has_src, before it hands the fields on): License
 * replaced by its standardization or removed, NeedsCompilation added
 * when absent; the other fields untouched.  Once only, as above.
 * has_src -1 (a binary package: its src/ is compiled away) leaves a
 * missing NeedsCompilation missing, here and in packages_prepare.
 * Returns 0, or -1 with the reason in err (refuse the package; d may
 * then be half changed).
 */
int packages_normalize(struct dcf *d, int has_src, char *err,
    size_t errlen);

/*
 * R's standardization of a License value: *std is a new string (free it)
 * or NULL when R leaves the column NA.  -1 with the reason in err when R
 * would stop or may (bytes that are not UTF-8, unless a '+' or blanks at
 * either end make R rewrite them as "<xx>"; a standardizable License
 * with a component R's regex accepts only through its unescaped '.',
 * such as "LGPL-2x1"), or when it would standardize one with a Unicode
 * space character, which is not reproduced here.
 */
int packages_license(const char *license, char **std, char *err,
    size_t errlen);

/*
 * The index entry of one package version: desc is packages_prepare's
 * record, or a DESCRIPTION that went through packages_normalize (a raw
 * one would give its License unstandardized and may lack
 * NeedsCompilation), md5 the tarball's MD5 in hex, file its file name
 * (for the File field).  Fills row[i] (borrowed from desc or from md5 and file, NULL for NA;
 * an empty value is NA, as R makes it) for each of packages_fields, as
 * R's db matrix has them.  No allocation.  -1 (EINVAL) without md5 or
 * file.
 */
int packages_row(const struct dcf *desc, const char *md5, const char *file,
    const char **row);
/*
 * Appends the PACKAGES text of one row: its non-NA fields, each as
 * dcf_put_field writes it, preceded by the blank line that separates
 * entries unless out is still empty.  On error out is as it was.
 */
int packages_put_entry(struct buf *out, const char *const *row);

#endif
