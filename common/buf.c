#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

struct buf *
buf_new(size_t max)
{
	struct buf *b;

	if ((b = malloc(sizeof(*b))) == NULL)
		return NULL;
	buf_init(b, max);
	return b;
}

void
buf_release(struct buf *b)
{
	if (b == NULL)
		return;
	if (!b->view && b->wipe && b->data != NULL)
		explicit_bzero(b->data, b->cap);
	if (!b->view)
		free(b->data);
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	buf_release(b);
	free(b);
}

void
buf_view(struct buf *b, const void *p, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->data = (uint8_t *)(uintptr_t)p;
	b->len = b->cap = b->max = n;
	b->view = 1;
}

void
buf_reset(struct buf *b)
{
	if (b->wipe && !b->view && b->data != NULL)
		explicit_bzero(b->data, b->len);
	b->off = b->len = 0;
}

void
buf_set_wipe(struct buf *b)
{
	b->wipe = 1;
}

void
buf_compact(struct buf *b)
{
	if (b->view || b->off == 0)
		return;
	memmove(b->data, b->data + b->off, b->len - b->off);
	if (b->wipe)	/* the tail keeps a copy of what moved */
		explicit_bzero(b->data + b->len - b->off, b->off);
	b->len -= b->off;
	b->off = 0;
}

int
buf_reserve(struct buf *b, size_t n, uint8_t **p)
{
	size_t need, ncap;
	uint8_t *nd;

	if (b->view) {
		errno = EPERM;
		return -1;
	}
	if (n > b->max || b->len > b->max - n) {
		/* Reclaim consumed space before giving up. */
		if (b->off > 0 && b->len - b->off <= b->max - n) {
			buf_compact(b);
		} else {
			errno = ENOBUFS;
			return -1;
		}
	}
	need = b->len + n;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < need)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		if (b->wipe) {
			/* realloc would free the old block as it is. */
			if ((nd = malloc(ncap)) == NULL)
				return -1;
			if (b->data != NULL) {
				memcpy(nd, b->data, b->len);
				explicit_bzero(b->data, b->cap);
				free(b->data);
			}
		} else if ((nd = realloc(b->data, ncap)) == NULL)
			return -1;
		b->data = nd;
		b->cap = ncap;
	}
	*p = b->data + b->len;
	return 0;
}

int
buf_commit(struct buf *b, size_t n)
{
	if (n > b->cap - b->len) {
		errno = EINVAL;
		return -1;
	}
	b->len += n;
	return 0;
}

int
buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *d;

	/* The common case, room already there, without a call. */
	if (!b->view && n <= b->cap - b->len && n <= b->max - b->len) {
		if (n > 0)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		return 0;
	}
	if (buf_reserve(b, n, &d) != 0)
		return -1;
	if (n > 0)
		memcpy(d, p, n);
	b->len += n;
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t d[2] = { v >> 8, v };

	return buf_put(b, d, sizeof(d));
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t d[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_put(b, d, sizeof(d));
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	if (buf_put_u32(b, v >> 32) != 0)
		return -1;
	return buf_put_u32(b, (uint32_t)v);
}

int
buf_put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > UINT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (buf_put_u32(b, (uint32_t)n) != 0)
		return -1;
	return buf_put(b, s, n);
}

int
buf_vputf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	uint8_t *d;
	size_t room;
	int n;

	/* Usually it fits where it goes: formatted once, not measured first. */
	room = b->view ? 0 : b->cap - b->len < b->max - b->len ?
	    b->cap - b->len : b->max - b->len;
	va_copy(ap2, ap);
	n = vsnprintf(room ? (char *)b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	/* +1 for vsnprintf's NUL, which is not committed. */
	if (buf_reserve(b, (size_t)n + 1, &d) != 0)
		return -1;
	vsnprintf((char *)d, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vputf(b, fmt, ap);
	va_end(ap);
	return r;
}

int
buf_get(struct buf *b, void *p, size_t n)
{
	if (n > b->len - b->off) {
		errno = EBADMSG;
		return -1;
	}
	if (p != NULL && n > 0)
		memcpy(p, b->data + b->off, n);
	if (b->wipe && !b->view && n > 0)
		explicit_bzero(b->data + b->off, n);
	b->off += n;
	return 0;
}

int
buf_consume(struct buf *b, size_t n)
{
	return buf_get(b, NULL, n);
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return buf_get(b, v, 1);
}

int
buf_get_u16(struct buf *b, uint16_t *v)
{
	uint8_t d[2];

	if (buf_get(b, d, sizeof(d)) != 0)
		return -1;
	*v = (uint16_t)(d[0] << 8 | d[1]);
	return 0;
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	uint8_t d[4];

	if (buf_get(b, d, sizeof(d)) != 0)
		return -1;
	*v = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
	    (uint32_t)d[2] << 8 | d[3];
	return 0;
}

int
buf_get_u64(struct buf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (buf_get_u32(b, &hi) != 0 || buf_get_u32(b, &lo) != 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
buf_get_str(struct buf *b, char **s, size_t maxlen)
{
	uint32_t n;
	size_t save = b->off;
	char *p;

	*s = NULL;
	if (buf_get_u32(b, &n) != 0)
		return -1;
	if (n > maxlen || n > b->len - b->off) {
		b->off = save;
		errno = EBADMSG;
		return -1;
	}
	if (memchr(b->data + b->off, '\0', n) != NULL) {
		b->off = save;
		errno = EBADMSG;
		return -1;
	}
	if ((p = malloc((size_t)n + 1)) == NULL) {
		b->off = save;
		return -1;
	}
	memcpy(p, b->data + b->off, n);
	p[n] = '\0';
	b->off += n;
	*s = p;
	return 0;
}
