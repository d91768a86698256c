#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "control.h"
#include "ipc.h"
#include "publish.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "secret.h"
#include "syncopt.h"
#include "synclist.h"
#include "syncmsg.h"
#include "window.h"

#define SCHEDULE_BY "schedule"
#define MAX_MIRRORS 64
#define HAVE_PIECE 60000	/* bytes of file names per SYNC_HAVE */

/* A mirror's pass in the current (or last) window, for sync status. */
struct pass {
	char repo[80];
	uint64_t bytes_done, bytes_total;
	uint32_t files_done, files_total;
	const char *state;	/* "waiting", "running", "complete", ... */
	json_t *errors;		/* [{"file", "error"}] */
	double rate;		/* bytes/s, smoothed */
	int64_t at_ms;		/* of the last SYNC_STATUS */
	uint64_t at_bytes;
};

static struct {
	sqlite3 *db;
	const struct airlock_conf *conf;
	const struct window_ops *ops;
	int64_t open_id;	/* the window whose sync runs, 0: none */
	pid_t pid;
	struct pass passes[MAX_MIRRORS];
	size_t npasses;
} W;

static struct pass *
pass_of(const char *repo)
{
	size_t i;

	for (i = 0; i < W.npasses; i++)
		if (strcmp(W.passes[i].repo, repo) == 0)
			return &W.passes[i];
	return NULL;
}

static void
passes_reset(void)
{
	size_t i;

	for (i = 0; i < W.npasses; i++)
		json_decref(W.passes[i].errors);
	memset(W.passes, 0, sizeof(W.passes));
	W.npasses = 0;
}

/*
 * Sends one mirror's SYNC_JOB; with key (hex, or NULL) when it has sealed
 * values.  The text that held the key leaves no copy.  -1 when the sync
 * role is gone; a job too large is that mirror's error, not the window's.
 */
static int
send_job(struct pass *p, json_t *mirror, const char *key, struct buf *b)
{
	json_t *job = json_pack("{s:[o]}", "repos", mirror);
	char *text;
	int r = 0;

	if (key != NULL)
		json_object_set_new(job, "key", json_string(key));
	text = json_dumps(job, JSON_COMPACT);
	if (key != NULL)
		OPENSSL_cleanse((char *)(uintptr_t)json_string_value(
		    json_object_get(job, "key")), strlen(key));
	json_decref(job);
	buf_reset(b);
	if (text == NULL || buf_put(b, text, strlen(text)) != 0) {
		log_error("sync %s: its settings do not fit in one job (%zu "
		    "bytes, at most %u)", p->repo, text ? strlen(text) : 0,
		    (unsigned)IPC_MAX_PAYLOAD);
		json_array_append_new(p->errors, json_pack("{s:s, s:s}",
		    "file", "(index)", "error", "its settings (CA bundle, "
		    "client certificate, options) are too large to send to "
		    "the sync role"));
		p->state = "incomplete";
	} else if (W.ops->send(IPC_SYNC_JOB, b) != 0)
		r = -1;
	if (text != NULL)
		OPENSSL_cleanse(text, strlen(text));
	free(text);
	OPENSSL_cleanse(b->data, b->len);
	return r;
}

/*
 * Sends names to the sync role as SYNC_HAVE or SYNC_WANT messages of at
 * most HAVE_PIECE bytes; h is scratch, b the message.  0 or -1.
 */
static int
send_names(enum ipc_type type, const char *repo, sqlite3_stmt *st,
    json_t *list, struct buf *b, struct buf *h)
{
	const char *f;
	size_t i = 0;
	int r = 0;

	buf_reset(h);
	for (;;) {
		if (st != NULL)
			f = sqlite3_step(st) == SQLITE_ROW ?
			    (const char *)sqlite3_column_text(st, 0) : NULL;
		else
			f = json_string_value(json_array_get(list, i++));
		if (f == NULL || h->len + strlen(f) + 1 > HAVE_PIECE) {
			if (h->len > 0) {
				buf_reset(b);
				buf_put_str(b, repo);
				buf_put_u32(b, (uint32_t)h->len);
				buf_put(b, h->data, h->len);
				if ((r = W.ops->send(type, b)) != 0)
					return r;
				buf_reset(h);
			}
			if (f == NULL)
				return 0;
		}
		buf_putf(h, "%s\n", f);
	}
}

/*
 * What this window mirrors: every cran repository with an upstream, its
 * settings, and its sealed credentials with the key that opens them (the
 * master never opens them; the sync role does, and wipes the key).  One
 * SYNC_JOB per mirror, so each may use a whole message; a package list
 * follows as SYNC_WANT.
 */
void
window_sync_ready(void)
{
	sqlite3_stmt *st, *fs;
	json_t *opts, *sec;
	uint8_t key[SECRET_KEY_LEN];
	char keyhex[2 * SECRET_KEY_LEN + 1], err[512];
	int r = 0, have_key = 0, no_key = 0;
	json_t *lists[MAX_MIRRORS];
	struct buf b, h;

	passes_reset();
	memset(lists, 0, sizeof(lists));
	st = db_prepare(W.db, "SELECT id, name, upstream, upstream_ca, "
	    "sync_options, sync_secret FROM repos WHERE kind = 'cran' AND "
	    "upstream IS NOT NULL ORDER BY name");
	/* As the sync role names files: a binary under its tree. */
	fs = db_prepare(W.db, "SELECT CASE WHEN tree = 'src/contrib' THEN file "
	    "ELSE tree || '/' || file END FROM versions WHERE repo_id = ?");
	if (st == NULL || fs == NULL) {
		sqlite3_finalize(st);
		sqlite3_finalize(fs);
		return;
	}
	buf_init(&b, IPC_MAX_PAYLOAD);
	buf_set_wipe(&b);	/* a job may carry the key */
	buf_init(&h, IPC_MAX_PAYLOAD);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW &&
	    W.npasses < MAX_MIRRORS) {
		struct pass *p = &W.passes[W.npasses++];
		json_t *m;

		snprintf(p->repo, sizeof(p->repo), "%s",
		    sqlite3_column_text(st, 1));
		p->state = "waiting";
		p->errors = json_array();
		opts = syncopt_parse((const char *)sqlite3_column_text(st, 4),
		    (size_t)sqlite3_column_bytes(st, 4));
		sec = syncopt_parse((const char *)sqlite3_column_blob(st, 5),
		    (size_t)sqlite3_column_bytes(st, 5));
		if (json_object_size(sec) > 0 && !have_key && !no_key) {
			if (syncopt_key(W.conf->data_dir, 0, key, err,
			    sizeof(err)) != 0) {
				/* The sync role says so for each such mirror. */
				log_error("sync: mirrors have credentials, but "
				    "the key to open them is not there: %s",
				    err);
				no_key = 1;
			} else {
				secret_hex(key, sizeof(key), keyhex);
				OPENSSL_cleanse(key, sizeof(key));
				have_key = 1;
			}
		}
		m = json_pack("{s:s, s:s, s:s?}", "name", p->repo, "upstream",
		    sqlite3_column_text(st, 2), "ca_pem",
		    sqlite3_column_text(st, 3));
		/* The list, when the mirror has one, follows as SYNC_WANT. */
		if (json_is_array(json_object_get(opts, "packages"))) {
			lists[W.npasses - 1] = json_incref(json_object_get(opts,
			    "packages"));
			json_object_del(opts, "packages");
			json_object_set_new(m, "packages", json_integer(
			    (json_int_t)json_array_size(lists[W.npasses - 1])));
			json_object_set_new(m, "suggests", json_boolean(
			    json_is_true(json_object_get(opts, "suggests"))));
		}
		json_object_set_new(m, "options", opts);
		json_object_set_new(m, "secret", sec);
		r = send_job(p, m, have_key && json_object_size(sec) > 0 ?
		    keyhex : NULL, &b);
	}
	sqlite3_finalize(st);
	OPENSSL_cleanse(keyhex, sizeof(keyhex));
	/* What each mirror holds already, and its list, in pieces. */
	for (size_t i = 0; r == 0 && i < W.npasses; i++) {
		int64_t id = db_repo_id(W.db, W.passes[i].repo, NULL, 0);

		sqlite3_reset(fs);
		sqlite3_bind_int64(fs, 1, id);
		r = send_names(IPC_SYNC_HAVE, W.passes[i].repo, fs, NULL, &b,
		    &h);
		if (r == 0 && lists[i] != NULL)
			r = send_names(IPC_SYNC_WANT, W.passes[i].repo, NULL,
			    lists[i], &b, &h);
	}
	for (size_t i = 0; i < W.npasses; i++)
		json_decref(lists[i]);
	sqlite3_finalize(fs);
	if (r == 0)
		r = W.ops->send(IPC_SYNC_GO, NULL);
	if (r != 0)
		log_error("sync: cannot give the sync role its job");
	buf_release(&b);
	buf_release(&h);
}

/* The ingest of a SYNC_FILES batch is done: the sync role hears how. */
static void
files_taken(void *arg, json_t *answer)
{
	json_t *results = json_object_get(answer, "results"), *r;
	struct pass *p = pass_of(json_string_value(json_object_get(answer,
	    "repo")) ? json_string_value(json_object_get(answer, "repo")) :
	    "");
	char *text;
	struct buf b;
	size_t i;

	/*
	 * A batch of a sync process killed since (its window closed) is
	 * stored all the same, but neither its answer nor its errors are
	 * for the pass of the next one.
	 */
	if ((pid_t)(intptr_t)arg != W.pid)
		return;
	json_array_foreach(results, i, r)
		if (!json_is_true(json_object_get(r, "ok")) && p != NULL)
			json_array_append_new(p->errors, json_pack("{s:s, s:s}",
			    "file", json_string_value(json_object_get(r, "file")),
			    "error", json_string_value(json_object_get(r,
			    "error"))));
	text = json_dumps(answer, JSON_COMPACT);
	buf_init(&b, IPC_MAX_PAYLOAD);
	if (text == NULL || buf_put_str(&b, text) != 0 ||
	    W.ops->send(IPC_SYNC_ACK, &b) != 0)
		log_warn("sync: cannot tell the sync role what was taken");
	buf_release(&b);
	free(text);
}

int
window_sync_msg(struct ipc_msg *msg)
{
	char *repo = NULL, *file = NULL, *err = NULL;
	struct syncmsg_files sf;
	struct publish_result pr;
	char perr[512];
	struct pass *p;
	uint32_t complete;
	int r = -1;

	memset(&sf, 0, sizeof(sf));
	if (buf_get_str(&msg->payload, &repo, 79) != 0 ||
	    (p = pass_of(repo)) == NULL)
		goto out;
	switch (msg->type) {
	case IPC_SYNC_FILES:
		if (syncmsg_files_parse(&msg->payload, msg->nfds, &sf) != 0 ||
		    control_ingest(repo, "sync (window)", msg->fds, sf.name,
		    sf.md5, sf.sha256, (int)sf.n, W.ops->sync_uid(), files_taken,
		    (void *)(intptr_t)W.pid) != 0)
			goto out;
		r = 0;
		break;
	case IPC_SYNC_STATUS: {
		int64_t now = mono_ms();

		if (buf_get_u64(&msg->payload, &p->bytes_done) != 0 ||
		    buf_get_u64(&msg->payload, &p->bytes_total) != 0 ||
		    buf_get_u32(&msg->payload, &p->files_done) != 0 ||
		    buf_get_u32(&msg->payload, &p->files_total) != 0)
			goto out;
		/* The rate over the last reports, smoothed. */
		if (p->at_ms != 0 && now > p->at_ms &&
		    p->bytes_done >= p->at_bytes) {
			double inst = (double)(p->bytes_done - p->at_bytes) *
			    1000.0 / (double)(now - p->at_ms);

			p->rate = p->rate == 0 ? inst : 0.7 * p->rate +
			    0.3 * inst;
		}
		p->at_ms = now;
		p->at_bytes = p->bytes_done;
		p->state = "running";
		r = 0;
		break;
	}
	case IPC_SYNC_ERROR:
		if (buf_get_str(&msg->payload, &file, 400) != 0 ||
		    buf_get_str(&msg->payload, &err, 1024) != 0)
			goto out;
		json_array_append_new(p->errors, json_pack("{s:s, s:s}", "file",
		    *file ? file : "(index)", "error", err));
		log_warn("sync %s: %s: %s", repo, *file ? file : "index", err);
		r = 0;
		break;
	case IPC_SYNC_DONE:
		if (buf_get_u32(&msg->payload, &complete) != 0)
			goto out;
		r = 0;
		if (!complete || json_array_size(p->errors) > 0) {
			p->state = "incomplete";
			audit_record("sync_pass", 0, "sync (window)", "window "
			    "%lld: the pass of %s is incomplete (%zu error(s)): "
			    "nothing published", (long long)W.open_id, repo,
			    json_array_size(p->errors));
			break;
		}
		p->state = "complete";
		int64_t id = db_repo_id(W.db, repo, NULL, 0);

		if (publish_repo(W.db, W.conf->data_dir, id, repo, &pr, perr,
		    sizeof(perr)) != 0) {
			log_error("sync %s: publish: %s", repo, perr);
			p->state = "publish failed";
			break;
		}
		W.ops->published(repo);
		audit_record("sync_pass", 0, "sync (window)", "window %lld: "
		    "the pass of %s is complete (%u file(s) fetched)",
		    (long long)W.open_id, repo, p->files_done);
		audit_record("publish_snapshot", 0, "sync (window)", "sync "
		    "published snapshot %lld of %s (%u packages, %u archived, "
		    "%u binaries)", (long long)pr.id, repo, pr.packages,
		    pr.archived, pr.binaries);
		log_info("sync %s: pass complete, published snapshot %lld "
		    "(%.0f ms)", repo, (long long)pr.id, pr.seconds * 1000);
		break;
	default:
		break;
	}
out:
	free(repo);
	free(file);
	free(err);
	syncmsg_files_free(&sf);
	return r;
}

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

/* Passes the sync role did not finish: nothing of them is published. */
static void
passes_interrupted(void)
{
	size_t i;

	for (i = 0; i < W.npasses; i++)
		if (strcmp(W.passes[i].state, "running") == 0 ||
		    strcmp(W.passes[i].state, "waiting") == 0)
			W.passes[i].state = "interrupted";
}

void
window_sync_gone(pid_t pid, const char *how)
{
	passes_interrupted();
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
		{
			json_t *prog = json_object();
			size_t k;

			for (k = 0; k < W.npasses; k++)
				json_object_set_new(prog, W.passes[k].repo,
				    json_pack("{s:I, s:I, s:I, s:I, s:s, s:O, "
				    "s:I, s:I}",
				    "files_done", (json_int_t)W.passes[k].files_done,
				    "files_total",
				    (json_int_t)W.passes[k].files_total,
				    "bytes_done", (json_int_t)W.passes[k].bytes_done,
				    "bytes_total",
				    (json_int_t)W.passes[k].bytes_total,
				    "state", W.passes[k].state,
				    "errors", W.passes[k].errors,
				    "rate", (json_int_t)W.passes[k].rate,
				    "eta", (json_int_t)(W.passes[k].rate > 0 &&
				    W.passes[k].bytes_total >
				    W.passes[k].bytes_done ? (double)(
				    W.passes[k].bytes_total -
				    W.passes[k].bytes_done) / W.passes[k].rate :
				    0)));
			return json_pack("{s:b, s:o, s:b, s:i, s:o}", "ok", 1,
			    "windows", j, "sync_running", W.pid > 0, "sync_pid",
			    (int)W.pid, "progress", prog);
		}
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
