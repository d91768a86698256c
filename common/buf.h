/*
 * buf: the one bounded byte buffer used for every wire format in airlock
 * (HTTP, IPC, configuration messages).  Writers append at len, readers
 * consume from off; every get/put checks bounds and fails with -1 rather
 * than touching memory outside the buffer.  A buffer never grows past max.
 */
#ifndef AIRLOCK_BUF_H
#define AIRLOCK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t off;	/* next byte to read */
	size_t len;	/* end of valid data */
	size_t cap;	/* allocated size */
	size_t max;	/* growth limit */
	int view;	/* 1: data is borrowed and read-only */
	int wipe;	/* 1: may hold secrets: no stale copy is left behind */
};

void buf_init(struct buf *b, size_t max);
struct buf *buf_new(size_t max);
void buf_release(struct buf *b);	/* frees the storage, not b; NULL ok */
void buf_free(struct buf *b);		/* buf_new's pair; NULL ok */
/* A read-only view over foreign memory; buf_release is a no-op for it. */
void buf_view(struct buf *b, const void *p, size_t n);
void buf_reset(struct buf *b);
/*
 * Marks b as holding secrets (request heads with credentials): from then
 * on, growing, compacting, consuming and releasing it zero what is left
 * behind.
 */
void buf_set_wipe(struct buf *b);
/* Moves unread bytes to the start of the storage. */
void buf_compact(struct buf *b);

static inline size_t
buf_avail(const struct buf *b)
{
	return b->len - b->off;
}

static inline const uint8_t *
buf_ptr(const struct buf *b)
{
	return b->data + b->off;
}

/* Room for n more bytes at the end; *p points at it.  Commit with buf_commit. */
int buf_reserve(struct buf *b, size_t n, uint8_t **p);
int buf_commit(struct buf *b, size_t n);
int buf_put(struct buf *b, const void *p, size_t n);
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_u16(struct buf *b, uint16_t v);
int buf_put_u32(struct buf *b, uint32_t v);
int buf_put_u64(struct buf *b, uint64_t v);
/* A string as u32 length + bytes (no NUL on the wire).  NULL puts "". */
int buf_put_str(struct buf *b, const char *s);
int buf_putf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vputf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

int buf_get(struct buf *b, void *p, size_t n);
int buf_get_u8(struct buf *b, uint8_t *v);
int buf_get_u16(struct buf *b, uint16_t *v);
int buf_get_u32(struct buf *b, uint32_t *v);
int buf_get_u64(struct buf *b, uint64_t *v);
/*
 * Reads a buf_put_str string of at most maxlen bytes into a new
 * NUL-terminated allocation (caller frees).  Embedded NULs are refused.
 */
int buf_get_str(struct buf *b, char **s, size_t maxlen);
int buf_consume(struct buf *b, size_t n);

#endif
