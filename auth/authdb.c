/*
 * Tokens and session ids are 256 random bits, so a plain SHA-256 is enough
 * to store them: there is nothing to guess, and looking one up by its hash
 * leaks nothing an attacker can steer.  Passwords are guessable, so they
 * get scrypt (passwd.c) and the failure counters below.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "authdb.h"
#include "passwd.h"
#include "util.h"

#define SECRET_BYTES	32	/* of a token or a session id */
#define SECRET_CHARS	43	/* SECRET_BYTES in unpadded base64url */
#define TOKEN_PREFIX	"al_"
#define SID_PREFIX	"s_"
#define HASH_HEX	65	/* SHA-256 in hex, with its NUL */
#define NAME_LEN	63	/* of users and groups */
#define REPO_LEN	64	/* as master/control.c allows */
#define PASSWORD_MAX	1024
#define LABEL_MAX	128
#define KEY_MAX		128	/* of a failure counter's key */
#define SESSION_TOUCH	10	/* s between writes of last_seen */
#define TOKEN_TOUCH	60	/* s between writes of last_used */

#define member_size(type, m)	sizeof(((type *)0)->m)

struct authdb {
	sqlite3 *db;
	int64_t (*now)(void);
};

struct user {
	int64_t id;
	char name[NAME_LEN + 1];
	char role[16];
	int locked;
	int has_hash;
	char hash[PASSWD_MAX];	/* for password checks */
};

struct session {
	char hash[HASH_HEX];
	int64_t created;
	int64_t last_seen;
	int64_t sudo_until;
	struct user u;		/* without its hash */
};

/* The failure counters one password attempt counts against. */
struct counters {
	char key[2][KEY_MAX];
	int n;
};

static const char *const roles[] = { "viewer", "publisher", "admin" };
static const char *const scopes[] = { "repos:read", "repos:write", "admin" };

/*
 * Each migration takes the schema from version i to i + 1.  Never edit
 * one that has shipped: add the next.  A file from before migrations
 * holds only auth_schema (user_version 0); nothing reads that table, and
 * migration 1 leaves it where it is.
 */
static const char *const migrations[] = {
	/* 1: users, groups, tokens, sessions, failure counters */
	/* AUTOINCREMENT: the audit trail names ids, never to be reused. */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  role TEXT NOT NULL"
	"    CHECK (role IN ('viewer', 'publisher', 'admin')),"
	"  hash TEXT,"			/* scrypt; NULL: no password */
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  last_login INTEGER);"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE);"
	"CREATE TABLE members ("
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (group_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX members_user ON members (user_id);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  hash TEXT NOT NULL UNIQUE,"		/* SHA-256 of the token */
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  scope TEXT NOT NULL"
	"    CHECK (scope IN ('repos:read', 'repos:write', 'admin')),"
	"  repos TEXT NOT NULL,"		/* "": every repository */
	"  label TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER,"			/* NULL: never */
	"  last_used INTEGER);"
	"CREATE INDEX tokens_user ON tokens (user_id);"
	"CREATE TABLE sessions ("
	"  hash TEXT PRIMARY KEY,"	/* SHA-256 of the session id */
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  sudo_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE failures ("
	"  key TEXT PRIMARY KEY,"		/* user:NAME or addr:CLIENT */
	"  count INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"		/* the latest failure */
	"  locked_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;",
};

#define SQL_USER_GROUPS							\
	"SELECT g.name FROM members m"					\
	" JOIN groups g ON g.id = m.group_id"				\
	" WHERE m.user_id = ? ORDER BY g.name"
#define SQL_GROUP_MEMBERS						\
	"SELECT u.name FROM members m"					\
	" JOIN users u ON u.id = m.user_id"				\
	" WHERE m.group_id = ? ORDER BY u.name"

static int64_t
clock_real(void)
{
	return (int64_t)time(NULL);
}

static int
db_error(struct authdb *a, char *err, size_t errlen)
{
	errf(err, errlen, "database: %s", sqlite3_errmsg(a->db));
	return -1;
}

static int
exec(struct authdb *a, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(a, err, errlen);
	return 0;
}

static sqlite3_stmt *
prepare(struct authdb *a, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(a, err, errlen);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/*
 * Runs and finalizes a bound statement that returns no rows: the number
 * of rows it changed, or -1.
 */
static int
run(struct authdb *a, sqlite3_stmt *st, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		db_error(a, err, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(a->db) : -1;
}

/*
 * IMMEDIATE: a change that checks first (the last admin) holds the write
 * lock from the check on.
 */
static int
begin(struct authdb *a, char *err, size_t errlen)
{
	return exec(a, "BEGIN IMMEDIATE", err, errlen);
}

static int
commit(struct authdb *a, char *err, size_t errlen)
{
	return exec(a, "COMMIT", err, errlen);
}

static void
rollback(struct authdb *a)
{
	if (!sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s != NULL ? (const char *)s : "";
}

/* A column of unix seconds, NULL for never, as JSON. */
static json_t *
col_time(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

/* The first column of the rows sql returns for id, as strings. */
static json_t *
names(struct authdb *a, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	json_t *list;
	int rc;

	if ((st = prepare(a, sql, NULL, 0)) == NULL)
		return NULL;
	if ((list = json_array()) == NULL) {
		sqlite3_finalize(st);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(list,
		    json_string(col_text(st, 0))) != 0)
			break;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
name_char(char c)
{
	return alnum(c) || c == '.' || c == '_' || c == '-';
}

/* [A-Za-z0-9][A-Za-z0-9._-]{0,62} */
static int
name_valid(const char *s)
{
	size_t i;

	if (s == NULL || !alnum(s[0]))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (i >= NAME_LEN || !name_char(s[i]))
			return 0;
	return 1;
}

static int
check_name(const char *what, const char *name, char *err, size_t errlen)
{
	char vis[NAME_LEN + 8];

	if (name_valid(name))
		return 0;
	errf(err, errlen, "invalid %s name \"%s\"", what,
	    str_vis(vis, sizeof(vis), name != NULL ? name : ""));
	return -1;
}

/* A token's repositories: names separated by single commas, or "". */
static int
repos_valid(const char *s)
{
	size_t i, n;

	if (strlen(s) >= member_size(struct auth_identity, repos))
		return 0;
	while (*s != '\0') {
		n = strcspn(s, ",");
		if (n == 0 || n > REPO_LEN || !alnum(s[0]))
			return 0;
		for (i = 1; i < n; i++)
			if (!name_char(s[i]))
				return 0;
		s += n;
		if (*s == ',' && *++s == '\0')
			return 0;
	}
	return 1;
}

/*
 * Labels are shown in lists: short, printable, and UTF-8 that jansson
 * takes (it refuses anything else).
 */
static int
label_valid(const char *s)
{
	json_t *j;
	size_t i;

	if (strlen(s) > LABEL_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if ((j = json_string(s)) == NULL)
		return 0;
	json_decref(j);
	return 1;
}

/* The scrypt hash of a new password into hash (PASSWD_MAX); 0, or -1. */
static int
new_hash(const char *pw, char *hash, char *err, size_t errlen)
{
	size_t n = strlen(pw);

	if (n == 0) {
		errf(err, errlen, "empty password");
		return -1;
	}
	if (n > PASSWORD_MAX) {
		errf(err, errlen, "password longer than %d bytes",
		    PASSWORD_MAX);
		return -1;
	}
	if (passwd_hash(pw, hash, PASSWD_MAX) != 0) {
		errf(err, errlen, "cannot hash the password");
		return -1;
	}
	return 0;
}

static int
sha256_hex(const char *s, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int i, len;

	if (EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) != 1 ||
	    len * 2 + 1 != HASH_HEX)
		return -1;
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * len] = '\0';
	return 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * A new secret into out: prefix, then SECRET_BYTES random bytes in
 * unpadded base64url; hash gets the SHA-256 (hex) it is stored under.
 */
static int
secret_new(const char *prefix, char *out, size_t outsz, char *hash)
{
	uint8_t raw[SECRET_BYTES];
	size_t i, n = strlen(prefix);
	uint32_t v = 0;
	char *p;
	int rv = -1;

	if (outsz < n + SECRET_CHARS + 1 ||
	    RAND_bytes(raw, sizeof(raw)) != 1)
		goto out;
	memcpy(out, prefix, n);
	p = out + n;
	for (i = 0; i < sizeof(raw); i += 3) {
		v = (uint32_t)raw[i] << 16;
		if (i + 1 < sizeof(raw))
			v |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < sizeof(raw))
			v |= raw[i + 2];
		*p++ = b64url[v >> 18 & 63];
		*p++ = b64url[v >> 12 & 63];
		if (i + 1 < sizeof(raw))
			*p++ = b64url[v >> 6 & 63];
		if (i + 2 < sizeof(raw))
			*p++ = b64url[v & 63];
	}
	*p = '\0';
	rv = sha256_hex(out, n + SECRET_CHARS, hash);
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(&v, sizeof(v));
	if (rv != 0 && outsz > 0)
		OPENSSL_cleanse(out, outsz);
	return rv;
}

/*
 * The hash s is stored under, when s has the form of a secret with this
 * prefix; -1 when it cannot be one.
 */
static int
secret_hash(const char *prefix, const char *s, char *hash)
{
	size_t i, n = strlen(prefix);

	if (s == NULL || strncmp(s, prefix, n) != 0)
		return -1;
	for (i = n; i < n + SECRET_CHARS; i++)
		if (s[i] == '\0' || strchr(b64url, s[i]) == NULL)
			return -1;
	if (s[i] != '\0')
		return -1;
	return sha256_hex(s, i, hash);
}

/* The user called name into u: 0; 1 when there is none; -1. */
static int
user_get(struct authdb *a, const char *name, struct user *u, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	memset(u, 0, sizeof(*u));
	if (!name_valid(name))
		return 1;
	if ((st = prepare(a, "SELECT id, name, role, locked, hash FROM users"
	    " WHERE name = ?", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		u->id = sqlite3_column_int64(st, 0);
		snprintf(u->name, sizeof(u->name), "%s", col_text(st, 1));
		snprintf(u->role, sizeof(u->role), "%s", col_text(st, 2));
		u->locked = sqlite3_column_int(st, 3) != 0;
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			u->has_hash = 1;
			snprintf(u->hash, sizeof(u->hash), "%s",
			    col_text(st, 4));
		}
	} else if (rc != SQLITE_DONE)
		db_error(a, err, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* As user_get, but no such user is an error too: 0 or -1. */
static int
user_find(struct authdb *a, const char *name, struct user *u, char *err,
    size_t errlen)
{
	char vis[NAME_LEN + 8];
	int r;

	if ((r = user_get(a, name, u, err, errlen)) == 1)
		errf(err, errlen, "no user named \"%s\"",
		    str_vis(vis, sizeof(vis), name != NULL ? name : ""));
	return r == 0 ? 0 : -1;
}

/* The id of the group called name, or -1 with err set. */
static int64_t
group_find(struct authdb *a, const char *name, char *err, size_t errlen)
{
	char vis[NAME_LEN + 8];
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

	if (!name_valid(name)) {
		errf(err, errlen, "no group named \"%s\"",
		    str_vis(vis, sizeof(vis), name != NULL ? name : ""));
		return -1;
	}
	if ((st = prepare(a, "SELECT id FROM groups WHERE name = ?", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		errf(err, errlen, "no group named \"%s\"", name);
	else
		db_error(a, err, errlen);
	sqlite3_finalize(st);
	return id;
}

/* Refuses (-1, err set) to verb u when u is the last unlocked admin. */
static int
keeps_admin(struct authdb *a, const struct user *u, const char *verb,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int others = -1;

	if (strcmp(u->role, "admin") != 0 || u->locked)
		return 0;
	if ((st = prepare(a, "SELECT count(*) FROM users"
	    " WHERE role = 'admin' AND locked = 0 AND id != ?", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, u->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		others = sqlite3_column_int(st, 0);
	else
		db_error(a, err, errlen);
	sqlite3_finalize(st);
	if (others == 0)
		errf(err, errlen, "cannot %s \"%s\": the last admin", verb,
		    u->name);
	return others > 0 ? 0 : -1;
}

static int
end_sessions(struct authdb *a, int64_t uid, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if ((st = prepare(a, "DELETE FROM sessions WHERE user_id = ?", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, uid);
	return run(a, st, err, errlen) < 0 ? -1 : 0;
}

/*
 * Fills in who u is: id, name, role and groups.  A user in more groups
 * than fit gets no identity at all, since a list cut short could change
 * what an access rule means.
 */
static int
identity(struct authdb *a, const struct user *u, struct auth_identity *id)
{
	json_t *groups, *g;
	size_t i, n, len = 0;
	const char *s;

	id->user_id = u->id;
	snprintf(id->name, sizeof(id->name), "%s", u->name);
	snprintf(id->role, sizeof(id->role), "%s", u->role);
	if ((groups = names(a, SQL_USER_GROUPS, u->id)) == NULL)
		return -1;
	json_array_foreach(groups, i, g) {
		s = json_string_value(g);
		n = strlen(s);
		if (len + 1 + n >= sizeof(id->groups)) {
			json_decref(groups);
			return -1;
		}
		if (i > 0)
			id->groups[len++] = ',';
		memcpy(id->groups + len, s, n);
		len += n;
	}
	id->groups[len] = '\0';
	json_decref(groups);
	return 0;
}

void
auth_policy_default(struct auth_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->lifetime = 86400;
	p->inactivity = 28800;
	p->sudo_duration = 600;
	p->delay_after = 3;
	p->delay_base = 1;
	p->delay_max = 60;
	p->lockout_after = 10;
	p->lockout_duration = 900;
	p->failure_window = 900;
}

static int
user_version(struct authdb *a)
{
	sqlite3_stmt *st;
	int v = -1;

	if ((st = prepare(a, "PRAGMA user_version", NULL, 0)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

struct authdb *
authdb_open(const char *path, char *err, size_t errlen)
{
	struct authdb *a;
	char sql[64];
	int v, n = (int)nitems(migrations);

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	a->now = clock_real;
	if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		errf(err, errlen, "cannot open %s: %s", path,
		    a->db != NULL ? sqlite3_errmsg(a->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(a->db, 5000);
	/*
	 * foreign_keys: removing a user takes its sessions, tokens and
	 * memberships along.  secure_delete: a replaced password hash is
	 * overwritten, not left behind in a free page.
	 */
	if (exec(a, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
	    "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;", err,
	    errlen) != 0)
		goto fail;
	if ((v = user_version(a)) < 0) {
		db_error(a, err, errlen);
		goto fail;
	}
	if (v > n) {
		errf(err, errlen, "%s has schema version %d, newer than this "
		    "airlockd knows (%d)", path, v, n);
		goto fail;
	}
	for (; v < n; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (begin(a, err, errlen) != 0 ||
		    exec(a, migrations[v], err, errlen) != 0 ||
		    exec(a, sql, err, errlen) != 0 ||
		    commit(a, err, errlen) != 0)
			goto fail;
	}
	return a;
fail:
	rollback(a);
	authdb_close(a);
	return NULL;
}

void
authdb_close(struct authdb *a)
{
	if (a == NULL)
		return;
	sqlite3_close(a->db);
	free(a);
}

void
authdb_set_clock(struct authdb *a, int64_t (*now)(void))
{
	a->now = now != NULL ? now : clock_real;
}

int64_t
authdb_user_add(struct authdb *a, const char *name, const char *role,
    const char *password, char *err, size_t errlen)
{
	char hash[PASSWD_MAX];
	sqlite3_stmt *st;
	int64_t id = -1;
	int r;

	if (check_name("user", name, err, errlen) != 0)
		return -1;
	if (!in_list(role, roles, nitems(roles))) {
		errf(err, errlen, "invalid role (viewer, publisher or admin)");
		return -1;
	}
	if (password != NULL && new_hash(password, hash, err, errlen) != 0)
		return -1;
	if ((st = prepare(a, "INSERT INTO users (name, role, hash, created)"
	    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", err,
	    errlen)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, password != NULL ? hash : NULL, -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->now());
	if ((r = run(a, st, err, errlen)) == 0)
		errf(err, errlen, "user \"%s\" exists", name);
	else if (r > 0)
		id = sqlite3_last_insert_rowid(a->db);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return id;
}

int
authdb_user_edit(struct authdb *a, const char *name, const char *role,
    const char *password, char *err, size_t errlen)
{
	char hash[PASSWD_MAX];
	struct user u;
	sqlite3_stmt *st;
	int rv = -1;

	if (role != NULL && !in_list(role, roles, nitems(roles))) {
		errf(err, errlen, "invalid role (viewer, publisher or admin)");
		return -1;
	}
	if (password != NULL && new_hash(password, hash, err, errlen) != 0)
		return -1;
	if (begin(a, err, errlen) != 0)
		goto out;
	if (user_find(a, name, &u, err, errlen) != 0)
		goto out;
	if (role != NULL && strcmp(role, "admin") != 0 &&
	    keeps_admin(a, &u, "demote", err, errlen) != 0)
		goto out;
	if ((st = prepare(a, "UPDATE users SET role = coalesce(?, role),"
	    " hash = coalesce(?, hash) WHERE id = ?", err, errlen)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, password != NULL ? hash : NULL, -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, u.id);
	if (run(a, st, err, errlen) < 0)
		goto out;
	/* Whoever learnt the old password is logged out with it. */
	if (password != NULL && end_sessions(a, u.id, err, errlen) != 0)
		goto out;
	rv = commit(a, err, errlen);
out:
	rollback(a);
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(&u, sizeof(u));
	return rv;
}

static void
counters_init(struct counters *c, const char *name, const char *client)
{
	char *p;

	c->n = 0;
	/*
	 * An invalid name cannot be an account, so it needs no counter of
	 * its own; the address's still counts.  A valid one counts whether
	 * or not it names a user, or lockouts would tell which do.
	 */
	if (name_valid(name)) {
		snprintf(c->key[c->n], KEY_MAX, "user:%s", name);
		/* Names are unique regardless of case, and so are these. */
		for (p = c->key[c->n]; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
		c->n++;
	}
	if (client != NULL && *client != '\0')
		snprintf(c->key[c->n++], KEY_MAX, "addr:%s", client);
}

static int
counters_clear(struct authdb *a, const struct counters *c)
{
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < c->n; i++) {
		if ((st = prepare(a, "DELETE FROM failures WHERE key = ?",
		    NULL, 0)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, c->key[i], -1, SQLITE_STATIC);
		if (run(a, st, NULL, 0) < 0)
			return -1;
	}
	return 0;
}

/*
 * A counter's failures, the time of the last and the end of its lockout;
 * all 0 when it has none.
 */
static int
counter_get(struct authdb *a, const char *key, int64_t *count, int64_t *last,
    int64_t *until)
{
	sqlite3_stmt *st;
	int rc;

	*count = *last = *until = 0;
	if ((st = prepare(a, "SELECT count, last, locked_until FROM failures"
	    " WHERE key = ?", NULL, 0)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
		*until = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int
forgotten(const struct auth_policy *p, int64_t now, int64_t last)
{
	return now - last >= p->failure_window;
}

/* The seconds a counter still holds attempts back. */
static int64_t
wait_for(const struct auth_policy *p, int64_t now, int64_t count,
    int64_t last, int64_t until)
{
	int64_t d, i;

	if (until > now)
		return until - now;
	if (count < p->delay_after || forgotten(p, now, last))
		return 0;
	d = p->delay_base;
	for (i = count - p->delay_after; i > 0 && d < p->delay_max; i--)
		d *= 2;
	if (d > p->delay_max)
		d = p->delay_max;
	return last + d > now ? last + d - now : 0;
}

/*
 * AUTH_OK when no counter holds the attempt back; AUTH_LOCKED with the
 * longest wait in *retry_after; AUTH_ERROR.
 */
static int
throttled(struct authdb *a, const struct counters *c,
    const struct auth_policy *p, int64_t now, int64_t *retry_after)
{
	int64_t count, last, until, w;
	int i;

	*retry_after = 0;
	for (i = 0; i < c->n; i++) {
		if (counter_get(a, c->key[i], &count, &last, &until) != 0)
			return AUTH_ERROR;
		if ((w = wait_for(p, now, count, last, until)) > *retry_after)
			*retry_after = w;
	}
	return *retry_after > 0 ? AUTH_LOCKED : AUTH_OK;
}

/*
 * Counts a failure against each counter; *lockout = 1 when that locks
 * one out.  No attempt is counted while locked out, so each lockout is
 * reported once.
 */
static int
count_failure(struct authdb *a, const struct counters *c,
    const struct auth_policy *p, int64_t now, int *lockout)
{
	sqlite3_stmt *st;
	int64_t count, last, until;
	int i;

	if (begin(a, NULL, 0) != 0)
		return -1;
	for (i = 0; i < c->n; i++) {
		if (counter_get(a, c->key[i], &count, &last, &until) != 0)
			goto fail;
		count = count > 0 && !forgotten(p, now, last) ? count + 1 : 1;
		until = 0;
		if (count >= p->lockout_after) {
			until = now + p->lockout_duration;
			*lockout = 1;
		}
		if ((st = prepare(a, "INSERT OR REPLACE INTO failures"
		    " (key, count, last, locked_until) VALUES (?, ?, ?, ?)",
		    NULL, 0)) == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, c->key[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, count);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, until);
		if (run(a, st, NULL, 0) < 0)
			goto fail;
	}
	if (commit(a, NULL, 0) != 0)
		goto fail;
	return 0;
fail:
	rollback(a);
	return -1;
}

/*
 * 1 when pw is u's password, 0 when not (u NULL: no such user), -1 when
 * the stored hash is broken.  Every answer costs one scrypt.
 */
static int
password_ok(const struct user *u, const char *pw)
{
	int r;

	if (u == NULL || !u->has_hash) {
		passwd_verify_dummy(pw);
		return 0;
	}
	if ((r = passwd_verify(pw, u->hash)) == 1 && u->locked)
		r = 0;
	return r;
}

int
authdb_user_lock(struct authdb *a, const char *name, int locked, char *err,
    size_t errlen)
{
	struct counters c;
	struct user u;
	sqlite3_stmt *st;
	int rv = -1;

	if (begin(a, err, errlen) != 0)
		return -1;
	if (user_find(a, name, &u, err, errlen) != 0)
		goto out;
	if (locked && keeps_admin(a, &u, "lock", err, errlen) != 0)
		goto out;
	if ((st = prepare(a, "UPDATE users SET locked = ? WHERE id = ?", err,
	    errlen)) == NULL)
		goto out;
	sqlite3_bind_int(st, 1, locked != 0);
	sqlite3_bind_int64(st, 2, u.id);
	if (run(a, st, err, errlen) < 0)
		goto out;
	if (locked) {
		if (end_sessions(a, u.id, err, errlen) != 0)
			goto out;
	} else {
		/* An admin vouches for the account: no lockout survives. */
		counters_init(&c, u.name, NULL);
		if (counters_clear(a, &c) != 0) {
			db_error(a, err, errlen);
			goto out;
		}
	}
	rv = commit(a, err, errlen);
out:
	rollback(a);
	return rv;
}

int
authdb_user_remove(struct authdb *a, const char *name, char *err,
    size_t errlen)
{
	struct user u;
	sqlite3_stmt *st;
	int rv = -1;

	if (begin(a, err, errlen) != 0)
		return -1;
	if (user_find(a, name, &u, err, errlen) != 0 ||
	    keeps_admin(a, &u, "remove", err, errlen) != 0)
		goto out;
	/* Sessions, tokens and memberships go by ON DELETE CASCADE. */
	if ((st = prepare(a, "DELETE FROM users WHERE id = ?", err,
	    errlen)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, u.id);
	if (run(a, st, err, errlen) < 0)
		goto out;
	rv = commit(a, err, errlen);
out:
	rollback(a);
	OPENSSL_cleanse(&u, sizeof(u));
	return rv;
}

int64_t
authdb_user_id(struct authdb *a, const char *name)
{
	struct user u;
	int64_t id;

	id = user_get(a, name, &u, NULL, 0) == 0 ? u.id : -1;
	OPENSSL_cleanse(&u, sizeof(u));
	return id;
}

json_t *
authdb_user_list(struct authdb *a)
{
	sqlite3_stmt *st;
	json_t *list, *u;
	int64_t id;
	int rc;

	if ((st = prepare(a, "SELECT id, name, role, locked, created,"
	    " last_login FROM users ORDER BY name", NULL, 0)) == NULL)
		return NULL;
	if ((list = json_array()) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		u = json_pack("{s:I, s:s, s:s, s:b, s:I}", "id",
		    (json_int_t)id, "name", col_text(st, 1),
		    "role", col_text(st, 2),
		    "locked", sqlite3_column_int(st, 3) != 0,
		    "created", (json_int_t)sqlite3_column_int64(st, 4));
		if (u == NULL || json_array_append_new(list, u) != 0 ||
		    json_object_set_new(u, "last_login",
		    col_time(st, 5)) != 0 ||
		    json_object_set_new(u, "groups",
		    names(a, SQL_USER_GROUPS, id)) != 0)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return list;
fail:
	sqlite3_finalize(st);
	json_decref(list);
	return NULL;
}

int
authdb_group_add(struct authdb *a, const char *name, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int r;

	if (check_name("group", name, err, errlen) != 0)
		return -1;
	if ((st = prepare(a, "INSERT INTO groups (name) VALUES (?)"
	    " ON CONFLICT DO NOTHING", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((r = run(a, st, err, errlen)) == 0)
		errf(err, errlen, "group \"%s\" exists", name);
	return r > 0 ? 0 : -1;
}

int
authdb_group_remove(struct authdb *a, const char *name, char *err,
    size_t errlen)
{
	int64_t gid;
	sqlite3_stmt *st;

	/* Memberships go by ON DELETE CASCADE. */
	if ((gid = group_find(a, name, err, errlen)) < 0 ||
	    (st = prepare(a, "DELETE FROM groups WHERE id = ?", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, gid);
	return run(a, st, err, errlen) < 0 ? -1 : 0;
}

int
authdb_group_add_member(struct authdb *a, const char *group,
    const char *user, char *err, size_t errlen)
{
	struct user u;
	sqlite3_stmt *st;
	int64_t gid;
	int r, rv = -1;

	if (begin(a, err, errlen) != 0)
		return -1;
	if ((gid = group_find(a, group, err, errlen)) < 0 ||
	    user_find(a, user, &u, err, errlen) != 0)
		goto out;
	if ((st = prepare(a, "INSERT INTO members (group_id, user_id)"
	    " VALUES (?, ?) ON CONFLICT DO NOTHING", err, errlen)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, gid);
	sqlite3_bind_int64(st, 2, u.id);
	if ((r = run(a, st, err, errlen)) == 0)
		errf(err, errlen, "user \"%s\" is already in group \"%s\"",
		    u.name, group);
	if (r > 0)
		rv = commit(a, err, errlen);
out:
	rollback(a);
	OPENSSL_cleanse(&u, sizeof(u));
	return rv;
}

int
authdb_group_remove_member(struct authdb *a, const char *group,
    const char *user, char *err, size_t errlen)
{
	struct user u;
	sqlite3_stmt *st;
	int64_t gid;
	int r, rv = -1;

	if (begin(a, err, errlen) != 0)
		return -1;
	if ((gid = group_find(a, group, err, errlen)) < 0 ||
	    user_find(a, user, &u, err, errlen) != 0)
		goto out;
	if ((st = prepare(a, "DELETE FROM members WHERE group_id = ?"
	    " AND user_id = ?", err, errlen)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, gid);
	sqlite3_bind_int64(st, 2, u.id);
	if ((r = run(a, st, err, errlen)) == 0)
		errf(err, errlen, "user \"%s\" is not in group \"%s\"",
		    u.name, group);
	if (r > 0)
		rv = commit(a, err, errlen);
out:
	rollback(a);
	OPENSSL_cleanse(&u, sizeof(u));
	return rv;
}

json_t *
authdb_group_list(struct authdb *a)
{
	sqlite3_stmt *st;
	json_t *list, *g;
	int rc;

	if ((st = prepare(a, "SELECT id, name FROM groups ORDER BY name",
	    NULL, 0)) == NULL)
		return NULL;
	if ((list = json_array()) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		g = json_pack("{s:s}", "name", col_text(st, 1));
		if (g == NULL || json_array_append_new(list, g) != 0 ||
		    json_object_set_new(g, "members", names(a,
		    SQL_GROUP_MEMBERS, sqlite3_column_int64(st, 0))) != 0)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return list;
fail:
	sqlite3_finalize(st);
	json_decref(list);
	return NULL;
}

json_t *
authdb_group_members(struct authdb *a, const char *group, char *err,
    size_t errlen)
{
	json_t *list;
	int64_t gid;

	if ((gid = group_find(a, group, err, errlen)) < 0)
		return NULL;
	if ((list = names(a, SQL_GROUP_MEMBERS, gid)) == NULL)
		db_error(a, err, errlen);
	return list;
}

int64_t
authdb_token_create(struct authdb *a, const char *user, const char *scope,
    const char *repos, int64_t expires, const char *label, char *token,
    size_t tokensz, char *err, size_t errlen)
{
	char hash[HASH_HEX];
	struct user u;
	sqlite3_stmt *st;
	int64_t id = -1, now = a->now();

	if (tokensz > 0)
		token[0] = '\0';
	if (repos == NULL)
		repos = "";
	if (label == NULL)
		label = "";
	if (!in_list(scope, scopes, nitems(scopes))) {
		errf(err, errlen, "invalid scope (repos:read, repos:write or "
		    "admin)");
		return -1;
	}
	if (!repos_valid(repos)) {
		errf(err, errlen, "invalid repository list");
		return -1;
	}
	if (!label_valid(label)) {
		errf(err, errlen, "invalid label");
		return -1;
	}
	if (expires < 0 || (expires != 0 && expires <= now)) {
		errf(err, errlen, "expiry in the past");
		return -1;
	}
	if (tokensz < AUTHDB_TOKEN_LEN) {
		errf(err, errlen, "no room for the token");
		return -1;
	}
	if (begin(a, err, errlen) != 0)
		return -1;
	if (user_find(a, user, &u, err, errlen) != 0)
		goto out;
	if (secret_new(TOKEN_PREFIX, token, tokensz, hash) != 0) {
		errf(err, errlen, "cannot make a token");
		goto out;
	}
	if ((st = prepare(a, "INSERT INTO tokens (hash, user_id, scope,"
	    " repos, label, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    err, errlen)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u.id);
	sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, repos, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	if (expires != 0)
		sqlite3_bind_int64(st, 7, expires);
	if (run(a, st, err, errlen) < 0)
		goto out;
	id = sqlite3_last_insert_rowid(a->db);
	if (commit(a, err, errlen) != 0)
		id = -1;
out:
	rollback(a);
	OPENSSL_cleanse(&u, sizeof(u));
	if (id < 0 && tokensz > 0)
		OPENSSL_cleanse(token, tokensz);
	return id;
}

json_t *
authdb_token_list(struct authdb *a, const char *user)
{
	sqlite3_stmt *st;
	json_t *list, *t;
	int rc;

	if ((st = prepare(a, "SELECT t.id, u.name, t.scope, t.repos, t.label,"
	    " t.created, t.expires, t.last_used"
	    " FROM tokens t JOIN users u ON u.id = t.user_id"
	    " WHERE ?1 IS NULL OR u.name = ?1 ORDER BY t.id", NULL,
	    0)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if ((list = json_array()) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "user", col_text(st, 1), "scope", col_text(st, 2),
		    "repos", col_text(st, 3), "label", col_text(st, 4),
		    "created", (json_int_t)sqlite3_column_int64(st, 5));
		if (t == NULL || json_array_append_new(list, t) != 0 ||
		    json_object_set_new(t, "expires", col_time(st, 6)) != 0 ||
		    json_object_set_new(t, "last_used", col_time(st, 7)) != 0)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return list;
fail:
	sqlite3_finalize(st);
	json_decref(list);
	return NULL;
}

int
authdb_token_revoke(struct authdb *a, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int r;

	if ((st = prepare(a, "DELETE FROM tokens WHERE id = ?", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((r = run(a, st, err, errlen)) == 0)
		errf(err, errlen, "no token with id %lld", (long long)id);
	return r > 0 ? 0 : -1;
}

int
authdb_token_check(struct authdb *a, const char *user, const char *token,
    struct auth_identity *id, int *first_use)
{
	char hash[HASH_HEX];
	struct user u;
	sqlite3_stmt *st;
	int64_t expires, last_used = 0, now = a->now();
	int rc, never_used = 0, r = AUTH_ERROR;

	memset(id, 0, sizeof(*id));
	memset(&u, 0, sizeof(u));
	if (first_use != NULL)
		*first_use = 0;
	if (secret_hash(TOKEN_PREFIX, token, hash) != 0)
		return AUTH_BAD;
	if ((st = prepare(a, "SELECT t.id, t.scope, t.repos, t.expires,"
	    " t.last_used, u.id, u.name, u.role, u.locked"
	    " FROM tokens t JOIN users u ON u.id = t.user_id"
	    " WHERE t.hash = ?", NULL, 0)) == NULL)
		return AUTH_ERROR;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id->token_id = sqlite3_column_int64(st, 0);
		snprintf(id->scope, sizeof(id->scope), "%s", col_text(st, 1));
		snprintf(id->repos, sizeof(id->repos), "%s", col_text(st, 2));
		id->expires = sqlite3_column_int64(st, 3);
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			never_used = 1;
		else
			last_used = sqlite3_column_int64(st, 4);
		u.id = sqlite3_column_int64(st, 5);
		snprintf(u.name, sizeof(u.name), "%s", col_text(st, 6));
		snprintf(u.role, sizeof(u.role), "%s", col_text(st, 7));
		u.locked = sqlite3_column_int(st, 8) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? AUTH_BAD : AUTH_ERROR;
		goto out;
	}
	expires = id->expires;
	if ((user != NULL && strcasecmp(user, u.name) != 0) || u.locked ||
	    (expires != 0 && now >= expires)) {
		r = AUTH_BAD;
		goto out;
	}
	if (identity(a, &u, id) != 0)
		goto out;
	if (never_used || now - last_used >= TOKEN_TOUCH) {
		if ((st = prepare(a, "UPDATE tokens SET last_used = ?"
		    " WHERE id = ?", NULL, 0)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, id->token_id);
		if (run(a, st, NULL, 0) < 0)
			goto out;
		if (first_use != NULL)
			*first_use = never_used;
	}
	r = AUTH_OK;
out:
	if (r != AUTH_OK)
		memset(id, 0, sizeof(*id));
	return r;
}

static int64_t
session_expires(const struct auth_policy *p, int64_t created,
    int64_t last_seen)
{
	int64_t a = created + p->lifetime, b = last_seen + p->inactivity;

	return a < b ? a : b;
}

static int
session_delete(struct authdb *a, const char *hash)
{
	sqlite3_stmt *st;

	if ((st = prepare(a, "DELETE FROM sessions WHERE hash = ?", NULL,
	    0)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	return run(a, st, NULL, 0);
}

/*
 * The live session whose id is sid into s, its use recorded: AUTH_OK;
 * AUTH_BAD when there is none (an expired one is deleted on the way) or
 * its user is locked; AUTH_ERROR.
 */
static int
session_find(struct authdb *a, const char *sid, const struct auth_policy *p,
    int64_t now, struct session *s)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if (secret_hash(SID_PREFIX, sid, s->hash) != 0)
		return AUTH_BAD;
	if ((st = prepare(a, "SELECT s.created, s.last_seen, s.sudo_until,"
	    " u.id, u.name, u.role, u.locked"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.hash = ?", NULL, 0)) == NULL)
		return AUTH_ERROR;
	sqlite3_bind_text(st, 1, s->hash, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->created = sqlite3_column_int64(st, 0);
		s->last_seen = sqlite3_column_int64(st, 1);
		s->sudo_until = sqlite3_column_int64(st, 2);
		s->u.id = sqlite3_column_int64(st, 3);
		snprintf(s->u.name, sizeof(s->u.name), "%s", col_text(st, 4));
		snprintf(s->u.role, sizeof(s->u.role), "%s", col_text(st, 5));
		s->u.locked = sqlite3_column_int(st, 6) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? AUTH_BAD : AUTH_ERROR;
	if (now >= session_expires(p, s->created, s->last_seen))
		return session_delete(a, s->hash) < 0 ? AUTH_ERROR : AUTH_BAD;
	if (s->u.locked)
		return AUTH_BAD;
	/* Rare writes, but often enough for a short inactivity. */
	if (now - s->last_seen >= (p->inactivity / 2 < SESSION_TOUCH ?
	    p->inactivity / 2 : SESSION_TOUCH)) {
		if ((st = prepare(a, "UPDATE sessions SET last_seen = ?"
		    " WHERE hash = ?", NULL, 0)) == NULL)
			return AUTH_ERROR;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, s->hash, -1, SQLITE_STATIC);
		if (run(a, st, NULL, 0) < 0)
			return AUTH_ERROR;
		s->last_seen = now;
	}
	return AUTH_OK;
}

static int
session_identity(struct authdb *a, const struct session *s,
    const struct auth_policy *p, int64_t now, struct auth_identity *id)
{
	if (identity(a, &s->u, id) != 0) {
		memset(id, 0, sizeof(*id));
		return AUTH_ERROR;
	}
	id->sudo_until = s->sudo_until > now ? s->sudo_until : 0;
	id->expires = session_expires(p, s->created, s->last_seen);
	return AUTH_OK;
}

/*
 * After the right password: counters cleared, a new session into sid,
 * the login recorded.
 */
static int
session_start(struct authdb *a, const struct counters *c,
    const struct user *u, const struct auth_policy *p, int64_t now,
    char *sid, size_t sidsz, struct auth_identity *id)
{
	struct session s;
	sqlite3_stmt *st;

	memset(&s, 0, sizeof(s));
	if (begin(a, NULL, 0) != 0)
		return AUTH_ERROR;
	if (counters_clear(a, c) != 0 ||
	    secret_new(SID_PREFIX, sid, sidsz, s.hash) != 0)
		goto fail;
	if ((st = prepare(a, "INSERT INTO sessions (hash, user_id, created,"
	    " last_seen) VALUES (?, ?, ?, ?)", NULL, 0)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, s.hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u->id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	if (run(a, st, NULL, 0) < 0)
		goto fail;
	if ((st = prepare(a, "UPDATE users SET last_login = ? WHERE id = ?",
	    NULL, 0)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, u->id);
	if (run(a, st, NULL, 0) < 0)
		goto fail;
	s.created = s.last_seen = now;
	s.u = *u;
	if (session_identity(a, &s, p, now, id) != AUTH_OK ||
	    commit(a, NULL, 0) != 0)
		goto fail;
	OPENSSL_cleanse(&s, sizeof(s));
	return AUTH_OK;
fail:
	rollback(a);
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(sid, sidsz);
	memset(id, 0, sizeof(*id));
	return AUTH_ERROR;
}

int
authdb_login(struct authdb *a, const char *user, const char *password,
    const char *client, const struct auth_policy *p, char *sid, size_t sidsz,
    struct auth_identity *id, int64_t *retry_after, int *lockout)
{
	struct counters c;
	struct user u;
	int64_t now = a->now();
	int found, ok, r;

	memset(id, 0, sizeof(*id));
	*retry_after = 0;
	*lockout = 0;
	if (sidsz > 0)
		sid[0] = '\0';
	if (sidsz < AUTHDB_SID_LEN)
		return AUTH_ERROR;
	counters_init(&c, user, client);
	if ((r = throttled(a, &c, p, now, retry_after)) != AUTH_OK)
		return r;
	if ((found = user_get(a, user, &u, NULL, 0)) < 0)
		return AUTH_ERROR;
	ok = password_ok(found == 0 ? &u : NULL, password);
	if (ok == 1)
		r = session_start(a, &c, &u, p, now, sid, sidsz, id);
	else if (ok == 0 && count_failure(a, &c, p, now, lockout) == 0)
		r = AUTH_BAD;
	else
		r = AUTH_ERROR;
	OPENSSL_cleanse(&u, sizeof(u));
	return r;
}

int
authdb_session_check(struct authdb *a, const char *sid,
    const struct auth_policy *p, struct auth_identity *id)
{
	struct session s;
	int64_t now = a->now();
	int r;

	memset(id, 0, sizeof(*id));
	if ((r = session_find(a, sid, p, now, &s)) == AUTH_OK)
		r = session_identity(a, &s, p, now, id);
	OPENSSL_cleanse(&s, sizeof(s));
	return r;
}

int
authdb_session_sudo(struct authdb *a, const char *sid, const char *password,
    const char *client, const struct auth_policy *p,
    struct auth_identity *id, int64_t *retry_after)
{
	struct counters c;
	struct session s;
	struct user u;
	sqlite3_stmt *st;
	int64_t now = a->now();
	int found, ok, lockout = 0, r;

	memset(id, 0, sizeof(*id));
	memset(&u, 0, sizeof(u));
	*retry_after = 0;
	if ((r = session_find(a, sid, p, now, &s)) != AUTH_OK)
		goto out;
	/*
	 * The session is good: id names its user whatever the password
	 * turns out to be, so that the caller can audit the attempt.
	 */
	if ((r = session_identity(a, &s, p, now, id)) != AUTH_OK)
		goto out;
	counters_init(&c, s.u.name, client);
	if ((r = throttled(a, &c, p, now, retry_after)) != AUTH_OK)
		goto out;
	r = AUTH_ERROR;
	if ((found = user_get(a, s.u.name, &u, NULL, 0)) < 0)
		goto out;
	if ((ok = password_ok(found == 0 ? &u : NULL, password)) != 1) {
		if (ok == 0 && count_failure(a, &c, p, now, &lockout) == 0)
			r = AUTH_BAD;
		goto out;
	}
	if (begin(a, NULL, 0) != 0)
		goto out;
	if (counters_clear(a, &c) != 0 ||
	    (st = prepare(a, "UPDATE sessions SET sudo_until = ?"
	    " WHERE hash = ?", NULL, 0)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now + p->sudo_duration);
	sqlite3_bind_text(st, 2, s.hash, -1, SQLITE_STATIC);
	if (run(a, st, NULL, 0) < 0 || commit(a, NULL, 0) != 0)
		goto out;
	id->sudo_until = now + p->sudo_duration;
	r = AUTH_OK;
out:
	if (r == AUTH_ERROR)
		memset(id, 0, sizeof(*id));
	rollback(a);
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&u, sizeof(u));
	return r;
}

int
authdb_session_end(struct authdb *a, const char *sid)
{
	char hash[HASH_HEX];

	if (secret_hash(SID_PREFIX, sid, hash) != 0)
		return 0;
	return session_delete(a, hash);
}

int
authdb_session_sweep(struct authdb *a, const struct auth_policy *p)
{
	sqlite3_stmt *st;
	int64_t now = a->now();
	int n;

	if (begin(a, NULL, 0) != 0)
		return -1;
	/* The same tests as session_find and forgotten(), in SQL. */
	if ((st = prepare(a, "DELETE FROM sessions WHERE created + ?2 <= ?1"
	    " OR last_seen + ?3 <= ?1", NULL, 0)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, p->lifetime);
	sqlite3_bind_int64(st, 3, p->inactivity);
	if ((n = run(a, st, NULL, 0)) < 0)
		goto fail;
	if ((st = prepare(a, "DELETE FROM failures WHERE locked_until <= ?1"
	    " AND last + ?2 <= ?1", NULL, 0)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, p->failure_window);
	if (run(a, st, NULL, 0) < 0 || commit(a, NULL, 0) != 0)
		goto fail;
	return n;
fail:
	rollback(a);
	return -1;
}

int
authdb_session_count(struct authdb *a)
{
	sqlite3_stmt *st;
	int n = -1;

	if ((st = prepare(a, "SELECT count(*) FROM sessions", NULL,
	    0)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}
