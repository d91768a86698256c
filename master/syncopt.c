#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "pkg.h"
#include "syncopt.h"
#include "util.h"

#define USERPWD_MAX	1024
#define PEM_MAX		32768
#define MAX_RATE_MAX	(1LL << 40)	/* bytes/s: 1 TiB/s, no limit really */

/* The request keys this module owns, so that others can tell. */
static const char *const keys[] = {
	"proxy", "concurrency", "max_rate", "client_cert_pem",
	"client_key_pem", "userpwd", "proxy_userpwd", "binaries",
};

#define BINARIES_MAX	32	/* binary types of one mirror */

/*
 * The binary types a request gives (an array of "win.binary:4.4"...),
 * as a new array of their canonical names without duplicates, in the
 * order given; NULL with err when one is not a binary type.
 */
static json_t *
binaries_valid(const json_t *v, char *err, size_t errlen)
{
	struct pkg_type t;
	const json_t *e;
	json_t *out;
	size_t i, k;
	int dup;

	if (!json_is_array(v) || json_array_size(v) > BINARIES_MAX) {
		errf(err, errlen, "--binaries takes at most %d types",
		    BINARIES_MAX);
		return NULL;
	}
	out = json_array();
	json_array_foreach(v, i, e) {
		const char *spec = json_string_value(e);

		if (spec == NULL || pkg_type_parse(spec, &t) != 0 ||
		    t.kind == PKG_SOURCE) {
			errf(err, errlen, "--binaries: '%.80s' is not a binary "
			    "package type (win.binary:X.Y, mac.binary:X.Y or "
			    "mac.binary.NAME:X.Y, as R's install.packages type "
			    "and the R version X.Y they are built for)",
			    spec ? spec : "?");
			json_decref(out);
			return NULL;
		}
		for (k = 0, dup = 0; k < json_array_size(out); k++)
			dup |= strcmp(json_string_value(json_array_get(out, k)),
			    t.spec) == 0;
		if (!dup)
			json_array_append_new(out, json_string(t.spec));
	}
	return out;
}

json_t *
syncopt_parse(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *j = NULL;

	if (text != NULL && len > 0)
		j = json_loadb(text, len, 0, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	return j;
}

int
syncopt_requested(const json_t *req)
{
	size_t i;

	for (i = 0; i < nitems(keys); i++)
		if (json_object_get(req, keys[i]) != NULL)
			return 1;
	return 0;
}

/* http://HOST:PORT[/], HOST a name, an IPv4 address or [IPv6]. */
static int
proxy_valid(const char *s)
{
	const char *h, *colon, *p;
	long port;
	char *end;

	if (strncmp(s, "http://", 7) != 0 || strlen(s) > 512)
		return 0;
	h = s + 7;
	if (*h == '[') {
		if ((p = strchr(h, ']')) == NULL || p[1] != ':')
			return 0;
		if (strspn(h + 1, "0123456789abcdefABCDEF:.") !=
		    (size_t)(p - h - 1) || p == h + 1)
			return 0;
		colon = p + 1;
	} else {
		if ((colon = strchr(h, ':')) == NULL || colon == h)
			return 0;
		if (strspn(h, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		    (size_t)(colon - h))
			return 0;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || port < 1 || port > 65535 ||
	    (*end != '\0' && strcmp(end, "/") != 0) || colon[1] == '+' ||
	    colon[1] == '-')
		return 0;
	return 1;
}

/* user:password on one line, the user not empty. */
static int
userpwd_valid(const char *s)
{
	size_t n = strlen(s);
	const char *c = strchr(s, ':');

	return n > 0 && n <= USERPWD_MAX && c != NULL && c != s &&
	    strpbrk(s, "\r\n") == NULL;
}

/*
 * The certificate (chain) and its key: both PEM, the key not encrypted,
 * and the key the certificate's.  Checked here, so that a wrong pair is
 * an error at edit time rather than a failed handshake in a window.
 */
static int
client_pair_valid(const char *cert, const char *key, char *err,
    size_t errlen)
{
	static char empty[] = "";
	BIO *cb = NULL, *kb = NULL;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int ok = 0;

	if (strlen(cert) > PEM_MAX || strlen(key) > PEM_MAX) {
		errf(err, errlen, "--client-cert/--client-key: more than %d "
		    "bytes", PEM_MAX);
		return 0;
	}
	if ((cb = BIO_new_mem_buf(cert, -1)) == NULL ||
	    (kb = BIO_new_mem_buf(key, -1)) == NULL)
		goto out;
	if ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) == NULL) {
		errf(err, errlen, "--client-cert: no PEM certificate in it");
		goto out;
	}
	/* An empty passphrase, no prompt: an encrypted key does not load. */
	if ((k = PEM_read_bio_PrivateKey(kb, NULL, NULL, empty)) == NULL) {
		errf(err, errlen, "--client-key: no PEM private key in it "
		    "(an encrypted key is not supported)");
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		errf(err, errlen, "--client-key is not the key of "
		    "--client-cert");
		goto out;
	}
	ok = 1;
out:
	if (!ok && err[0] == '\0')
		errf(err, errlen, "--client-cert: out of memory");
	BIO_free(cb);
	BIO_free(kb);
	X509_free(x);
	EVP_PKEY_free(k);
	return ok;
}

int
syncopt_key(const char *data_dir, int create, uint8_t key[SECRET_KEY_LEN],
    char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, dfd;

	snprintf(dir, sizeof(dir), "%s/keys", data_dir);
	snprintf(path, sizeof(path), "%s/" SYNCKEY_FILE, data_dir);
	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT || !create) {
			errf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
		if (mkdir(dir, 0700) == -1 || lstat(dir, &st) == -1) {
			errf(err, errlen, "cannot make %s: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0) {
		errf(err, errlen, "%s must be a directory owned by root, mode "
		    "0700", dir);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1 || RAND_priv_bytes(key, SECRET_KEY_LEN) != 1 ||
		    write(fd, key, SECRET_KEY_LEN) != SECRET_KEY_LEN ||
		    fsync(fd) != 0) {
			errf(err, errlen, "cannot make %s: %s", path,
			    strerror(errno));
			if (fd != -1) {
				close(fd);
				unlink(path);
			}
			OPENSSL_cleanse(key, SECRET_KEY_LEN);
			return -1;
		}
		close(fd);
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
		    -1) {
			fsync(dfd);
			close(dfd);
		}
		return 0;
	}
	if (fd == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0 || st.st_size != SECRET_KEY_LEN) {
		close(fd);
		errf(err, errlen, "%s must be a %d-byte file owned by root, "
		    "mode 0600", path, SECRET_KEY_LEN);
		return -1;
	}
	n = read(fd, key, SECRET_KEY_LEN);
	close(fd);
	if (n != SECRET_KEY_LEN) {
		OPENSSL_cleanse(key, SECRET_KEY_LEN);
		errf(err, errlen, "%s: cannot read it", path);
		return -1;
	}
	return 0;
}

/* Seals value as secrets[name]; the key is loaded (made) on first use. */
static int
seal(const char *data_dir, const char *repo, const char *name,
    const char *value, json_t *secrets, uint8_t *key, int *have_key,
    char *err, size_t errlen)
{
	char aad[160], *s;

	if (!*have_key) {
		if (syncopt_key(data_dir, 1, key, err, errlen) != 0)
			return -1;
		*have_key = 1;
	}
	secret_aad(repo, name, aad, sizeof(aad));
	if ((s = secret_seal(key, aad, value, strlen(value))) == NULL) {
		errf(err, errlen, "cannot encrypt the %s", name);
		return -1;
	}
	json_object_set_new(secrets, name, json_string(s));
	free(s);
	return 0;
}

/* A string or null (clear) in req, or absent: -1 for anything else. */
static int
str_or_null(const json_t *req, const char *name, const json_t **v)
{
	*v = json_object_get(req, name);
	return *v == NULL || json_is_null(*v) || json_is_string(*v) ? 0 : -1;
}

int
syncopt_apply(const char *data_dir, const char *repo, const json_t *req,
    json_t *opts, json_t *secrets, struct buf *what, char *err,
    size_t errlen)
{
	const json_t *proxy, *cert, *ckey, *up, *pup, *v;
	json_t *bins = NULL;
	uint8_t key[SECRET_KEY_LEN];
	int have_key = 0, r = -1;
	size_t i;

	err[0] = '\0';
	if (str_or_null(req, "proxy", &proxy) != 0 ||
	    str_or_null(req, "client_cert_pem", &cert) != 0 ||
	    str_or_null(req, "client_key_pem", &ckey) != 0 ||
	    str_or_null(req, "userpwd", &up) != 0 ||
	    str_or_null(req, "proxy_userpwd", &pup) != 0) {
		errf(err, errlen, "malformed sync settings");
		return -1;
	}
	/* Every check first: a bad value changes nothing. */
	if (json_is_string(proxy) && !proxy_valid(json_string_value(proxy))) {
		errf(err, errlen, "--proxy must look like http://host:port "
		    "(proxy credentials go in --proxy-credentials-file)");
		return -1;
	}
	if ((v = json_object_get(req, "concurrency")) != NULL &&
	    !json_is_null(v) && (!json_is_integer(v) ||
	    json_integer_value(v) < 1 || json_integer_value(v) > 64)) {
		errf(err, errlen, "--concurrency must be 1 to 64");
		return -1;
	}
	if ((v = json_object_get(req, "max_rate")) != NULL &&
	    !json_is_null(v) && (!json_is_integer(v) ||
	    json_integer_value(v) < 1 ||
	    json_integer_value(v) > MAX_RATE_MAX)) {
		errf(err, errlen, "--max-rate must be a number of bytes per "
		    "second, at least 1 (--no-max-rate: unlimited)");
		return -1;
	}
	if (json_is_null(cert) != json_is_null(ckey) ||
	    json_is_string(cert) != json_is_string(ckey)) {
		errf(err, errlen, "--client-cert and --client-key go "
		    "together");
		return -1;
	}
	if (json_is_string(cert) && !client_pair_valid(
	    json_string_value(cert), json_string_value(ckey), err, errlen))
		return -1;
	if ((v = json_object_get(req, "binaries")) != NULL && !json_is_null(v) &&
	    (bins = binaries_valid(v, err, errlen)) == NULL)
		return -1;
	if ((json_is_string(up) && !userpwd_valid(json_string_value(up))) ||
	    (json_is_string(pup) && !userpwd_valid(json_string_value(pup)))) {
		errf(err, errlen, "credentials must be one line, "
		    "user:password, the user not empty, at most %d bytes",
		    USERPWD_MAX);
		json_decref(bins);
		return -1;
	}

	if (bins != NULL && json_array_size(bins) > 0) {
		buf_putf(what, ", binaries");
		for (i = 0; i < json_array_size(bins); i++)
			buf_putf(what, " %s",
			    json_string_value(json_array_get(bins, i)));
		json_object_set_new(opts, "binaries", bins);
	} else if (json_object_get(req, "binaries") != NULL) {
		json_decref(bins);
		if (json_object_del(opts, "binaries") == 0)
			buf_putf(what, ", no binaries");
	}

	if (json_is_string(proxy)) {
		json_object_set_new(opts, "proxy", json_deep_copy(proxy));
		buf_putf(what, ", proxy %s", json_string_value(proxy));
	} else if (json_is_null(proxy) && json_object_del(opts, "proxy") == 0)
		buf_putf(what, ", no proxy");
	if ((v = json_object_get(req, "concurrency")) != NULL) {
		if (json_is_null(v)) {
			if (json_object_del(opts, "concurrency") == 0)
				buf_putf(what, ", default concurrency");
		} else {
			json_object_set_new(opts, "concurrency", json_deep_copy(v));
			buf_putf(what, ", concurrency %lld",
			    (long long)json_integer_value(v));
		}
	}
	if ((v = json_object_get(req, "max_rate")) != NULL) {
		if (json_is_null(v)) {
			if (json_object_del(opts, "max_rate") == 0)
				buf_putf(what, ", no rate limit");
		} else {
			json_object_set_new(opts, "max_rate", json_deep_copy(v));
			buf_putf(what, ", max rate %lld B/s",
			    (long long)json_integer_value(v));
		}
	}
	if (json_is_string(cert)) {
		if (seal(data_dir, repo, "client_key_pem",
		    json_string_value(ckey), secrets, key, &have_key, err,
		    errlen) != 0)
			goto out;
		json_object_set_new(opts, "client_cert_pem", json_deep_copy(cert));
		buf_putf(what, ", client certificate set");
	} else if (json_is_null(cert)) {
		json_object_del(secrets, "client_key_pem");
		if (json_object_del(opts, "client_cert_pem") == 0)
			buf_putf(what, ", client certificate removed");
	}
	if (json_is_string(up)) {
		if (seal(data_dir, repo, "userpwd", json_string_value(up),
		    secrets, key, &have_key, err, errlen) != 0)
			goto out;
		buf_putf(what, ", credentials set");
	} else if (json_is_null(up) && json_object_del(secrets, "userpwd") ==
	    0)
		buf_putf(what, ", credentials removed");
	if (json_is_string(pup)) {
		if (seal(data_dir, repo, "proxy_userpwd",
		    json_string_value(pup), secrets, key, &have_key, err,
		    errlen) != 0)
			goto out;
		buf_putf(what, ", proxy credentials set");
	} else if (json_is_null(pup) && json_object_del(secrets,
	    "proxy_userpwd") == 0)
		buf_putf(what, ", proxy credentials removed");
	r = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

json_t *
syncopt_public(const json_t *opts, const json_t *secrets)
{
	json_t *o = json_deep_copy(opts);

	if (o == NULL)
		return json_object();
	/* Not a secret, but long: whether there is one is what counts. */
	if (json_object_get(o, "client_cert_pem") != NULL) {
		json_object_del(o, "client_cert_pem");
		json_object_set_new(o, "client_cert", json_string("set"));
	}
	if (json_object_get(o, "concurrency") == NULL)
		json_object_set_new(o, "concurrency", json_integer(8));
	if (json_object_get(o, "binaries") == NULL)
		json_object_set_new(o, "binaries", json_array());
	json_object_set_new(o, "credentials", json_string(
	    json_object_get(secrets, "userpwd") ? "set" : "none"));
	json_object_set_new(o, "proxy_credentials", json_string(
	    json_object_get(secrets, "proxy_userpwd") ? "set" : "none"));
	return o;
}
