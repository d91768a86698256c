#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "db.h"
#include "dcf.h"
#include "log.h"
#include "packages.h"
#include "pkg.h"
#include "publish.h"
#include "resolve.h"
#include "rds.h"
#include "store.h"
#include "util.h"

#define INDEX_MAX ((size_t)1 << 30)	/* any one index file */

struct ver {
	int64_t id;
	char *tree;		/* "src/contrib", or a binary tree (pkg.h) */
	char *package;
	char *version;
	char *file;
	char *sha256;
	char *md5;
	int64_t size;
	int64_t added;
	int latest;
	struct dcf desc;
};

/* What one version holds (not the version itself). */
static void
ver_clear(struct ver *v)
{
	free(v->tree);
	free(v->package);
	free(v->version);
	free(v->file);
	free(v->sha256);
	free(v->md5);
	dcf_free(&v->desc);
}

static void
vers_free(struct ver *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ver_clear(&v[i]);
	free(v);
}

/* By tree, then package names in the order of R's index, then versions. */
static int
ver_cmp(const void *a, const void *b)
{
	const struct ver *x = a, *y = b;
	int c = strcmp(x->tree, y->tree);

	if (c == 0)
		c = pkg_name_collate(x->package, y->package);
	return c != 0 ? c : pkg_version_cmp(x->version, y->version);
}

static int
is_source(const struct ver *v)
{
	return strcmp(v->tree, PKG_TREE_SOURCE) == 0;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t ? (const char *)t : "");
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t x = (*(const struct ver *const *)a)->id;
	int64_t y = (*(const struct ver *const *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * Every version of the repository, sorted, the newest of each marked:
 * 0 with *vp (NULL for none) and *np, or -1 on a database error.
 */
static int write_file(const char *path, const void *p, size_t n);

int
publish_blocks_load(sqlite3 *db, int64_t repo_id, struct rv_block **bp,
    size_t *np)
{
	struct rv_block *b = NULL, *nb;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int r;

	*bp = NULL;
	*np = 0;
	st = db_prepare(db, "SELECT id, package, versions, reason FROM blocks "
	    "WHERE repo_id IS NULL OR repo_id = ? ORDER BY id");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, repo_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nb = realloc(b, cap * sizeof(*b))) == NULL)
				break;
			b = nb;
		}
		b[n].id = sqlite3_column_int64(st, 0);
		b[n].package = col_dup(st, 1);
		b[n].versions = col_dup(st, 2);
		b[n].reason = col_dup(st, 3);
		n++;
	}
	sqlite3_finalize(st);
	*bp = b;
	*np = n;
	if (r != SQLITE_DONE) {
		publish_blocks_free(b, n);
		*bp = NULL;
		*np = 0;
		return -1;
	}
	return 0;
}

void
publish_blocks_free(struct rv_block *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)(uintptr_t)b[i].package);
		free((char *)(uintptr_t)b[i].versions);
		free((char *)(uintptr_t)b[i].reason);
	}
	free(b);
}

/*
 * The versions a repository serves: its own, or for a curated one the
 * mirror's versions it chose with the mirror's binaries of exactly those
 * versions; less what block rules take out.  Sorted by ver_cmp, the
 * newest of each package in each tree marked latest.
 */
static int
load_versions(sqlite3 *db, int64_t repo_id, struct ver **vp, size_t *np)
{
	sqlite3_stmt *st;
	struct ver *v = NULL, *nv, **byid = NULL, key, *kp;
	struct rv_block *blocks = NULL;
	size_t n = 0, cap = 0, i, k, nblocks = 0;
	char kind[16] = "";
	int r;

	if (db_repo_kind(db, repo_id, kind, sizeof(kind)) != 0 ||
	    publish_blocks_load(db, repo_id, &blocks, &nblocks) != 0)
		return -1;
	st = db_prepare(db, strcmp(kind, "curated") == 0 ?
	    "SELECT v.id, v.package, v.version, v.file, v.sha256, b.md5, "
	    "b.size, v.added_at, v.tree FROM curated_versions c "
	    "JOIN versions s ON s.id = c.version_id "
	    "JOIN versions v ON v.repo_id = s.repo_id AND "
	    "v.package = s.package AND v.version = s.version "
	    "JOIN blobs b ON b.sha256 = v.sha256 WHERE c.repo_id = ?" :
	    "SELECT v.id, v.package, v.version, v.file, "
	    "v.sha256, b.md5, b.size, v.added_at, v.tree FROM versions v "
	    "JOIN blobs b ON b.sha256 = v.sha256 WHERE v.repo_id = ?");
	if (st == NULL) {
		publish_blocks_free(blocks, nblocks);
		return -1;
	}
	sqlite3_bind_int64(st, 1, repo_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].package = col_dup(st, 1);
		v[n].version = col_dup(st, 2);
		v[n].file = col_dup(st, 3);
		v[n].sha256 = col_dup(st, 4);
		v[n].md5 = col_dup(st, 5);
		v[n].size = sqlite3_column_int64(st, 6);
		v[n].added = sqlite3_column_int64(st, 7);
		v[n].tree = col_dup(st, 8);
		n++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (r != SQLITE_DONE)
		goto fail;
	/* Blocked versions leave the index: an older one may take over. */
	for (i = k = 0; i < n; i++) {
		if (rv_blocked(blocks, nblocks, v[i].package, v[i].version)
		    != NULL) {
			ver_clear(&v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	n = k;
	publish_blocks_free(blocks, nblocks);
	blocks = NULL;
	nblocks = 0;
	if (n > 0)
		qsort(v, n, sizeof(*v), ver_cmp);
	for (i = 0; i < n; i++)
		v[i].latest = i + 1 == n ||
		    strcmp(v[i].package, v[i + 1].package) != 0 ||
		    strcmp(v[i].tree, v[i + 1].tree) != 0;

	/* The DESCRIPTION fields of the newest versions, for the index. */
	if (n > 0 && (byid = calloc(n, sizeof(*byid))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		byid[i] = &v[i];
	if (n > 0)
		qsort(byid, n, sizeof(*byid), id_cmp);
	st = db_prepare(db, strcmp(kind, "curated") == 0 ?
	    "SELECT f.version_id, f.name, f.value FROM curated_versions c "
	    "JOIN versions s ON s.id = c.version_id "
	    "JOIN versions v ON v.repo_id = s.repo_id AND "
	    "v.package = s.package AND v.version = s.version "
	    "JOIN fields f ON f.version_id = v.id "
	    "WHERE c.repo_id = ? ORDER BY f.version_id, f.pos" :
	    "SELECT f.version_id, f.name, f.value FROM fields f "
	    "JOIN versions v ON v.id = f.version_id WHERE v.repo_id = ? "
	    "ORDER BY f.version_id, f.pos");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, repo_id);
	kp = &key;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct ver **hit;

		key.id = sqlite3_column_int64(st, 0);
		hit = bsearch(&kp, byid, n, sizeof(*byid), id_cmp);
		if (hit == NULL || !(*hit)->latest)
			continue;
		if (dcf_add(&(*hit)->desc,
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2)) != 0)
			goto fail;
	}
	if (r != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	free(byid);
	*vp = v;
	*np = n;
	return 0;
fail:
	log_error("publish: reading versions: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(byid);
	vers_free(v, n);
	publish_blocks_free(blocks, nblocks);
	return -1;
}

/*
 * store/blocked: "repo<TAB>file<TAB>reason" for every file a block rule
 * covers, in every repository; workers answer 403 for those, in every
 * snapshot, from the moment a rule is added.
 */
int
publish_write_blocked(sqlite3 *db, const char *data_dir)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	sqlite3_stmt *st, *vs;
	struct rv_block *b;
	const struct rv_block *hit;
	size_t nb;
	struct buf out;
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s/store/.blocked.tmp", data_dir);
	snprintf(path, sizeof(path), "%s/store/blocked", data_dir);
	buf_init(&out, (size_t)1 << 30);
	if ((st = db_prepare(db, "SELECT id, name, kind FROM repos")) == NULL)
		return -1;
	vs = db_prepare(db, "SELECT v.package, v.version, v.file FROM versions "
	    "v WHERE v.repo_id = ?1 AND ?2 != 'curated' UNION ALL "
	    "SELECT v.package, v.version, v.file FROM curated_versions c "
	    "JOIN versions s ON s.id = c.version_id "
	    "JOIN versions v ON v.repo_id = s.repo_id AND "
	    "v.package = s.package AND v.version = s.version "
	    "WHERE c.repo_id = ?1");
	while (vs != NULL && r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (publish_blocks_load(db, id, &b, &nb) != 0) {
			r = -1;
			break;
		}
		sqlite3_reset(vs);
		sqlite3_bind_int64(vs, 1, id);
		sqlite3_bind_text(vs, 2, (const char *)sqlite3_column_text(st,
		    2), -1, SQLITE_TRANSIENT);
		while (nb > 0 && sqlite3_step(vs) == SQLITE_ROW)
			if ((hit = rv_blocked(b, nb, (const char *)
			    sqlite3_column_text(vs, 0), (const char *)
			    sqlite3_column_text(vs, 1))) != NULL)
				buf_putf(&out, "%s\t%s\trule %lld: %s\n",
				    sqlite3_column_text(st, 1),
				    sqlite3_column_text(vs, 2),
				    (long long)hit->id, hit->reason);
		publish_blocks_free(b, nb);
	}
	sqlite3_finalize(vs);
	sqlite3_finalize(st);
	unlink(tmp);
	if (r == 0 && (vs == NULL || write_file(tmp, buf_ptr(&out),
	    buf_avail(&out)) != 0 || rename(tmp, path) != 0)) {
		log_error("publish: cannot write %s: %s", path, strerror(errno));
		r = -1;
	}
	buf_release(&out);
	return r;
}

static int
fsync_path(const char *path, int dir)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
	int r;

	if (fd == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Writes data to a new file and makes it durable. */
static int
write_file(const char *path, const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		return -1;
	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* gzip (RFC 1952) of in, as R's gzcon and readRDS read it. */
static int
gzip_buf(const struct buf *in, struct buf *out)
{
	z_stream z;
	uint8_t *p;
	size_t room;
	int r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
	    != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)buf_ptr(in);
	z.avail_in = (uInt)buf_avail(in);
	do {
		room = 65536;
		if (buf_reserve(out, room, &p) != 0) {
			deflateEnd(&z);
			return -1;
		}
		z.next_out = p;
		z.avail_out = (uInt)room;
		r = deflate(&z, Z_FINISH);
		buf_commit(out, room - z.avail_out);
	} while (r == Z_OK || (r == Z_BUF_ERROR && z.avail_out == 0));
	deflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

static int
put(const char *dir, const char *name, const struct buf *b, char *err,
    size_t errlen)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (write_file(path, buf_ptr(b), buf_avail(b)) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct gz_job {
	const struct buf *in;
	struct buf out;
	int r;
};

static void *
gz_thread(void *arg)
{
	struct gz_job *j = arg;

	j->r = gzip_buf(j->in, &j->out);
	return NULL;
}

/*
 * Writes a gzip'd as name and, unless b is NULL, b gzip'd as name2,
 * compressing both at once: on a large repository gzip is most of a
 * publish, and there are cores.
 */
static int
put_gz2(const char *dir, const char *name, const struct buf *a,
    const char *name2, const struct buf *b, char *err, size_t errlen)
{
	struct gz_job ja = { a, { 0 }, 0 }, jb = { b, { 0 }, 0 };
	pthread_t t;
	int threaded = 0, r = -1;

	buf_init(&ja.out, INDEX_MAX);
	buf_init(&jb.out, INDEX_MAX);
	if (b != NULL)
		threaded = pthread_create(&t, NULL, gz_thread, &jb) == 0;
	gz_thread(&ja);
	if (threaded)
		pthread_join(t, NULL);
	else if (b != NULL)
		gz_thread(&jb);
	if (ja.r != 0 || jb.r != 0)
		snprintf(err, errlen, "cannot compress %s", ja.r ? name : name2);
	else if (put(dir, name, &ja.out, err, errlen) == 0 &&
	    (b == NULL || put(dir, name2, &jb.out, err, errlen) == 0))
		r = 0;
	buf_release(&ja.out);
	buf_release(&jb.out);
	return r;
}

static int
manifest_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A line of the manifest, "path\tsha256\tsize\n": one more in *lines. */
static int
manifest_line(char ***lines, size_t *nl, size_t *cap, const char *tree,
    const char *sub, const struct ver *v)
{
	char **nv;

	if (*nl == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		if ((nv = reallocarray(*lines, *cap, sizeof(**lines))) == NULL)
			return -1;
		*lines = nv;
	}
	if (asprintf(&(*lines)[*nl], "%s/%s%s\t%s\t%lld\n", tree, sub,
	    v->file, v->sha256, (long long)v->size) < 0)
		return -1;
	(*nl)++;
	return 0;
}

/* fsync of dir/sub and of each of its parents up to dir. */
static int
fsync_up(const char *dir, const char *sub, char *err, size_t errlen)
{
	char path[PATH_MAX + 128], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	for (;;) {
		if (fsync_path(path, 1) != 0) {
			snprintf(err, errlen, "fsync %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (strlen(path) <= strlen(dir) ||
		    (slash = strrchr(path, '/')) == NULL)
			return 0;
		*slash = '\0';
	}
}

/*
 * The index files of one tree of a snapshot (dir/<tree>/PACKAGES, .gz,
 * .rds), from v[0..n) (all of that tree), and its manifest lines.  The
 * source tree also has Archive/ and Meta/archive.rds for its older
 * versions; a binary tree serves the newest of each package only, as
 * CRAN's do.
 */
static int
write_tree(const char *dir, const char *tree, struct ver *v, size_t n,
    char ***lines, size_t *nl, size_t *cap, char *err, size_t errlen)
{
	const size_t nf = packages_nfields;
	const int source = strcmp(tree, PKG_TREE_SOURCE) == 0;
	struct buf text, rds, arc;
	const char **cells = NULL;
	struct rds_archive_file *arch = NULL;
	char sub[PATH_MAX + 128];
	size_t i, rows = 0, na = 0;
	int r = -1;

	buf_init(&text, INDEX_MAX);
	buf_init(&rds, INDEX_MAX);
	buf_init(&arc, INDEX_MAX);
	if ((cells = calloc(n * nf + 1, sizeof(*cells))) == NULL ||
	    (arch = calloc(n + 1, sizeof(*arch))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (v[i].latest) {
			if (packages_row(&v[i].desc, v[i].md5, v[i].file,
			    cells + rows * nf) != 0 ||
			    packages_put_entry(&text, cells + rows * nf) != 0) {
				snprintf(err, errlen, "%s %s (%s): cannot index",
				    v[i].package, v[i].version, tree);
				goto out;
			}
			rows++;
			if (manifest_line(lines, nl, cap, tree, "", &v[i]) != 0)
				goto nomem;
		} else if (source) {
			char *apath, asub[256];

			snprintf(asub, sizeof(asub), "Archive/%s/",
			    v[i].package);
			if (manifest_line(lines, nl, cap, tree, asub, &v[i]) != 0)
				goto nomem;
			/* archive.rds names a file "pkg/pkg_ver.tar.gz". */
			if (asprintf(&apath, "%s/%s", v[i].package, v[i].file) < 0)
				goto nomem;
			arch[na].package = v[i].package;
			arch[na].path = apath;
			arch[na].size = (double)v[i].size;
			arch[na].mtime = v[i].added;
			na++;
		}
	}
	snprintf(sub, sizeof(sub), "%s/%s%s", dir, tree, source ? "/Meta" : "");
	if (mkdir_p(sub, 0755) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", sub,
		    strerror(errno));
		goto out;
	}
	snprintf(sub, sizeof(sub), "%s/%s", dir, tree);
	if (put(sub, "PACKAGES", &text, err, errlen) != 0)
		goto out;
	if (rds_header(&rds) != 0 || rds_char_matrix(&rds, cells, rows, nf,
	    packages_fields) != 0 || rds_end(&rds) != 0) {
		snprintf(err, errlen, "cannot serialise %s/PACKAGES.rds: %s",
		    tree, strerror(errno));
		goto out;
	}
	if (put_gz2(sub, "PACKAGES.gz", &text, "PACKAGES.rds", &rds, err,
	    errlen) != 0)
		goto out;
	if (source) {
		if (rds_header(&arc) != 0 || rds_archive(&arc, arch, na) != 0 ||
		    rds_end(&arc) != 0) {
			snprintf(err, errlen, "cannot serialise archive.rds: "
			    "%s", strerror(errno));
			goto out;
		}
		if (put_gz2(sub, "Meta/archive.rds", &arc, NULL, NULL, err,
		    errlen) != 0 || fsync_up(dir, PKG_TREE_SOURCE "/Meta", err,
		    errlen) != 0)
			goto out;
	} else if (fsync_up(dir, tree, err, errlen) != 0)
		goto out;
	r = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	for (i = 0; arch != NULL && i < na; i++)
		free((void *)(uintptr_t)arch[i].path);
	free(arch);
	free(cells);
	buf_release(&text);
	buf_release(&rds);
	buf_release(&arc);
	return r;
}

/*
 * The index files and manifest of one snapshot in dir, from v[0..n)
 * sorted by ver_cmp: the source tree always (an empty repository has an
 * empty index), and each binary tree that has versions.  The manifest
 * maps each package file's path in the repository to its blob, one
 * sorted line each ("path\tsha256\tsize\n"), so a worker can
 * binary-search it mmap'd.
 */
static int
write_snapshot(const char *dir, struct ver *v, size_t n, char *err,
    size_t errlen)
{
	struct buf mani;
	char **lines = NULL;
	size_t i, k, nl = 0, cap = 0, src = 0, nsrc = 0;
	int r = -1;

	buf_init(&mani, INDEX_MAX);
	/* The source tree first, wherever it sorts among the others. */
	for (i = 0; i < n && !is_source(&v[i]); i++)
		;
	for (src = i; i < n && is_source(&v[i]); i++)
		nsrc++;
	if (write_tree(dir, PKG_TREE_SOURCE, v + src, nsrc, &lines, &nl, &cap,
	    err, errlen) != 0)
		goto out;
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && strcmp(v[k].tree, v[i].tree) == 0; k++)
			;
		if (!is_source(&v[i]) && write_tree(dir, v[i].tree, v + i,
		    k - i, &lines, &nl, &cap, err, errlen) != 0)
			goto out;
	}
	if (nl > 0)
		qsort(lines, nl, sizeof(*lines), manifest_cmp);
	for (i = 0; i < nl; i++)
		buf_put(&mani, lines[i], strlen(lines[i]));
	if (put(dir, "manifest", &mani, err, errlen) != 0)
		goto out;
	if (fsync_path(dir, 1) != 0) {
		snprintf(err, errlen, "fsync %s: %s", dir, strerror(errno));
		goto out;
	}
	r = 0;
out:
	for (i = 0; i < nl; i++)
		free(lines[i]);
	free(lines);
	buf_release(&mani);
	return r;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int
rm_tree(const char *path)
{
	if (access(path, F_OK) != 0)
		return 0;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
publish_write_list(sqlite3 *db, const char *data_dir, int64_t repo_id,
    const char *repo)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], path[PATH_MAX + 32];
	sqlite3_stmt *st;
	struct buf b;
	int r;

	snprintf(dir, sizeof(dir), "%s/store/repos/%s", data_dir, repo);
	if (mkdir_p(dir, 0755) != 0)
		return -1;
	st = db_prepare(db, "SELECT id, created_at FROM snapshots WHERE "
	    "repo_id = ? AND state = 'published' ORDER BY created_at, id");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, repo_id);
	buf_init(&b, INDEX_MAX);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		buf_putf(&b, "%lld %lld\n",
		    (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	snprintf(tmp, sizeof(tmp), "%s/.snapshots.tmp", dir);
	snprintf(path, sizeof(path), "%s/snapshots", dir);
	unlink(tmp);
	r = r == SQLITE_DONE && write_file(tmp, buf_ptr(&b), buf_avail(&b)) == 0 &&
	    rename(tmp, path) == 0 ? 0 : -1;
	if (r != 0)
		log_error("publish: cannot write %s: %s", path, strerror(errno));
	/* Who may read it, for the workers: one line, the rule. */
	buf_reset(&b);
	if (r == 0 && (st = db_prepare(db, "SELECT access FROM repos WHERE "
	    "id = ?")) != NULL) {
		sqlite3_bind_int64(st, 1, repo_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			buf_putf(&b, "%s\n", sqlite3_column_text(st, 0));
		else
			r = -1;
		sqlite3_finalize(st);
		snprintf(tmp, sizeof(tmp), "%s/.access.tmp", dir);
		snprintf(path, sizeof(path), "%s/access", dir);
		unlink(tmp);
		if (r != 0 || write_file(tmp, buf_ptr(&b), buf_avail(&b)) != 0 ||
		    rename(tmp, path) != 0) {
			log_error("publish: cannot write %s: %s", path,
			    strerror(errno));
			r = -1;
		}
	} else
		r = -1;
	if (r == 0 && fsync_path(dir, 1) != 0)
		r = -1;
	buf_release(&b);
	return r;
}

int
publish_repo(sqlite3 *db, const char *data_dir, int64_t repo_id,
    const char *repo, struct publish_result *res, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], final[PATH_MAX + 32];
	sqlite3_stmt *st = NULL;
	struct timespec t0, t1;
	struct ver *v = NULL;
	size_t n = 0, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	/* An empty repository publishes an empty index; an error nothing. */
	if (load_versions(db, repo_id, &v, &n) != 0) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	res->created = time(NULL);
	for (i = 0; i < n; i++) {
		if (!is_source(&v[i]))
			res->binaries += v[i].latest;
		else if (v[i].latest)
			res->packages++;
		else
			res->archived++;
	}
	/* The snapshot exists first as 'building', invisible to workers. */
	if (db_begin(db) != 0)
		goto dberr;
	st = db_prepare(db, "INSERT INTO snapshots (repo_id, created_at, state, "
	    "packages, archived) VALUES (?, ?, 'building', ?, ?)");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_int64(st, 1, repo_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)res->created);
	sqlite3_bind_int(st, 3, (int)res->packages);
	sqlite3_bind_int(st, 4, (int)res->archived);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	res->id = sqlite3_last_insert_rowid(db);
	st = db_prepare(db, "INSERT INTO snapshot_versions (snapshot_id, "
	    "version_id, latest) VALUES (?, ?, ?)");
	if (st == NULL)
		goto dberr;
	for (i = 0; i < n; i++) {
		/* A binary tree holds the newest of each package only. */
		if (!v[i].latest && !is_source(&v[i]))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, res->id);
		sqlite3_bind_int64(st, 2, v[i].id);
		sqlite3_bind_int(st, 3, v[i].latest);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_commit(db) != 0)
		goto dberr;

	snprintf(dir, sizeof(dir), "%s/store/repos/%s", data_dir, repo);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%lld", dir, (long long)res->id);
	snprintf(final, sizeof(final), "%s/%lld", dir, (long long)res->id);
	rm_tree(tmp);
	if (mkdir_p(tmp, 0755) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	if (write_snapshot(tmp, v, n, err, errlen) != 0)
		goto fail;
	if (rename(tmp, final) != 0 || fsync_path(dir, 1) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, final,
		    strerror(errno));
		goto fail;
	}
	/* The moment of publication: the list the workers read. */
	st = db_prepare(db, "UPDATE snapshots SET state = 'published' "
	    "WHERE id = ?");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_int64(st, 1, res->id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (publish_write_list(db, data_dir, repo_id, repo) != 0) {
		snprintf(err, errlen, "cannot update the snapshot list");
		goto fail;
	}
	vers_free(v, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return 0;
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
fail:
	sqlite3_finalize(st);
	db_rollback(db);
	if (res->id > 0) {
		/* Not published: nothing of it stays. */
		snprintf(tmp, sizeof(tmp), "%s/store/repos/%s/.tmp-%lld",
		    data_dir, repo, (long long)res->id);
		rm_tree(tmp);
		snprintf(tmp, sizeof(tmp), "DELETE FROM snapshots WHERE id = %lld "
		    "AND state = 'building'", (long long)res->id);
		db_exec(db, tmp);
	}
	vers_free(v, n);
	return -1;
}

int
publish_prune(sqlite3 *db, const char *data_dir, int64_t repo_id,
    const char *repo, unsigned keep, char *err, size_t errlen)
{
	char path[PATH_MAX];
	sqlite3_stmt *st;
	int64_t ids[4096];
	int n = 0, i, r;

	st = db_prepare(db, "SELECT id FROM snapshots WHERE repo_id = ? AND "
	    "state = 'published' ORDER BY created_at DESC, id DESC "
	    "LIMIT -1 OFFSET ?");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_int64(st, 1, repo_id);
	sqlite3_bind_int(st, 2, (int)keep);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && n < (int)nitems(ids))
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return 0;
	/* Out of the list first, so no worker resolves to a vanishing dir. */
	if (db_begin(db) != 0)
		goto dberr;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "DELETE FROM snapshots WHERE "
		    "id = %lld", (long long)ids[i]);
		if (db_exec(db, path) != 0)
			goto dberr;
	}
	if (db_commit(db) != 0)
		goto dberr;
	if (publish_write_list(db, data_dir, repo_id, repo) != 0) {
		snprintf(err, errlen, "cannot update the snapshot list");
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/store/repos/%s/%lld", data_dir,
		    repo, (long long)ids[i]);
		if (rm_tree(path) != 0)
			log_warn("prune: cannot remove %s: %s", path,
			    strerror(errno));
	}
	return n;
dberr:
	snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
	db_rollback(db);
	return -1;
}

int
publish_recover(sqlite3 *db, const char *data_dir)
{
	char path[PATH_MAX + 300];
	sqlite3_stmt *st;
	struct dirent *de;
	DIR *d;
	int r;

	/* Publishes a crash interrupted: their rows and directories go. */
	st = db_prepare(db, "SELECT s.id, r.name FROM snapshots s JOIN repos r "
	    "ON r.id = s.repo_id WHERE s.state = 'building'");
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(path, sizeof(path), "%s/store/repos/%s/.tmp-%lld",
		    data_dir, (const char *)sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 0));
		rm_tree(path);
		snprintf(path, sizeof(path), "%s/store/repos/%s/%lld", data_dir,
		    (const char *)sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 0));
		rm_tree(path);
		log_warn("publish: removed snapshot %lld of %s, interrupted "
		    "while being published",
		    (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (db_exec(db, "DELETE FROM snapshots WHERE state = 'building'") != 0)
		return -1;
	st = db_prepare(db, "SELECT id, name FROM repos");
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);

		snprintf(path, sizeof(path), "%s/store/repos/%s", data_dir, name);
		if ((d = opendir(path)) != NULL) {
			char sub[PATH_MAX + 600];

			while ((de = readdir(d)) != NULL) {
				if (strncmp(de->d_name, ".tmp-", 5) != 0)
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path,
				    de->d_name);
				rm_tree(sub);
			}
			closedir(d);
		}
		publish_write_list(db, data_dir, sqlite3_column_int64(st, 0),
		    name);
	}
	sqlite3_finalize(st);
	return publish_write_blocked(db, data_dir);
}
