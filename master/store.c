#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "pkg.h"
#include "store.h"
#include "util.h"

#define COPY_CHUNK (256 * 1024)

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

int
store_receive(const char *data_dir, int fd, uint64_t max, struct ingest *ig)
{
	EVP_MD_CTX *sha = NULL, *md5 = NULL;
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned dlen;
	struct stat st;
	unsigned char *chunk = NULL;
	off_t off = 0;
	ssize_t n;
	int out = -1, ro = -1;

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
	snprintf(ig->tmp, sizeof(ig->tmp), "%s/ingest/in.XXXXXX", data_dir);
	if ((out = mkostemp(ig->tmp, O_CLOEXEC)) == -1) {
		snprintf(ig->error, sizeof(ig->error), "cannot create %.300s: %s",
		    ig->tmp, strerror(errno));
		ig->tmp[0] = '\0';
		return -1;
	}
	if ((chunk = malloc(COPY_CHUNK)) == NULL ||
	    (sha = EVP_MD_CTX_new()) == NULL ||
	    (md5 = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(md5, EVP_md5(), NULL)) {
		snprintf(ig->error, sizeof(ig->error), "out of memory");
		goto fail;
	}
	for (;;) {
		n = pread(fd, chunk, COPY_CHUNK, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(ig->error, sizeof(ig->error), "read: %s",
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		off += n;
		if ((uint64_t)off > max) {
			snprintf(ig->error, sizeof(ig->error), "grew over "
			    "store.max_package_size while read");
			goto fail;
		}
		EVP_DigestUpdate(sha, chunk, (size_t)n);
		EVP_DigestUpdate(md5, chunk, (size_t)n);
		if (write(out, chunk, (size_t)n) != n) {
			snprintf(ig->error, sizeof(ig->error), "write %.300s: %s",
			    ig->tmp, strerror(errno ? errno : ENOSPC));
			goto fail;
		}
	}
	/*
	 * Not durable yet: store_receive_sync follows for the batch.  Its
	 * writeback starts now, so that the batch's fsyncs find it done.
	 */
	(void)sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);
	EVP_DigestFinal_ex(sha, dig, &dlen);
	hex(dig, dlen, ig->sha256);
	EVP_DigestFinal_ex(md5, dig, &dlen);
	hex(dig, dlen, ig->md5);
	ig->size = (uint64_t)off;
	if ((ro = open(ig->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(ig->error, sizeof(ig->error), "reopen %.300s: %s",
		    ig->tmp, strerror(errno));
		goto fail;
	}
	close(out);
	free(chunk);
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(md5);
	return ro;
fail:
	if (out != -1)
		close(out);
	free(chunk);
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(md5);
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
	if (ig->tmp[0] != '\0')
		unlink(ig->tmp);
	ig->tmp[0] = '\0';
}

static int fsync_dir(const char *path);

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
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST && mkdir_p(dir, 0755)
	    != 0) || chmod(ig->tmp, 0644) != 0 || rename(ig->tmp, path) != 0) {
		snprintf(ig->error, sizeof(ig->error), "cannot store %.300s: %s",
		    path, strerror(errno));
		store_discard(ig);
		return -1;
	}
	ig->tmp[0] = '\0';
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
