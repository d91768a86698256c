/*
 * repo: how a worker finds a repository's files without the database.
 * store/repos/<repo>/snapshots lists the published snapshots ("id
 * created" lines, oldest first); each snapshot directory holds its index
 * files and a sorted manifest ("path\tsha256\tsize" lines) that maps a
 * package file's path to its blob.  Lists are cached until the master
 * says PUBLISHED; manifests, immutable, are kept mapped.
 */
#ifndef AIRLOCK_REPO_H
#define AIRLOCK_REPO_H

#include <stddef.h>
#include <stdint.h>

#define REPO_NAME_MAX 64

struct snapref {
	int64_t id;
	int64_t created;
};

#define REPO_ACCESS_MAX 1024

struct repo {
	char name[REPO_NAME_MAX + 1];
	/*
	 * Who may read it (repos/<name>/access): "public", "authenticated"
	 * or "group:a,group:b".  "" when the file is missing or bad: then
	 * only admins may (fail closed).
	 */
	char access[REPO_ACCESS_MAX];
	struct snapref *snaps;
	size_t n;
	struct repo *next;
};

struct manifest {
	char repo[REPO_NAME_MAX + 1];
	int64_t id;
	const char *data;	/* mmap'd */
	size_t len;
	struct manifest *next;	/* most recently used first */
};

struct repo_cache {
	struct repo *repos;
	unsigned nrepos;
	struct manifest *manifests;
	unsigned nmanifests;
	/* store/blocked: "repo\tfile\treason" lines, NUL-terminated */
	char *blocked;
	int blocked_loaded;
};

/* The repository by name, loading its list; NULL when there is none. */
const struct repo *repo_get(struct repo_cache *rc, const char *name);
/* Forgets a repository's list (it was published or pruned). */
void repo_forget(struct repo_cache *rc, const char *name);
/*
 * A snapshot as URLs name it: "latest", an id, or YYYY-MM-DD (the newest
 * at or before the end of that day, UTC).  -1 when there is none.
 */
int64_t repo_snapshot(const struct repo *r, const char *name);
/*
 * Looks path up in a snapshot's manifest: 1 with the blob's sha256 (64
 * hex digits + NUL) when it is a package file, 0 when it is not listed,
 * -1 when the manifest cannot be read.
 */
int repo_lookup(struct repo_cache *rc, const char *repo, int64_t id,
    const char *path, char *sha256);

/* Why a repository's file is blocked (store/blocked), or NULL. */
const char *repo_blocked(struct repo_cache *rc, const char *repo,
    const char *file, char *why, size_t whysz);
/* The block list changed: read it again when next needed. */
void repo_blocked_forget(struct repo_cache *rc);

#endif
