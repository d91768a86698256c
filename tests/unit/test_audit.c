/*
 * audit.c: the hash chain and what audit_verify says when a row is
 * edited, removed or re-chained by hand; the CSV and JSON files and
 * their agreement with the database; dumps; times; records that roll
 * back with their caller's transaction.  Hashes are recomputed here from
 * the encoding audit.h documents, as an auditor would.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "test.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static char dir[64];
static char path[128];
static sqlite3 *db;
static char err[512];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/airlock-audit-XXXXXX");
	if (mkdtemp(dir) == NULL || (db = db_open(dir)) == NULL) {
		fprintf(stderr, "setup: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	err[0] = '\0';
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
teardown(void)
{
	audit_close();
	sqlite3_close(db);
	db = NULL;
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static int
exec(const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The integer a query returns, or -1. */
static int64_t
int_of(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text a query returns, into dst ("" when none). */
static const char *
text_of(const char *sql, char *dst, size_t n)
{
	sqlite3_stmt *st;

	dst[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dst;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(dst, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return dst;
}

/* The whole file (caller frees), or NULL. */
static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((s = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static int
put_file(const char *p, const char *s, const char *mode)
{
	FILE *f = fopen(p, mode);

	if (f == NULL)
		return -1;
	fputs(s, f);
	return fclose(f);
}

/*
 * The documented hash: SHA-256 of each field as a 4-byte big-endian
 * length and its bytes (the fields here are shorter than 64 KiB).
 */
static void
hash_of(int64_t id, int64_t t, int64_t uid, const char *udesc,
    const char *action, const char *edesc, const char *prev, char out[65])
{
	char n[3][24];
	const char *f[7];
	unsigned char m[8192], md[32];
	size_t len = 0, k, i;

	snprintf(n[0], sizeof(n[0]), "%" PRId64, id);
	snprintf(n[1], sizeof(n[1]), "%" PRId64, t);
	snprintf(n[2], sizeof(n[2]), "%" PRId64, uid);
	f[0] = n[0];
	f[1] = n[1];
	f[2] = n[2];
	f[3] = udesc;
	f[4] = action;
	f[5] = edesc;
	f[6] = prev;
	for (i = 0; i < 7; i++) {
		k = strlen(f[i]);
		m[len++] = 0;
		m[len++] = 0;
		m[len++] = (unsigned char)(k >> 8);
		m[len++] = (unsigned char)k;
		memcpy(m + len, f[i], k);
		len += k;
	}
	EVP_Digest(m, len, md, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Recomputes record id's hash from its row, as stored. */
static void
hash_of_row(int64_t id, char out[65])
{
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT id, time_ms, user_id, "
	    "user_description, action, event_description, prev_hash FROM audit "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		hash_of(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5),
		    (const char *)sqlite3_column_text(st, 6), out);
	sqlite3_finalize(st);
}

/* RFC 3339 with ms, computed apart from audit.c. */
static void
rfc3339(int64_t ms, char *dst, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char d[32];

	gmtime_r(&s, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(dst, n, "%s.%03dZ", d, (int)(ms % 1000));
}

static int64_t
time_of(int64_t id)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SELECT time_ms FROM audit WHERE id = %"
	    PRId64, id);
	return int_of(sql);
}

/* Three records, no file. */
static void
three(void)
{
	setup();
	CHECK(audit_init(db, AUDIT_NONE, NULL, err, sizeof(err)) == 0);
	CHECK(audit_record("publish", 3, "alice", "added %s %s to %s", "foo",
	    "1.0", "cran") == 1);
	CHECK(audit_record("login", 4, "bob", "from 192.0.2.1") == 2);
	CHECK(audit_record("repo_create", 0, "root", "internal") == 3);
}

/* audit_verify breaks at the expected record with the expected reason. */
static int
broken(int64_t want_checked, const char *want)
{
	char why[256];
	int64_t checked = -1;
	int rc = audit_verify(db, &checked, why, sizeof(why));

	if (rc == 1 && checked == want_checked && strcmp(why, want) == 0)
		return 1;
	fprintf(stderr, "  verify: %d, %" PRId64 " checked, \"%s\"; want 1, "
	    "%" PRId64 ", \"%s\"\n", rc, checked, why, want_checked, want);
	return 0;
}

static void
test_schema(void)
{
	char s[64];

	setup();
	CHECK(int_of("PRAGMA user_version") >= 2);
	CHECK(exec("INSERT INTO repos (name, kind, created_at) "
	    "VALUES ('cran', 'cran', 0)") == 0);
	CHECK(strcmp(text_of("SELECT access FROM repos", s, sizeof(s)),
	    "public") == 0);
	CHECK(int_of("SELECT count(*) FROM audit") == 0);
	teardown();
}

static void
test_chain(void)
{
	char h[65], s[128], why[256];
	int64_t checked = 0;

	three();
	CHECK(int_of("SELECT count(*) FROM audit") == 3);
	CHECK(strcmp(text_of("SELECT prev_hash FROM audit WHERE id = 1", s,
	    sizeof(s)), ZEROS) == 0);
	CHECK(int_of("SELECT count(*) FROM audit a JOIN audit b "
	    "ON b.id = a.id + 1 WHERE b.prev_hash = a.hash") == 2);
	CHECK(strcmp(text_of("SELECT event_description FROM audit WHERE "
	    "id = 1", s, sizeof(s)), "added foo 1.0 to cran") == 0);
	CHECK(int_of("SELECT user_id FROM audit WHERE id = 2") == 4);
	CHECK(strcmp(text_of("SELECT user_description FROM audit WHERE "
	    "id = 2", s, sizeof(s)), "bob") == 0);
	CHECK(llabs(time_of(3) - (int64_t)time(NULL) * 1000) < 10000);
	/* the hashes are what audit.h says an auditor computes */
	hash_of_row(1, h);
	CHECK(strcmp(text_of("SELECT hash FROM audit WHERE id = 1", s,
	    sizeof(s)), h) == 0);
	hash_of_row(3, h);
	CHECK(strcmp(text_of("SELECT hash FROM audit WHERE id = 3", s,
	    sizeof(s)), h) == 0);
	CHECK(audit_verify(db, &checked, why, sizeof(why)) == 0);
	CHECK(checked == 3);
	teardown();

	setup();
	CHECK(audit_verify(db, &checked, why, sizeof(why)) == 0);
	CHECK(checked == 0);
	teardown();
}

static void
test_tamper_edit(void)
{
	three();
	CHECK(exec("UPDATE audit SET event_description = 'added bar 1.0' "
	    "WHERE id = 2") == 0);
	CHECK(broken(1, "record 2: hash does not match its contents"));
	teardown();
}

/* An edit whose hash is recomputed breaks the next link instead. */
static void
test_tamper_rehash(void)
{
	char h[65], sql[256];

	three();
	CHECK(exec("UPDATE audit SET user_id = 0 WHERE id = 2") == 0);
	hash_of_row(2, h);
	snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE id = 2",
	    h);
	CHECK(exec(sql) == 0);
	CHECK(broken(2, "record 3: prev_hash does not match record 2"));
	teardown();
}

static void
test_tamper_delete(void)
{
	three();
	CHECK(exec("DELETE FROM audit WHERE id = 2") == 0);
	CHECK(broken(1, "record 2 missing (ids jump from 1 to 3)"));
	teardown();

	three();
	CHECK(exec("DELETE FROM audit WHERE id = 1") == 0);
	CHECK(broken(0, "record 1 missing (ids start at 2)"));
	teardown();
}

static void
test_tamper_prev_hash(void)
{
	three();
	CHECK(exec("UPDATE audit SET prev_hash = (SELECT hash FROM audit "
	    "WHERE id = 1) WHERE id = 3") == 0);
	CHECK(broken(2, "record 3: prev_hash does not match record 2"));
	teardown();

	three();
	CHECK(exec("UPDATE audit SET prev_hash = replace(prev_hash, '0', '1') "
	    "WHERE id = 1") == 0);
	CHECK(broken(0, "record 1: prev_hash is not the zeros that start "
	    "the chain"));
	teardown();
}

/* Values a hash over text cannot see: another type, a NUL. */
static void
test_tamper_type(void)
{
	three();
	CHECK(exec("UPDATE audit SET time_ms = time_ms || ' o''clock' "
	    "WHERE id = 2") == 0);
	CHECK(broken(1, "record 2: time_ms is not an integer"));
	teardown();

	three();
	CHECK(exec("UPDATE audit SET action = action || char(0) || 'x' "
	    "WHERE id = 3") == 0);
	CHECK(broken(2, "record 3: action is not text"));
	teardown();
}

static void
test_csv_file(void)
{
	char want[1024], t1[40], t2[40], t3[40];
	char *got;

	setup();
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	audit_event("start", "master", 42, "airlockd starting");
	CHECK(audit_record("publish", 7, "Smith, J.", "a,b \"q\"\nline2") ==
	    2);
	CHECK(audit_record("note", 8, "cr", "x\ry") == 3);
	rfc3339(time_of(1), t1, sizeof(t1));
	rfc3339(time_of(2), t2, sizeof(t2));
	rfc3339(time_of(3), t3, sizeof(t3));
	snprintf(want, sizeof(want),
	    "1,%s,0,airlockd,start,master[42]: airlockd starting\n"
	    "2,%s,7,\"Smith, J.\",publish,\"a,b \"\"q\"\"\nline2\"\n"
	    "3,%s,8,cr,note,\"x\ry\"\n", t1, t2, t3);
	got = slurp(path);
	CHECK(got != NULL && strcmp(got, want) == 0);
	if (got != NULL && strcmp(got, want) != 0)
		fprintf(stderr, "  got:\n%s  want:\n%s", got, want);
	/* 2026-11-23T19:14:53.123Z */
	CHECK(strlen(t1) == 24 && t1[10] == 'T' && t1[19] == '.' &&
	    t1[23] == 'Z');
	free(got);
	teardown();
}

static void
test_json_file(void)
{
	static const char *keys[] = { "id", "time", "user_id",
	    "user_description", "action", "event_description" };
	char line[1024], t[40];
	json_t *j;
	FILE *f;
	void *it;
	int n = 0;
	size_t i;

	setup();
	CHECK(audit_init(db, AUDIT_JSON, path, err, sizeof(err)) == 0);
	CHECK(audit_record("publish", 7, "J\xc3\xa9r\xc3\xb4me \"jj\"",
	    "tab\there\nquote \" backslash \\") == 1);
	CHECK(audit_record("login", 9, "bad \xff byte", "ok") == 2);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		n++;
		CHECK(strncmp(line, "{\"id\":", 6) == 0);
		CHECK(line[strlen(line) - 1] == '\n');
		j = json_loads(line, 0, NULL);
		CHECK(j != NULL);
		for (i = 0, it = json_object_iter(j); it != NULL && i < 6;
		    i++, it = json_object_iter_next(j, it))
			CHECK(strcmp(json_object_iter_key(it), keys[i]) == 0);
		CHECK(i == 6 && it == NULL);
		CHECK(json_integer_value(json_object_get(j, "id")) == n);
		rfc3339(time_of(n), t, sizeof(t));
		CHECK(strcmp(json_string_value(json_object_get(j, "time")),
		    t) == 0);
		if (n == 1) {
			CHECK(json_integer_value(json_object_get(j,
			    "user_id")) == 7);
			CHECK(strcmp(json_string_value(json_object_get(j,
			    "user_description")), "J\xc3\xa9r\xc3\xb4me "
			    "\"jj\"") == 0);
			CHECK(strcmp(json_string_value(json_object_get(j,
			    "action")), "publish") == 0);
			CHECK(strcmp(json_string_value(json_object_get(j,
			    "event_description")), "tab\there\nquote \" "
			    "backslash \\") == 0);
		} else
			/* invalid UTF-8 is stored, and written, as U+FFFD */
			CHECK(strcmp(json_string_value(json_object_get(j,
			    "user_description")), "bad \xef\xbf\xbd byte") == 0);
		json_decref(j);
	}
	CHECK(n == 2);
	if (f != NULL)
		fclose(f);
	teardown();
}

/* A file of one format is not continued in the other, either way. */
static void
test_format_refused(void)
{
	char *got;

	setup();
	CHECK(audit_init(db, AUDIT_JSON, path, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "one") == 1);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, path) != NULL && strstr(err, "JSON") != NULL);
	/* the trail goes on as it was */
	CHECK(audit_record("a", 1, "u", "two") == 2);
	got = slurp(path);
	CHECK(got != NULL && got[0] == '{' && strstr(got, "\n{\"id\":2,") !=
	    NULL);
	free(got);
	teardown();

	setup();
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "one") == 1);
	CHECK(audit_init(db, AUDIT_JSON, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, path) != NULL && strstr(err, "CSV") != NULL);
	teardown();

	setup();
	CHECK(put_file(path, "hello\n", "w") == 0);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not an audit trail") != NULL);
	teardown();
}

/* A file that does not end as the database does is refused. */
static void
test_file_agrees(void)
{
	char sym[160], *got;

	setup();
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "one") == 1);
	/* the last record spans lines and holds quotes */
	CHECK(audit_record("a", 1, "u", "x\n\"2\",\n3,y") == 2);
	audit_close();
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	/* records made while the file was off are appended when it is back */
	CHECK(audit_init(db, AUDIT_NONE, NULL, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "three") == 3);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "four") == 4);
	got = slurp(path);
	CHECK(got != NULL && strstr(got, "\n1,") == NULL &&
	    strstr(got, ",one\n2,") != NULL &&
	    strstr(got, "3,y\"\n3,") != NULL &&
	    strstr(got, ",three\n4,") != NULL);
	free(got);
	audit_close();

	/* the database's last record was edited */
	CHECK(exec("UPDATE audit SET event_description = 'five' "
	    "WHERE id = 4") == 0);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "record 4 is not the database's") != NULL);
	CHECK(exec("UPDATE audit SET event_description = 'four' "
	    "WHERE id = 4") == 0);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	audit_close();

	/* records were cut from the end of the chain */
	CHECK(exec("DELETE FROM audit WHERE id = 4") == 0);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ends with record 4, which the database does "
	    "not have") != NULL);

	/* half a record */
	CHECK(put_file(path, "5,2026", "a") == 0);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "middle of a record") != NULL);

	/* no symbolic link */
	snprintf(sym, sizeof(sym), "%s/link.log", dir);
	CHECK(symlink(path, sym) == 0);
	CHECK(audit_init(db, AUDIT_CSV, sym, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot open") != NULL);
	teardown();

	/* the old interim JSON lines */
	setup();
	CHECK(put_file(path, "{\"time\":\"2026-01-01T00:00:00Z\","
	    "\"event\":\"start\"}\n", "w") == 0);
	CHECK(audit_init(db, AUDIT_JSON, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not an audit record") != NULL);
	teardown();
}

/* On reload, a new file starts with the next record. */
static void
test_reload(void)
{
	char other[160], *a, *b;

	setup();
	snprintf(other, sizeof(other), "%s/audit.json", dir);
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "one") == 1);
	CHECK(audit_init(db, AUDIT_JSON, other, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "two") == 2);
	a = slurp(path);
	b = slurp(other);
	CHECK(a != NULL && strncmp(a, "1,", 2) == 0 && strchr(a, '\n') ==
	    a + strlen(a) - 1);
	CHECK(b != NULL && strncmp(b, "{\"id\":2,", 8) == 0 &&
	    strchr(b, '\n') == b + strlen(b) - 1);
	free(a);
	free(b);
	teardown();
}

struct sink {
	char text[4096];
	size_t len;
	int lines;
	int fail_at;	/* 0: never */
};

static int
emit(void *arg, const char *line, size_t len)
{
	struct sink *k = arg;

	if (++k->lines == k->fail_at || k->len + len >= sizeof(k->text))
		return -1;
	memcpy(k->text + k->len, line, len);
	k->len += len;
	k->text[k->len] = '\0';
	return 0;
}

static void
test_dump(void)
{
	struct sink k;
	json_t *j;
	char *p;
	int n;

	setup();
	CHECK(audit_init(db, AUDIT_NONE, NULL, err, sizeof(err)) == 0);
	for (n = 1; n <= 4; n++)
		CHECK(audit_record("a", n, "u", "r%d", n) == n);
	CHECK(exec("UPDATE audit SET time_ms = id * 1000") == 0);

	memset(&k, 0, sizeof(k));
	CHECK(audit_dump(db, AUDIT_CSV, 2000, 4000, emit, &k) == 2);
	CHECK(strcmp(k.text,
	    "id,time,user_id,user_description,action,event_description\n"
	    "2,1970-01-01T00:00:02.000Z,2,u,a,r2\n"
	    "3,1970-01-01T00:00:03.000Z,3,u,a,r3\n") == 0);

	memset(&k, 0, sizeof(k));
	CHECK(audit_dump(db, AUDIT_CSV, 3000, 0, emit, &k) == 2);
	CHECK(strstr(k.text, "\n3,") != NULL && strstr(k.text, "\n4,") != NULL);

	memset(&k, 0, sizeof(k));
	CHECK(audit_dump(db, AUDIT_CSV, 0, 2500, emit, &k) == 2);
	CHECK(strstr(k.text, "\n1,") != NULL && strstr(k.text, "\n2,") != NULL);

	memset(&k, 0, sizeof(k));
	CHECK(audit_dump(db, AUDIT_JSON, 0, 0, emit, &k) == 4);
	CHECK(k.lines == 4);
	for (n = 1, p = k.text; n <= 4 && p != NULL; n++) {
		j = json_loadb(p, strcspn(p, "\n"), 0, NULL);
		CHECK(j != NULL && json_integer_value(json_object_get(j,
		    "id")) == n);
		json_decref(j);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}

	memset(&k, 0, sizeof(k));
	CHECK(audit_dump(db, AUDIT_JSON, 5000, 0, emit, &k) == 0);
	CHECK(k.lines == 0);

	memset(&k, 0, sizeof(k));
	k.fail_at = 2;
	CHECK(audit_dump(db, AUDIT_CSV, 0, 0, emit, &k) == -1);
	CHECK(audit_dump(db, AUDIT_NONE, 0, 0, emit, &k) == -1);
	teardown();
}

static int
parses(const char *s, int64_t want)
{
	int64_t ms = -2;

	if (audit_parse_time(s, &ms) == 0 && ms == want)
		return 1;
	fprintf(stderr, "  \"%s\": %" PRId64 ", want %" PRId64 "\n", s, ms,
	    want);
	return 0;
}

static void
test_parse_time(void)
{
	static const char *bad[] = { "", "garbage", "2026-13-01",
	    "2026-11-31", "2023-02-29", "2026-11-23T25:00:00Z",
	    "2026-11-23T19:60Z", "2026-11-23T19:14:53.Z", "2026-11-23x",
	    "2026-1-23", "2026-11-23T19", "1969-12-31", "-5", "12ab",
	    "2026-11-23T19:14:53+1", "1970-01-01T00:00+01:00",
	    "9999999999999999" };
	int64_t ms;
	size_t i;

	CHECK(parses("2026-11-23", 1795392000000));
	CHECK(parses("2026-11-23T19:14:53Z", 1795461293000));
	CHECK(parses("2026-11-23T19:14:53.123Z", 1795461293123));
	CHECK(parses("2026-11-23T19:14:53.1Z", 1795461293100));
	CHECK(parses("2026-11-23T19:14:53.123456789Z", 1795461293123));
	CHECK(parses("2026-11-23 19:14", 1795461240000));
	CHECK(parses("2026-11-23T19:14:53+01:00", 1795457693000));
	CHECK(parses("2026-11-23T18:14:53-01:00", 1795461293000));
	CHECK(parses("2024-02-29", 1709164800000));
	CHECK(parses("1970-01-01", 0));
	CHECK(parses("1795461293", 1795461293000));
	CHECK(parses("0", 0));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (audit_parse_time(bad[i], &ms) != -1) {
			fprintf(stderr, "  \"%s\" parsed\n", bad[i]);
			t_fail = 1;
		}
	}
}

/* A record made in the caller's transaction goes where it goes. */
static void
test_rollback(void)
{
	char why[256], *got;
	int64_t checked = 0;

	setup();
	CHECK(audit_init(db, AUDIT_CSV, path, err, sizeof(err)) == 0);
	CHECK(audit_record("a", 1, "u", "one") == 1);
	CHECK(db_begin(db) == 0);
	CHECK(audit_record("publish", 1, "u", "two") == 2);
	CHECK(audit_record("publish", 1, "u", "three") == 3);
	db_rollback(db);
	CHECK(int_of("SELECT count(*) FROM audit") == 1);
	CHECK(audit_verify(db, &checked, why, sizeof(why)) == 0);
	CHECK(checked == 1);
	CHECK(audit_record("a", 1, "u", "two again") == 2);

	CHECK(db_begin(db) == 0);
	CHECK(exec("SAVEPOINT job") == 0);
	CHECK(audit_record("publish", 1, "u", "in a savepoint") == 3);
	CHECK(exec("ROLLBACK TO job; RELEASE job") == 0);
	CHECK(audit_record("publish", 1, "u", "committed") == 3);
	got = slurp(path);
	CHECK(got != NULL && strstr(got, ",committed\n") == NULL);
	free(got);
	CHECK(db_commit(db) == 0);

	got = slurp(path);
	CHECK(got != NULL && strstr(got, ",one\n2,") != NULL &&
	    strstr(got, ",two again\n3,") != NULL &&
	    strstr(got, ",committed\n") != NULL &&
	    strstr(got, ",two\n") == NULL && strstr(got, ",three\n") == NULL &&
	    strstr(got, "savepoint") == NULL);
	free(got);
	CHECK(audit_verify(db, &checked, why, sizeof(why)) == 0);
	CHECK(checked == 3);
	teardown();
}

/* The master's events, with or without a trail. */
static void
test_event(void)
{
	char s[128];

	audit_close();
	audit_event("start", "master", 1, "no trail yet");
	CHECK(audit_record("a", 1, "u", "lost") == -1);
	setup();
	CHECK(audit_init(db, AUDIT_NONE, NULL, err, sizeof(err)) == 0);
	audit_event("reload", "master", 123, "configuration reloaded");
	CHECK(int_of("SELECT count(*) FROM audit WHERE id = 1 AND user_id = 0 "
	    "AND user_description = 'airlockd' AND action = 'reload'") == 1);
	CHECK(strcmp(text_of("SELECT event_description FROM audit", s,
	    sizeof(s)), "master[123]: configuration reloaded") == 0);
	teardown();
	audit_event("stop", "master", 1, "after audit_close");
	CHECK(audit_open("/nonexistent") == 0);
}

int
main(void)
{
	RUN(test_schema);
	RUN(test_chain);
	RUN(test_tamper_edit);
	RUN(test_tamper_rehash);
	RUN(test_tamper_delete);
	RUN(test_tamper_prev_hash);
	RUN(test_tamper_type);
	RUN(test_csv_file);
	RUN(test_json_file);
	RUN(test_format_refused);
	RUN(test_file_agrees);
	RUN(test_reload);
	RUN(test_dump);
	RUN(test_parse_time);
	RUN(test_rollback);
	RUN(test_event);
	TEST_EXIT();
}
