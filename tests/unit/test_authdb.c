/*
 * passwd.c and authdb.c: password hashes, users and groups, tokens,
 * sessions and the failure counters, against real SQLite files in a
 * temporary directory and a clock the tests move by hand.
 */
#include "config.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authdb.h"
#include "passwd.h"
#include "test.h"

#define T0	1700000000
#define PW	"correct horse battery staple"

static char dir[64];
static char err[256];
static int64_t now = T0;

static int64_t
fake_clock(void)
{
	return now;
}

/* A new database file named for the test, on the fake clock at T0. */
static struct authdb *
fresh(const char *name)
{
	char path[128];
	struct authdb *a;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	now = T0;
	if ((a = authdb_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "  authdb_open: %s\n", err);
		return NULL;
	}
	authdb_set_clock(a, fake_clock);
	return a;
}

/* The error of the last call holds want. */
static int
err_has(const char *want)
{
	if (strstr(err, want) != NULL)
		return 1;
	fprintf(stderr, "  error \"%s\", want \"%s\"\n", err, want);
	return 0;
}

/* s is prefix and 43 base64url characters. */
static int
secret_form(const char *s, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0 || strlen(s) != n + 43)
		return 0;
	for (i = n; s[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", s[i]) == NULL)
			return 0;
	return 1;
}

/* The JSON text of v (consumed) holds s. */
static int
json_has(json_t *v, const char *s)
{
	char *text;
	int r;

	if (v == NULL)
		return -1;
	text = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	r = text != NULL && strstr(text, s) != NULL;
	free(text);
	return r;
}

/* Whether any file of the database called name (with -wal, -shm) holds s. */
static int
files_hold(const char *name, const char *s)
{
	char path[512], *data;
	struct dirent *de;
	DIR *d;
	FILE *f;
	long n;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while (!found && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, name, strlen(name)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		if (n > 0 && (data = malloc((size_t)n)) != NULL) {
			if (fread(data, 1, (size_t)n, f) == (size_t)n &&
			    memmem(data, (size_t)n, s, strlen(s)) != NULL)
				found = 1;
			free(data);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static int
login(struct authdb *a, const struct auth_policy *p, const char *user,
    const char *pw, const char *client, char *sid, int64_t *retry,
    int *lockout)
{
	struct auth_identity id;

	return authdb_login(a, user, pw, client, p, sid, AUTHDB_SID_LEN, &id,
	    retry, lockout);
}

static void
test_hash_format(void)
{
	char h[PASSWD_MAX], h2[PASSWD_MAX], bad[PASSWD_MAX];
	const char *salt, *key;
	static const char *const malformed[] = {
		"",
		"$scrypt$",
		"$2b$10$abcdefghijklmnopqrstuv",
		"$scrypt$ln=0,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=21,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=010,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=33,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=17$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA",
		/* 43 characters hold 258 bits: the last two must be 0 */
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
	};
	size_t i;

	passwd_set_cost(10);
	CHECK(passwd_hash(PW, h, sizeof(h)) == 0);
	CHECK(strncmp(h, "$scrypt$ln=10,r=8,p=1$", 22) == 0);
	salt = h + 22;
	key = strchr(salt, '$');
	CHECK(key != NULL && key - salt == 22);
	CHECK(key != NULL && strlen(key + 1) == 43);
	CHECK(strspn(salt, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/$") == strlen(salt));
	CHECK(passwd_verify(PW, h) == 1);
	CHECK(passwd_verify(PW "!", h) == 0);
	CHECK(passwd_verify("", h) == 0);
	CHECK(passwd_verify(NULL, h) == 0);
	/* A salt of its own each time. */
	CHECK(passwd_hash(PW, h2, sizeof(h2)) == 0);
	CHECK(strcmp(h, h2) != 0);
	CHECK(passwd_verify(PW, h2) == 1);
	/* One bit of the key changed. */
	snprintf(bad, sizeof(bad), "%s", h);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	CHECK(passwd_verify(PW, bad) == 0);
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		if (passwd_verify(PW, malformed[i]) != -1) {
			fprintf(stderr, "  accepted %s\n", malformed[i]);
			t_fail = 1;
		}
	CHECK(passwd_verify(PW, NULL) == -1);
	CHECK(passwd_hash(PW, h, 40) == -1);
	passwd_verify_dummy(PW);
	passwd_verify_dummy(NULL);
}

static void
test_hash_costs(void)
{
	char h15[PASSWD_MAX], h10[PASSWD_MAX], h12[PASSWD_MAX];

	passwd_set_cost(15);
	CHECK(passwd_hash(PW, h15, sizeof(h15)) == 0);
	CHECK(strncmp(h15, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
	CHECK(passwd_verify(PW, h15) == 1);
	CHECK(passwd_verify("wrong", h15) == 0);
	passwd_verify_dummy(PW);

	passwd_set_cost(10);
	CHECK(passwd_hash(PW, h10, sizeof(h10)) == 0);
	/* The costs come from the stored string, not from the setting. */
	passwd_set_cost(12);
	CHECK(passwd_verify(PW, h10) == 1);
	CHECK(passwd_verify("wrong", h10) == 0);
	CHECK(passwd_hash(PW, h12, sizeof(h12)) == 0);
	CHECK(strncmp(h12, "$scrypt$ln=12,", 14) == 0);
	CHECK(passwd_verify(PW, h12) == 1);
	passwd_set_cost(10);
}

static void
test_open(void)
{
	char path[128];
	struct authdb *a;
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1, old = 0;

	/* A file as auth.c used to leave it. */
	snprintf(path, sizeof(path), "%s/old.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE auth_schema (version INTEGER "
	    "NOT NULL); INSERT INTO auth_schema VALUES (1);", NULL, NULL,
	    NULL) == SQLITE_OK);
	sqlite3_close(db);

	CHECK((a = authdb_open(path, err, sizeof(err))) != NULL);
	CHECK(authdb_user_add(a, "alice", "admin", NULL, err,
	    sizeof(err)) > 0);
	authdb_close(a);
	/* Again: nothing left to migrate, nothing lost. */
	CHECK((a = authdb_open(path, err, sizeof(err))) != NULL);
	CHECK(authdb_user_id(a, "alice") > 0);
	authdb_close(a);
	authdb_close(NULL);

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	CHECK(v == 1);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM auth_schema", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		old = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	CHECK(old == 1);
	/* From a newer airlockd: left alone. */
	CHECK(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL,
	    NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(authdb_open(path, err, sizeof(err)) == NULL);
	CHECK(err_has("newer"));

	snprintf(path, sizeof(path), "%s/no/such/dir.db", dir);
	CHECK(authdb_open(path, err, sizeof(err)) == NULL);
	CHECK(err_has("cannot open"));
}

static void
test_users(void)
{
	static const char *const bad[] = {
		"", "-alice", ".alice", "_alice", "al ice", "al/ice",
		"al:ice", "\xc3\xa9lise", "alice\n",
		("a1234567890123456789012345678901"
		    "23456789012345678901234567890123"),	/* 64 long */
	};
	struct authdb *a;
	json_t *l, *u;
	int64_t id;
	size_t i;

	if ((a = fresh("users")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK((id = authdb_user_add(a, "alice", "admin", PW, err,
	    sizeof(err))) > 0);
	CHECK(authdb_user_id(a, "alice") == id);
	CHECK(authdb_user_id(a, "ALICE") == id);
	CHECK(authdb_user_id(a, "nobody") == -1);
	CHECK(authdb_user_id(a, NULL) == -1);
	CHECK(authdb_user_add(a, "alice", "viewer", NULL, err,
	    sizeof(err)) == -1);
	CHECK(err_has("user \"alice\" exists"));
	/* Unique regardless of case: no "Alice" beside "alice". */
	CHECK(authdb_user_add(a, "Alice", "viewer", NULL, err,
	    sizeof(err)) == -1);
	CHECK(err_has("exists"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (authdb_user_add(a, bad[i], "viewer", NULL, err,
		    sizeof(err)) != -1 || strstr(err, "invalid user name") ==
		    NULL) {
			fprintf(stderr, "  accepted \"%s\" (%s)\n", bad[i],
			    err);
			t_fail = 1;
		}
	}
	CHECK(authdb_user_add(a, NULL, "viewer", NULL, err, sizeof(err)) ==
	    -1);
	CHECK(authdb_user_add(a, "a12345678901234567890123456789012345678901"
	    "234567890123456789012", "viewer", NULL, err, sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "b.o_b-2", "publisher", NULL, err,
	    sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "carol", "root", NULL, err, sizeof(err)) ==
	    -1);
	CHECK(err_has("invalid role"));
	CHECK(authdb_user_add(a, "carol", NULL, NULL, err, sizeof(err)) ==
	    -1);
	CHECK(authdb_user_add(a, "carol", "viewer", "", err, sizeof(err)) ==
	    -1);
	CHECK(err_has("empty password"));
	CHECK(authdb_user_id(a, "carol") == -1);
	CHECK(authdb_user_add(a, "carol", "viewer", NULL, err,
	    sizeof(err)) > id);

	CHECK(authdb_user_edit(a, "carol", "publisher", NULL, err,
	    sizeof(err)) == 0);
	CHECK(authdb_user_edit(a, "carol", "boss", NULL, err,
	    sizeof(err)) == -1);
	CHECK(err_has("invalid role"));
	CHECK(authdb_user_edit(a, "bob", "viewer", NULL, err,
	    sizeof(err)) == -1);
	CHECK(err_has("no user named \"bob\""));
	CHECK(authdb_user_edit(a, "carol", NULL, "another one", err,
	    sizeof(err)) == 0);
	CHECK(authdb_user_lock(a, "carol", 1, err, sizeof(err)) == 0);
	CHECK(authdb_user_lock(a, "bob", 1, err, sizeof(err)) == -1);
	CHECK(err_has("no user named \"bob\""));

	l = authdb_user_list(a);
	CHECK(l != NULL && json_array_size(l) == 4);
	u = json_array_get(l, 3);	/* by name: carol last */
	CHECK(u != NULL && strcmp(json_string_value(json_object_get(u,
	    "name")), "carol") == 0);
	CHECK(json_string_value(json_object_get(u, "role")) != NULL &&
	    strcmp(json_string_value(json_object_get(u, "role")),
	    "publisher") == 0);
	CHECK(json_is_true(json_object_get(u, "locked")));
	CHECK(json_integer_value(json_object_get(u, "created")) == T0);
	CHECK(json_is_null(json_object_get(u, "last_login")));
	CHECK(json_is_array(json_object_get(u, "groups")));
	CHECK(json_object_get(u, "hash") == NULL);
	CHECK(json_has(l, "$scrypt$") == 0);

	CHECK(authdb_user_lock(a, "carol", 0, err, sizeof(err)) == 0);
	CHECK(authdb_user_remove(a, "carol", err, sizeof(err)) == 0);
	CHECK(authdb_user_id(a, "carol") == -1);
	CHECK(authdb_user_remove(a, "carol", err, sizeof(err)) == -1);
	CHECK(err_has("no user named \"carol\""));
	/* Ids are not handed out again. */
	CHECK(authdb_user_add(a, "carol", "viewer", NULL, err,
	    sizeof(err)) > authdb_user_id(a, "b.o_b-2") + 1);
	authdb_close(a);
}

static void
test_last_admin(void)
{
	struct authdb *a;

	if ((a = fresh("admins")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "bob", "viewer", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_remove(a, "alice", err, sizeof(err)) == -1);
	CHECK(err_has("last admin"));
	CHECK(authdb_user_lock(a, "alice", 1, err, sizeof(err)) == -1);
	CHECK(err_has("last admin"));
	CHECK(authdb_user_edit(a, "alice", "publisher", NULL, err,
	    sizeof(err)) == -1);
	CHECK(err_has("last admin"));
	/* Still an admin, unlocked. */
	CHECK(authdb_user_edit(a, "alice", "admin", "new password", err,
	    sizeof(err)) == 0);
	CHECK(authdb_user_remove(a, "bob", err, sizeof(err)) == 0);

	/* A locked admin does not count. */
	CHECK(authdb_user_add(a, "dave", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_lock(a, "dave", 1, err, sizeof(err)) == 0);
	CHECK(authdb_user_remove(a, "alice", err, sizeof(err)) == -1);
	CHECK(authdb_user_lock(a, "alice", 1, err, sizeof(err)) == -1);
	CHECK(authdb_user_remove(a, "dave", err, sizeof(err)) == 0);

	CHECK(authdb_user_add(a, "erin", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_edit(a, "alice", "viewer", NULL, err,
	    sizeof(err)) == 0);
	CHECK(authdb_user_lock(a, "erin", 1, err, sizeof(err)) == -1);
	CHECK(authdb_user_remove(a, "erin", err, sizeof(err)) == -1);
	CHECK(authdb_user_edit(a, "erin", "admin", NULL, err,
	    sizeof(err)) == 0);
	CHECK(authdb_user_edit(a, "alice", "admin", NULL, err,
	    sizeof(err)) == 0);
	CHECK(authdb_user_remove(a, "erin", err, sizeof(err)) == 0);
	authdb_close(a);
}

static void
test_groups(void)
{
	struct authdb *a;
	struct auth_identity id;
	struct auth_policy p;
	json_t *l, *g;
	int64_t retry;
	int lockout;
	char sid[AUTHDB_SID_LEN];

	auth_policy_default(&p);
	if ((a = fresh("groups")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "bob", "viewer", PW, err, sizeof(err)) > 0);
	CHECK(authdb_group_add(a, "zeta", err, sizeof(err)) == 0);
	CHECK(authdb_group_add(a, "alpha", err, sizeof(err)) == 0);
	CHECK(authdb_group_add(a, "mid", err, sizeof(err)) == 0);
	CHECK(authdb_group_add(a, "zeta", err, sizeof(err)) == -1);
	CHECK(err_has("group \"zeta\" exists"));
	CHECK(authdb_group_add(a, "ZETA", err, sizeof(err)) == -1);
	CHECK(authdb_group_add(a, "bad name", err, sizeof(err)) == -1);
	CHECK(err_has("invalid group name"));
	CHECK(authdb_group_add(a, "", err, sizeof(err)) == -1);

	CHECK(authdb_group_add_member(a, "zeta", "bob", err,
	    sizeof(err)) == 0);
	CHECK(authdb_group_add_member(a, "alpha", "bob", err,
	    sizeof(err)) == 0);
	CHECK(authdb_group_add_member(a, "zeta", "alice", err,
	    sizeof(err)) == 0);
	CHECK(authdb_group_add_member(a, "zeta", "bob", err,
	    sizeof(err)) == -1);
	CHECK(err_has("already in group"));
	CHECK(authdb_group_add_member(a, "nope", "bob", err,
	    sizeof(err)) == -1);
	CHECK(err_has("no group named \"nope\""));
	CHECK(authdb_group_add_member(a, "zeta", "carol", err,
	    sizeof(err)) == -1);
	CHECK(err_has("no user named \"carol\""));

	g = authdb_group_members(a, "zeta", err, sizeof(err));
	CHECK(g != NULL && json_array_size(g) == 2 &&
	    strcmp(json_string_value(json_array_get(g, 0)), "alice") == 0 &&
	    strcmp(json_string_value(json_array_get(g, 1)), "bob") == 0);
	json_decref(g);
	CHECK(authdb_group_members(a, "nope", err, sizeof(err)) == NULL);
	CHECK(err_has("no group named \"nope\""));
	g = authdb_group_members(a, "mid", err, sizeof(err));
	CHECK(g != NULL && json_array_size(g) == 0);
	json_decref(g);

	l = authdb_group_list(a);
	CHECK(l != NULL && json_array_size(l) == 3);
	g = json_array_get(l, 0);
	CHECK(g != NULL && strcmp(json_string_value(json_object_get(g,
	    "name")), "alpha") == 0 &&
	    json_array_size(json_object_get(g, "members")) == 1);
	json_decref(l);
	l = authdb_user_list(a);
	g = json_object_get(json_array_get(l, 1), "groups");	/* bob */
	CHECK(json_array_size(g) == 2 &&
	    strcmp(json_string_value(json_array_get(g, 0)), "alpha") == 0);
	json_decref(l);

	/* The identity carries the groups, sorted. */
	CHECK(authdb_login(a, "bob", PW, "10.0.0.1", &p, sid, sizeof(sid),
	    &id, &retry, &lockout) == AUTH_OK);
	CHECK(strcmp(id.groups, "alpha,zeta") == 0);

	CHECK(authdb_group_remove_member(a, "alpha", "bob", err,
	    sizeof(err)) == 0);
	CHECK(authdb_group_remove_member(a, "alpha", "bob", err,
	    sizeof(err)) == -1);
	CHECK(err_has("not in group"));
	CHECK(authdb_group_remove(a, "zeta", err, sizeof(err)) == 0);
	CHECK(authdb_group_remove(a, "zeta", err, sizeof(err)) == -1);
	CHECK(err_has("no group named \"zeta\""));
	l = authdb_user_list(a);
	CHECK(json_array_size(json_object_get(json_array_get(l, 1),
	    "groups")) == 0);
	json_decref(l);

	/* Removing a user takes its memberships along. */
	CHECK(authdb_group_add_member(a, "mid", "bob", err, sizeof(err)) == 0);
	CHECK(authdb_user_remove(a, "bob", err, sizeof(err)) == 0);
	g = authdb_group_members(a, "mid", err, sizeof(err));
	CHECK(g != NULL && json_array_size(g) == 0);
	json_decref(g);
	CHECK(json_has(authdb_group_list(a), "$scrypt$") == 0);
	authdb_close(a);
}

static void
test_tokens(void)
{
	char tok[AUTHDB_TOKEN_LEN], tok2[AUTHDB_TOKEN_LEN];
	char bad[AUTHDB_TOKEN_LEN + 1];
	struct auth_identity id;
	struct authdb *a;
	json_t *l, *t;
	int64_t tid, tid2;
	int first;

	if ((a = fresh("tokens")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "bob", "publisher", NULL, err,
	    sizeof(err)) > 0);
	CHECK(authdb_group_add(a, "dev", err, sizeof(err)) == 0);
	CHECK(authdb_group_add_member(a, "dev", "bob", err, sizeof(err)) == 0);

	tid = authdb_token_create(a, "bob", "repos:read", "cran,internal", 0,
	    "laptop", tok, sizeof(tok), err, sizeof(err));
	CHECK(tid > 0);
	CHECK(secret_form(tok, "al_"));
	tid2 = authdb_token_create(a, "bob", "repos:write", "", 0, NULL, tok2,
	    sizeof(tok2), err, sizeof(err));
	CHECK(tid2 > tid && strcmp(tok, tok2) != 0);

	CHECK(authdb_token_create(a, "carol", "repos:read", "", 0, "", bad,
	    sizeof(bad), err, sizeof(err)) == -1);
	CHECK(bad[0] == '\0');
	CHECK(err_has("no user named \"carol\""));
	CHECK(authdb_token_create(a, "bob", "repos:delete", "", 0, "", bad,
	    sizeof(bad), err, sizeof(err)) == -1);
	CHECK(err_has("invalid scope"));
	CHECK(authdb_token_create(a, "bob", "repos:read", "a,,b", 0, "", bad,
	    sizeof(bad), err, sizeof(err)) == -1);
	CHECK(err_has("invalid repository list"));
	CHECK(authdb_token_create(a, "bob", "repos:read", "a,", 0, "", bad,
	    sizeof(bad), err, sizeof(err)) == -1);
	CHECK(authdb_token_create(a, "bob", "repos:read", "a b", 0, "", bad,
	    sizeof(bad), err, sizeof(err)) == -1);
	CHECK(authdb_token_create(a, "bob", "repos:read", "", 0, "tab\there",
	    bad, sizeof(bad), err, sizeof(err)) == -1);
	CHECK(err_has("invalid label"));
	CHECK(authdb_token_create(a, "bob", "repos:read", "", T0 - 1, "", bad,
	    sizeof(bad), err, sizeof(err)) == -1);
	CHECK(err_has("past"));
	CHECK(authdb_token_create(a, "bob", "repos:read", "", 0, "", bad, 20,
	    err, sizeof(err)) == -1);

	/* Bearer: no user name. */
	CHECK(authdb_token_check(a, NULL, tok, &id, &first) == AUTH_OK);
	CHECK(first == 1);
	CHECK(id.token_id == tid && id.user_id == authdb_user_id(a, "bob"));
	CHECK(strcmp(id.name, "bob") == 0 && strcmp(id.role,
	    "publisher") == 0);
	CHECK(strcmp(id.scope, "repos:read") == 0);
	CHECK(strcmp(id.repos, "cran,internal") == 0);
	CHECK(strcmp(id.groups, "dev") == 0);
	CHECK(id.expires == 0 && id.sudo_until == 0);
	CHECK(authdb_token_check(a, NULL, tok, &id, &first) == AUTH_OK);
	CHECK(first == 0);
	/* Basic: the user name must be the owner's. */
	CHECK(authdb_token_check(a, "bob", tok, &id, &first) == AUTH_OK);
	CHECK(first == 0);
	CHECK(authdb_token_check(a, "alice", tok, &id, &first) == AUTH_BAD);
	CHECK(id.user_id == 0 && id.name[0] == '\0');
	CHECK(authdb_token_check(a, "nobody", tok, &id, NULL) == AUTH_BAD);
	CHECK(authdb_token_check(a, "bob", tok2, &id, &first) == AUTH_OK);
	CHECK(first == 1 && strcmp(id.repos, "") == 0);

	/* Near misses. */
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	CHECK(authdb_token_check(a, NULL, bad, &id, &first) == AUTH_BAD);
	snprintf(bad, sizeof(bad), "%sA", tok);
	CHECK(authdb_token_check(a, NULL, bad, &id, &first) == AUTH_BAD);
	CHECK(authdb_token_check(a, NULL, tok + 3, &id, &first) == AUTH_BAD);
	CHECK(authdb_token_check(a, NULL, "", &id, &first) == AUTH_BAD);
	CHECK(authdb_token_check(a, NULL, NULL, &id, &first) == AUTH_BAD);

	/* last_used: written on first use, then at most once a minute. */
	l = authdb_token_list(a, "bob");
	t = json_array_get(l, 0);
	CHECK(json_array_size(l) == 2);
	CHECK(json_integer_value(json_object_get(t, "id")) == tid);
	CHECK(strcmp(json_string_value(json_object_get(t, "user")),
	    "bob") == 0);
	CHECK(strcmp(json_string_value(json_object_get(t, "scope")),
	    "repos:read") == 0);
	CHECK(strcmp(json_string_value(json_object_get(t, "repos")),
	    "cran,internal") == 0);
	CHECK(strcmp(json_string_value(json_object_get(t, "label")),
	    "laptop") == 0);
	CHECK(json_integer_value(json_object_get(t, "created")) == T0);
	CHECK(json_is_null(json_object_get(t, "expires")));
	CHECK(json_integer_value(json_object_get(t, "last_used")) == T0);
	json_decref(l);
	now = T0 + 30;
	CHECK(authdb_token_check(a, NULL, tok, &id, &first) == AUTH_OK);
	l = authdb_token_list(a, NULL);
	CHECK(json_integer_value(json_object_get(json_array_get(l, 0),
	    "last_used")) == T0);
	json_decref(l);
	now = T0 + 61;
	CHECK(authdb_token_check(a, NULL, tok, &id, &first) == AUTH_OK);
	CHECK(first == 0);
	l = authdb_token_list(a, NULL);
	CHECK(json_integer_value(json_object_get(json_array_get(l, 0),
	    "last_used")) == T0 + 61);
	json_decref(l);

	/* Lists never show a token or its hash. */
	l = authdb_token_list(a, "alice");
	CHECK(l != NULL && json_array_size(l) == 0);
	json_decref(l);
	CHECK(json_has(authdb_token_list(a, NULL), tok + 3) == 0);
	CHECK(json_has(authdb_token_list(a, NULL), "hash") == 0);
	CHECK(json_has(authdb_user_list(a), "$scrypt$") == 0);

	/* A locked owner's tokens stop working, and work again. */
	CHECK(authdb_user_lock(a, "bob", 1, err, sizeof(err)) == 0);
	CHECK(authdb_token_check(a, NULL, tok, &id, &first) == AUTH_BAD);
	CHECK(authdb_user_lock(a, "bob", 0, err, sizeof(err)) == 0);
	CHECK(authdb_token_check(a, NULL, tok, &id, &first) == AUTH_OK);

	CHECK(authdb_token_revoke(a, tid, err, sizeof(err)) == 0);
	CHECK(authdb_token_check(a, "bob", tok, &id, &first) == AUTH_BAD);
	CHECK(authdb_token_revoke(a, tid, err, sizeof(err)) == -1);
	CHECK(err_has("no token"));
	CHECK(authdb_token_check(a, "bob", tok2, &id, &first) == AUTH_OK);

	/* Removing the owner takes the tokens along. */
	CHECK(authdb_user_remove(a, "bob", err, sizeof(err)) == 0);
	CHECK(authdb_token_check(a, NULL, tok2, &id, &first) == AUTH_BAD);
	l = authdb_token_list(a, NULL);
	CHECK(l != NULL && json_array_size(l) == 0);
	json_decref(l);
	authdb_close(a);
}

static void
test_token_expiry(void)
{
	char tok[AUTHDB_TOKEN_LEN];
	struct auth_identity id;
	struct authdb *a;
	json_t *l;
	int first;

	if ((a = fresh("expiry")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_token_create(a, "alice", "admin", "", T0 + 100, "ci",
	    tok, sizeof(tok), err, sizeof(err)) > 0);
	l = authdb_token_list(a, "alice");
	CHECK(json_integer_value(json_object_get(json_array_get(l, 0),
	    "expires")) == T0 + 100);
	json_decref(l);
	now = T0 + 99;
	CHECK(authdb_token_check(a, "alice", tok, &id, &first) == AUTH_OK);
	CHECK(id.expires == T0 + 100 && strcmp(id.scope, "admin") == 0);
	now = T0 + 100;
	CHECK(authdb_token_check(a, "alice", tok, &id, &first) == AUTH_BAD);
	CHECK(id.token_id == 0 && id.expires == 0);
	authdb_close(a);
}

static void
test_login(void)
{
	const struct auth_policy *p;
	struct auth_policy pol;
	struct auth_identity id;
	struct authdb *a;
	char sid[AUTHDB_SID_LEN], sid2[AUTHDB_SID_LEN];
	json_t *l;
	int64_t retry, uid;
	int lockout;

	auth_policy_default(&pol);
	p = &pol;
	CHECK(pol.lifetime == 86400 && pol.inactivity == 28800 &&
	    pol.sudo_duration == 600 && pol.delay_after == 3 &&
	    pol.delay_base == 1 && pol.delay_max == 60 &&
	    pol.lockout_after == 10 && pol.lockout_duration == 900 &&
	    pol.failure_window == 900);
	if ((a = fresh("login")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK((uid = authdb_user_add(a, "alice", "admin", PW, err,
	    sizeof(err))) > 0);
	CHECK(authdb_user_add(a, "nopw", "viewer", NULL, err,
	    sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "locked", "viewer", PW, err,
	    sizeof(err)) > 0);
	CHECK(authdb_user_lock(a, "locked", 1, err, sizeof(err)) == 0);

	/* Wrong password, unknown user, no password, locked: one answer. */
	CHECK(authdb_login(a, "alice", "wrong", "10.0.0.1", p, sid,
	    sizeof(sid), &id, &retry, &lockout) == AUTH_BAD);
	CHECK(sid[0] == '\0' && id.user_id == 0 && retry == 0 &&
	    lockout == 0);
	CHECK(authdb_login(a, "mallory", PW, "10.0.0.2", p, sid,
	    sizeof(sid), &id, &retry, &lockout) == AUTH_BAD);
	CHECK(sid[0] == '\0' && id.user_id == 0);
	CHECK(authdb_login(a, "nopw", "", "10.0.0.3", p, sid, sizeof(sid),
	    &id, &retry, &lockout) == AUTH_BAD);
	CHECK(sid[0] == '\0' && id.user_id == 0);
	CHECK(authdb_login(a, "locked", PW, "10.0.0.4", p, sid, sizeof(sid),
	    &id, &retry, &lockout) == AUTH_BAD);
	CHECK(sid[0] == '\0' && id.user_id == 0);
	CHECK(authdb_login(a, "bad name!", PW, "10.0.0.5", p, sid,
	    sizeof(sid), &id, &retry, &lockout) == AUTH_BAD);
	CHECK(authdb_login(a, "alice", NULL, "10.0.0.6", p, sid, sizeof(sid),
	    &id, &retry, &lockout) == AUTH_BAD);
	CHECK(authdb_login(a, "alice", PW, "10.0.0.1", p, sid, 10, &id,
	    &retry, &lockout) == AUTH_ERROR);
	CHECK(authdb_session_count(a) == 0);

	now = T0 + 5;
	CHECK(authdb_login(a, "ALICE", PW, "10.0.0.1", p, sid, sizeof(sid),
	    &id, &retry, &lockout) == AUTH_OK);
	CHECK(secret_form(sid, "s_"));
	CHECK(id.user_id == uid && strcmp(id.name, "alice") == 0 &&
	    strcmp(id.role, "admin") == 0);
	CHECK(id.token_id == 0 && id.scope[0] == '\0' &&
	    id.repos[0] == '\0' && id.sudo_until == 0);
	CHECK(id.expires == T0 + 5 + 28800);
	CHECK(authdb_session_count(a) == 1);
	l = authdb_user_list(a);
	CHECK(json_integer_value(json_object_get(json_array_get(l, 0),
	    "last_login")) == T0 + 5);
	json_decref(l);

	CHECK(authdb_session_check(a, sid, p, &id) == AUTH_OK);
	CHECK(id.user_id == uid && strcmp(id.name, "alice") == 0);
	CHECK(authdb_login(a, "alice", PW, "10.0.0.1", p, sid2,
	    sizeof(sid2), &id, &retry, &lockout) == AUTH_OK);
	CHECK(strcmp(sid, sid2) != 0);
	CHECK(authdb_session_count(a) == 2);
	sid2[5] = sid2[5] == 'A' ? 'B' : 'A';
	CHECK(authdb_session_check(a, sid2, p, &id) == AUTH_BAD);
	CHECK(id.user_id == 0);
	CHECK(authdb_session_check(a, "s_", p, &id) == AUTH_BAD);
	CHECK(authdb_session_check(a, NULL, p, &id) == AUTH_BAD);

	/* A new password logs everyone out. */
	CHECK(authdb_user_edit(a, "alice", NULL, "new password", err,
	    sizeof(err)) == 0);
	CHECK(authdb_session_count(a) == 0);
	CHECK(authdb_session_check(a, sid, p, &id) == AUTH_BAD);
	CHECK(authdb_login(a, "alice", PW, "10.0.0.1", p, sid, sizeof(sid),
	    &id, &retry, &lockout) == AUTH_BAD);
	CHECK(authdb_login(a, "alice", "new password", "10.0.0.1", p, sid,
	    sizeof(sid), &id, &retry, &lockout) == AUTH_OK);

	/* So does a lock; a role change does not. */
	CHECK(authdb_user_add(a, "bob", "viewer", PW, err, sizeof(err)) > 0);
	CHECK(authdb_login(a, "bob", PW, "10.0.0.1", p, sid2, sizeof(sid2),
	    &id, &retry, &lockout) == AUTH_OK);
	CHECK(authdb_user_edit(a, "bob", "publisher", NULL, err,
	    sizeof(err)) == 0);
	CHECK(authdb_session_check(a, sid2, p, &id) == AUTH_OK);
	CHECK(strcmp(id.role, "publisher") == 0);
	CHECK(authdb_user_lock(a, "bob", 1, err, sizeof(err)) == 0);
	CHECK(authdb_session_check(a, sid2, p, &id) == AUTH_BAD);
	CHECK(authdb_session_check(a, sid, p, &id) == AUTH_OK);

	CHECK(authdb_session_end(a, sid) == 1);
	CHECK(authdb_session_end(a, sid) == 0);
	CHECK(authdb_session_end(a, "junk") == 0);
	CHECK(authdb_session_check(a, sid, p, &id) == AUTH_BAD);
	CHECK(authdb_session_count(a) == 0);
	authdb_close(a);
}

static void
test_session_expiry(void)
{
	struct auth_policy p;
	struct auth_identity id;
	struct authdb *a;
	char sid[AUTHDB_SID_LEN];
	int64_t retry;
	int lockout;

	auth_policy_default(&p);
	p.lifetime = 1000;
	p.inactivity = 100;
	if ((a = fresh("expiry2")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);

	/* Inactivity. */
	CHECK(login(a, &p, "alice", PW, "", sid, &retry, &lockout) ==
	    AUTH_OK);
	now = T0 + 5;	/* too soon to be written down */
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_OK);
	CHECK(id.expires == T0 + 100);
	now = T0 + 50;
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_OK);
	CHECK(id.expires == T0 + 150);
	now = T0 + 149;
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_OK);
	now = T0 + 249;
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_BAD);
	CHECK(authdb_session_count(a) == 0);

	/* Lifetime, however busy the session. */
	now = T0;
	CHECK(login(a, &p, "alice", PW, "", sid, &retry, &lockout) ==
	    AUTH_OK);
	for (now = T0 + 90; now < T0 + 1000; now += 90) {
		if (authdb_session_check(a, sid, &p, &id) != AUTH_OK) {
			fprintf(stderr, "  ended at +%lld\n",
			    (long long)(now - T0));
			t_fail = 1;
			break;
		}
	}
	CHECK(id.expires == T0 + 1000);
	now = T0 + 1000;
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_BAD);
	CHECK(authdb_session_count(a) == 0);

	/* Policy is read at each check: a shorter one applies at once. */
	now = T0;
	CHECK(login(a, &p, "alice", PW, "", sid, &retry, &lockout) ==
	    AUTH_OK);
	now = T0 + 60;
	p.inactivity = 50;
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_BAD);
	authdb_close(a);
}

static void
test_sweep(void)
{
	struct auth_policy p;
	struct auth_identity id;
	struct authdb *a;
	char live[AUTHDB_SID_LEN], idle[AUTHDB_SID_LEN], old[AUTHDB_SID_LEN];
	int64_t retry, exp;
	int lockout;

	auth_policy_default(&p);
	p.lifetime = 1000;
	p.inactivity = 100;
	if ((a = fresh("sweep")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(login(a, &p, "alice", PW, "", old, &retry, &lockout) ==
	    AUTH_OK);
	for (now = T0 + 90; now <= T0 + 900; now += 90)
		CHECK(authdb_session_check(a, old, &p, &id) == AUTH_OK);
	now = T0 + 940;
	CHECK(login(a, &p, "alice", PW, "", idle, &retry, &lockout) ==
	    AUTH_OK);
	now = T0 + 950;
	CHECK(login(a, &p, "alice", PW, "", live, &retry, &lockout) ==
	    AUTH_OK);
	now = T0 + 990;
	CHECK(authdb_session_check(a, old, &p, &id) == AUTH_OK);
	now = T0 + 1040;
	CHECK(authdb_session_check(a, live, &p, &id) == AUTH_OK);
	exp = id.expires;
	CHECK(exp == T0 + 1140);
	CHECK(authdb_session_count(a) == 3);

	/* old by its lifetime, idle (unused since +940) by inactivity. */
	now = T0 + 1045;
	CHECK(authdb_session_sweep(a, &p) == 2);
	CHECK(authdb_session_count(a) == 1);
	CHECK(authdb_session_sweep(a, &p) == 0);
	/* The live one is left as it was: neither ended nor extended. */
	CHECK(authdb_session_check(a, live, &p, &id) == AUTH_OK);
	CHECK(id.expires == exp);
	now = T0 + 1140;
	CHECK(authdb_session_sweep(a, &p) == 1);
	CHECK(authdb_session_check(a, live, &p, &id) == AUTH_BAD);
	CHECK(authdb_session_count(a) == 0);
	authdb_close(a);
}

static void
test_delays(void)
{
	struct auth_policy p;
	struct authdb *a;
	char sid[AUTHDB_SID_LEN];
	int64_t retry;
	int i, lockout;

	auth_policy_default(&p);
	if ((a = fresh("delays")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	for (i = 0; i < 3; i++)
		CHECK(login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
		    &lockout) == AUTH_BAD);
	/* The fourth must wait 1 s, even with the right password. */
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", sid, &retry, &lockout) ==
	    AUTH_LOCKED);
	CHECK(retry == 1 && lockout == 0 && sid[0] == '\0');
	/* The account's counter holds from another address too. */
	CHECK(login(a, &p, "alice", PW, "10.9.9.9", sid, &retry, &lockout) ==
	    AUTH_LOCKED);
	now += 1;
	CHECK(login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
	    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", sid, &retry, &lockout) ==
	    AUTH_LOCKED);
	CHECK(retry == 2);
	now += 1;
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", sid, &retry, &lockout) ==
	    AUTH_LOCKED);
	CHECK(retry == 1);
	now += 1;
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", sid, &retry, &lockout) ==
	    AUTH_OK);

	/* Success cleared both counters: three more tries before a delay. */
	for (i = 0; i < 3; i++)
		CHECK(login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
		    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
	    &lockout) == AUTH_LOCKED);

	/* Failures older than the window are forgotten. */
	now += p.failure_window;
	for (i = 0; i < 3; i++)
		CHECK(login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
		    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
	    &lockout) == AUTH_LOCKED);
	CHECK(retry == 1);
	authdb_close(a);
}

static void
test_lockout(void)
{
	struct auth_policy p;
	struct authdb *a;
	char sid[AUTHDB_SID_LEN];
	int64_t retry, delay, waited = 0;
	int i, r, lockout, lockouts = 0;

	auth_policy_default(&p);
	if ((a = fresh("lockout")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	/* Ten failures, each after the wait it was told: 1, 2, 4 ... 60. */
	for (i = 1; i <= 10; i++) {
		r = login(a, &p, "alice", "wrong", "10.0.0.1", sid, &retry,
		    &lockout);
		if (r == AUTH_LOCKED) {
			delay = i - 1 - p.delay_after;
			CHECK(retry == (delay < 6 ? 1 << delay : 60));
			now += retry;
			waited += retry;
			r = login(a, &p, "alice", "wrong", "10.0.0.1", sid,
			    &retry, &lockout);
		}
		CHECK(r == AUTH_BAD);
		lockouts += lockout;
		CHECK(lockout == (i == 10));
	}
	CHECK(waited == 1 + 2 + 4 + 8 + 16 + 32 + 60);
	/* Locked out now, and told so only once. */
	for (i = 0; i < 5; i++) {
		CHECK(login(a, &p, "alice", PW, "10.0.0.2", sid, &retry,
		    &lockout) == AUTH_LOCKED);
		CHECK(retry == 900 - i * 100);
		lockouts += lockout;
		now += 100;
	}
	now += 399;
	CHECK(login(a, &p, "alice", PW, "10.0.0.2", sid, &retry, &lockout) ==
	    AUTH_LOCKED);
	CHECK(retry == 1);
	lockouts += lockout;
	CHECK(lockouts == 1);
	now += 1;
	CHECK(login(a, &p, "alice", PW, "10.0.0.2", sid, &retry, &lockout) ==
	    AUTH_OK);
	CHECK(lockout == 0);
	authdb_close(a);
}

static void
test_address_limit(void)
{
	struct auth_policy p;
	struct authdb *a;
	char sid[AUTHDB_SID_LEN];
	int64_t retry;
	int lockout;

	auth_policy_default(&p);
	if ((a = fresh("address")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_user_add(a, "bob", "viewer", PW, err, sizeof(err)) > 0);
	/* One failure on each of three accounts, real or not. */
	CHECK(login(a, &p, "alice", "x", "192.0.2.7", sid, &retry,
	    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "ghost", "x", "192.0.2.7", sid, &retry,
	    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "not a name", "x", "192.0.2.7", sid, &retry,
	    &lockout) == AUTH_BAD);
	/* The address now waits, whichever account it tries. */
	CHECK(login(a, &p, "bob", PW, "192.0.2.7", sid, &retry, &lockout) ==
	    AUTH_LOCKED);
	CHECK(retry == 1);
	/* Others do not: bob has no failures of his own. */
	CHECK(login(a, &p, "bob", PW, "192.0.2.8", sid, &retry, &lockout) ==
	    AUTH_OK);
	/* Nor does alice, with one. */
	CHECK(login(a, &p, "alice", PW, "192.0.2.9", sid, &retry,
	    &lockout) == AUTH_OK);
	CHECK(login(a, &p, "alice", PW, "192.0.2.7", sid, &retry,
	    &lockout) == AUTH_LOCKED);

	/* Unlocking an account clears its counter, not the addresses'. */
	CHECK(login(a, &p, "bob", "x", "198.51.100.1", sid, &retry,
	    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "bob", "x", "198.51.100.2", sid, &retry,
	    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "bob", "x", "198.51.100.3", sid, &retry,
	    &lockout) == AUTH_BAD);
	CHECK(login(a, &p, "bob", PW, "198.51.100.4", sid, &retry,
	    &lockout) == AUTH_LOCKED);
	CHECK(authdb_user_lock(a, "bob", 1, err, sizeof(err)) == 0);
	CHECK(authdb_user_lock(a, "bob", 0, err, sizeof(err)) == 0);
	CHECK(login(a, &p, "bob", PW, "198.51.100.4", sid, &retry,
	    &lockout) == AUTH_OK);
	CHECK(login(a, &p, "bob", PW, "192.0.2.7", sid, &retry,
	    &lockout) == AUTH_LOCKED);

	/* Counters older than the window are swept. */
	now += p.failure_window;
	CHECK(authdb_session_sweep(a, &p) == 0);
	CHECK(login(a, &p, "bob", PW, "192.0.2.7", sid, &retry,
	    &lockout) == AUTH_OK);
	authdb_close(a);
}

static void
test_sudo(void)
{
	struct auth_policy p;
	struct auth_identity id;
	struct authdb *a;
	char sid[AUTHDB_SID_LEN], other[AUTHDB_SID_LEN];
	int64_t retry;
	int i, lockout;

	auth_policy_default(&p);
	if ((a = fresh("sudo")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", sid, &retry, &lockout) ==
	    AUTH_OK);
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", other, &retry,
	    &lockout) == AUTH_OK);
	now = T0 + 20;
	CHECK(authdb_session_sudo(a, sid, "wrong", "10.0.0.1", &p, &id,
	    &retry) == AUTH_BAD);
	/* Still named, for the audit, but not raised. */
	CHECK(strcmp(id.name, "alice") == 0 && id.sudo_until == 0);
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_OK);
	CHECK(id.sudo_until == 0);
	CHECK(authdb_session_sudo(a, sid, PW, "10.0.0.1", &p, &id, &retry) ==
	    AUTH_OK);
	CHECK(id.sudo_until == T0 + 20 + 600 && strcmp(id.name, "alice") == 0);
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_OK);
	CHECK(id.sudo_until == T0 + 620);
	/* Only for that session. */
	CHECK(authdb_session_check(a, other, &p, &id) == AUTH_OK);
	CHECK(id.sudo_until == 0);
	now = T0 + 620;
	CHECK(authdb_session_check(a, sid, &p, &id) == AUTH_OK);
	CHECK(id.sudo_until == 0);
	CHECK(authdb_session_sudo(a, "s_nope", PW, "10.0.0.1", &p, &id,
	    &retry) == AUTH_BAD);
	CHECK(id.user_id == 0);

	/* The login's rate limits, shared with it. */
	for (i = 0; i < 3; i++)
		CHECK(authdb_session_sudo(a, sid, "wrong", "10.0.0.1", &p, &id,
		    &retry) == AUTH_BAD);
	CHECK(authdb_session_sudo(a, sid, PW, "10.0.0.1", &p, &id, &retry) ==
	    AUTH_LOCKED);
	CHECK(retry == 1 && id.sudo_until == 0 && strcmp(id.name,
	    "alice") == 0);
	CHECK(login(a, &p, "alice", PW, "10.0.0.2", other, &retry,
	    &lockout) == AUTH_LOCKED);
	now += 1;
	CHECK(authdb_session_sudo(a, sid, PW, "10.0.0.1", &p, &id, &retry) ==
	    AUTH_OK);
	CHECK(id.sudo_until == now + 600);
	authdb_close(a);
}

static void
test_no_plain_secrets(void)
{
	struct auth_policy p;
	struct auth_identity id;
	struct authdb *a;
	char tok[AUTHDB_TOKEN_LEN], sid[AUTHDB_SID_LEN];
	int64_t retry;
	int lockout;

	auth_policy_default(&p);
	if ((a = fresh("secrets")) == NULL) {
		t_fail = 1;
		return;
	}
	CHECK(authdb_user_add(a, "alice", "admin", PW, err, sizeof(err)) > 0);
	CHECK(authdb_token_create(a, "alice", "repos:read", "", 0, "x", tok,
	    sizeof(tok), err, sizeof(err)) > 0);
	CHECK(login(a, &p, "alice", PW, "10.0.0.1", sid, &retry, &lockout) ==
	    AUTH_OK);
	CHECK(authdb_session_sudo(a, sid, PW, "10.0.0.1", &p, &id, &retry) ==
	    AUTH_OK);
	CHECK(authdb_token_check(a, NULL, tok, &id, NULL) == AUTH_OK);
	/* While open (the WAL) and once closed (checkpointed). */
	CHECK(files_hold("secrets.db", "$scrypt$") == 1);
	CHECK(files_hold("secrets.db", tok + 3) == 0);
	CHECK(files_hold("secrets.db", sid + 2) == 0);
	CHECK(files_hold("secrets.db", PW) == 0);
	authdb_close(a);
	CHECK(files_hold("secrets.db", "$scrypt$") == 1);
	CHECK(files_hold("secrets.db", tok + 3) == 0);
	CHECK(files_hold("secrets.db", sid + 2) == 0);
	CHECK(files_hold("secrets.db", PW) == 0);
}

/* rm -r of the test directory, which holds only files. */
static void
cleanup(void)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_authdb.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	passwd_set_cost(10);
	RUN(test_hash_format);
	RUN(test_hash_costs);
	RUN(test_open);
	RUN(test_users);
	RUN(test_last_admin);
	RUN(test_groups);
	RUN(test_tokens);
	RUN(test_token_expiry);
	RUN(test_login);
	RUN(test_session_expiry);
	RUN(test_sweep);
	RUN(test_delays);
	RUN(test_lockout);
	RUN(test_address_limit);
	RUN(test_sudo);
	RUN(test_no_plain_secrets);
	cleanup();
	TEST_EXIT();
}
