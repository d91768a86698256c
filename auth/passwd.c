#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "passwd.h"

#define COST_DEFAULT	15
#define COST_MAX	20
#define SCRYPT_R	8
#define SCRYPT_P	1
#define SALT_LEN	16	/* what passwd_hash makes */
#define KEY_LEN		32
#define SALT_MIN	8	/* what passwd_verify accepts */
#define KEY_MIN		16
#define PART_MAX	64	/* longest salt or key accepted */
#define B64_LEN(n)	(((n) * 4 + 2) / 3 + 1)	/* unpadded, + NUL */

struct scrypt_hash {
	int ln;
	uint32_t r, p;
	uint8_t salt[PART_MAX];
	size_t saltlen;
	uint8_t key[PART_MAX];
	size_t keylen;
};

static int cost_ln = COST_DEFAULT;

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* n bytes as base64 without padding into dst, which holds B64_LEN(n). */
static void
b64_encode(char *dst, const uint8_t *src, size_t n)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)src[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)src[i + 1] << 8;
		if (i + 2 < n)
			v |= src[i + 2];
		*dst++ = b64[v >> 18 & 63];
		*dst++ = b64[v >> 12 & 63];
		if (i + 1 < n)
			*dst++ = b64[v >> 6 & 63];
		if (i + 2 < n)
			*dst++ = b64[v & 63];
	}
	*dst = '\0';
}

/*
 * The len characters at s, base64 without padding, into at most max
 * bytes: their number, or -1.  Only the canonical form is accepted (unused
 * low bits zero), so that one key has one spelling.
 */
static int
b64_decode(uint8_t *dst, size_t max, const char *s, size_t len)
{
	const char *c;
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	if (len % 4 == 1 || len * 3 / 4 > max)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || (c = strchr(b64, s[i])) == NULL)
			return -1;
		acc = acc << 6 | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[n++] = acc >> bits & 0xff;
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (int)n;
}

static int
scrypt(const char *pw, const uint8_t *salt, size_t saltlen, int ln,
    uint32_t r, uint32_t p, uint8_t *key, size_t keylen)
{
	OSSL_PARAM params[7], *q = params;
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	uint64_t n = (uint64_t)1 << ln;
	/*
	 * What OpenSSL's scrypt allocates (V, then B), which is just what
	 * it checks against maxmem: its default of 32 MiB already refuses
	 * ln = 15, and ln = 20 takes 1 GiB.
	 */
	uint64_t maxmem = 128 * (uint64_t)r * (n + 2) + 128 * (uint64_t)r * p;
	int rv = -1;

	if (pw == NULL)
		pw = "";
	/* OSSL_PARAM is not const-correct: these buffers are only read. */
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (char *)(uintptr_t)pw, strlen(pw));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (uint8_t *)(uintptr_t)salt, saltlen);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	*q = OSSL_PARAM_construct_end();

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		return -1;
	if ((ctx = EVP_KDF_CTX_new(kdf)) != NULL &&
	    EVP_KDF_derive(ctx, key, keylen, params) == 1)
		rv = 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rv;
}

/* Advances past the literal lit at s; NULL when s does not start with it. */
static const char *
skip(const char *s, const char *lit)
{
	size_t n = strlen(lit);

	return strncmp(s, lit, n) == 0 ? s + n : NULL;
}

/*
 * A decimal in [1, max] at s, followed by the character end: advances past
 * both, NULL otherwise.  No sign, no leading zero: one spelling per value.
 */
static const char *
number(const char *s, long max, char end, long *v)
{
	long n = 0;

	if (s == NULL || *s < '1' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > max)
			return NULL;
	if (*s != end)
		return NULL;
	*v = n;
	return s + 1;
}

static int
parse(const char *s, struct scrypt_hash *h)
{
	const char *key;
	long ln, r, p;
	int n;

	if ((s = skip(s, "$scrypt$ln=")) == NULL ||
	    (s = number(s, COST_MAX, ',', &ln)) == NULL ||
	    (s = skip(s, "r=")) == NULL ||
	    (s = number(s, 32, ',', &r)) == NULL ||
	    (s = skip(s, "p=")) == NULL ||
	    (s = number(s, 16, '$', &p)) == NULL ||
	    (key = strchr(s, '$')) == NULL)
		return -1;
	h->ln = (int)ln;
	h->r = (uint32_t)r;
	h->p = (uint32_t)p;
	n = b64_decode(h->salt, sizeof(h->salt), s, (size_t)(key - s));
	if (n < SALT_MIN)
		return -1;
	h->saltlen = (size_t)n;
	key++;
	if ((n = b64_decode(h->key, sizeof(h->key), key, strlen(key))) <
	    KEY_MIN)
		return -1;
	h->keylen = (size_t)n;
	return 0;
}

int
passwd_hash(const char *pw, char *out, size_t outsz)
{
	uint8_t salt[SALT_LEN], key[KEY_LEN];
	char salt64[B64_LEN(SALT_LEN)], key64[B64_LEN(KEY_LEN)];
	int n, rv = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    scrypt(pw, salt, sizeof(salt), cost_ln, SCRYPT_R, SCRYPT_P, key,
	    sizeof(key)) != 0)
		goto out;
	b64_encode(salt64, salt, sizeof(salt));
	b64_encode(key64, key, sizeof(key));
	n = snprintf(out, outsz, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", cost_ln,
	    SCRYPT_R, SCRYPT_P, salt64, key64);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			OPENSSL_cleanse(out, outsz);
		goto out;
	}
	rv = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key64, sizeof(key64));
	return rv;
}

int
passwd_verify(const char *pw, const char *stored)
{
	struct scrypt_hash h;
	uint8_t key[PART_MAX];
	int rv = -1;

	if (stored != NULL && parse(stored, &h) == 0 &&
	    scrypt(pw, h.salt, h.saltlen, h.ln, h.r, h.p, key, h.keylen) == 0)
		rv = CRYPTO_memcmp(key, h.key, h.keylen) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(&h, sizeof(h));
	return rv;
}

void
passwd_verify_dummy(const char *pw)
{
	static const uint8_t salt[SALT_LEN];
	uint8_t key[KEY_LEN], other[KEY_LEN] = { 0 };

	/* The comparison too, so that only the answer differs. */
	if (scrypt(pw, salt, sizeof(salt), cost_ln, SCRYPT_R, SCRYPT_P, key,
	    sizeof(key)) == 0)
		(void)CRYPTO_memcmp(key, other, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
}

void
passwd_set_cost(int ln)
{
	cost_ln = ln < 1 ? 1 : ln > COST_MAX ? COST_MAX : ln;
}
