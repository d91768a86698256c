/*
 * fuzz_conf: the configuration's three ways in.  The bytes are read as an
 * airlock.conf, as -o overrides (one a line) and as a conf_pack message,
 * which is what a role receives from the master.  Whatever loads must
 * survive both round trips unchanged: pack → unpack, and dump → load.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5's parser drops a scanned string on some syntax errors (the
 * text "\"\"" alone loses one byte) even though conf.c always calls
 * config_destroy.  That leak is the library's; ours are still reported.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static struct buf *
packed(const struct airlock_conf *c)
{
	struct buf *b = buf_new(1 << 20);

	if (b == NULL || conf_pack(c, b) != 0)
		abort();
	return b;
}

static int
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* conf_dump's text, NUL-terminated (caller frees). */
static char *
dumped(const struct airlock_conf *c)
{
	static int fd = -1;
	off_t n;
	char *s;

	if (fd == -1 && (fd = memfd_create("fuzz_conf", MFD_CLOEXEC)) == -1)
		abort();
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	conf_dump(c, fd);
	if ((n = lseek(fd, 0, SEEK_CUR)) <= 0 || (s = malloc((size_t)n + 1))
	    == NULL || pread(fd, s, (size_t)n, 0) != n)
		abort();
	s[n] = '\0';
	return s;
}

/* c passed conf_check: both round trips give it back exactly. */
static void
roundtrip(const struct airlock_conf *c)
{
	struct airlock_conf *u, *d;
	struct buf *b, *b2, *b3;
	char err[512], *text;

	b = packed(c);
	if ((u = conf_unpack(b)) == NULL)
		abort();
	b->off = 0;
	b2 = packed(u);
	if (!same(b, b2))
		abort();

	text = dumped(c);
	if ((d = conf_new()) == NULL)
		abort();
	if (conf_load_string(d, text, "dump", err, sizeof(err)) != 0) {
		fprintf(stderr, "dump does not load: %s\n%s", err, text);
		abort();
	}
	b3 = packed(d);
	if (!same(b, b3))
		abort();
	free(text);
	conf_free(d);
	conf_free(u);
	buf_free(b);
	buf_free(b2);
	buf_free(b3);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct airlock_conf *c, *u;
	struct buf v, *b;
	char err[512], *text, *line, *nl;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if ((c = conf_new()) == NULL)
		abort();
	if (conf_load_string(c, text, "fuzz", err, sizeof(err)) == 0 &&
	    conf_check(c, err, sizeof(err)) == 0)
		roundtrip(c);
	conf_free(c);

	/* Each line as -o key=value over the defaults. */
	if ((c = conf_new()) == NULL)
		abort();
	for (line = text; line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		(void)conf_override(c, line, err, sizeof(err));
	}
	if (conf_check(c, err, sizeof(err)) == 0)
		roundtrip(c);
	conf_free(c);
	free(text);

	/* As a message: what unpacks is canonical, so it packs back alike. */
	buf_view(&v, data, size);
	if ((u = conf_unpack(&v)) != NULL) {
		b = packed(u);
		if (b->len != size || memcmp(b->data, data, size) != 0)
			abort();
		buf_free(b);
		roundtrip(u);
		conf_free(u);
	}
	return 0;
}
