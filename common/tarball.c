/*
 * tarball: checks an untrusted R source package before anything else
 * looks at it.  libarchive parses; this file decides what is acceptable.
 *
 * What R CMD build writes, and so what is accepted: gzip (one gzip
 * filter, nothing else) around tar.  R's internal tar writes ustar, with
 * GNU 'L' headers for long names; R_BUILD_TAR=tar gives GNU tar's format;
 * other tools write pax.  libarchive's tar reader takes all three.
 *
 * The rules are about what an extractor (GNU tar, bsdtar, R's untar, on
 * Linux, macOS or Windows) would do with the archive, so that airlock
 * never approves a package that writes outside its directory or whose
 * DESCRIPTION differs from the one extracted:
 *  - every member lies under one top-level directory, the package's;
 *  - names are canonical: not absolute, no "", "." or ".." components,
 *    so that two spellings of one path cannot slip past the checks below;
 *    no backslash (a separator on Windows: "a\..\..\x" climbs there) and
 *    no control character (they break line-based formats such as MD5
 *    files and logs).  Other odd names (spaces, UTF-8) are the package's
 *    business;
 *  - names are compared for aliasing as a case-insensitive filesystem or
 *    Windows sees them: ASCII case folded, trailing dots and spaces of a
 *    component dropped ("DESCRIPTION." is DESCRIPTION on Windows);
 *  - a symbolic link's target is relative and stays inside the package
 *    when resolved lexically from the link's directory.  Lexical
 *    resolution only equals the real one if no component before a ".."
 *    is itself a symbolic link, so that is checked too, once every link
 *    is known; a target without ".." only goes deeper, and every link
 *    stays inside, so chains of links stay inside;
 *  - no member is written over or through a symbolic link seen before
 *    it: extractors that open(2) without O_NOFOLLOW would write where the
 *    link points;
 *  - a hard link names an earlier member inside the package, which is
 *    neither a symbolic link (link(2) would copy the link, whose relative
 *    target then means something else) nor DESCRIPTION (a later member
 *    written over the link would rewrite DESCRIPTION's inode);
 *  - regular files, directories and links only: no device, fifo, socket;
 *  - exactly one DESCRIPTION (in any spelling that aliases it), a
 *    regular file named exactly <pkgdir>/DESCRIPTION, without NUL bytes.
 *
 * libarchive does not check the gzip CRC, and stops at the tar
 * end-of-archive marker; data corruption shows as an inflate error, a
 * damaged header as a checksum error, truncation as a short read.
 */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarball.h"

/* Longest member name or link target; no extractor could create more. */
#define TAR_NAME_MAX		4096
/* Memory for remembering symbolic links; R packages have few if any. */
#define TAR_LINK_BYTES		(8u << 20)
/*
 * The tar stream may exceed the sum of member sizes by this much per
 * member (headers, padding, pax records), plus a slack for the member
 * being read, no more than max_unpacked.  Beyond it the archive is mostly
 * header (libarchive allows 31 special headers of 1 MiB before each
 * member), which the unpacked limit alone would let inflate for hours.
 */
#define TAR_HDR_PER_MEMBER	(64u << 10)
#define TAR_HDR_SLACK		(64u << 20)

/*
 * Names are hashed as polynomials modulo 2^61 - 1 at a point chosen at
 * random for each archive: two names collide with probability at most
 * their length over 2^61, whatever the archive's author tries, so no
 * archive can make the tables below degrade into lists.  The hash of a
 * prefix is a step of the hash of the whole, so every directory on a
 * name's way is looked up for the cost of reading the name once.
 */
#define HASH_P			((UINT64_C(1) << 61) - 1)

/* A set of hashes of folded member names (0 marks a free slot). */
struct hset {
	uint64_t *v;
	size_t n, cap;
};

struct lent {
	char *key;			/* NULL: a free slot */
	size_t len;
	uint64_t h;
};

/* A symbolic link whose target has "..", checked once all are known. */
struct dotlink {
	char *name;
	char *target;
};

/* Symbolic links by folded name, and those with ".." in their target. */
struct lset {
	struct lent *v;
	size_t n, cap;
	struct dotlink *dl;
	size_t ndl, capdl;
	size_t bytes;
};

struct tb {
	struct archive *a;
	int fd;
	int zip;			/* a binary package's zip (seekable) */
	int64_t base, pos, end;		/* zip: the archive's bytes in fd */
	uint64_t hkey;			/* the point hashes are taken at */
	struct tar_limits lim;		/* zeros replaced by defaults */
	uint64_t nread;			/* compressed bytes read from fd */
	unsigned char magic[3];		/* the first bytes read */
	size_t magiclen;
	enum { TB_GOING, TB_TOOBIG, TB_BLOATED, TB_READERR } stop;
	int rerrno;
	uint64_t members;
	uint64_t unpacked;		/* sum of header sizes */
	char *pkgdir;
	size_t pkgdirlen;
	char *desckey;			/* folded "<pkgdir>/description" */
	char *desc;
	size_t desclen;
	int ndesc;
	int has_src;
	struct hset names;
	struct lset links;
	char *err;
	size_t errlen;
	unsigned char buf[64 * 1024];	/* what libarchive reads from */
	unsigned char out[64 * 1024];	/* zip: members' data, dropped */
};

static void tb_fail(struct tb *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* s for a message: bytes a terminal or log would misread are escaped. */
static void
quote(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, max = 160;
	unsigned char c;

	for (; *s != '\0' && o + 5 < outlen; s++) {
		if (o >= max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* The first failure wins: later ones are usually its consequences. */
static void
tb_fail(struct tb *tb, const char *member, const char *fmt, ...)
{
	char q[200], msg[512];
	va_list ap;

	if (tb->errlen == 0 || tb->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (member != NULL) {
		quote(member, q, sizeof(q));
		snprintf(tb->err, tb->errlen, "member '%s': %s", q, msg);
	} else
		snprintf(tb->err, tb->errlen, "%s", msg);
}

/* a * b mod 2^61 - 1 for a, b below it, in 32-bit halves. */
static uint64_t
mulmod61(uint64_t a, uint64_t b)
{
	uint64_t ah = a >> 32, al = a & 0xffffffff;
	uint64_t bh = b >> 32, bl = b & 0xffffffff;
	uint64_t lo = al * bl, mid = ah * bl + al * bh, hi = ah * bh, r;

	/* 2^61 is 1: hi * 2^64 is hi * 8, mid * 2^32 folds at bit 29. */
	r = (lo & HASH_P) + (lo >> 61) + ((mid & 0x1fffffff) << 32) +
	    (mid >> 29) + (hi << 3);
	r = (r & HASH_P) + (r >> 61);
	return r >= HASH_P ? r - HASH_P : r;
}

/* The hash h of a string, extended by byte c; never 0 once extended. */
static uint64_t
hstep(const struct tb *tb, uint64_t h, char c)
{
	h = mulmod61(h, tb->hkey) + (unsigned char)c + 1;
	h = h >= HASH_P ? h - HASH_P : h;
	return h == 0 ? 1 : h;
}

static uint64_t
hash(const struct tb *tb, const char *s, size_t n)
{
	uint64_t h = 0;

	while (n-- > 0)
		h = hstep(tb, h, *s++);
	return h;
}

/*
 * A collision only makes a hard link to a missing member look present;
 * the link then fails to extract, inside the package.
 */
static int
hset_add(struct hset *s, uint64_t h)
{
	uint64_t *nv;
	size_t i, j, ncap;

	if ((s->n + 1) * 2 > s->cap) {
		ncap = s->cap ? s->cap * 2 : 1024;
		if ((nv = calloc(ncap, sizeof(*nv))) == NULL)
			return -1;
		for (i = 0; i < s->cap; i++) {
			if (s->v[i] == 0)
				continue;
			for (j = s->v[i] & (ncap - 1); nv[j] != 0;
			    j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	for (i = h & (s->cap - 1); s->v[i] != 0; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == h)
			return 0;
	s->v[i] = h;
	s->n++;
	return 0;
}

static int
hset_has(const struct hset *s, uint64_t h)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	for (i = h & (s->cap - 1); s->v[i] != 0; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == h)
			return 1;
	return 0;
}

/* Whether key[0..n), of hash h, names a symbolic link. */
static int
lset_has(const struct lset *s, const char *key, size_t n, uint64_t h)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	for (i = h & (s->cap - 1); s->v[i].key != NULL;
	    i = (i + 1) & (s->cap - 1))
		if (s->v[i].h == h && s->v[i].len == n &&
		    memcmp(s->v[i].key, key, n) == 0)
			return 1;
	return 0;
}

/* Adds key (copied); 1 when over TAR_LINK_BYTES, -1 without memory. */
static int
lset_add(struct lset *s, const char *key, uint64_t h)
{
	struct lent *nv;
	size_t i, j, ncap, len = strlen(key);

	if (lset_has(s, key, len, h))
		return 0;
	if ((s->bytes += len + 1 + 2 * sizeof(*nv)) > TAR_LINK_BYTES)
		return 1;
	if ((s->n + 1) * 2 > s->cap) {
		ncap = s->cap ? s->cap * 2 : 64;
		if ((nv = calloc(ncap, sizeof(*nv))) == NULL)
			return -1;
		for (i = 0; i < s->cap; i++) {
			if (s->v[i].key == NULL)
				continue;
			for (j = s->v[i].h & (ncap - 1); nv[j].key != NULL;
			    j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	for (i = h & (s->cap - 1); s->v[i].key != NULL;
	    i = (i + 1) & (s->cap - 1))
		;
	if ((s->v[i].key = strdup(key)) == NULL)
		return -1;
	s->v[i].len = len;
	s->v[i].h = h;
	s->n++;
	return 0;
}

static int
lset_add_dotlink(struct lset *s, const char *name, const char *target)
{
	struct dotlink *nd;
	size_t ncap;

	if ((s->bytes += strlen(name) + strlen(target) + 2 + sizeof(*nd)) >
	    TAR_LINK_BYTES)
		return 1;
	if (s->ndl == s->capdl) {
		ncap = s->capdl ? s->capdl * 2 : 16;
		if ((nd = reallocarray(s->dl, ncap, sizeof(*nd))) == NULL)
			return -1;
		s->dl = nd;
		s->capdl = ncap;
	}
	nd = &s->dl[s->ndl];
	nd->name = strdup(name);
	nd->target = strdup(target);
	if (nd->name == NULL || nd->target == NULL) {
		free(nd->name);
		free(nd->target);
		return -1;
	}
	s->ndl++;
	return 0;
}

static void
lset_free(struct lset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->v[i].key);
	free(s->v);
	for (i = 0; i < s->ndl; i++) {
		free(s->dl[i].name);
		free(s->dl[i].target);
	}
	free(s->dl);
}

/*
 * One path component as Windows and case-insensitive filesystems see it:
 * ASCII folded, trailing dots and spaces dropped.  Returns its length.
 */
static size_t
fold_comp(const char *s, size_t n, char *out)
{
	size_t i;

	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
		n--;
	for (i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	return n;
}

/* name folded component by component into out (strlen(name) + 1). */
static void
fold(const char *name, char *out)
{
	const char *p = name, *e;
	size_t o = 0;

	for (;;) {
		e = strchr(p, '/');
		o += fold_comp(p, e ? (size_t)(e - p) : strlen(p), out + o);
		if (e == NULL || e[1] == '\0')
			break;
		out[o++] = '/';
		p = e + 1;
	}
	out[o] = '\0';
}

/* Why the characters of s are refused, or NULL. */
static const char *
bad_chars(const char *s)
{
	const unsigned char *p;

	if (*s == '\0')
		return "empty name";
	if (strlen(s) >= TAR_NAME_MAX)
		return "name too long";
	if (*s == '/')
		return "absolute path";
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "control character in name";
		if (*p == '\\')
			return "backslash in name";
	}
	return NULL;
}

/*
 * Why member name s is refused, or NULL.  A trailing '/' is allowed for
 * a directory only.
 */
static const char *
bad_name(const char *s, int isdir)
{
	const char *p, *e, *why;
	size_t n;

	if ((why = bad_chars(s)) != NULL)
		return why;
	for (p = s;; p = e + 1) {
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 && e == NULL && p != s) {
			if (!isdir)
				return "trailing '/' on a non-directory";
			break;
		}
		if (n == 0)
			return "empty path component";
		if (n == 1 && p[0] == '.')
			return "'.' path component";
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "path leaves the package ('..' component)";
		if (e == NULL)
			break;
	}
	return NULL;
}

/* Whether folded key, or a directory on its way, is a symbolic link. */
static int
through_link(const struct tb *tb, const char *key)
{
	uint64_t h = 0;
	size_t i;

	if (tb->links.n == 0)
		return 0;
	for (i = 0; key[i] != '\0'; i++) {
		if (key[i] == '/' && lset_has(&tb->links, key, i, h))
			return 1;
		h = hstep(tb, h, key[i]);
	}
	return lset_has(&tb->links, key, i, h);
}

/* Whether folded key is DESCRIPTION, or lies under a directory of that name. */
static int
is_desc(const struct tb *tb, const char *key)
{
	size_t n = strlen(tb->desckey);

	return strncmp(key, tb->desckey, n) == 0 &&
	    (key[n] == '\0' || key[n] == '/');
}

/* Lexically from the link's directory, a target must stay in the package. */
static int
check_symlink(struct tb *tb, const char *name, const char *target)
{
	const char *p, *e, *why;
	size_t n, depth = 0;
	int dotdot = 0, r;

	if ((why = bad_chars(target)) != NULL) {
		tb_fail(tb, name, "symbolic link target: %s", why);
		return -1;
	}
	for (p = name; (p = strchr(p, '/')) != NULL; p++)
		depth++;
	for (p = target;; p = e + 1) {
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			dotdot = 1;
			if (--depth == 0) {
				tb_fail(tb, name, "symbolic link to '%s' leads "
				    "out of the package", target);
				return -1;
			}
		} else if (n != 0 && !(n == 1 && p[0] == '.'))
			depth++;
		if (e == NULL)
			break;
	}
	if (dotdot) {
		if ((r = lset_add_dotlink(&tb->links, name, target)) != 0) {
			tb_fail(tb, name, r > 0 ? "too many symbolic links" :
			    "out of memory");
			return -1;
		}
	}
	return 0;
}

/*
 * A target with ".." resolves as checked only if nothing it walks through
 * before its last ".." is a symbolic link: "a/b/l/../../.." with l -> ../..
 * really climbs four levels.  Checked after the last member, since links
 * are followed when used, not when extracted.
 */
static int
check_dotlinks(struct tb *tb)
{
	char path[2 * TAR_NAME_MAX + 2];
	const struct dotlink *dl;
	const char *p, *e, *last;
	uint64_t *hat;			/* hat[k]: hash of path[0..k) */
	size_t i, k, n, len;
	char *s;
	int ret = -1;

	if (tb->links.ndl == 0)
		return 0;
	if ((hat = calloc(sizeof(path), sizeof(*hat))) == NULL) {
		tb_fail(tb, NULL, "out of memory");
		return -1;
	}
	for (i = 0; i < tb->links.ndl; i++) {
		dl = &tb->links.dl[i];
		fold(dl->name, path);
		len = (s = strrchr(path, '/')) != NULL ? (size_t)(s - path) : 0;
		path[len] = '\0';	/* the link's directory */
		for (k = 0; k < len; k++)
			hat[k + 1] = hstep(tb, hat[k], path[k]);
		last = NULL;
		for (p = dl->target; (p = strstr(p, "..")) != NULL; p += 2)
			if ((p == dl->target || p[-1] == '/') &&
			    (p[2] == '/' || p[2] == '\0'))
				last = p;
		if (last == NULL)
			continue;
		for (p = dl->target; p < last; p = e + 1) {
			e = strchr(p, '/');
			n = (size_t)(e - p);	/* e != NULL: last follows */
			if (n == 0 || (n == 1 && p[0] == '.'))
				continue;
			if (n == 2 && p[0] == '.' && p[1] == '.') {
				while (len > 0 && path[len] != '/')
					len--;
				path[len] = '\0';
				continue;
			}
			k = len;
			path[len++] = '/';
			len += fold_comp(p, n, path + len);
			path[len] = '\0';
			for (; k < len; k++)
				hat[k + 1] = hstep(tb, hat[k], path[k]);
			if (lset_has(&tb->links, path, len, hat[len])) {
				tb_fail(tb, dl->name, "symbolic link target "
				    "'%s' climbs out of another symbolic link",
				    dl->target);
				goto out;
			}
		}
	}
	ret = 0;
 out:
	free(hat);
	return ret;
}

static int
check_hardlink(struct tb *tb, const char *name, const char *target)
{
	const char *why;
	char *key;
	int ret = -1;

	if ((why = bad_name(target, 0)) != NULL) {
		tb_fail(tb, name, "hard link target: %s", why);
		return -1;
	}
	if (strncmp(target, tb->pkgdir, tb->pkgdirlen) != 0 ||
	    target[tb->pkgdirlen] != '/') {
		tb_fail(tb, name, "hard link to '%s' outside the package",
		    target);
		return -1;
	}
	if ((key = malloc(strlen(target) + 1)) == NULL) {
		tb_fail(tb, name, "out of memory");
		return -1;
	}
	fold(target, key);
	if (through_link(tb, key))
		tb_fail(tb, name, "hard link to '%s', a symbolic link or "
		    "through one", target);
	else if (!hset_has(&tb->names, hash(tb, key, strlen(key))))
		tb_fail(tb, name, "hard link to '%s', not an earlier member",
		    target);
	else if (is_desc(tb, key))
		tb_fail(tb, name, "hard link to DESCRIPTION");
	else
		ret = 0;
	free(key);
	return ret;
}

/* The first member names the package directory. */
static int
set_pkgdir(struct tb *tb, const char *name)
{
	const char *e;
	size_t n;

	n = (e = strchr(name, '/')) != NULL ? (size_t)(e - name) : strlen(name);
	if ((tb->pkgdir = strndup(name, n)) == NULL ||
	    (tb->desckey = malloc(n + sizeof("/description"))) == NULL)
		return -1;
	tb->pkgdirlen = n;
	fold(tb->pkgdir, tb->desckey);
	strcat(tb->desckey, "/description");
	return 0;
}

/* DESCRIPTION's bytes, counted as read rather than trusted from the header. */
static int
read_desc(struct tb *tb, const char *name, int64_t size)
{
	la_ssize_t r;
	size_t len = 0;

	if ((uint64_t)size > tb->lim.max_description) {
		tb_fail(tb, name, "DESCRIPTION larger than %zu bytes",
		    tb->lim.max_description);
		return -1;
	}
	/* One spare byte catches data beyond the header's size. */
	if ((tb->desc = malloc((size_t)size + 1)) == NULL) {
		tb_fail(tb, name, "out of memory");
		return -1;
	}
	for (;;) {
		r = archive_read_data(tb->a, tb->desc + len,
		    (size_t)size + 1 - len);
		if (r < 0)
			return -1;	/* corrupt: the caller says why */
		if (r == 0)
			break;
		if ((len += (size_t)r) > (size_t)size) {
			tb_fail(tb, name, "DESCRIPTION longer than its header "
			    "says");
			return -1;
		}
	}
	if (len != (size_t)size) {
		tb_fail(tb, name, "DESCRIPTION shorter than its header says");
		return -1;
	}
	tb->desc[len] = '\0';
	tb->desclen = len;
	if (memchr(tb->desc, '\0', len) != NULL) {
		tb_fail(tb, name, "NUL byte in DESCRIPTION");
		return -1;
	}
	return 0;
}

/*
 * A zip member's data, inflated and dropped: skipping would only seek,
 * so its CRC would go unchecked, and the sizes in zip headers are only
 * claims.  What inflates beyond the header's size is refused here, so
 * max_unpacked bounds the real bytes.  0, -1 (error set) or -2.
 */
static int
zip_data(struct tb *tb, const char *name, int64_t size)
{
	uint64_t got = 0;
	la_ssize_t r;

	while ((r = archive_read_data(tb->a, tb->out, sizeof(tb->out))) > 0)
		if ((got += (uint64_t)r) > (uint64_t)size) {
			tb_fail(tb, name, "longer than its header says");
			return -1;
		}
	if (r < 0)
		return -2;
	if (got != (uint64_t)size) {
		tb_fail(tb, name, "shorter than its header says");
		return -1;
	}
	return 0;
}

/*
 * Checks one member.  Returns 0 to go on, -1 with the error set, or -2
 * when libarchive failed reading its data (the caller reports that).
 */
static int
member(struct tb *tb, struct archive_entry *e)
{
	const char *name, *why, *hard, *sym;
	char *key = NULL;
	int64_t size;
	int type, isdir, ret = -1, r;

	if ((name = archive_entry_pathname(e)) == NULL) {
		tb_fail(tb, NULL, "member %llu has no readable name",
		    (unsigned long long)tb->members + 1);
		return -1;
	}
	if (++tb->members > tb->lim.max_members) {
		tb_fail(tb, name, "more than %llu members",
		    (unsigned long long)tb->lim.max_members);
		return -1;
	}
	type = archive_entry_filetype(e);
	hard = archive_entry_hardlink(e);
	sym = archive_entry_symlink(e);
	isdir = hard == NULL && type == AE_IFDIR;
	if ((why = bad_name(name, isdir)) != NULL) {
		tb_fail(tb, name, "%s", why);
		return -1;
	}
	if (hard != NULL && sym != NULL) {
		tb_fail(tb, name, "both a hard and a symbolic link");
		return -1;
	}
	/* On Windows, "C:" is a drive and "f:s" a stream of file f. */
	if (tb->zip && strchr(name, ':') != NULL) {
		tb_fail(tb, name, "':' in name");
		return -1;
	}
	if (tb->zip && archive_entry_is_encrypted(e)) {
		tb_fail(tb, name, "encrypted member");
		return -1;
	}
	if (hard == NULL) {
		switch (type) {
		case AE_IFREG:
		case AE_IFDIR:
			break;
		case AE_IFLNK:
			if (sym == NULL) {
				tb_fail(tb, name, "symbolic link without a "
				    "target");
				return -1;
			}
			break;
		case AE_IFCHR:
			tb_fail(tb, name, "character device");
			return -1;
		case AE_IFBLK:
			tb_fail(tb, name, "block device");
			return -1;
		case AE_IFIFO:
			tb_fail(tb, name, "fifo");
			return -1;
		case AE_IFSOCK:
			tb_fail(tb, name, "socket");
			return -1;
		default:
			tb_fail(tb, name, "unknown file type 0%o", type);
			return -1;
		}
	}

	size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	if (size < 0 || (uint64_t)size > tb->lim.max_unpacked - tb->unpacked) {
		tb_fail(tb, name, "unpacked size exceeds %llu bytes",
		    (unsigned long long)tb->lim.max_unpacked);
		return -1;
	}
	tb->unpacked += (uint64_t)size;

	if (tb->pkgdir == NULL && set_pkgdir(tb, name) != 0) {
		tb_fail(tb, name, "out of memory");
		return -1;
	}
	if (strncmp(name, tb->pkgdir, tb->pkgdirlen) != 0 ||
	    (name[tb->pkgdirlen] != '/' && name[tb->pkgdirlen] != '\0')) {
		tb_fail(tb, name, "not under the package directory '%s'",
		    tb->pkgdir);
		return -1;
	}
	if ((name[tb->pkgdirlen] == '\0' || name[tb->pkgdirlen + 1] == '\0') &&
	    !isdir) {
		tb_fail(tb, name, "top-level member that is not a directory");
		return -1;
	}

	if ((key = malloc(strlen(name) + 1)) == NULL) {
		tb_fail(tb, name, "out of memory");
		return -1;
	}
	fold(name, key);
	if (through_link(tb, key)) {
		tb_fail(tb, name, "written over or through a symbolic link");
		goto out;
	}
	if (hard != NULL && check_hardlink(tb, name, hard) != 0)
		goto out;
	if (hset_add(&tb->names, hash(tb, key, strlen(key))) != 0) {
		tb_fail(tb, name, "out of memory");
		goto out;
	}
	if (hard == NULL && type == AE_IFLNK) {
		if (check_symlink(tb, name, sym) != 0)
			goto out;
		if ((r = lset_add(&tb->links, key, hash(tb, key,
		    strlen(key)))) != 0) {
			tb_fail(tb, name, r > 0 ? "too many symbolic links" :
			    "out of memory");
			goto out;
		}
	}

	/*
	 * As R decides NeedsCompilation when DESCRIPTION lacks it: by the
	 * directory entry itself in tar's listing, not by files under it.
	 */
	if (type == AE_IFDIR && (strcmp(name + tb->pkgdirlen, "/src/") == 0 ||
	    strcmp(name + tb->pkgdirlen, "/src") == 0))
		tb->has_src = 1;

	if (is_desc(tb, key)) {
		if (++tb->ndesc > 1) {
			tb_fail(tb, name, "more than one DESCRIPTION");
			goto out;
		}
		if (hard != NULL || type != AE_IFREG ||
		    key[strlen(tb->desckey)] != '\0') {
			tb_fail(tb, name, "DESCRIPTION is not a regular file");
			goto out;
		}
		if (strcmp(name + tb->pkgdirlen, "/DESCRIPTION") != 0) {
			tb_fail(tb, name, "DESCRIPTION must be spelled so");
			goto out;
		}
		ret = read_desc(tb, name, size) == 0 ? 0 : -2;
		goto out;
	}
	ret = tb->zip ? zip_data(tb, name, size) :
	    archive_read_data_skip(tb->a) == ARCHIVE_OK ? 0 : -2;
 out:
	free(key);
	return ret;
}

/*
 * Compressed bytes, up to max_size + 1 so that an archive of exactly
 * max_size passes.  Also where the inflated stream is watched: libarchive
 * calls here whenever gzip needs input, however long a header run is.
 */
static la_ssize_t
tb_read(struct archive *a, void *arg, const void **buf)
{
	struct tb *tb = arg;
	uint64_t room, inflated, allowed;
	size_t want = sizeof(tb->buf);
	int64_t pos;
	ssize_t n;

	/* -1 while there is no filter yet. */
	if ((pos = archive_filter_bytes(a, 0)) < 0)
		pos = 0;
	inflated = (uint64_t)pos;
	allowed = tb->unpacked + (tb->members + 1) * TAR_HDR_PER_MEMBER +
	    (tb->lim.max_unpacked < TAR_HDR_SLACK ? tb->lim.max_unpacked :
	    TAR_HDR_SLACK);
	if (inflated > allowed) {
		tb->stop = TB_BLOATED;
		archive_set_error(a, EFBIG, "header data bloat");
		return -1;
	}
	if ((room = tb->lim.max_size - tb->nread) < want)
		want = (size_t)room + 1;
	do
		n = read(tb->fd, tb->buf, want);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		tb->stop = TB_READERR;
		tb->rerrno = errno;
		archive_set_error(a, errno, "read error");
		return -1;
	}
	while (tb->magiclen < sizeof(tb->magic) && tb->magiclen <
	    tb->nread + (uint64_t)n) {
		tb->magic[tb->magiclen] = tb->buf[tb->magiclen - tb->nread];
		tb->magiclen++;
	}
	if ((tb->nread += (uint64_t)n) > tb->lim.max_size) {
		tb->stop = TB_TOOBIG;
		archive_set_error(a, EFBIG, "archive too large");
		return -1;
	}
	*buf = tb->buf;
	return n;
}

/* A zip is read where libarchive asks: its central directory first. */
static la_ssize_t
zip_read(struct archive *a, void *arg, const void **buf)
{
	struct tb *tb = arg;
	size_t want = sizeof(tb->buf);
	ssize_t n;

	if (tb->end - tb->pos < (int64_t)want)
		want = (size_t)(tb->end - tb->pos);
	if (want == 0) {
		*buf = tb->buf;
		return 0;
	}
	do
		n = pread(tb->fd, tb->buf, want, tb->base + tb->pos);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		tb->stop = TB_READERR;
		tb->rerrno = errno;
		archive_set_error(a, errno, "read error");
		return -1;
	}
	tb->pos += n;
	tb->nread += (uint64_t)n;
	*buf = tb->buf;
	return n;
}

static la_int64_t
zip_seek(struct archive *a, void *arg, la_int64_t off, int whence)
{
	struct tb *tb = arg;
	int64_t to;

	(void)a;
	if (whence == SEEK_SET)
		to = off;
	else if (whence == SEEK_CUR)
		to = tb->pos + off;
	else if (whence == SEEK_END)
		to = tb->end + off;
	else
		return ARCHIVE_FATAL;
	if (to < 0 || to > tb->end)
		return ARCHIVE_FATAL;
	return tb->pos = to;
}

/*
 * Says why libarchive failed, preferring what tb_read knows.  The fault
 * is in member's data, or in what follows it when after is set.
 */
static void
tb_archive_error(struct tb *tb, const char *member, int after)
{
	const char *msg;
	char q[200];

	switch (tb->stop) {
	case TB_TOOBIG:
		tb_fail(tb, NULL, "archive larger than %llu bytes",
		    (unsigned long long)tb->lim.max_size);
		return;
	case TB_BLOATED:
		tb_fail(tb, NULL, "corrupt archive: far more header data "
		    "than members");
		return;
	case TB_READERR:
		tb_fail(tb, NULL, "read: %s", strerror(tb->rerrno));
		return;
	case TB_GOING:
		break;
	}
	if ((msg = archive_error_string(tb->a)) == NULL)
		msg = "truncated or damaged data";
	if (member != NULL && after) {
		quote(member, q, sizeof(q));
		tb_fail(tb, NULL, "corrupt archive after member '%s': %s", q,
		    msg);
	} else
		tb_fail(tb, member, "corrupt archive: %s", msg);
}

/* Whether what libarchive found is gzip around something, and only that. */
static int
is_gzip(struct archive *a)
{
	return archive_filter_count(a) == 2 &&
	    archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP &&
	    archive_filter_code(a, 1) == ARCHIVE_FILTER_NONE;
}

/* A new inspection of fd; NULL with err set. */
static struct tb *
tb_new(int fd, const struct tar_limits *lim, struct tar_result *res,
    char *err, size_t errlen)
{
	struct tb *tb;

	memset(res, 0, sizeof(*res));
	if (errlen > 0)
		err[0] = '\0';
	if ((tb = calloc(1, sizeof(*tb))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tb->fd = fd;
	tb->err = err;
	tb->errlen = errlen;
	/* The sandboxes allow getrandom; without it, better to say so. */
	if (getrandom(&tb->hkey, sizeof(tb->hkey), 0) != sizeof(tb->hkey)) {
		tb_fail(tb, NULL, "getrandom: %s", strerror(errno));
		free(tb);
		return NULL;
	}
	tb->hkey = tb->hkey % (HASH_P - 1) + 1;
	tb->lim = *lim;
	if (tb->lim.max_size == 0)
		tb->lim.max_size = TAR_DEFAULT_MAX_SIZE;
	if (tb->lim.max_unpacked == 0)
		tb->lim.max_unpacked = TAR_DEFAULT_MAX_UNPACKED;
	if (tb->lim.max_members == 0)
		tb->lim.max_members = TAR_DEFAULT_MAX_MEMBERS;
	if (tb->lim.max_description == 0)
		tb->lim.max_description = TAR_DEFAULT_MAX_DESCRIPTION;
	return tb;
}

/* Every member of the opened archive, then what needs them all. */
static int
tb_walk(struct tb *tb)
{
	struct archive_entry *e;
	const char *msg;
	char *name = NULL;
	int r, ret = -1;

	for (;;) {
		r = archive_read_next_header(tb->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		/*
		 * Warnings are refused too: "Too many special headers"
		 * hands back a half-read entry, and an ignored pax record
		 * may be one another extractor honours.  That includes
		 * names in pax headers (UTF-8) that the C locale cannot
		 * hold: a later warning's message replaces an earlier
		 * one's, so excusing this one could hide the others.  R's
		 * portability rules keep file names ASCII anyway, and R's
		 * own tar and GNU tar's format carry raw bytes, which pass.
		 */
		if (r == ARCHIVE_WARN && (msg = archive_error_string(tb->a))
		    != NULL && strstr(msg, "can't be converted") != NULL) {
			tb_fail(tb, archive_entry_pathname(e), "non-ASCII "
			    "name or owner in a pax header: %s", msg);
			goto out;
		}
		if (r != ARCHIVE_OK) {
			tb_archive_error(tb, name, 1);
			goto out;
		}
		free(name);
		if ((name = strdup(archive_entry_pathname(e) ?
		    archive_entry_pathname(e) : "")) == NULL) {
			tb_fail(tb, NULL, "out of memory");
			goto out;
		}
		if ((r = member(tb, e)) == -2)
			tb_archive_error(tb, name, 0);
		if (r != 0)
			goto out;
	}
	if (tb->pkgdir == NULL) {
		tb_fail(tb, NULL, "empty archive");
		goto out;
	}
	if (tb->ndesc == 0) {
		tb_fail(tb, NULL, "no %s/DESCRIPTION", tb->pkgdir);
		goto out;
	}
	if (check_dotlinks(tb) != 0)
		goto out;
	ret = 0;
 out:
	free(name);
	return ret;
}

/* Hands the result over when ok, and frees the inspection. */
static int
tb_done(struct tb *tb, int ok, struct tar_result *res, char *err,
    size_t errlen)
{
	if (ok) {
		res->pkgdir = tb->pkgdir;
		res->description = tb->desc;
		res->description_len = tb->desclen;
		res->members = tb->members;
		res->unpacked = tb->unpacked;
		res->has_src = tb->has_src;
		tb->pkgdir = tb->desc = NULL;
	} else if (errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "cannot inspect archive");
	if (tb->a != NULL)
		archive_read_free(tb->a);
	free(tb->pkgdir);
	free(tb->desckey);
	free(tb->desc);
	free(tb->names.v);
	lset_free(&tb->links);
	free(tb);
	return ok ? 0 : -1;
}

int
tarball_inspect(int fd, const struct tar_limits *lim, struct tar_result *res,
    char *err, size_t errlen)
{
	struct tb *tb;
	const char *msg;
	int r, ok = 0;

	if ((tb = tb_new(fd, lim, res, err, errlen)) == NULL)
		return -1;
	/*
	 * Without zlib, libarchive would fork gzip (ARCHIVE_WARN); no
	 * sandbox here allows that, so anything but OK is an error.
	 */
	if ((tb->a = archive_read_new()) == NULL ||
	    archive_read_support_filter_gzip(tb->a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(tb->a) != ARCHIVE_OK) {
		tb_fail(tb, NULL, "libarchive cannot read gzip and tar");
		goto out;
	}
	/*
	 * Opening chooses the filters, then the format, reading as far as
	 * it needs to; when it fails, the filters are gone, so whether it
	 * was gzip is told from the magic tb_read saw.
	 */
	r = archive_read_open(tb->a, tb, NULL, tb_read, NULL);
	if (tb->stop != TB_GOING) {
		tb_archive_error(tb, NULL, 0);
		goto out;
	}
	if (tb->nread == 0) {
		tb_fail(tb, NULL, "empty file");
		goto out;
	}
	if (tb->magiclen < 3 || memcmp(tb->magic, "\x1f\x8b\x08", 3) != 0 ||
	    (r == ARCHIVE_OK && !is_gzip(tb->a))) {
		tb_fail(tb, NULL, "not a gzip-compressed tar archive");
		goto out;
	}
	if (r != ARCHIVE_OK) {
		/* Its errno for this is private; the text has been stable. */
		msg = archive_error_string(tb->a);
		if (msg != NULL && strcmp(msg, "Unrecognized archive format") == 0)
			tb_fail(tb, NULL, "not a gzip-compressed tar archive "
			    "(gzip, but no tar inside)");
		else
			tb_archive_error(tb, NULL, 0);
		goto out;
	}
	ok = tb_walk(tb) == 0;
 out:
	return tb_done(tb, ok, res, err, errlen);
}

int
tarball_inspect_zip(int fd, const struct tar_limits *lim,
    struct tar_result *res, char *err, size_t errlen)
{
	unsigned char magic[4];
	struct tb *tb;
	int64_t end;
	ssize_t n;
	int ok = 0;

	if ((tb = tb_new(fd, lim, res, err, errlen)) == NULL)
		return -1;
	tb->zip = 1;
	if ((tb->base = lseek(fd, 0, SEEK_CUR)) == -1 ||
	    (end = lseek(fd, 0, SEEK_END)) == -1 ||
	    lseek(fd, tb->base, SEEK_SET) == -1) {
		tb_fail(tb, NULL, "cannot seek: %s", strerror(errno));
		goto out;
	}
	tb->end = end - tb->base;
	if (tb->end == 0) {
		tb_fail(tb, NULL, "empty file");
		goto out;
	}
	if ((uint64_t)tb->end > tb->lim.max_size) {
		tb_fail(tb, NULL, "archive larger than %llu bytes",
		    (unsigned long long)tb->lim.max_size);
		goto out;
	}
	do
		n = pread(fd, magic, sizeof(magic), tb->base);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "PK\003\004", 4) != 0) {
		tb_fail(tb, NULL, "not a zip archive");
		goto out;
	}
	/*
	 * The seekable reader goes by the central directory, as R's unzip
	 * and Windows do, and checks each local header against it; the
	 * streaming one would believe local headers alone.
	 */
	if ((tb->a = archive_read_new()) == NULL ||
	    archive_read_support_format_zip_seekable(tb->a) != ARCHIVE_OK ||
	    archive_read_set_read_callback(tb->a, zip_read) != ARCHIVE_OK ||
	    archive_read_set_seek_callback(tb->a, zip_seek) != ARCHIVE_OK ||
	    archive_read_set_callback_data(tb->a, tb) != ARCHIVE_OK) {
		tb_fail(tb, NULL, "libarchive cannot read zip");
		goto out;
	}
	if (archive_read_open1(tb->a) != ARCHIVE_OK) {
		tb_archive_error(tb, NULL, 0);
		goto out;
	}
	ok = tb_walk(tb) == 0;
 out:
	return tb_done(tb, ok, res, err, errlen);
}

void
tarball_result_free(struct tar_result *res)
{
	if (res == NULL)
		return;
	free(res->pkgdir);
	free(res->description);
	memset(res, 0, sizeof(*res));
}
