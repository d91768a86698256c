/*
 * secret.c: a sealed value opens with its key and associated data, and
 * with nothing else; a changed byte anywhere, a cut or a different
 * version is refused; two seals of one value differ (fresh nonces).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "test.h"

static const uint8_t key[SECRET_KEY_LEN] = "0123456789abcdef0123456789abcde";

static void
round_trip(void)
{
	char *s = secret_seal(key, "cran/userpwd", "alice:s3cret", 12), *p;
	size_t n;

	CHECK(s != NULL);
	CHECK(strstr(s, "s3cret") == NULL);
	CHECK(strlen(s) == 2 * (1 + 12 + 12 + 16));
	CHECK(secret_open(key, "cran/userpwd", s, &p, &n) == 0);
	CHECK(p != NULL && n == 12 && strcmp(p, "alice:s3cret") == 0);
	secret_free(p);
	free(s);
	/* The empty value, and a large one. */
	s = secret_seal(key, "a", "", 0);
	CHECK(s != NULL && secret_open(key, "a", s, &p, &n) == 0 && n == 0 &&
	    p[0] == '\0');
	secret_free(p);
	free(s);
	{
		char *big = malloc(SECRET_MAX + 1);

		memset(big, 'k', SECRET_MAX);
		big[SECRET_MAX] = '\0';
		s = secret_seal(key, "a", big, SECRET_MAX);
		CHECK(s != NULL && secret_open(key, "a", s, &p, &n) == 0 &&
		    n == SECRET_MAX && strcmp(p, big) == 0);
		secret_free(p);
		free(s);
		CHECK(secret_seal(key, "a", big, SECRET_MAX + 1) == NULL);
		free(big);
	}
}

static void
fresh_nonce(void)
{
	char *a = secret_seal(key, "r", "same", 4);
	char *b = secret_seal(key, "r", "same", 4);

	CHECK(a != NULL && b != NULL && strcmp(a, b) != 0);
	free(a);
	free(b);
}

static void
wrong_key_or_aad(void)
{
	uint8_t other[SECRET_KEY_LEN];
	char *s = secret_seal(key, "mirror1/userpwd", "u:p", 3), *p = NULL;
	size_t n = 99;

	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	CHECK(secret_open(other, "mirror1/userpwd", s, &p, &n) == -1);
	CHECK(p == NULL && n == 0);
	/* Moved to another repository, or to another setting. */
	CHECK(secret_open(key, "mirror2/userpwd", s, &p, &n) == -1);
	CHECK(secret_open(key, "mirror1/proxy_userpwd", s, &p, &n) == -1);
	CHECK(secret_open(key, "", s, &p, &n) == -1);
	CHECK(p == NULL);
	free(s);
}

static void
tampered(void)
{
	char *s = secret_seal(key, "r", "user:password", 13), *p = NULL, *t;
	size_t i, n, len = strlen(s);

	/* Every hex digit changed in turn: version, nonce, text, tag. */
	for (i = 0; i < len; i++) {
		t = strdup(s);
		t[i] = t[i] == '0' ? '1' : '0';
		CHECK(secret_open(key, "r", t, &p, &n) == -1);
		free(t);
	}
	/* Cut short, made longer, not hex, odd length, empty. */
	t = strdup(s);
	t[len - 2] = '\0';
	CHECK(secret_open(key, "r", t, &p, &n) == -1);
	t[len - 3] = '\0';
	CHECK(secret_open(key, "r", t, &p, &n) == -1);
	free(t);
	t = malloc(len + 3);
	snprintf(t, len + 3, "%s00", s);
	CHECK(secret_open(key, "r", t, &p, &n) == -1);
	t[0] = 'x';
	t[len] = '\0';
	CHECK(secret_open(key, "r", t, &p, &n) == -1);
	free(t);
	CHECK(secret_open(key, "r", "", &p, &n) == -1);
	CHECK(secret_open(key, "r", "01", &p, &n) == -1);
	CHECK(p == NULL);
	CHECK(secret_open(key, "r", s, &p, &n) == 0);	/* still whole */
	secret_free(p);
	free(s);
	/* A value with a NUL in it is not text: refused. */
	s = secret_seal(key, "r", "a\0b", 3);
	CHECK(s != NULL && secret_open(key, "r", s, &p, &n) == -1);
	free(s);
}

static void
hex(void)
{
	uint8_t b[3], out[3];
	char h[7];

	b[0] = 0x00;
	b[1] = 0xab;
	b[2] = 0xff;
	secret_hex(b, 3, h);
	CHECK(strcmp(h, "00abff") == 0);
	CHECK(secret_unhex("00ABff", out, 3) == 0 && memcmp(b, out, 3) == 0);
	CHECK(secret_unhex("00abf", out, 3) == -1);
	CHECK(secret_unhex("00abffaa", out, 3) == -1);
	CHECK(secret_unhex("00abfg", out, 3) == -1);
}

int
main(void)
{
	RUN(round_trip);
	RUN(fresh_nonce);
	RUN(wrong_key_or_aad);
	RUN(tampered);
	RUN(hex);
	TEST_EXIT();
}
