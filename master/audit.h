/*
 * audit: airlock's audit trail, kept by the master (its one writer; the
 * auth role sends its events here).  Every record goes into the audit
 * table of the master's database, hash-chained so that an edit, a
 * deletion or an insertion in the middle shows in audit_verify, and may
 * be mirrored, record by record, into a CSV or JSON-lines file for the
 * site's log collection.  The database is the authority; the file is a
 * copy that can be rotated or lost.
 *
 * A record: id (1, 2, 3… without gaps), time_ms (unix ms), user_id (0 is
 * the system, or root on the host), user_description, action,
 * event_description, prev_hash (the hash of the record before it; 64
 * zeros for record 1) and hash.  The hash is lowercase hex of SHA-256
 * over the record's fields in this order, each as a 4-byte big-endian
 * byte count followed by the bytes:
 *
 *	id, time_ms, user_id	decimal ASCII, as SQLite prints them
 *	user_description	UTF-8, as stored
 *	action			UTF-8, as stored
 *	event_description	UTF-8, as stored
 *	prev_hash		64 lowercase hex digits
 *
 * which an auditor recomputes, e.g. in Python, with
 *	f = [str(id), str(time_ms), str(user_id), udesc, action, edesc, prev]
 *	m = b"".join(struct.pack(">I", len(x.encode())) + x.encode() for x in f)
 *	hashlib.sha256(m).hexdigest() == hash
 * The chain cannot show records cut from its end; the file's last record,
 * checked against the database by audit_init, or a hash noted elsewhere
 * can.
 *
 * The file formats, one record each, always ending in LF:
 *	CSV: id,time,user_id,user_description,action,event_description with
 *	  time as RFC 3339 UTC with milliseconds (2026-11-23T19:14:53.123Z)
 *	  and RFC 4180 quoting: a field holding , " CR or LF is put in
 *	  double quotes, its quotes doubled, so a record may span lines.
 *	  Lines end in LF, not RFC 4180's CRLF: every CSV reader we know
 *	  takes either, and the file is mostly read by Unix tools.  The live
 *	  file has no header line; audit_dump's CSV starts with one.  Fields
 *	  are written as they are: a spreadsheet should import them as text.
 *	JSON: one compact object per line with the keys id, time, user_id,
 *	  user_description, action, event_description, in that order.
 * Text is kept valid UTF-8 (an invalid sequence is stored as U+FFFD) so
 * that every format can carry it.
 */
#ifndef AIRLOCK_AUDIT_H
#define AIRLOCK_AUDIT_H

#include <sys/types.h>

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

enum audit_format { AUDIT_NONE = 0, AUDIT_CSV = 1, AUDIT_JSON = 2 };

/*
 * Starts the trail on the master's database db (kept, not owned: call
 * audit_close before closing it) and, unless format is AUDIT_NONE, opens
 * file for appending (created 0600; a symbolic link or anything but a
 * regular file is refused).  A file that has records already must hold
 * the same format and end with a record the database has, byte for byte;
 * records the file is missing after that one are appended.  An empty or
 * new file starts with the next record.  Called again (on reload) it
 * switches to the new file and format; when it fails, -1 with err saying
 * why and where, the trail goes on as before.
 */
int audit_init(sqlite3 *db, int format, const char *file, char *err,
    size_t errlen);
/*
 * Records one event in the database, then in the file.  In the caller's
 * transaction when one is open (a publish and its record commit, or roll
 * back, together; the file gets the record when db_commit succeeds),
 * else in a transaction of its own.  Logs one line.  Returns the
 * record's id, or -1 with the loss logged as an error.
 */
int64_t audit_record(const char *action, int64_t user_id,
    const char *user_desc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * Hands emit every record with since <= time < until (unix ms; 0 for no
 * bound), oldest first, each one record of format (AUDIT_CSV, after a
 * header line, or AUDIT_JSON) with its final LF.  Returns the number of
 * records, or -1 on a database error or when emit returns -1.
 */
int64_t audit_dump(sqlite3 *db, int format, int64_t since, int64_t until,
    int (*emit)(void *arg, const char *line, size_t len), void *arg);
/*
 * Recomputes the chain from record 1.  0 when it is intact, with
 * *checked the number of records; 1 when it is broken, with *checked the
 * records before the break and why naming the first record that fails;
 * -1 on a database error (in why).
 */
int audit_verify(sqlite3 *db, int64_t *checked, char *why, size_t whylen);
/*
 * "2026-11-23", "2026-11-23T19:14:53Z", "2026-11-23T19:14:53.123Z",
 * "2026-11-23 19:14" (UTC unless an offset such as +01:00 follows), or
 * unix seconds, into unix ms.  0, or -1 when s is none of these.
 */
int audit_parse_time(const char *s, int64_t *ms);
/* db_commit's hook: appends the records db just made durable to the file. */
void audit_flush(sqlite3 *db);
/* Closes the file and forgets the database; the trail is stopped. */
void audit_close(void);

/*
 * The master's own events (start, stop, reload, crash loops, sandbox
 * violations): a record by user 0, "airlockd", with action event and
 * the description "role[pid]: detail", logged as a warning.  Before
 * audit_init, or after audit_close, only the warning is written.
 */
void audit_event(const char *event, const char *role, pid_t pid,
    const char *detail);
/* Kept for the master until it calls audit_init: does nothing. */
int audit_open(const char *data_dir);

#endif
