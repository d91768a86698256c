#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "role.h"
#include "sandbox.h"

static sqlite3 *
auth_db_open(const char *path)
{
	static const char schema[] =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA temp_store=MEMORY;"
	    "CREATE TABLE IF NOT EXISTS auth_schema (version INTEGER NOT NULL);"
	    "INSERT INTO auth_schema (version) SELECT 1 "
	    "  WHERE NOT EXISTS (SELECT 1 FROM auth_schema);";
	sqlite3 *db;
	char *err = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		fatal("auth: cannot open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, schema, NULL, NULL, &err) != SQLITE_OK)
		fatal("auth: %s: %s", path, err);
	return db;
}

int
auth_main(void)
{
	struct ipc_chan ch;
	struct role_config rc;
	sqlite3 *db;
	int r;

	log_init("auth", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_AUTH, &rc, NULL, NULL);
	role_drop(&rc, "auth");
	sandbox_auth();
	/* Opened under the sandbox: proof that its policy fits SQLite. */
	db = auth_db_open(AUTH_DB_FILE);
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	r = role_serve(&ch);
	sqlite3_close(db);
	return r == 0 ? 0 : 1;
}
