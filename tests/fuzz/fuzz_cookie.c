/*
 * fuzz_cookie: a Cookie header as a browser, a script or an attacker
 * sends it.  The first byte says how many of the bytes after it are the
 * cookie name (low five bits) and how big the output is (high three);
 * the rest is the header.  A value found must be cookie-octets that were
 * in the header, and a small output must give the answer a large one
 * gives, or -1 when that answer does not fit.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const size_t outsizes[8] = { 1, 2, 3, 8, 16, 64, 256, 4096 };

/* Same set as authparse.c, written out again so a slip shows up twice. */
static int
is_cookie_octet(int c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' &&
	    c != '\\';
}

static void
check(int r, const char *out, size_t outsz, const char *hdr, size_t len,
    const char *name)
{
	size_t i, n;

	if (r < -1 || r > 1 || memchr(out, '\0', outsz) == NULL)
		abort();
	if (r != 1) {
		if (out[0] != '\0')
			abort();
		return;
	}
	n = strlen(out);
	for (i = 0; i < n; i++)
		if (!is_cookie_octet((unsigned char)out[i]))
			abort();
	if (memmem(hdr, len, out, n) == NULL ||
	    memmem(hdr, len, name, strlen(name)) == NULL ||
	    memchr(hdr, '=', len) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[32], big[1 << 16], *small;
	const char *hdr;
	size_t nlen, len, outsz;
	int r, rbig;

	if (size < 1)
		return 0;
	nlen = data[0] & 0x1f;
	outsz = outsizes[data[0] >> 5];
	if (size - 1 < nlen)
		return 0;
	/* A NUL in the name just ends it early. */
	memcpy(name, data + 1, nlen);
	name[nlen] = '\0';
	hdr = (const char *)data + 1 + nlen;
	len = size - 1 - nlen;

	/* Exactly outsz bytes, so that ASan sees a write past them. */
	if ((small = malloc(outsz)) == NULL)
		abort();
	r = cookie_find(hdr, len, name, small, outsz);
	check(r, small, outsz, hdr, len, name);
	rbig = cookie_find(hdr, len, name, big, sizeof(big));
	check(rbig, big, sizeof(big), hdr, len, name);
	if (rbig == 1 && strlen(big) < outsz) {
		if (r != 1 || strcmp(small, big) != 0)
			abort();
	} else if (rbig == 1 ? r != -1 : r != rbig)
		abort();
	free(small);
	return 0;
}
