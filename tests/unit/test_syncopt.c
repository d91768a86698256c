/*
 * syncopt.c: the settings a request gives land in the mirror's options
 * and sealed secrets, keys other features keep are left alone, a null
 * clears, a bad value is refused, repo list's view never holds a secret,
 * and the sync key file is made 0600 in a 0700 directory and refused when
 * it is anything else.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "secret.h"
#include "syncopt.h"
#include "test.h"

static char dir[64], err[512];

static int
apply(json_t *req, json_t *opts, json_t *sec, struct buf *what)
{
	int r = syncopt_apply(dir, "mirror", req, opts, sec, what, err,
	    sizeof(err));

	json_decref(req);
	return r;
}

static void
parse(void)
{
	json_t *j;

	j = syncopt_parse(NULL, 0);
	CHECK(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	j = syncopt_parse("[1]", 3);
	CHECK(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	j = syncopt_parse("{\"proxy\":", 9);
	CHECK(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	j = syncopt_parse("{\"packages\":[\"a\"]}", 18);
	CHECK(json_object_get(j, "packages") != NULL);
	json_decref(j);
}

static void
settings(void)
{
	json_t *opts = syncopt_parse("{\"packages\":[\"a\"],\"suggests\":true}",
	    34), *sec = json_object();
	struct buf what;

	buf_init(&what, 4096);
	CHECK(syncopt_requested(json_pack("{s:s}", "proxy", "x")) == 1);
	CHECK(apply(json_pack("{s:s, s:i, s:i}", "proxy",
	    "http://127.0.0.1:3128", "concurrency", 4, "max_rate", 1000),
	    opts, sec, &what) == 0);
	CHECK(strcmp(json_string_value(json_object_get(opts, "proxy")),
	    "http://127.0.0.1:3128") == 0);
	CHECK(json_integer_value(json_object_get(opts, "concurrency")) == 4);
	CHECK(json_integer_value(json_object_get(opts, "max_rate")) == 1000);
	/* What other features keep there stays. */
	CHECK(json_object_get(opts, "packages") != NULL &&
	    json_is_true(json_object_get(opts, "suggests")));
	buf_put_u8(&what, 0);
	CHECK(strstr((char *)what.data, "proxy http://127.0.0.1:3128") != NULL);
	CHECK(strstr((char *)what.data, "concurrency 4") != NULL);
	/* null clears. */
	buf_reset(&what);
	CHECK(apply(json_pack("{s:n, s:n, s:n}", "proxy", "concurrency",
	    "max_rate"), opts, sec, &what) == 0);
	CHECK(json_object_get(opts, "proxy") == NULL &&
	    json_object_get(opts, "concurrency") == NULL &&
	    json_object_get(opts, "max_rate") == NULL &&
	    json_object_get(opts, "packages") != NULL);
	buf_release(&what);
	json_decref(opts);
	json_decref(sec);
}

static void
refused(void)
{
	static const char *const bad_proxy[] = { "http://h", "http://:80",
	    "http://h:0", "http://h:65536", "https://h:1", "http://u@h:1",
	    "http://u:p@h:1", "ftp://h:1", "http://h:1/x", "http://h:+1",
	    "http://h h:1", "http://[::1]", "http://[]:1", "http://h:1x" };
	static const char *const good_proxy[] = { "http://h:1",
	    "http://proxy.example.org:3128/", "http://[::1]:8080",
	    "http://10.0.0.1:65535" };
	json_t *opts = json_object(), *sec = json_object(), *before;
	struct buf what;
	size_t i;

	buf_init(&what, 4096);
	for (i = 0; i < sizeof(bad_proxy) / sizeof(*bad_proxy); i++) {
		CHECK(apply(json_pack("{s:s}", "proxy", bad_proxy[i]), opts,
		    sec, &what) == -1);
		if (json_object_size(opts) != 0)
			fprintf(stderr, "taken: %s\n", bad_proxy[i]);
	}
	for (i = 0; i < sizeof(good_proxy) / sizeof(*good_proxy); i++)
		CHECK(apply(json_pack("{s:s}", "proxy", good_proxy[i]), opts,
		    sec, &what) == 0);
	before = json_deep_copy(opts);
	CHECK(apply(json_pack("{s:i}", "concurrency", 0), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:i}", "concurrency", 65), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:s}", "concurrency", "4"), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:i}", "max_rate", 0), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:s}", "userpwd", "nocolon"), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:s}", "userpwd", ":pass"), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:s}", "userpwd", "u:p\nx"), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:i}", "userpwd", 1), opts, sec,
	    &what) == -1);
	/* A certificate without its key, and PEM that is not one. */
	CHECK(apply(json_pack("{s:s}", "client_cert_pem", "x"), opts, sec,
	    &what) == -1);
	CHECK(apply(json_pack("{s:s, s:s}", "client_cert_pem", "x",
	    "client_key_pem", "y"), opts, sec, &what) == -1);
	/* A bad value anywhere: nothing of the request is taken. */
	CHECK(apply(json_pack("{s:s, s:i}", "proxy", "http://other:1",
	    "concurrency", 99), opts, sec, &what) == -1);
	CHECK(json_equal(before, opts) && json_object_size(sec) == 0);
	json_decref(before);
	buf_release(&what);
	json_decref(opts);
	json_decref(sec);
}

/* A self-signed certificate and its key, as PEM. */
static void
make_pair(char **cert, char **key, EVP_PKEY **kp)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIO *b;
	long n;
	char *p;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_sign(x, k, EVP_sha256());
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	*cert = strndup(p, (size_t)n);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	*key = strndup(p, (size_t)n);
	BIO_free(b);
	X509_free(x);
	*kp = k;
}

static void
secrets(void)
{
	json_t *opts = json_object(), *sec = json_object(), *pub;
	char *cert, *key, *cert2, *key2, *pt, aad[160], path[128];
	uint8_t k[SECRET_KEY_LEN];
	EVP_PKEY *kp, *kp2;
	struct buf what;
	struct stat st;
	size_t n;

	buf_init(&what, 4096);
	make_pair(&cert, &key, &kp);
	make_pair(&cert2, &key2, &kp2);
	/* The key must be the certificate's. */
	CHECK(apply(json_pack("{s:s, s:s}", "client_cert_pem", cert,
	    "client_key_pem", key2), opts, sec, &what) == -1);
	CHECK(strstr(err, "not the key") != NULL);
	CHECK(apply(json_pack("{s:s, s:s, s:s, s:s}", "client_cert_pem", cert,
	    "client_key_pem", key, "userpwd", "alice:s3cret-pw",
	    "proxy_userpwd", "bob:pr0xy-pw"), opts, sec, &what) == 0);
	/* The key file, made on first need. */
	snprintf(path, sizeof(path), "%s/keys", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/" SYNCKEY_FILE, dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == SECRET_KEY_LEN && st.st_uid == getuid());
	/* Sealed, bound to mirror and setting; the certificate is not secret. */
	CHECK(json_object_size(sec) == 3);
	CHECK(strstr(json_dumps(sec, 0), "s3cret") == NULL);
	CHECK(strcmp(json_string_value(json_object_get(opts,
	    "client_cert_pem")), cert) == 0);
	CHECK(json_object_get(opts, "client_key_pem") == NULL);
	CHECK(syncopt_key(dir, 0, k, err, sizeof(err)) == 0);
	secret_aad("mirror", "userpwd", aad, sizeof(aad));
	CHECK(secret_open(k, aad, json_string_value(json_object_get(sec,
	    "userpwd")), &pt, &n) == 0 && strcmp(pt, "alice:s3cret-pw") == 0);
	secret_free(pt);
	secret_aad("mirror", "proxy_userpwd", aad, sizeof(aad));
	CHECK(secret_open(k, aad, json_string_value(json_object_get(sec,
	    "userpwd")), &pt, &n) == -1);
	secret_aad("other", "userpwd", aad, sizeof(aad));
	CHECK(secret_open(k, aad, json_string_value(json_object_get(sec,
	    "userpwd")), &pt, &n) == -1);
	secret_aad("mirror", "client_key_pem", aad, sizeof(aad));
	CHECK(secret_open(k, aad, json_string_value(json_object_get(sec,
	    "client_key_pem")), &pt, &n) == 0 && strcmp(pt, key) == 0);
	secret_free(pt);
	/* repo list's view. */
	pub = syncopt_public(opts, sec);
	CHECK(strcmp(json_string_value(json_object_get(pub, "credentials")),
	    "set") == 0);
	CHECK(strcmp(json_string_value(json_object_get(pub,
	    "proxy_credentials")), "set") == 0);
	CHECK(strcmp(json_string_value(json_object_get(pub, "client_cert")),
	    "set") == 0);
	CHECK(json_object_get(pub, "client_cert_pem") == NULL);
	CHECK(json_integer_value(json_object_get(pub, "concurrency")) == 8);
	json_decref(pub);
	/* Cleared one at a time: the others stay sealed as they were. */
	CHECK(apply(json_pack("{s:n}", "proxy_userpwd"), opts, sec,
	    &what) == 0);
	CHECK(json_object_get(sec, "proxy_userpwd") == NULL &&
	    json_object_get(sec, "userpwd") != NULL);
	CHECK(apply(json_pack("{s:n, s:n}", "client_cert_pem",
	    "client_key_pem"), opts, sec, &what) == 0);
	CHECK(json_object_get(sec, "client_key_pem") == NULL &&
	    json_object_get(opts, "client_cert_pem") == NULL);
	pub = syncopt_public(opts, sec);
	CHECK(strcmp(json_string_value(json_object_get(pub,
	    "proxy_credentials")), "none") == 0);
	json_decref(pub);
	/* A key file that is not 0600, or not 32 bytes, is refused. */
	chmod(path, 0640);
	CHECK(syncopt_key(dir, 0, k, err, sizeof(err)) == -1);
	CHECK(apply(json_pack("{s:s}", "userpwd", "a:b"), opts, sec,
	    &what) == -1);
	chmod(path, 0600);
	truncate(path, 31);
	CHECK(syncopt_key(dir, 1, k, err, sizeof(err)) == -1);
	unlink(path);
	CHECK(syncopt_key(dir, 0, k, err, sizeof(err)) == -1);
	CHECK(syncopt_key(dir, 1, k, err, sizeof(err)) == 0);
	free(cert);
	free(key);
	free(cert2);
	free(key2);
	EVP_PKEY_free(kp);
	EVP_PKEY_free(kp2);
	buf_release(&what);
	json_decref(opts);
	json_decref(sec);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test_syncopt.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(parse);
	RUN(settings);
	RUN(refused);
	RUN(secrets);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	TEST_EXIT();
}
