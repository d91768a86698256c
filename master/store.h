/*
 * store: package files enter the store here.  The master copies each file
 * it is handed into an unnamed file (O_TMPFILE) in DATA_DIR/ingest (root
 * only) and hashes the copy, a
 * sandboxed inspect role parses that copy, and only then does the copy
 * become an immutable, content-addressed blob under
 * DATA_DIR/store/blobs/sha256/ab/abcdef… and a row in the database.  A
 * refused file leaves nothing behind.
 */
#ifndef AIRLOCK_STORE_H
#define AIRLOCK_STORE_H

#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>

#include "dcf.h"
#include "pkg.h"

struct ingest {
	uint64_t job;
	char name[256];		/* the file name it was given as */
	char tree[PKG_TREE_MAX];	/* where in the repository (pkg.h) */
	char tmp[PATH_MAX];	/* its copy, for messages; "" when none */
	int fd;			/* the copy (unnamed, read-write), or -1 */
	int named;		/* no O_TMPFILE here: the copy is at tmp */
	char sha256[65];
	char md5[33];
	uint64_t size;
	/* What its source says the digests are ("": nothing), checked. */
	char want_md5[33];
	char want_sha256[65];
	/*
	 * The user whose files may become the copy themselves, without a
	 * copy (the sync role's), or (uid_t)-1: always copied.
	 */
	uid_t adopt_uid;
	/* The outcome. */
	int ok;
	char error[512];
	char package[130];
	char version[66];
	int added;		/* 0: already there, same bytes */
};

/* Creates DATA_DIR/ingest and removes what a crash left in it. */
int store_init(const char *data_dir);
/*
 * Copies the regular file fd (from offset 0, whatever its offset) into a
 * new unnamed file in DATA_DIR/ingest (ig->fd), hashing the copy,
 * refusing more than max bytes.  Returns another, read-only fd of the
 * copy for the inspector, or -1 with ig->error set (nothing is left
 * behind).  A copy whose digests are not ig->want_md5 or ig->want_sha256
 * (when set) is refused.
 *
 * A file of ig->adopt_uid is not copied but adopted when it can be: a
 * regular file with one link, on the store's file system, that nobody
 * has open for writing once it is made root's and read-only for others
 * (a read lease proves that: the kernel grants none while a writer is
 * open).  Then nothing but root can ever write to it again, so it is
 * the copy: hashed, inspected and linked as a blob like one.  Anything
 * else is copied.  The copy is not durable yet:
 * store_receive_sync on that fd makes it so, and must come before
 * store_place.  A batch copies all its files first and then syncs them,
 * so that their writeback and journal commits overlap instead of one
 * file waiting for the disk before the next is read.
 */
int store_receive(const char *data_dir, int fd, uint64_t max,
    struct ingest *ig);
/* fsync of the copy; -1 with ig->error set and the copy removed. */
int store_receive_sync(int fd, struct ingest *ig);
/*
 * An inspected batch becomes part of the store in three steps, so that a
 * batch costs one transaction and few fsyncs, not some per file:
 * store_place links each (already durable) copy at its blob path, or
 * drops the copy when the blob exists; store_place_sync fsyncs the
 * fan-out directories of the batch's blobs, so that every link is
 * durable; only then does store_record (inside the caller's transaction)
 * record each version with its DESCRIPTION fields.  A blob without a
 * row, after a crash between the steps, harms nothing: it is
 * content-addressed.
 */
int store_place(const char *data_dir, struct ingest *ig);
int store_place_sync(const char *data_dir, struct ingest *const *igs,
    size_t n, char *err, size_t errlen);
/*
 * Records ig as a version of ig->tree (the source tree when empty).
 * A version already there with the same bytes is not an error
 * (ig->added = 0); with other bytes it is (versions are immutable).
 * 0 or -1 with ig->error set.
 */
int store_record(sqlite3 *db, int64_t repo_id, struct ingest *ig,
    const struct dcf *fields);
/*
 * The file as the repository names it: its name for a source package,
 * "tree/name" for a binary (pkg.h).
 */
#define STORE_FILE_MAX (PKG_TREE_MAX + 256)
void store_file_name(const struct ingest *ig, char *out, size_t outsz);
/* Drops the copy (closes ig->fd; an unnamed file is then gone). */
void store_discard(struct ingest *ig);
/* "blobs/sha256/ab/abcdef…" for a hash, relative to DATA_DIR/store. */
void store_blob_path(const char *sha256, char *out, size_t outsz);

#endif
