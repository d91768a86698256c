/*
 * fuzz_form: an urlencoded body or query string, asked for a few field
 * names.  Every answer must be a string; a bad escape anywhere must fail
 * every name alike; a small output must agree with a large one; a value
 * found must survive url_encode and come back the same through
 * form_field, and html_escape of it must hold no character that could
 * end an attribute or start a tag.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authparse.h"
#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const names[] = {
	"a", "x", "q", "user", "password", "csrf", "a b", "a=b", "",
};

#define SMALL	8

static int
is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
is_upper_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int
is_hex(int c)
{
	return is_upper_hex(c) || (c >= 'a' && c <= 'f');
}

static void
check(int r, const char *out, size_t outsz)
{
	if (r < -1 || r > 1 || memchr(out, '\0', outsz) == NULL ||
	    (r != 1 && out[0] != '\0'))
		abort();
}

static void
round_trip(const char *value, char *back, size_t backsz)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 20);
	if (buf_put(&b, "x=", 2) != 0 || url_encode(&b, value) != 0)
		abort();
	for (i = 2; i < b.len; i++) {
		if (is_unreserved(b.data[i]))
			continue;
		if (b.data[i] != '%' || b.len - i < 3 ||
		    !is_upper_hex(b.data[i + 1]) ||
		    !is_upper_hex(b.data[i + 2]))
			abort();
		i += 2;
	}
	if (form_field((const char *)b.data, b.len, "x", back, backsz) != 1 ||
	    strcmp(back, value) != 0)
		abort();
	buf_reset(&b);
	if (html_escape(&b, value) != 0 ||
	    memchr(b.data, '<', b.len) != NULL ||
	    memchr(b.data, '>', b.len) != NULL ||
	    memchr(b.data, '"', b.len) != NULL ||
	    memchr(b.data, '\'', b.len) != NULL)
		abort();
	buf_release(&b);
}

/* Independent of form_field: some '%' lacks two hex digits after it. */
static int
bad_escape(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '%' && (n - i < 3 || !is_hex(p[i + 1]) ||
		    !is_hex(p[i + 2])))
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char *big, *small, *back;
	size_t i, bigsz = size + 1;
	int r, rsmall, bad, nul;

	/* Exactly sized, so that ASan sees a write past them. */
	if ((big = malloc(bigsz)) == NULL || (small = malloc(SMALL)) == NULL ||
	    (back = malloc(bigsz)) == NULL)
		abort();
	bad = bad_escape(body, size);
	/* Raw or escaped, a NUL in the value is refused. */
	nul = memmem(body, size, "%00", 3) != NULL ||
	    memchr(body, '\0', size) != NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* Decoding never makes a value longer: big always fits. */
		r = form_field(body, size, names[i], big, bigsz);
		check(r, big, bigsz);
		if (bad ? r != -1 : r == -1 && !nul)
			abort();
		rsmall = form_field(body, size, names[i], small, SMALL);
		check(rsmall, small, SMALL);
		if (r == 1 && strlen(big) < SMALL) {
			if (rsmall != 1 || strcmp(small, big) != 0)
				abort();
		} else if (r == 1 ? rsmall != -1 : rsmall != r)
			abort();
		if (r == 1)
			round_trip(big, back, bigsz);
	}
	free(big);
	free(small);
	free(back);
	return 0;
}
