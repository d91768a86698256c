#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tlskey.h"
#include "util.h"

#define RSA_MIN_BITS	2048
#define RSA_MAX_BITS	(TLSKEY_MAX_OUT * 8)

static int
op_valid(unsigned op)
{
	return op == TLSKEY_RSA_PRIV_ENC || op == TLSKEY_RSA_PRIV_DEC ||
	    op == TLSKEY_ECDSA_SIGN;
}

/* A key type and size we serve: 0, or -1 with err saying what it is. */
static int
key_supported(EVP_PKEY *k, const char *what, char *err, size_t errlen)
{
	char group[64];
	int bits, nid;

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(k);
		if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
			errf(err, errlen, "%s: RSA keys of %d bits are not "
			    "supported (%d to %d)", what, bits, RSA_MIN_BITS,
			    RSA_MAX_BITS);
			return -1;
		}
		return 0;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(k, group, sizeof(group),
		    NULL) != 1) {
			errf(err, errlen, "%s: an EC key without a named "
			    "curve is not supported", what);
			return -1;
		}
		nid = OBJ_sn2nid(group);
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
			errf(err, errlen, "%s: EC keys on %s are not supported "
			    "(P-256 or P-384)", what, group);
			return -1;
		}
		return 0;
	default:
		errf(err, errlen, "%s: %s keys are not supported (RSA or "
		    "ECDSA)", what, EVP_PKEY_get0_type_name(k) != NULL ?
		    EVP_PKEY_get0_type_name(k) : "unknown");
		return -1;
	}
}

/*
 * The worker's side: a legacy RSA or EC_KEY object with only the public
 * key, and a method whose private operations call the signer.  OpenSSL 3.0
 * deprecates RSA_METHOD and EC_KEY_METHOD, but the other way to hook a
 * private operation is a whole provider (a key manager and a signature
 * implementation for each key type); relayd does the same.  libssl still
 * takes these keys: EVP marks a key whose method is not OpenSSL's own as
 * "foreign" and signs with it through the legacy EVP_PKEY_METHOD, which
 * ends in RSA_private_encrypt or ECDSA_sign, so in our methods.  TLS 1.3
 * and TLS 1.2 RSA-PSS arrive padded (RSA_NO_PADDING, the whole block);
 * PKCS#1 v1.5 signatures as the DigestInfo (TLS 1.0 and 1.1: MD5+SHA-1)
 * with RSA_PKCS1_PADDING.  TLS 1.2 RSA key exchange does not get here:
 * libssl asks for RSA_PKCS1_WITH_TLS_PADDING, which the legacy route
 * refuses, so such a handshake fails with decrypt_error; serving it would
 * take that padding's constant-time checks in the key holder, for key
 * exchange without forward secrecy that the cipher lists leave out anyway.
 * priv_dec is there for other callers of the key.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

struct remote {
	tlskey_signer signer;
	void *arg;
};

static CRYPTO_ONCE methods_once = CRYPTO_ONCE_STATIC_INIT;
static RSA_METHOD *rsa_meth;
static EC_KEY_METHOD *ec_meth;
static int rsa_idx = -1, ec_idx = -1;

/* A copied key (EC_KEY_copy, say) gets its own copy, for its own free. */
static int
remote_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d,
    int idx, long argl, void *argp)
{
	struct remote *r;

	(void)to;
	(void)from;
	(void)idx;
	(void)argl;
	(void)argp;
	if (*from_d == NULL)
		return 1;
	if ((r = malloc(sizeof(*r))) == NULL)
		return 0;
	memcpy(r, *from_d, sizeof(*r));
	*from_d = r;
	return 1;
}

static void
remote_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/* Why a handshake failed, for the caller's ERR_get_error. */
static void
remote_error(const char *why)
{
	ERR_raise_data(ERR_LIB_USER, ERR_R_OPERATION_FAIL, "tlskey: %s", why);
}

static int
rsa_priv(enum tlskey_op op, int flen, const unsigned char *from,
    unsigned char *to, RSA *rsa, int padding)
{
	const struct remote *r = RSA_get_ex_data(rsa, rsa_idx);
	int n, size = RSA_size(rsa);

	if (r == NULL || flen <= 0 || size <= 0) {
		remote_error("not a remote key, or no input");
		return -1;
	}
	n = r->signer(r->arg, op, padding, from, (size_t)flen, to,
	    (size_t)size);
	/* A signature has the modulus' size; a decryption no more. */
	if (n <= 0 || n > size || (op == TLSKEY_RSA_PRIV_ENC && n != size)) {
		remote_error("the key holder refused or failed");
		OPENSSL_cleanse(to, (size_t)size);
		return -1;
	}
	return n;
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return rsa_priv(TLSKEY_RSA_PRIV_ENC, flen, from, to, rsa, padding);
}

static int
rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return rsa_priv(TLSKEY_RSA_PRIV_DEC, flen, from, to, rsa, padding);
}

/* ECDSA_sign's hook: sig has ECDSA_size(eckey) bytes. */
static int
ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *rp,
    EC_KEY *eckey)
{
	const struct remote *r = EC_KEY_get_ex_data(eckey, ec_idx);
	const unsigned char *p = sig;
	ECDSA_SIG *s;
	int n, size = ECDSA_size(eckey);

	(void)type;	/* ECDSA signs the digest whatever made it */
	*siglen = 0;
	/* Precomputed nonces belong to the key holder, not to us. */
	if (r == NULL || dlen <= 0 || size <= 0 || kinv != NULL ||
	    rp != NULL) {
		remote_error("not a remote key, or no input");
		return 0;
	}
	n = r->signer(r->arg, TLSKEY_ECDSA_SIGN, 0, dgst, (size_t)dlen, sig,
	    (size_t)size);
	if (n <= 0 || n > size) {
		remote_error("the key holder refused or failed");
		return 0;
	}
	/* Whole DER, nothing after it: what goes on the wire is checked. */
	if ((s = d2i_ECDSA_SIG(NULL, &p, n)) == NULL || p != sig + n) {
		ECDSA_SIG_free(s);
		remote_error("the key holder's signature is not DER");
		return 0;
	}
	ECDSA_SIG_free(s);
	*siglen = (unsigned int)n;
	return 1;
}

/* ECDSA_do_sign's hook, for completeness: ec_sign, decoded. */
static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *rp, EC_KEY *eckey)
{
	unsigned char der[TLSKEY_MAX_OUT];
	const unsigned char *p = der;
	unsigned int n;

	if (ECDSA_size(eckey) > (int)sizeof(der) ||
	    ec_sign(0, dgst, dlen, der, &n, kinv, rp, eckey) != 1)
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, n);
}

static void
methods_init(void)
{
	rsa_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_RSA, 0, NULL, NULL,
	    remote_dup, remote_free);
	ec_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_EC_KEY, 0, NULL, NULL,
	    remote_dup, remote_free);
	if (rsa_idx == -1 || ec_idx == -1)
		return;
	/* OpenSSL's own, for the public operations. */
	if ((rsa_meth = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    RSA_meth_set1_name(rsa_meth, "airlock remote key") != 1 ||
	    RSA_meth_set_priv_enc(rsa_meth, rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rsa_meth, rsa_priv_dec) != 1) {
		RSA_meth_free(rsa_meth);
		rsa_meth = NULL;
		return;
	}
	if ((ec_meth = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL) {
		RSA_meth_free(rsa_meth);
		rsa_meth = NULL;
		return;
	}
	EC_KEY_METHOD_set_sign(ec_meth, ec_sign, NULL, ec_sign_sig);
}

EVP_PKEY *
tlskey_remote(X509 *cert, tlskey_signer signer, void *arg, char *err,
    size_t errlen)
{
	EVP_PKEY *pub, *pk = NULL;
	struct remote *r = NULL;
	const EC_KEY *pubec;
	EC_KEY *ec = NULL;
	RSA *rsa = NULL;

	if (signer == NULL) {
		errf(err, errlen, "no signer for the remote key");
		return NULL;
	}
	if ((pub = X509_get0_pubkey(cert)) == NULL) {
		errf(err, errlen, "cannot read the certificate's public key");
		return NULL;
	}
	if (key_supported(pub, "the certificate's key", err, errlen) != 0)
		return NULL;
	if (CRYPTO_THREAD_run_once(&methods_once, methods_init) != 1 ||
	    rsa_meth == NULL || ec_meth == NULL) {
		errf(err, errlen, "cannot set up the remote key methods");
		return NULL;
	}
	if ((r = malloc(sizeof(*r))) == NULL || (pk = EVP_PKEY_new()) == NULL)
		goto fail;
	r->signer = signer;
	r->arg = arg;
	/*
	 * The method before the assignment: EVP decides there whether a key
	 * is foreign, that is, whether it must go through the method.
	 */
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		/* n and e only. */
		if ((rsa = RSAPublicKey_dup(EVP_PKEY_get0_RSA(pub))) == NULL ||
		    RSA_set_method(rsa, rsa_meth) != 1 ||
		    RSA_set_ex_data(rsa, rsa_idx, r) != 1)
			goto fail;
		r = NULL;	/* rsa's now */
		if (EVP_PKEY_assign_RSA(pk, rsa) != 1)
			goto fail;
		rsa = NULL;
		break;
	case EVP_PKEY_EC:
		/*
		 * The group and point only: a certificate made in this
		 * process (X509_set_pubkey) holds the whole key, and
		 * EC_KEY_dup would copy the private half too.
		 */
		if ((pubec = EVP_PKEY_get0_EC_KEY(pub)) == NULL ||
		    (ec = EC_KEY_new()) == NULL ||
		    EC_KEY_set_group(ec, EC_KEY_get0_group(pubec)) != 1 ||
		    EC_KEY_set_public_key(ec,
		    EC_KEY_get0_public_key(pubec)) != 1 ||
		    EC_KEY_set_method(ec, ec_meth) != 1 ||
		    EC_KEY_set_ex_data(ec, ec_idx, r) != 1)
			goto fail;
		r = NULL;	/* ec's now */
		if (EVP_PKEY_assign_EC_KEY(pk, ec) != 1)
			goto fail;
		ec = NULL;
		break;
	default:
		goto fail;	/* key_supported let nothing else by */
	}
	return pk;
fail:
	errf(err, errlen, "cannot make the remote key: %s",
	    ERR_reason_error_string(ERR_peek_last_error()) != NULL ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "out of memory");
	ERR_clear_error();
	RSA_free(rsa);
	EC_KEY_free(ec);
	EVP_PKEY_free(pk);
	free(r);
	return NULL;
}

#pragma GCC diagnostic pop

/*
 * The key holder's side, with the non-deprecated EVP calls: a signature
 * without a digest is RSA_private_encrypt, or ECDSA_sign of the digest.
 */
int
tlskey_perform(EVP_PKEY *key, enum tlskey_op op, int padding,
    const unsigned char *in, size_t inlen, unsigned char *out, size_t outmax)
{
	EVP_PKEY_CTX *ctx = NULL;
	size_t size, n = outmax;
	int type, ok = 0;

	if (key == NULL || in == NULL || out == NULL || inlen == 0 ||
	    inlen > TLSKEY_MAX_IN || EVP_PKEY_get_size(key) <= 0)
		return -1;
	size = (size_t)EVP_PKEY_get_size(key);
	type = EVP_PKEY_get_base_id(key);
	if (outmax < size)
		return -1;
	switch (op) {
	case TLSKEY_RSA_PRIV_ENC:
	case TLSKEY_RSA_PRIV_DEC:
		if (type != EVP_PKEY_RSA)
			return -1;
		/* A raw block is the modulus' size; a PKCS#1 one no more. */
		if (padding == RSA_NO_PADDING ? inlen != size :
		    padding != RSA_PKCS1_PADDING || inlen > size)
			return -1;
		break;
	case TLSKEY_ECDSA_SIGN:
		if (type != EVP_PKEY_EC || padding != 0 ||
		    inlen > EVP_MAX_MD_SIZE)
			return -1;
		break;
	default:
		return -1;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL)
		goto out;
	if (op == TLSKEY_RSA_PRIV_DEC)
		ok = EVP_PKEY_decrypt_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, padding) == 1 &&
		    EVP_PKEY_decrypt(ctx, out, &n, in, inlen) == 1;
	else
		ok = EVP_PKEY_sign_init(ctx) == 1 &&
		    (op != TLSKEY_RSA_PRIV_ENC ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, padding) == 1) &&
		    EVP_PKEY_sign(ctx, out, &n, in, inlen) == 1;
out:
	EVP_PKEY_CTX_free(ctx);
	if (!ok || n == 0 || n > outmax || n > INT32_MAX) {
		/* The queue would only fill with what a worker provoked. */
		ERR_clear_error();
		OPENSSL_cleanse(out, outmax);
		return -1;
	}
	return (int)n;
}

int
tlskey_pack_request(struct buf *b, enum tlskey_op op, int padding,
    const unsigned char *in, size_t inlen)
{
	if (!op_valid(op) || inlen == 0 || inlen > TLSKEY_MAX_IN) {
		errno = EINVAL;
		return -1;
	}
	if (buf_put_u8(b, (uint8_t)op) != 0 ||
	    buf_put_u32(b, (uint32_t)padding) != 0 ||
	    buf_put_u32(b, (uint32_t)inlen) != 0 || buf_put(b, in, inlen) != 0)
		return -1;
	return 0;
}

int
tlskey_parse_request(struct buf *b, enum tlskey_op *op, int *padding,
    const unsigned char **in, size_t *inlen)
{
	struct buf v;
	uint32_t pad, n;
	uint8_t o;

	/* A view: b's offset stays, and a wiping b is not zeroed under *in. */
	buf_view(&v, buf_ptr(b), buf_avail(b));
	if (buf_get_u8(&v, &o) != 0 || buf_get_u32(&v, &pad) != 0 ||
	    buf_get_u32(&v, &n) != 0 || !op_valid(o) || n == 0 ||
	    n > TLSKEY_MAX_IN || n != buf_avail(&v)) {
		errno = EBADMSG;
		return -1;
	}
	*op = (enum tlskey_op)o;
	*padding = (int32_t)pad;
	*in = buf_ptr(&v);
	*inlen = n;
	return 0;
}

int
tlskey_pack_answer(struct buf *b, int n, const unsigned char *out)
{
	if (n <= 0)
		return buf_put_u32(b, (uint32_t)-1);
	if (n > TLSKEY_MAX_OUT) {
		errno = EINVAL;
		return -1;
	}
	if (buf_put_u32(b, (uint32_t)n) != 0 || buf_put(b, out, (size_t)n) != 0)
		return -1;
	return 0;
}

int
tlskey_parse_answer(struct buf *b, unsigned char *out, size_t outmax)
{
	struct buf v;
	uint32_t n;

	buf_view(&v, buf_ptr(b), buf_avail(b));
	if (buf_get_u32(&v, &n) != 0)
		goto bad;
	if (n == (uint32_t)-1 && buf_avail(&v) == 0) {
		errno = EPERM;	/* the key holder refused */
		return -1;
	}
	if (n == 0 || n > TLSKEY_MAX_OUT || n > outmax || n != buf_avail(&v))
		goto bad;
	memcpy(out, buf_ptr(&v), n);
	return (int)n;
bad:
	errno = EBADMSG;
	return -1;
}

/*
 * A signature by key, the way the keys role will make them, checked with
 * the certificate's key: it proves the private half is there and belongs
 * (a pairwise check would test RSA primes, a third of a second at 4096).
 */
static int
test_signature(EVP_PKEY *key, EVP_PKEY *pub)
{
	static const unsigned char dg[32] = "airlock tlskey_match test block";
	unsigned char sig[TLSKEY_MAX_OUT];
	EVP_PKEY_CTX *ctx = NULL;
	int rsa, n, ok = 0;

	rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
	n = tlskey_perform(key, rsa ? TLSKEY_RSA_PRIV_ENC : TLSKEY_ECDSA_SIGN,
	    rsa ? RSA_PKCS1_PADDING : 0, dg, sizeof(dg), sig, sizeof(sig));
	if (n > 0 &&
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) != NULL &&
	    EVP_PKEY_verify_init(ctx) == 1 && (!rsa ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1))
		ok = EVP_PKEY_verify(ctx, sig, (size_t)n, dg, sizeof(dg)) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int
tlskey_match(X509 *cert, EVP_PKEY *key, char *err, size_t errlen)
{
	EVP_PKEY *pub;

	if ((pub = X509_get0_pubkey(cert)) == NULL) {
		errf(err, errlen, "cannot read the certificate's public key");
		return -1;
	}
	if (key_supported(pub, "the certificate's key", err, errlen) != 0)
		return -1;
	if (EVP_PKEY_eq(pub, key) != 1) {
		errf(err, errlen, "the key is not the certificate's");
		ERR_clear_error();
		return -1;
	}
	/* That compared public halves; the private one must be there too. */
	if (test_signature(key, pub) != 0) {
		errf(err, errlen, "the key cannot sign: no private half, or "
		    "a broken one");
		return -1;
	}
	return 0;
}
