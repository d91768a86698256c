#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "util.h"

#define HASH_HEX	64		/* SHA-256 in hex */
/* The longest text a field is given; more is cut, not refused. */
#define TEXT_MAX	(16 * 1024)
/*
 * How much of the file's end audit_init reads to find its last record:
 * more than three fields of TEXT_MAX can take, JSON-escaped.
 */
#define TAIL_MAX	(1024 * 1024)
/* The longest record rendered, for rows edited by hand to any size. */
#define RENDER_MAX	(256 * 1024 * 1024)
#define TIME_LEN	40

#define COLUMNS \
	"id, time_ms, user_id, user_description, action, event_description, " \
	"prev_hash, hash"
#define CSV_HEADER \
	"id,time,user_id,user_description,action,event_description\n"

static const char zero_hash[HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";
static const char *const format_names[] = { "no", "CSV", "JSON" };

struct record {
	int64_t id;
	int64_t time_ms;
	int64_t user_id;
	const char *user_desc;
	const char *action;
	const char *event_desc;
	const char *prev_hash;
	const char *hash;
};

/* The trail: the database it lives in, and the file that mirrors it. */
static struct {
	sqlite3 *db;
	int format;
	int fd;
	char path[PATH_MAX];
	int64_t file_id;	/* the last record the file holds */
} au = { NULL, AUDIT_NONE, -1, "", 0 };

static int64_t record_v(enum log_level, const char *, int64_t, const char *,
    const char *, va_list) __attribute__((format(printf, 5, 0)));
static int64_t record(enum log_level, const char *, int64_t, const char *,
    const char *, ...) __attribute__((format(printf, 5, 6)));

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* past U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A copy of the first max bytes of s with each byte that does not start
 * a valid UTF-8 sequence replaced by U+FFFD (caller frees), or NULL.
 */
static char *
utf8_clean(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max), i = 0, o = 0, len;
	char *d;

	if ((d = malloc(3 * n + 1)) == NULL)
		return NULL;
	while (i < n) {
		if ((len = utf8_seq(p + i, n - i)) == 0) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(d + o, p + i, len);
		o += len;
		i += len;
	}
	d[o] = '\0';
	return d;
}

static int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, len;

	for (i = 0; i < n; i += len)
		if ((len = utf8_seq(p + i, n - i)) == 0)
			return 0;
	return 1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ms as RFC 3339 UTC with milliseconds: 2026-11-23T19:14:53.123Z */
static void
time_str(int64_t ms, char dst[TIME_LEN])
{
	time_t s = (time_t)(ms / 1000);
	unsigned int frac = (unsigned int)(ms % 1000 + 1000) % 1000;
	struct tm tm;

	if (ms < 0 && frac != 0)
		s--;
	if (gmtime_r(&s, &tm) == NULL ||
	    strftime(dst, TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		snprintf(dst, TIME_LEN, "(time %" PRId64 ")", ms);
		return;
	}
	snprintf(dst + 19, TIME_LEN - 19, ".%03uZ", frac);
}

/* The hash of r, as audit.h describes it, into hex; 0 or -1. */
static int
record_hash(const struct record *r, char hex[HASH_HEX + 1])
{
	char num[3][24];
	const char *f[7];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	int rc = -1;

	snprintf(num[0], sizeof(num[0]), "%" PRId64, r->id);
	snprintf(num[1], sizeof(num[1]), "%" PRId64, r->time_ms);
	snprintf(num[2], sizeof(num[2]), "%" PRId64, r->user_id);
	f[0] = num[0];
	f[1] = num[1];
	f[2] = num[2];
	f[3] = r->user_desc;
	f[4] = r->action;
	f[5] = r->event_desc;
	f[6] = r->prev_hash;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto done;
	for (i = 0; i < nitems(f); i++) {
		size_t n = strlen(f[i]);
		uint8_t len[4];

		if (n > UINT32_MAX)
			goto done;
		len[0] = (uint8_t)(n >> 24);
		len[1] = (uint8_t)(n >> 16);
		len[2] = (uint8_t)(n >> 8);
		len[3] = (uint8_t)n;
		if (!EVP_DigestUpdate(ctx, len, sizeof(len)) ||
		    !EVP_DigestUpdate(ctx, f[i], n))
			goto done;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen * 2 != HASH_HEX)
		goto done;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static const char *
column_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

/* A row of SELECT COLUMNS; its strings live until the next step. */
static void
record_from_row(sqlite3_stmt *st, struct record *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->time_ms = sqlite3_column_int64(st, 1);
	r->user_id = sqlite3_column_int64(st, 2);
	r->user_desc = column_text(st, 3);
	r->action = column_text(st, 4);
	r->event_desc = column_text(st, 5);
	r->prev_hash = column_text(st, 6);
	r->hash = column_text(st, 7);
}

/* A CSV field, quoted when it must be (RFC 4180). */
static int
csv_field(struct buf *b, const char *s)
{
	int rc = 0;

	if (strpbrk(s, ",\"\r\n") == NULL)
		return buf_put(b, s, strlen(s));
	rc |= buf_put_u8(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			rc |= buf_put_u8(b, '"');
		rc |= buf_put_u8(b, (uint8_t)*s);
	}
	rc |= buf_put_u8(b, '"');
	return rc;
}

/* jansson wants UTF-8: text edited into the table by hand may not be. */
static json_t *
json_text(const char *s)
{
	json_t *j;
	char *c;

	if (utf8_valid(s))
		return json_string(s);
	if ((c = utf8_clean(s, SIZE_MAX)) == NULL)
		return NULL;
	j = json_string(c);
	free(c);
	return j;
}

/* Appends r as one record of format, with its final LF; 0 or -1. */
static int
render(struct buf *b, int format, const struct record *r)
{
	char ts[TIME_LEN], *s = NULL;
	json_t *o;
	int rc = -1;

	time_str(r->time_ms, ts);
	if (format == AUDIT_CSV) {
		rc = buf_putf(b, "%" PRId64 ",%s,%" PRId64 ",", r->id, ts,
		    r->user_id);
		rc |= csv_field(b, r->user_desc);
		rc |= buf_put_u8(b, ',');
		rc |= csv_field(b, r->action);
		rc |= buf_put_u8(b, ',');
		rc |= csv_field(b, r->event_desc);
		rc |= buf_put_u8(b, '\n');
		return rc;
	}
	if (format != AUDIT_JSON || (o = json_object()) == NULL)
		return -1;
	if (json_object_set_new(o, "id", json_integer(r->id)) == 0 &&
	    json_object_set_new(o, "time", json_string(ts)) == 0 &&
	    json_object_set_new(o, "user_id", json_integer(r->user_id)) == 0 &&
	    json_object_set_new(o, "user_description",
	    json_text(r->user_desc)) == 0 &&
	    json_object_set_new(o, "action", json_text(r->action)) == 0 &&
	    json_object_set_new(o, "event_description",
	    json_text(r->event_desc)) == 0 &&
	    (s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT)) != NULL)
		rc = buf_put(b, s, strlen(s)) | buf_put_u8(b, '\n');
	free(s);
	json_decref(o);
	return rc;
}

/* The last record's id and hash (0 and zeros when there is none). */
static int
last_record(sqlite3 *db, int64_t *id, char hash[HASH_HEX + 1])
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT id, hash FROM audit ORDER BY id DESC "
	    "LIMIT 1");
	if (st == NULL)
		return -1;
	*id = 0;
	memcpy(hash, zero_hash, sizeof(zero_hash));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(hash, HASH_HEX + 1, "%s", column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * One record onto the file in one write().  A short write (disk full)
 * is cut back, so that the next record does not follow half of one.
 */
static int
write_record(int fd, const struct buf *b)
{
	off_t end;
	ssize_t n;

	if ((end = lseek(fd, 0, SEEK_END)) == -1)
		return -1;
	if ((n = write(fd, buf_ptr(b), buf_avail(b))) == (ssize_t)buf_avail(b))
		return 0;
	if (n >= 0) {
		if (ftruncate(fd, end) == -1)
			log_error("audit: %s: cannot cut back a partial record: "
			    "%s", au.path, strerror(errno));
		errno = ENOSPC;
	}
	return -1;
}

/*
 * Appends to the file the committed records it does not have yet.  A
 * record that cannot be written stops it there, to be tried again after
 * the next commit: the file keeps the order of the chain.
 */
static void
file_catch_up(void)
{
	sqlite3_stmt *st;
	struct record r;
	struct buf b;
	int rc, wrote = 0;

	st = db_prepare(au.db, "SELECT " COLUMNS " FROM audit WHERE id > ? "
	    "ORDER BY id");
	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, au.file_id);
	buf_init(&b, RENDER_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record_from_row(st, &r);
		buf_reset(&b);
		if (render(&b, au.format, &r) != 0) {
			log_error("audit: %s: cannot format record %" PRId64,
			    au.path, r.id);
			break;
		}
		if (write_record(au.fd, &b) != 0) {
			log_error("audit: %s: cannot write record %" PRId64
			    " (it is in the database): %s", au.path, r.id,
			    strerror(errno));
			break;
		}
		au.file_id = r.id;
		wrote = 1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		log_error("audit: reading records for %s: %s", au.path,
		    sqlite3_errmsg(au.db));
	sqlite3_finalize(st);
	buf_release(&b);
	if (wrote && fsync(au.fd) == -1)
		log_error("audit: %s: fsync: %s", au.path, strerror(errno));
}

void
audit_flush(sqlite3 *db)
{
	/* Inside a transaction, a SELECT would see uncommitted records. */
	if (db == NULL || db != au.db || au.fd == -1 ||
	    !sqlite3_get_autocommit(db))
		return;
	file_catch_up();
}

/*
 * Where the last record of the tail t (len bytes, its final LF not
 * counted) starts, or -1 when it starts before t.  In CSV a LF inside
 * quotes is part of a field: a record ends at a LF after which the
 * record has an even number of quotes left, as every field that opens
 * one closes it.
 */
static ssize_t
last_record_start(const char *t, size_t len, int format)
{
	size_t i, quotes = 0;

	for (i = len; i > 0; i--) {
		if (t[i - 1] == '"')
			quotes++;
		else if (t[i - 1] == '\n' &&
		    (format == AUDIT_JSON || quotes % 2 == 0))
			return (ssize_t)i;
	}
	return -1;
}

/* The id a record of the file begins with (its first field or key). */
static int
record_id(const char *rec, size_t len, int format, int64_t *id)
{
	json_t *j, *v;
	size_t i;

	if (format == AUDIT_CSV) {
		*id = 0;
		for (i = 0; i < len && i < 18 && rec[i] >= '0' &&
		    rec[i] <= '9'; i++)
			*id = *id * 10 + (rec[i] - '0');
		return i > 0 && i < len && rec[i] == ',' ? 0 : -1;
	}
	if ((j = json_loadb(rec, len, 0, NULL)) == NULL)
		return -1;
	v = json_object_get(j, "id");
	*id = json_is_integer(v) ? json_integer_value(v) : -1;
	json_decref(j);
	return *id > 0 ? 0 : -1;
}

/*
 * Checks that the file on fd can carry on the trail in format: the same
 * format, and a last record the database has, the same to the byte.
 * *last is the record the file holds up to (for an empty file, the
 * database's last: it starts with the next).
 */
static int
file_check(sqlite3 *db, int fd, const char *path, int format, int64_t *last,
    char *err, size_t errlen)
{
	char head[8], hash[HASH_HEX + 1], *tail = NULL;
	sqlite3_stmt *st = NULL;
	struct record r;
	struct stat sb;
	struct buf b;
	int64_t max, id;
	ssize_t n, start;
	size_t len, got;
	off_t off;
	int found, rc = -1;

	buf_init(&b, RENDER_MAX);
	if (fstat(fd, &sb) == -1) {
		errf(err, errlen, "audit: %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		errf(err, errlen, "audit: %s is not a regular file", path);
		return -1;
	}
	if (last_record(db, &max, hash) != 0) {
		errf(err, errlen, "audit: reading the trail: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	*last = max;
	if (sb.st_size == 0)
		return 0;

	memset(head, 0, sizeof(head));
	if (pread(fd, head, sizeof(head) - 1, 0) <= 0) {
		errf(err, errlen, "audit: cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (head[0] == '{')
		found = AUDIT_JSON;
	else if ((head[0] >= '0' && head[0] <= '9') ||
	    strncmp(head, "id,", 3) == 0)
		found = AUDIT_CSV;
	else {
		errf(err, errlen, "audit: %s is not an audit trail: its first "
		    "line is neither a JSON object nor a CSV record", path);
		return -1;
	}
	if (found != format) {
		errf(err, errlen, "audit: %s holds %s records, not %s: keep "
		    "its format or move it away", path, format_names[found],
		    format_names[format]);
		return -1;
	}

	len = sb.st_size > TAIL_MAX ? TAIL_MAX : (size_t)sb.st_size;
	off = sb.st_size - (off_t)len;
	if ((tail = malloc(len)) == NULL) {
		errf(err, errlen, "audit: %s: %s", path, strerror(errno));
		return -1;
	}
	for (got = 0; got < len; got += (size_t)n)
		if ((n = pread(fd, tail + got, len - got,
		    off + (off_t)got)) <= 0) {
			errf(err, errlen, "audit: cannot read %s: %s", path,
			    n == 0 ? "it shrank" : strerror(errno));
			goto done;
		}
	if (tail[len - 1] != '\n') {
		errf(err, errlen, "audit: %s ends in the middle of a record: "
		    "repair it by hand, or move it away", path);
		goto done;
	}
	if ((start = last_record_start(tail, len - 1, format)) == -1) {
		if (off > 0) {
			errf(err, errlen, "audit: %s: its last record is longer "
			    "than %d bytes", path, TAIL_MAX);
			goto done;
		}
		start = 0;
	}
	if (format == AUDIT_CSV && len - (size_t)start == strlen(CSV_HEADER) &&
	    memcmp(tail + start, CSV_HEADER, strlen(CSV_HEADER)) == 0) {
		rc = 0;		/* a header someone put there, and no record */
		goto done;
	}
	if (record_id(tail + start, len - (size_t)start, format, &id) != 0) {
		errf(err, errlen, "audit: %s: its last line is not an audit "
		    "record (an audit.log of an older airlockd?): move it away",
		    path);
		goto done;
	}

	st = db_prepare(db, "SELECT " COLUMNS " FROM audit WHERE id = ?");
	if (st == NULL) {
		errf(err, errlen, "audit: %s", sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		errf(err, errlen, "audit: %s ends with record %" PRId64 ", which "
		    "the database does not have (its last is %" PRId64 "): "
		    "records were removed, or the database replaced", path, id,
		    max);
		goto done;
	}
	record_from_row(st, &r);
	if (render(&b, format, &r) != 0) {
		errf(err, errlen, "audit: cannot format record %" PRId64, id);
		goto done;
	}
	if (buf_avail(&b) != len - (size_t)start ||
	    memcmp(buf_ptr(&b), tail + start, buf_avail(&b)) != 0) {
		errf(err, errlen, "audit: %s: record %" PRId64 " is not the "
		    "database's record %" PRId64, path, id, id);
		goto done;
	}
	if (id < max)
		log_warn("audit: %s ends with record %" PRId64 ": appending "
		    "records %" PRId64 " to %" PRId64, path, id, id + 1, max);
	*last = id;
	rc = 0;
done:
	sqlite3_finalize(st);
	buf_release(&b);
	free(tail);
	return rc;
}

static void
close_file(void)
{
	if (au.fd != -1)
		close(au.fd);
	au.fd = -1;
	au.path[0] = '\0';
	au.format = AUDIT_NONE;
}

int
audit_init(sqlite3 *db, int format, const char *file, char *err,
    size_t errlen)
{
	int64_t last;
	int fd;

	if (db == NULL) {
		errf(err, errlen, "audit: no database");
		return -1;
	}
	if (format == AUDIT_NONE) {
		close_file();
		au.db = db;
		return 0;
	}
	if (format != AUDIT_CSV && format != AUDIT_JSON) {
		errf(err, errlen, "audit: unknown file format %d", format);
		return -1;
	}
	if (file == NULL || *file == '\0' || strlen(file) >= sizeof(au.path)) {
		errf(err, errlen, "audit: a %s file needs a path (shorter than "
		    "%zu bytes)", format_names[format], sizeof(au.path));
		return -1;
	}
	/* Read as well as appended to: file_check reads its ends. */
	if ((fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		errf(err, errlen, "audit: cannot open %s: %s", file,
		    strerror(errno));
		return -1;
	}
	if (file_check(db, fd, file, format, &last, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	close_file();
	au.db = db;
	au.fd = fd;
	au.format = format;
	au.file_id = last;
	snprintf(au.path, sizeof(au.path), "%s", file);
	audit_flush(db);
	return 0;
}

static int64_t
record_v(enum log_level lvl, const char *action, int64_t user_id,
    const char *user_desc, const char *fmt, va_list ap)
{
	char *raw = NULL, *udesc = NULL, *act = NULL, *edesc = NULL;
	char prev[HASH_HEX + 1], hash[HASH_HEX + 1], line[1024];
	char v1[64], v2[128], v3[512];
	sqlite3_stmt *st = NULL;
	struct record r;
	va_list ap2;
	int n, own = 0;
	int64_t id = -1;

	if (action == NULL)
		action = "";
	if (user_desc == NULL)
		user_desc = "";
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n >= 0 && (raw = malloc((size_t)n + 1)) != NULL)
		vsnprintf(raw, (size_t)n + 1, fmt, ap);
	if (raw == NULL ||
	    (udesc = utf8_clean(user_desc, TEXT_MAX)) == NULL ||
	    (act = utf8_clean(action, TEXT_MAX)) == NULL ||
	    (edesc = utf8_clean(raw, TEXT_MAX)) == NULL) {
		log_error("audit: RECORD LOST: %s by %s (%" PRId64 "): out of "
		    "memory", str_vis(v1, sizeof(v1), action),
		    str_vis(v2, sizeof(v2), user_desc), user_id);
		goto done;
	}
	if (au.db == NULL) {
		log_error("audit: RECORD LOST, the trail is not started: %s by "
		    "%s (%" PRId64 "): %s", str_vis(v1, sizeof(v1), act),
		    str_vis(v2, sizeof(v2), udesc), user_id,
		    str_vis(v3, sizeof(v3), edesc));
		goto done;
	}

	/* Outside the caller's transaction, in one of its own. */
	if (sqlite3_get_autocommit(au.db)) {
		if (db_begin(au.db) != 0)
			goto fail;
		own = 1;
	}
	if (last_record(au.db, &r.id, prev) != 0)
		goto fail;
	r.id++;
	r.time_ms = now_ms();
	r.user_id = user_id;
	r.user_desc = udesc;
	r.action = act;
	r.event_desc = edesc;
	r.prev_hash = prev;
	r.hash = hash;
	if (record_hash(&r, hash) != 0)
		goto fail;
	st = db_prepare(au.db, "INSERT INTO audit (" COLUMNS ") "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, r.id);
	sqlite3_bind_int64(st, 2, r.time_ms);
	sqlite3_bind_int64(st, 3, r.user_id);
	sqlite3_bind_text(st, 4, r.user_desc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r.action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r.event_desc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r.prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r.hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	/* db_commit writes the file. */
	if (own && db_commit(au.db) != 0)
		goto fail;
	id = r.id;

	/* Inside the caller's transaction it may yet roll back. */
	snprintf(line, sizeof(line), "audit: record %" PRId64 "%s: %s by %s "
	    "(user %" PRId64 "): %s", id, own ? "" : " (pending its "
	    "transaction)", str_vis(v1, sizeof(v1), act),
	    str_vis(v2, sizeof(v2), udesc), user_id,
	    str_vis(v3, sizeof(v3), edesc));
	if (lvl <= LOG_LVL_WARN)
		log_warn("%s", line);
	else
		log_info("%s", line);
	goto done;
fail:
	log_error("audit: RECORD LOST: %s by %s (%" PRId64 "): %s: %s",
	    str_vis(v1, sizeof(v1), act), str_vis(v2, sizeof(v2), udesc),
	    user_id, str_vis(v3, sizeof(v3), edesc), sqlite3_errmsg(au.db));
	sqlite3_finalize(st);
	if (own)
		db_rollback(au.db);
done:
	free(raw);
	free(udesc);
	free(act);
	free(edesc);
	return id;
}

static int64_t
record(enum log_level lvl, const char *action, int64_t user_id,
    const char *user_desc, const char *fmt, ...)
{
	va_list ap;
	int64_t id;

	va_start(ap, fmt);
	id = record_v(lvl, action, user_id, user_desc, fmt, ap);
	va_end(ap);
	return id;
}

int64_t
audit_record(const char *action, int64_t user_id, const char *user_desc,
    const char *fmt, ...)
{
	va_list ap;
	int64_t id;

	va_start(ap, fmt);
	id = record_v(LOG_LVL_INFO, action, user_id, user_desc, fmt, ap);
	va_end(ap);
	return id;
}

int64_t
audit_dump(sqlite3 *db, int format, int64_t since, int64_t until,
    int (*emit)(void *arg, const char *line, size_t len), void *arg)
{
	sqlite3_stmt *st;
	struct record r;
	struct buf b;
	int64_t count = 0;
	int rc;

	if (format != AUDIT_CSV && format != AUDIT_JSON)
		return -1;
	st = db_prepare(db, "SELECT " COLUMNS " FROM audit "
	    "WHERE (?1 = 0 OR time_ms >= ?1) AND (?2 = 0 OR time_ms < ?2) "
	    "ORDER BY id");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	if (format == AUDIT_CSV &&
	    emit(arg, CSV_HEADER, strlen(CSV_HEADER)) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	buf_init(&b, RENDER_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record_from_row(st, &r);
		buf_reset(&b);
		if (render(&b, format, &r) != 0) {
			log_error("audit: cannot format record %" PRId64, r.id);
			break;
		}
		if (emit(arg, (const char *)buf_ptr(&b), buf_avail(&b)) == -1)
			break;
		count++;
	}
	if (rc == SQLITE_ROW)
		count = -1;
	else if (rc != SQLITE_DONE) {
		log_error("audit: dump: %s", sqlite3_errmsg(db));
		count = -1;
	}
	sqlite3_finalize(st);
	buf_release(&b);
	return count;
}

static const char *const column_names[] = { "id", "time_ms", "user_id",
    "user_description", "action", "event_description", "prev_hash", "hash" };

/*
 * The first column of the row that does not hold the type it should, or
 * -1.  A column edited to another type would be hashed as its text but
 * read back as something else (a time_ms of "5 o'clock" reads as 5), and
 * text with a NUL in it as the part before the NUL.
 */
static int
row_mistyped(sqlite3_stmt *st)
{
	int i;

	for (i = 1; i < 3; i++)
		if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
			return i;
	for (; i < 8; i++)
		if (sqlite3_column_type(st, i) != SQLITE_TEXT ||
		    strlen(column_text(st, i)) !=
		    (size_t)sqlite3_column_bytes(st, i))
			return i;
	return -1;
}

int
audit_verify(sqlite3 *db, int64_t *checked, char *why, size_t whylen)
{
	char prev[HASH_HEX + 1], hash[HASH_HEX + 1];
	sqlite3_stmt *st;
	struct record r;
	int64_t n = 0;
	int rc, bad, ret = 1;

	*checked = 0;
	errf(why, whylen, "intact");
	st = db_prepare(db, "SELECT " COLUMNS " FROM audit ORDER BY id");
	if (st == NULL) {
		errf(why, whylen, "audit: %s", sqlite3_errmsg(db));
		return -1;
	}
	memcpy(prev, zero_hash, sizeof(prev));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record_from_row(st, &r);
		if (r.id != n + 1) {
			if (n == 0 && r.id > 1)
				errf(why, whylen, "record 1 missing (ids start "
				    "at %" PRId64 ")", r.id);
			else if (n == 0)
				errf(why, whylen, "record %" PRId64 ": ids "
				    "start at 1", r.id);
			else
				errf(why, whylen, "record %" PRId64 " missing "
				    "(ids jump from %" PRId64 " to %" PRId64 ")",
				    n + 1, n, r.id);
			goto done;
		}
		if ((bad = row_mistyped(st)) != -1) {
			errf(why, whylen, "record %" PRId64 ": %s is not %s",
			    r.id, column_names[bad], bad < 3 ? "an integer" :
			    "text");
			goto done;
		}
		if (strcmp(r.prev_hash, prev) != 0) {
			if (n == 0)
				errf(why, whylen, "record 1: prev_hash is not "
				    "the zeros that start the chain");
			else
				errf(why, whylen, "record %" PRId64 ": prev_hash "
				    "does not match record %" PRId64, r.id, n);
			goto done;
		}
		if (record_hash(&r, hash) != 0) {
			errf(why, whylen, "audit: cannot compute SHA-256");
			ret = -1;
			goto done;
		}
		if (strcmp(r.hash, hash) != 0) {
			errf(why, whylen, "record %" PRId64 ": hash does not "
			    "match its contents", r.id);
			goto done;
		}
		memcpy(prev, hash, sizeof(prev));
		n++;
	}
	if (rc == SQLITE_DONE)
		ret = 0;
	else {
		errf(why, whylen, "audit: %s", sqlite3_errmsg(db));
		ret = -1;
	}
done:
	*checked = n;
	sqlite3_finalize(st);
	return ret;
}

/* Exactly n digits at *p, advancing it. */
static int
digits(const char **p, int n, int64_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 1). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int
audit_parse_time(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, oh = 0, om = 0, t;
	const char *p = s;
	int i, leap, sign = 0;
	size_t n = strlen(s);

	/* Unix seconds; 15 digits keep * 1000 inside int64_t. */
	if (n > 0 && strspn(s, "0123456789") == n) {
		if (n > 15)
			return -1;
		digits(&p, (int)n, &t);
		*ms = t * 1000;
		return 0;
	}
	if (digits(&p, 4, &y) != 0 || *p++ != '-' ||
	    digits(&p, 2, &mo) != 0 || *p++ != '-' ||
	    digits(&p, 2, &d) != 0)
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) != 0 || *p++ != ':' ||
		    digits(&p, 2, &mi) != 0)
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) != 0)
				return -1;
			if (*p == '.') {
				/* Up to nanoseconds, cut to ms. */
				for (p++, i = 0; *p >= '0' && *p <= '9'; p++, i++)
					if (i < 3)
						frac = frac * 10 + (*p - '0');
				if (i == 0 || i > 9)
					return -1;
				for (; i < 3; i++)
					frac *= 10;
			}
		}
		if (*p == 'Z')
			p++;
		else if (*p == '+' || *p == '-') {
			sign = *p++ == '+' ? 1 : -1;
			if (digits(&p, 2, &oh) != 0 || *p++ != ':' ||
			    digits(&p, 2, &om) != 0 || oh > 23 || om > 59)
				return -1;
		}
	}
	if (*p != '\0')
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec -
	    sign * (oh * 60 + om) * 60;
	if (t < 0)
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

void
audit_close(void)
{
	close_file();
	au.db = NULL;
}

void
audit_event(const char *event, const char *role, pid_t pid,
    const char *detail)
{
	if (au.db == NULL) {
		log_warn("audit: %s: %s[%d]: %s", event, role, (int)pid,
		    detail);
		return;
	}
	record(LOG_LVL_WARN, event, 0, "airlockd", "%s[%d]: %s", role,
	    (int)pid, detail);
}

int
audit_open(const char *data_dir)
{
	(void)data_dir;
	return 0;
}
