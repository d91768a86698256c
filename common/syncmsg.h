/*
 * syncmsg: the SYNC_FILES payload, the one message of the sync role that
 * hands the master files.  After the mirror's name (read first, as for
 * every SYNC_* message): a count equal to the fds sent, then per file its
 * name ("file", or "tree/file" for a binary) and the MD5 and SHA-256 its
 * upstream index gives ("" when none).  The master checks those digests
 * against its own copy, so the sync role hashes nothing.
 */
#ifndef AIRLOCK_SYNCMSG_H
#define AIRLOCK_SYNCMSG_H

#include <stdint.h>

#include "buf.h"
#include "ipc.h"

#define SYNCMSG_NAME_MAX 400

struct syncmsg_files {
	uint32_t n;
	char *name[IPC_MAX_FDS];
	char *md5[IPC_MAX_FDS];		/* 32 lowercase hex, or "" */
	char *sha256[IPC_MAX_FDS];	/* 64 lowercase hex, or "" */
};

/* Appends one file (md5, sha256: NULL or "" for none). */
int syncmsg_files_put(struct buf *b, const char *name, const char *md5,
    const char *sha256);
/*
 * Reads the count and the files of a payload sent with nfds fds.  0, or
 * -1 (a count that is not nfds, a name too long, a digest that is not
 * lowercase hex of its length) with nothing to free.
 */
int syncmsg_files_parse(struct buf *b, int nfds, struct syncmsg_files *f);
void syncmsg_files_free(struct syncmsg_files *f);

#endif
