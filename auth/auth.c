#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
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
	struct ipc_msg msg;
	struct pollfd pfd;
	struct buf b;
	uint64_t seq;
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
	pfd.fd = ch.fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if ((r = ipc_recv(&ch, &msg, 0)) == 0)
			continue;
		if (r == -1)
			break;
		switch (msg.type) {
		case IPC_PING:
			if (buf_get_u64(&msg.payload, &seq) != 0)
				fatal("malformed PING message");
			buf_init(&b, 8);
			buf_put_u64(&b, seq);
			ipc_send(&ch, IPC_PONG, &b, NULL, 0);
			buf_release(&b);
			break;
		case IPC_SHUTDOWN:
			sqlite3_close(db);
			return 0;
		default:
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
	}
	log_error("lost the master: exiting");
	sqlite3_close(db);
	return 1;
}
