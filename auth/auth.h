/*
 * auth: the only role that will hold credentials (users, sessions, tokens,
 * the audit trail).  It lives chrooted in DATA_DIR/db with no network at
 * all.  Today it opens the database under its sandbox and answers the
 * master's liveness checks; identity arrives with its own issue.
 */
#ifndef AIRLOCK_AUTH_H
#define AIRLOCK_AUTH_H

#define AUTH_DB_FILE "auth.db"	/* in the auth root, DATA_DIR/db */
#define AUTH_SCHEMA_VERSION 1

#endif
