/*
 * publish: snapshots.  Publishing a repository writes its index files
 * (src/contrib/PACKAGES, .gz, .rds, Meta/archive.rds; PACKAGES, .gz and
 * .rds of each binary tree under bin/ it has) and a manifest of
 * its package files into store/repos/<repo>/.tmp-<id>, fsyncs them and
 * renames the directory to store/repos/<repo>/<id>; only then is the
 * snapshot added to store/repos/<repo>/snapshots, the list workers
 * resolve "latest", dates and ids against.  A crash at any point leaves
 * the previous snapshot served and nothing half-written visible.
 */
#ifndef AIRLOCK_PUBLISH_H
#define AIRLOCK_PUBLISH_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

struct publish_result {
	int64_t id;
	time_t created;
	unsigned packages;	/* in PACKAGES */
	unsigned archived;	/* older versions under Archive/ */
	unsigned binaries;	/* in the PACKAGES of bin/ trees, all of them */
	double seconds;
};

int publish_repo(sqlite3 *db, const char *data_dir, int64_t repo_id,
    const char *repo, struct publish_result *res, char *err, size_t errlen);
/* Rewrites store/repos/<repo>/snapshots from the database. */
int publish_write_list(sqlite3 *db, const char *data_dir, int64_t repo_id,
    const char *repo);
/*
 * Deletes all but the newest keep snapshots of a repository (directories
 * and rows); returns how many went, or -1.
 */
int publish_prune(sqlite3 *db, const char *data_dir, int64_t repo_id,
    const char *repo, unsigned keep, char *err, size_t errlen);
struct rv_block;
/* The block rules that cover a repository (its own and global ones). */
int publish_blocks_load(sqlite3 *db, int64_t repo_id, struct rv_block **b,
    size_t *n);
void publish_blocks_free(struct rv_block *b, size_t n);
/* Rewrites store/blocked: what the block rules cover, for the workers. */
int publish_write_blocked(sqlite3 *db, const char *data_dir);
/* At start: removes what an interrupted publish left, rewrites the lists. */
int publish_recover(sqlite3 *db, const char *data_dir);

#endif
