/*
 * fuzz_authz: an Authorization header value.  What parses must hold no
 * control characters; a Basic credential must encode back to the very
 * base64 it came from (there is one encoding only) and parse again to
 * the same user and password; a Bearer token must be the b64token that
 * was sent.  What does not parse must leave the struct empty.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static void
no_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			abort();
}

/* The input ends with s, but for trailing whitespace. */
static void
ends_with(const uint8_t *data, size_t size, const char *s)
{
	size_t n = strlen(s);

	while (size > 0 && (data[size - 1] == ' ' || data[size - 1] == '\t'))
		size--;
	if (size < n || memcmp(data + size - n, s, n) != 0)
		abort();
}

static void
basic(const uint8_t *data, size_t size, const struct authz *a)
{
	struct authz back;
	char hdr[2048];

	no_ctl(a->user);
	no_ctl(a->secret);
	if (strchr(a->user, ':') != NULL)
		abort();
	if (authz_basic_encode(a->user, a->secret, hdr, sizeof(hdr)) != 0)
		abort();
	ends_with(data, size, hdr + strlen("Basic "));
	if (authz_parse(hdr, strlen(hdr), &back) != 0 ||
	    back.kind != AUTHZ_BASIC || strcmp(back.user, a->user) != 0 ||
	    strcmp(back.secret, a->secret) != 0)
		abort();
	secret_wipe(&back, sizeof(back));
	secret_wipe(hdr, sizeof(hdr));
}

static void
bearer(const uint8_t *data, size_t size, const struct authz *a)
{
	static const char b64token[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~+/=";
	const char *s;

	if (a->user[0] != '\0' || a->secret[0] == '\0' || a->secret[0] == '=')
		abort();
	for (s = a->secret; *s != '\0'; s++)
		if (strchr(b64token, *s) == NULL)
			abort();
	ends_with(data, size, a->secret);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authz a;

	if (authz_parse((const char *)data, size, &a) == -1) {
		if (!all_zero(&a, sizeof(a)))
			abort();
		return 0;
	}
	if (memchr(a.user, '\0', sizeof(a.user)) == NULL ||
	    memchr(a.secret, '\0', sizeof(a.secret)) == NULL)
		abort();
	switch (a.kind) {
	case AUTHZ_BASIC:
		basic(data, size, &a);
		break;
	case AUTHZ_BEARER:
		bearer(data, size, &a);
		break;
	default:
		abort();
	}
	secret_wipe(&a, sizeof(a));
	return 0;
}
