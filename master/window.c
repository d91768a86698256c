#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "db.h"
#include "log.h"
#include "window.h"

#define SCHEDULE_BY "schedule"

static struct {
	sqlite3 *db;
	const struct airlock_conf *conf;
	const struct window_ops *ops;
	int64_t open_id;	/* the window whose sync runs, 0: none */
	pid_t pid;
} W;

static json_t *
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static int
set_state(int64_t id, const char *state, const char *why)
{
	sqlite3_stmt *st;
	int r;

	st = db_prepare(W.db, "UPDATE sync_windows SET state = ?, "
	    "ended_at = CASE WHEN ? IN ('closed', 'expired', 'refused') "
	    "THEN ? ELSE ended_at END, end_reason = COALESCE(?, end_reason), "
	    "started_at = CASE WHEN ? = 'open' THEN ? ELSE started_at END "
	    "WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (why != NULL)
		sqlite3_bind_text(st, 4, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 7, id);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return r;
}

void
window_init(sqlite3 *db, const struct airlock_conf *conf,
    const struct window_ops *ops)
{
	W.db = db;
	W.conf = conf;
	W.ops = ops;
	/* A window "open" at start was cut by a stop or a crash. */
	db_exec(db, "UPDATE sync_windows SET state = 'closed', "
	    "end_reason = 'airlockd stopped while it was open', ended_at = "
	    "strftime('%s', 'now') WHERE state = 'open'");
}

void
window_reconf(const struct airlock_conf *conf)
{
	W.conf = conf;
}

static int64_t
insert(const char *by, const char *reason, time_t start, long seconds)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	st = db_prepare(W.db, "INSERT INTO sync_windows (opened_by, reason, "
	    "created_at, start_at, end_at, state) VALUES (?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 4, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)start + seconds);
	sqlite3_bind_text(st, 6, W.conf->sync_require_approval ? "pending" :
	    "approved", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(W.db);
	sqlite3_finalize(st);
	return id;
}

/* The clock's windows: one row per occurrence, made when it begins. */
static void
schedule_tick(time_t now)
{
	struct conf_schedule sc;
	sqlite3_stmt *st;
	time_t day = now - now % 86400, start;
	struct tm tm;
	size_t i;
	int back, exists;
	int64_t id;
	char why[160];

	for (i = 0; i < W.conf->sync_schedule.n; i++) {
		if (conf_schedule_parse(W.conf->sync_schedule.v[i], &sc) != 0)
			continue;
		for (back = 0; back <= 1; back++) {
			start = day - back * 86400 + sc.minute * 60;
			gmtime_r(&start, &tm);
			if (!(sc.days & (1u << tm.tm_wday)) || now < start ||
			    now >= start + sc.seconds)
				continue;
			if ((st = db_prepare(W.db, "SELECT 1 FROM sync_windows "
			    "WHERE opened_by = ? AND start_at = ?")) == NULL)
				return;
			sqlite3_bind_text(st, 1, SCHEDULE_BY, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)start);
			exists = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
			if (exists)
				continue;
			snprintf(why, sizeof(why), "sync.schedule \"%s\"",
			    W.conf->sync_schedule.v[i]);
			if ((id = insert(SCHEDULE_BY, why, start, sc.seconds)) > 0)
				audit_record("sync_open", 0, SCHEDULE_BY,
				    "window %lld opened by %s until %lld%s",
				    (long long)id, why, (long long)(start +
				    sc.seconds), W.conf->sync_require_approval ?
				    ", waiting for approval" : "");
		}
	}
}

void
window_tick(time_t now)
{
	sqlite3_stmt *st;
	int64_t id = 0, end = 0;

	if (W.db == NULL)
		return;
	schedule_tick(now);
	/* The open window ends on time, whatever its sync is doing. */
	if (W.open_id != 0) {
		if ((st = db_prepare(W.db, "SELECT end_at, state FROM "
		    "sync_windows WHERE id = ?")) == NULL)
			return;
		sqlite3_bind_int64(st, 1, W.open_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			end = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (now < end)
			return;
		if (W.pid > 0) {
			W.ops->kill();
			audit_record("sync_kill", 0, "airlockd", "window %lld "
			    "ended: sync[%d] killed", (long long)W.open_id,
			    (int)W.pid);
		}
		set_state(W.open_id, "expired", "its time was up");
		audit_record("sync_end", 0, "airlockd", "window %lld ended at "
		    "its end time", (long long)W.open_id);
		log_info("sync window %lld ended", (long long)W.open_id);
		W.open_id = 0;
		W.pid = 0;
	}
	/* Windows that ran out before they could start. */
	if ((st = db_prepare(W.db, "SELECT id FROM sync_windows WHERE state "
	    "IN ('pending', 'approved') AND end_at <= ?")) != NULL) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
		while (sqlite3_step(st) == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			set_state(id, "expired", "it was never approved, or "
			    "its time passed");
			audit_record("sync_expire", 0, "airlockd", "window %lld "
			    "expired without opening", (long long)id);
		}
		sqlite3_finalize(st);
	}
	/* The next approved window whose time has come. */
	id = 0;
	if ((st = db_prepare(W.db, "SELECT id FROM sync_windows WHERE state = "
	    "'approved' AND start_at <= ? AND end_at > ? ORDER BY id LIMIT 1"))
	    == NULL)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id == 0)
		return;
	if ((W.pid = W.ops->start()) <= 0) {
		W.pid = 0;
		log_error("sync window %lld: cannot start the sync role",
		    (long long)id);
		return;		/* tried again at the next tick */
	}
	W.open_id = id;
	set_state(id, "open", NULL);
	audit_record("sync_start", 0, "airlockd", "window %lld open: sync[%d] "
	    "started", (long long)id, (int)W.pid);
	log_info("sync window %lld open: sync[%d] started", (long long)id,
	    (int)W.pid);
}

void
window_sync_gone(pid_t pid, const char *how)
{
	if (pid != W.pid || W.open_id == 0)
		return;
	/* It stays gone until the next window: no network outside one. */
	audit_record("sync_end", 0, "airlockd", "window %lld: sync[%d] %s",
	    (long long)W.open_id, (int)pid, how);
	W.pid = 0;
}

static json_t *
row_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s?, s:s, s:o, s:o, "
	    "s:s?}", "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "opened_by", sqlite3_column_text(st, 1),
	    "reason", sqlite3_column_text(st, 2),
	    "start", (json_int_t)sqlite3_column_int64(st, 3),
	    "end", (json_int_t)sqlite3_column_int64(st, 4),
	    "approved_by", sqlite3_column_text(st, 5),
	    "state", sqlite3_column_text(st, 6),
	    "started", sqlite3_column_type(st, 7) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, 7)),
	    "ended", sqlite3_column_type(st, 8) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, 8)),
	    "end_reason", sqlite3_column_text(st, 9));
}

#define COLUMNS "id, opened_by, reason, start_at, end_at, approved_by, " \
	"state, started_at, ended_at, end_reason"

static json_t *
list(const char *where)
{
	char sql[512];
	sqlite3_stmt *st;
	json_t *a = json_array();

	snprintf(sql, sizeof(sql), "SELECT " COLUMNS " FROM sync_windows %s "
	    "ORDER BY id", where);
	if ((st = db_prepare(W.db, sql)) == NULL) {
		json_decref(a);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, row_json(st));
	sqlite3_finalize(st);
	return a;
}

json_t *
window_cmd(const char *cmd, json_t *req, const char *actor)
{
	json_int_t secs = json_integer_value(json_object_get(req, "for"));
	json_int_t id = json_integer_value(json_object_get(req, "id"));
	const char *reason = json_string_value(json_object_get(req, "reason"));
	char by[160] = "", state[16] = "";
	sqlite3_stmt *st;
	int64_t nid;
	json_t *j;

	if (strcmp(cmd, "sync.history") == 0)
		return (j = list("")) ? json_pack("{s:b, s:o}", "ok", 1,
		    "windows", j) : fail("database: %s", sqlite3_errmsg(W.db));
	if (strcmp(cmd, "sync.status") == 0) {
		j = list("WHERE state IN ('pending', 'approved', 'open')");
		if (j == NULL)
			return fail("database: %s", sqlite3_errmsg(W.db));
		return json_pack("{s:b, s:o, s:b, s:i}", "ok", 1, "windows", j,
		    "sync_running", W.pid > 0, "sync_pid", (int)W.pid);
	}
	if (strcmp(cmd, "sync.open") == 0) {
		if (reason == NULL || *reason == '\0')
			return fail("a window needs --reason");
		if (secs < 60 || secs > W.conf->sync_max_window)
			return fail("--for must be between 1m and "
			    "sync.max_window (%ds)", W.conf->sync_max_window);
		if ((nid = insert(actor, reason, time(NULL), (long)secs)) < 0)
			return fail("database: %s", sqlite3_errmsg(W.db));
		audit_record("sync_open", 0, actor, "%s opened window %lld for "
		    "%llds: %s%s", actor, (long long)nid, (long long)secs,
		    reason, W.conf->sync_require_approval ? " (waiting for "
		    "another admin's approval)" : "");
		window_tick(time(NULL));
		return json_pack("{s:b, s:I, s:b}", "ok", 1, "id",
		    (json_int_t)nid, "pending", W.conf->sync_require_approval);
	}
	/* approve and close name a window, or take the obvious one. */
	st = db_prepare(W.db, id > 0 ? "SELECT opened_by, state FROM "
	    "sync_windows WHERE id = ?" : "SELECT opened_by, state, id FROM "
	    "sync_windows WHERE state IN ('open', 'pending', 'approved') "
	    "ORDER BY state = 'open' DESC, id DESC LIMIT 1");
	if (st == NULL)
		return fail("database: %s", sqlite3_errmsg(W.db));
	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(by, sizeof(by), "%s", sqlite3_column_text(st, 0));
		snprintf(state, sizeof(state), "%s", sqlite3_column_text(st, 1));
		if (id <= 0)
			id = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (state[0] == '\0' && id > 0)
		return fail("no window %lld", (long long)id);
	if (state[0] == '\0')
		return fail("no window is open or waiting");
	if (strcmp(cmd, "sync.approve") == 0) {
		if (strcmp(state, "pending") != 0)
			return fail("window %lld is %s, not waiting for "
			    "approval", (long long)id, state);
		/* Two people: the opener cannot approve their own window. */
		if (strcmp(by, actor) == 0)
			return fail("window %lld was opened by %s: another "
			    "admin must approve it", (long long)id, by);
		if ((st = db_prepare(W.db, "UPDATE sync_windows SET state = "
		    "'approved', approved_by = ? WHERE id = ?")) == NULL)
			return fail("database: %s", sqlite3_errmsg(W.db));
		sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
		audit_record("sync_approve", 0, actor, "%s approved window "
		    "%lld opened by %s", actor, (long long)id, by);
		window_tick(time(NULL));
		return json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id);
	}
	if (strcmp(cmd, "sync.close") == 0) {
		if (strcmp(state, "open") != 0 && strcmp(state, "pending") != 0 &&
		    strcmp(state, "approved") != 0)
			return fail("window %lld is %s already", (long long)id,
			    state);
		if (id == W.open_id && W.pid > 0) {
			W.ops->kill();
			audit_record("sync_kill", 0, actor, "window %lld closed "
			    "by %s: sync[%d] killed", (long long)id, actor,
			    (int)W.pid);
		}
		if (id == W.open_id) {
			W.open_id = 0;
			W.pid = 0;
		}
		set_state(id, "closed", "closed by an admin");
		audit_record("sync_close", 0, actor, "%s closed window %lld",
		    actor, (long long)id);
		return json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id);
	}
	return fail("unknown sync command");
}
