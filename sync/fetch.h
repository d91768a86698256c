/*
 * fetch: downloads from the upstream into the quarantine with libcurl's
 * multi interface: parallel transfers, retries with backoff, resume of
 * partial files, and verification before a file gets its real name.
 *
 * Only http and https are spoken.  Redirects are not followed: a mirror
 * that redirects is configured with its final URL (a 3xx is reported as
 * "HTTP 301"), so credentials never travel to a host nobody configured.
 * Credentials are never logged and never appear in an error.  The
 * caller ignores SIGPIPE (CURLOPT_NOSIGNAL is set, so libcurl does not).
 */
#ifndef AIRLOCK_FETCH_H
#define AIRLOCK_FETCH_H

#include <stddef.h>

#include "buf.h"

#define FETCH_MAX_PARALLEL	64
#define FETCH_MAX_FILE		(4LL * 1024 * 1024 * 1024)	/* bytes */

struct fetch_item;

struct fetch_opts {
	const char *ca_file;		/* CA bundle (PEM); NULL: system's */
	const char *proxy;		/* "http://host:port" or NULL: none */
	const char *proxy_userpwd;	/* "user:pass" or NULL (secret) */
	const char *userpwd;		/* upstream Basic "user:pass" (secret) */
	const char *client_cert, *client_key;	/* PEM files or NULL */
	/*
	 * The same as PEM in memory, used instead of the paths when set:
	 * read them before the chroot, where the paths do not resolve
	 * (libcurl reads the files on each new connection).
	 */
	const void *ca_pem, *client_cert_pem, *client_key_pem;
	size_t ca_pem_len, client_cert_pem_len, client_key_pem_len;
	int parallel;			/* concurrent transfers, 1..64 */
	/*
	 * Bytes/s for the whole pass, 0: unlimited.  At no time has the pass
	 * taken more than max_rate times the seconds since fetch_run began
	 * (a transfer that would go over is paused until there is room), so
	 * it lasts at least size/max_rate; libcurl's own limit, split evenly
	 * over the transfers (CURLOPT_MAX_RECV_SPEED_LARGE), is set too.
	 */
	long long max_rate;
	int retries;			/* attempts per file after the first */
	long backoff_ms;		/* before retry k: backoff_ms << k-1 */
	/* Seconds, 0: none.  A transfer slower than 1 B/s that long fails. */
	long connect_timeout, low_speed_time;
	/*
	 * 1: no fsync before the rename.  For a caller that makes its own
	 * durable copy and re-verifies any file found after a crash (a file
	 * already named is always verified before it is kept).
	 */
	int no_fsync;
	/*
	 * Called about 4 times a second while fetch_small transfers,
	 * resolves, connects or waits to retry, so that its caller can
	 * answer liveness checks (fetch_run has its progress callback).
	 * NULL: none.
	 */
	void (*tick)(void *arg);
	void *tick_arg;
	/*
	 * Called from fetch_run as each item becomes ok (its name complete
	 * and verified), outside libcurl's callbacks, so that the caller can
	 * pass it on while the other transfers go on; NULL: not called.
	 * The item must not be changed; the call may block (the transfers
	 * then wait, which is how a slower consumer holds them back).
	 */
	void (*file_done)(void *arg, const struct fetch_item *it);
	void *file_done_arg;
	/*
	 * Back-pressure that does not stall the transfers under way: while
	 * may_start returns 0, fetch_run starts no new transfer (those
	 * running go on).  wake_fd (-1: none) is polled with the transfers,
	 * and on_wake called as soon as it is readable, so that what frees
	 * room (the consumer's answers) is taken without waiting for the
	 * next progress call.  NULLs: no back-pressure, nothing to poll.
	 */
	int (*may_start)(void *arg);
	int wake_fd;
	void (*on_wake)(void *arg);
	void *pressure_arg;
};

struct fetch_item {
	const char *url;
	/*
	 * Where: name in the directory dirfd (a plain name, no '/').  It is
	 * downloaded as name + ".part", which stays for the next run when
	 * the transfer fails or stops and is then resumed with a Range
	 * request (from the start again when the server answers 200).
	 */
	int dirfd;
	const char *name;
	long long expect_size;		/* -1 unknown */
	const char *expect_md5;		/* 32 hex or NULL */
	const char *expect_sha256;	/* 64 hex or NULL */
	/* Results. */
	int ok;		/* complete, verified, fsync'd, renamed to name */
	char error[256];	/* else why: "HTTP 404", "MD5 mismatch ..." */
	long long bytes;	/* bytes received in this run */
};

/*
 * Progress for status: at most 4 times a second, and once at the end.
 * done_bytes counts what the files hold (resumed parts included),
 * total_bytes the expected sizes (0 for a file of unknown size).
 */
typedef void (*fetch_progress)(void *arg, long long done_bytes,
    long long total_bytes, size_t files_done, size_t files_total);

/* parallel 8, retries 3, backoff 1 s, connect 30 s, low speed 60 s,
 * no wake_fd. */
void fetch_opts_init(struct fetch_opts *o);

/*
 * Fetches every item, at most o->parallel at a time.  Returns 0 when all
 * are ok, 1 when some are not (each says why), -1 with err on a setup
 * error (bad options or items; nothing is fetched then).
 *
 * A file named name only ever exists complete and verified: size, MD5
 * and SHA-256 (those expected) are checked on the .part after fsync,
 * then it is renamed and the directory fsync'd.  A mismatch deletes the
 * .part, as a corrupt part must not be resumed; a file that was resumed
 * is then fetched once more from the start.  A name already there is
 * verified and kept (bytes 0), or deleted and fetched again.
 *
 * Retried, with backoff: network errors, HTTP 408, 429 and 5xx.  Not
 * retried: other HTTP statuses, a fresh download that fails
 * verification, a full disk.  stop is polled about 10 times a second:
 * once *stop is nonzero the pass ends, leaving .part files for resume,
 * and the unfinished items say "stopped".
 */
int fetch_run(const struct fetch_opts *o, struct fetch_item *items, size_t n,
    fetch_progress cb, void *arg, volatile int *stop, char *err,
    size_t errlen);

/*
 * One small file (PACKAGES.gz) appended to out, at most cap bytes of it,
 * with the same options and retries.  0, or -1 with err and out as it was.
 */
int fetch_small(const struct fetch_opts *o, const char *url, struct buf *out,
    size_t cap, char *err, size_t errlen);

/* curl_global_init: once, before any thread, chroot or sandbox. */
void fetch_global_init(void);

#endif
