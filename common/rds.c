/*
 * rds: R's serialization format, version 3, XDR, as R 4.x's serialize.c
 * writes it for the few object types repository indexes need.  Every
 * item starts with a 32-bit flags word: the SEXP type in the low byte,
 * then the object, attribute and tag bits, then the "levels" (for a
 * CHARSXP, its encoding) from bit 12.  Vectors follow with their length
 * and elements, then, if the attribute bit is set, a pairlist of tagged
 * values ended by NILVALUE_SXP.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rds.h"

/* Type codes from R's Rinternals.h and serialize.c. */
#define SYMSXP		1
#define LISTSXP		2
#define CHARSXP		9
#define LGLSXP		10
#define INTSXP		13
#define REALSXP		14
#define STRSXP		16
#define VECSXP		19
#define NILVALUE_SXP	254
#define REFSXP		255

#define IS_OBJECT_BIT	(1U << 8)
#define HAS_ATTR_BIT	(1U << 9)
#define HAS_TAG_BIT	(1U << 10)
#define LEVELS_SHIFT	12
/* CHARSXP levels: R flags ASCII strings as such, others by encoding. */
#define UTF8_LEVEL	(1U << 3)
#define ASCII_LEVEL	(1U << 6)

/* A reference index shares the REFSXP word while it fits in 23 bits. */
#define MAX_PACKED_INDEX	(INT32_MAX >> 8)

#define R_VERSION(v, p, s)	((v) * 65536 + (p) * 256 + (s))
#define WRITER_VERSION		R_VERSION(4, 2, 2)
#define READER_VERSION		R_VERSION(3, 5, 0)

#define NA_REAL_BITS		UINT64_C(0x7ff00000000007a2)
#define NA_REAL_LOW_WORD	1954

/*
 * Symbols remembered per stream for back-references.  Past the table
 * (more names, or longer ones) a symbol is written out again each time,
 * which R reads the same; repository objects use a handful of names.
 */
#define STREAM_SYMS	32
#define STREAM_SYMLEN	24	/* NUL included */

/* What the top of a stream's stack is waiting for. */
enum frame_kind {
	FRAME_STR,	/* rds_str elements */
	FRAME_LIST,	/* objects as list elements */
	FRAME_ATTRS	/* rds_attr and a value, or rds_attr_end */
};

#define FR_ATTR		0x01	/* attributes follow the elements */
#define FR_OBJECT	0x02	/* declared RDS_CLASS */
#define FR_CLASS	0x04	/* "class" written */
#define FR_TAGGED	0x08	/* a tag written, its value not yet begun */

struct frame {
	enum frame_kind kind;
	unsigned int flags;
	uint32_t n;	/* STR, LIST: elements to come; ATTRS: written */
};

enum stream_state {
	STREAM_FREE = 0,
	STREAM_OPEN,	/* header written, the object not yet complete */
	STREAM_DONE,	/* the object is complete */
	STREAM_FAILED
};

struct stream {
	const struct buf *b;
	enum stream_state state;
	int err;		/* errno of the failure, when FAILED */
	uint64_t started;	/* for forgetting the oldest */
	size_t end;		/* b->len after our last write */
	int32_t nref;		/* symbols R's reader will have numbered */
	size_t nsym;
	struct {
		char name[STREAM_SYMLEN];
		int32_t ref;
	} sym[STREAM_SYMS];
	size_t depth;
	struct frame fr[RDS_DEPTH];
};

static struct stream streams[RDS_STREAMS];
static uint64_t stream_clock;

double
rds_na_real(void)
{
	uint64_t u = NA_REAL_BITS;
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* --------------------------------------------------------- stream state */

static struct stream *
stream_find(const struct buf *b)
{
	size_t i;

	for (i = 0; i < RDS_STREAMS; i++)
		if (streams[i].state != STREAM_FREE && streams[i].b == b)
			return &streams[i];
	return NULL;
}

/* A free slot, else the oldest finished stream, else the oldest open one. */
static struct stream *
stream_slot(void)
{
	struct stream *st, *best = NULL;
	size_t i;
	int open, best_open = 1;

	for (i = 0; i < RDS_STREAMS; i++) {
		st = &streams[i];
		if (st->state == STREAM_FREE)
			return st;
		open = st->state == STREAM_OPEN;
		if (best == NULL || open < best_open ||
		    (open == best_open && st->started < best->started)) {
			best = st;
			best_open = open;
		}
	}
	return best;
}

static int
stream_fail(struct stream *st, int err)
{
	if (st->state != STREAM_FAILED) {
		st->state = STREAM_FAILED;
		st->err = err;
	}
	errno = err;
	return -1;
}

/*
 * The open stream on b, or NULL: none, its object already complete, an
 * earlier failure (errno as it was then), or b changed behind the
 * writer's back (any of which would make what follows unreadable or
 * wrong).
 */
static struct stream *
stream_get(struct buf *b)
{
	struct stream *st;

	if (b == NULL || (st = stream_find(b)) == NULL ||
	    st->state == STREAM_DONE) {
		errno = EINVAL;
		return NULL;
	}
	if (st->state == STREAM_FAILED) {
		errno = st->err;
		return NULL;
	}
	if (b->len != st->end) {
		stream_fail(st, EINVAL);
		return NULL;
	}
	return st;
}

/* A write went through: the stream continues from here. */
static int
stream_ok(struct stream *st, const struct buf *b)
{
	st->end = b->len;
	return 0;
}

static struct frame *
frame_top(struct stream *st)
{
	return st->depth > 0 ? &st->fr[st->depth - 1] : NULL;
}

static int
frame_push(struct stream *st, enum frame_kind kind, unsigned int flags,
    uint32_t n)
{
	struct frame *f;

	if (st->depth >= RDS_DEPTH)
		return stream_fail(st, E2BIG);
	f = &st->fr[st->depth++];
	f->kind = kind;
	f->flags = flags;
	f->n = n;
	return 0;
}

/* nattr as rds.h defines it, as frame flags. */
static int
attr_flags(int nattr, unsigned int *flags)
{
	switch (nattr) {
	case 0:
		*flags = 0;
		return 0;
	case RDS_ATTR:
		*flags = FR_ATTR;
		return 0;
	case RDS_CLASS:
		*flags = FR_ATTR | FR_OBJECT;
		return 0;
	default:
		return -1;
	}
}

/* An object is starting: it must be one the stream is waiting for. */
static int
obj_begin(struct stream *st)
{
	struct frame *f;

	if ((f = frame_top(st)) == NULL)
		return 0;	/* the top-level object */
	switch (f->kind) {
	case FRAME_LIST:
		if (f->n == 0)
			break;
		f->n--;
		return 0;
	case FRAME_ATTRS:
		if (!(f->flags & FR_TAGGED))
			break;
		f->flags &= ~FR_TAGGED;
		return 0;
	case FRAME_STR:
		break;
	}
	return stream_fail(st, EINVAL);
}

/*
 * Something completed (an object, or the top frame's last element):
 * vectors whose elements are all written go on to their attributes or
 * are complete themselves, up the stack; the top-level one completes
 * the stream.
 */
static void
obj_settle(struct stream *st)
{
	struct frame *f;

	while ((f = frame_top(st)) != NULL) {
		if (f->kind == FRAME_ATTRS || f->n > 0)
			return;
		if (f->flags & FR_ATTR) {
			f->kind = FRAME_ATTRS;
			return;
		}
		st->depth--;
	}
	st->state = STREAM_DONE;
}

/* ---------------------------------------------------------------- items */

static int
put_int(struct buf *b, int32_t v)
{
	return buf_put_u32(b, (uint32_t)v);
}

static int
put_real(struct buf *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	/*
	 * R tells NA from NaN by the low word alone, and a NaN's other bits
	 * may have changed on the way here (x87 sets the quiet bit): write
	 * R's own.
	 */
	if (isnan(v) && (u & 0xffffffffU) == NA_REAL_LOW_WORD)
		u = NA_REAL_BITS;
	return buf_put_u64(b, u);
}

/* 0 for ASCII, 1 for other well-formed UTF-8, -1 for anything else. */
static int
utf8_class(const unsigned char *s, size_t n)
{
	size_t i = 0, k, more;
	uint32_t c, min;
	int ascii = 1;

	while (i < n) {
		c = s[i++];
		if (c < 0x80)
			continue;
		ascii = 0;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return -1;
		if (n - i < more)
			return -1;
		for (k = 0; k < more; k++, i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (s[i] & 0x3f);
		}
		/* Overlong forms, surrogates and past U+10FFFF. */
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
	}
	return ascii ? 0 : 1;
}

/* A CHARSXP: NA as length -1; errno EILSEQ or EOVERFLOW when refused. */
static int
put_charsxp(struct buf *b, const char *s)
{
	size_t n;
	unsigned int level;
	int cls;

	if (s == NULL) {
		if (put_int(b, CHARSXP) != 0 || put_int(b, -1) != 0)
			return -1;
		return 0;
	}
	if ((n = strlen(s)) > INT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if ((cls = utf8_class((const unsigned char *)s, n)) < 0) {
		errno = EILSEQ;
		return -1;
	}
	level = cls == 0 ? ASCII_LEVEL : UTF8_LEVEL;
	if (put_int(b, (int32_t)(CHARSXP | level << LEVELS_SHIFT)) != 0 ||
	    put_int(b, (int32_t)n) != 0 || buf_put(b, s, n) != 0)
		return -1;
	return 0;
}

static int
put_ref(struct buf *b, int32_t ref)
{
	if (ref > MAX_PACKED_INDEX) {
		if (put_int(b, REFSXP) != 0 || put_int(b, ref) != 0)
			return -1;
		return 0;
	}
	return put_int(b, (int32_t)((uint32_t)ref << 8 | REFSXP));
}

/*
 * A symbol: a reference to it if the stream has it already, else the
 * symbol itself, which R's reader numbers next whether or not we
 * remember it.
 */
static int
put_symbol(struct stream *st, struct buf *b, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < st->nsym; i++)
		if (strcmp(st->sym[i].name, name) == 0)
			return put_ref(b, st->sym[i].ref);
	if (st->nref == INT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (put_int(b, SYMSXP) != 0 || put_charsxp(b, name) != 0)
		return -1;
	st->nref++;
	if (st->nsym < STREAM_SYMS && n < STREAM_SYMLEN) {
		memcpy(st->sym[st->nsym].name, name, n + 1);
		st->sym[st->nsym].ref = st->nref;
		st->nsym++;
	}
	return 0;
}

/*
 * The header of a vector of n elements (at v, which only an empty one
 * may lack) as the next object of the stream on b; the stream in *stp.
 */
static int
vec_begin(struct buf *b, struct stream **stp, int type, const void *v,
    size_t n, int nattr, unsigned int *flags)
{
	struct stream *st;
	uint32_t w = (uint32_t)type;

	if ((st = *stp = stream_get(b)) == NULL)
		return -1;
	if ((v == NULL && n > 0) || attr_flags(nattr, flags) != 0)
		return stream_fail(st, EINVAL);
	if (n > INT32_MAX)
		return stream_fail(st, EOVERFLOW);
	if (obj_begin(st) != 0)
		return -1;
	if (*flags & FR_ATTR)
		w |= HAS_ATTR_BIT;
	if (*flags & FR_OBJECT)
		w |= IS_OBJECT_BIT;
	if (put_int(b, (int32_t)w) != 0 || put_int(b, (int32_t)n) != 0)
		return stream_fail(st, errno);
	return 0;
}

/* A vector whose elements are written: its attributes come next, if any. */
static int
atomic_end(struct stream *st, struct buf *b, unsigned int flags)
{
	if (flags & FR_ATTR) {
		if (frame_push(st, FRAME_ATTRS, flags, 0) != 0)
			return -1;
	} else
		obj_settle(st);
	return stream_ok(st, b);
}

static int
container_begin(struct stream *st, struct buf *b, enum frame_kind kind,
    unsigned int flags, size_t n)
{
	if (frame_push(st, kind, flags, (uint32_t)n) != 0)
		return -1;
	obj_settle(st);		/* n == 0: already complete */
	return stream_ok(st, b);
}

/* ----------------------------------------------------------------- API */

int
rds_header(struct buf *b)
{
	struct stream *st;

	if (b == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((st = stream_find(b)) == NULL)
		st = stream_slot();
	memset(st, 0, sizeof(*st));
	st->b = b;
	st->state = STREAM_OPEN;
	st->started = ++stream_clock;
	if (buf_put(b, "X\n", 2) != 0 || put_int(b, 3) != 0 ||
	    put_int(b, WRITER_VERSION) != 0 ||
	    put_int(b, READER_VERSION) != 0 || buf_put_str(b, "UTF-8") != 0)
		return stream_fail(st, errno);
	return stream_ok(st, b);
}

int
rds_end(struct buf *b)
{
	struct stream *st = NULL;
	int err = 0;

	if (b == NULL || (st = stream_find(b)) == NULL)
		err = EINVAL;
	else if (st->state == STREAM_FAILED)
		err = st->err;
	else if (st->state != STREAM_DONE || b->len != st->end)
		err = EINVAL;
	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
rds_null(struct buf *b)
{
	struct stream *st;

	if ((st = stream_get(b)) == NULL || obj_begin(st) != 0)
		return -1;
	if (put_int(b, NILVALUE_SXP) != 0)
		return stream_fail(st, errno);
	obj_settle(st);
	return stream_ok(st, b);
}

int
rds_begin_str(struct buf *b, size_t n, int nattr)
{
	struct stream *st;
	unsigned int flags;

	if (vec_begin(b, &st, STRSXP, "", n, nattr, &flags) != 0)
		return -1;
	return container_begin(st, b, FRAME_STR, flags, n);
}

int
rds_str(struct buf *b, const char *s)
{
	struct stream *st;
	struct frame *f;

	if ((st = stream_get(b)) == NULL)
		return -1;
	if ((f = frame_top(st)) == NULL || f->kind != FRAME_STR || f->n == 0)
		return stream_fail(st, EINVAL);
	if (put_charsxp(b, s) != 0)
		return stream_fail(st, errno);
	f->n--;
	obj_settle(st);
	return stream_ok(st, b);
}

int
rds_begin_list(struct buf *b, size_t n, int nattr)
{
	struct stream *st;
	unsigned int flags;

	if (vec_begin(b, &st, VECSXP, "", n, nattr, &flags) != 0)
		return -1;
	return container_begin(st, b, FRAME_LIST, flags, n);
}

int
rds_int_vec(struct buf *b, const int32_t *v, size_t n, int nattr)
{
	struct stream *st;
	unsigned int flags;
	size_t i;

	if (vec_begin(b, &st, INTSXP, v, n, nattr, &flags) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (put_int(b, v[i]) != 0)
			return stream_fail(st, errno);
	return atomic_end(st, b, flags);
}

int
rds_lgl_vec(struct buf *b, const int32_t *v, size_t n, int nattr)
{
	struct stream *st;
	unsigned int flags;
	size_t i;

	if (vec_begin(b, &st, LGLSXP, v, n, nattr, &flags) != 0)
		return -1;
	/* R's logical operations assume TRUE is exactly 1. */
	for (i = 0; i < n; i++)
		if (put_int(b, v[i] == RDS_NA_INTEGER ? RDS_NA_INTEGER :
		    v[i] != 0) != 0)
			return stream_fail(st, errno);
	return atomic_end(st, b, flags);
}

int
rds_real_vec(struct buf *b, const double *v, size_t n, int nattr)
{
	struct stream *st;
	unsigned int flags;
	size_t i;

	if (vec_begin(b, &st, REALSXP, v, n, nattr, &flags) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (put_real(b, v[i]) != 0)
			return stream_fail(st, errno);
	return atomic_end(st, b, flags);
}

int
rds_attr(struct buf *b, const char *name)
{
	struct stream *st;
	struct frame *f;

	if ((st = stream_get(b)) == NULL)
		return -1;
	f = frame_top(st);
	/* R cannot make a symbol of "", and its reader would fail on it. */
	if (f == NULL || f->kind != FRAME_ATTRS || (f->flags & FR_TAGGED) ||
	    name == NULL || *name == '\0')
		return stream_fail(st, EINVAL);
	/*
	 * The object bit went out with the vector's header; a class that
	 * does not match it would read as a different object.
	 */
	if (strcmp(name, "class") == 0) {
		if (!(f->flags & FR_OBJECT) || (f->flags & FR_CLASS))
			return stream_fail(st, EINVAL);
		f->flags |= FR_CLASS;
	}
	if (f->n == UINT32_MAX)
		return stream_fail(st, EOVERFLOW);
	if (put_int(b, (int32_t)(LISTSXP | HAS_TAG_BIT)) != 0 ||
	    put_symbol(st, b, name) != 0)
		return stream_fail(st, errno);
	f->n++;
	f->flags |= FR_TAGGED;
	return stream_ok(st, b);
}

int
rds_attr_end(struct buf *b)
{
	struct stream *st;
	struct frame *f;

	if ((st = stream_get(b)) == NULL)
		return -1;
	f = frame_top(st);
	/* The attribute bit promised a list; RDS_CLASS promised a class. */
	if (f == NULL || f->kind != FRAME_ATTRS || (f->flags & FR_TAGGED) ||
	    f->n == 0 || ((f->flags & FR_OBJECT) && !(f->flags & FR_CLASS)))
		return stream_fail(st, EINVAL);
	if (put_int(b, NILVALUE_SXP) != 0)
		return stream_fail(st, errno);
	st->depth--;
	obj_settle(st);
	return stream_ok(st, b);
}

/* ------------------------------------------------------------- matrices */

/* A character vector's attribute: tag, then the strings. */
static int
put_str_attr(struct buf *b, const char *name, const char *const *s,
    size_t n)
{
	size_t i;

	if (rds_attr(b, name) != 0 || rds_begin_str(b, n, 0) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (rds_str(b, s[i]) != 0)
			return -1;
	return 0;
}

int
rds_char_matrix(struct buf *b, const char *const *cells, size_t nrow,
    size_t ncol, const char *const *colnames)
{
	struct stream *st;
	int32_t dim[2];
	size_t r, c, pkg = SIZE_MAX;

	if ((st = stream_get(b)) == NULL)
		return -1;
	if ((cells == NULL && nrow > 0 && ncol > 0) ||
	    (colnames == NULL && ncol > 0))
		return stream_fail(st, EINVAL);
	if (nrow > INT32_MAX || ncol > INT32_MAX ||
	    (ncol > 0 && nrow > INT32_MAX / ncol))
		return stream_fail(st, EOVERFLOW);
	for (c = 0; c < ncol; c++)
		if (colnames[c] != NULL && strcmp(colnames[c], "Package") == 0) {
			pkg = c;
			break;
		}
	if (nrow == 0)
		pkg = SIZE_MAX;	/* zero-length dimnames are NULL */
	dim[0] = (int32_t)nrow;
	dim[1] = (int32_t)ncol;

	/* R stores matrices by column. */
	if (rds_begin_str(b, nrow * ncol, RDS_ATTR) != 0)
		return -1;
	for (c = 0; c < ncol; c++)
		for (r = 0; r < nrow; r++)
			if (rds_str(b, cells[r * ncol + c]) != 0)
				return -1;
	if (rds_attr(b, "dim") != 0 || rds_int_vec(b, dim, 2, 0) != 0)
		return -1;
	if (pkg != SIZE_MAX || ncol > 0) {
		if (rds_attr(b, "dimnames") != 0 ||
		    rds_begin_list(b, 2, 0) != 0)
			return -1;
		if (pkg == SIZE_MAX) {
			if (rds_null(b) != 0)
				return -1;
		} else {
			if (rds_begin_str(b, nrow, 0) != 0)
				return -1;
			for (r = 0; r < nrow; r++)
				if (rds_str(b, cells[r * ncol + pkg]) != 0)
					return -1;
		}
		if (ncol == 0) {
			if (rds_null(b) != 0)
				return -1;
		} else {
			if (rds_begin_str(b, ncol, 0) != 0)
				return -1;
			for (c = 0; c < ncol; c++)
				if (rds_str(b, colnames[c]) != 0)
					return -1;
		}
	}
	return rds_attr_end(b);
}

/* -------------------------------------------------------------- archive */

static const char *const archive_cols[] = {
	"size", "isdir", "mode", "mtime", "ctime", "atime", "uid", "gid",
	"uname", "grname"
};
#define ARCHIVE_NCOLS	(sizeof(archive_cols) / sizeof(archive_cols[0]))
#define ARCHIVE_MODE	0644
#define ARCHIVE_OWNER	"root"

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Any string given twice; sorts s. */
static int
has_dup(const char **s, size_t n)
{
	size_t i;

	qsort(s, n, sizeof(*s), strp_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(s[i - 1], s[i]) == 0)
			return 1;
	return 0;
}

/*
 * Checks files as rds_archive documents them and counts the packages;
 * -1 with errno when refused.
 */
static int
archive_check(const struct rds_archive_file *files, size_t n,
    size_t *npkg)
{
	const char **s;
	size_t i, k, len;
	int dup;

	*npkg = 0;
	if (n == 0)
		return 0;
	if (files == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (n > INT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (files[i].package == NULL || files[i].path == NULL ||
		    (len = strlen(files[i].package)) == 0 ||
		    strncmp(files[i].path, files[i].package, len) != 0 ||
		    files[i].path[len] != '/' || files[i].path[len + 1] == '\0') {
			errno = EINVAL;
			return -1;
		}
		if (i == 0 || strcmp(files[i].package, files[i - 1].package))
			(*npkg)++;
	}
	if ((s = calloc(n, sizeof(*s))) == NULL)
		return -1;
	for (i = k = 0; i < n; i++)
		if (i == 0 || strcmp(files[i].package, files[i - 1].package))
			s[k++] = files[i].package;
	dup = has_dup(s, k);
	for (i = 0; i < n && !dup; i++)
		s[i] = files[i].path;
	if (!dup)
		dup = has_dup(s, n);
	free(s);
	if (dup) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* A real column of f's mtime with a POSIXct class. */
static int
archive_time(struct buf *b, const struct rds_archive_file *f, size_t n)
{
	static const char *const posixct[] = { "POSIXct", "POSIXt" };
	struct stream *st;
	unsigned int flags;
	size_t i;

	if (vec_begin(b, &st, REALSXP, f, n, RDS_CLASS, &flags) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (put_real(b, (double)f[i].mtime) != 0)
			return stream_fail(st, errno);
	if (atomic_end(st, b, flags) != 0 ||
	    put_str_attr(b, "class", posixct, 2) != 0)
		return -1;
	return rds_attr_end(b);
}

/* An integer or logical column of n copies of v. */
static int
archive_ints(struct buf *b, int type, int32_t v, size_t n, int nattr)
{
	struct stream *st;
	unsigned int flags;
	size_t i;

	if (vec_begin(b, &st, type, &v, n, nattr, &flags) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (put_int(b, v) != 0)
			return stream_fail(st, errno);
	return atomic_end(st, b, flags);
}

static int
archive_owner(struct buf *b, size_t n)
{
	size_t i;

	if (rds_begin_str(b, n, 0) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (rds_str(b, ARCHIVE_OWNER) != 0)
			return -1;
	return 0;
}

/* One package's data.frame, as split(file.info(paths), package) has it. */
static int
archive_frame(struct buf *b, const struct rds_archive_file *f, size_t n)
{
	static const char *const octmode[] = { "octmode" };
	static const char *const df[] = { "data.frame" };
	struct stream *st;
	unsigned int flags;
	size_t i;

	if (rds_begin_list(b, ARCHIVE_NCOLS, RDS_CLASS) != 0)
		return -1;

	if (vec_begin(b, &st, REALSXP, f, n, 0, &flags) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (put_real(b, f[i].size) != 0)
			return stream_fail(st, errno);
	if (atomic_end(st, b, flags) != 0 ||
	    archive_ints(b, LGLSXP, 0, n, 0) != 0 ||
	    archive_ints(b, INTSXP, ARCHIVE_MODE, n, RDS_CLASS) != 0 ||
	    put_str_attr(b, "class", octmode, 1) != 0 ||
	    rds_attr_end(b) != 0)
		return -1;
	for (i = 0; i < 3; i++)		/* mtime, ctime, atime */
		if (archive_time(b, f, n) != 0)
			return -1;
	if (archive_ints(b, INTSXP, 0, n, 0) != 0 ||
	    archive_ints(b, INTSXP, 0, n, 0) != 0 ||
	    archive_owner(b, n) != 0 || archive_owner(b, n) != 0)
		return -1;

	if (put_str_attr(b, "names", archive_cols, ARCHIVE_NCOLS) != 0 ||
	    rds_attr(b, "row.names") != 0 || rds_begin_str(b, n, 0) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (rds_str(b, f[i].path) != 0)
			return -1;
	if (put_str_attr(b, "class", df, 1) != 0)
		return -1;
	return rds_attr_end(b);
}

int
rds_archive(struct buf *b, const struct rds_archive_file *files, size_t n)
{
	struct stream *st;
	size_t i, j, npkg;

	if ((st = stream_get(b)) == NULL)
		return -1;
	if (archive_check(files, n, &npkg) != 0)
		return stream_fail(st, errno);

	if (rds_begin_list(b, npkg, RDS_ATTR) != 0)
		return -1;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n; j++)
			if (strcmp(files[j].package, files[i].package) != 0)
				break;
		if (archive_frame(b, files + i, j - i) != 0)
			return -1;
	}
	if (rds_attr(b, "names") != 0 || rds_begin_str(b, npkg, 0) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((i == 0 || strcmp(files[i].package,
		    files[i - 1].package) != 0) &&
		    rds_str(b, files[i].package) != 0)
			return -1;
	return rds_attr_end(b);
}
