#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "db.h"
#include "log.h"
#include "util.h"

/*
 * Each migration takes the schema from version i to i + 1.  Never edit
 * one that has shipped: add the next.
 */
static const char *const migrations[] = {
	/* 1: repositories, files, versions, snapshots */
	"CREATE TABLE repos ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('local', 'cran', 'curated')),"
	"  source_id INTEGER REFERENCES repos(id),"	/* curated: its mirror */
	"  upstream TEXT,"				/* cran: the upstream URL */
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE blobs ("
	"  sha256 TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  md5 TEXT NOT NULL,"
	"  stored_at INTEGER NOT NULL);"
	"CREATE TABLE versions ("
	"  id INTEGER PRIMARY KEY,"
	"  repo_id INTEGER NOT NULL REFERENCES repos(id),"
	"  package TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
	"  added_at INTEGER NOT NULL,"
	"  UNIQUE (repo_id, package, version));"
	"CREATE TABLE fields ("		/* the DESCRIPTION, in its order */
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  pos INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (version_id, pos)) WITHOUT ROWID;"
	"CREATE TABLE snapshots ("
	"  id INTEGER PRIMARY KEY,"
	"  repo_id INTEGER NOT NULL REFERENCES repos(id),"
	"  created_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('building', 'published')),"
	"  packages INTEGER NOT NULL DEFAULT 0,"
	"  archived INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX snapshots_repo ON snapshots (repo_id, created_at);"
	"CREATE TABLE snapshot_versions ("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id)"
	"    ON DELETE CASCADE,"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  latest INTEGER NOT NULL,"	/* 1: in PACKAGES, 0: in Archive/ */
	"  PRIMARY KEY (snapshot_id, version_id)) WITHOUT ROWID;",

	/*
	 * 2: the audit trail (audit.c: ids without gaps, each record's hash
	 * chained to the one before; no triggers, which root could drop:
	 * audit_verify shows what was changed) and repository access rules
	 * ("public", "authenticated" or "group:a,group:b").
	 */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"			/* unix ms */
	"  user_id INTEGER NOT NULL,"			/* 0: the system */
	"  user_description TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  event_description TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE INDEX audit_time ON audit (time_ms);"
	"ALTER TABLE repos ADD COLUMN access TEXT NOT NULL DEFAULT 'public';",
	/*
	 * 3: validated sets and blocklists.  A curated repository's content
	 * is a set of its mirror's versions (curated_versions), chosen by a
	 * requirements list against one mirror snapshot; every committed
	 * change is kept with its diff.  Block rules take versions out of
	 * the indexes of the repositories they cover.
	 */
	"CREATE TABLE curated ("
	"  repo_id INTEGER PRIMARY KEY REFERENCES repos(id),"
	"  include TEXT NOT NULL DEFAULT 'default'"
	"    CHECK (include IN ('default', 'suggests', 'none')),"
	"  r_version TEXT,"			/* target R, NULL: any */
	"  requirements TEXT NOT NULL DEFAULT '',"
	"  snapshot_id INTEGER,"		/* of the mirror, last commit */
	"  committed_at INTEGER);"
	"CREATE TABLE curated_versions ("
	"  repo_id INTEGER NOT NULL REFERENCES repos(id),"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  why TEXT NOT NULL,"
	"  PRIMARY KEY (repo_id, version_id)) WITHOUT ROWID;"
	"CREATE TABLE curate_history ("
	"  id INTEGER PRIMARY KEY,"
	"  repo_id INTEGER NOT NULL REFERENCES repos(id),"
	"  at INTEGER NOT NULL,"
	"  by TEXT NOT NULL,"
	"  snapshot_id INTEGER NOT NULL,"	/* of the mirror */
	"  requirements TEXT NOT NULL,"
	"  diff TEXT NOT NULL);"		/* JSON */
	"CREATE TABLE blocks ("
	"  id INTEGER PRIMARY KEY,"
	"  package TEXT NOT NULL,"
	"  versions TEXT NOT NULL,"		/* empty: every version */
	"  repo_id INTEGER REFERENCES repos(id),"	/* NULL: every repo */
	"  reason TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL);",
	/* 4: connectivity windows */
	"CREATE TABLE sync_windows ("
	"  id INTEGER PRIMARY KEY,"
	"  opened_by TEXT NOT NULL,"		/* an admin, or 'schedule' */
	"  reason TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  start_at INTEGER NOT NULL,"
	"  end_at INTEGER NOT NULL,"
	"  approved_by TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', "
	"    'open', 'closed', 'expired')),"
	"  started_at INTEGER,"
	"  ended_at INTEGER,"
	"  end_reason TEXT);",
	/* 5: a mirror's CA bundle (PEM), when its upstream needs one */
	"ALTER TABLE repos ADD COLUMN upstream_ca TEXT;",
	/*
	 * 6: a mirror's sync settings (JSON: proxy, limits, package list,
	 * types...), and its upstream and proxy credentials, encrypted
	 * with the server's sync key; neither is ever shown as stored.
	 */
	("ALTER TABLE repos ADD COLUMN sync_options TEXT;"
	"ALTER TABLE repos ADD COLUMN sync_secret BLOB;"),
	/*
	 * 7: binary packages.  A version belongs to a tree of the
	 * repository (common/pkg.h: "src/contrib", or one of bin/ for an
	 * R version), and the same package version may be in several
	 * trees.  SQLite cannot change a table's UNIQUE constraint, so the
	 * table is rebuilt under the same ids; the rows that refer to it
	 * (fields, snapshot_versions, curated_versions) are checked before
	 * the migration commits (db_open).
	 */
	("CREATE TABLE versions_new ("
	"  id INTEGER PRIMARY KEY,"
	"  repo_id INTEGER NOT NULL REFERENCES repos(id),"
	"  tree TEXT NOT NULL DEFAULT 'src/contrib',"
	"  package TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
	"  added_at INTEGER NOT NULL,"
	"  UNIQUE (repo_id, tree, package, version));"
	"INSERT INTO versions_new (id, repo_id, package, version, file, "
	"  sha256, added_at) SELECT id, repo_id, package, version, file, "
	"  sha256, added_at FROM versions;"
	"DROP TABLE versions;"
	"ALTER TABLE versions_new RENAME TO versions;"
	"CREATE INDEX versions_pkg ON versions (repo_id, package, version);"),
};

int
db_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("db: %s", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("db: %s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

int
db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT") != 0)
		return -1;
	/*
	 * Audit records reach the file only once committed, so that one
	 * rolled back with its transaction is never in it.
	 */
	audit_flush(db);
	return 0;
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA user_version");
	int v = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* 0 when PRAGMA foreign_key_check finds nothing; else says what, -1. */
static int
fk_violations(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA foreign_key_check");
	int r = st != NULL ? sqlite3_step(st) : SQLITE_ERROR;

	if (r == SQLITE_ROW)
		log_error("db: a row of %s (rowid %lld) refers to a missing "
		    "row of %s", sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

sqlite3 *
db_open(const char *data_dir)
{
	char path[PATH_MAX], sql[64];
	sqlite3 *db = NULL;
	int v, n = (int)nitems(migrations);

	snprintf(path, sizeof(path), "%s/%s", data_dir, DB_FILE);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		log_error("db: cannot open %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	chmod(path, 0600);
	sqlite3_busy_timeout(db, 5000);
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
	    "PRAGMA synchronous=FULL;") != 0)
		goto fail;
	if ((v = user_version(db)) < 0)
		goto fail;
	if (v > n) {
		log_error("db: %s has schema version %d, newer than this "
		    "airlockd knows (%d): refusing to touch it", path, v, n);
		goto fail;
	}
	/*
	 * SQLite's way to change a table (make a new one, copy, drop the
	 * old, rename): with foreign keys off, which only works outside a
	 * transaction, and a foreign_key_check of the result before it
	 * commits.
	 */
	if (v < n && db_exec(db, "PRAGMA foreign_keys=OFF") != 0)
		goto fail;
	for (; v < n; v++) {
		if (db_begin(db) != 0 || db_exec(db, migrations[v]) != 0 ||
		    fk_violations(db) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (db_exec(db, sql) != 0 || db_commit(db) != 0)
			goto fail;
		log_info("db: %s migrated to schema version %d", path, v + 1);
	}
	if (db_exec(db, "PRAGMA foreign_keys=ON") != 0)
		goto fail;
	return db;
fail:
	db_rollback(db);
	sqlite3_close(db);
	return NULL;
}

int64_t
db_repo_id(sqlite3 *db, const char *name, char *kind, size_t kindsz)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	st = db_prepare(db, "SELECT id, kind FROM repos WHERE name = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (kind != NULL)
			snprintf(kind, kindsz, "%s",
			    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return id;
}

int
db_repo_kind(sqlite3 *db, int64_t id, char *kind, size_t kindsz)
{
	sqlite3_stmt *st;
	int r = -1;

	if ((st = db_prepare(db, "SELECT kind FROM repos WHERE id = ?")) ==
	    NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(kind, kindsz, "%s", sqlite3_column_text(st, 0));
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * A snapshot named the way URLs name it: "latest", an id, or a date
 * (the newest published at or before the end of that day, UTC).
 */
int64_t
db_snapshot_resolve(sqlite3 *db, int64_t repo_id, const char *s)
{
	sqlite3_stmt *st;
	struct tm tm;
	int64_t id = -1;
	char *end;

	if (strcmp(s, "latest") == 0) {
		st = db_prepare(db, "SELECT id FROM snapshots WHERE "
		    "repo_id = ? AND state = 'published' ORDER BY created_at "
		    "DESC, id DESC LIMIT 1");
	} else if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0')
			return -1;
		st = db_prepare(db, "SELECT id FROM snapshots WHERE "
		    "repo_id = ? AND state = 'published' AND created_at < ? "
		    "ORDER BY created_at DESC, id DESC LIMIT 1");
		if (st != NULL)
			sqlite3_bind_int64(st, 2,
			    (sqlite3_int64)timegm(&tm) + 86400);
	} else {
		long long n = strtoll(s, &end, 10);

		if (*s == '\0' || *end != '\0' || n <= 0)
			return -1;
		st = db_prepare(db, "SELECT id FROM snapshots WHERE "
		    "repo_id = ? AND state = 'published' AND id = ?");
		if (st != NULL)
			sqlite3_bind_int64(st, 2, n);
	}
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, repo_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}
