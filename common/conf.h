/*
 * conf: airlock.conf, read with libconfig against one table of known keys
 * (conf.c).  Every key has a safe default; an unknown key, a wrong type or
 * a bad value is an error naming the file, the line and the key.  Only the
 * master reads the file; roles receive the parsed settings over IPC
 * (conf_pack / conf_unpack), so no child ever opens it.
 *
 * (Named conf.h, not config.h: config.h is autoconf's.)
 */
#ifndef AIRLOCK_CONF_H
#define AIRLOCK_CONF_H

#include <stddef.h>

#include "buf.h"

#ifndef AIRLOCK_CONF_FILE
#define AIRLOCK_CONF_FILE "/etc/airlock/airlock.conf"
#endif
#ifndef AIRLOCK_DATA_DIR
#define AIRLOCK_DATA_DIR "/var/lib/airlock"
#endif

struct strlist {
	char **v;
	size_t n;
};

struct airlock_conf {
	/* server */
	char *data_dir;		/* server.data_dir */
	int workers;		/* server.workers: 1..64 */
	char *user;		/* server.user: the unprivileged service user */
	char *address;		/* server.address: public URL, "" = unset */
	char *server_name;	/* server.server_name: Server header product */
	int hide_version;	/* server.hide_version */
	int shutdown_timeout;	/* server.shutdown_timeout: seconds to drain */
	char *log_level;	/* server.log_level: error|warn|info|debug */
	char *control_socket;	/* server.control_socket, "" = DATA_DIR/… */
	int content_type_sniffing;	/* server.content_type_sniffing */
	char *frame_options_content;	/* server.frame_options_content */
	char *frame_options_dashboard;	/* server.frame_options_dashboard */
	struct strlist custom_header;	/* server.custom_header */
	char *same_site;	/* server.same_site: None|Lax|Strict */
	int web_sudo_mode;	/* server.web_sudo_mode */
	int web_sudo_mode_duration;	/* server.web_sudo_mode_duration, s */
	/* http */
	struct strlist listen;	/* http.listen: "addr:port" / "[v6]:port" */
	char *static_dir;	/* http.static_dir: served at /, "" = none */
	int max_connections;	/* http.max_connections, per worker */
	int max_request_line;	/* http.max_request_line, bytes */
	int max_header_size;	/* http.max_header_size, bytes (all headers) */
	int max_headers;	/* http.max_headers, count */
	int max_body_size;	/* http.max_body_size, bytes */
	int header_timeout;	/* http.header_timeout, seconds */
	int idle_timeout;	/* http.idle_timeout, seconds (keep-alive) */
	int body_timeout;	/* http.body_timeout, seconds */
	int send_timeout;	/* http.send_timeout, seconds */
	int access_log;		/* http.access_log */
	int no_warning;		/* http.no_warning */
	int force_secure;	/* http.force_secure */
	struct strlist trusted_proxies;	/* http.trusted_proxies */
	/* http_redirect */
	struct strlist redirect_listen;	/* http_redirect.listen */
	/* store */
	int max_package_size;	/* store.max_package_size, bytes */
	int max_unpacked_size;	/* store.max_unpacked_size, bytes */
	/* https */
	struct strlist https_listen;	/* https.listen */
	char *https_certificate;	/* https.certificate: chain, PEM */
	char *https_key;		/* https.key: PEM */
	char *https_minimum_tls;	/* https.minimum_tls: 1.0..1.3 */
	char *https_ciphers;		/* https.ciphers: TLS <= 1.2 */
	int https_permanent;		/* https.permanent */
	/* authentication (durations in seconds) */
	int auth_lifetime;		/* authentication.lifetime */
	int auth_inactivity;		/* authentication.inactivity */
	int auth_sweep;			/* authentication.cookie_sweep_duration */
	int auth_captcha;		/* authentication.challenge_response_enabled */
	int auth_delay_after;		/* authentication.delay_after */
	int auth_delay_max;		/* authentication.delay_max */
	int auth_lockout_after;		/* authentication.lockout_after */
	int auth_lockout_duration;	/* authentication.lockout_duration */
	int auth_cache;			/* authentication.cache */
	/* sync */
	int sync_require_approval;	/* sync.require_approval */
	int sync_max_window;		/* sync.max_window, s */
	struct strlist sync_schedule;	/* sync.schedule */
	struct strlist sync_mirrors;	/* sync.mirrors: "NAME URL k=v..." */
	/* audit */
	char *audit_format;	/* audit.format: none|CSV|JSON */
	char *audit_file;	/* audit.file, "" = none */
	/* bundle */
	char *bundle_signing_key;		/* bundle.signing_key */
	struct strlist bundle_trusted_keys;	/* bundle.trusted_keys */
};

/* A configuration with every default filled in; NULL on allocation failure. */
struct airlock_conf *conf_new(void);
void conf_free(struct airlock_conf *c);

/*
 * Reads a file / a string (name is used in messages) over c.  On error
 * returns -1 and writes "FILE:LINE: KEY: what is wrong" into err.
 */
int conf_load_file(struct airlock_conf *c, const char *path, char *err,
    size_t errlen);
int conf_load_string(struct airlock_conf *c, const char *text,
    const char *name, char *err, size_t errlen);
/* Applies one -o "key=value"; value is typed by the key's table entry. */
int conf_override(struct airlock_conf *c, const char *kv, char *err,
    size_t errlen);
/* Checks across keys once everything is applied. */
int conf_check(const struct airlock_conf *c, char *err, size_t errlen);
/* Writes the effective configuration in airlock.conf syntax (airlockd -T). */
void conf_dump(const struct airlock_conf *c, int fd);

/* Serialises every setting for a role; conf_unpack is its exact inverse. */
int conf_pack(const struct airlock_conf *c, struct buf *b);
/* Returns a new configuration, or NULL on a malformed buffer. */
struct airlock_conf *conf_unpack(struct buf *b);

/* One sync.schedule entry: "Mon-Fri 02:00 2h", UTC. */
struct conf_schedule {
	unsigned days;		/* bit 0: Sunday ... bit 6: Saturday */
	int minute;		/* of the day it starts */
	long seconds;		/* how long it lasts */
};
/* 0 with *sc (may be NULL: just check), -1 when malformed. */
int conf_schedule_parse(const char *s, struct conf_schedule *sc);
/* The index of a sync.mirrors key (ca, proxy, ... client_key), or -1. */
int conf_mirror_key(const char *k, size_t n);
/* A binaries= value: binary types (pkg.h) split at commas.  0 or -1. */
int conf_binaries_valid(const char *s);
/*
 * The next blank-separated word of a sync.mirrors entry at *p into w (n
 * bytes), *p moved past it: 1, 0 at the end, -1 when it does not fit.
 */
int conf_mirror_word(const char **p, char *w, size_t n);
/* 1000, 500k, 2m, 1g: bytes per second (k = 1024), or -1. */
long long conf_rate_parse(const char *s);

/* "90", "90s", "30m", "12h", "7d" → seconds; -1 when malformed. */
long conf_parse_duration(const char *s);

#endif
