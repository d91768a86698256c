#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "curate.h"
#include "db.h"
#include "log.h"
#include "pkg.h"
#include "publish.h"
#include "resolve.h"

#define REQUIREMENTS_MAX (1 << 20)

static json_t *
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
fail(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static const char *
jstr(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

json_t *
curate_create(const struct curate_ctx *x, int64_t repo_id, const char *name,
    json_t *req)
{
	const char *from = jstr(req, "from"), *inc = jstr(req, "include");
	const char *rv = jstr(req, "r_version");
	char kind[16];
	sqlite3_stmt *st;
	int64_t mirror;

	if (from == NULL)
		return fail("a curated repository needs --from MIRROR");
	if ((mirror = db_repo_id(x->db, from, kind, sizeof(kind))) < 0)
		return fail("no repository named '%s'", from);
	if (strcmp(kind, "cran") != 0)
		return fail("'%s' is a %s repository: --from takes a cran "
		    "mirror", from, kind);
	if (inc == NULL)
		inc = "default";
	if (strcmp(inc, "default") != 0 && strcmp(inc, "suggests") != 0 &&
	    strcmp(inc, "none") != 0)
		return fail("--include takes suggests or none");
	if (rv != NULL && !pkg_version_valid(rv))
		return fail("--r-version '%s' is not a version", rv);
	if ((st = db_prepare(x->db, "UPDATE repos SET source_id = ? WHERE "
	    "id = ?")) == NULL)
		return fail("database: %s", sqlite3_errmsg(x->db));
	sqlite3_bind_int64(st, 1, mirror);
	sqlite3_bind_int64(st, 2, repo_id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if ((st = db_prepare(x->db, "INSERT INTO curated (repo_id, include, "
	    "r_version) VALUES (?, ?, ?)")) == NULL)
		return fail("database: %s", sqlite3_errmsg(x->db));
	sqlite3_bind_int64(st, 1, repo_id);
	sqlite3_bind_text(st, 2, inc, -1, SQLITE_STATIC);
	if (rv != NULL)
		sqlite3_bind_text(st, 3, rv, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail("database: %s", sqlite3_errmsg(x->db));
	}
	sqlite3_finalize(st);
	(void)name;
	return NULL;
}

/* The mirror snapshot's versions, with their dependency fields. */
struct universe {
	struct rv_version *v;
	size_t n;
};

static void
universe_free(struct universe *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		free((char *)(uintptr_t)u->v[i].package);
		free((char *)(uintptr_t)u->v[i].version);
		free((char *)(uintptr_t)u->v[i].depends);
		free((char *)(uintptr_t)u->v[i].imports);
		free((char *)(uintptr_t)u->v[i].linking_to);
		free((char *)(uintptr_t)u->v[i].suggests);
	}
	free(u->v);
	memset(u, 0, sizeof(*u));
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? strdup((const char *)t) : NULL;
}

static int
universe_load(sqlite3 *db, int64_t snapshot, struct universe *u)
{
	struct rv_version *nv;
	sqlite3_stmt *st;
	size_t cap = 0;
	int r;

	memset(u, 0, sizeof(*u));
	st = db_prepare(db, "SELECT v.id, v.package, v.version, "
	    "MAX(CASE WHEN f.name = 'Depends' THEN f.value END), "
	    "MAX(CASE WHEN f.name = 'Imports' THEN f.value END), "
	    "MAX(CASE WHEN f.name = 'LinkingTo' THEN f.value END), "
	    "MAX(CASE WHEN f.name = 'Suggests' THEN f.value END) "
	    "FROM snapshot_versions sv JOIN versions v ON v.id = sv.version_id "
	    "LEFT JOIN fields f ON f.version_id = v.id AND f.name IN "
	    "('Depends', 'Imports', 'LinkingTo', 'Suggests') "
	    "WHERE sv.snapshot_id = ? AND v.tree = 'src/contrib' "
	    "GROUP BY v.id");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, snapshot);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (u->n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nv = realloc(u->v, cap * sizeof(*nv))) == NULL)
				break;
			u->v = nv;
		}
		memset(&u->v[u->n], 0, sizeof(u->v[u->n]));
		u->v[u->n].id = sqlite3_column_int64(st, 0);
		u->v[u->n].package = col(st, 1);
		u->v[u->n].version = col(st, 2);
		u->v[u->n].depends = col(st, 3);
		u->v[u->n].imports = col(st, 4);
		u->v[u->n].linking_to = col(st, 5);
		u->v[u->n].suggests = col(st, 6);
		u->n++;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		universe_free(u);
		return -1;
	}
	return 0;
}

static const char *const change_names[] = {
	[RV_ADDED] = "added", [RV_REMOVED] = "removed",
	[RV_UPGRADED] = "upgraded", [RV_DOWNGRADED] = "downgraded",
	[RV_SAME] = "unchanged",
};

/* The repository's current set: parallel arrays of names and versions. */
static int
current_load(sqlite3 *db, int64_t repo_id, char ***pk, char ***vs, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	char **a = NULL, **b = NULL, **t;

	*n = 0;
	st = db_prepare(db, "SELECT v.package, v.version FROM curated_versions "
	    "c JOIN versions v ON v.id = c.version_id WHERE c.repo_id = ? "
	    "ORDER BY v.package");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, repo_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((t = realloc(a, cap * sizeof(*t))) == NULL)
				break;
			a = t;
			if ((t = realloc(b, cap * sizeof(*t))) == NULL)
				break;
			b = t;
		}
		a[*n] = col(st, 0);
		b[*n] = col(st, 1);
		(*n)++;
	}
	sqlite3_finalize(st);
	*pk = a;
	*vs = b;
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* Writes the new set, the history row and the audit record: one commit. */
static int
commit_set(const struct curate_ctx *x, int64_t repo_id, const char *repo,
    const char *reqs, int64_t snapshot, const struct rv_result *res,
    json_t *changes, unsigned counts[5])
{
	sqlite3_stmt *st = NULL;
	char *diff = NULL;
	size_t i;

	if (db_begin(x->db) != 0)
		return -1;
	if ((st = db_prepare(x->db, "DELETE FROM curated_versions WHERE "
	    "repo_id = ?")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, repo_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if ((st = db_prepare(x->db, "INSERT INTO curated_versions (repo_id, "
	    "version_id, why) VALUES (?, ?, ?)")) == NULL)
		goto fail;
	for (i = 0; i < res->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, repo_id);
		sqlite3_bind_int64(st, 2, res->picks[i].v->id);
		sqlite3_bind_text(st, 3, res->picks[i].why, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	if ((st = db_prepare(x->db, "UPDATE curated SET requirements = ?, "
	    "snapshot_id = ?, committed_at = ? WHERE repo_id = ?")) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, reqs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, snapshot);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 4, repo_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	diff = json_dumps(changes, JSON_COMPACT);
	if ((st = db_prepare(x->db, "INSERT INTO curate_history (repo_id, at, "
	    "by, snapshot_id, requirements, diff) VALUES (?, ?, ?, ?, ?, ?)"))
	    == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, repo_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 3, x->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, snapshot);
	sqlite3_bind_text(st, 5, reqs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, diff ? diff : "[]", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (audit_record("curate_commit", 0, x->actor, "%s approved a change "
	    "of %s against mirror snapshot %lld: %u added, %u removed, %u "
	    "upgraded, %u downgraded (%zu packages)", x->actor, repo,
	    (long long)snapshot, counts[RV_ADDED], counts[RV_REMOVED],
	    counts[RV_UPGRADED], counts[RV_DOWNGRADED], res->n) < 0 ||
	    db_commit(x->db) != 0)
		goto fail;
	free(diff);
	return 0;
fail:
	log_error("curate %s: %s", repo, sqlite3_errmsg(x->db));
	sqlite3_finalize(st);
	db_rollback(x->db);
	free(diff);
	return -1;
}

json_t *
curate_run(const struct curate_ctx *x, json_t *req)
{
	const char *repo = jstr(req, "repo"), *text = jstr(req, "requirements");
	const char *snap = jstr(req, "snapshot");
	int update = json_is_true(json_object_get(req, "update"));
	int commit = json_is_true(json_object_get(req, "commit"));
	char kind[16], err[2048], inc[16] = "default", rver[65] = "";
	char *stored = NULL, **cpk = NULL, **cvs = NULL;
	struct rv_universe *uv = NULL;
	struct rv_result res = { NULL, 0 };
	struct rv_block *blocks = NULL;
	struct rv_req *reqs = NULL;
	struct rv_diff *d = NULL;
	struct universe u = { NULL, 0 };
	struct publish_result pr;
	struct rv_opts o;
	unsigned counts[5] = { 0 };
	size_t nreqs = 0, nblocks = 0, ncur = 0, nd = 0, i;
	int64_t repo_id, mirror = -1, snapshot;
	char mirror_name[80] = "";
	sqlite3_stmt *st;
	json_t *ans = NULL, *changes;

	if (repo == NULL)
		return fail("no repository given");
	if ((repo_id = db_repo_id(x->db, repo, kind, sizeof(kind))) < 0)
		return fail("no repository named '%s'", repo);
	if (strcmp(kind, "curated") != 0)
		return fail("%s is a %s repository, not a curated one", repo,
		    kind);
	if ((st = db_prepare(x->db, "SELECT c.include, c.r_version, "
	    "c.requirements, r.source_id, m.name FROM curated c JOIN repos r "
	    "ON r.id = c.repo_id JOIN repos m ON m.id = r.source_id "
	    "WHERE c.repo_id = ?")) == NULL)
		return fail("database: %s", sqlite3_errmsg(x->db));
	sqlite3_bind_int64(st, 1, repo_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(inc, sizeof(inc), "%s", sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			snprintf(rver, sizeof(rver), "%s",
			    sqlite3_column_text(st, 1));
		stored = col(st, 2);
		mirror = sqlite3_column_int64(st, 3);
		snprintf(mirror_name, sizeof(mirror_name), "%s",
		    sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	if (mirror < 0) {
		free(stored);
		return fail("%s has no mirror", repo);
	}
	if (update) {
		if (text != NULL) {
			ans = fail("--update takes the committed requirements; "
			    "give --file without --update to change them");
			goto out;
		}
		text = stored;
		if (text == NULL || *text == '\0') {
			ans = fail("%s has no committed requirements yet: "
			    "curate it with --file first", repo);
			goto out;
		}
	} else if (text == NULL) {
		ans = fail("give the requirements (--file) or --update");
		goto out;
	}
	if (strlen(text) > REQUIREMENTS_MAX) {
		ans = fail("the requirements are longer than %d bytes",
		    REQUIREMENTS_MAX);
		goto out;
	}
	if ((snapshot = db_snapshot_resolve(x->db, mirror, snap ? snap :
	    "latest")) < 0) {
		ans = fail("mirror %s has no published snapshot %s",
		    mirror_name, snap ? snap : "yet");
		goto out;
	}
	if (rv_parse_requirements(text, strlen(text), &reqs, &nreqs, err,
	    sizeof(err)) != 0) {
		ans = fail("requirements: %s", err);
		goto out;
	}
	if (universe_load(x->db, snapshot, &u) != 0 ||
	    (uv = rv_universe_new(u.v, u.n)) == NULL ||
	    publish_blocks_load(x->db, repo_id, &blocks, &nblocks) != 0) {
		ans = fail("cannot read mirror %s: see the log", mirror_name);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.include = strcmp(inc, "suggests") == 0 ? RV_INC_SUGGESTS :
	    strcmp(inc, "none") == 0 ? RV_INC_NONE : RV_INC_DEFAULT;
	o.r_version = rver[0] ? rver : NULL;
	o.blocks = blocks;
	o.nblocks = nblocks;
	if (rv_resolve(uv, reqs, nreqs, &o, &res, err, sizeof(err)) != 0) {
		ans = fail("cannot resolve %s against %s snapshot %lld: %s",
		    repo, mirror_name, (long long)snapshot, err);
		goto out;
	}
	if (current_load(x->db, repo_id, &cpk, &cvs, &ncur) != 0 ||
	    rv_diff((const char *const *)cpk, (const char *const *)cvs, ncur,
	    &res, &d, &nd) != 0) {
		ans = fail("cannot compare with the current set");
		goto out;
	}
	changes = json_array();
	for (i = 0; i < nd; i++) {
		json_t *c = json_pack("{s:s, s:s, s:s, s:s}", "package",
		    d[i].package, "change", change_names[d[i].change], "old",
		    d[i].old_version, "new", d[i].new_version);

		counts[d[i].change]++;
		if (d[i].pick != NULL) {
			json_object_set_new(c, "why",
			    json_string(d[i].pick->why));
			if (d[i].pick->note[0] != '\0')
				json_object_set_new(c, "note",
				    json_string(d[i].pick->note));
		}
		json_array_append_new(changes, c);
	}
	ans = json_pack("{s:b, s:s, s:s, s:I, s:o, s:b, s:i, s:i, s:i, s:i}",
	    "ok", 1, "repo", repo, "mirror", mirror_name, "snapshot",
	    (json_int_t)snapshot, "changes", changes, "committed", 0,
	    "added", (int)counts[RV_ADDED], "removed",
	    (int)counts[RV_REMOVED], "upgraded", (int)counts[RV_UPGRADED],
	    "downgraded", (int)counts[RV_DOWNGRADED]);
	if (!commit)
		goto out;
	if (commit_set(x, repo_id, repo, text, snapshot, &res, changes,
	    counts) != 0) {
		json_decref(ans);
		ans = fail("cannot record the change: see the log");
		goto out;
	}
	if (publish_repo(x->db, x->data_dir, repo_id, repo, &pr, err,
	    sizeof(err)) != 0) {
		json_decref(ans);
		ans = fail("committed, but publishing %s failed: %s", repo,
		    err);
		goto out;
	}
	x->published(repo);
	publish_write_blocked(x->db, x->data_dir);
	x->published("*");
	audit_record("publish_snapshot", 0, x->actor, "%s published snapshot "
	    "%lld of %s (%u packages)", x->actor, (long long)pr.id, repo,
	    pr.packages);
	json_object_set_new(ans, "committed", json_true());
	json_object_set_new(ans, "published", json_integer(pr.id));
	log_info("curate %s: committed against %s snapshot %lld, published "
	    "snapshot %lld (%u packages)", repo, mirror_name,
	    (long long)snapshot, (long long)pr.id, pr.packages);
out:
	free(d);
	strv_free(cpk, ncur);
	strv_free(cvs, ncur);
	rv_result_free(&res);
	rv_universe_free(uv);
	universe_free(&u);
	rv_reqs_free(reqs, nreqs);
	publish_blocks_free(blocks, nblocks);
	free(stored);
	return ans;
}

/* After a rule changes: the workers' list, then their caches. */
static void
blocks_changed(const struct curate_ctx *x)
{
	publish_write_blocked(x->db, x->data_dir);
	x->published("*");
}

json_t *
curate_block(const struct curate_ctx *x, const char *cmd, json_t *req)
{
	const char *pkg = jstr(req, "package"), *vers = jstr(req, "versions");
	const char *repo = jstr(req, "repo"), *reason = jstr(req, "reason");
	const struct rv_block *hit;
	struct rv_block *b = NULL;
	sqlite3_stmt *st;
	int64_t repo_id = 0, id;
	size_t nb = 0;
	char err[256];
	json_t *list;

	if (repo != NULL && (repo_id = db_repo_id(x->db, repo, NULL, 0)) < 0)
		return fail("no repository named '%s'", repo);
	if (strcmp(cmd, "block.list") == 0) {
		if ((st = db_prepare(x->db, "SELECT b.id, b.package, "
		    "b.versions, r.name, b.reason, b.created_at, b.created_by "
		    "FROM blocks b LEFT JOIN repos r ON r.id = b.repo_id "
		    "ORDER BY b.id")) == NULL)
			return fail("database: %s", sqlite3_errmsg(x->db));
		list = json_array();
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, json_pack("{s:I, s:s, s:s, "
			    "s:s?, s:s, s:I, s:s}", "id",
			    (json_int_t)sqlite3_column_int64(st, 0), "package",
			    sqlite3_column_text(st, 1), "versions",
			    sqlite3_column_text(st, 2), "repo",
			    sqlite3_column_text(st, 3), "reason",
			    sqlite3_column_text(st, 4), "created",
			    (json_int_t)sqlite3_column_int64(st, 5), "by",
			    sqlite3_column_text(st, 6)));
		sqlite3_finalize(st);
		return json_pack("{s:b, s:o}", "ok", 1, "blocks", list);
	}
	if (strcmp(cmd, "block.remove") == 0) {
		id = json_integer_value(json_object_get(req, "id"));
		if ((st = db_prepare(x->db, "DELETE FROM blocks WHERE id = ?"))
		    == NULL)
			return fail("database: %s", sqlite3_errmsg(x->db));
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (sqlite3_changes(x->db) == 0)
			return fail("no block rule %lld", (long long)id);
		audit_record("remove_block", 0, x->actor, "%s removed block "
		    "rule %lld", x->actor, (long long)id);
		blocks_changed(x);
		return json_pack("{s:b}", "ok", 1);
	}
	if (pkg == NULL || !pkg_name_valid(pkg))
		return fail("'%s' is not a package name", pkg ? pkg : "");
	if (strcmp(cmd, "block.test") == 0) {
		const char *ver = jstr(req, "version");

		if (ver == NULL || !pkg_version_valid(ver))
			return fail("'%s' is not a version", ver ? ver : "");
		if (repo != NULL)
			publish_blocks_load(x->db, repo_id, &b, &nb);
		else if ((st = db_prepare(x->db, "SELECT id, package, versions, "
		    "reason FROM blocks ORDER BY id")) != NULL) {
			/* Any rule, whatever repositories it covers. */
			while (sqlite3_step(st) == SQLITE_ROW) {
				struct rv_block *t = realloc(b, (nb + 1) *
				    sizeof(*b));

				if (t == NULL)
					break;
				b = t;
				b[nb].id = sqlite3_column_int64(st, 0);
				b[nb].package = col(st, 1);
				b[nb].versions = col(st, 2);
				b[nb].reason = col(st, 3);
				nb++;
			}
			sqlite3_finalize(st);
		}
		hit = rv_blocked(b, nb, pkg, ver);
		list = hit ? json_pack("{s:b, s:b, s:I, s:s, s:s}", "ok", 1,
		    "blocked", 1, "rule", (json_int_t)hit->id, "versions",
		    hit->versions, "reason", hit->reason) :
		    json_pack("{s:b, s:b}", "ok", 1, "blocked", 0);
		publish_blocks_free(b, nb);
		return list;
	}
	if (strcmp(cmd, "block.add") != 0)
		return fail("unknown block command");
	if (vers == NULL)
		vers = "";
	if (rv_block_valid(vers, err, sizeof(err)) != 0)
		return fail("--versions: %s", err);
	if (reason == NULL || *reason == '\0')
		return fail("a block rule needs --reason");
	if ((st = db_prepare(x->db, "INSERT INTO blocks (package, versions, "
	    "repo_id, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?, "
	    "?)")) == NULL)
		return fail("database: %s", sqlite3_errmsg(x->db));
	sqlite3_bind_text(st, 1, pkg, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vers, -1, SQLITE_STATIC);
	if (repo != NULL)
		sqlite3_bind_int64(st, 3, repo_id);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 6, x->actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail("database: %s", sqlite3_errmsg(x->db));
	}
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(x->db);
	audit_record("add_block", 0, x->actor, "%s blocked %s%s%s in %s: %s "
	    "(rule %lld)", x->actor, pkg, *vers ? " " : "", *vers ? vers :
	    " (every version)", repo ? repo : "every repository", reason,
	    (long long)id);
	blocks_changed(x);
	return json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id);
}
