/*
 * fcache: a worker's cache of open files, so that a hot file costs no
 * open/fstat/close per request (the store's blobs never change; files of
 * http.static_dir are checked again by path after FCACHE_VALID_MS, and a
 * changed or replaced file is reopened).  Entries are shared by the
 * responses sending them (sendfile with an explicit offset never moves a
 * file position) and closed when the last one is done.
 */
#ifndef AIRLOCK_FCACHE_H
#define AIRLOCK_FCACHE_H

#include <stdint.h>
#include <sys/stat.h>

#define FCACHE_ENTRIES 512
#define FCACHE_VALID_MS 1000

struct fentry {
	int dirfd;		/* what path is relative to */
	char *path;
	uint32_t hash;
	int fd;
	struct stat st;
	int64_t checked_ms;
	unsigned refs;		/* the cache's own + one per response */
	int cached;		/* still reachable from the table */
	/* Its validators, formatted on first use (file.c); "" until then. */
	char etag[48];
	char lastmod[40];
	struct fentry *hnext;	/* hash chain */
	struct fentry *prev, *next;	/* LRU, most recent first */
};

struct fcache {
	struct fentry *tab[FCACHE_ENTRIES * 2];
	struct fentry *head, *tail;
	unsigned n;
};

/*
 * The regular file at rel (relative to dirfd: AT_FDCWD for the worker's
 * root, or the static directory), opened read-only, with a reference for
 * the caller.  Returns 0, or an errno (ENOENT, EACCES, EISDIR for a
 * directory, ENODEV for other non-files).
 */
int fcache_get(struct fcache *fc, int dirfd, const char *rel, int64_t now,
    struct fentry **out);
void fcache_put(struct fcache *fc, struct fentry *e);

#endif
