#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "bundle.h"
#include "control.h"
#include "curate.h"
#include "window.h"
#include "db.h"
#include "dcf.h"
#include "log.h"
#include "pkg.h"
#include "publish.h"
#include "store.h"
#include "synclist.h"
#include "secret.h"
#include "syncopt.h"
#include "util.h"

#define CTL_MAX_CONNS 16
#define REPLY_PIECE (IPC_MAX_PAYLOAD - 64)
#define INSPECT_WINDOW 16	/* files handed to the inspector at once */

/* epoll tags: the first member of what data.ptr points at. */
enum { TAG_LISTEN = 1, TAG_CONN, TAG_COPIED };

struct job {
	struct ingest ig;
	int src;		/* the file airlockctl sent, until copied */
	int fd;			/* read-only copy for the inspector, or -1 */
	int sent;		/* with the inspector */
	int done;
	int inspected;		/* the inspector accepted it: fields hold */
	struct dcf fields;	/* its DESCRIPTION */
};

struct conn {
	int tag;
	int fd;
	struct ipc_chan ch;
	uid_t uid;
	/* The add request under way. */
	json_t *add_results;
	char repo[80];
	int64_t repo_id;
	struct job *jobs;
	size_t njobs, nleft;
	/*
	 * Files are copied and hashed by a thread, and placed in the store
	 * by another once inspected, so that neither their bytes nor their
	 * fsyncs ever hold up the master's loop (supervision, other
	 * requests, the other batches of a sync pass).
	 */
	pthread_t thread;
	int busy;		/* a thread runs for this request */
	int finished;		/* it is done (set by it, read under ctl.lock) */
	int placing;		/* it is place_batch, not the copier */
	int closing;		/* the peer left while busy: free after */
	char place_err[512];	/* why place_batch refused the batch, or "" */
	char actor[160];	/* who, for the audit trail */
	/* An ingest for another part of the master (sync), not a socket. */
	void (*internal)(void *arg, json_t *answer);
	void *internal_arg;
	/* Its files' digests to check (control_ingest's), during cmd_add. */
	char *const *want_md5, *const *want_sha256;
	uid_t adopt_uid;	/* whose files are adopted; only if adopt */
	int adopt;
	/* The threads' settings: a reload may free ctl.conf under them. */
	char data_dir[PATH_MAX];
	uint64_t max_size;
	uint64_t auth_id;	/* the AUTH_CTL it waits for, 0: none */
	pid_t auth_pid;		/* sent to this auth process */
	struct conn *next;
};

static struct {
	int tag;
	int fd;
	int copied_tag;		/* TAG_COPIED: a conn's thread signals evfd */
	int evfd;
	pthread_mutex_t lock;
	int epfd;
	char path[PATH_MAX];
	sqlite3 *db;
	const struct airlock_conf *conf;
	const struct control_ops *ops;
	struct conn *conns;
	unsigned nconns;
	uint64_t next_job;
	uint64_t next_auth;
	/* The bundle import under way: one at a time. */
	struct import {
		struct conn *c;		/* NULL: none */
		int fd;			/* the bundle, until the inspector has it */
		struct buf payload;	/* UNBUNDLE, until sent */
		int sent;
		char repo[80];		/* --repo, or the bundle's */
		int *fds;		/* the files it gave, memfds */
		char **names;
		size_t n, cap, next;
		unsigned added, present, refused;
	} imp;
	/*
	 * The jobs the inspect role has, oldest first (it answers in order):
	 * a window of them, so it never waits for the master.  conn is NULL
	 * once that connection is gone: the answer is then dropped.
	 */
	struct inflight {
		uint64_t job;
		struct conn *conn;
		size_t index;
	} inflight[INSPECT_WINDOW];
	unsigned ninflight;
} ctl = { .tag = TAG_LISTEN, .fd = -1, .copied_tag = TAG_COPIED,
    .evfd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static void inspect_next(void);
static void conn_release(struct conn *c);
static void import_free(void);
static void import_send(void);

void
control_reconf(const struct airlock_conf *conf)
{
	ctl.conf = conf;
}

int
control_init(const struct airlock_conf *conf, sqlite3 *db, int epfd,
    const struct control_ops *ops)
{
	struct sockaddr_un sa;
	struct epoll_event ev;
	mode_t old;

	ctl.conf = conf;
	ctl.db = db;
	ctl.epfd = epfd;
	ctl.ops = ops;
	if (conf->control_socket[0] != '\0')
		snprintf(ctl.path, sizeof(ctl.path), "%s", conf->control_socket);
	else
		snprintf(ctl.path, sizeof(ctl.path), "%s/control.sock",
		    conf->data_dir);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(ctl.path) >= sizeof(sa.sun_path)) {
		log_error("control: %s: path too long for a socket", ctl.path);
		return -1;
	}
	strcpy(sa.sun_path, ctl.path);
	ctl.fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (ctl.fd == -1) {
		log_error("control: socket: %s", strerror(errno));
		return -1;
	}
	unlink(ctl.path);
	old = umask(0077);
	if (bind(ctl.fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(ctl.fd, 16) == -1) {
		umask(old);
		log_error("control: cannot listen on %s: %s", ctl.path,
		    strerror(errno));
		close(ctl.fd);
		ctl.fd = -1;
		return -1;
	}
	umask(old);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &ctl.tag;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ctl.fd, &ev) == -1)
		return -1;
	if ((ctl.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	ev.data.ptr = &ctl.copied_tag;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ctl.evfd, &ev) == -1)
		return -1;
	log_debug("control: listening on %s", ctl.path);
	return 0;
}

/* Sends a JSON answer in as many CTL_REPLY pieces as it takes. */
static void
reply(struct conn *c, json_t *j)
{
	char *text;
	size_t n, off = 0, len;
	struct buf b;

	if (c->internal != NULL) {
		c->internal(c->internal_arg, j);
		json_decref(j);
		return;
	}
	text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (text == NULL)
		return;
	len = strlen(text);
	buf_init(&b, IPC_MAX_PAYLOAD);
	do {
		n = len - off > REPLY_PIECE ? REPLY_PIECE : len - off;
		buf_reset(&b);
		buf_put_u8(&b, off + n == len);
		buf_put(&b, text + off, n);
		/* Blocking, bounded by SO_SNDTIMEO: airlockctl reads it all. */
		if (ipc_send_wait(&c->ch, IPC_CTL_REPLY, &b, NULL, 0) != 0) {
			log_warn("control: cannot answer: %s", strerror(errno));
			break;
		}
		off += n;
	} while (off < len);
	buf_release(&b);
	free(text);
}

static void
reply_error(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_error(struct conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply(c, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

/* A group name, as auth takes them. */
static int
group_name_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '.' || s[0] == '_' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* public, authenticated, or group:NAME[,group:NAME…]. */
static int
access_valid(const char *s, char *why, size_t whylen)
{
	const char *p, *e;

	if (strcmp(s, "public") == 0 || strcmp(s, "authenticated") == 0)
		return 0;
	if (strlen(s) > 900)
		goto bad;
	for (p = s; ; p = e + 1) {
		if (strncmp(p, "group:", 6) != 0)
			goto bad;
		p += 6;
		e = strchr(p, ',');
		if (!group_name_valid(p, e ? (size_t)(e - p) : strlen(p)))
			goto bad;
		if (e == NULL)
			return 0;
	}
bad:
	snprintf(why, whylen, "'%s' is not an access rule: public, "
	    "authenticated, or group:NAME[,group:NAME...]", s);
	return -1;
}

/* The repository a request names; replies the error itself. */
static int64_t
need_repo(struct conn *c, json_t *req, const char **name, char *kind,
    size_t kindsz)
{
	int64_t id;

	*name = json_string_value(json_object_get(req, "repo"));
	if (*name == NULL) {
		reply_error(c, "no repository given");
		return -1;
	}
	if ((id = db_repo_id(ctl.db, *name, kind, kindsz)) < 0)
		reply_error(c, "no repository named '%s'", *name);
	return id;
}

/* An upstream URL as a mirror takes it; replies the error itself. */
static int
upstream_ok(struct conn *c, const char *upstream)
{
	if (strncmp(upstream, "https://", 8) != 0 &&
	    strncmp(upstream, "http://", 7) != 0) {
		reply_error(c, "--upstream must be an http:// or https:// URL");
		return 0;
	}
	if (strlen(upstream) > 1024 || strpbrk(upstream, " \t\r\n\"'") !=
	    NULL || strchr(upstream + 7, '@') != NULL) {
		reply_error(c, "--upstream: a URL for a cran repository, "
		    "without credentials in it (--credentials-file)");
		return 0;
	}
	return 1;
}

/* Binds a JSON object as text, NULL when it is empty. */
static int
bind_json(sqlite3_stmt *st, int i, const json_t *j, int blob)
{
	char *text;
	int r;

	if (json_object_size(j) == 0)
		return sqlite3_bind_null(st, i);
	if ((text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return SQLITE_NOMEM;
	r = blob ? sqlite3_bind_blob(st, i, text, (int)strlen(text),
	    SQLITE_TRANSIENT) : sqlite3_bind_text(st, i, text, -1,
	    SQLITE_TRANSIENT);
	free(text);
	return r;
}

/* The package list summary of a repository, as stored (JSON null: none). */
static json_t *
db_sync_list(sqlite3 *db, int64_t rid)
{
	sqlite3_stmt *st;
	json_t *j = NULL;

	if ((st = db_prepare(db, "SELECT sync_options FROM repos WHERE id = "
	    "?")) != NULL) {
		sqlite3_bind_int64(st, 1, rid);
		if (sqlite3_step(st) == SQLITE_ROW)
			j = synclist_summary((const char *)
			    sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	return j ? j : json_null();
}

static void
cmd_repo_create(struct conn *c, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	const char *kind = json_string_value(json_object_get(req, "kind"));
	const char *access = json_string_value(json_object_get(req, "access"));
	const char *upstream = json_string_value(json_object_get(req,
	    "upstream"));
	const char *ca = json_string_value(json_object_get(req, "ca_pem"));
	json_t *opts = NULL, *secrets = NULL;
	char why[256], err[512];
	struct buf what;
	sqlite3_stmt *st;
	json_t *list;
	int64_t rid;

	buf_init(&what, 4096);
	if (name == NULL || !pkg_repo_name_valid(name)) {
		reply_error(c, "'%s' is not a valid repository name: 1 to 64 "
		    "letters, digits, '.', '_' or '-', not starting with "
		    "'.', '_' or '-'", name ? name : "");
		goto out;
	}
	if (kind == NULL || (strcmp(kind, "local") != 0 &&
	    strcmp(kind, "cran") != 0 && strcmp(kind, "curated") != 0)) {
		reply_error(c, "kind must be local, cran or curated");
		goto out;
	}
	if (access == NULL)
		access = "public";
	if (access_valid(access, why, sizeof(why)) != 0) {
		reply_error(c, "%s", why);
		goto out;
	}
	if (db_repo_id(ctl.db, name, NULL, 0) >= 0) {
		reply_error(c, "repository '%s' exists already", name);
		goto out;
	}
	if (strcmp(kind, "cran") != 0 && (upstream != NULL || ca != NULL ||
	    syncopt_requested(req))) {
		reply_error(c, "an upstream and sync settings are for a cran "
		    "repository only");
		goto out;
	}
	if (upstream != NULL && !upstream_ok(c, upstream))
		goto out;
	opts = json_object();
	secrets = json_object();
	if (syncopt_apply(ctl.conf->data_dir, name, req, opts, secrets, &what,
	    err, sizeof(err)) != 0) {
		reply_error(c, "%s", err);
		goto out;
	}
	if (json_object_get(secrets, "userpwd") != NULL && (upstream == NULL ||
	    strncmp(upstream, "https://", 8) != 0)) {
		reply_error(c, "credentials are sent to an https:// upstream "
		    "only");
		goto out;
	}
	if (synclist_apply(req, opts, &what, why, sizeof(why)) < 0) {
		reply_error(c, "%s", why);
		goto out;
	}
	if (json_object_size(opts) > 0 && strcmp(kind, "cran") != 0) {
		reply_error(c, "a package list is for a cran mirror (--kind "
		    "cran)");
		goto out;
	}
	st = db_prepare(ctl.db, "INSERT INTO repos (name, kind, created_at, "
	    "access, upstream, upstream_ca, sync_options, sync_secret) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 4, access, -1, SQLITE_STATIC);
	if (upstream != NULL)
		sqlite3_bind_text(st, 5, upstream, -1, SQLITE_STATIC);
	if (ca != NULL)
		sqlite3_bind_text(st, 6, ca, -1, SQLITE_STATIC);
	if (bind_json(st, 7, opts, 0) != SQLITE_OK ||
	    bind_json(st, 8, secrets, 1) != SQLITE_OK ||
	    db_begin(ctl.db) != 0 || sqlite3_step(st) != SQLITE_DONE) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		sqlite3_finalize(st);
		db_rollback(ctl.db);
		goto out;
	}
	sqlite3_finalize(st);
	rid = sqlite3_last_insert_rowid(ctl.db);
	if (strcmp(kind, "curated") == 0) {
		struct curate_ctx x = { ctl.db, ctl.conf->data_dir, c->actor,
		    ctl.ops->published };
		json_t *e = curate_create(&x, rid, name, req);

		if (e != NULL) {
			db_rollback(ctl.db);
			reply(c, e);
			goto out;
		}
	}
	if (db_commit(ctl.db) != 0) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		db_rollback(ctl.db);
		goto out;
	}
	publish_write_list(ctl.db, ctl.conf->data_dir, rid, name);
	log_info("control: repository %s (%s) created", name, kind);
	buf_put_u8(&what, 0);
	audit_record("add_repository", 0, c->actor, "%s created repository "
	    "%s (%s, access %s%s%s%s)", c->actor, name, kind, access,
	    upstream ? ", upstream " : "", upstream ? upstream : "",
	    (const char *)what.data);
	list = db_sync_list(ctl.db, rid);
	if (json_is_object(list))
		audit_record("sync_list", 0, c->actor, "%s gave %s a package "
		    "list of %lld name(s)%s", c->actor, name,
		    (long long)json_integer_value(json_object_get(list,
		    "size")), json_is_true(json_object_get(list, "suggests")) ?
		    ", with their Suggests" : "");
	reply(c, json_pack("{s:b, s:{s:s, s:s, s:s, s:o}}", "ok", 1, "repo",
	    "name", name, "kind", kind, "access", access, "package_list",
	    list));
out:
	json_decref(opts);
	json_decref(secrets);
	buf_release(&what);
}

/*
 * repo edit: a mirror's upstream, CA bundle and sync settings (syncopt.h),
 * in one transaction with its audit record.
 */
static void
cmd_repo_edit(struct conn *c, json_t *req)
{
	const char *upstream = json_string_value(json_object_get(req,
	    "upstream"));
	json_t *ca = json_object_get(req, "ca_pem");
	json_t *opts = NULL, *secrets = NULL;
	sqlite3_stmt *st = NULL;
	const char *name;
	char kind[16], err[512];
	struct buf what;
	int64_t id;
	int https;

	buf_init(&what, 4096);
	if ((id = need_repo(c, req, &name, kind, sizeof(kind))) < 0)
		goto out;
	if (json_object_get(req, "access") != NULL) {
		reply_error(c, "access rules: airlockctl repo access %s RULE",
		    name);
		goto out;
	}
	if (upstream == NULL && ca == NULL && !syncopt_requested(req) &&
	    json_object_get(req, "packages") == NULL &&
	    json_object_get(req, "suggests") == NULL) {
		reply_error(c, "repo edit: nothing to change");
		goto out;
	}
	if (strcmp(kind, "cran") != 0) {
		reply_error(c, "%s is a %s repository: only a cran mirror has "
		    "an upstream and sync settings", name, kind);
		goto out;
	}
	if ((json_object_get(req, "upstream") != NULL && upstream == NULL) ||
	    (ca != NULL && !json_is_string(ca) && !json_is_null(ca))) {
		reply_error(c, "malformed upstream or CA bundle");
		goto out;
	}
	if (upstream != NULL && !upstream_ok(c, upstream))
		goto out;
	if (json_is_string(ca) && strstr(json_string_value(ca),
	    "-----BEGIN CERTIFICATE-----") == NULL) {
		reply_error(c, "--ca-file: no PEM certificate in it");
		goto out;
	}
	st = db_prepare(ctl.db, "SELECT sync_options, sync_secret, upstream "
	    "FROM repos WHERE id = ?");
	if (st == NULL) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		goto out;
	}
	opts = syncopt_parse((const char *)sqlite3_column_text(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0));
	secrets = syncopt_parse((const char *)sqlite3_column_blob(st, 1),
	    (size_t)sqlite3_column_bytes(st, 1));
	if (c->internal == NULL && json_object_get(opts, "config_digest") !=
	    NULL) {
		reply_error(c, "%s is declared in airlock.conf (sync.mirrors): "
		    "change it there and reload (SIGHUP)", name);
		goto out;
	}
	/* Credentials go to an https upstream only: the one it will have. */
	https = strncmp(upstream ? upstream : sqlite3_column_type(st, 2) ==
	    SQLITE_NULL ? "" : (const char *)sqlite3_column_text(st, 2),
	    "https://", 8) == 0;
	sqlite3_finalize(st);
	st = NULL;
	if (upstream != NULL)
		buf_putf(&what, ", upstream %s", upstream);
	if (json_is_string(ca))
		buf_putf(&what, ", CA bundle set");
	else if (ca != NULL)
		buf_putf(&what, ", CA bundle removed (the system's CAs)");
	if (syncopt_apply(ctl.conf->data_dir, name, req, opts, secrets, &what,
	    err, sizeof(err)) != 0) {
		reply_error(c, "%s", err);
		goto out;
	}
	if (synclist_apply(req, opts, &what, err, sizeof(err)) < 0) {
		reply_error(c, "%s", err);
		goto out;
	}
	if (json_object_get(secrets, "userpwd") != NULL && !https) {
		reply_error(c, "credentials are sent to an https:// upstream "
		    "only");
		goto out;
	}
	st = db_prepare(ctl.db, "UPDATE repos SET upstream = "
	    "coalesce(?1, upstream), upstream_ca = CASE WHEN ?2 THEN ?3 ELSE "
	    "upstream_ca END, sync_options = ?4, sync_secret = ?5 WHERE id = "
	    "?6");
	if (st == NULL) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		goto out;
	}
	if (upstream != NULL)
		sqlite3_bind_text(st, 1, upstream, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, ca != NULL);
	if (json_is_string(ca))
		sqlite3_bind_text(st, 3, json_string_value(ca), -1,
		    SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, id);
	buf_put_u8(&what, 0);
	if (bind_json(st, 4, opts, 0) != SQLITE_OK ||
	    bind_json(st, 5, secrets, 1) != SQLITE_OK ||
	    db_begin(ctl.db) != 0 || sqlite3_step(st) != SQLITE_DONE ||
	    audit_record("edit_repository", 0, c->actor, "%s edited "
	    "repository %s: %s", c->actor, name, what.data[0] ?
	    (const char *)what.data + 2 : "nothing changed") < 0 ||
	    db_commit(ctl.db) != 0) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		db_rollback(ctl.db);
		goto out;
	}
	log_info("control: repository %s edited: %s", name, what.data[0] ?
	    (const char *)what.data + 2 : "nothing changed");
	reply(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "repo", name,
	    "changed", what.data[0] ? (const char *)what.data + 2 :
	    "nothing"));
out:
	sqlite3_finalize(st);
	json_decref(opts);
	json_decref(secrets);
	buf_release(&what);
}

static void
cmd_repo_list(struct conn *c)
{
	sqlite3_stmt *st;
	json_t *repos = json_array(), *r;

	st = db_prepare(ctl.db, "SELECT r.name, r.kind, r.created_at, "
	    "(SELECT COUNT(*) FROM versions v WHERE v.repo_id = r.id), "
	    "(SELECT COUNT(DISTINCT package) FROM versions v "
	    "  WHERE v.repo_id = r.id), "
	    "(SELECT COUNT(*) FROM snapshots s WHERE s.repo_id = r.id "
	    "  AND s.state = 'published'), "
	    "(SELECT MAX(id) FROM snapshots s WHERE s.repo_id = r.id "
	    "  AND s.state = 'published'), r.access, r.upstream, "
	    "r.upstream_ca IS NOT NULL, r.sync_options, r.sync_secret "
	    "FROM repos r ORDER BY r.name");
	if (st == NULL) {
		json_decref(repos);
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = json_pack(
		    "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o}",
		    "name", (const char *)sqlite3_column_text(st, 0),
		    "kind", (const char *)sqlite3_column_text(st, 1),
		    "access", (const char *)sqlite3_column_text(st, 7),
		    "created", (json_int_t)sqlite3_column_int64(st, 2),
		    "versions", (json_int_t)sqlite3_column_int64(st, 3),
		    "packages", (json_int_t)sqlite3_column_int64(st, 4),
		    "snapshots", (json_int_t)sqlite3_column_int64(st, 5),
		    "latest", sqlite3_column_type(st, 6) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 6)),
		    "package_list", synclist_summary((const char *)
		    sqlite3_column_text(st, 10)));
		if (strcmp((const char *)sqlite3_column_text(st, 1), "cran") ==
		    0) {
			json_t *o = syncopt_parse((const char *)
			    sqlite3_column_text(st, 10),
			    (size_t)sqlite3_column_bytes(st, 10));
			json_t *s = syncopt_parse((const char *)
			    sqlite3_column_blob(st, 11),
			    (size_t)sqlite3_column_bytes(st, 11));
			json_t *p = syncopt_public(o, s);

			/* The list is package_list's, by its size. */
			json_object_del(p, "packages");
			json_object_del(p, "suggests");
			json_object_set_new(p, "declared_in_config",
			    json_boolean(json_object_get(p, "config_digest") !=
			    NULL));
			json_object_del(p, "config_digest");

			json_object_set_new(p, "upstream",
			    sqlite3_column_type(st, 8) == SQLITE_NULL ?
			    json_null() : json_string((const char *)
			    sqlite3_column_text(st, 8)));
			json_object_set_new(p, "ca_file", json_string(
			    sqlite3_column_int(st, 9) ? "set" : "none"));
			json_object_set_new(r, "sync", p);
			json_decref(o);
			json_decref(s);
		}
		json_array_append_new(repos, r);
	}
	sqlite3_finalize(st);
	reply(c, json_pack("{s:b, s:o}", "ok", 1, "repos", repos));
}

static void
cmd_publish(struct conn *c, json_t *req)
{
	struct publish_result res;
	const char *name;
	char err[512];
	int64_t id;

	if ((id = need_repo(c, req, &name, NULL, 0)) < 0)
		return;
	if (publish_repo(ctl.db, ctl.conf->data_dir, id, name, &res, err,
	    sizeof(err)) != 0) {
		log_error("publish %s: %s", name, err);
		reply_error(c, "publish %s: %s", name, err);
		return;
	}
	ctl.ops->published(name);
	log_info("published %s: snapshot %lld, %u packages, %u archived, "
	    "%.3fs", name, (long long)res.id, res.packages, res.archived,
	    res.seconds);
	audit_record("publish_snapshot", 0, c->actor, "%s published snapshot "
	    "%lld of %s (%u packages, %u archived, %u binaries)", c->actor,
	    (long long)res.id, name, res.packages, res.archived,
	    res.binaries);
	reply(c, json_pack("{s:b, s:{s:I, s:I, s:i, s:i, s:i, s:f}}", "ok", 1,
	    "snapshot", "id", (json_int_t)res.id, "created",
	    (json_int_t)res.created, "packages", (int)res.packages,
	    "archived", (int)res.archived, "binaries", (int)res.binaries,
	    "seconds", res.seconds));
}

static void
cmd_snapshot_list(struct conn *c, json_t *req)
{
	sqlite3_stmt *st;
	const char *name;
	json_t *list;
	int64_t id;

	if ((id = need_repo(c, req, &name, NULL, 0)) < 0)
		return;
	st = db_prepare(ctl.db, "SELECT id, created_at, packages, archived "
	    "FROM snapshots WHERE repo_id = ? AND state = 'published' "
	    "ORDER BY created_at, id");
	if (st == NULL) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	list = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I, s:I, s:I, s:I}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "created", (json_int_t)sqlite3_column_int64(st, 1),
		    "packages", (json_int_t)sqlite3_column_int64(st, 2),
		    "archived", (json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_finalize(st);
	reply(c, json_pack("{s:b, s:s, s:o}", "ok", 1, "repo", name,
	    "snapshots", list));
}

static void
cmd_snapshot_prune(struct conn *c, json_t *req)
{
	json_t *k = json_object_get(req, "keep");
	const char *name;
	char err[512];
	int64_t id;
	int n;

	if ((id = need_repo(c, req, &name, NULL, 0)) < 0)
		return;
	if (!json_is_integer(k) || json_integer_value(k) < 1 ||
	    json_integer_value(k) > 1000000) {
		reply_error(c, "--keep must be at least 1: the newest snapshot "
		    "is never pruned");
		return;
	}
	n = publish_prune(ctl.db, ctl.conf->data_dir, id, name,
	    (unsigned)json_integer_value(k), err, sizeof(err));
	if (n < 0) {
		reply_error(c, "prune %s: %s", name, err);
		return;
	}
	ctl.ops->published(name);
	log_info("pruned %d snapshot(s) of %s", n, name);
	if (n > 0)
		audit_record("prune_snapshot", 0, c->actor, "%s pruned %d "
		    "snapshot(s) of %s, keeping %lld", c->actor, n, name,
		    (long long)json_integer_value(k));
	reply(c, json_pack("{s:b, s:i}", "ok", 1, "removed", n));
}

static void
cmd_repo_access(struct conn *c, json_t *req)
{
	const char *rule = json_string_value(json_object_get(req, "access"));
	const char *name;
	sqlite3_stmt *st;
	char why[256];
	int64_t id;

	if ((id = need_repo(c, req, &name, NULL, 0)) < 0)
		return;
	if (rule == NULL || access_valid(rule, why, sizeof(why)) != 0) {
		reply_error(c, "%s", rule ? why : "no access rule given");
		return;
	}
	if (db_begin(ctl.db) != 0 || (st = db_prepare(ctl.db, "UPDATE repos "
	    "SET access = ? WHERE id = ?")) == NULL) {
		db_rollback(ctl.db);
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		return;
	}
	sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE ||
	    audit_record("edit_repository_access", 0, c->actor, "%s set the "
	    "access of %s to %s", c->actor, name, rule) < 0 ||
	    db_commit(ctl.db) != 0) {
		sqlite3_finalize(st);
		db_rollback(ctl.db);
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		return;
	}
	sqlite3_finalize(st);
	if (publish_write_list(ctl.db, ctl.conf->data_dir, id, name) != 0) {
		reply_error(c, "recorded, but the store could not be updated: "
		    "see the log");
		return;
	}
	ctl.ops->published(name);
	log_info("control: access of %s is now %s", name, rule);
	reply(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "repo", name,
	    "access", rule));
}

static int
dump_line(void *arg, const char *line, size_t len)
{
	return buf_put(arg, line, len);
}

static void
cmd_audit_dump(struct conn *c, json_t *req)
{
	const char *fmt = json_string_value(json_object_get(req, "format"));
	const char *since = json_string_value(json_object_get(req, "since"));
	const char *until = json_string_value(json_object_get(req, "until"));
	int64_t from = 0, to = 0, n;
	struct buf b;
	json_t *j;

	if ((since && audit_parse_time(since, &from) != 0) ||
	    (until && audit_parse_time(until, &to) != 0)) {
		reply_error(c, "times look like 2026-11-23, "
		    "2026-11-23T19:14:53Z or unix seconds");
		return;
	}
	buf_init(&b, (size_t)1 << 30);
	n = audit_dump(ctl.db, fmt && strcmp(fmt, "json") == 0 ? AUDIT_JSON :
	    AUDIT_CSV, from, to, dump_line, &b);
	if (n < 0) {
		buf_release(&b);
		reply_error(c, "cannot read the audit trail: see the log");
		return;
	}
	j = json_pack("{s:b, s:I, s:s%}", "ok", 1, "records", (json_int_t)n,
	    "text", b.len ? (const char *)b.data : "", b.len);
	buf_release(&b);
	reply(c, j);
}

static void
cmd_audit_verify(struct conn *c)
{
	int64_t checked = 0;
	char why[512] = "";
	int r = audit_verify(ctl.db, &checked, why, sizeof(why));

	if (r < 0)
		reply_error(c, "cannot read the audit trail: see the log");
	else
		reply(c, json_pack("{s:b, s:b, s:I, s:s}", "ok", 1, "intact",
		    r == 0, "records", (json_int_t)checked, "problem", why));
}

/* Users, groups and tokens live in auth: the command goes there. */
static void
cmd_auth(struct conn *c, json_t *req)
{
	char *text;
	struct buf b;

	json_object_set_new(req, "actor", json_string(c->actor));
	if ((text = json_dumps(req, JSON_COMPACT)) == NULL) {
		reply_error(c, "out of memory");
		return;
	}
	buf_init(&b, IPC_MAX_PAYLOAD);
	c->auth_id = ++ctl.next_auth;
	if (buf_put_u64(&b, c->auth_id) != 0 || buf_put_str(&b, text) != 0) {
		c->auth_id = 0;
		reply_error(c, "request too long");
	} else if (ctl.ops->auth(&b, &c->auth_pid) != 0) {
		c->auth_id = 0;
		reply_error(c, "the auth role is not running (%s): see the "
		    "log", strerror(errno));
	}
	explicit_bzero(text, strlen(text));	/* it may hold a password */
	free(text);
	explicit_bzero(b.data, b.len);
	buf_release(&b);
}

int
control_auth_reply(struct ipc_msg *msg)
{
	json_error_t jerr;
	struct conn *c;
	char *text = NULL;
	uint64_t id;
	json_t *j;

	if (buf_get_u64(&msg->payload, &id) != 0 ||
	    buf_get_str(&msg->payload, &text, IPC_MAX_PAYLOAD) != 0)
		return -1;
	for (c = ctl.conns; c != NULL && c->auth_id != id; c = c->next)
		;
	if (c != NULL && id != 0) {
		c->auth_id = 0;
		if ((j = json_loads(text, 0, &jerr)) == NULL)
			reply_error(c, "auth answered nonsense");
		else
			reply(c, j);
	}
	explicit_bzero(text, strlen(text));	/* it may hold a new token */
	free(text);
	return 0;
}

void
control_auth_gone(pid_t pid)
{
	struct conn *c;

	for (c = ctl.conns; c != NULL; c = c->next)
		if (c->auth_id != 0 && c->auth_pid == pid) {
			c->auth_id = 0;
			reply_error(c, "the auth role died before answering: "
			    "see the log");
		}
}

static void
cmd_package_list(struct conn *c, json_t *req)
{
	const char *name, *snap = json_string_value(json_object_get(req,
	    "snapshot"));
	sqlite3_stmt *st;
	int64_t id, sid = -1;
	json_t *list;

	if ((id = need_repo(c, req, &name, NULL, 0)) < 0)
		return;
	if (snap != NULL && (sid = db_snapshot_resolve(ctl.db, id, snap)) < 0) {
		reply_error(c, "%s has no snapshot '%s'", name, snap);
		return;
	}
	if (sid >= 0)
		st = db_prepare(ctl.db, "SELECT v.package, v.version, v.file, "
		    "b.size, v.sha256, sv.latest, v.tree FROM "
		    "snapshot_versions sv JOIN versions v ON "
		    "v.id = sv.version_id JOIN blobs b ON "
		    "b.sha256 = v.sha256 WHERE sv.snapshot_id = ? "
		    "ORDER BY v.tree != 'src/contrib', v.tree, v.package, "
		    "v.added_at");
	else
		st = db_prepare(ctl.db, "SELECT v.package, v.version, v.file, "
		    "b.size, v.sha256, NULL, v.tree FROM versions v JOIN "
		    "blobs b ON b.sha256 = v.sha256 WHERE v.repo_id = ? "
		    "ORDER BY v.tree != 'src/contrib', v.tree, v.package, "
		    "v.added_at");
	if (st == NULL) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		return;
	}
	sqlite3_bind_int64(st, 1, sid >= 0 ? sid : id);
	list = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:s}",
		    "package", (const char *)sqlite3_column_text(st, 0),
		    "version", (const char *)sqlite3_column_text(st, 1),
		    "file", (const char *)sqlite3_column_text(st, 2),
		    "size", (json_int_t)sqlite3_column_int64(st, 3),
		    "sha256", (const char *)sqlite3_column_text(st, 4));

		struct pkg_type t;

		if (sid >= 0)
			json_object_set_new(row, "latest",
			    json_boolean(sqlite3_column_int(st, 5)));
		/* What R calls the type, e.g. "win.binary:4.4". */
		if (pkg_type_from_tree((const char *)sqlite3_column_text(st,
		    6), &t) == 0)
			json_object_set_new(row, "type", json_string(t.spec));
		json_array_append_new(list, row);
	}
	sqlite3_finalize(st);
	reply(c, json_pack("{s:b, s:s, s:o, s:o}", "ok", 1, "repo", name,
	    "snapshot", sid >= 0 ? json_integer(sid) : json_null(),
	    "packages", list));
}

static void
job_result(struct conn *c, struct job *j)
{
	char file[STORE_FILE_MAX];
	json_t *r;

	/* A binary by its path in the repository, as a sync batch names it. */
	store_file_name(&j->ig, file, sizeof(file));
	r = json_pack("{s:s, s:b}", "file", file, "ok", j->ig.ok);

	if (j->ig.ok) {
		json_object_set_new(r, "package", json_string(j->ig.package));
		json_object_set_new(r, "version", json_string(j->ig.version));
		json_object_set_new(r, "added", json_boolean(j->ig.added));
		json_object_set_new(r, "sha256", json_string(j->ig.sha256));
	} else
		json_object_set_new(r, "error", json_string(j->ig.error));
	json_array_append_new(c->add_results, r);
}

static void thread_done(struct conn *c);

/*
 * The placer thread, once the whole batch is inspected: its blobs placed
 * and their directories synced.  Like the copier it touches nothing but
 * its request's jobs and settings; the blobs are immutable and never
 * removed, so nothing on the loop races it.
 */
static void *
place_batch(void *arg)
{
	struct conn *c = arg;
	struct ingest **placed;
	size_t i, np = 0;

	if ((placed = calloc(c->njobs + 1, sizeof(*placed))) == NULL)
		snprintf(c->place_err, sizeof(c->place_err), "out of memory");
	for (i = 0; placed != NULL && i < c->njobs; i++) {
		struct job *j = &c->jobs[i];

		if (!j->inspected)
			continue;
		if (store_place(c->data_dir, &j->ig) != 0)
			j->inspected = 0;
		else
			placed[np++] = &j->ig;
	}
	if (np > 0)
		store_place_sync(c->data_dir, placed, np, c->place_err,
		    sizeof(c->place_err));
	free(placed);
	thread_done(c);
	return NULL;
}

/*
 * Back on the loop, the batch placed: one transaction (a savepoint per
 * file, so one failure does not undo the others) that holds each file's
 * audit record too, so that the batch costs one commit rather than one
 * per file.
 */
static void
record_batch(struct conn *c)
{
	size_t i, np = 0;
	char err[512];
	struct job *j;

	if (c->place_err[0] != '\0') {
		snprintf(err, sizeof(err), "%s", c->place_err);
		goto refuse;
	}
	for (i = 0; i < c->njobs; i++)
		np += c->jobs[i].inspected != 0;
	if (np == 0)
		return;
	if (db_begin(ctl.db) != 0)
		goto fail;
	for (i = 0; i < c->njobs; i++) {
		j = &c->jobs[i];
		if (!j->inspected)
			continue;
		db_exec(ctl.db, "SAVEPOINT job");
		if (store_record(ctl.db, c->repo_id, &j->ig, &j->fields) == 0) {
			db_exec(ctl.db, "RELEASE job");
			j->ig.ok = 1;
			if (j->ig.added) {
				char file[STORE_FILE_MAX];

				store_file_name(&j->ig, file, sizeof(file));
				audit_record("upload_package", 0, c->actor,
				    "%s added %s %s to %s (%s, sha256 %s)",
				    c->actor, j->ig.package, j->ig.version,
				    c->repo, file, j->ig.sha256);
			}
		} else
			db_exec(ctl.db, "ROLLBACK TO job; RELEASE job");
	}
	if (db_commit(ctl.db) != 0)
		goto fail;
	for (i = 0; i < c->njobs; i++) {
		j = &c->jobs[i];
		if (j->ig.ok && j->ig.added)
			log_info("add %s: %s %s (%s)", c->repo, j->ig.package,
			    j->ig.version, j->ig.sha256);
	}
	return;
fail:
	snprintf(err, sizeof(err), "cannot record it: %s",
	    sqlite3_errmsg(ctl.db));
	db_rollback(ctl.db);
refuse:
	for (i = 0; i < c->njobs; i++) {
		j = &c->jobs[i];
		if (!j->inspected)
			continue;
		j->ig.ok = 0;
		snprintf(j->ig.error, sizeof(j->ig.error), "%s", err);
	}
}

/* The batch recorded (or refused): its answer. */
static void
add_answer(struct conn *c)
{
	size_t i;

	record_batch(c);
	for (i = 0; i < c->njobs; i++) {
		job_result(c, &c->jobs[i]);
		dcf_free(&c->jobs[i].fields);
	}
	free(c->jobs);
	c->jobs = NULL;
	if (c->closing) {
		conn_release(c);	/* recorded; nobody to tell */
		return;
	}
	reply(c, json_pack("{s:b, s:s, s:o}", "ok", 1, "repo", c->repo,
	    "results", c->add_results));
	c->add_results = NULL;
	if (c->internal != NULL)
		conn_release(c);	/* nobody else will */
}

/* Every job is done: what the inspector accepted goes to be placed. */
static void
add_finish_if_done(struct conn *c)
{
	size_t i, np = 0;

	if (c->jobs == NULL || c->nleft > 0 || c->busy)
		return;
	for (i = 0; i < c->njobs; i++)
		np += c->jobs[i].inspected != 0;
	c->place_err[0] = '\0';
	if (np > 0) {
		c->busy = 1;
		c->finished = 0;
		c->placing = 1;
		if (pthread_create(&c->thread, NULL, place_batch, c) == 0)
			return;
		c->busy = 0;
		place_batch(c);		/* no thread: here, then */
	}
	add_answer(c);
}

static void
job_done(struct conn *c, struct job *j)
{
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	j->done = 1;
	if (!j->inspected)
		log_info("add %s: %s refused: %s", c->repo, j->ig.name,
		    j->ig.error);
	c->nleft--;
	add_finish_if_done(c);
}

/*
 * The copier thread: each file into DATA_DIR/ingest, hashed.  It touches
 * nothing but its request's jobs and reads the configuration.
 */
static void *
copier(void *arg)
{
	struct conn *c = arg;
	size_t i;

	for (i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];

		if (j->src == -1)
			continue;
		j->fd = store_receive(c->data_dir, j->src, c->max_size,
		    &j->ig);
		close(j->src);
		j->src = -1;
	}
	/* Durable before the inspector sees them: one sweep at the end. */
	for (i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];

		if (j->fd != -1 && store_receive_sync(j->fd, &j->ig) != 0) {
			close(j->fd);
			j->fd = -1;
		}
	}
	thread_done(c);
	return NULL;
}

/* The end of a conn's thread, for on_copied. */
static void
thread_done(struct conn *c)
{
	uint64_t one = 1;

	pthread_mutex_lock(&ctl.lock);
	c->finished = 1;
	pthread_mutex_unlock(&ctl.lock);
	(void)!write(ctl.evfd, &one, sizeof(one));
}


/* Back on the loop: the request's files are copied (or refused). */
static void
copy_done(struct conn *c)
{
	size_t i;

	for (i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];

		if (!j->done && j->fd == -1) {
			j->done = 1;
			c->nleft--;
		}
	}
	if (c->closing) {
		conn_release(c);
		return;
	}
	add_finish_if_done(c);
	inspect_next();
}

static void
on_copied(void)
{
	struct conn *c, *next;
	uint64_t n;
	int done;

	(void)!read(ctl.evfd, &n, sizeof(n));
	for (c = ctl.conns; c != NULL; c = next) {
		next = c->next;
		pthread_mutex_lock(&ctl.lock);
		done = c->busy && c->finished;
		pthread_mutex_unlock(&ctl.lock);
		if (!done)
			continue;
		pthread_join(c->thread, NULL);
		c->busy = 0;
		if (c->placing) {
			c->placing = 0;
			add_answer(c);
		} else
			copy_done(c);
	}
}

/*
 * add: files for one repository, all of one type (the request's "type",
 * source when absent), each named by its base name.  A sync batch
 * (internal) names each file "tree/file" for a binary instead.
 */
static void
cmd_add(struct conn *c, json_t *req, struct ipc_msg *msg)
{
	json_t *files = json_object_get(req, "files");
	const char *name, *spec = json_string_value(json_object_get(req,
	    "type"));
	struct pkg_type type, ft;
	size_t i;
	int64_t id;
	char kind[16];

	if ((id = need_repo(c, req, &name, kind, sizeof(kind))) < 0)
		return;
	if (pkg_type_parse(spec != NULL ? spec : "source", &type) != 0) {
		reply_error(c, "add: '%s' is not a package type (source, "
		    "win.binary:X.Y, mac.binary:X.Y or mac.binary.NAME:X.Y)",
		    spec);
		return;
	}
	if (!json_is_array(files) || json_array_size(files) !=
	    (size_t)msg->nfds || msg->nfds == 0) {
		reply_error(c, "add: one file name per file sent");
		return;
	}
	if ((c->jobs = calloc((size_t)msg->nfds, sizeof(*c->jobs))) == NULL) {
		reply_error(c, "out of memory");
		return;
	}
	snprintf(c->repo, sizeof(c->repo), "%s", name);
	c->repo_id = id;
	c->njobs = c->nleft = (size_t)msg->nfds;
	c->add_results = json_array();
	for (i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];
		const char *fn = json_string_value(json_array_get(files, i));
		const char *base;

		j->ig.job = ++ctl.next_job;
		j->fd = -1;
		j->src = -1;
		j->ig.fd = -1;
		j->ig.adopt_uid = c->adopt ? c->adopt_uid : (uid_t)-1;
		base = fn ? strrchr(fn, '/') : NULL;
		snprintf(j->ig.name, sizeof(j->ig.name), "%s",
		    base ? base + 1 : fn ? fn : "");
		snprintf(j->ig.tree, sizeof(j->ig.tree), "%s", type.tree);
		if (c->internal != NULL && base != NULL) {
			char tree[PKG_TREE_MAX];

			snprintf(tree, sizeof(tree), "%.*s", (int)(base - fn),
			    fn);
			if ((size_t)(base - fn) >= sizeof(tree) ||
			    pkg_type_from_tree(tree, &ft) != 0) {
				snprintf(j->ig.error, sizeof(j->ig.error),
				    "'%.100s' is not a tree of a repository",
				    tree);
				j->done = 1;
				c->nleft--;
				continue;
			}
			snprintf(j->ig.tree, sizeof(j->ig.tree), "%s", ft.tree);
		}
		if (j->ig.name[0] == '\0') {
			snprintf(j->ig.error, sizeof(j->ig.error),
			    "no file name");
			j->done = 1;
			c->nleft--;
			continue;
		}
		if (c->want_md5 != NULL)
			snprintf(j->ig.want_md5, sizeof(j->ig.want_md5), "%s",
			    c->want_md5[i]);
		if (c->want_sha256 != NULL)
			snprintf(j->ig.want_sha256, sizeof(j->ig.want_sha256),
			    "%s", c->want_sha256[i]);
		j->src = msg->fds[i];
		msg->fds[i] = -1;	/* the copier's now */
	}
	ipc_msg_close_fds(msg);
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", ctl.conf->data_dir);
	c->max_size = (uint64_t)ctl.conf->max_package_size;
	c->busy = 1;
	c->finished = 0;
	if (pthread_create(&c->thread, NULL, copier, c) != 0) {
		c->busy = 0;
		copier(c);
		copy_done(c);
	}
}

/* ---- offline bundles ---- */

static void
import_free(void)
{
	size_t i;

	for (i = 0; i < ctl.imp.n; i++) {
		if (ctl.imp.fds[i] != -1)
			close(ctl.imp.fds[i]);
		free(ctl.imp.names[i]);
	}
	free(ctl.imp.fds);
	free(ctl.imp.names);
	if (ctl.imp.fd != -1)
		close(ctl.imp.fd);
	buf_release(&ctl.imp.payload);
	memset(&ctl.imp, 0, sizeof(ctl.imp));
	ctl.imp.fd = -1;
}

static void
import_send(void)
{
	if (ctl.imp.c == NULL || ctl.imp.sent ||
	    ctl.ops->unbundle(&ctl.imp.payload, ctl.imp.fd) != 0)
		return;		/* control_inspect_ready tries again */
	ctl.imp.sent = 1;
	close(ctl.imp.fd);
	ctl.imp.fd = -1;
}

static void
cmd_bundle_import(struct conn *c, json_t *req, struct ipc_msg *msg)
{
	const struct strlist *keys = &ctl.conf->bundle_trusted_keys;
	const char *repo = json_string_value(json_object_get(req, "repo"));
	char *pem;
	size_t i;
	FILE *f;

	if (msg->nfds != 1) {
		ipc_msg_close_fds(msg);
		reply_error(c, "bundle import: send the bundle");
		return;
	}
	if (ctl.imp.c != NULL) {
		ipc_msg_close_fds(msg);
		reply_error(c, "another bundle import is under way");
		return;
	}
	if (keys->n == 0) {
		ipc_msg_close_fds(msg);
		reply_error(c, "no bundle.trusted_keys configured: no bundle "
		    "can be trusted");
		return;
	}
	if (repo != NULL && db_repo_id(ctl.db, repo, NULL, 0) < 0) {
		ipc_msg_close_fds(msg);
		reply_error(c, "no repository named '%s'", repo);
		return;
	}
	memset(&ctl.imp, 0, sizeof(ctl.imp));
	ctl.imp.c = c;
	ctl.imp.fd = msg->fds[0];
	msg->fds[0] = -1;
	snprintf(ctl.imp.repo, sizeof(ctl.imp.repo), "%s", repo ? repo : "");
	buf_init(&ctl.imp.payload, IPC_MAX_PAYLOAD);
	buf_put_u64(&ctl.imp.payload, (uint64_t)ctl.conf->max_package_size);
	buf_put_u32(&ctl.imp.payload, (uint32_t)keys->n);
	for (i = 0; i < keys->n; i++) {
		/* The master reads the keys; the inspector gets their text. */
		if ((pem = calloc(1, 16385)) == NULL ||
		    (f = fopen(keys->v[i], "re")) == NULL) {
			reply_error(c, "bundle.trusted_keys: %s: %s", keys->v[i],
			    strerror(errno));
			free(pem);
			import_free();
			return;
		}
		(void)!fread(pem, 1, 16384, f);
		fclose(f);
		buf_put_str(&ctl.imp.payload, pem);
		free(pem);
	}
	import_send();
}

static void import_next(void);

static void
import_batch_done(void *arg, json_t *answer)
{
	json_t *r;
	size_t i;

	(void)arg;
	json_array_foreach(json_object_get(answer, "results"), i, r) {
		if (!json_is_true(json_object_get(r, "ok")))
			ctl.imp.refused++;
		else if (json_is_true(json_object_get(r, "added")))
			ctl.imp.added++;
		else
			ctl.imp.present++;
	}
	import_next();
}

/* Ingests the verified files 16 at a time, then publishes. */
static void
import_next(void)
{
	struct publish_result pr;
	struct conn *c = ctl.imp.c;
	char err[512];
	int64_t id;
	int n;

	if (ctl.imp.next < ctl.imp.n) {
		n = (int)(ctl.imp.n - ctl.imp.next > IPC_MAX_FDS ? IPC_MAX_FDS :
		    ctl.imp.n - ctl.imp.next);
		ctl.imp.next += (size_t)n;
		if (control_ingest(ctl.imp.repo, c->actor, ctl.imp.fds +
		    ctl.imp.next - n, ctl.imp.names + ctl.imp.next - n, NULL,
		    NULL, n, (uid_t)-1, import_batch_done, NULL) != 0) {
			reply_error(c, "bundle import: cannot ingest");
			import_free();
		}
		return;
	}
	id = db_repo_id(ctl.db, ctl.imp.repo, NULL, 0);
	if (ctl.imp.refused > 0 || publish_repo(ctl.db, ctl.conf->data_dir, id,
	    ctl.imp.repo, &pr, err, sizeof(err)) != 0) {
		audit_record("bundle_import", 0, c->actor, "%s imported a "
		    "bundle into %s: %u added, %u present, %u refused; not "
		    "published", c->actor, ctl.imp.repo, ctl.imp.added,
		    ctl.imp.present, ctl.imp.refused);
		reply_error(c, "bundle import into %s: %u added, %u refused; "
		    "nothing published", ctl.imp.repo, ctl.imp.added,
		    ctl.imp.refused);
		import_free();
		return;
	}
	ctl.ops->published(ctl.imp.repo);
	audit_record("bundle_import", 0, c->actor, "%s imported a bundle into "
	    "%s: %u added, %u already present; published snapshot %lld",
	    c->actor, ctl.imp.repo, ctl.imp.added, ctl.imp.present,
	    (long long)pr.id);
	reply(c, json_pack("{s:b, s:s, s:i, s:i, s:I}", "ok", 1, "repo",
	    ctl.imp.repo, "added", (int)ctl.imp.added, "present",
	    (int)ctl.imp.present, "snapshot", (json_int_t)pr.id));
	import_free();
}

int
control_unbundled(struct ipc_msg *msg)
{
	char *name = NULL, *err = NULL, *repo = NULL, *key = NULL;
	struct conn *c = ctl.imp.c;
	uint8_t ok;
	int r = -1;

	if (c == NULL || !ctl.imp.sent)
		return -1;
	if (msg->type == IPC_UNBUNDLED_FILE) {
		if (buf_get_str(&msg->payload, &name, 255) != 0)
			return -1;
		if (ctl.imp.n == ctl.imp.cap) {
			size_t cap = ctl.imp.cap ? ctl.imp.cap * 2 : 64;
			int *nf = realloc(ctl.imp.fds, cap * sizeof(*nf));
			char **nn;

			if (nf == NULL) {
				free(name);
				return -1;
			}
			ctl.imp.fds = nf;
			if ((nn = realloc(ctl.imp.names, cap * sizeof(*nn))) ==
			    NULL) {
				free(name);
				return -1;
			}
			ctl.imp.names = nn;
			ctl.imp.cap = cap;
		}
		ctl.imp.fds[ctl.imp.n] = msg->fds[0];
		msg->fds[0] = -1;
		ctl.imp.names[ctl.imp.n++] = name;
		return 0;
	}
	if (buf_get_u8(&msg->payload, &ok) != 0 ||
	    buf_get_str(&msg->payload, &err, 2048) != 0 ||
	    buf_get_str(&msg->payload, &repo, 64) != 0 ||
	    buf_get_str(&msg->payload, &key, 31) != 0)
		goto out;
	r = 0;
	if (!ok) {
		/* Nothing it gave is kept: the bundle was not whole. */
		audit_record("bundle_import", 0, c->actor, "%s: a bundle was "
		    "refused: %s", c->actor, err);
		reply_error(c, "bundle refused, nothing changed: %s", err);
		import_free();
		goto out;
	}
	if (ctl.imp.repo[0] == '\0')
		snprintf(ctl.imp.repo, sizeof(ctl.imp.repo), "%s", repo);
	if (db_repo_id(ctl.db, ctl.imp.repo, NULL, 0) < 0) {
		reply_error(c, "the bundle is of repository '%s', which does "
		    "not exist here: create it, or give --repo", repo);
		import_free();
		goto out;
	}
	log_info("bundle for %s signed by %s verified: %zu file(s)",
	    ctl.imp.repo, key, ctl.imp.n);
	import_next();
out:
	free(err);
	free(repo);
	free(key);
	return r;
}

static void
cmd_bundle_export(struct conn *c, json_t *req, struct ipc_msg *msg)
{
	const char *since = json_string_value(json_object_get(req, "since"));
	struct bundle_writer *w = NULL;
	EVP_PKEY *key = NULL;
	sqlite3_stmt *st = NULL;
	int64_t id, snap, old = 0;
	char err[512], path[PATH_MAX], host[256] = "airlock";
	const char *name;
	int *fds = NULL, out = msg->nfds == 1 ? msg->fds[0] : -1;
	size_t n = 0, cap = 0, i;

	if (out == -1) {
		ipc_msg_close_fds(msg);
		reply_error(c, "bundle export: send the output file");
		return;
	}
	if ((id = need_repo(c, req, &name, NULL, 0)) < 0)
		goto done;
	if (ctl.conf->bundle_signing_key[0] == '\0') {
		reply_error(c, "no bundle.signing_key configured");
		goto done;
	}
	if ((key = bundle_load_private(ctl.conf->bundle_signing_key, err,
	    sizeof(err))) == NULL) {
		reply_error(c, "bundle.signing_key: %s", err);
		goto done;
	}
	if ((snap = db_snapshot_resolve(ctl.db, id, "latest")) < 0 ||
	    (since != NULL && (old = db_snapshot_resolve(ctl.db, id,
	    since)) < 0)) {
		reply_error(c, "%s has no %s snapshot", name, snap < 0 ?
		    "published" : since);
		goto done;
	}
	if ((w = bundle_write_open(out, err, sizeof(err))) == NULL) {
		reply_error(c, "bundle export: %s", err);
		goto done;
	}
	/*
	 * The newest snapshot's files, less what --since already had; a
	 * binary named "tree/file", as the bundle format (and the store)
	 * names it.
	 */
	st = db_prepare(ctl.db, "SELECT CASE v.tree WHEN 'src/contrib' THEN "
	    "v.file ELSE v.tree || '/' || v.file END, v.sha256, v.package, "
	    "v.version FROM snapshot_versions sv JOIN versions v ON v.id = "
	    "sv.version_id WHERE sv.snapshot_id = ?1 "
	    "AND v.id NOT IN (SELECT "
	    "version_id FROM snapshot_versions WHERE snapshot_id = ?2) "
	    "ORDER BY v.tree != 'src/contrib', v.tree, v.package, v.version");
	if (st == NULL) {
		reply_error(c, "database: %s", sqlite3_errmsg(ctl.db));
		goto done;
	}
	sqlite3_bind_int64(st, 1, snap);
	sqlite3_bind_int64(st, 2, old);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 1);
		int fd;

		snprintf(path, sizeof(path), "%s/store/blobs/sha256/%.2s/%s",
		    ctl.conf->data_dir, sha, sha);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    bundle_write_file(w, (const char *)sqlite3_column_text(st,
		    0), fd, (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), err,
		    sizeof(err)) != 0) {
			if (fd != -1)
				close(fd);
			reply_error(c, "bundle export: %s: %s",
			    sqlite3_column_text(st, 0), fd == -1 ?
			    strerror(errno) : err);
			goto done;
		}
		if (n == cap) {
			int *nf;

			cap = cap ? cap * 2 : 64;
			if ((nf = realloc(fds, cap * sizeof(*nf))) == NULL) {
				close(fd);
				reply_error(c, "out of memory");
				goto done;
			}
			fds = nf;
		}
		fds[n++] = fd;
	}
	gethostname(host, sizeof(host) - 1);
	if (bundle_write_close(w, key, name, host, (long long)old, err,
	    sizeof(err)) != 0) {
		w = NULL;
		reply_error(c, "bundle export: %s", err);
		goto done;
	}
	w = NULL;
	audit_record("bundle_export", 0, c->actor, "%s exported %zu file(s) "
	    "of %s snapshot %lld%s%s", c->actor, n, name, (long long)snap,
	    since ? " since " : "", since ? since : "");
	reply(c, json_pack("{s:b, s:s, s:I, s:I}", "ok", 1, "repo", name,
	    "files", (json_int_t)n, "snapshot", (json_int_t)snap));
done:
	bundle_write_free(w);
	sqlite3_finalize(st);
	EVP_PKEY_free(key);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	ipc_msg_close_fds(msg);
}

int
control_ingest(const char *repo, const char *actor, int *fds,
    char *const *names, char *const *md5s, char *const *sha256s, int n,
    uid_t adopt_uid, void (*done)(void *arg, json_t *answer), void *arg)
{
	struct ipc_msg msg;
	struct conn *c;
	json_t *req, *files;
	int i;

	if (n <= 0 || n > IPC_MAX_FDS || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->tag = TAG_CONN;
	c->fd = -1;
	c->internal = done;
	c->internal_arg = arg;
	snprintf(c->actor, sizeof(c->actor), "%s", actor);
	c->next = ctl.conns;
	ctl.conns = c;
	ctl.nconns++;
	files = json_array();
	memset(&msg, 0, sizeof(msg));
	for (i = 0; i < n; i++) {
		json_array_append_new(files, json_string(names[i]));
		msg.fds[i] = fds[i];
		fds[i] = -1;		/* the ingest's now */
	}
	msg.nfds = n;
	req = json_pack("{s:s, s:o}", "repo", repo, "files", files);
	c->want_md5 = md5s;
	c->want_sha256 = sha256s;
	c->adopt = adopt_uid != (uid_t)-1;
	c->adopt_uid = adopt_uid;
	cmd_add(c, req, &msg);
	c->want_md5 = c->want_sha256 = NULL;
	json_decref(req);
	if (c->jobs == NULL && !c->busy)
		conn_release(c);	/* answered at once (an error) */
	return 0;
}

/* Hands waiting jobs of any connection to the inspect role. */
static void
inspect_next(void)
{
	struct conn *c;
	struct buf b;
	size_t i;

	for (c = ctl.conns; c != NULL; c = c->next) {
		if (c->busy || c->closing)
			continue;
		for (i = 0; c->jobs != NULL && i < c->njobs; i++) {
			struct job *j = &c->jobs[i];

			if (j->done || j->sent)
				continue;
			if (ctl.ninflight == INSPECT_WINDOW)
				return;
			buf_init(&b, 8192);
			buf_put_u64(&b, j->ig.job);
			buf_put_str(&b, j->ig.name);
			buf_put_u64(&b, (uint64_t)ctl.conf->max_package_size);
			buf_put_u64(&b, (uint64_t)ctl.conf->max_unpacked_size);
			buf_put_str(&b, j->ig.tree);
			if (ctl.ops->inspect(&b, j->fd) != 0) {
				/* Not up yet: control_inspect_ready retries. */
				buf_release(&b);
				return;
			}
			buf_release(&b);
			j->sent = 1;
			ctl.inflight[ctl.ninflight].job = j->ig.job;
			ctl.inflight[ctl.ninflight].conn = c;
			ctl.inflight[ctl.ninflight].index = i;
			ctl.ninflight++;
		}
	}
}

int
control_busy(void)
{
	struct conn *c;

	if (ctl.imp.c != NULL)
		return 1;

	for (c = ctl.conns; c != NULL; c = c->next)
		if (c->jobs != NULL && c->nleft > 0)
			return 1;
	return ctl.ninflight > 0;
}

void
control_inspect_ready(void)
{
	import_send();
	inspect_next();
}

/* Takes the oldest job off the window; its job, or NULL if orphaned. */
static struct job *
inflight_pop(struct conn **cp)
{
	struct inflight f = ctl.inflight[0];

	memmove(&ctl.inflight[0], &ctl.inflight[1],
	    (ctl.ninflight - 1) * sizeof(ctl.inflight[0]));
	ctl.ninflight--;
	*cp = f.conn;
	return f.conn ? &f.conn->jobs[f.index] : NULL;
}

void
control_inspect_gone(const char *why)
{
	struct conn *c;
	struct job *j;
	unsigned i;

	if (ctl.ninflight == 0) {
		/* Jobs may have come while it was ending: a new one takes them. */
		inspect_next();
		return;
	}
	/* It works in order: the oldest job is the one it died on. */
	if ((j = inflight_pop(&c)) != NULL) {
		snprintf(j->ig.error, sizeof(j->ig.error), "the inspector "
		    "died on this file (%s); nothing was stored", why);
		store_discard(&j->ig);
		job_done(c, j);
	}
	/* The others go to the next inspector. */
	for (i = 0; i < ctl.ninflight; i++)
		if (ctl.inflight[i].conn != NULL)
			ctl.inflight[i].conn->jobs[ctl.inflight[i].index].sent = 0;
	ctl.ninflight = 0;
	inspect_next();
}

int
control_inspected(struct ipc_msg *msg)
{
	struct dcf d = { NULL, 0 };
	struct job *j;
	struct conn *c;
	uint64_t job;
	uint8_t ok;
	char *err = NULL;

	if (ctl.ninflight == 0 || buf_get_u64(&msg->payload, &job) != 0 ||
	    job != ctl.inflight[0].job)
		return -1;	/* an answer to nothing asked: end it */
	if ((j = inflight_pop(&c)) == NULL) {
		inspect_next();
		return 0;
	}
	if (buf_get_u8(&msg->payload, &ok) != 0 ||
	    buf_get_str(&msg->payload, &err, 1024) != 0 ||
	    dcf_unpack(&msg->payload, &d) != 0 || buf_avail(&msg->payload) != 0) {
		snprintf(j->ig.error, sizeof(j->ig.error), "the inspector "
		    "answered nonsense");
		goto refuse;
	}
	if (!ok) {
		snprintf(j->ig.error, sizeof(j->ig.error), "%s", err);
		goto refuse;
	}
	if (dcf_get(&d, "Package") == NULL || dcf_get(&d, "Version") == NULL) {
		snprintf(j->ig.error, sizeof(j->ig.error), "no Package or "
		    "Version");
		goto refuse;
	}
	/* Recorded with the rest of its batch (commit_batch). */
	j->inspected = 1;
	j->fields = d;
	d.fields = NULL;
	d.n = 0;
	goto out;
refuse:
	store_discard(&j->ig);
out:
	free(err);
	dcf_free(&d);
	job_done(c, j);
	inspect_next();
	return 0;
}

/* Ends a connection; with its files being copied or placed, once they are. */
static void
conn_free(struct conn *c)
{
	if (c->busy) {
		c->closing = 1;
		epoll_ctl(ctl.epfd, EPOLL_CTL_DEL, c->fd, NULL);
		return;
	}
	conn_release(c);
}

static void
conn_release(struct conn *c)
{
	struct conn **pp;
	size_t i;

	if (ctl.imp.c == c)
		import_free();	/* its airlockctl left: the import ends */

	for (pp = &ctl.conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	for (i = 0; i < ctl.ninflight; i++)
		if (ctl.inflight[i].conn == c)
			ctl.inflight[i].conn = NULL;	/* answer dropped */
	for (i = 0; c->jobs != NULL && i < c->njobs; i++) {
		if (c->jobs[i].fd != -1)
			close(c->jobs[i].fd);
		store_discard(&c->jobs[i].ig);
		dcf_free(&c->jobs[i].fields);
	}
	free(c->jobs);
	json_decref(c->add_results);
	close(c->fd);
	ctl.nconns--;
	free(c);
	inspect_next();
}

/* A repo.create/edit request held credentials: no copy is left of them. */
static void
wipe_req(json_t *req)
{
	static const char *const secret[] = { "userpwd", "proxy_userpwd",
	    "client_key_pem" };
	const char *v;
	size_t i;

	for (i = 0; i < nitems(secret); i++)
		if ((v = json_string_value(json_object_get(req, secret[i]))) !=
		    NULL)
			OPENSSL_cleanse((char *)(uintptr_t)v, strlen(v));
}

static void
wipe_secrets(json_t *req, struct ipc_msg *msg)
{
	wipe_req(req);
	OPENSSL_cleanse(msg->payload.data, msg->payload.len);
}

/*
 * A file sync.mirrors names, read by the master (root) as text: at most
 * max bytes, NUL-free.  NULL with err.  The caller wipes and frees it.
 */
static char *
conf_file(const char *path, size_t max, char *err, size_t errlen)
{
	char *b = calloc(1, max + 1);
	size_t n = 0;
	ssize_t k;
	int fd;

	if (b == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC |
	    O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(b);
		return NULL;
	}
	while (n < max && (k = read(fd, b + n, max - n)) > 0)
		n += (size_t)k;
	if (n == max && read(fd, &b[max], 1) > 0) {
		snprintf(err, errlen, "%s: more than %zu bytes", path, max);
		n = max + 1;
	} else if (strlen(b) != n) {
		snprintf(err, errlen, "%s: not text (a NUL byte)", path);
		n = max + 1;
	}
	close(fd);
	if (n > max) {
		OPENSSL_cleanse(b, max + 1);
		free(b);
		return NULL;
	}
	return b;
}

/* Its one line, user:password; NULL when it is not that. */
static char *
one_line(char *b)
{
	size_t n = strlen(b);

	if (n > 0 && b[n - 1] == '\n')
		b[--n] = '\0';
	if (n > 0 && b[n - 1] == '\r')
		b[--n] = '\0';
	if (n == 0 || strpbrk(b, "\r\n") != NULL || strchr(b, ':') == NULL ||
	    b[0] == ':')
		return NULL;
	return b;
}

/* The answer of a request the config made (an internal conn). */
static void
conf_answer(void *arg, json_t *answer)
{
	json_t **out = arg;

	*out = json_incref(answer);
}

static void
add_name(void *arg, const char *name, size_t len)
{
	json_array_append_new(arg, json_stringn(name, len));
}

/*
 * One sync.mirrors entry as a repo.create or repo.edit request (every
 * setting it has; on edit the others are cleared, so the entry is all
 * there is).  NULL with err.
 */
static json_t *
conf_mirror_req(const char *spec, char *name, size_t namelen, char *err,
    size_t errlen)
{
	static const char *const file_key[] = { "ca_pem", NULL, NULL, NULL,
	    "packages", NULL, "userpwd", "proxy_userpwd", "client_cert_pem",
	    "client_key_pem", NULL };
	json_t *req = json_object();
	const char *p = spec, *eq;
	char w[1100], *text;
	int i, k;

	/* conf.c checked the entry's form: each word is as it should be. */
	for (i = 0; conf_mirror_word(&p, w, sizeof(w)) > 0; i++) {
		if (i == 0) {
			snprintf(name, namelen, "%.64s", w);
			continue;
		}
		if (i == 1) {
			json_object_set_new(req, "upstream", json_string(w));
			continue;
		}
		if ((eq = strchr(w, '=')) == NULL ||
		    (k = conf_mirror_key(w, (size_t)(eq - w))) < 0)
			continue;
		eq++;
		if (k == 1)
			json_object_set_new(req, "proxy", json_string(eq));
		else if (k == 2)
			json_object_set_new(req, "concurrency",
			    json_integer(strtol(eq, NULL, 10)));
		else if (k == 3)
			json_object_set_new(req, "max_rate",
			    json_integer(conf_rate_parse(eq)));
		else if (k == 5)
			json_object_set_new(req, "suggests",
			    json_boolean(strcmp(eq, "true") == 0));
		else if (k == 10) {
			json_t *list = json_array();

			names_split(eq, add_name, list);
			json_object_set_new(req, "binaries", list);
		}
		else {
			if ((text = conf_file(eq, k == 4 ? 60000 : 65536, err,
			    errlen)) == NULL)
				goto bad;
			if (k == 4) {
				json_t *list = json_array();

				names_split(text, add_name, list);
				json_object_set_new(req, "packages", list);
			} else if ((k == 6 || k == 7) && one_line(text) ==
			    NULL) {
				snprintf(err, errlen, "%s: must be one line, "
				    "user:password", eq);
				OPENSSL_cleanse(text, strlen(text));
				free(text);
				goto bad;
			} else
				json_object_set_new(req, file_key[k],
				    json_string(text));
			OPENSSL_cleanse(text, strlen(text));
			free(text);
		}
	}
	return req;
bad:
	wipe_req(req);
	json_decref(req);
	return NULL;
}

/* HMAC-SHA256 of the request under the sync key, in hex; 0 or -1. */
static int
conf_digest(const json_t *req, char out[65], char *err, size_t errlen)
{
	uint8_t key[SECRET_KEY_LEN], mac[32];
	char *text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	size_t maclen = 0;
	int r = -1;

	if (text != NULL && syncopt_key(ctl.conf->data_dir, 1, key, err,
	    errlen) == 0) {
		if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
		    sizeof(key), (const unsigned char *)text, strlen(text),
		    mac, sizeof(mac), &maclen) != NULL && maclen == 32) {
			secret_hex(mac, sizeof(mac), out);
			r = 0;
		} else
			snprintf(err, errlen, "HMAC failed");
		OPENSSL_cleanse(key, sizeof(key));
	}
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	return r;
}

static void
conf_mirror(const char *spec)
{
	static const char *const clear[] = { "proxy", "userpwd",
	    "proxy_userpwd", "max_rate", "concurrency", "ca_pem",
	    "client_cert_pem", "client_key_pem", "packages", "binaries" };
	struct conn c;
	json_t *req, *answer = NULL;
	char name[80] = "", err[512], digest[65], kind[16] = "";
	const char *stored = NULL;
	sqlite3_stmt *st;
	size_t i;

	if ((req = conf_mirror_req(spec, name, sizeof(name), err,
	    sizeof(err))) == NULL) {
		log_error("sync.mirrors: %s: %s; the mirror is left as it is",
		    name, err);
		return;
	}
	if (conf_digest(req, digest, err, sizeof(err)) != 0) {
		log_error("sync.mirrors: %s: %s", name, err);
		goto out;
	}
	if ((st = db_prepare(ctl.db, "SELECT kind, json_extract(sync_options, "
	    "'$.config_digest') FROM repos WHERE name = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(kind, sizeof(kind), "%s", sqlite3_column_text(st, 0));
		stored = (const char *)sqlite3_column_text(st, 1);
		if (stored != NULL && strcmp(stored, digest) == 0)
			kind[0] = '=';	/* as the config says already */
	}
	sqlite3_finalize(st);
	if (kind[0] == '=')
		goto out;
	if (kind[0] != '\0' && strcmp(kind, "cran") != 0) {
		log_error("sync.mirrors: %s is a %s repository, not a cran "
		    "mirror: the entry is ignored", name, kind);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.internal = conf_answer;
	c.internal_arg = &answer;
	snprintf(c.actor, sizeof(c.actor), "airlock.conf (sync.mirrors)");
	if (kind[0] == '\0') {
		json_object_set_new(req, "name", json_string(name));
		json_object_set_new(req, "kind", json_string("cran"));
		cmd_repo_create(&c, req);
	} else {
		for (i = 0; i < nitems(clear); i++)
			if (json_object_get(req, clear[i]) == NULL)
				json_object_set_new(req, clear[i],
				    json_null());
		if (json_object_get(req, "suggests") == NULL &&
		    json_is_array(json_object_get(req, "packages")))
			json_object_set_new(req, "suggests", json_false());
		json_object_set_new(req, "repo", json_string(name));
		cmd_repo_edit(&c, req);
	}
	if (!json_is_true(json_object_get(answer, "ok"))) {
		log_error("sync.mirrors: %s: %s; the mirror is left as it is",
		    name, json_string_value(json_object_get(answer, "error")) ?
		    json_string_value(json_object_get(answer, "error")) :
		    "no answer");
		goto out;
	}
	if ((st = db_prepare(ctl.db, "UPDATE repos SET sync_options = "
	    "json_set(coalesce(sync_options, '{}'), '$.config_digest', ?) "
	    "WHERE name = ?")) != NULL) {
		sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			log_error("sync.mirrors: %s: %s", name,
			    sqlite3_errmsg(ctl.db));
		sqlite3_finalize(st);
	}
	log_info("sync.mirrors: %s %s as airlock.conf says", name,
	    kind[0] == '\0' ? "created" : "set");
out:
	json_decref(answer);
	wipe_req(req);
	json_decref(req);
}

void
control_config_mirrors(void)
{
	size_t i;

	for (i = 0; i < ctl.conf->sync_mirrors.n; i++)
		conf_mirror(ctl.conf->sync_mirrors.v[i]);
}

static void
on_request(struct conn *c, struct ipc_msg *msg)
{
	json_error_t jerr;
	const char *cmd;
	json_t *req;

	if (c->jobs != NULL || c->auth_id != 0) {
		ipc_msg_close_fds(msg);
		reply_error(c, "one request at a time");
		return;
	}
	req = json_loadb((const char *)buf_ptr(&msg->payload),
	    buf_avail(&msg->payload), JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL || !json_is_object(req)) {
		ipc_msg_close_fds(msg);
		reply_error(c, "malformed request: %s", jerr.text);
		json_decref(req);
		return;
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	log_debug("control: uid %u: %s", (unsigned)c->uid, cmd ? cmd : "?");
	{
		/* The operator airlockctl names (sudo's user), as a label. */
		const char *op = json_string_value(json_object_get(req,
		    "operator"));
		char vb[64];

		snprintf(c->actor, sizeof(c->actor), "%s (airlockctl, uid %u)",
		    op && *op ? str_vis(vb, sizeof(vb), op) : "root",
		    (unsigned)c->uid);
	}
	if (cmd != NULL && strcmp(cmd, "add") == 0) {
		cmd_add(c, req, msg);
		json_decref(req);
		return;
	}
	if (cmd != NULL && strncmp(cmd, "bundle.", 7) == 0) {
		if (strcmp(cmd, "bundle.import") == 0)
			cmd_bundle_import(c, req, msg);
		else if (strcmp(cmd, "bundle.export") == 0)
			cmd_bundle_export(c, req, msg);
		else {
			ipc_msg_close_fds(msg);
			reply_error(c, "unknown bundle command");
		}
		json_decref(req);
		return;
	}
	ipc_msg_close_fds(msg);
	if (cmd == NULL)
		reply_error(c, "no command");
	else if (strcmp(cmd, "repo.create") == 0)
		cmd_repo_create(c, req);
	else if (strcmp(cmd, "repo.edit") == 0)
		cmd_repo_edit(c, req);
	else if (strcmp(cmd, "repo.list") == 0)
		cmd_repo_list(c);
	else if (strcmp(cmd, "publish") == 0)
		cmd_publish(c, req);
	else if (strcmp(cmd, "snapshot.list") == 0)
		cmd_snapshot_list(c, req);
	else if (strcmp(cmd, "snapshot.prune") == 0)
		cmd_snapshot_prune(c, req);
	else if (strcmp(cmd, "package.list") == 0)
		cmd_package_list(c, req);
	else if (strcmp(cmd, "repo.access") == 0)
		cmd_repo_access(c, req);
	else if (strcmp(cmd, "audit.dump") == 0)
		cmd_audit_dump(c, req);
	else if (strcmp(cmd, "audit.verify") == 0)
		cmd_audit_verify(c);
	else if (strncmp(cmd, "sync.", 5) == 0)
		reply(c, window_cmd(cmd, req, c->actor));
	else if (strcmp(cmd, "curate") == 0 ||
	    strncmp(cmd, "block.", 6) == 0) {
		struct curate_ctx x = { ctl.db, ctl.conf->data_dir, c->actor,
		    ctl.ops->published };

		reply(c, strcmp(cmd, "curate") == 0 ? curate_run(&x, req) :
		    curate_block(&x, cmd, req));
	} else if (strncmp(cmd, "user.", 5) == 0 ||
	    strncmp(cmd, "group.", 6) == 0 || strncmp(cmd, "token.", 6) == 0)
		cmd_auth(c, req);
	else
		reply_error(c, "unknown command '%s'", cmd);
	if (cmd != NULL && strncmp(cmd, "repo.", 5) == 0)
		wipe_secrets(req, msg);
	json_decref(req);
}

static void
on_accept(void)
{
	struct epoll_event ev;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;
	int fd;

	/*
	 * Blocking: reads never wait (ipc_recv asks MSG_DONTWAIT), answers
	 * may, up to SO_SNDTIMEO.
	 */
	while ((fd = accept4(ctl.fd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    cred.uid != 0) {
			log_warn("control: refused a connection from uid %u "
			    "(pid %d): root only", (unsigned)cred.uid,
			    (int)cred.pid);
			close(fd);
			continue;
		}
		if (ctl.nconns >= CTL_MAX_CONNS ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		{
			struct timeval tv = { 10, 0 };

			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		}
		c->tag = TAG_CONN;
		c->fd = fd;
		c->uid = cred.uid;
		ipc_chan_init(&c->ch, fd, ROLE_MASTER, ROLE_CTL);
		c->ch.state = S_RUN;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = &c->tag;
		if (epoll_ctl(ctl.epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			free(c);
			continue;
		}
		c->next = ctl.conns;
		ctl.conns = c;
		ctl.nconns++;
	}
}

void
control_event(void *tag, uint32_t events)
{
	struct conn *c;
	struct ipc_msg msg;
	int r;

	if (tag == &ctl.tag) {
		on_accept();
		return;
	}
	if (tag == &ctl.copied_tag) {
		on_copied();
		return;
	}
	c = (struct conn *)((char *)tag - offsetof(struct conn, tag));
	if (c->closing)
		return;
	while ((r = ipc_recv(&c->ch, &msg, 0)) == 1) {
		if (msg.type != IPC_CTL_REQUEST) {
			ipc_msg_close_fds(&msg);
			conn_free(c);
			return;
		}
		on_request(c, &msg);
	}
	if (r == -1)
		conn_free(c);
}

void
control_close(void)
{
	while (ctl.conns != NULL) {
		if (ctl.conns->busy) {
			pthread_join(ctl.conns->thread, NULL);
			ctl.conns->busy = 0;
		}
		conn_release(ctl.conns);
	}
	if (ctl.evfd != -1)
		close(ctl.evfd);
	if (ctl.fd != -1) {
		close(ctl.fd);
		unlink(ctl.path);
	}
	ctl.fd = -1;
}
