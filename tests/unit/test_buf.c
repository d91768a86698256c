#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "test.h"

static void
test_roundtrip(void)
{
	struct buf b;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char *s;

	buf_init(&b, 1024);
	CHECK(buf_put_u8(&b, 0xab) == 0);
	CHECK(buf_put_u16(&b, 0xbeef) == 0);
	CHECK(buf_put_u32(&b, 0xdeadbeef) == 0);
	CHECK(buf_put_u64(&b, 0x0123456789abcdefULL) == 0);
	CHECK(buf_put_str(&b, "airlock") == 0);
	CHECK(buf_get_u8(&b, &u8) == 0 && u8 == 0xab);
	CHECK(buf_get_u16(&b, &u16) == 0 && u16 == 0xbeef);
	CHECK(buf_get_u32(&b, &u32) == 0 && u32 == 0xdeadbeef);
	CHECK(buf_get_u64(&b, &u64) == 0 && u64 == 0x0123456789abcdefULL);
	CHECK(buf_get_str(&b, &s, 64) == 0 && strcmp(s, "airlock") == 0);
	free(s);
	CHECK(buf_avail(&b) == 0);
	CHECK(buf_get_u8(&b, &u8) == -1);
	buf_release(&b);
}

static void
test_limits(void)
{
	struct buf b;
	char big[100];

	memset(big, 'x', sizeof(big));
	buf_init(&b, 64);
	CHECK(buf_put(&b, big, 64) == 0);
	CHECK(buf_put_u8(&b, 1) == -1);
	CHECK(b.len == 64);
	/* Consumed space is reclaimed before refusing. */
	CHECK(buf_consume(&b, 10) == 0);
	CHECK(buf_put(&b, big, 10) == 0);
	CHECK(buf_avail(&b) == 64);
	CHECK(buf_putf(&b, "%d", 7) == -1);
	buf_release(&b);
}

static void
test_str_checks(void)
{
	struct buf b;
	char *s;
	static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b' };
	static const uint8_t longer[] = { 0, 0, 0, 9, 'a', 'b' };

	buf_view(&b, nul, sizeof(nul));
	CHECK(buf_get_str(&b, &s, 64) == -1 && s == NULL);
	CHECK(b.off == 0);	/* a failed get consumes nothing */
	buf_view(&b, longer, sizeof(longer));
	CHECK(buf_get_str(&b, &s, 64) == -1);
	buf_view(&b, longer, sizeof(longer));
	CHECK(buf_get_str(&b, &s, 2) == -1);
	/* Views are read-only. */
	CHECK(buf_put_u8(&b, 1) == -1);
}

static void
test_printf(void)
{
	struct buf b;

	buf_init(&b, 4096);
	CHECK(buf_putf(&b, "%s-%d", "a", 42) == 0);
	CHECK(buf_avail(&b) == 4 && memcmp(buf_ptr(&b), "a-42", 4) == 0);
	/* Into the room there is (256 allocated), then past it: regrown. */
	CHECK(buf_putf(&b, "%0250d", 5) == 0 && buf_avail(&b) == 254);
	CHECK(buf_putf(&b, "|%s|", "tail") == 0 && buf_avail(&b) == 260);
	CHECK(memcmp(buf_ptr(&b), "a-420000", 8) == 0 &&
	    memcmp(buf_ptr(&b) + 253, "5|tail|", 7) == 0);
	buf_release(&b);
	/* Exactly up to max is refused (room for the NUL), below it is not. */
	buf_init(&b, 8);
	CHECK(buf_putf(&b, "%s", "1234567") == 0 && buf_avail(&b) == 7);
	CHECK(buf_putf(&b, "%s", "8") == -1 && buf_avail(&b) == 7);
	CHECK(memcmp(buf_ptr(&b), "1234567", 7) == 0);
	buf_free(buf_new(10));
	buf_free(NULL);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_roundtrip);
	RUN(test_limits);
	RUN(test_str_checks);
	RUN(test_printf);
	TEST_EXIT();
}
