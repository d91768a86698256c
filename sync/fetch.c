/*
 * fetch: the sync role's downloads.  One curl multi handle drives up to
 * o->parallel transfers; this file keeps, per item, its .part file, its
 * attempts and its backoff, and decides what a response means:
 *
 *  - a .part left by an earlier run is continued with "Range: bytes=N-";
 *    206 must say Content-Range N-..., 200 means the server ignored the
 *    range and the .part starts over.  CURLOPT_RANGE rather than
 *    CURLOPT_RESUME_FROM, because with the latter libcurl refuses a 200
 *    outright instead of letting us start over.
 *  - nothing gets its final name before it was fsync'd and verified;
 *    what fails verification is deleted, since resuming it would only
 *    extend the corruption.
 *  - what a retry cannot fix (HTTP 404, a full disk, a bad digest on a
 *    fresh download) is not retried.
 *
 * The callbacks run inside curl_multi_perform and only record what went
 * wrong; the decisions are taken when the transfer is done (done_msg).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "buf.h"
#include "util.h"
#include "fetch.h"

#define PART_SUFFIX	".part"
#define POLL_MS		100	/* how long stop may go unnoticed */
#define PROGRESS_MS	250
#define HASH_CHUNK	(64 * 1024)
#define RECV_BUFFER	(100L * 1024)	/* as the curl tool's */
#define BACKOFF_SHIFT	10	/* the backoff stops doubling after this */
#define MAX_RETRIES	30
#define MAX_BACKOFF_MS	(3600L * 1000)
#define RATE_CHUNK	16384	/* about what libcurl hands on_write at once */

enum xstate {
	X_WAIT,		/* not started, or waiting for its backoff */
	X_ACTIVE,	/* in the multi handle */
	X_DONE,
};

struct run;

struct xfer {
	struct fetch_item *it;
	struct run *run;
	CURL *e;
	int fd;			/* the .part, while X_ACTIVE */
	enum xstate state;
	int checked;		/* an existing name was looked at */
	int attempts;		/* failed so far */
	int64_t not_before;	/* mono_ms() */
	long long off;		/* bytes in the .part before this body */
	long long got;		/* body bytes written in this attempt */
	long long range_start;	/* Content-Range's first byte, -1: none */
	int body;		/* the status was checked, body bytes follow */
	int resumed;		/* this attempt continues an older .part */
	/*
	 * Digests of the body as it is written, for a body that starts the
	 * file: then verification needs no second read of it.  NULL when
	 * the item expects no digest, or the .part had bytes already.
	 */
	EVP_MD_CTX *md5, *sha;
	/* Set by the callbacks when they end a transfer. */
	int cb_fail, cb_retry, cb_drop;
	int paused;		/* by on_write, over the pass's rate */
	/*
	 * Its size is in the run's total_bytes: from the index, else from
	 * the first response's Content-Length, else once it is complete.
	 */
	int sized;
	char why[200];
	char last[200];		/* why the last attempt failed */
	char ebuf[CURL_ERROR_SIZE];
};

struct run {
	const struct fetch_opts *o;
	CURLM *m;
	struct xfer *x;
	size_t n;
	size_t next;		/* the first item never started */
	size_t *retry, nretry;	/* items waiting for their backoff */
	size_t active, done;
	long long rate;		/* bytes/s of each transfer, 0: unlimited */
	/*
	 * The pass's own limit, o->max_rate: libcurl's (above) takes bursts
	 * of a few hundred KB and forgives some every 3 s, so on_write also
	 * holds every transfer to at most max_rate * elapsed bytes since the
	 * start, pausing those that would go over (resumed by rate_resume).
	 */
	int64_t rate_t0;
	long long rate_bytes;
	struct xfer *paused[2 * FETCH_MAX_PARALLEL];
	size_t npaused;
	long long done_bytes;	/* of the items finished ok */
	long long total_bytes;
	int64_t last_progress;
	fetch_progress cb;
	void *arg;
};

void
fetch_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
fetch_opts_init(struct fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->parallel = 8;
	o->retries = 3;
	o->backoff_ms = 1000;
	o->connect_timeout = 30;
	o->low_speed_time = 60;
	o->wake_fd = -1;
}

static int
hex_valid(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * An http(s) URL without credentials in it (they belong in the options,
 * which keep them out of logs).  Messages do not quote the URL.
 */
static int
url_check(const char *url, int creds, char *err, size_t errlen)
{
	const char *a, *e;

	if (url == NULL) {
		errf(err, errlen, "no URL");
		return -1;
	}
	if (strncasecmp(url, "https://", 8) == 0)
		a = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0) {
		if (creds) {
			errf(err, errlen, "refusing to send credentials over "
			    "plain http");
			return -1;
		}
		a = url + 7;
	} else {
		errf(err, errlen, "not an http or https URL");
		return -1;
	}
	if (has_ctl(url)) {
		errf(err, errlen, "URL with a space or control character");
		return -1;
	}
	e = a + strcspn(a, "/?#");
	if (e == a) {
		errf(err, errlen, "URL without a host");
		return -1;
	}
	if (memchr(a, '@', (size_t)(e - a)) != NULL) {
		errf(err, errlen, "URL with credentials (set them in the "
		    "options instead)");
		return -1;
	}
	return 0;
}

static int
opts_check(const struct fetch_opts *o, char *err, size_t errlen)
{
	if (o->parallel < 1 || o->parallel > FETCH_MAX_PARALLEL) {
		errf(err, errlen, "parallel %d: not in 1..%d", o->parallel,
		    FETCH_MAX_PARALLEL);
		return -1;
	}
	if (o->retries < 0 || o->retries > MAX_RETRIES ||
	    o->backoff_ms < 0 || o->backoff_ms > MAX_BACKOFF_MS) {
		errf(err, errlen, "retries %d, backoff %ld ms: out of range",
		    o->retries, o->backoff_ms);
		return -1;
	}
	if (o->max_rate < 0 || o->connect_timeout < 0 ||
	    o->low_speed_time < 0) {
		errf(err, errlen, "negative rate or timeout");
		return -1;
	}
	if (o->proxy != NULL && (strchr(o->proxy, '@') != NULL ||
	    has_ctl(o->proxy))) {
		/* Not quoted: it may hold a password. */
		errf(err, errlen, "proxy: credentials or control characters "
		    "in it (set proxy_userpwd instead)");
		return -1;
	}
	return 0;
}

/* The name is one plain file name, and so is its .part. */
static int
name_valid(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 ||
	    n + sizeof(PART_SUFFIX) - 1 > NAME_MAX ||
	    strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	/* "x.part" would share its file with the .part of "x". */
	return n < sizeof(PART_SUFFIX) - 1 ||
	    strcmp(name + n - (sizeof(PART_SUFFIX) - 1), PART_SUFFIX) != 0;
}

static void
part_name(const struct fetch_item *it, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s" PART_SUFFIX, it->name);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct fetch_item *const *x = a, *const *y = b;

	if ((*x)->dirfd != (*y)->dirfd)
		return (*x)->dirfd < (*y)->dirfd ? -1 : 1;
	return strcmp((*x)->name, (*y)->name);
}

static int
items_check(const struct fetch_opts *o, struct fetch_item *items, size_t n,
    char *err, size_t errlen)
{
	const struct fetch_item **sorted;
	char why[128];
	size_t i;

	for (i = 0; i < n; i++) {
		if (url_check(items[i].url, o->userpwd != NULL, why,
		    sizeof(why)) != 0) {
			errf(err, errlen, "item %zu: %s", i, why);
			return -1;
		}
		if (items[i].dirfd < 0 || !name_valid(items[i].name)) {
			errf(err, errlen, "item %zu: not a file name in a "
			    "directory", i);
			return -1;
		}
		if ((items[i].expect_md5 != NULL &&
		    !hex_valid(items[i].expect_md5, 32)) ||
		    (items[i].expect_sha256 != NULL &&
		    !hex_valid(items[i].expect_sha256, 64)) ||
		    items[i].expect_size < -1) {
			errf(err, errlen, "item %zu: bad expected size or "
			    "digest", i);
			return -1;
		}
	}
	/* Two items on one file would write each other's .part. */
	if ((sorted = calloc(n + 1, sizeof(*sorted))) == NULL) {
		errf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &items[i];
	qsort(sorted, n, sizeof(*sorted), item_cmp);
	for (i = 1; i < n; i++) {
		if (item_cmp(&sorted[i - 1], &sorted[i]) == 0) {
			errf(err, errlen, "items %zu and %zu: the same file",
			    (size_t)(sorted[i - 1] - items),
			    (size_t)(sorted[i] - items));
			free(sorted);
			return -1;
		}
	}
	free(sorted);
	return 0;
}

/* What a blob option wants: its data is not written to (CURL_BLOB_COPY). */
static struct curl_blob
blob(const void *p, size_t n)
{
	struct curl_blob b;

	b.data = (void *)(uintptr_t)p;
	b.len = n;
	b.flags = CURL_BLOB_COPY;
	return b;
}

/* The options every transfer shares; -1 when libcurl refuses one. */
static int
easy_setup(CURL *e, const struct fetch_opts *o, const char *url,
    long long rate, char *ebuf)
{
	struct curl_blob b;

#define SET(opt, val) \
	do { if (curl_easy_setopt(e, opt, val) != CURLE_OK) return -1; } \
	while (0)
	SET(CURLOPT_ERRORBUFFER, ebuf);
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "airlock/" PACKAGE_VERSION);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	/*
	 * The curl tool's receive buffer, not libcurl's 16 KB: a sixth of
	 * the reads, writes and callbacks for the same bytes.  Not under a
	 * rate limit: libcurl reads many buffers before it looks at the
	 * rate, so a large one lets a burst through.
	 */
	if (rate <= 0)
		SET(CURLOPT_BUFFERSIZE, RECV_BUFFER);
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	/* "" rather than NULL: no proxy from the environment either. */
	SET(CURLOPT_PROXY, o->proxy != NULL ? o->proxy : "");
	if (o->proxy_userpwd != NULL)
		SET(CURLOPT_PROXYUSERPWD, o->proxy_userpwd);
	if (o->userpwd != NULL) {
		SET(CURLOPT_USERPWD, o->userpwd);
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (o->ca_pem != NULL) {
		b = blob(o->ca_pem, o->ca_pem_len);
		SET(CURLOPT_CAINFO_BLOB, &b);
	} else if (o->ca_file != NULL)
		SET(CURLOPT_CAINFO, o->ca_file);
	if (o->client_cert_pem != NULL) {
		b = blob(o->client_cert_pem, o->client_cert_pem_len);
		SET(CURLOPT_SSLCERT_BLOB, &b);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
	} else if (o->client_cert != NULL)
		SET(CURLOPT_SSLCERT, o->client_cert);
	if (o->client_key_pem != NULL) {
		b = blob(o->client_key_pem, o->client_key_pem_len);
		SET(CURLOPT_SSLKEY_BLOB, &b);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	} else if (o->client_key != NULL)
		SET(CURLOPT_SSLKEY, o->client_key);
	if (o->connect_timeout > 0)
		SET(CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	if (o->low_speed_time > 0) {
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	}
	if (rate > 0)
		SET(CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)rate);
#undef SET
	return 0;
}

/* Worth another attempt after a libcurl error? */
static int
curl_retry(CURLcode c)
{
	switch (c) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_LOGIN_DENIED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		return 0;
	default:
		return 1;
	}
}

static int
status_retry(long code)
{
	return code == 408 || code == 429 || (code >= 500 && code <= 599);
}

static void
status_text(char *why, size_t whylen, long code)
{
	if (code >= 300 && code <= 399)
		errf(why, whylen, "HTTP %ld (redirects are not followed; "
		    "configure the final URL)", code);
	else
		errf(why, whylen, "HTTP %ld", code);
}

static void
curl_text(char *why, size_t whylen, CURLcode res, const char *ebuf)
{
	errf(why, whylen, "%s", ebuf[0] != '\0' ? ebuf :
	    curl_easy_strerror(res));
}

static void
hex_of(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* The digests as against the item's: 0 they match, 1 not, -1 failed. */
static int
digests_check(EVP_MD_CTX *md5, EVP_MD_CTX *sha, const struct fetch_item *it,
    char *why, size_t whylen)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	char got[2 * EVP_MAX_MD_SIZE + 1];

	if (md5 != NULL) {
		if (EVP_DigestFinal_ex(md5, d, NULL) != 1) {
			errf(why, whylen, "MD5 failed");
			return -1;
		}
		hex_of(d, 16, got);
		if (strcasecmp(got, it->expect_md5) != 0) {
			errf(why, whylen, "MD5 mismatch (expected %s, got %s)",
			    it->expect_md5, got);
			return 1;
		}
	}
	if (sha != NULL) {
		if (EVP_DigestFinal_ex(sha, d, NULL) != 1) {
			errf(why, whylen, "SHA-256 failed");
			return -1;
		}
		hex_of(d, 32, got);
		if (strcasecmp(got, it->expect_sha256) != 0) {
			errf(why, whylen, "SHA-256 mismatch (expected %s, "
			    "got %s)", it->expect_sha256, got);
			return 1;
		}
	}
	return 0;
}

/* The digests the item expects, started; -1 when they cannot be. */
static int
digests_new(const struct fetch_item *it, EVP_MD_CTX **md5, EVP_MD_CTX **sha)
{
	*md5 = *sha = NULL;
	if ((it->expect_md5 != NULL && ((*md5 = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(*md5, EVP_md5(), NULL) != 1)) ||
	    (it->expect_sha256 != NULL && ((*sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(*sha, EVP_sha256(), NULL) != 1))) {
		EVP_MD_CTX_free(*md5);
		EVP_MD_CTX_free(*sha);
		*md5 = *sha = NULL;
		return -1;
	}
	return 0;
}

/* The file at fd is a regular file of the expected size: 0, 1, -1. */
static int
size_check(int fd, const struct fetch_item *it, long long *size, char *why,
    size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		errf(why, whylen, "fstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(why, whylen, "not a regular file");
		return 1;
	}
	if (it->expect_size >= 0 && st.st_size != it->expect_size) {
		errf(why, whylen, "size mismatch (expected %lld, got %lld)",
		    it->expect_size, (long long)st.st_size);
		return 1;
	}
	*size = (long long)st.st_size;
	return 0;
}

/*
 * Checks the file at fd against what the item expects, reading it.  0:
 * it matches; 1: it does not (why says how); -1: it could not be read.
 */
static int
verify_fd(int fd, const struct fetch_item *it, char *why, size_t whylen)
{
	EVP_MD_CTX *md5 = NULL, *sha = NULL;
	unsigned char *chunk = NULL;
	long long size;
	off_t off = 0;
	ssize_t r;
	int ret = -1;

	if ((ret = size_check(fd, it, &size, why, whylen)) != 0)
		return ret;
	ret = -1;
	if (it->expect_md5 == NULL && it->expect_sha256 == NULL)
		return 0;
	if ((chunk = malloc(HASH_CHUNK)) == NULL) {
		errf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (digests_new(it, &md5, &sha) != 0) {
		errf(why, whylen, "cannot set up the digests");
		goto out;
	}
	for (;;) {
		if ((r = pread(fd, chunk, HASH_CHUNK, off)) == -1) {
			if (errno == EINTR)
				continue;
			errf(why, whylen, "read: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if ((md5 != NULL && EVP_DigestUpdate(md5, chunk,
		    (size_t)r) != 1) || (sha != NULL &&
		    EVP_DigestUpdate(sha, chunk, (size_t)r) != 1)) {
			errf(why, whylen, "digest update failed");
			goto out;
		}
		off += r;
	}
	ret = digests_check(md5, sha, it, why, whylen);
out:
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(sha);
	free(chunk);
	return ret;
}

/*
 * The same for a .part whose every byte went through on_write in this
 * attempt, from its digests; one that did not is read after all.
 */
static int
verify_part(struct xfer *x, char *why, size_t whylen)
{
	const struct fetch_item *it = x->it;
	long long size;
	int ret;

	if (x->md5 == NULL && x->sha == NULL)
		return verify_fd(x->fd, it, why, whylen);
	if ((ret = size_check(x->fd, it, &size, why, whylen)) != 0)
		return ret;
	/* Bytes from before this attempt (none are expected): re-read. */
	if (x->off != 0 || size != x->got)
		return verify_fd(x->fd, it, why, whylen);
	return digests_check(x->md5, x->sha, it, why, whylen);
}

static void
digests_free(struct xfer *x)
{
	EVP_MD_CTX_free(x->md5);
	EVP_MD_CTX_free(x->sha);
	x->md5 = x->sha = NULL;
}

/* Takes the transfer out of the multi handle and closes its .part. */
static void
xfer_end(struct run *r, struct xfer *x)
{
	if (x->e != NULL) {
		curl_multi_remove_handle(r->m, x->e);
		curl_easy_cleanup(x->e);
		x->e = NULL;
	}
	if (x->fd != -1) {
		close(x->fd);
		x->fd = -1;
	}
	digests_free(x);
	if (x->state == X_ACTIVE)
		r->active--;
	x->state = X_WAIT;
}

static void
finish_ok(struct run *r, struct xfer *x, long long size)
{
	xfer_end(r, x);
	x->it->ok = 1;
	x->it->error[0] = '\0';
	x->state = X_DONE;
	r->done++;
	r->done_bytes += size;
	if (!x->sized) {
		r->total_bytes += size;
		x->sized = 1;
	}
	if (r->o->file_done != NULL)
		r->o->file_done(r->o->file_done_arg, x->it);
}

/*
 * This attempt failed: the .part goes when drop is set, and the item
 * waits for another attempt when retry is set and attempts are left.
 */
static void
fail(struct run *r, struct xfer *x, const char *why, int retry, int drop)
{
	char part[NAME_MAX + 1];
	struct stat st;
	long shift;

	/* An empty .part (a 404, a refused connection) is only litter. */
	if (x->fd != -1 && fstat(x->fd, &st) == 0 && st.st_size == 0)
		drop = 1;
	xfer_end(r, x);
	if (drop) {
		part_name(x->it, part, sizeof(part));
		unlinkat(x->it->dirfd, part, 0);
	}
	if (why != x->last)
		snprintf(x->last, sizeof(x->last), "%s", why);
	if (retry && x->attempts < r->o->retries) {
		shift = x->attempts < BACKOFF_SHIFT ? x->attempts :
		    BACKOFF_SHIFT;
		x->attempts++;
		x->not_before = mono_ms() + (r->o->backoff_ms << shift);
		r->retry[r->nretry++] = (size_t)(x - r->x);
		return;
	}
	snprintf(x->it->error, sizeof(x->it->error), "%s", why);
	x->state = X_DONE;
	r->done++;
}

/*
 * The .part is complete as far as the transfer goes: fsync, verify,
 * rename, fsync the directory.  A mismatch drops the .part, and tries
 * again only when the bad bytes may have come from an older .part.
 */
static void
complete(struct run *r, struct xfer *x)
{
	struct fetch_item *it = x->it;
	char part[NAME_MAX + 1];
	struct stat st;
	int v;

	if (!r->o->no_fsync && fsync(x->fd) != 0) {
		errf(x->why, sizeof(x->why), "fsync: %s", strerror(errno));
		fail(r, x, x->why, 0, 0);
		return;
	}
	if ((v = verify_part(x, x->why, sizeof(x->why))) != 0) {
		fail(r, x, x->why, v == 1 && x->resumed, v == 1);
		return;
	}
	if (fstat(x->fd, &st) != 0)
		st.st_size = 0;
	part_name(it, part, sizeof(part));
	if (renameat(it->dirfd, part, it->dirfd, it->name) != 0) {
		errf(x->why, sizeof(x->why), "cannot rename to %s: %s",
		    it->name, strerror(errno));
		fail(r, x, x->why, 0, 0);
		return;
	}
	/* The rename itself must survive a crash. */
	if (!r->o->no_fsync && fsync(it->dirfd) != 0 && errno != EINVAL) {
		errf(x->why, sizeof(x->why), "fsync of the directory: %s",
		    strerror(errno));
		fail(r, x, x->why, 0, 0);
		return;
	}
	finish_ok(r, x, (long long)st.st_size);
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, i;
	long long v;

	/* Each response (100 Continue included) starts afresh. */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		x->range_start = -1;
	else if (n > 14 && strncasecmp(p, "Content-Range:", 14) == 0) {
		for (i = 14; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (n - i < 6 || strncasecmp(p + i, "bytes ", 6) != 0)
			return n;
		for (i += 6, v = 0; i < n && p[i] >= '0' && p[i] <= '9';
		    i++) {
			if (v > FETCH_MAX_FILE)
				return n;
			v = v * 10 + (p[i] - '0');
		}
		if (i < n && p[i] == '-')
			x->range_start = v;
	}
	return n;
}

static size_t
cb_fail(struct xfer *x, int retry, int drop)
{
	x->cb_fail = 1;
	x->cb_retry = retry;
	x->cb_drop = drop;
	return 0;	/* libcurl ends the transfer: CURLE_WRITE_ERROR */
}

/* The status of the response decides where the body goes, if anywhere. */
static int
body_start(struct xfer *x)
{
	long code = 0;

	curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &code);
	if (code == 200 && x->off > 0) {
		/* The server ignored the range: the whole file follows. */
		if (ftruncate(x->fd, 0) != 0 ||
		    lseek(x->fd, 0, SEEK_SET) != 0) {
			errf(x->why, sizeof(x->why), "truncate: %s",
			    strerror(errno));
			cb_fail(x, 0, 0);
			return -1;
		}
		x->off = 0;
	} else if (code == 206) {
		if (x->off == 0 || x->range_start != x->off) {
			errf(x->why, sizeof(x->why), "HTTP 206 with a "
			    "Content-Range other than the one asked for");
			cb_fail(x, 1, 1);
			return -1;
		}
	} else if (code != 200) {
		/* done_msg reports the status; the body is not wanted. */
		return -1;
	}
	x->resumed = x->off > 0;
	x->body = 1;
	if (!x->sized) {
		curl_off_t cl = -1;

		if (curl_easy_getinfo(x->e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &cl) == CURLE_OK && cl >= 0) {
			x->run->total_bytes += x->off + (long long)cl;
			x->sized = 1;
		}
	}
	/* A body from byte 0 is hashed as it comes (else: read later). */
	if (x->off == 0 && (x->it->expect_md5 != NULL ||
	    x->it->expect_sha256 != NULL) && digests_new(x->it, &x->md5,
	    &x->sha) != 0)
		x->md5 = x->sha = NULL;
	return 0;
}

/* n more bytes now would take the pass over o->max_rate. */
static int
over_rate(const struct run *r, size_t n)
{
	long long elapsed = mono_ms() - r->rate_t0;

	return r->o->max_rate > 0 && (r->rate_bytes + (long long)n) * 1000 >
	    r->o->max_rate * elapsed;
}

/* The paused transfers go on, once the pass has room for a chunk. */
static void
rate_resume(struct run *r)
{
	struct xfer *list[nitems(r->paused)];
	size_t i, n = r->npaused;

	if (n == 0 || over_rate(r, RATE_CHUNK))
		return;
	memcpy(list, r->paused, n * sizeof(*list));
	r->npaused = 0;
	for (i = 0; i < n; i++) {
		if (!list[i]->paused || list[i]->e == NULL)
			continue;	/* ended, or taken again */
		list[i]->paused = 0;
		/* on_write may run in here, and pause it again. */
		curl_easy_pause(list[i]->e, CURLPAUSE_CONT);
	}
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, done = 0;
	long long limit;
	ssize_t w;

	if (!x->body && body_start(x) != 0)
		return 0;
	limit = x->it->expect_size >= 0 ? x->it->expect_size : FETCH_MAX_FILE;
	if ((long long)n > limit - x->off - x->got) {
		errf(x->why, sizeof(x->why), "size mismatch (more than %lld "
		    "bytes)", limit);
		return cb_fail(x, x->resumed, 1);
	}
	if (over_rate(x->run, n)) {
		if (!x->paused && x->run->npaused < nitems(x->run->paused)) {
			x->paused = 1;
			x->run->paused[x->run->npaused++] = x;
			return CURL_WRITEFUNC_PAUSE;	/* the same bytes again */
		}
	}
	x->run->rate_bytes += (long long)n;
	while (done < n) {
		if ((w = write(x->fd, p + done, n - done)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOSPC || errno == EDQUOT)
				errf(x->why, sizeof(x->why), "disk full");
			else
				errf(x->why, sizeof(x->why), "write: %s",
				    strerror(errno));
			/* What is written is a good prefix: keep it. */
			return cb_fail(x, 0, 0);
		}
		done += (size_t)w;
	}
	if ((x->md5 != NULL && EVP_DigestUpdate(x->md5, p, n) != 1) ||
	    (x->sha != NULL && EVP_DigestUpdate(x->sha, p, n) != 1))
		digests_free(x);	/* verify_part reads the file instead */
	x->got += (long long)n;
	x->it->bytes += (long long)n;
	return n;
}

/* Starts an attempt, or settles the item without the network. */
static void
start(struct run *r, struct xfer *x)
{
	struct fetch_item *it = x->it;
	char part[NAME_MAX + 1], range[32];
	struct stat st;
	int fd, v;

	x->off = x->got = 0;
	x->paused = 0;
	x->range_start = -1;
	x->body = x->resumed = 0;
	x->cb_fail = x->cb_retry = x->cb_drop = 0;
	x->why[0] = x->ebuf[0] = '\0';

	/* A name from an earlier run is kept only if it verifies. */
	if (!x->checked) {
		x->checked = 1;
		fd = openat(it->dirfd, it->name,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd != -1) {
			v = verify_fd(fd, it, x->why, sizeof(x->why));
			if (v == 0 && fstat(fd, &st) == 0) {
				close(fd);
				finish_ok(r, x, (long long)st.st_size);
				return;
			}
			close(fd);
		}
		if (fd != -1 || errno == ELOOP)
			unlinkat(it->dirfd, it->name, 0);
	}

	part_name(it, part, sizeof(part));
	if ((x->fd = openat(it->dirfd, part, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		errf(x->why, sizeof(x->why), "cannot open %s: %s", part,
		    strerror(errno));
		fail(r, x, x->why, 0, 0);
		return;
	}
	x->state = X_ACTIVE;
	r->active++;
	if (fstat(x->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errf(x->why, sizeof(x->why), "%s: not a regular file", part);
		fail(r, x, x->why, 0, 0);
		return;
	}
	x->off = (long long)st.st_size;
	if (it->expect_size >= 0 && x->off == it->expect_size) {
		/* All there already: only verification is left. */
		x->resumed = 1;
		complete(r, x);
		return;
	}
	if ((it->expect_size >= 0 && x->off > it->expect_size) ||
	    x->off > FETCH_MAX_FILE) {
		if (ftruncate(x->fd, 0) != 0) {
			errf(x->why, sizeof(x->why), "truncate: %s",
			    strerror(errno));
			fail(r, x, x->why, 0, 0);
			return;
		}
		x->off = 0;
	}
	if (lseek(x->fd, (off_t)x->off, SEEK_SET) == -1) {
		errf(x->why, sizeof(x->why), "lseek: %s", strerror(errno));
		fail(r, x, x->why, 0, 0);
		return;
	}
	snprintf(range, sizeof(range), "%lld-", x->off);
	if ((x->e = curl_easy_init()) == NULL ||
	    easy_setup(x->e, r->o, it->url, r->rate, x->ebuf) != 0 ||
	    curl_easy_setopt(x->e, CURLOPT_PRIVATE, x) != CURLE_OK ||
	    curl_easy_setopt(x->e, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->e, CURLOPT_HEADERDATA, x) != CURLE_OK ||
	    curl_easy_setopt(x->e, CURLOPT_WRITEFUNCTION, on_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->e, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    (x->off > 0 &&
	    curl_easy_setopt(x->e, CURLOPT_RANGE, range) != CURLE_OK) ||
	    curl_multi_add_handle(r->m, x->e) != CURLM_OK) {
		if (x->e != NULL) {
			curl_easy_cleanup(x->e);
			x->e = NULL;
		}
		errf(x->why, sizeof(x->why), "cannot set up the transfer");
		fail(r, x, x->why, 0, 0);
		return;
	}
}

/* A transfer ended: what it means for its item. */
static void
done_msg(struct run *r, CURL *e, CURLcode res)
{
	struct xfer *x = NULL;
	char *priv = NULL;
	long code = 0;

	if (curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
	    priv == NULL)
		return;
	x = (struct xfer *)(void *)priv;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (x->cb_fail) {
		fail(r, x, x->why, x->cb_retry, x->cb_drop);
		return;
	}
	if (code == 416 && x->off > 0) {
		/* Nothing past our .part: it may be whole already. */
		x->resumed = 1;
		complete(r, x);
		return;
	}
	if (code != 0 && code != 200 && code != 206) {
		status_text(x->why, sizeof(x->why), code);
		fail(r, x, x->why, status_retry(code), 0);
		return;
	}
	if (res != CURLE_OK) {
		curl_text(x->why, sizeof(x->why), res, x->ebuf);
		fail(r, x, x->why, curl_retry(res), 0);
		return;
	}
	if (!x->body && body_start(x) != 0) {
		/* An empty 206 that does not fit, or a failed truncate. */
		fail(r, x, x->why, x->cb_retry, x->cb_drop);
		return;
	}
	complete(r, x);
}

static void
progress(struct run *r, int force)
{
	long long done = r->done_bytes;
	int64_t now = mono_ms();
	size_t i;

	if (r->cb == NULL ||
	    (!force && now - r->last_progress < PROGRESS_MS))
		return;
	r->last_progress = now;
	for (i = 0; i < r->n; i++)
		if (r->x[i].state == X_ACTIVE)
			done += r->x[i].off + r->x[i].got;
	r->cb(r->arg, done, r->total_bytes, r->done, r->n);
}

/* Starts what may start now; whether anything changed. */
static int
start_ready(struct run *r, int64_t now)
{
	size_t i = 0, k;
	int changed = 0;

	/* Retries first: they have waited already. */
	while (i < r->nretry && r->active < (size_t)r->o->parallel) {
		k = r->retry[i];
		if (r->x[k].not_before > now) {
			i++;
			continue;
		}
		r->retry[i] = r->retry[--r->nretry];
		start(r, &r->x[k]);
		changed = 1;
	}
	if (r->o->may_start != NULL && !r->o->may_start(r->o->pressure_arg))
		return changed;
	while (r->next < r->n && r->active < (size_t)r->o->parallel) {
		start(r, &r->x[r->next++]);
		changed = 1;
	}
	return changed;
}

/* How long to sleep: until the first backoff ends, at most POLL_MS. */
static int
poll_ms(const struct run *r, int64_t now)
{
	int64_t t = POLL_MS, d;
	size_t i;

	if (r->npaused > 0) {
		/* Until the pass has room for the next chunk. */
		d = (r->rate_bytes + RATE_CHUNK) * 1000 / r->o->max_rate -
		    (now - r->rate_t0);
		if (d < t)
			t = d < 1 ? 1 : d;
	}
	if (r->active >= (size_t)r->o->parallel)
		return (int)t;
	for (i = 0; i < r->nretry; i++) {
		d = r->x[r->retry[i]].not_before - now;
		if (d < t)
			t = d < 0 ? 0 : d;
	}
	return (int)t;
}

/*
 * The multi handle itself failed (out of memory, in practice): the pass
 * ends, and what is unfinished says why.
 */
static void
multi_failed(struct run *r, CURLMcode mc)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->x[i].state != X_DONE)
			snprintf(r->x[i].last, sizeof(r->x[i].last), "%s",
			    curl_multi_strerror(mc));
}

int
fetch_run(const struct fetch_opts *o, struct fetch_item *items, size_t n,
    fetch_progress cb, void *arg, volatile int *stop, char *err,
    size_t errlen)
{
	struct curl_waitfd wfd;
	struct run r;
	struct xfer *x;
	CURLMsg *msg;
	CURLMcode mc;
	size_t i, nok = 0, conc;
	int running, left, changed;

	if (opts_check(o, err, errlen) != 0 ||
	    items_check(o, items, n, err, errlen) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.n = n;
	r.cb = cb;
	r.arg = arg;
	if ((r.x = calloc(n + 1, sizeof(*r.x))) == NULL ||
	    (r.retry = calloc(n + 1, sizeof(*r.retry))) == NULL ||
	    (r.m = curl_multi_init()) == NULL) {
		errf(err, errlen, "cannot set up transfers: out of memory");
		free(r.x);
		free(r.retry);
		return -1;
	}
	/* The pass's rate, split over the transfers that can run at once. */
	conc = n < (size_t)o->parallel ? n : (size_t)o->parallel;
	if (o->max_rate > 0 && (r.rate = o->max_rate /
	    (long long)(conc > 0 ? conc : 1)) == 0)
		r.rate = 1;
	for (i = 0; i < n; i++) {
		items[i].ok = 0;
		items[i].error[0] = '\0';
		items[i].bytes = 0;
		r.x[i].it = &items[i];
		r.x[i].run = &r;
		r.x[i].fd = -1;
		if (items[i].expect_size >= 0) {
			r.total_bytes += items[i].expect_size;
			r.x[i].sized = 1;
		}
	}
	r.last_progress = mono_ms() - PROGRESS_MS;
	r.rate_t0 = mono_ms();

	for (;;) {
		if (stop != NULL && *stop)
			break;
		changed = start_ready(&r, mono_ms());
		if (r.done == r.n)
			break;
		if (r.active > 0) {
			rate_resume(&r);
			if ((mc = curl_multi_perform(r.m, &running)) !=
			    CURLM_OK) {
				multi_failed(&r, mc);
				break;
			}
			while ((msg = curl_multi_info_read(r.m, &left)) !=
			    NULL) {
				if (msg->msg != CURLMSG_DONE)
					continue;
				done_msg(&r, msg->easy_handle,
				    msg->data.result);
				changed = 1;
			}
		}
		progress(&r, 0);
		if (r.done == r.n)
			break;
		if (changed)
			continue;
		wfd.fd = o->wake_fd;
		wfd.events = CURL_WAIT_POLLIN;
		wfd.revents = 0;
		if ((mc = curl_multi_poll(r.m, &wfd, o->wake_fd >= 0 ? 1 : 0,
		    poll_ms(&r, mono_ms()), NULL)) != CURLM_OK) {
			multi_failed(&r, mc);
			break;
		}
		if (o->on_wake != NULL && (wfd.revents & CURL_WAIT_POLLIN))
			o->on_wake(o->pressure_arg);
	}

	/* Stopped, or done: what is left keeps its .part for next time. */
	for (i = 0; i < n; i++) {
		x = &r.x[i];
		if (x->state == X_DONE) {
			nok += items[i].ok;
			continue;
		}
		xfer_end(&r, x);
		if (x->last[0] != '\0')
			snprintf(items[i].error, sizeof(items[i].error),
			    "stopped; last attempt: %s", x->last);
		else
			snprintf(items[i].error, sizeof(items[i].error),
			    "stopped");
	}
	progress(&r, 1);
	curl_multi_cleanup(r.m);
	free(r.x);
	free(r.retry);
	return nok == n ? 0 : 1;
}

struct small {
	const struct fetch_opts *o;
	int64_t last_tick;
	struct buf *out;
	CURL *e;
	size_t start, cap;
	int failed;
	char why[200];
};

static size_t
small_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct small *s = arg;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return 0;	/* reported from the status */
	if (n > s->cap - (s->out->len - s->start)) {
		errf(s->why, sizeof(s->why), "more than %zu bytes", s->cap);
		s->failed = 1;
		return 0;
	}
	if (buf_put(s->out, p, n) != 0) {
		errf(s->why, sizeof(s->why), "%s", strerror(errno));
		s->failed = 1;
		return 0;
	}
	return n;
}

#define TICK_MS	250

static void
tick(const struct fetch_opts *o, int64_t *last)
{
	int64_t now;

	if (o->tick == NULL || ((now = mono_ms()) - *last < TICK_MS))
		return;
	*last = now;
	o->tick(o->tick_arg);
}

/* libcurl calls this at least once a second, more often while busy. */
static int
small_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct small *s = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	tick(s->o, &s->last_tick);
	return 0;
}

/* Sleeps ms, ticking on the way. */
static void
sleep_ms(const struct fetch_opts *o, int64_t *last, long ms)
{
	struct timespec ts;
	long slice;

	while (ms > 0) {
		slice = ms < TICK_MS ? ms : TICK_MS;
		ts.tv_sec = slice / 1000;
		ts.tv_nsec = (slice % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		ms -= slice;
		tick(o, last);
	}
}

int
fetch_small(const struct fetch_opts *o, const char *url, struct buf *out,
    size_t cap, char *err, size_t errlen)
{
	struct small s;
	char ebuf[CURL_ERROR_SIZE];
	CURLcode res;
	long code;
	int attempt, retry;

	if (opts_check(o, err, errlen) != 0 ||
	    url_check(url, o->userpwd != NULL, err, errlen) != 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.last_tick = mono_ms();
	s.out = out;
	s.start = out->len;
	s.cap = cap;
	for (attempt = 0;; attempt++) {
		s.failed = 0;
		ebuf[0] = '\0';
		code = 0;
		if ((s.e = curl_easy_init()) == NULL ||
		    easy_setup(s.e, o, url, o->max_rate, ebuf) != 0 ||
		    curl_easy_setopt(s.e, CURLOPT_WRITEFUNCTION, small_write) !=
		    CURLE_OK ||
		    curl_easy_setopt(s.e, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
		    curl_easy_setopt(s.e, CURLOPT_NOPROGRESS, 0L) !=
		    CURLE_OK ||
		    curl_easy_setopt(s.e, CURLOPT_XFERINFOFUNCTION,
		    small_xferinfo) != CURLE_OK ||
		    curl_easy_setopt(s.e, CURLOPT_XFERINFODATA, &s) !=
		    CURLE_OK ||
		    curl_easy_setopt(s.e, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)cap) != CURLE_OK) {
			curl_easy_cleanup(s.e);
			errf(err, errlen, "cannot set up the transfer");
			return -1;
		}
		res = curl_easy_perform(s.e);
		curl_easy_getinfo(s.e, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(s.e);
		s.e = NULL;
		if (s.failed) {
			errf(err, errlen, "%s", s.why);
			retry = 0;
		} else if (code != 0 && code != 200) {
			status_text(err, errlen, code);
			retry = status_retry(code);
		} else if (res == CURLE_FILESIZE_EXCEEDED) {
			errf(err, errlen, "more than %zu bytes", cap);
			retry = 0;
		} else if (res != CURLE_OK) {
			curl_text(err, errlen, res, ebuf);
			retry = curl_retry(res);
		} else
			return 0;
		out->len = s.start;
		if (!retry || attempt >= o->retries)
			return -1;
		sleep_ms(o, &s.last_tick, o->backoff_ms << (attempt <
		    BACKOFF_SHIFT ? attempt : BACKOFF_SHIFT));
	}
}
