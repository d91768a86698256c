/*
 * dcf: Debian Control File records as R reads and writes them: the
 * DESCRIPTION of a package (untrusted: parsed only in a sandboxed role)
 * and the entries of src/contrib/PACKAGES (written by the master from
 * fields it stored).  Reading follows R's read.dcf as tools' package
 * database code calls it; writing follows write.dcf as write_PACKAGES
 * calls it, so that our PACKAGES is byte-identical to R's.  R 4.2 is the
 * reference, run in a UTF-8 locale with the default options(width = 80).
 */
#ifndef AIRLOCK_DCF_H
#define AIRLOCK_DCF_H

#include <stddef.h>

#include "buf.h"

#define DCF_MAX_FIELDS	256
#define DCF_MAX_SIZE	(1024 * 1024)	/* bytes of input dcf_parse takes */

struct dcf_field {
	char *name;
	char *value;
};

struct dcf {
	struct dcf_field *fields;	/* in the order they appear */
	size_t n;
};

/*
 * Parses the first record of in (a DESCRIPTION file): "Name: value" lines,
 * continuation lines, whitespace as read.dcf treats it, CRLF line ends,
 * NUL bytes refused, at most DCF_MAX_FIELDS fields, a repeated field
 * refused.  Values are returned as bytes (no re-encoding).  Returns 0, or
 * -1 with "line N: what is wrong" in err.
 *
 * As R: lines end at LF, CRLF or a lone CR; a line of spaces and tabs
 * only ends the record; a line starting with a space or tab continues
 * the field before it; any other line needs a ':' after at least one
 * byte, the name being what comes before the first ':'.  There are no
 * comments.  Later records are checked too (R refuses the whole file
 * when one of them is malformed) but not kept.
 *
 * Values: the fields of the repository index (Package, Version, Depends
 * and the other fields write_PACKAGES reads) get exactly the bytes
 * write_PACKAGES' read.dcf(fields = ...) gives; the others what
 * tools:::.read_description gives, which keeps the whitespace of
 * Description, Authors@R, Author, Built and Packaged.  Folded fields
 * lose the blanks around each line; lines are joined with "\n"; a
 * continuation line " ." is an empty line.  Input compressed with gzip,
 * bzip2 or xz (which R would silently decompress) is refused.
 *
 * d need not be initialized; on error it is left empty.
 */
int dcf_parse(const struct buf *in, struct dcf *d, char *err, size_t errlen);
/* The value of a field, NULL when absent. */
const char *dcf_get(const struct dcf *d, const char *name);
/* Adds a field (copies both strings); -1 on allocation failure. */
int dcf_add(struct dcf *d, const char *name, const char *value);
/*
 * Replaces the value of a field, adding it when absent; value NULL
 * removes it.  Copies; -1 on allocation failure.
 */
int dcf_set(struct dcf *d, const char *name, const char *value);
void dcf_free(struct dcf *d);

/*
 * Appends "Name: value\n" with value folded as R's write.dcf folds it
 * (formatDL, strwrap): words split at spaces, tabs and newlines and
 * filled into lines of at most 71 columns, continuation lines indented by
 * 8 spaces, a double space kept after a sentence end, empty lines written
 * as " .".  Columns are R's display widths (East Asian wide characters
 * count 2, combining marks 0); bytes that are not UTF-8 are written as
 * "<xx>", as R does in a UTF-8 locale.  -1 with errno EILSEQ for a value
 * R cannot write at all (a UTF-8-like sequence above U+10FFFF, which R
 * writes as a bare "NA" line), ENOBUFS when out is full.
 */
int dcf_put_field(struct buf *out, const char *name, const char *value);

/*
 * The fields on the wire between roles: u32 count, then name and value
 * strings.  dcf_unpack refuses more than DCF_MAX_FIELDS, names over 256
 * bytes, values over 64 KiB, empty and repeated names (it reads what a
 * less trusted role sends: fuzzed through fuzz_ipc).
 */
int dcf_pack(const struct dcf *d, struct buf *b);
int dcf_unpack(struct buf *b, struct dcf *d);

/*
 * Line ends as R's file connections read them (Rconn_fgetc): CRLF and a
 * lone CR become LF, a CR after a CR is a line end of its own.  t has
 * room for n bytes; returns the bytes written.
 */
size_t dcf_map_cr(const uint8_t *s, size_t n, uint8_t *t);

#endif
