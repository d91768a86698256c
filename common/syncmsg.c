#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "syncmsg.h"

int
syncmsg_files_put(struct buf *b, const char *name, const char *md5,
    const char *sha256)
{
	return buf_put_str(b, name) != 0 ||
	    buf_put_str(b, md5 != NULL ? md5 : "") != 0 ||
	    buf_put_str(b, sha256 != NULL ? sha256 : "") != 0 ? -1 : 0;
}

/* "" or n lowercase hex digits, as a digest is written everywhere here. */
static int
hex_or_empty(const char *s, size_t n)
{
	size_t i;

	if (*s == '\0')
		return 1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

int
syncmsg_files_parse(struct buf *b, int nfds, struct syncmsg_files *f)
{
	uint32_t i;

	memset(f, 0, sizeof(*f));
	if (buf_get_u32(b, &f->n) != 0 || nfds < 0 || nfds > IPC_MAX_FDS ||
	    f->n != (uint32_t)nfds) {
		f->n = 0;
		return -1;
	}
	for (i = 0; i < f->n; i++)
		if (buf_get_str(b, &f->name[i], SYNCMSG_NAME_MAX) != 0 ||
		    buf_get_str(b, &f->md5[i], 32) != 0 ||
		    !hex_or_empty(f->md5[i], 32) ||
		    buf_get_str(b, &f->sha256[i], 64) != 0 ||
		    !hex_or_empty(f->sha256[i], 64)) {
			syncmsg_files_free(f);
			return -1;
		}
	return 0;
}

void
syncmsg_files_free(struct syncmsg_files *f)
{
	uint32_t i;

	for (i = 0; i < IPC_MAX_FDS; i++) {
		free(f->name[i]);
		free(f->md5[i]);
		free(f->sha256[i]);
	}
	memset(f, 0, sizeof(*f));
}
