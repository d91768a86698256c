/*
 * db: the master's SQLite database, DATA_DIR/store.db (root only):
 * repositories, package versions, their files and snapshots, and the
 * audit trail (audit.c).  The auth role keeps its own database
 * (DATA_DIR/db/auth.db), so neither process can touch the other's tables.  The schema is versioned with
 * PRAGMA user_version and migrated forward at start.
 */
#ifndef AIRLOCK_DB_H
#define AIRLOCK_DB_H

#include <sqlite3.h>
#include <stdint.h>

#define DB_FILE "store.db"

/* Opens (creating) DATA_DIR/store.db in WAL mode and migrates it. */
sqlite3 *db_open(const char *data_dir);
/* Runs SQL without results; -1 with the error logged. */
int db_exec(sqlite3 *db, const char *sql);
/* A prepared statement, or NULL with the error logged. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
int db_begin(sqlite3 *db);
/* COMMIT, then the audit file gets the records it made durable. */
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);
/* The id of a repository, -1 when there is none by that name. */
int64_t db_repo_id(sqlite3 *db, const char *name, char *kind, size_t kindsz);

/*
 * A published snapshot named the way URLs name it: "latest", an id, or a
 * date (the newest at or before the end of that day, UTC); -1: none.
 */
int64_t db_snapshot_resolve(sqlite3 *db, int64_t repo_id, const char *s);
/* The kind of a repository by id: 0, or -1 when there is none. */
int db_repo_kind(sqlite3 *db, int64_t id, char *kind, size_t kindsz);

#endif
