#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"

#define NBUCKETS (FCACHE_ENTRIES * 2)

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void
lru_unlink(struct fcache *fc, struct fentry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		fc->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		fc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_front(struct fcache *fc, struct fentry *e)
{
	e->next = fc->head;
	e->prev = NULL;
	if (fc->head)
		fc->head->prev = e;
	fc->head = e;
	if (fc->tail == NULL)
		fc->tail = e;
}

static void
entry_free(struct fentry *e)
{
	close(e->fd);
	free(e->path);
	free(e);
}

/* Takes e out of the table; it lives on while responses still hold it. */
static void
evict(struct fcache *fc, struct fentry *e)
{
	struct fentry **pp;

	for (pp = &fc->tab[e->hash % NBUCKETS]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	lru_unlink(fc, e);
	e->cached = 0;
	fc->n--;
	if (--e->refs == 0)
		entry_free(e);
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int
fcache_get(struct fcache *fc, int dirfd, const char *rel, int64_t now,
    struct fentry **out)
{
	uint32_t h = hash(rel) ^ (uint32_t)dirfd;
	struct fentry *e;
	struct stat st;
	int fd;

	for (e = fc->tab[h % NBUCKETS]; e != NULL; e = e->hnext)
		if (e->hash == h && e->dirfd == dirfd &&
		    strcmp(e->path, rel) == 0)
			break;
	if (e != NULL && now - e->checked_ms >= FCACHE_VALID_MS) {
		if (fstatat(dirfd, rel, &st, 0) == 0 &&
		    same_file(&st, &e->st))
			e->checked_ms = now;
		else {
			evict(fc, e);
			e = NULL;
		}
	}
	if (e != NULL) {
		lru_unlink(fc, e);
		lru_front(fc, e);
		e->refs++;
		*out = e;
		return 0;
	}

	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return errno;
	if (fstat(fd, &st) == -1) {
		int err = errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->path = strdup(rel)) == NULL) {
		free(e);
		close(fd);
		return ENOMEM;
	}
	e->hash = h;
	e->dirfd = dirfd;
	e->fd = fd;
	e->st = st;
	e->checked_ms = now;
	e->refs = 2;	/* the table's and the caller's */
	e->cached = 1;
	e->hnext = fc->tab[h % NBUCKETS];
	fc->tab[h % NBUCKETS] = e;
	lru_front(fc, e);
	if (++fc->n > FCACHE_ENTRIES)
		evict(fc, fc->tail);
	*out = e;
	return 0;
}

void
fcache_put(struct fcache *fc, struct fentry *e)
{
	(void)fc;
	if (e != NULL && --e->refs == 0)
		entry_free(e);
}
