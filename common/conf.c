/*
 * conf: airlock.conf.  One table, conf_keys[], names every setting with its
 * type, its place in struct airlock_conf, its default, its limits and what
 * it is for; defaults, loading, -o overrides, checking, dumping and the IPC
 * encoding are all walks over that table, so a key added there is a key
 * that every one of them knows.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libconfig.h>

#include "buf.h"
#include "util.h"
#include "conf.h"
#include "pkg.h"
#include "http.h"
#include "log.h"

#define CONF_STR_MAX	4096		/* bytes in one string, on the wire too */
#define CONF_LIST_MAX	16		/* entries in one list */
#define CONF_FILE_MAX	(1024 * 1024)	/* a configuration file, bytes */
#define CONF_DUMP_MAX	(1024 * 1024)	/* enough for every string at its max */
#define WHY_MAX		256		/* "what is wrong", before the prefix */
#define VIS_MAX		80		/* a value echoed in a message */

#define DIGIT(c)	((c) >= '0' && (c) <= '9')
#define XDIGIT(c)	(DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || \
			    ((c) >= 'A' && (c) <= 'F'))
#define ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))

enum conf_type {
	CT_STR,
	CT_INT,
	CT_BOOL,
	CT_DURATION,	/* seconds: an integer, or "90s", "30m", "12h", "7d" */
	CT_SIZE,	/* bytes: an integer, or "16k", "1m", "1g" */
	CT_LIST,	/* of strings */
};

struct conf_key {
	const char *name;	/* "section.key" */
	enum conf_type type;
	size_t off;		/* into struct airlock_conf */
	const char *def;	/* the default, in -o syntax */
	long long min, max;	/* numbers */
	/* Strings and list entries: 0, or -1 with the reason in why. */
	int (*valid)(const char *, char *, size_t);
	const char *desc;
};

/* A parsed value on its way into the structure; owns s and l. */
struct conf_val {
	long long i;
	char *s;
	struct strlist l;
};

static int valid_abs_path(const char *, char *, size_t);
static int valid_opt_path(const char *, char *, size_t);
static int valid_user(const char *, char *, size_t);
static int valid_address(const char *, char *, size_t);
static int valid_product(const char *, char *, size_t);
static int valid_log_level(const char *, char *, size_t);
static int valid_listen(const char *, char *, size_t);
static int valid_frame(const char *, char *, size_t);
static int valid_header(const char *, char *, size_t);
static int valid_same_site(const char *, char *, size_t);
static int valid_audit_format(const char *, char *, size_t);
static int valid_tls_version(const char *, char *, size_t);
static int valid_cidr(const char *, char *, size_t);
static int valid_ciphers(const char *, char *, size_t);
static int valid_schedule(const char *, char *, size_t);
static int valid_mirror(const char *, char *, size_t);

/*
 * The type of an entry and its field's offset, checked against the field's
 * C type: pairing CT_INT with a char * is a compile error (distinct
 * pointer types), not an int written over half a pointer.
 */
#define FIELD(f, T)	(offsetof(struct airlock_conf, f) + 0 * \
			    sizeof((T *)NULL == &((struct airlock_conf *)NULL)->f))
#define T_STR(f)	CT_STR, FIELD(f, char *)
#define T_INT(f)	CT_INT, FIELD(f, int)
#define T_BOOL(f)	CT_BOOL, FIELD(f, int)
#define T_DURATION(f)	CT_DURATION, FIELD(f, int)
#define T_SIZE(f)	CT_SIZE, FIELD(f, int)
#define T_LIST(f)	CT_LIST, FIELD(f, struct strlist)

/*
 * Grouped by section, in the order conf_dump writes them; conf_pack's wire
 * format is this order too, so master and roles must agree on it (they do:
 * one binary).
 */
static const struct conf_key conf_keys[] = {
	{ "server.data_dir", T_STR(data_dir), AIRLOCK_DATA_DIR, 0, 0,
	    valid_abs_path,
	    "repository, database and snapshots (an absolute path)" },
	{ "server.workers", T_INT(workers), "2", 1, 64, NULL,
	    "HTTP worker processes" },
	{ "server.user", T_STR(user), "airlock", 0, 0, valid_user,
	    "unprivileged user the roles run as" },
	{ "server.address", T_STR(address), "", 0, 0, valid_address,
	    "public URL (http:// or https://), empty: unset" },
	{ "server.server_name", T_STR(server_name), "airlock", 0, 0,
	    valid_product, "product name in the Server header" },
	{ "server.hide_version", T_BOOL(hide_version), "false", 0, 1, NULL,
	    "leave the version out of the Server header" },
	{ "server.shutdown_timeout", T_DURATION(shutdown_timeout), "10s",
	    0, 3600, NULL, "time to drain connections when stopping" },
	{ "server.log_level", T_STR(log_level), "info", 0, 0,
	    valid_log_level, "error, warn, info or debug" },
	{ "server.control_socket", T_STR(control_socket), "", 0, 0,
	    valid_opt_path,
	    "airlockctl's socket (an absolute path), empty: DATA_DIR/control.sock" },
	{ "server.content_type_sniffing", T_BOOL(content_type_sniffing),
	    "false", 0, 1, NULL,
	    "false: X-Content-Type-Options: nosniff on every response" },
	{ "server.frame_options_content", T_STR(frame_options_content),
	    "NONE", 0, 0, valid_frame,
	    "X-Frame-Options of package and index files: DENY, SAMEORIGIN "
	    "or NONE (no header)" },
	{ "server.frame_options_dashboard", T_STR(frame_options_dashboard),
	    "DENY", 0, 0, valid_frame,
	    "X-Frame-Options of the dashboard, login and API" },
	{ "server.custom_header", T_LIST(custom_header), "", 0, 0,
	    valid_header,
	    "\"Name: value\" headers on every response; built-in ones win" },
	{ "server.same_site", T_STR(same_site), "None", 0, 0,
	    valid_same_site,
	    "SameSite of the session cookie: None (and a -legacy cookie "
	    "without it), Lax or Strict" },
	{ "server.web_sudo_mode", T_BOOL(web_sudo_mode), "true", 0, 1, NULL,
	    "sensitive changes from the web need the password again" },
	{ "server.web_sudo_mode_duration", T_DURATION(web_sudo_mode_duration),
	    "10m", 1, 86400, NULL, "how long a re-entered password counts" },

	{ "http.listen", T_LIST(listen), "127.0.0.1:8080", 0, 0,
	    valid_listen,
	    "addresses to listen on: host:port, [v6]:port or :port" },
	{ "http.static_dir", T_STR(static_dir), "", 0, 0, valid_opt_path,
	    "files served at / (an absolute path), empty: none" },
	{ "http.max_connections", T_INT(max_connections), "1024",
	    1, 100000, NULL, "open connections per worker" },
	{ "http.max_request_line", T_SIZE(max_request_line), "8k",
	    256, 65536, NULL, "longest request line (longer: 414)" },
	{ "http.max_header_size", T_SIZE(max_header_size), "16k",
	    1024, 1048576, NULL,
	    "request line and headers together (larger: 431)" },
	{ "http.max_headers", T_INT(max_headers), "64",
	    1, HTTP_MAX_HEADERS, NULL, "header fields in a request (more: 431)" },
	{ "http.max_body_size", T_SIZE(max_body_size), "1m",
	    0, 1073741824, NULL, "largest request body (larger: 413)" },
	{ "http.header_timeout", T_DURATION(header_timeout), "10s",
	    1, 3600, NULL, "time to receive the request line and headers" },
	{ "http.idle_timeout", T_DURATION(idle_timeout), "60s",
	    1, 86400, NULL, "keep-alive time between requests" },
	{ "http.body_timeout", T_DURATION(body_timeout), "30s",
	    1, 3600, NULL, "time without progress while receiving a body" },
	{ "http.send_timeout", T_DURATION(send_timeout), "60s",
	    1, 86400, NULL, "time without progress while sending a response" },
	{ "http.access_log", T_BOOL(access_log), "false", 0, 1, NULL,
	    "log one line per request" },
	{ "http.no_warning", T_BOOL(no_warning), "false", 0, 1, NULL,
	    "no start-up warning about serving plain HTTP" },
	{ "http.force_secure", T_BOOL(force_secure), "false", 0, 1, NULL,
	    "Secure cookies over plain HTTP (TLS ends at a proxy)" },
	{ "http.trusted_proxies", T_LIST(trusted_proxies), "", 0, 0,
	    valid_cidr,
	    "proxy addresses (a.b.c.d, a.b.c.d/n, IPv6 too) whose "
	    "X-Forwarded-For and X-Forwarded-Proto are believed" },

	{ "http_redirect.listen", T_LIST(redirect_listen), "", 0, 0,
	    valid_listen,
	    "addresses that only redirect to https:// (301, same path)" },

	{ "store.max_package_size", T_SIZE(max_package_size), "512m",
	    1024, 2147483647, NULL,
	    "largest package file accepted (compressed bytes)" },
	{ "store.max_unpacked_size", T_SIZE(max_unpacked_size), "2047m",
	    1024, 2147483647, NULL,
	    "largest sum of a package's unpacked member sizes" },

	{ "https.listen", T_LIST(https_listen), "", 0, 0, valid_listen,
	    "addresses to serve HTTPS on: host:port, [v6]:port or :port" },
	{ "https.certificate", T_STR(https_certificate), "", 0, 0,
	    valid_opt_path,
	    "the certificate chain, PEM: the server's first (absolute path)" },
	{ "https.key", T_STR(https_key), "", 0, 0, valid_opt_path,
	    "its private key, PEM (absolute path; read by root, held only by "
	    "the keys role)" },
	{ "https.minimum_tls", T_STR(https_minimum_tls), "1.2", 0, 0,
	    valid_tls_version, "oldest TLS version accepted: 1.0, 1.1, 1.2 "
	    "or 1.3" },
	{ "https.ciphers", T_STR(https_ciphers),
	    "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1", 0, 0,
	    valid_ciphers,
	    "OpenSSL cipher list for TLS 1.2 and older (1.3 uses its "
	    "default suites)" },
	{ "https.permanent", T_BOOL(https_permanent), "false", 0, 1, NULL,
	    "Strict-Transport-Security on every response, Secure on every "
	    "cookie" },

	{ "authentication.lifetime", T_DURATION(auth_lifetime), "24h",
	    1, 31536000, NULL,
	    "a browser session ends this long after login, used or not" },
	{ "authentication.inactivity", T_DURATION(auth_inactivity), "8h",
	    1, 31536000, NULL, "... or this long after its last request" },
	{ "authentication.cookie_sweep_duration",
	    T_DURATION(auth_sweep), "1h", 1, 86400, NULL,
	    "how often expired sessions are removed" },
	{ "authentication.challenge_response_enabled", T_BOOL(auth_captcha),
	    "false", 0, 1, NULL,
	    "a CAPTCHA (image and audio) on the login form" },
	{ "authentication.delay_after", T_INT(auth_delay_after), "3",
	    1, 1000, NULL,
	    "failed logins (per account, per address) before delays start" },
	{ "authentication.delay_max", T_DURATION(auth_delay_max), "1m",
	    1, 86400, NULL, "longest delay between failed logins" },
	{ "authentication.lockout_after", T_INT(auth_lockout_after), "10",
	    1, 10000, NULL, "failed logins that lock an account or address" },
	{ "authentication.lockout_duration", T_DURATION(auth_lockout_duration),
	    "15m", 1, 604800, NULL, "how long a lockout lasts" },
	{ "authentication.cache", T_DURATION(auth_cache), "5s", 0, 60, NULL,
	    "how long workers may reuse an answer about a token or session: "
	    "a revoked one stops working within this" },

	{ "sync.require_approval", T_BOOL(sync_require_approval), "false",
	    0, 1, NULL, "a window opened by one admin starts only once "
	    "another approves it" },
	{ "sync.max_window", T_DURATION(sync_max_window), "12h", 60, 604800,
	    NULL, "the longest window an admin may open" },
	{ "sync.schedule", T_LIST(sync_schedule), "", 0, 0, valid_schedule,
	    "windows opened by the clock, UTC: \"Mon-Fri 02:00 2h\", "
	    "\"Sun 12:00 30m\", \"daily 03:00 1h\"" },
	{ "sync.mirrors", T_LIST(sync_mirrors), "", 0, 0, valid_mirror,
	    "cran mirrors declared here: \"NAME URL [ca=PEM] [proxy=URL] "
	    "[concurrency=N] [max_rate=BYTES] [packages=FILE] [suggests=true] "
	    "[credentials=FILE] [proxy_credentials=FILE] [client_cert=PEM "
	    "client_key=PEM] [binaries=TYPE:X.Y,...]\"" },

	{ "audit.format", T_STR(audit_format), "none", 0, 0,
	    valid_audit_format,
	    "a copy of each audit record in audit.file: none, CSV or JSON" },
	{ "audit.file", T_STR(audit_file), "", 0, 0, valid_opt_path,
	    "the audit copy (an absolute path)" },

	{ "bundle.signing_key", T_STR(bundle_signing_key), "", 0, 0,
	    valid_opt_path, "Ed25519 private key (PEM) that signs exported "
	    "bundles" },
	{ "bundle.trusted_keys", T_LIST(bundle_trusted_keys), "", 0, 0,
	    valid_opt_path, "Ed25519 public keys (PEM files) whose bundles "
	    "are imported" },
};

#undef FIELD
#undef T_STR
#undef T_INT
#undef T_BOOL
#undef T_DURATION
#undef T_SIZE
#undef T_LIST

#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

static int
valid_abs_path(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	/* The roles chroot and open beneath it: no cwd to be relative to. */
	if (s[0] != '/') {
		errf(why, n, "\"%s\": must be an absolute path",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

static int
valid_opt_path(const char *s, char *why, size_t n)
{
	return s[0] == '\0' ? 0 : valid_abs_path(s, why, n);
}

static int
valid_user(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];
	size_t i;

	/* POSIX's portable user name characters, as useradd wants them. */
	for (i = 0; s[i] != '\0'; i++)
		if (!ALPHA(s[i]) && !DIGIT(s[i]) && s[i] != '.' &&
		    s[i] != '_' && !(s[i] == '-' && i > 0))
			break;
	if (i == 0 || s[i] != '\0' || i > 32) {
		errf(why, n, "\"%s\": not a user name", str_vis(vb, sizeof(vb),
		    s));
		return -1;
	}
	return 0;
}

static int
valid_address(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];
	const char *h;

	if (s[0] == '\0')
		return 0;
	if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else {
		errf(why, n, "\"%s\": must start with http:// or https://",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	if (*h == '\0' || *h == '/' || strpbrk(s, " \"<>\\^`{|}") != NULL) {
		errf(why, n, "\"%s\": not a URL", str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

static int
valid_product(const char *s, char *why, size_t n)
{
	const unsigned char *p;

	/* It goes into a header as it is. */
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			break;
	if (s[0] == '\0' || *p != '\0') {
		errf(why, n, "must be printable ASCII, not empty");
		return -1;
	}
	return 0;
}

static int
valid_log_level(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	if (log_level_parse(s) < 0) {
		errf(why, n, "\"%s\": expected error, warn, info or debug",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

static int
valid_frame(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	if (strcmp(s, "DENY") != 0 && strcmp(s, "SAMEORIGIN") != 0 &&
	    strcmp(s, "NONE") != 0) {
		errf(why, n, "\"%s\": expected DENY, SAMEORIGIN or NONE",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

static int
valid_same_site(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	if (strcmp(s, "None") != 0 && strcmp(s, "Lax") != 0 &&
	    strcmp(s, "Strict") != 0) {
		errf(why, n, "\"%s\": expected None, Lax or Strict",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

static int
valid_tls_version(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	if (strcmp(s, "1.0") != 0 && strcmp(s, "1.1") != 0 &&
	    strcmp(s, "1.2") != 0 && strcmp(s, "1.3") != 0) {
		errf(why, n, "\"%s\": expected 1.0, 1.1, 1.2 or 1.3",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

/* An OpenSSL cipher list: only the characters such lists are made of. */
static int
valid_ciphers(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];
	const char *p;

	if (*s == '\0' || strlen(s) > 1024)
		goto bad;
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(":+-!@=_,. ", *p) ==
		    NULL)
			goto bad;
	return 0;
bad:
	errf(why, n, "\"%s\": not an OpenSSL cipher list",
	    str_vis(vb, sizeof(vb), s));
	return -1;
}

/* An address, or an address/prefix: a trusted proxy or network. */
static int
valid_cidr(const char *s, char *why, size_t n)
{
	char a[INET6_ADDRSTRLEN + 1], vb[VIS_MAX], *e;
	const char *slash = strchr(s, '/');
	unsigned char bin[16];
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	long bits = -1;
	int v6;

	if (len == 0 || len >= sizeof(a))
		goto bad;
	memcpy(a, s, len);
	a[len] = '\0';
	v6 = strchr(a, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, a, bin) != 1)
		goto bad;
	if (slash != NULL) {
		errno = 0;
		bits = strtol(slash + 1, &e, 10);
		if (slash[1] == '\0' || *e != '\0' || bits < 0 ||
		    bits > (v6 ? 128 : 32))
			goto bad;
	}
	return 0;
bad:
	errf(why, n, "\"%s\": expected an IP address or address/prefix",
	    str_vis(vb, sizeof(vb), s));
	return -1;
}

static int
valid_schedule(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	if (conf_schedule_parse(s, NULL) != 0) {
		errf(why, n, "\"%s\": expected DAYS HH:MM DURATION, e.g. "
		    "\"Mon-Fri 02:00 2h\", \"Sun 12:00 30m\" or "
		    "\"daily 03:00 1h\"", str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

int
conf_mirror_key(const char *k, size_t n)
{
	static const char *const keys[] = { "ca", "proxy", "concurrency",
	    "max_rate", "packages", "suggests", "credentials",
	    "proxy_credentials", "client_cert", "client_key", "binaries" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == n && strncmp(k, keys[i], n) == 0)
			return (int)i;
	return -1;
}

long long
conf_rate_parse(const char *s)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024 * 1024 * 1024, end++;
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v == 0 || v > (1ULL << 40) / mul)
		return -1;
	return (long long)(v * mul);
}

int
conf_binaries_valid(const char *s)
{
	struct pkg_type t;
	char one[PKG_TREE_MAX];
	size_t len;

	while (*s != '\0') {
		len = strcspn(s, ",");
		if (len == 0 || len >= sizeof(one))
			return -1;
		memcpy(one, s, len);
		one[len] = '\0';
		if (pkg_type_parse(one, &t) != 0 || t.kind == PKG_SOURCE)
			return -1;
		s += len;
		if (*s == ',' && *++s == '\0')
			return -1;
	}
	return 0;
}

int
conf_mirror_word(const char **p, char *w, size_t n)
{
	const char *s = *p + strspn(*p, " \t");
	size_t len = strcspn(s, " \t");

	*p = s + len;
	if (len == 0)
		return 0;
	if (len >= n)
		return -1;
	memcpy(w, s, len);
	w[len] = '\0';
	return 1;
}

/*
 * "NAME URL k=v ...": the name as repo create takes it, an http(s) URL
 * without credentials, known keys with values of their form, files as
 * absolute paths.  The master checks the files when it applies it.
 */
static int
valid_mirror(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX], w[1100], *end;
	const char *p = s, *eq;
	int i, k, r, cert = 0, key = 0;
	long v;

	for (i = 0; (r = conf_mirror_word(&p, w, sizeof(w))) != 0; i++) {
		if (r < 0)
			goto bad;
		if (i == 0) {
			if (strlen(w) > 64 || strspn(w, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
			    strlen(w) || strchr("._-", w[0]) != NULL)
				goto bad;
			continue;
		}
		if (i == 1) {
			if ((strncmp(w, "https://", 8) != 0 &&
			    strncmp(w, "http://", 7) != 0) ||
			    strchr(w + 7, '@') != NULL || strpbrk(w, "\"'") !=
			    NULL)
				goto bad;
			continue;
		}
		if ((eq = strchr(w, '=')) == NULL || eq[1] == '\0' ||
		    (k = conf_mirror_key(w, (size_t)(eq - w))) < 0)
			goto bad;
		eq++;
		cert += k == 8;
		key += k == 9;
		/* ca, packages, credentials ... client_key: files. */
		if ((k == 0 || k >= 4) && k != 5 && k != 10 && eq[0] != '/')
			goto bad;
		/* binaries=win.binary:4.4,mac.binary.big-sur-arm64:4.4 */
		if (k == 10 && conf_binaries_valid(eq) != 0)
			goto bad;
		if (k == 5 && strcmp(eq, "true") != 0 &&
		    strcmp(eq, "false") != 0)
			goto bad;
		if (k == 2 && ((v = strtol(eq, &end, 10)) < 1 || v > 64 ||
		    *end != '\0'))
			goto bad;
		if (k == 3 && conf_rate_parse(eq) < 0)
			goto bad;
	}
	if (i < 2 || cert != key || cert > 1)
		goto bad;
	return 0;
bad:
	errf(why, n, "\"%s\": expected \"NAME URL [key=value]...\" with "
	    "an http(s) URL without credentials and the keys of "
	    "airlock.conf(5), files as absolute paths",
	    str_vis(vb, sizeof(vb), s));
	return -1;
}

static int
day_of(const char *s, size_t n)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	int i;

	for (i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, days[i], 3) == 0)
			return i;
	return -1;
}

int
conf_schedule_parse(const char *s, struct conf_schedule *out)
{
	struct conf_schedule sc;
	char days[32], hm[8], dur[16], extra[2];
	const char *dash;
	int a, b, h, m, i;
	long d;

	memset(&sc, 0, sizeof(sc));
	if (sscanf(s, "%31s %7s %15s %1s", days, hm, dur, extra) != 3)
		return -1;
	if (strcasecmp(days, "daily") == 0)
		a = 0, b = 6;
	else if ((dash = strchr(days, '-')) != NULL) {
		a = day_of(days, (size_t)(dash - days));
		b = day_of(dash + 1, strlen(dash + 1));
	} else
		a = b = day_of(days, strlen(days));
	if (a < 0 || b < 0)
		return -1;
	for (i = a; ; i = (i + 1) % 7) {
		sc.days |= 1u << i;
		if (i == b)
			break;
	}
	if (strlen(hm) != 5 || hm[2] != ':' || sscanf(hm, "%2d:%2d", &h, &m)
	    != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	if ((d = conf_parse_duration(dur)) < 60 || d > 86400)
		return -1;
	sc.minute = h * 60 + m;
	sc.seconds = d;
	if (out != NULL)
		*out = sc;
	return 0;
}

static int
valid_audit_format(const char *s, char *why, size_t n)
{
	char vb[VIS_MAX];

	if (strcasecmp(s, "none") != 0 && strcasecmp(s, "CSV") != 0 &&
	    strcasecmp(s, "JSON") != 0) {
		errf(why, n, "\"%s\": expected none, CSV or JSON",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
}

/* "Name: value": a token, a colon, visible ASCII (and spaces) only. */
static int
valid_header(const char *s, char *why, size_t n)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	char vb[VIS_MAX];
	const char *p;

	for (p = s; *p != '\0' && *p != ':'; p++)
		if (!isalnum((unsigned char)*p) && strchr(tchar, *p) == NULL)
			goto bad;
	if (p == s || *p != ':')
		goto bad;
	for (p++; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			goto bad;
	return 0;
bad:
	errf(why, n, "\"%s\": expected \"Name: value\" (a token, a colon, "
	    "printable ASCII)", str_vis(vb, sizeof(vb), s));
	return -1;
}

/* A host name or an IPv4 address; "" (all addresses) is the caller's. */
static int
valid_host(const char *h, size_t len)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in;
	size_t i, label = 0;
	int alpha = 0;

	if (len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!ALPHA(h[i]) && !DIGIT(h[i]) && h[i] != '-')
			return 0;
		if ((h[i] == '-' && label == 0) || ++label > 63)
			return 0;
		alpha |= !DIGIT(h[i]);
	}
	if (label == 0 || h[len - 1] == '-')
		return 0;
	if (alpha)
		return 1;
	/* All digits and dots: it had better be an address. */
	if (len >= sizeof(a))
		return 0;
	memcpy(a, h, len);
	a[len] = '\0';
	return inet_pton(AF_INET, a, &in) == 1;
}

static int
valid_listen(const char *s, char *why, size_t n)
{
	char a[INET6_ADDRSTRLEN], vb[VIS_MAX];
	struct in6_addr in6;
	const char *end, *port;
	size_t len;
	long v = 0;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			goto bad;
		len = (size_t)(end - s - 1);
		if (len == 0 || len >= sizeof(a))
			goto bad;
		memcpy(a, s + 1, len);
		a[len] = '\0';
		if (inet_pton(AF_INET6, a, &in6) != 1)
			goto bad;
		port = end + 2;
	} else {
		if ((end = strrchr(s, ':')) == NULL)
			goto bad;
		if (memchr(s, ':', (size_t)(end - s)) != NULL) {
			errf(why, n, "\"%s\": an IPv6 address goes in "
			    "brackets, [::1]:8080", str_vis(vb, sizeof(vb), s));
			return -1;
		}
		if (end > s && !valid_host(s, (size_t)(end - s)))
			goto bad;
		port = end + 1;
	}
	for (len = 0; DIGIT(port[len]) && len < 6; len++)
		v = v * 10 + (port[len] - '0');
	if (len == 0 || port[len] != '\0' || v < 1 || v > 65535) {
		errf(why, n, "\"%s\": the port must be 1 to 65535",
		    str_vis(vb, sizeof(vb), s));
		return -1;
	}
	return 0;
bad:
	errf(why, n, "\"%s\": expected host:port, [v6]:port or :port",
	    str_vis(vb, sizeof(vb), s));
	return -1;
}

static void *
field(struct airlock_conf *c, const struct conf_key *k)
{
	return (char *)c + k->off;
}

static const void *
cfield(const struct airlock_conf *c, const struct conf_key *k)
{
	return (const char *)c + k->off;
}

static const struct conf_key *
key_find(const char *sect, size_t slen, const char *name, size_t nlen)
{
	const struct conf_key *k;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		if (strncmp(k->name, sect, slen) == 0 && k->name[slen] == '.' &&
		    strncmp(k->name + slen + 1, name, nlen) == 0 &&
		    k->name[slen + 1 + nlen] == '\0')
			return k;
	}
	return NULL;
}

static int
section_known(const char *sect)
{
	size_t i, n = strlen(sect);

	for (i = 0; i < NKEYS; i++)
		if (strncmp(conf_keys[i].name, sect, n) == 0 &&
		    conf_keys[i].name[n] == '.')
			return 1;
	return 0;
}

static void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Appends a copy of s[0..n); the caller has bounded the count. */
static int
strlist_add(struct strlist *l, const char *s, size_t n)
{
	char **v, *d;

	if ((d = strndup(s, n)) == NULL)
		return -1;
	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL) {
		free(d);
		return -1;
	}
	v[l->n++] = d;
	l->v = v;
	return 0;
}

static int
strlist_copy(struct strlist *dst, const struct strlist *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		if (strlist_add(dst, src->v[i], strlen(src->v[i])) != 0) {
			strlist_free(dst);
			return -1;
		}
	}
	return 0;
}

static void
val_free(struct conf_val *v)
{
	free(v->s);
	strlist_free(&v->l);
	memset(v, 0, sizeof(*v));
}

/* Frees what c owns, leaving the numbers. */
static void
conf_clear(struct airlock_conf *c)
{
	const struct conf_key *k;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		if (k->type == CT_STR) {
			free(*(char **)field(c, k));
			*(char **)field(c, k) = NULL;
		} else if (k->type == CT_LIST)
			strlist_free(field(c, k));
	}
}

/* Moves v into c, freeing what it replaces; v is left empty. */
static void
val_store(struct airlock_conf *c, const struct conf_key *k,
    struct conf_val *v)
{
	struct strlist *l;

	switch (k->type) {
	case CT_STR:
		free(*(char **)field(c, k));
		*(char **)field(c, k) = v->s;
		v->s = NULL;
		break;
	case CT_LIST:
		l = field(c, k);
		strlist_free(l);
		*l = v->l;
		memset(&v->l, 0, sizeof(v->l));
		break;
	default:
		/* val_check has held it to the key's range, which fits. */
		*(int *)field(c, k) = (int)v->i;
		break;
	}
}

/* A borrowed view of c's value, for checking and encoding. */
static void
val_view(const struct airlock_conf *c, const struct conf_key *k,
    struct conf_val *v)
{
	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case CT_STR:
		v->s = *(char *const *)cfield(c, k);
		break;
	case CT_LIST:
		v->l = *(const struct strlist *)cfield(c, k);
		break;
	default:
		v->i = *(const int *)cfield(c, k);
		break;
	}
}

static const char *
unit(const struct conf_key *k)
{
	switch (k->type) {
	case CT_DURATION:
		return " seconds";
	case CT_SIZE:
		return " bytes";
	default:
		return "";
	}
}

static void
range_why(const struct conf_key *k, const char *shown, char *why, size_t n)
{
	char vb[VIS_MAX];

	errf(why, n, "%s is out of range (%lld to %lld%s)",
	    str_vis(vb, sizeof(vb), shown), k->min, k->max, unit(k));
}

static int
str_check(const struct conf_key *k, const char *s, char *why, size_t n)
{
	const unsigned char *p;
	char vb[VIS_MAX];

	if (s == NULL) {
		errf(why, n, "missing");
		return -1;
	}
	if (strlen(s) > CONF_STR_MAX) {
		errf(why, n, "longer than %d bytes", CONF_STR_MAX);
		return -1;
	}
	/* No setting has a use for them, and they would forge log lines. */
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			errf(why, n, "\"%s\": contains a control character",
			    str_vis(vb, sizeof(vb), s));
			return -1;
		}
	}
	if (k->valid != NULL)
		return k->valid(s, why, n);
	return 0;
}

/* The key's own rules: range, length, syntax. */
static int
val_check(const struct conf_key *k, const struct conf_val *v, char *why,
    size_t n)
{
	char num[32];
	size_t i;

	switch (k->type) {
	case CT_STR:
		return str_check(k, v->s, why, n);
	case CT_LIST:
		if (v->l.n > CONF_LIST_MAX) {
			errf(why, n, "more than %d entries", CONF_LIST_MAX);
			return -1;
		}
		for (i = 0; i < v->l.n; i++)
			if (str_check(k, v->l.v[i], why, n) != 0)
				return -1;
		return 0;
	default:
		if (v->i < k->min || v->i > k->max) {
			snprintf(num, sizeof(num), "%lld", v->i);
			range_why(k, num, why, n);
			return -1;
		}
		return 0;
	}
}

/*
 * Digits with an optional one-letter unit from units (a string of letters,
 * mult[] their factors).  0, or -1 malformed, or -2 too large.
 */
static int
parse_scaled(const char *s, const char *units, const long long *mult,
    long long *out)
{
	const char *u;
	long long v = 0, m = 1;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			return -2;
		v = v * 10 + (*s - '0');
	}
	if (*s != '\0') {
		if ((u = strchr(units, *s)) == NULL || s[1] != '\0')
			return -1;
		m = mult[u - units];
	}
	if (v > LLONG_MAX / m)
		return -2;
	*out = v * m;
	return 0;
}

static const long long duration_mult[] = { 1, 60, 3600, 86400 };
static const long long size_mult[] = { 1024, 1024 * 1024,
    1024 * 1024 * 1024 };

long
conf_parse_duration(const char *s)
{
	long long v;

	if (s == NULL || parse_scaled(s, "smhd", duration_mult, &v) != 0 ||
	    v > LONG_MAX)
		return -1;
	return (long)v;
}

static int
parse_size(const char *s, long long *v)
{
	return parse_scaled(s, "kmg", size_mult, v);
}

static const char *
type_why(const struct conf_key *k, int file)
{
	switch (k->type) {
	case CT_STR:
		return "expected a string";
	case CT_INT:
		return "expected an integer";
	case CT_BOOL:
		return file ? "expected a boolean (true or false)" :
		    "expected a boolean (true, false, yes, no, on, off, 1, 0)";
	case CT_DURATION:
		return "expected a duration: seconds, or a number followed "
		    "by s, m, h or d (\"90s\", \"30m\", \"12h\", \"7d\")";
	case CT_SIZE:
		return "expected a size: bytes, or a number followed by "
		    "k, m or g (\"16k\", \"1m\", \"1g\")";
	case CT_LIST:
		return "expected a list of strings, [\"a\", \"b\"]";
	}
	return "bad value";
}

/* A duration or size written as a string, in a file or on -o. */
static int
scaled_val(const struct conf_key *k, const char *s, struct conf_val *v,
    int file, char *why, size_t n)
{
	int r;

	if (k->type == CT_DURATION)
		r = parse_scaled(s, "smhd", duration_mult, &v->i);
	else
		r = parse_size(s, &v->i);
	if (r == -2) {
		range_why(k, s, why, n);
		return -1;
	}
	if (r != 0) {
		errf(why, n, "%s", type_why(k, file));
		return -1;
	}
	return 0;
}

/*
 * The number at p as scanner.l reads it: the longest of float, integer,
 * integer64 (L), hex and hex64, float first on a tie.  Returns its length;
 * *trunc is set when libconfig would keep only 32 bits of it.
 */
static size_t
numtok(const char *p, int *trunc)
{
	const char *q, *d, *e, *f;
	size_t ilen = 0, xlen = 0, flen = 0;
	long long v;
	int neg = *p == '-', dot, ex = 0;

	*trunc = 0;
	q = p + (*p == '-' || *p == '+');
	for (d = q; DIGIT(*d); d++)
		;
	if (d > q)
		ilen = (size_t)(d - p) + (*d == 'L' ? 1 + (d[1] == 'L') : 0);
	if (q == p && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    XDIGIT(p[2])) {
		for (e = p + 2; XDIGIT(*e); e++)
			;
		xlen = (size_t)(e - p) + (*e == 'L' ? 1 + (e[1] == 'L') : 0);
	}
	/* [0-9]*\.[0-9]*(exp)?  or  [0-9]+(\.[0-9]*)?exp */
	f = d;
	if ((dot = *f == '.'))
		for (f++; DIGIT(*f); f++)
			;
	if (*f == 'e' || *f == 'E') {
		e = f + 1 + (f[1] == '-' || f[1] == '+');
		if (DIGIT(*e)) {
			for (; DIGIT(*e); e++)
				;
			f = e;
			ex = 1;
		}
	}
	if (dot || (ex && d > q))
		flen = (size_t)(f - p);
	if (flen > 0 && flen >= ilen && flen >= xlen)
		return flen;
	if (xlen > ilen) {
		if (p[xlen - 1] != 'L') {
			/* strtoul into an int: at most 0x7fffffff survives */
			for (f = p + 2; *f == '0'; f++)
				;
			e = p + xlen;
			*trunc = e - f > 8 || (e - f == 8 && *f > '7');
		}
		return xlen;
	}
	if (ilen == 0)
		return 1;
	if (ilen == (size_t)(d - p)) {
		/* atoll into an int */
		for (v = 0, e = q; e < d && !*trunc; e++) {
			v = v * 10 + (*e - '0');
			*trunc = v > (long long)INT_MAX + neg;
		}
	}
	return ilen;
}

/*
 * libconfig 1.5 (Debian's) follows @include to any file, and silently
 * truncates integers that do not fit in 32 bits: "workers = 4294967298;"
 * reads as 2.  Neither can be seen once parsed, so this walks the text with
 * the scanner's own token rules first and refuses both.  airlock reads one
 * file only: what the master parses is what the admin sees.
 * Returns 0, or the line of the problem with the reason in why.
 */
static int
prescan(const char *text, char *why, size_t n)
{
	const char *p = text, *q;
	size_t len;
	int line = 1, trunc;

	while (*p != '\0') {
		/* scanner.l: ^[ \t]*@include[ \t]+\" */
		if (p == text || p[-1] == '\n') {
			for (q = p; *q == ' ' || *q == '\t'; q++)
				;
			if (strncmp(q, "@include", 8) == 0 &&
			    (q[8] == ' ' || q[8] == '\t')) {
				for (q += 8; *q == ' ' || *q == '\t'; q++)
					;
				if (*q == '"') {
					errf(why, n, "@include is not "
					    "supported: airlock reads one file");
					return line;
				}
			}
		}
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '"') {
			/* \" and \\ are the escapes that matter here. */
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				else if (*p == '\n')
					line++;
			}
			if (*p == '"')
				p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/');
			    p++)
				if (*p == '\n')
					line++;
			if (*p != '\0')
				p += 2;
		} else if (ALPHA(*p) || *p == '*') {
			/* A name: its digits are no number. */
			for (p++; ALPHA(*p) || DIGIT(*p) || *p == '-' ||
			    *p == '_' || *p == '*'; p++)
				;
		} else if (DIGIT(*p) || *p == '.' || ((*p == '-' ||
		    *p == '+') && (DIGIT(p[1]) || p[1] == '.'))) {
			len = numtok(p, &trunc);
			if (trunc) {
				errf(why, n, "syntax error: integer %.*s%s is out of range "
				    "(32 bits; append L for 64)",
				    len > 24 ? 24 : (int)len, p,
				    len > 24 ? "..." : "");
				return line;
			}
			p += len;
		} else
			p++;
	}
	return 0;
}

/* libconfig's own words, most often just "syntax error". */
static void
syntax_why(const config_t *cfg, char *why, size_t n)
{
	const char *t = config_error_text(cfg);

	if (t == NULL || strcmp(t, "syntax error") == 0)
		errf(why, n, "syntax error");
	else
		errf(why, n, "syntax error: %s", t);
}

static int
list_from_setting(const struct conf_key *k, config_setting_t *s,
    struct strlist *l, char *why, size_t n)
{
	config_setting_t *e;
	const char *str;
	int i, cnt;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		errf(why, n, "%s", type_why(k, 1));
		return -1;
	}
	if ((cnt = config_setting_length(s)) > CONF_LIST_MAX) {
		errf(why, n, "more than %d entries", CONF_LIST_MAX);
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		if (e == NULL || config_setting_type(e) != CONFIG_TYPE_STRING ||
		    (str = config_setting_get_string(e)) == NULL) {
			errf(why, n, "%s", type_why(k, 1));
			goto fail;
		}
		if (strlist_add(l, str, strlen(str)) != 0) {
			errf(why, n, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	strlist_free(l);
	return -1;
}

/* A setting from the file as the key's type. */
static int
setting_val(const struct conf_key *k, config_setting_t *s,
    struct conf_val *v, char *why, size_t n)
{
	int t = config_setting_type(s);
	const char *str;

	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case CT_STR:
		if (t != CONFIG_TYPE_STRING ||
		    (str = config_setting_get_string(s)) == NULL)
			break;
		if ((v->s = strdup(str)) == NULL) {
			errf(why, n, "out of memory");
			return -1;
		}
		return 0;
	case CT_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			break;
		v->i = config_setting_get_bool(s) != 0;
		return 0;
	case CT_INT:
	case CT_DURATION:
	case CT_SIZE:
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
			v->i = config_setting_get_int64(s);
			return 0;
		}
		if (k->type != CT_INT && t == CONFIG_TYPE_STRING &&
		    (str = config_setting_get_string(s)) != NULL)
			return scaled_val(k, str, v, 1, why, n);
		break;
	case CT_LIST:
		return list_from_setting(k, s, &v->l, why, n);
	}
	errf(why, n, "%s", type_why(k, 1));
	return -1;
}

/* A list on -o in libconfig's own syntax, ["a", "b"] or ("a", "b"). */
static int
list_from_libconfig(const struct conf_key *k, const char *s,
    struct strlist *l, char *why, size_t n)
{
	config_t cfg;
	config_setting_t *root, *e;
	char *text;
	int r = -1;

	if (prescan(s, why, n) != 0)
		return -1;
	/* The newline ends a trailing comment; see conf_load_text. */
	if (asprintf(&text, "v = %s\n;\n", s) == -1) {
		errf(why, n, "out of memory");
		return -1;
	}
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		syntax_why(&cfg, why, n);
	else {
		/* "[...]; w = 1" parses too, as two settings. */
		root = config_root_setting(&cfg);
		if (config_setting_length(root) != 1 ||
		    (e = config_setting_get_member(root, "v")) == NULL)
			errf(why, n, "%s", type_why(k, 0));
		else
			r = list_from_setting(k, e, l, why, n);
	}
	config_destroy(&cfg);
	free(text);
	return r;
}

/*
 * A list on -o: libconfig's syntax when it opens with [" or [] or (, else
 * a plain comma-separated list, so "[::1]:80" is the plain kind.  An empty
 * value is an empty list.
 */
static int
list_from_text(const struct conf_key *k, const char *s, struct strlist *l,
    char *why, size_t n)
{
	const char *p, *q, *end;

	for (p = s; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0')
		return 0;
	for (q = p + 1; *p == '[' && (*q == ' ' || *q == '\t'); q++)
		;
	if (*p == '(' || (*p == '[' && (*q == '"' || *q == ']')))
		return list_from_libconfig(k, s, l, why, n);
	for (p = s;; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (*p == ' ' || *p == '\t')
			p++;
		for (q = end; q > p && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		if (q == p) {
			errf(why, n, "empty list entry");
			goto fail;
		}
		if (l->n == CONF_LIST_MAX) {
			errf(why, n, "more than %d entries", CONF_LIST_MAX);
			goto fail;
		}
		if (strlist_add(l, p, (size_t)(q - p)) != 0) {
			errf(why, n, "out of memory");
			goto fail;
		}
		if (*end == '\0')
			break;
	}
	return 0;
fail:
	strlist_free(l);
	return -1;
}

/* A value written as text: -o, and the defaults in the table. */
static int
text_val(const struct conf_key *k, const char *s, struct conf_val *v,
    char *why, size_t n)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	const char *p;
	size_t i;
	int over = 0, neg;

	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case CT_STR:
		if ((v->s = strdup(s)) == NULL) {
			errf(why, n, "out of memory");
			return -1;
		}
		return 0;
	case CT_BOOL:
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcasecmp(s, yes[i]) == 0) {
				v->i = 1;
				return 0;
			}
			if (strcasecmp(s, no[i]) == 0) {
				v->i = 0;
				return 0;
			}
		}
		break;
	case CT_INT:
		neg = *s == '-';
		p = s + neg;
		if (*p < '0' || *p > '9')
			break;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v->i > (LLONG_MAX - (*p - '0')) / 10)
				over = 1;
			else
				v->i = v->i * 10 + (*p - '0');
		}
		if (*p != '\0')
			break;
		if (over) {
			range_why(k, s, why, n);
			return -1;
		}
		if (neg)
			v->i = -v->i;
		return 0;
	case CT_DURATION:
	case CT_SIZE:
		return scaled_val(k, s, v, 0, why, n);
	case CT_LIST:
		return list_from_text(k, s, &v->l, why, n);
	}
	errf(why, n, "%s", type_why(k, 0));
	return -1;
}

static int
conf_copy(struct airlock_conf *dst, const struct airlock_conf *src)
{
	const struct conf_key *k;
	const char *s;
	size_t i;

	*dst = *src;
	/* Not dst's yet: clear the pointers so a failure frees only copies. */
	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		if (k->type == CT_STR)
			*(char **)field(dst, k) = NULL;
		else if (k->type == CT_LIST)
			memset(field(dst, k), 0, sizeof(struct strlist));
	}
	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		if (k->type == CT_STR) {
			s = *(char *const *)cfield(src, k);
			if ((*(char **)field(dst, k) = strdup(s)) == NULL)
				goto fail;
		} else if (k->type == CT_LIST) {
			if (strlist_copy(field(dst, k), cfield(src, k)) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	conf_clear(dst);
	return -1;
}

struct airlock_conf *
conf_new(void)
{
	struct airlock_conf *c;
	struct conf_val v;
	char why[WHY_MAX];
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < NKEYS; i++) {
		memset(&v, 0, sizeof(v));
		/*
		 * A default that fails, or a range an int cannot hold, is a
		 * bug in the table or the build; the unit tests see it here.
		 */
		if (conf_keys[i].min < INT_MIN || conf_keys[i].max > INT_MAX ||
		    text_val(&conf_keys[i], conf_keys[i].def, &v, why,
		    sizeof(why)) != 0 ||
		    val_check(&conf_keys[i], &v, why, sizeof(why)) != 0) {
			val_free(&v);
			conf_free(c);
			errno = EINVAL;
			return NULL;
		}
		val_store(c, &conf_keys[i], &v);
	}
	return c;
}

void
conf_free(struct airlock_conf *c)
{
	if (c == NULL)
		return;
	conf_clear(c);
	free(c);
}

/* Applies every setting in cfg to c, stopping at the first bad one. */
static int
conf_apply(struct airlock_conf *c, config_t *cfg, const char *name,
    char *err, size_t errlen)
{
	config_setting_t *root, *sect, *s;
	const struct conf_key *k;
	const char *sname, *kname;
	struct conf_val v;
	char why[WHY_MAX];
	int i, j, ns, nk;

	root = config_root_setting(cfg);
	ns = config_setting_length(root);
	for (i = 0; i < ns; i++) {
		sect = config_setting_get_elem(root, (unsigned int)i);
		if ((sname = config_setting_name(sect)) == NULL)
			sname = "?";
		if (!section_known(sname)) {
			errf(err, errlen, "%s:%u: %s: unknown setting", name,
			    config_setting_source_line(sect), sname);
			return -1;
		}
		if (!config_setting_is_group(sect)) {
			errf(err, errlen, "%s:%u: %s: expected a group, "
			    "%s = { ... };", name,
			    config_setting_source_line(sect), sname, sname);
			return -1;
		}
		nk = config_setting_length(sect);
		for (j = 0; j < nk; j++) {
			s = config_setting_get_elem(sect, (unsigned int)j);
			if ((kname = config_setting_name(s)) == NULL)
				kname = "?";
			k = key_find(sname, strlen(sname), kname,
			    strlen(kname));
			if (k == NULL) {
				errf(err, errlen, "%s:%u: %s.%s: unknown "
				    "setting", name,
				    config_setting_source_line(s), sname,
				    kname);
				return -1;
			}
			if (setting_val(k, s, &v, why, sizeof(why)) != 0 ||
			    val_check(k, &v, why, sizeof(why)) != 0) {
				val_free(&v);
				errf(err, errlen, "%s:%u: %s: %s", name,
				    config_setting_source_line(s), k->name,
				    why);
				return -1;
			}
			val_store(c, k, &v);
		}
	}
	return 0;
}

/*
 * text is the whole file.  c changes only when all of it is good, so a
 * reload with a bad file leaves the running configuration as it was.
 */
static int
conf_load_text(struct airlock_conf *c, const char *text, const char *name,
    char *err, size_t errlen)
{
	struct airlock_conf tmp;
	config_t cfg;
	char why[WHY_MAX], *copy;
	size_t len;
	int line, r = -1;

	if ((line = prescan(text, why, sizeof(why))) != 0) {
		errf(err, errlen, "%s:%d: %s", name, line, why);
		return -1;
	}
	/*
	 * libconfig 1.5 takes a comment on a last line without a newline
	 * for garbage; the newline changes no line number.
	 */
	len = strlen(text);
	if ((copy = malloc(len + 2)) == NULL) {
		errf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	memcpy(copy, text, len);
	memcpy(copy + len, "\n", 2);
	config_init(&cfg);
	if (config_read_string(&cfg, copy) != CONFIG_TRUE) {
		syntax_why(&cfg, why, sizeof(why));
		errf(err, errlen, "%s:%d: %s", name, config_error_line(&cfg),
		    why);
		goto out;
	}
	if (conf_copy(&tmp, c) != 0) {
		errf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (conf_apply(&tmp, &cfg, name, err, errlen) != 0) {
		conf_clear(&tmp);
		goto out;
	}
	conf_clear(c);
	*c = tmp;
	r = 0;
out:
	config_destroy(&cfg);
	free(copy);
	return r;
}

int
conf_load_string(struct airlock_conf *c, const char *text, const char *name,
    char *err, size_t errlen)
{
	return conf_load_text(c, text, name != NULL ? name : "(string)", err,
	    errlen);
}

int
conf_load_file(struct airlock_conf *c, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		errf(err, errlen, "%s: is a directory", path);
		goto out;
	}
	/* Read to EOF rather than trust st_size: a pipe has none. */
	if ((text = malloc(CONF_FILE_MAX + 1)) == NULL) {
		errf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		r = read(fd, text + len, CONF_FILE_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			errf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CONF_FILE_MAX) {
			errf(err, errlen, "%s: larger than %d bytes", path,
			    CONF_FILE_MAX);
			goto out;
		}
	}
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		errf(err, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	ret = conf_load_text(c, text, path, err, errlen);
out:
	free(text);
	close(fd);
	return ret;
}

int
conf_override(struct airlock_conf *c, const char *kv, char *err,
    size_t errlen)
{
	const struct conf_key *k = NULL;
	const char *eq, *dot;
	struct conf_val v;
	char why[WHY_MAX], kb[2 * VIS_MAX];

	str_vis(kb, sizeof(kb), kv);
	if ((eq = strchr(kv, '=')) == NULL) {
		errf(err, errlen, "-o %s: expected key=value", kb);
		return -1;
	}
	dot = memchr(kv, '.', (size_t)(eq - kv));
	if (dot != NULL)
		k = key_find(kv, (size_t)(dot - kv), dot + 1,
		    (size_t)(eq - dot - 1));
	if (k == NULL) {
		errf(err, errlen, "-o %s: unknown setting", kb);
		return -1;
	}
	if (text_val(k, eq + 1, &v, why, sizeof(why)) != 0 ||
	    val_check(k, &v, why, sizeof(why)) != 0) {
		val_free(&v);
		errf(err, errlen, "-o %s: %s", kb, why);
		return -1;
	}
	val_store(c, k, &v);
	return 0;
}

int
conf_check(const struct airlock_conf *c, char *err, size_t errlen)
{
	const struct conf_key *k;
	struct conf_val v;
	char why[WHY_MAX], vb[VIS_MAX];
	size_t i, j;

	/* Each key again: defaults and unpacked values come this way too. */
	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		val_view(c, k, &v);
		if (val_check(k, &v, why, sizeof(why)) != 0) {
			errf(err, errlen, "%s: %s", k->name, why);
			return -1;
		}
	}
	if (c->max_header_size < c->max_request_line) {
		errf(err, errlen, "http.max_header_size (%d) is smaller than "
		    "http.max_request_line (%d): the request line counts "
		    "towards it", c->max_header_size, c->max_request_line);
		return -1;
	}
	for (i = 0; i < c->listen.n; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(c->listen.v[i], c->listen.v[j]) == 0) {
				errf(err, errlen, "http.listen: \"%s\" is "
				    "listed twice", str_vis(vb, sizeof(vb),
				    c->listen.v[i]));
				return -1;
			}
		}
	}
	if (c->https_listen.n > 0 && (c->https_certificate[0] == '\0' ||
	    c->https_key[0] == '\0')) {
		errf(err, errlen, "https.listen is set: https.certificate and "
		    "https.key are needed too");
		return -1;
	}
	if (strcasecmp(c->audit_format, "none") != 0 &&
	    c->audit_file[0] == '\0') {
		errf(err, errlen, "audit.format is %s but audit.file is not "
		    "set", c->audit_format);
		return -1;
	}
	return 0;
}

/* A string in libconfig syntax, so that conf_load reads back the same. */
static int
put_quoted(struct buf *b, const char *s)
{
	const unsigned char *p;
	int r = buf_put_u8(b, '"');

	for (p = (const unsigned char *)s; r == 0 && *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			r = buf_putf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			r = buf_putf(b, "\\x%02x", *p);
		else
			r = buf_put_u8(b, *p);
	}
	return r == 0 ? buf_put_u8(b, '"') : -1;
}

static int
dump_key(const struct airlock_conf *c, const struct conf_key *k,
    struct buf *b)
{
	const struct strlist *l;
	int v = *(const int *)cfield(c, k);
	size_t i;

	if (buf_putf(b, "\t# %s\n\t%s = ", k->desc,
	    strchr(k->name, '.') + 1) != 0)
		return -1;
	switch (k->type) {
	case CT_STR:
		if (put_quoted(b, *(char *const *)cfield(c, k)) != 0)
			return -1;
		break;
	case CT_INT:
	case CT_SIZE:
		if (buf_putf(b, "%d", v) != 0)
			return -1;
		break;
	case CT_DURATION:
		if (buf_putf(b, "\"%ds\"", v) != 0)
			return -1;
		break;
	case CT_BOOL:
		if (buf_putf(b, "%s", v ? "true" : "false") != 0)
			return -1;
		break;
	case CT_LIST:
		l = cfield(c, k);
		if (buf_putf(b, "[") != 0)
			return -1;
		for (i = 0; i < l->n; i++)
			if (buf_putf(b, "%s", i ? ", " : " ") != 0 ||
			    put_quoted(b, l->v[i]) != 0)
				return -1;
		if (buf_putf(b, " ]") != 0)
			return -1;
		break;
	}
	return buf_putf(b, ";\n");
}

void
conf_dump(const struct airlock_conf *c, int fd)
{
	const struct conf_key *k;
	const char *dot, *sect = NULL;
	size_t i, slen = 0, off;
	struct buf b;
	ssize_t w;
	int r = 0;

	buf_init(&b, CONF_DUMP_MAX);
	for (i = 0; r == 0 && i < NKEYS; i++) {
		k = &conf_keys[i];
		dot = strchr(k->name, '.');
		if (sect == NULL || (size_t)(dot - k->name) != slen ||
		    strncmp(k->name, sect, slen) != 0) {
			if (sect != NULL)
				r = buf_putf(&b, "};\n\n");
			sect = k->name;
			slen = (size_t)(dot - k->name);
			r = r ? r : buf_putf(&b, "%.*s = {\n", (int)slen, sect);
		}
		r = r ? r : dump_key(c, k, &b);
	}
	if (r == 0 && sect != NULL)
		r = buf_putf(&b, "};\n");
	if (r != 0) {
		/* Half a configuration would read as a whole one. */
		buf_release(&b);
		return;
	}
	for (off = 0; off < b.len; off += (size_t)w) {
		w = write(fd, b.data + off, b.len - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0)
			break;
	}
	buf_release(&b);
}

int
conf_pack(const struct airlock_conf *c, struct buf *b)
{
	const struct conf_key *k;
	const struct strlist *l;
	size_t i, j;

	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		switch (k->type) {
		case CT_STR:
			if (buf_put_str(b, *(char *const *)cfield(c, k)) != 0)
				return -1;
			break;
		case CT_BOOL:
			if (buf_put_u32(b, *(const int *)cfield(c, k) != 0) !=
			    0)
				return -1;
			break;
		case CT_LIST:
			l = cfield(c, k);
			if (l->n > CONF_LIST_MAX ||
			    buf_put_u32(b, (uint32_t)l->n) != 0)
				return -1;
			for (j = 0; j < l->n; j++)
				if (buf_put_str(b, l->v[j]) != 0)
					return -1;
			break;
		default:
			if (buf_put_u64(b,
			    (uint64_t)(int64_t)*(const int *)cfield(c, k)) != 0)
				return -1;
			break;
		}
	}
	return 0;
}

/*
 * The bytes come from another process: every length and count is bounded
 * before anything is allocated, and every value passes the same checks as
 * one read from the file.
 */
struct airlock_conf *
conf_unpack(struct buf *b)
{
	const struct conf_key *k;
	struct airlock_conf *c;
	struct conf_val v;
	char why[WHY_MAX], *s;
	uint64_t u64;
	uint32_t u32, j;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		memset(&v, 0, sizeof(v));
		switch (k->type) {
		case CT_STR:
			if (buf_get_str(b, &v.s, CONF_STR_MAX) != 0)
				goto fail;
			break;
		case CT_BOOL:
			if (buf_get_u32(b, &u32) != 0 || u32 > 1)
				goto fail;
			v.i = u32;
			break;
		case CT_LIST:
			if (buf_get_u32(b, &u32) != 0 || u32 > CONF_LIST_MAX)
				goto fail;
			for (j = 0; j < u32; j++) {
				if (buf_get_str(b, &s, CONF_STR_MAX) != 0)
					goto fail;
				if (strlist_add(&v.l, s, strlen(s)) != 0) {
					free(s);
					goto fail;
				}
				free(s);
			}
			break;
		default:
			if (buf_get_u64(b, &u64) != 0)
				goto fail;
			v.i = (long long)(int64_t)u64;
			break;
		}
		if (val_check(k, &v, why, sizeof(why)) != 0)
			goto fail;
		val_store(c, k, &v);
	}
	if (buf_avail(b) != 0 || conf_check(c, why, sizeof(why)) != 0)
		goto fail2;
	return c;
fail:
	val_free(&v);
fail2:
	conf_free(c);
	errno = EBADMSG;
	return NULL;
}
