#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "pkg.h"
#include "store.h"
#include "util.h"

#define COPY_CHUNK (256 * 1024)
/* Under malloc's mmap threshold, and within a core's L2 cache. */
#define HASH_CHUNK (64 * 1024)

int
store_init(const char *data_dir)
{
	char path[PATH_MAX], f[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/ingest", data_dir);
	if (mkdir_p(path, 0700) != 0) {
		log_error("store: cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	chmod(path, 0700);
	/* Half-received files of a previous run are not anything yet. */
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
			unlink(f);
		}
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/store/blobs/sha256", data_dir);
	if (mkdir_p(path, 0755) != 0) {
		log_error("store: cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
store_blob_path(const char *sha256, char *out, size_t outsz)
{
	snprintf(out, outsz, "blobs/sha256/%.2s/%s", sha256, sha256);
}

static void
hex(const unsigned char *d, unsigned n, char *out)
{
	static const char x[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Copies up to max + 1 bytes of in (from offset 0) to out: in the kernel
 * with copy_file_range where the two allow it, else through a buffer.
 * The bytes copied, or -1 with errno set.
 */
static int64_t
copy_all(int in, int out, uint64_t max)
{
	unsigned char *chunk = NULL;
	loff_t off = 0;
	uint64_t left = max + 1;
	ssize_t n, w;
	int kernel = 1;

	while (left > 0) {
		if (kernel) {
			n = copy_file_range(in, &off, out, NULL,
			    left < (1u << 30) ? (size_t)left : (1u << 30), 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && off == 0 && (errno == EXDEV ||
			    errno == EINVAL || errno == ENOSYS ||
			    errno == EOPNOTSUPP || errno == EBADF)) {
				kernel = 0;	/* another file system, a pipe */
				continue;
			}
			if (n == -1)
				goto fail;
		} else {
			if (chunk == NULL && (chunk = malloc(COPY_CHUNK)) == NULL)
				goto fail;
			n = pread(in, chunk, left < COPY_CHUNK ? (size_t)left :
			    COPY_CHUNK, off);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				goto fail;
			for (w = 0; w < n; ) {
				ssize_t k = write(out, chunk + w, (size_t)(n - w));

				if (k == -1 && errno == EINTR)
					continue;
				if (k == -1)
					goto fail;
				if (k == 0) {
					errno = ENOSPC;
					goto fail;
				}
				w += k;
			}
			off += n;
		}
		if (n == 0)
			break;
		left -= (uint64_t)n;
	}
	free(chunk);
	return (int64_t)off;
fail:
	free(chunk);
	return -1;
}

/*
 * The SHA-256 and MD5 of the first size bytes of fd, read a chunk at a
 * time: each chunk is in the cache for the second digest, and no mapping
 * is made and torn down (a munmap in a threaded process makes the
 * kernel flush the other cores' TLBs; reading was about a fifth faster
 * here).  0, or -1 with errno set (EIO: fd is shorter than size).
 */
static int
digest_fd(int fd, uint64_t size, char sha256[65], char md5[33])
{
	EVP_MD_CTX *sha = NULL, *m5 = NULL;
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned char *chunk = NULL;
	unsigned dlen;
	uint64_t off = 0;
	ssize_t n;
	int ret = -1;

	if ((chunk = malloc(HASH_CHUNK)) == NULL ||
	    (sha = EVP_MD_CTX_new()) == NULL || (m5 = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(m5, EVP_md5(), NULL))
		goto out;
	while (off < size) {
		n = pread(fd, chunk, size - off < HASH_CHUNK ?
		    (size_t)(size - off) : HASH_CHUNK, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			goto out;
		if (!EVP_DigestUpdate(sha, chunk, (size_t)n) ||
		    !EVP_DigestUpdate(m5, chunk, (size_t)n))
			goto out;
		off += (uint64_t)n;
	}
	EVP_DigestFinal_ex(sha, dig, &dlen);
	hex(dig, dlen, sha256);
	EVP_DigestFinal_ex(m5, dig, &dlen);
	hex(dig, dlen, md5);
	ret = 0;
out:
	free(chunk);
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(m5);
	return ret;
}

/*
 * Makes fd (of st) the store's copy without copying it, when it is a file
 * of uid that can be made root's for good (store.h): 0, with the file
 * root's, 0644, and no writer; -1 when it must be copied instead.
 */
static int
adopt(const char *data_dir, int fd, const struct stat *st, uid_t uid)
{
	char dir[PATH_MAX];
	struct stat ds;

	snprintf(dir, sizeof(dir), "%s/store/blobs", data_dir);
	if (uid == (uid_t)-1 || uid == 0 || st->st_uid != uid ||
	    st->st_nlink != 1 || stat(dir, &ds) != 0 ||
	    ds.st_dev != st->st_dev)
		return -1;
	/*
	 * First root's and read-only for others, so that its user can open
	 * no new writer (nor link it: fs.protected_hardlinks); an ACL goes,
	 * lest it grant what the mode does not.  Then the read lease, which
	 * the kernel refuses while any descriptor has it open for writing:
	 * granted, no earlier writer is left either.
	 */
	if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0644) != 0 ||
	    (fremovexattr(fd, "system.posix_acl_access") != 0 &&
	    errno != ENODATA && errno != ENOTSUP) ||
	    fcntl(fd, F_SETLEASE, F_RDLCK) != 0)
		return -1;
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	return 0;
}

int
store_receive(const char *data_dir, int fd, uint64_t max, struct ingest *ig)
{
	char dir[PATH_MAX], self[64];
	struct stat st;
	int64_t got;
	int out = -1, ro = -1;

	ig->fd = -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(ig->error, sizeof(ig->error), "not a regular file");
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(ig->error, sizeof(ig->error), "%lld bytes, over "
		    "store.max_package_size (%llu)", (long long)st.st_size,
		    (unsigned long long)max);
		return -1;
	}
	if (adopt(data_dir, fd, &st, ig->adopt_uid) == 0) {
		/* Its own description: the caller closes fd. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if ((out = open(self, O_RDONLY | O_CLOEXEC)) == -1 ||
		    fstat(out, &st) != 0) {
			snprintf(ig->error, sizeof(ig->error), "reopen: %s",
			    strerror(errno));
			if (out != -1)
				close(out);
			return -1;
		}
		snprintf(ig->tmp, sizeof(ig->tmp), "(the file handed over)");
		ig->fd = out;
		got = st.st_size;
	} else {
		/*
		 * An unnamed file in DATA_DIR/ingest: it gets its only name
		 * when store_place links it as a blob, and a crash before
		 * that leaves nothing to clean up.
		 */
		snprintf(dir, sizeof(dir), "%s/ingest", data_dir);
		snprintf(ig->tmp, sizeof(ig->tmp), "%.4000s/(unnamed)", dir);
		out = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (out == -1 && (errno == EOPNOTSUPP || errno == EISDIR ||
		    errno == EINVAL)) {
			/* No O_TMPFILE here: a name, renamed by store_place. */
			snprintf(ig->tmp, sizeof(ig->tmp), "%.4000s/in.XXXXXX",
			    dir);
			if ((out = mkostemp(ig->tmp, O_CLOEXEC)) != -1)
				ig->named = 1;
		}
		if (out == -1) {
			snprintf(ig->error, sizeof(ig->error), "cannot create "
			    "a file in %.300s: %s", dir, strerror(errno));
			ig->tmp[0] = '\0';
			return -1;
		}
		ig->fd = out;
		if ((got = copy_all(fd, out, max)) == -1) {
			snprintf(ig->error, sizeof(ig->error), "copy to %.300s: "
			    "%s", dir, strerror(errno));
			goto fail;
		}
		if ((uint64_t)got > max) {
			snprintf(ig->error, sizeof(ig->error), "grew over "
			    "store.max_package_size while read");
			goto fail;
		}
	}
	/*
	 * Hashed from the copy, not from fd, whose sender may still write
	 * to it: the digests are of the bytes stored.
	 */
	if (digest_fd(out, (uint64_t)got, ig->sha256, ig->md5) != 0) {
		snprintf(ig->error, sizeof(ig->error), "cannot hash the copy: "
		    "%s", strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	ig->size = (uint64_t)got;
	if (ig->want_md5[0] != '\0' && strcmp(ig->want_md5, ig->md5) != 0) {
		snprintf(ig->error, sizeof(ig->error), "MD5 mismatch: the "
		    "index says %s, the file is %s", ig->want_md5, ig->md5);
		goto fail;
	}
	if (ig->want_sha256[0] != '\0' &&
	    strcmp(ig->want_sha256, ig->sha256) != 0) {
		snprintf(ig->error, sizeof(ig->error), "SHA-256 mismatch: the "
		    "index says %s, the file is %s", ig->want_sha256,
		    ig->sha256);
		goto fail;
	}
	/*
	 * Not durable yet: store_receive_sync follows for the batch.  Its
	 * writeback starts now, so that the batch's fsyncs find it done.
	 */
	(void)sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);
	/* The inspector's: a description of its own that cannot write. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", out);
	if ((ro = open(self, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(ig->error, sizeof(ig->error), "reopen the copy: %s",
		    strerror(errno));
		goto fail;
	}
	return ro;
fail:
	store_discard(ig);
	return -1;
}

int
store_receive_sync(int fd, struct ingest *ig)
{
	/* fd is read-only: fsync flushes the inode whatever the mode. */
	if (fsync(fd) == -1) {
		snprintf(ig->error, sizeof(ig->error), "fsync %.300s: %s",
		    ig->tmp, strerror(errno));
		store_discard(ig);
		return -1;
	}
	return 0;
}

void
store_file_name(const struct ingest *ig, char *out, size_t outsz)
{
	if (ig->tree[0] != '\0' && strcmp(ig->tree, PKG_TREE_SOURCE) != 0)
		snprintf(out, outsz, "%s/%s", ig->tree, ig->name);
	else
		snprintf(out, outsz, "%s", ig->name);
}

void
store_discard(struct ingest *ig)
{
	if (ig->fd >= 0)
		close(ig->fd);
	if (ig->named)
		unlink(ig->tmp);
	ig->fd = -1;
	ig->named = 0;
	ig->tmp[0] = '\0';
}

static int fsync_dir(const char *path);

/*
 * Gives the unnamed copy of size bytes the name path: 0, or -1 with
 * errno set.
 */
static int
link_copy(int fd, const char *path, uint64_t size)
{
	struct stat st;
	char self[64];
	int tries;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	for (tries = 0; tries < 2; tries++) {
		if (linkat(AT_FDCWD, self, AT_FDCWD, path,
		    AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		/*
		 * Placed since store_place looked (another batch with the
		 * same file, on its own thread): that one stays.  A blob of
		 * the wrong size is replaced by the verified copy: the name
		 * is the hash of these bytes.
		 */
		if (stat(path, &st) == 0 && (uint64_t)st.st_size == size)
			return 0;
		if (unlink(path) != 0)
			return -1;
	}
	return -1;
}

int
store_place(const char *data_dir, struct ingest *ig)
{
	char rel[128], path[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	store_blob_path(ig->sha256, rel, sizeof(rel));
	snprintf(path, sizeof(path), "%s/store/%s", data_dir, rel);
	snprintf(dir, sizeof(dir), "%s/store/blobs/sha256/%.2s", data_dir,
	    ig->sha256);
	if (stat(path, &st) == 0 && (uint64_t)st.st_size == ig->size) {
		store_discard(ig);
		return 0;
	}
	/* Usually the fan-out directory exists: one call, not a walk. */
	if (ig->fd < 0 || (mkdir(dir, 0755) != 0 && errno != EEXIST &&
	    mkdir_p(dir, 0755) != 0) || fchmod(ig->fd, 0644) != 0 ||
	    (ig->named ? rename(ig->tmp, path) : link_copy(ig->fd, path, ig->size))
	    != 0) {
		snprintf(ig->error, sizeof(ig->error), "cannot store %.300s: %s",
		    path, ig->fd < 0 ? "the copy is gone" : strerror(errno));
		store_discard(ig);
		return -1;
	}
	ig->named = 0;		/* renamed: nothing to remove */
	store_discard(ig);
	return 0;
}

int
store_place_sync(const char *data_dir, struct ingest *const *igs, size_t n,
    char *err, size_t errlen)
{
	unsigned char seen[256];
	char dir[PATH_MAX];
	unsigned v;
	size_t i;

	/*
	 * One fsync per fan-out directory, not per file: the first commits
	 * the journal with every rename of the batch in it, and the others
	 * mostly find theirs committed.  A blob that was there already is
	 * counted too, as a batch that failed here may have left it.
	 */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		if (sscanf(igs[i]->sha256, "%2x", &v) != 1 || seen[v & 255])
			continue;
		seen[v & 255] = 1;
		snprintf(dir, sizeof(dir), "%s/store/blobs/sha256/%.2s",
		    data_dir, igs[i]->sha256);
		if (fsync_dir(dir) != 0) {
			errf(err, errlen, "fsync %.300s: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
store_record(sqlite3 *db, int64_t repo_id, struct ingest *ig,
    const struct dcf *fields)
{
	sqlite3_stmt *st = NULL;
	int64_t vid;
	size_t i;

	snprintf(ig->package, sizeof(ig->package), "%s",
	    dcf_get(fields, "Package"));
	snprintf(ig->version, sizeof(ig->version), "%s",
	    dcf_get(fields, "Version"));
	/* Immutable: the same version again must be the same bytes. */
	if (ig->tree[0] == '\0')
		snprintf(ig->tree, sizeof(ig->tree), "%s", PKG_TREE_SOURCE);
	st = db_prepare(db, "SELECT sha256 FROM versions WHERE repo_id = ? "
	    "AND package = ? AND version = ? AND tree = ?");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_int64(st, 1, repo_id);
	sqlite3_bind_text(st, 2, ig->package, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ig->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ig->tree, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int same = strcmp((const char *)sqlite3_column_text(st, 0),
		    ig->sha256) == 0;

		sqlite3_finalize(st);
		if (!same) {
			snprintf(ig->error, sizeof(ig->error), "%s %s is "
			    "already in this repository%s%s with other "
			    "contents; versions are immutable", ig->package,
			    ig->version, strcmp(ig->tree, PKG_TREE_SOURCE) ?
			    " under " : "", strcmp(ig->tree, PKG_TREE_SOURCE) ?
			    ig->tree : "");
			return -1;
		}
		ig->added = 0;
		return 0;
	}
	sqlite3_finalize(st);
	st = db_prepare(db, "INSERT OR IGNORE INTO blobs (sha256, size, md5, "
	    "stored_at) VALUES (?, ?, ?, ?)");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_text(st, 1, ig->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)ig->size);
	sqlite3_bind_text(st, 3, ig->md5, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = db_prepare(db, "INSERT INTO versions (repo_id, package, version, "
	    "file, sha256, added_at, tree) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_int64(st, 1, repo_id);
	sqlite3_bind_text(st, 2, ig->package, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ig->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ig->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ig->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 7, ig->tree, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	vid = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	st = db_prepare(db, "INSERT INTO fields (version_id, pos, name, value) "
	    "VALUES (?, ?, ?, ?)");
	if (st == NULL)
		goto dberr;
	for (i = 0; i < fields->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, vid);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, fields->fields[i].name, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, fields->fields[i].value, -1,
		    SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(st);
	ig->added = 1;
	return 0;
dberr:
	snprintf(ig->error, sizeof(ig->error), "database: %s",
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}
