/*
 * tlskey.c: real TLS handshakes, in memory, whose server holds only the
 * public key and signs through a test signer that goes the way the keys
 * role does (request packed, parsed, performed with the real key, answer
 * packed and parsed), for RSA 2048, P-256 and P-384 and TLS 1.0 to 1.3;
 * then what the key holder must refuse.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "test.h"
#include "tlskey.h"

/* The key holder: the real key, and what it was asked. */
struct holder {
	EVP_PKEY *key;
	int fail;		/* refuse every request */
	int calls;
	enum tlskey_op op;	/* the last request */
	int padding;
	size_t inlen;
};

/* A handshake to try, and what the client must have seen. */
struct tls_case {
	int version;
	const char *sigalgs;	/* the client's offer; NULL: OpenSSL's */
	const char *ciphers;	/* TLS 1.2 only; NULL: OpenSSL's */
	int legacy;		/* TLS 1.0 and 1.1: security level 0 */
	int want_sig;		/* SSL_get_peer_signature_type_nid */
	enum tlskey_op want_op;	/* what the key holder was asked */
	int want_padding;
	size_t want_inlen;
};

static EVP_PKEY *rsa, *rsa2, *ec256, *ec256b, *ec384;
static X509 *rsa_cert, *ec256_cert, *ec384_cert;
static char err[256];

/*
 * A self-signed certificate for localhost.  X509_set_pubkey keeps key
 * itself, private half and all, as the certificate's key: a worker's
 * certificate comes from PEM, so make_cert gives one read back from DER.
 */
static X509 *
make_cert_raw(EVP_PKEY *key)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	X509_NAME *name;
	X509 *x;
	int ok;

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ok = X509_set_version(x, X509_VERSION_3) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, name) == 1 &&
	    X509_set_pubkey(x, key) == 1 &&
	    (ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "DNS:localhost")) != NULL;
	if (ok) {
		ok = X509_add_ext(x, ext, -1) == 1;
		X509_EXTENSION_free(ext);
	}
	/* Ed25519 signs without a separate digest. */
	if (!ok || X509_sign(x, key, EVP_PKEY_get_base_id(key) ==
	    EVP_PKEY_ED25519 ? NULL : EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *
make_cert(EVP_PKEY *key)
{
	const unsigned char *p;
	unsigned char *der = NULL;
	X509 *raw, *x = NULL;
	int n;

	if ((raw = make_cert_raw(key)) == NULL)
		return NULL;
	if ((n = i2d_X509(raw, &der)) > 0) {
		p = der;
		x = d2i_X509(NULL, &p, n);
	}
	OPENSSL_free(der);
	X509_free(raw);
	return x;
}

/*
 * The worker's signer, through the wire format both ways, as workers/tls.c
 * and keys/keys.c do it.
 */
static int
signer(void *arg, enum tlskey_op op, int padding, const unsigned char *in,
    size_t inlen, unsigned char *out, size_t outmax)
{
	struct holder *h = arg;
	unsigned char res[TLSKEY_MAX_OUT];
	const unsigned char *rin;
	enum tlskey_op rop;
	struct buf req, rep;
	size_t rinlen;
	int rpad, n = -1;

	h->calls++;
	h->op = op;
	h->padding = padding;
	h->inlen = inlen;
	buf_init(&req, 2048);
	buf_init(&rep, 2048);
	if (tlskey_pack_request(&req, op, padding, in, inlen) != 0)
		goto out;
	/* The keys role's side. */
	if (tlskey_parse_request(&req, &rop, &rpad, &rin, &rinlen) == 0 &&
	    !h->fail)
		n = tlskey_perform(h->key, rop, rpad, rin, rinlen, res,
		    sizeof(res));
	if (tlskey_pack_answer(&rep, n, res) != 0) {
		n = -1;
		goto out;
	}
	/* The worker's again. */
	n = tlskey_parse_answer(&rep, out, outmax);
out:
	buf_release(&req);
	buf_release(&rep);
	return n;
}

/* SSL_CTX_set1_sigalgs_list, whose macro casts const away. */
static int
set_sigalgs(SSL_CTX *ctx, const char *list)
{
	return (int)SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SIGALGS_LIST, 0,
	    (void *)(uintptr_t)list);
}

/* One handshake step; 1 done, 0 to go on, -1 failed. */
static int
step(SSL *ssl)
{
	int r, e;

	if ((r = SSL_do_handshake(ssl)) == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* A message one way: all of it written, all of it read. */
static int
say(SSL *from, SSL *to, const char *msg)
{
	char got[64];
	int n = (int)strlen(msg);

	return SSL_write(from, msg, n) == n && SSL_read(to, got,
	    sizeof(got)) == n && memcmp(got, msg, (size_t)n) == 0;
}

/*
 * A server with cert and the remote key of h (or the key direct, to
 * compare), a client trusting cert, through a BIO pair.  1 when the
 * handshake and an exchange both ways worked, 0 when the handshake failed
 * on both sides, -1 when the test could not be set up.  *sig gets the
 * signature type the client saw.
 */
static int
handshake_with(X509 *cert, EVP_PKEY *direct, struct holder *h,
    const struct tls_case *tc, int *sig)
{
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s = NULL, *c = NULL;
	EVP_PKEY *remote = NULL;
	BIO *sb = NULL, *cb = NULL;
	int i, sr = 0, cr = 0, r = -1;

	*sig = NID_undef;
	if (direct != NULL && EVP_PKEY_up_ref(direct) == 1)
		remote = direct;
	else if ((remote = tlskey_remote(cert, signer, h, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "  tlskey_remote: %s\n", err);
		return -1;
	}
	if ((sctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    (cctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_use_certificate(sctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(sctx, remote) != 1 ||
	    SSL_CTX_check_private_key(sctx) != 1 ||
	    X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), cert) != 1)
		goto out;
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	/* As workers/tls.c does for https.minimum_tls below 1.2. */
	if (tc->legacy) {
		SSL_CTX_set_security_level(sctx, 0);
		SSL_CTX_set_security_level(cctx, 0);
	}
	if (SSL_CTX_set_min_proto_version(sctx, tc->version) != 1 ||
	    SSL_CTX_set_max_proto_version(sctx, tc->version) != 1 ||
	    SSL_CTX_set_min_proto_version(cctx, tc->version) != 1 ||
	    SSL_CTX_set_max_proto_version(cctx, tc->version) != 1 ||
	    (tc->sigalgs != NULL && set_sigalgs(cctx, tc->sigalgs) != 1) ||
	    (tc->ciphers != NULL &&
	    SSL_CTX_set_cipher_list(cctx, tc->ciphers) != 1))
		goto out;
	if ((s = SSL_new(sctx)) == NULL || (c = SSL_new(cctx)) == NULL ||
	    SSL_set1_host(c, "localhost") != 1 ||
	    BIO_new_bio_pair(&sb, 0, &cb, 0) != 1)
		goto out;
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	/* Turns, until both are done or both failed (an alert goes over). */
	for (i = 0; i < 32 && !(sr == 1 && cr == 1) && !(sr == -1 &&
	    cr == -1); i++) {
		if (cr == 0)
			cr = step(c);
		if (sr == 0)
			sr = step(s);
	}
	if (sr == 1 && cr == 1) {
		SSL_get_peer_signature_type_nid(c, sig);
		r = SSL_version(c) == tc->version &&
		    SSL_get_verify_result(c) == X509_V_OK &&
		    say(c, s, "ping") && say(s, c, "pong") &&
		    say(c, s, "bye") ? 1 : -1;
	} else if (sr == -1 && cr == -1)
		r = 0;
	else
		fprintf(stderr, "  handshake stalled: server %d client %d\n",
		    sr, cr);
out:
	if (getenv("TLSKEY_DEBUG") != NULL)
		ERR_print_errors_fp(stderr);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	EVP_PKEY_free(remote);
	return r;
}

static int
handshake(X509 *cert, struct holder *h, const struct tls_case *tc, int *sig)
{
	return handshake_with(cert, NULL, h, tc, sig);
}

/* A whole handshake through the key holder, once a signature. */
static void
tls_case(EVP_PKEY *key, X509 *cert, const struct tls_case *tc)
{
	struct holder h = { .key = key };
	int sig;

	CHECK(handshake(cert, &h, tc, &sig) == 1);
	CHECK(h.calls == 1);
	CHECK(h.op == tc->want_op);
	CHECK(h.padding == tc->want_padding);
	CHECK(h.inlen == tc->want_inlen);
	CHECK(sig == tc->want_sig);
	if (sig != tc->want_sig)
		fprintf(stderr, "  signature %s, want %s\n", OBJ_nid2sn(sig),
		    OBJ_nid2sn(tc->want_sig));
}

/* TLS 1.2 picks RSA-PSS when the client offers it, as OpenSSL does. */
static void
test_rsa_tls12(void)
{
	static const struct tls_case tc = { TLS1_2_VERSION, NULL, NULL, 0,
	    EVP_PKEY_RSA_PSS, TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, 256 };

	tls_case(rsa, rsa_cert, &tc);
}

/* PKCS#1 v1.5: SHA-256's DigestInfo reaches the key holder, to be padded. */
static void
test_rsa_tls12_pkcs1(void)
{
	static const struct tls_case tc = { TLS1_2_VERSION, "RSA+SHA256",
	    NULL, 0, EVP_PKEY_RSA, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PADDING,
	    19 + 32 };

	tls_case(rsa, rsa_cert, &tc);
}

/* PSS in TLS 1.2: libssl pads, the key holder gets the whole block. */
static void
test_rsa_tls12_pss(void)
{
	static const struct tls_case tc = { TLS1_2_VERSION,
	    "rsa_pss_rsae_sha256", NULL, 0, EVP_PKEY_RSA_PSS,
	    TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, 256 };

	tls_case(rsa, rsa_cert, &tc);
}

static void
test_rsa_tls13(void)
{
	static const struct tls_case tc = { TLS1_3_VERSION, NULL, NULL, 0,
	    EVP_PKEY_RSA_PSS, TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, 256 };
	static const struct tls_case sha384 = { TLS1_3_VERSION,
	    "rsa_pss_rsae_sha384", NULL, 0, EVP_PKEY_RSA_PSS,
	    TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, 256 };

	tls_case(rsa, rsa_cert, &tc);
	tls_case(rsa, rsa_cert, &sha384);
}

/* TLS 1.2 ECDSA takes the client's first choice: SHA-256. */
static void
test_ec256_tls12(void)
{
	static const struct tls_case tc = { TLS1_2_VERSION, NULL, NULL, 0,
	    EVP_PKEY_EC, TLSKEY_ECDSA_SIGN, 0, 32 };

	tls_case(ec256, ec256_cert, &tc);
}

static void
test_ec256_tls13(void)
{
	static const struct tls_case tc = { TLS1_3_VERSION, NULL, NULL, 0,
	    EVP_PKEY_EC, TLSKEY_ECDSA_SIGN, 0, 32 };

	tls_case(ec256, ec256_cert, &tc);
}

static void
test_ec384_tls12(void)
{
	static const struct tls_case tc = { TLS1_2_VERSION, NULL, NULL, 0,
	    EVP_PKEY_EC, TLSKEY_ECDSA_SIGN, 0, 32 };

	tls_case(ec384, ec384_cert, &tc);
}

/* TLS 1.3 ties the digest to the curve: ecdsa_secp384r1_sha384. */
static void
test_ec384_tls13(void)
{
	static const struct tls_case tc = { TLS1_3_VERSION, NULL, NULL, 0,
	    EVP_PKEY_EC, TLSKEY_ECDSA_SIGN, 0, 48 };

	tls_case(ec384, ec384_cert, &tc);
}

/*
 * https.minimum_tls 1.0 and 1.1: RSA signs an MD5+SHA-1 pair with PKCS#1
 * padding (no DigestInfo), ECDSA a SHA-1 digest.
 */
static void
test_legacy_tls(void)
{
	static const int versions[] = { TLS1_VERSION, TLS1_1_VERSION };
	EVP_PKEY *keys[] = { rsa, ec256, ec384 };
	X509 *certs[] = { rsa_cert, ec256_cert, ec384_cert };
	struct tls_case tc = { 0, NULL, NULL, 1, 0, 0, 0, 0 };
	struct holder h;
	size_t i, k;
	int sig;

	for (i = 0; i < 2; i++)
		for (k = 0; k < 3; k++) {
			memset(&h, 0, sizeof(h));
			h.key = keys[k];
			tc.version = versions[i];
			CHECK(handshake(certs[k], &h, &tc, &sig) == 1);
			CHECK(h.calls == 1);
			CHECK(k == 0 ? h.op == TLSKEY_RSA_PRIV_ENC &&
			    h.padding == RSA_PKCS1_PADDING && h.inlen == 36 :
			    h.op == TLSKEY_ECDSA_SIGN && h.inlen == 20);
		}
}

/* A key holder that refuses: both sides fail, nothing crashes. */
static void
test_signer_fails(void)
{
	static const struct tls_case cases[] = {
		{ TLS1_2_VERSION, "RSA+SHA256", NULL, 0, 0, 0, 0, 0 },
		{ TLS1_2_VERSION, NULL, NULL, 0, 0, 0, 0, 0 },
		{ TLS1_3_VERSION, NULL, NULL, 0, 0, 0, 0, 0 },
	};
	EVP_PKEY *keys[] = { rsa, ec256, ec384 };
	X509 *certs[] = { rsa_cert, ec256_cert, ec384_cert };
	struct holder h;
	size_t i, k;
	int sig;

	for (k = 0; k < 3; k++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (k > 0 && cases[i].sigalgs != NULL)
				continue;
			memset(&h, 0, sizeof(h));
			h.key = keys[k];
			h.fail = 1;
			CHECK(handshake(certs[k], &h, &cases[i], &sig) == 0);
			CHECK(h.calls == 1);
		}
	/* The wrong key answers: the client's verification fails. */
	memset(&h, 0, sizeof(h));
	h.key = rsa2;
	CHECK(handshake(rsa_cert, &h, &cases[2], &sig) == 0);
	CHECK(h.calls == 1);
	memset(&h, 0, sizeof(h));
	h.key = ec256b;
	CHECK(handshake(ec256_cert, &h, &cases[2], &sig) == 0);
	CHECK(h.calls == 1);
	/* Or a key of another type: the key holder refuses. */
	memset(&h, 0, sizeof(h));
	h.key = ec384;
	CHECK(handshake(rsa_cert, &h, &cases[1], &sig) == 0);
	CHECK(h.calls == 1);
}

/*
 * TLS 1.2 RSA key exchange is not served: libssl 3.0 asks a foreign key
 * for RSA_PKCS1_WITH_TLS_PADDING, which the legacy route does not have.
 * The handshake fails cleanly, without asking the key holder.
 */
static void
test_rsa_kex_refused(void)
{
	static const struct tls_case tc = { TLS1_2_VERSION, NULL,
	    "AES128-GCM-SHA256", 0, 0, 0, 0, 0 };
	struct holder h = { .key = rsa };
	int sig;

	CHECK(handshake(rsa_cert, &h, &tc, &sig) == 0);
	CHECK(h.calls == 0);
	/* The same with the key itself works: the remote key is the cause. */
	CHECK(handshake_with(rsa_cert, rsa, &h, &tc, &sig) == 1);
}

/* The remote key's own private operations, outside a handshake. */
static void
test_remote_ops(void)
{
	static const unsigned char msg[] = "airlock";
	unsigned char ct[512], pt[512], dg[32], sg[512];
	struct holder h = { .key = rsa };
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *remote;
	size_t n;

	/* RSA decryption (priv_dec), which TLS would use for key exchange. */
	CHECK((remote = tlskey_remote(rsa_cert, signer, &h, err,
	    sizeof(err))) != NULL);
	ctx = EVP_PKEY_CTX_new(remote, NULL);
	n = sizeof(ct);
	CHECK(ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_encrypt(ctx, ct, &n, msg, sizeof(msg)) == 1);
	CHECK(h.calls == 0);	/* public: done here */
	CHECK(EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);
	n = sizeof(pt);
	CHECK(EVP_PKEY_decrypt(ctx, pt, &n, ct, 256) == 1);
	CHECK(n == sizeof(msg) && memcmp(pt, msg, n) == 0);
	CHECK(h.calls == 1 && h.op == TLSKEY_RSA_PRIV_DEC &&
	    h.padding == RSA_PKCS1_PADDING);
	/* A refusal is an error, not a result. */
	h.fail = 1;
	n = sizeof(pt);
	CHECK(EVP_PKEY_decrypt(ctx, pt, &n, ct, 256) <= 0);
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(remote);

	/* ECDSA outside TLS, verified with the certificate's key. */
	memset(&h, 0, sizeof(h));
	h.key = ec384;
	memset(dg, 0x5a, sizeof(dg));
	CHECK((remote = tlskey_remote(ec384_cert, signer, &h, err,
	    sizeof(err))) != NULL);
	ctx = EVP_PKEY_CTX_new(remote, NULL);
	n = sizeof(sg);
	CHECK(ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 &&
	    EVP_PKEY_sign(ctx, sg, &n, dg, sizeof(dg)) == 1);
	CHECK(h.calls == 1 && h.op == TLSKEY_ECDSA_SIGN);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(ec384_cert), NULL);
	CHECK(ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
	    EVP_PKEY_verify(ctx, sg, n, dg, sizeof(dg)) == 1);
	EVP_PKEY_CTX_free(ctx);
	/* It signs only through the key holder: it can pass for the key. */
	CHECK(tlskey_match(ec384_cert, remote, err, sizeof(err)) == 0);
	h.fail = 1;
	CHECK(tlskey_match(ec384_cert, remote, err, sizeof(err)) == -1);
	CHECK(h.calls == 3);
	EVP_PKEY_free(remote);
}

/*
 * Not even from a certificate whose key object is the whole key (made in
 * this process): only the public half is copied.
 */
static void
test_remote_public_only(void)
{
	EVP_PKEY *keys[] = { rsa, ec256, ec384 };
	struct holder h;
	EVP_PKEY *remote;
	X509 *raw;
	size_t i;

	for (i = 0; i < 3; i++) {
		CHECK((raw = make_cert_raw(keys[i])) != NULL);
		if (raw == NULL)
			continue;
		/* The premise. */
		CHECK(X509_get0_pubkey(raw) == keys[i]);
		memset(&h, 0, sizeof(h));
		h.key = keys[i];
		h.fail = 1;
		CHECK((remote = tlskey_remote(raw, signer, &h, err,
		    sizeof(err))) != NULL);
		CHECK(i2d_PrivateKey(remote, NULL) <= 0);
		/* With the key holder refusing, it cannot sign at all. */
		CHECK(tlskey_match(raw, remote, err, sizeof(err)) == -1);
		CHECK(h.calls == 1);
		CHECK(tlskey_match(raw, keys[i], err, sizeof(err)) == 0);
		ERR_clear_error();
		EVP_PKEY_free(remote);
		X509_free(raw);
	}
}

static void
test_remote_refuses(void)
{
	EVP_PKEY *small, *ed;
	X509 *small_cert, *ed_cert;

	small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	small_cert = small != NULL ? make_cert(small) : NULL;
	ed_cert = ed != NULL ? make_cert(ed) : NULL;
	CHECK(small_cert != NULL && ed_cert != NULL);
	err[0] = '\0';
	CHECK(tlskey_remote(small_cert, signer, NULL, err,
	    sizeof(err)) == NULL);
	CHECK(strstr(err, "1024 bits") != NULL);
	err[0] = '\0';
	CHECK(tlskey_remote(ed_cert, signer, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "ED25519 keys are not supported") != NULL);
	/* tlskey_match says the same, for the master's configuration check. */
	err[0] = '\0';
	CHECK(tlskey_match(small_cert, small, err, sizeof(err)) == -1);
	CHECK(strstr(err, "1024 bits") != NULL);
	err[0] = '\0';
	CHECK(tlskey_match(ed_cert, ed, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not supported") != NULL);
	X509_free(small_cert);
	X509_free(ed_cert);
	EVP_PKEY_free(small);
	EVP_PKEY_free(ed);
}

static void
test_match(void)
{
	X509 *certs[] = { rsa_cert, ec256_cert, ec384_cert };
	EVP_PKEY *keys[] = { rsa, ec256, ec384 };
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			err[0] = '\0';
			CHECK(tlskey_match(certs[i], keys[j], err,
			    sizeof(err)) == (i == j ? 0 : -1));
			CHECK(i == j || strstr(err, "not the certificate's"));
		}
	/* Another key of the same type and size. */
	CHECK(tlskey_match(rsa_cert, rsa2, err, sizeof(err)) == -1);
	CHECK(tlskey_match(ec256_cert, ec256b, err, sizeof(err)) == -1);
	/* The public key alone is not the private half. */
	err[0] = '\0';
	CHECK(tlskey_match(rsa_cert, X509_get0_pubkey(rsa_cert), err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "no private half") != NULL);
	CHECK(tlskey_match(ec256_cert, X509_get0_pubkey(ec256_cert), err,
	    sizeof(err)) == -1);
	CHECK(ERR_peek_error() == 0);
}

/* Packs a request by hand, to say what the packer will not. */
static void
raw_request(struct buf *b, uint8_t op, uint32_t pad, uint32_t len,
    size_t n)
{
	static const unsigned char zeros[TLSKEY_MAX_IN + 8];

	buf_reset(b);
	buf_put_u8(b, op);
	buf_put_u32(b, pad);
	buf_put_u32(b, len);
	buf_put(b, zeros, n);
}

static int
parses(struct buf *b)
{
	const unsigned char *in;
	enum tlskey_op op;
	size_t inlen;
	int pad;

	return tlskey_parse_request(b, &op, &pad, &in, &inlen) == 0;
}

static void
test_request(void)
{
	unsigned char in[TLSKEY_MAX_IN + 1];
	const unsigned char *pin;
	enum tlskey_op op;
	struct buf b, v;
	size_t i, inlen, whole;
	int pad;

	memset(in, 0xa5, sizeof(in));
	buf_init(&b, 4096);
	CHECK(tlskey_pack_request(&b, TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, in,
	    256) == 0);
	whole = buf_avail(&b);
	CHECK(whole == 1 + 4 + 4 + 256);
	CHECK(tlskey_parse_request(&b, &op, &pad, &pin, &inlen) == 0);
	CHECK(op == TLSKEY_RSA_PRIV_ENC && pad == RSA_NO_PADDING &&
	    inlen == 256 && memcmp(pin, in, 256) == 0);
	CHECK(buf_avail(&b) == whole);	/* b itself was not consumed */
	/* A negative padding goes through as one. */
	buf_reset(&b);
	CHECK(tlskey_pack_request(&b, TLSKEY_ECDSA_SIGN, -7, in, 48) == 0);
	CHECK(tlskey_parse_request(&b, &op, &pad, &pin, &inlen) == 0);
	CHECK(op == TLSKEY_ECDSA_SIGN && pad == -7 && inlen == 48);
	/* The largest input. */
	buf_reset(&b);
	CHECK(tlskey_pack_request(&b, TLSKEY_RSA_PRIV_DEC, RSA_PKCS1_PADDING,
	    in, TLSKEY_MAX_IN) == 0);
	CHECK(parses(&b));

	/* Truncated anywhere. */
	buf_reset(&b);
	tlskey_pack_request(&b, TLSKEY_RSA_PRIV_ENC, 1, in, 51);
	for (i = 0; i < buf_avail(&b); i++) {
		buf_view(&v, buf_ptr(&b), i);
		CHECK(!parses(&v));
	}
	/* A byte too many. */
	buf_put_u8(&b, 0);
	CHECK(!parses(&b));
	/* Bad ops. */
	raw_request(&b, 0, 1, 32, 32);
	CHECK(!parses(&b));
	raw_request(&b, 4, 1, 32, 32);
	CHECK(!parses(&b));
	raw_request(&b, 255, 1, 32, 32);
	CHECK(!parses(&b));
	raw_request(&b, TLSKEY_ECDSA_SIGN, 0, 32, 32);
	CHECK(parses(&b));
	/* Too long, with or without the bytes; empty; lying lengths. */
	raw_request(&b, TLSKEY_RSA_PRIV_ENC, 3, TLSKEY_MAX_IN + 1,
	    TLSKEY_MAX_IN + 1);
	CHECK(!parses(&b));
	raw_request(&b, TLSKEY_RSA_PRIV_ENC, 3, UINT32_MAX, 16);
	CHECK(!parses(&b));
	raw_request(&b, TLSKEY_RSA_PRIV_ENC, 3, 0, 0);
	CHECK(!parses(&b));
	raw_request(&b, TLSKEY_RSA_PRIV_ENC, 3, 33, 32);
	CHECK(!parses(&b));
	raw_request(&b, TLSKEY_RSA_PRIV_ENC, 3, 31, 32);
	CHECK(!parses(&b));
	buf_reset(&b);
	CHECK(!parses(&b));

	/* The packer will not write what the parser refuses. */
	buf_reset(&b);
	CHECK(tlskey_pack_request(&b, TLSKEY_RSA_PRIV_ENC, 3, in,
	    TLSKEY_MAX_IN + 1) == -1);
	CHECK(tlskey_pack_request(&b, (enum tlskey_op)9, 3, in, 32) == -1);
	CHECK(tlskey_pack_request(&b, TLSKEY_RSA_PRIV_ENC, 3, in, 0) == -1);
	CHECK(buf_avail(&b) == 0);
	buf_release(&b);
}

static void
test_answer(void)
{
	unsigned char out[TLSKEY_MAX_OUT], big[TLSKEY_MAX_OUT + 1];
	struct buf b, v;
	size_t i;

	memset(big, 0x3c, sizeof(big));
	buf_init(&b, 4096);
	CHECK(tlskey_pack_answer(&b, 256, big) == 0);
	CHECK(tlskey_parse_answer(&b, out, sizeof(out)) == 256);
	CHECK(memcmp(out, big, 256) == 0);
	CHECK(tlskey_parse_answer(&b, out, 255) == -1);	/* no room */
	for (i = 0; i < buf_avail(&b); i++) {
		buf_view(&v, buf_ptr(&b), i);
		CHECK(tlskey_parse_answer(&v, out, sizeof(out)) == -1);
	}
	buf_put_u8(&b, 0);
	CHECK(tlskey_parse_answer(&b, out, sizeof(out)) == -1);
	/* A refusal. */
	buf_reset(&b);
	CHECK(tlskey_pack_answer(&b, -1, NULL) == 0);
	CHECK(buf_avail(&b) == 4);
	CHECK(tlskey_parse_answer(&b, out, sizeof(out)) == -1);
	/* Too long, empty. */
	buf_reset(&b);
	CHECK(tlskey_pack_answer(&b, TLSKEY_MAX_OUT + 1, big) == -1);
	buf_reset(&b);
	buf_put_u32(&b, TLSKEY_MAX_OUT + 1);
	buf_put(&b, big, TLSKEY_MAX_OUT + 1);
	CHECK(tlskey_parse_answer(&b, big, sizeof(big)) == -1);
	buf_reset(&b);
	buf_put_u32(&b, 0);
	CHECK(tlskey_parse_answer(&b, out, sizeof(out)) == -1);
	buf_release(&b);
}

static void
test_perform(void)
{
	unsigned char in[TLSKEY_MAX_IN + 1], out[TLSKEY_MAX_OUT];
	EVP_PKEY_CTX *ctx;
	size_t n;
	int r;

	memset(in, 0x11, sizeof(in));
	/* What works, checked with the public key. */
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PADDING, in,
	    51, out, sizeof(out)) == 256);
	in[0] = 0;	/* a raw block below the modulus */
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, in,
	    256, out, 256) == 256);
	CHECK((r = tlskey_perform(ec256, TLSKEY_ECDSA_SIGN, 0, in, 32, out,
	    sizeof(out))) > 0);
	ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(ec256_cert), NULL);
	CHECK(ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
	    EVP_PKEY_verify(ctx, out, (size_t)r, in, 32) == 1);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(rsa_cert), NULL);
	n = sizeof(out);
	CHECK(ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_encrypt(ctx, out, &n, in, 48) == 1 && n == 256);
	EVP_PKEY_CTX_free(ctx);
	memcpy(in + 512, out, 256);
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_DEC, RSA_PKCS1_PADDING,
	    in + 512, 256, out, sizeof(out)) == 48);
	CHECK(memcmp(out, in, 48) == 0);

	/* Ops that do not fit the key. */
	CHECK(tlskey_perform(rsa, TLSKEY_ECDSA_SIGN, 0, in, 32, out,
	    sizeof(out)) == -1);
	CHECK(tlskey_perform(ec256, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PADDING,
	    in, 32, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(ec384, TLSKEY_RSA_PRIV_DEC, RSA_NO_PADDING, in,
	    32, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, (enum tlskey_op)0, RSA_PKCS1_PADDING, in,
	    32, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, (enum tlskey_op)4, RSA_PKCS1_PADDING, in,
	    32, out, sizeof(out)) == -1);
	/* Paddings other than the two. */
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PSS_PADDING,
	    in, 32, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_DEC,
	    RSA_PKCS1_OAEP_PADDING, in + 512, 256, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, 99, in, 32, out,
	    sizeof(out)) == -1);
	CHECK(tlskey_perform(ec256, TLSKEY_ECDSA_SIGN, 1, in, 32, out,
	    sizeof(out)) == -1);
	/* Lengths: a raw block not the modulus' size, too long, no room. */
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_NO_PADDING, in,
	    255, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PADDING, in,
	    246, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PADDING, in,
	    TLSKEY_MAX_IN + 1, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(rsa, TLSKEY_RSA_PRIV_ENC, RSA_PKCS1_PADDING, in,
	    51, out, 255) == -1);
	CHECK(tlskey_perform(ec384, TLSKEY_ECDSA_SIGN, 0, in, 65, out,
	    sizeof(out)) == -1);
	CHECK(tlskey_perform(ec384, TLSKEY_ECDSA_SIGN, 0, in, 48, out,
	    64) == -1);
	CHECK(tlskey_perform(ec384, TLSKEY_ECDSA_SIGN, 0, in, 0, out,
	    sizeof(out)) == -1);
	/* A key without its private half. */
	CHECK(tlskey_perform(X509_get0_pubkey(rsa_cert), TLSKEY_RSA_PRIV_ENC,
	    RSA_PKCS1_PADDING, in, 51, out, sizeof(out)) == -1);
	CHECK(tlskey_perform(X509_get0_pubkey(ec256_cert), TLSKEY_ECDSA_SIGN,
	    0, in, 32, out, sizeof(out)) == -1);
	/* The keys role's error queue stays empty. */
	CHECK(ERR_peek_error() == 0);
}

int
main(void)
{
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec256b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	if (rsa == NULL || rsa2 == NULL || ec256 == NULL || ec256b == NULL ||
	    ec384 == NULL || (rsa_cert = make_cert(rsa)) == NULL ||
	    (ec256_cert = make_cert(ec256)) == NULL ||
	    (ec384_cert = make_cert(ec384)) == NULL) {
		fprintf(stderr, "cannot make the test keys\n");
		return 1;
	}
	RUN(test_rsa_tls12);
	RUN(test_rsa_tls12_pkcs1);
	RUN(test_rsa_tls12_pss);
	RUN(test_rsa_tls13);
	RUN(test_ec256_tls12);
	RUN(test_ec256_tls13);
	RUN(test_ec384_tls12);
	RUN(test_ec384_tls13);
	RUN(test_legacy_tls);
	RUN(test_signer_fails);
	RUN(test_rsa_kex_refused);
	RUN(test_remote_ops);
	RUN(test_remote_public_only);
	RUN(test_remote_refuses);
	RUN(test_match);
	RUN(test_request);
	RUN(test_answer);
	RUN(test_perform);
	X509_free(rsa_cert);
	X509_free(ec256_cert);
	X509_free(ec384_cert);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(ec256);
	EVP_PKEY_free(ec256b);
	EVP_PKEY_free(ec384);
	TEST_EXIT();
}
