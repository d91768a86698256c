#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "secret.h"

#define SEAL_VERSION		1
#define NONCE_LEN	12
#define TAG_LEN		16
#define OVERHEAD	(1 + NONCE_LEN + TAG_LEN)

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
secret_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = hexval((unsigned char)s[2 * i])) < 0 ||
		    (lo = hexval((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
secret_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

char *
secret_seal(const uint8_t key[SECRET_KEY_LEN], const char *aad,
    const void *p, size_t n)
{
	EVP_CIPHER_CTX *cx = NULL;
	uint8_t *raw = NULL;
	char *text = NULL;
	size_t len = OVERHEAD + n;
	int l, ok = 0;

	if (n > SECRET_MAX || (raw = malloc(len)) == NULL ||
	    (text = malloc(2 * len + 1)) == NULL ||
	    (cx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	raw[0] = SEAL_VERSION;
	if (RAND_bytes(raw + 1, NONCE_LEN) != 1 ||
	    EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(cx, NULL, NULL, key, raw + 1) != 1 ||
	    EVP_EncryptUpdate(cx, NULL, &l, (const uint8_t *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(cx, raw + 1 + NONCE_LEN, &l, p, (int)n) != 1 ||
	    (size_t)l != n ||
	    EVP_EncryptFinal_ex(cx, raw + 1 + NONCE_LEN + n, &l) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    raw + 1 + NONCE_LEN + n) != 1)
		goto out;
	secret_hex(raw, len, text);
	ok = 1;
out:
	EVP_CIPHER_CTX_free(cx);
	free(raw);		/* ciphertext only: nothing to wipe */
	if (!ok) {
		free(text);
		text = NULL;
	}
	return text;
}

int
secret_open(const uint8_t key[SECRET_KEY_LEN], const char *aad,
    const char *sealed, char **out, size_t *outlen)
{
	EVP_CIPHER_CTX *cx = NULL;
	uint8_t *raw = NULL;
	char *pt = NULL;
	size_t len = strlen(sealed) / 2, n;
	int l, r = -1;

	*out = NULL;
	*outlen = 0;
	if (len < OVERHEAD || len > OVERHEAD + SECRET_MAX ||
	    (raw = malloc(len)) == NULL ||
	    secret_unhex(sealed, raw, len) != 0 || raw[0] != SEAL_VERSION)
		goto out;
	n = len - OVERHEAD;
	if ((pt = malloc(n + 1)) == NULL ||
	    (cx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(cx, NULL, NULL, key, raw + 1) != 1 ||
	    EVP_DecryptUpdate(cx, NULL, &l, (const uint8_t *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(cx, (uint8_t *)pt, &l, raw + 1 + NONCE_LEN,
	    (int)n) != 1 || (size_t)l != n ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    raw + 1 + NONCE_LEN + n) != 1 ||
	    EVP_DecryptFinal_ex(cx, (uint8_t *)pt + n, &l) != 1)
		goto out;	/* the tag: wrong key, aad, or bytes changed */
	if (memchr(pt, '\0', n) != NULL)
		goto out;	/* text only: secret_free wipes up to a NUL */
	pt[n] = '\0';
	*out = pt;
	*outlen = n;
	pt = NULL;
	r = 0;
out:
	EVP_CIPHER_CTX_free(cx);
	free(raw);
	if (pt != NULL) {
		OPENSSL_cleanse(pt, len - OVERHEAD);
		free(pt);
	}
	return r;
}

void
secret_aad(const char *repo, const char *name, char *out, size_t n)
{
	snprintf(out, n, "airlock sync secret: %s/%s", repo, name);
}

void
secret_free(char *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, strlen(p));
	free(p);
}
