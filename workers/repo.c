#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "repo.h"

#define MAX_REPOS 1024		/* lists cached at once */
#define MAX_MANIFESTS 64	/* manifests kept mapped */
#define MAX_LIST (16 << 20)

static int
read_small(const char *path, struct buf *b)
{
	uint8_t *p;
	ssize_t n;
	int fd;

	if ((fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW))
	    == -1)
		return -1;
	for (;;) {
		if (buf_reserve(b, 65536, &p) != 0) {
			close(fd);
			return -1;
		}
		if ((n = read(fd, p, 65536)) <= 0)
			break;
		buf_commit(b, (size_t)n);
	}
	close(fd);
	return n == 0 ? 0 : -1;
}

/* "id created\n" lines, in order; anything else ends the list there. */
static int
parse_list(struct repo *r, struct buf *b)
{
	const char *p = (const char *)buf_ptr(b), *end = p + buf_avail(b);
	struct snapref *s;
	size_t cap = 0;
	char *e;

	while (p < end) {
		long long id = strtoll(p, &e, 10), t;

		if (e == p || *e != ' ')
			break;
		p = e + 1;
		t = strtoll(p, &e, 10);
		if (e == p || e >= end || *e != '\n')
			break;
		p = e + 1;
		if (r->n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((s = realloc(r->snaps, cap * sizeof(*s))) == NULL)
				return -1;
			r->snaps = s;
		}
		r->snaps[r->n].id = id;
		r->snaps[r->n].created = t;
		r->n++;
	}
	return 0;
}

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= REPO_NAME_MAX && name[0] != '.' &&
	    strchr(name, '/') == NULL;
}

const struct repo *
repo_get(struct repo_cache *rc, const char *name)
{
	char path[REPO_NAME_MAX + 32];
	struct repo *r;
	struct buf b;

	for (r = rc->repos; r != NULL; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	if (!name_ok(name))
		return NULL;
	snprintf(path, sizeof(path), "repos/%s/snapshots", name);
	buf_init(&b, MAX_LIST);
	if (read_small(path, &b) != 0) {
		buf_release(&b);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		buf_release(&b);
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	parse_list(r, &b);
	buf_reset(&b);
	snprintf(path, sizeof(path), "repos/%s/access", name);
	if (read_small(path, &b) == 0 && buf_avail(&b) > 1 &&
	    buf_avail(&b) <= sizeof(r->access) &&
	    b.data[b.off + buf_avail(&b) - 1] == '\n' &&
	    memchr(buf_ptr(&b), '\0', buf_avail(&b)) == NULL) {
		memcpy(r->access, buf_ptr(&b), buf_avail(&b) - 1);
		r->access[buf_avail(&b) - 1] = '\0';
	}
	buf_release(&b);
	if (rc->nrepos >= MAX_REPOS) {
		/* Crude but bounded: start over. */
		while (rc->repos != NULL)
			repo_forget(rc, rc->repos->name);
	}
	r->next = rc->repos;
	rc->repos = r;
	rc->nrepos++;
	return r;
}

void
repo_forget(struct repo_cache *rc, const char *name)
{
	struct repo **pp, *r;

	for (pp = &rc->repos; (r = *pp) != NULL; pp = &r->next)
		if (strcmp(r->name, name) == 0) {
			*pp = r->next;
			free(r->snaps);
			free(r);
			rc->nrepos--;
			return;
		}
}

int64_t
repo_snapshot(const struct repo *r, const char *name)
{
	struct tm tm;
	int64_t limit, best = -1;
	size_t i;
	char *e;

	if (r->n == 0)
		return -1;
	if (strcmp(name, "latest") == 0)
		return r->snaps[r->n - 1].id;
	if (strlen(name) == 10 && name[4] == '-' && name[7] == '-') {
		memset(&tm, 0, sizeof(tm));
		e = strptime(name, "%Y-%m-%d", &tm);
		if (e == NULL || *e != '\0')
			return -1;
		limit = (int64_t)timegm(&tm) + 86400;
		for (i = 0; i < r->n && r->snaps[i].created < limit; i++)
			best = r->snaps[i].id;
		return best;
	}
	if (name[0] < '1' || name[0] > '9' || strlen(name) > 18)
		return -1;
	limit = strtoll(name, &e, 10);
	if (*e != '\0')
		return -1;
	for (i = 0; i < r->n; i++)
		if (r->snaps[i].id == limit)
			return limit;
	return -1;
}

static struct manifest *
manifest_get(struct repo_cache *rc, const char *repo, int64_t id)
{
	struct manifest **pp, *m, *last;
	char path[REPO_NAME_MAX + 64];
	struct stat st;
	void *p;
	int fd;

	for (pp = &rc->manifests; (m = *pp) != NULL; pp = &m->next)
		if (m->id == id && strcmp(m->repo, repo) == 0) {
			*pp = m->next;
			m->next = rc->manifests;
			rc->manifests = m;
			return m;
		}
	snprintf(path, sizeof(path), "repos/%s/%lld/manifest", repo,
	    (long long)id);
	if ((fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW))
	    == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	p = NULL;
	if (st.st_size > 0 && (p = mmap(NULL, (size_t)st.st_size, PROT_READ,
	    MAP_SHARED, fd, 0)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	close(fd);
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		if (p != NULL)
			munmap(p, (size_t)st.st_size);
		return NULL;
	}
	snprintf(m->repo, sizeof(m->repo), "%s", repo);
	m->id = id;
	m->data = p;
	m->len = (size_t)st.st_size;
	m->next = rc->manifests;
	rc->manifests = m;
	if (++rc->nmanifests > MAX_MANIFESTS) {
		for (last = rc->manifests; last->next->next != NULL;
		    last = last->next)
			;
		if (last->next->data != NULL)
			munmap((void *)(uintptr_t)last->next->data,
			    last->next->len);
		free(last->next);
		last->next = NULL;
		rc->nmanifests--;
	}
	return m;
}

/* Compares path with the key of the line starting at l (up to a tab). */
static int
line_cmp(const char *path, const char *l, const char *end)
{
	size_t i;

	for (i = 0; l + i < end && l[i] != '\t' && l[i] != '\n'; i++) {
		if (path[i] == '\0')
			return -1;
		if (path[i] != l[i])
			return (unsigned char)path[i] < (unsigned char)l[i] ?
			    -1 : 1;
	}
	return path[i] == '\0' ? 0 : 1;
}

int
repo_lookup(struct repo_cache *rc, const char *repo, int64_t id,
    const char *path, char *sha256)
{
	const struct manifest *m;
	const char *lo, *hi, *mid, *end, *l, *t;
	int c;

	if ((m = manifest_get(rc, repo, id)) == NULL)
		return -1;
	end = m->data + m->len;
	lo = m->data;
	hi = end;
	/* Binary search over lines: [lo, hi) holds whole lines. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		for (l = mid; l > lo && l[-1] != '\n'; l--)
			;
		c = line_cmp(path, l, end);
		if (c == 0) {
			t = memchr(l, '\t', (size_t)(end - l));
			if (t == NULL || end - t < 65 ||
			    (t + 65 < end && t[65] != '\t'))
				return -1;
			memcpy(sha256, t + 1, 64);
			sha256[64] = '\0';
			return 1;
		}
		if (c < 0)
			hi = l;
		else {
			t = memchr(mid, '\n', (size_t)(end - mid));
			lo = t ? t + 1 : end;
		}
	}
	return 0;
}

void
repo_blocked_forget(struct repo_cache *rc)
{
	free(rc->blocked);
	rc->blocked = NULL;
	rc->blocked_loaded = 0;
}

const char *
repo_blocked(struct repo_cache *rc, const char *repo, const char *file,
    char *why, size_t whysz)
{
	size_t rl = strlen(repo), fl = strlen(file);
	const char *p, *e;
	struct buf b;

	if (!rc->blocked_loaded) {
		buf_init(&b, MAX_LIST);
		if (read_small("blocked", &b) == 0 && buf_put_u8(&b, 0) == 0)
			rc->blocked = strdup((const char *)buf_ptr(&b));
		buf_release(&b);
		rc->blocked_loaded = 1;
	}
	for (p = rc->blocked; p != NULL && *p != '\0'; p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL)
			break;
		if (strncmp(p, repo, rl) == 0 && p[rl] == '\t' &&
		    strncmp(p + rl + 1, file, fl) == 0 &&
		    p[rl + 1 + fl] == '\t') {
			p += rl + fl + 2;
			snprintf(why, whysz, "%.*s", (int)(e - p), p);
			return why;
		}
	}
	return NULL;
}
