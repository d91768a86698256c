/*
 * curate: validated package sets.  A curated repository serves the
 * versions of its mirror that a requirements list resolves to (common/
 * resolve.h) against one mirror snapshot; a change is shown as a diff
 * first and applied only with --commit, which publishes, keeps the diff
 * and audits who approved it.  Block rules take versions out of the
 * indexes of the repositories they cover and make workers answer 403.
 * Each function answers a control request with a JSON object.
 */
#ifndef AIRLOCK_CURATE_H
#define AIRLOCK_CURATE_H

#include <jansson.h>
#include <sqlite3.h>

struct curate_ctx {
	sqlite3 *db;
	const char *data_dir;
	const char *actor;		/* for the audit trail */
	void (*published)(const char *repo);	/* tells the workers */
};

/* repo.create --kind curated: the curated row, after the repos row. */
json_t *curate_create(const struct curate_ctx *x, int64_t repo_id,
    const char *name, json_t *req);
/* curate REPO [requirements | update] [snapshot] [commit] */
json_t *curate_run(const struct curate_ctx *x, json_t *req);
/* block.add, block.list, block.remove, block.test */
json_t *curate_block(const struct curate_ctx *x, const char *cmd,
    json_t *req);

#endif
