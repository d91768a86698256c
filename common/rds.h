/*
 * rds: a writer of R's serialization format (what saveRDS writes and
 * readRDS reads): format version 3, XDR, no compression here (callers
 * gzip it).  Enough of R's object model for repository indexes: NULL,
 * logical, integer, double and character vectors (with NA), generic
 * vectors (lists), and attributes (names, dim, dimnames, class,
 * row.names).  Objects are written depth-first: a vector's header, then
 * its elements, then its attributes, as R's serialize.c does, so that
 * the bytes are those R writes for the same object.
 *
 * A stream is rds_header followed by exactly one object, and rds_end.
 * R numbers the symbols (attribute names) of a stream and writes a
 * reference for one it has written before; to do the same, rds.c keeps
 * per-stream state, found by the struct buf it writes to: rds_header
 * starts it, rds_end forgets it.  While a stream is open, only rds_*
 * calls may append to that buf (nor may it be reset or compacted).
 * RDS_STREAMS streams may be open at once; starting one more forgets the
 * oldest, whose next call then fails.  Not thread-safe: the state is
 * per process, which suits airlock's single-threaded roles.
 *
 * Every call checks that it fits where it comes in the stream (an
 * element where one is due, attributes only where announced, "class" only
 * on a vector declared RDS_CLASS), and returns 0, or -1 with errno:
 * EINVAL for a call out of place, a bad argument or no open stream,
 * EOVERFLOW for a length R cannot read (over 2^31-1), EILSEQ for a
 * string that is not UTF-8, E2BIG for nesting deeper than RDS_DEPTH,
 * ENOBUFS when b is full.  The first error fails the stream for good:
 * later calls, and rds_end, fail with the same errno, so a caller may
 * check every call or only rds_end.
 */
#ifndef AIRLOCK_RDS_H
#define AIRLOCK_RDS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define RDS_STREAMS	4	/* streams open at once */
#define RDS_DEPTH	32	/* open vectors and attribute lists, nested */

#define RDS_NA_INTEGER	INT32_MIN
/*
 * R's NA for doubles: a NaN with 1954 in its low word (R tells it from
 * NaN by that word alone).  A function, as C has no NaN constant with a
 * payload; rds_real_vec writes any such NaN with R's exact bits.
 */
#define RDS_NA_REAL	rds_na_real()
double rds_na_real(void);

/*
 * The nattr argument of the vector functions: 0 when no attributes
 * follow the elements; RDS_ATTR when some do (then write each with
 * rds_attr and its value, and end with rds_attr_end); RDS_CLASS when they
 * include "class", which R marks with the vector's object bit (what S3
 * dispatch and identical() look at) in the header written before it.
 */
#define RDS_ATTR	1
#define RDS_CLASS	3

/*
 * The stream header: "X\n", format 3, the writer's R version (4.2.2, a
 * fixed value readRDS does not check), the oldest R that can read it
 * (3.5.0), and the native encoding "UTF-8".  Starts a stream on b.
 */
int rds_header(struct buf *b);
/*
 * Ends the stream on b (and forgets it): 0 if it holds one complete
 * object, else -1.
 */
int rds_end(struct buf *b);

int rds_null(struct buf *b);
/*
 * Starts a character vector of n elements: write each with rds_str;
 * nattr as above.
 */
int rds_begin_str(struct buf *b, size_t n, int nattr);
/*
 * One element of a character vector: s in UTF-8, NULL for NA.  Marked
 * as R marks it: ASCII when it is, else UTF-8.
 */
int rds_str(struct buf *b, const char *s);
/* Starts a list of n elements: write each as any object. */
int rds_begin_list(struct buf *b, size_t n, int nattr);
/* Whole vectors; NA is RDS_NA_INTEGER (also for logicals), RDS_NA_REAL. */
int rds_int_vec(struct buf *b, const int32_t *v, size_t n, int nattr);
int rds_real_vec(struct buf *b, const double *v, size_t n, int nattr);
/* Logicals: 0 is FALSE, RDS_NA_INTEGER is NA, anything else TRUE. */
int rds_lgl_vec(struct buf *b, const int32_t *v, size_t n, int nattr);
/* An attribute's tag (not "" nor NULL); its value follows as any object. */
int rds_attr(struct buf *b, const char *name);
/* Ends an attribute list, which must have at least one attribute. */
int rds_attr_end(struct buf *b);

/*
 * The PACKAGES.rds object of tools::write_PACKAGES: a character matrix
 * nrow x ncol, cells in row major order (NULL = NA), with dim and
 * dimnames list(<the "Package" column>, colnames), since write_PACKAGES
 * sets rownames(db) <- db[, "Package"] before saving.  Without a
 * "Package" column, or with no rows, the row names are NULL, as R's
 * dimnames<- leaves them (R writes no PACKAGES.rds for an empty
 * repository at all).  An object: call rds_header before it.
 */
int rds_char_matrix(struct buf *b, const char *const *cells, size_t nrow,
    size_t ncol, const char *const *colnames);

/*
 * CRAN's src/contrib/Meta/archive.rds, which remotes::install_version,
 * pak and pkgcache read to find old versions: a list named by package of
 * data.frames as file.info() returns them, one row per archived tarball
 * with row.names its path below the Archive directory, split() by
 * package.  Clients read the row names and mtime (and size); the other
 * columns have fixed values rather than those of airlock's own files:
 * isdir FALSE, mode 0644 (class "octmode"), ctime and atime equal to
 * mtime (class c("POSIXct", "POSIXt"), no time zone), uid and gid 0,
 * uname and grname "root".  Attributes in split()'s order: names,
 * row.names, class.
 */
struct rds_archive_file {
	const char *package;
	const char *path;	/* "pkg/pkg_1.0.tar.gz" */
	double size;
	int64_t mtime;		/* seconds since the epoch */
};

/*
 * The archive.rds object for files, grouped by package (each package's
 * files adjacent), written in the order given.  Refuses (EINVAL) a path
 * not below its package's directory, a package in two groups, or a path
 * given twice.  No files give R's "named list()".  An object: call
 * rds_header before it.
 */
int rds_archive(struct buf *b, const struct rds_archive_file *files,
    size_t n);

#endif
