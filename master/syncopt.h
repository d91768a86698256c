/*
 * syncopt: a cran mirror's sync settings, as stored in its repos row.
 *
 * repos.sync_options is a JSON object of the settings that are not
 * secret; several features keep keys there, so every reader and writer
 * goes through here and keys it does not know are kept as they are:
 *   "proxy"            "http://host:port"
 *   "concurrency"      parallel transfers, 1..64 (absent: 8)
 *   "max_rate"         bytes/s for the whole pass (absent: unlimited)
 *   "client_cert_pem"  the client certificate (chain) for the upstream
 *   "binaries"         binary types to mirror besides source, as
 *                      ["win.binary:4.4", "mac.binary.big-sur-arm64:4.4"]
 *                      (pkg.h); absent: source only
 * repos.sync_secret is a JSON object of values sealed (secret.h) with
 * the server's sync key, each bound to the mirror's name and its key:
 *   "userpwd"          upstream HTTP Basic "user:password"
 *   "proxy_userpwd"    the proxy's "user:password"
 *   "client_key_pem"   the client certificate's private key
 * The master seals; only the sync role opens them, when it starts.
 */
#ifndef AIRLOCK_SYNCOPT_H
#define AIRLOCK_SYNCOPT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "secret.h"

#define SYNCKEY_FILE "keys/sync.key"	/* under DATA_DIR */

/* A stored column (NULL or not an object: an empty object); never NULL. */
json_t *syncopt_parse(const char *text, size_t len);

/* 1 when a repo.create/repo.edit request gives any sync setting. */
int syncopt_requested(const json_t *req);

/*
 * Applies the settings req gives to opts and secrets (from
 * syncopt_parse), sealing the secrets it gives with the sync key (made
 * on first need).  A setting given as JSON null is cleared.  what gets
 * ", proxy http://..., credentials set" for the audit trail: never a
 * secret.  0, or -1 with err (then opts and secrets may be half changed:
 * drop them).
 */
int syncopt_apply(const char *data_dir, const char *repo, const json_t *req,
    json_t *opts, json_t *secrets, struct buf *what, char *err,
    size_t errlen);

/* What repo list shows: the settings, secrets only as "set". */
json_t *syncopt_public(const json_t *opts, const json_t *secrets);

/*
 * The sync key, DATA_DIR/keys/sync.key: 32 random bytes, a regular file
 * owned by root, mode 0600, in a 0700 directory.  With create it is made
 * when missing.  0, or -1 with err (missing, or not as it must be).
 */
int syncopt_key(const char *data_dir, int create,
    uint8_t key[SECRET_KEY_LEN], char *err, size_t errlen);

#endif
