#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "authmsg.h"

int
authmsg_pack(struct buf *b, uint64_t id, uint8_t code, unsigned n,
    const char *const *args, const size_t *lens)
{
	unsigned i;
	size_t len;

	if (n > AUTHMSG_MAX_ARGS || buf_put_u64(b, id) != 0 ||
	    buf_put_u8(b, code) != 0 || buf_put_u32(b, n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		len = lens != NULL ? lens[i] : strlen(args[i]);
		if (len > UINT32_MAX || buf_put_u32(b, (uint32_t)len) != 0 ||
		    buf_put(b, args[i], len) != 0)
			return -1;
	}
	return 0;
}

int
authmsg_parse(struct buf *payload, struct authmsg *m)
{
	struct buf v = *payload;
	uint32_t n, len;
	size_t total = 0, off = 0;
	unsigned i;

	memset(m, 0, sizeof(*m));
	if (buf_get_u64(&v, &m->id) != 0 || buf_get_u8(&v, &m->code) != 0 ||
	    buf_get_u32(&v, &n) != 0 || n > AUTHMSG_MAX_ARGS)
		goto bad;
	/* First pass: lengths, so one allocation holds every copy. */
	{
		struct buf w = v;

		for (i = 0; i < n; i++) {
			if (buf_get_u32(&w, &len) != 0 ||
			    len > buf_avail(&w) || buf_consume(&w, len) != 0)
				goto bad;
			total += (size_t)len + 1;
		}
		if (buf_avail(&w) != 0)
			goto bad;	/* trailing bytes */
	}
	if ((m->store = malloc(total + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		buf_get_u32(&v, &len);
		m->arg[i] = m->store + off;
		m->len[i] = len;
		memcpy(m->arg[i], buf_ptr(&v), len);
		m->arg[i][len] = '\0';
		buf_consume(&v, len);
		off += (size_t)len + 1;
	}
	m->n = n;
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	errno = EBADMSG;
	return -1;
}

void
authmsg_free(struct authmsg *m)
{
	size_t total = 0;
	unsigned i;

	if (m == NULL || m->store == NULL)
		return;
	for (i = 0; i < m->n; i++)
		total += m->len[i] + 1;
	explicit_bzero(m->store, total);
	free(m->store);
	memset(m, 0, sizeof(*m));
}
