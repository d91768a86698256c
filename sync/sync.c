/*
 * The sync role: started by the master when a connectivity window opens,
 * killed when it ends.  For each mirror in its job it fetches the
 * upstream index, works out what the mirror lacks, downloads it into the
 * quarantine (its chroot) with the checks of sync/fetch.c, and hands
 * the verified files to the master as fds, a batch at a time as they
 * complete, while the other downloads go on; the master inspects and
 * stores them as airlockctl add would, and publishes after a complete
 * pass only.  An interrupted pass leaves .part files here to resume,
 * and what the master took already is in the store, unpublished: the
 * next pass does not fetch it again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fetch.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "pkg.h"
#include "role.h"
#include "secret.h"
#include "sandbox.h"
#include "sync.h"
#include "syncmsg.h"
#include "upstream.h"
#include "util.h"

#define INDEX_MAX (64u << 20)
#define BATCH 16		/* files per SYNC_FILES */
#define AHEAD 4			/* SYNC_FILES the master has not answered */
#define AHEAD_MAX (AHEAD + 2)	/* past it even the transfers under way wait */
#define BATCH_WAIT_MS 1000	/* a batch short of BATCH goes after this */
#define MAX_BINARIES 32		/* binary trees of a mirror (syncopt.c's) */

/*
 * The digests an upstream index gives for a file.  The master checks them
 * against its own copy as it stores it (it hashes that copy anyway), so
 * that no file is hashed twice; downloads check only sizes.
 */
struct digests {
	char *md5, *sha256;	/* lowercase hex, or NULL */
};

struct mirror {
	char name[80];
	char *upstream;		/* ends without '/' */
	char *ca_pem;
	/* Its settings (master/syncopt.h); the secrets opened at start. */
	char *proxy, *client_cert_pem;
	int parallel;			/* 0: fetch's default */
	long long max_rate;		/* bytes/s, 0: unlimited */
	char *userpwd, *proxy_userpwd, *client_key_pem;	/* secret */
	char secret_error[256];		/* why they did not open */
	struct buf have;	/* "file\n" lines the mirror holds */
	char **sorted;		/* the same, split and sorted, for lookups */
	size_t nsorted;
	int listed;		/* only its package list and their closure */
	int suggests;		/* ... and the Suggests of the listed ones */
	size_t nlisted;		/* the list's size, as the job says */
	struct buf want;	/* "package\n" lines: the list */
	struct pkg_type bins[MAX_BINARIES];	/* binary trees to mirror */
	size_t nbins;
};

static struct ipc_chan ch;
static struct mirror *mirrors;
static size_t nmirrors;
static const char *current;	/* the mirror of the progress messages */

/* The verified files on their way to the master. */
static struct {
	const struct mirror *m;
	int dirfd;
	int fds[BATCH];
	const char *names[BATCH];	/* hnames' (they outlive a batch) */
	const struct digests *digests[BATCH];	/* hdigests' */
	const struct fetch_item *items;	/* the pass's */
	char *const *hnames;	/* items[i] as the master names it */
	const struct digests *hdigests;	/* what the index says of items[i] */
	int nb;
	int64_t since;		/* mono_ms() of the batch's first file */
	int ahead;		/* batches sent and not answered yet */
	int taken;		/* files the master stored */
} ho = { .dirfd = -1 };

static void take_ack(struct ipc_msg *msg);
static void ho_flush(void);

static void
say(enum ipc_type type, struct buf *b)
{
	if (ipc_send_wait(&ch, type, b, NULL, 0) != 0)
		fatal("lost the master: %s", strerror(errno));
}

static void
report(const char *repo, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report(const char *repo, const char *file, const char *fmt, ...)
{
	char msg[1024];
	struct buf b;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("%s: %s: %s", repo, *file ? file : "index", msg);
	buf_init(&b, 4096);
	buf_put_str(&b, repo);
	buf_put_str(&b, file);
	buf_put_str(&b, msg);
	say(IPC_SYNC_ERROR, &b);
	buf_release(&b);
}

/* Answers the master's liveness checks while a pass keeps us busy. */
static void
pings(void)
{
	struct ipc_msg msg;
	int r;

	while ((r = ipc_recv(&ch, &msg, 0)) == 1) {
		if (msg.type == IPC_PING) {
			if (role_pong(&ch, &msg) != 0)
				fatal("cannot answer PING");
		} else if (msg.type == IPC_SHUTDOWN)
			exit(0);
		else if (msg.type == IPC_SYNC_ACK && ho.ahead > 0)
			take_ack(&msg);
		else
			fatal("unexpected %s", ipc_type_name(msg.type));
	}
	if (r == -1)
		fatal("lost the master");
}

static void
tick_pings(void *arg)
{
	(void)arg;
	pings();
}

/* fetch_run's may_start: room for the master to take another batch. */
static int
room_to_start(void *arg)
{
	(void)arg;
	return ho.ahead < AHEAD;
}

static void
progress(void *arg, long long done, long long total, size_t fdone,
    size_t ftotal)
{
	struct buf b;

	(void)arg;
	pings();
	/* While a large file downloads, the small ones done need not wait. */
	if (ho.nb > 0 && mono_ms() - ho.since >= BATCH_WAIT_MS)
		ho_flush();
	buf_init(&b, 256);
	buf_put_str(&b, current);
	buf_put_u64(&b, (uint64_t)done);
	buf_put_u64(&b, (uint64_t)total);
	buf_put_u32(&b, (uint32_t)fdone);
	buf_put_u32(&b, (uint32_t)ftotal);
	say(IPC_SYNC_STATUS, &b);
	buf_release(&b);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits "line\n" lines in place: *v points into b (a mirror may hold 100k). */
static void
split_lines(struct buf *b, char ***v, size_t *n)
{
	char *p, *end, *nl;
	size_t cap = 0;

	if (buf_put_u8(b, 0) != 0)
		fatal("out of memory");
	p = (char *)b->data;
	end = p + b->len - 1;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (*n == cap) {
			char **t;

			cap = cap ? cap * 2 : 1024;
			if ((t = realloc(*v, cap * sizeof(*t))) == NULL)
				fatal("out of memory");
			*v = t;
		}
		(*v)[(*n)++] = p;
		p = nl + 1;
	}
}

static void
have_index(struct mirror *m)
{
	split_lines(&m->have, &m->sorted, &m->nsorted);
	if (m->nsorted > 0)
		qsort(m->sorted, m->nsorted, sizeof(*m->sorted), cmp_str);
}

static int
has(const struct mirror *m, const char *file)
{
	return m->nsorted > 0 && bsearch(&file, m->sorted, m->nsorted,
	    sizeof(*m->sorted), cmp_str) != NULL;
}

/*
 * The master's answer to a batch: what it stored counts, and the files
 * leave the quarantine (the store has its own copy now, or refused it
 * and said why).  Answers may come in another order than the batches:
 * each names its files.
 */
/*
 * Whether f names a file of the quarantine as a batch names it: "file",
 * or "tree/file" for a binary.
 */
static int
handover_name_valid(const char *f)
{
	const char *base = strrchr(f, '/');
	struct pkg_type t;
	char tree[PKG_TREE_MAX];

	if (base == NULL)
		base = f;
	else {
		if ((size_t)(base - f) >= sizeof(tree))
			return 0;
		memcpy(tree, f, (size_t)(base - f));
		tree[base - f] = '\0';
		if (pkg_type_from_tree(tree, &t) != 0)
			return 0;
		base++;
	}
	return *base != '\0' && strcmp(base, ".") != 0 &&
	    strcmp(base, "..") != 0;
}

static void
take_ack(struct ipc_msg *msg)
{
	json_error_t jerr;
	json_t *a, *r;
	const char *f;
	char *text = NULL;
	size_t i;

	if (buf_get_str(&msg->payload, &text, IPC_MAX_PAYLOAD) != 0 ||
	    (a = json_loads(text, 0, &jerr)) == NULL)
		fatal("malformed SYNC_ACK");
	json_array_foreach(json_object_get(a, "results"), i, r) {
		ho.taken += json_is_true(json_object_get(r, "ok"));
		f = json_string_value(json_object_get(r, "file"));
		if (f != NULL && handover_name_valid(f))
			unlinkat(ho.dirfd, f, 0);
	}
	json_decref(a);
	free(text);
	ho.ahead--;
}

/* Waits for the master's answer to one of the batches it has. */
static void
wait_ack(void)
{
	struct ipc_msg msg;

	for (;;) {
		if (ipc_recv(&ch, &msg, 1) != 1)
			fatal("lost the master");
		if (msg.type == IPC_SYNC_ACK)
			break;
		if (msg.type == IPC_PING) {
			if (role_pong(&ch, &msg) != 0)
				fatal("cannot answer PING");
		} else if (msg.type == IPC_SHUTDOWN)
			exit(0);
		else
			fatal("unexpected %s", ipc_type_name(msg.type));
	}
	take_ack(&msg);
}

/*
 * Sends the batch gathered so far.  With AHEAD unanswered no transfer
 * starts (room_to_start), but those running go on rather than stall on
 * a real link; at AHEAD_MAX, which they rarely fill, this waits for an
 * answer, rather than the quarantine filling faster than the store
 * takes it.
 */
static void
ho_flush(void)
{
	struct buf b;
	int k;

	if (ho.nb > 0) {
		buf_init(&b, IPC_MAX_PAYLOAD);
		buf_put_str(&b, ho.m->name);
		buf_put_u32(&b, (uint32_t)ho.nb);
		for (k = 0; k < ho.nb; k++)
			syncmsg_files_put(&b, ho.names[k], ho.digests[k]->md5,
			    ho.digests[k]->sha256);
		if (ipc_send_wait(&ch, IPC_SYNC_FILES, &b, ho.fds, ho.nb) != 0)
			fatal("lost the master: %s", strerror(errno));
		buf_release(&b);
		for (k = 0; k < ho.nb; k++)
			close(ho.fds[k]);
		ho.nb = 0;
		ho.ahead++;
	}
	while (ho.ahead >= AHEAD_MAX)
		wait_ack();
}

/* fetch_run's file_done: a verified file joins the next batch. */
static void
ho_add(void *arg, const struct fetch_item *it)
{
	int fd;

	const char *name = ho.hnames[it - ho.items];

	(void)arg;
	if ((fd = openat(it->dirfd, it->name, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		report(ho.m->name, name, "cannot reopen it: %s",
		    strerror(errno));
		return;
	}
	if (ho.nb == 0)
		ho.since = mono_ms();
	ho.fds[ho.nb] = fd;
	ho.digests[ho.nb] = &ho.hdigests[it - ho.items];
	ho.names[ho.nb++] = name;
	if (ho.nb == BATCH)
		ho_flush();
}

/* The rest of the pass's files, and every answer: how many were taken. */
static int
ho_finish(void)
{
	ho_flush();
	while (ho.ahead > 0)
		wait_ack();
	return ho.taken;
}

/* The mirror's settings as the fetch library takes them. */
static void
mirror_opts(const struct mirror *m, struct fetch_opts *o)
{
	if (m->ca_pem != NULL) {
		o->ca_pem = m->ca_pem;
		o->ca_pem_len = strlen(m->ca_pem);
	}
	o->proxy = m->proxy;
	o->proxy_userpwd = m->proxy_userpwd;
	o->userpwd = m->userpwd;
	if (m->client_cert_pem != NULL && m->client_key_pem != NULL) {
		o->client_cert_pem = m->client_cert_pem;
		o->client_cert_pem_len = strlen(m->client_cert_pem);
		o->client_key_pem = m->client_key_pem;
		o->client_key_pem_len = strlen(m->client_key_pem);
	}
	if (m->parallel > 0)
		o->parallel = m->parallel;
	o->max_rate = m->max_rate;
}

/* Whether field names package name. */
static int
field_names(const char *field, const char *name)
{
	char **names = NULL;
	size_t n = 0, i;
	int found = 0;

	if (field == NULL || upstream_deps(field, &names, &n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		found |= strcmp(names[i], name) == 0;
		free(names[i]);
	}
	free(names);
	return found;
}

/*
 * Says why a name the closure needs is missing upstream: listed by the
 * admin, or which package of the closure needs it and in which field.
 */
static void
report_missing(const struct mirror *m, const struct upstream_index *ix,
    char **wanted, size_t nwanted, const size_t *sel, size_t nsel,
    const char *name)
{
	static const char *const fields[] = { "Depends", "Imports",
	    "LinkingTo", "Suggests" };
	const struct upstream_pkg *p;
	const char *v[4];
	size_t i, f;

	for (i = 0; i < nwanted; i++)
		if (strcmp(wanted[i], name) == 0) {
			report(m->name, name, "in the mirror's package list, "
			    "but not in the upstream index");
			return;
		}
	for (i = 0; i < nsel; i++) {
		p = &ix->v[sel[i]];
		v[0] = p->depends;
		v[1] = p->imports;
		v[2] = p->linking_to;
		v[3] = m->suggests ? p->suggests : NULL;
		for (f = 0; f < nitems(fields); f++)
			if (field_names(v[f], name)) {
				report(m->name, name, "needed by %s %s (%s), "
				    "but not in the upstream index",
				    p->package, p->version, fields[f]);
				return;
			}
	}
	report(m->name, name, "needed, but not in the upstream index");
}

/*
 * What a mirror with a package list takes of ix: the list's closure
 * (sync/upstream.h), as indexes into ix->v in *sel.  Each name that is
 * neither upstream nor shipped with R is reported as an error of its
 * own, so the pass is incomplete and publishes nothing until the list
 * or the upstream is put right; what can be resolved is still fetched,
 * so that the next pass has less to do.  0, or -1 (reported).
 */
static int
closure_of_list(struct mirror *m, const struct upstream_index *ix,
    size_t **sel, size_t *nsel)
{
	char **wanted = NULL, **missing = NULL;
	size_t nwanted = 0, nmissing = 0, i;

	split_lines(&m->want, &wanted, &nwanted);
	if (nwanted != m->nlisted) {
		report(m->name, "", "the package list arrived with %zu of its "
		    "%zu names", nwanted, m->nlisted);
		free(wanted);
		return -1;
	}
	if (upstream_closure(ix, wanted, nwanted, m->suggests, sel, nsel,
	    &missing, &nmissing) != 0) {
		report(m->name, "", "the closure of the package list: %s",
		    strerror(errno));
		free(wanted);
		return -1;
	}
	for (i = 0; i < nmissing; i++) {
		report_missing(m, ix, wanted, nwanted, *sel, *nsel,
		    missing[i]);
		free(missing[i]);
	}
	free(missing);
	log_info("%s: a list of %zu package(s)%s: %zu in its closure, %zu "
	    "missing upstream", m->name, nwanted, m->suggests ?
	    " with their Suggests" : "", *nsel, nmissing);
	free(wanted);
	return 0;
}

/* The files of a pass: what to fetch, and how the master names each. */
struct plan {
	struct fetch_item *items;
	char **names;		/* "file", or "tree/file" for a binary */
	struct digests *digests;	/* for the master to check */
	size_t n, cap;
};

static void
plan_free(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		free((char *)(uintptr_t)pl->items[i].url);
		free(pl->digests[i].md5);
		free(pl->digests[i].sha256);
		free(pl->names[i]);
	}
	free(pl->items);
	free(pl->names);
	free(pl->digests);
	memset(pl, 0, sizeof(*pl));
}

/*
 * Plans the download of p, of the tree t (relative to the mirror's
 * upstream), into dirfd, unless the mirror has it.  0, or -1 when out of
 * memory.
 */
static int
plan_add(struct plan *pl, struct mirror *m, const struct pkg_type *t,
    int dirfd, const struct upstream_pkg *p)
{
	const int source = t->kind == PKG_SOURCE;
	char file[512], name[PKG_TREE_MAX + 300], url[2048];
	struct fetch_item *ni;
	struct digests *nd;
	char **nn;

	if (upstream_file_ext(p, pkg_type_ext(t->kind), file, sizeof(file))
	    != 0) {
		report(m->name, p->package, "a bad Path field%s%s",
		    source ? "" : " in ", source ? "" : t->tree);
		return 0;
	}
	/* The mirror keeps plain file names; Path is upstream's. */
	snprintf(name, sizeof(name), "%s%s%s_%s%s", source ? "" : t->tree,
	    source ? "" : "/", p->package, p->version, pkg_type_ext(t->kind));
	if (has(m, name)) {
		/* Taken by a pass cut short before it heard so. */
		unlinkat(dirfd, strrchr(name, '/') ? strrchr(name, '/') + 1 :
		    name, 0);
		return 0;
	}
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 256;

		if ((ni = reallocarray(pl->items, cap, sizeof(*ni))) == NULL)
			return -1;
		pl->items = ni;
		if ((nn = reallocarray(pl->names, cap, sizeof(*nn))) == NULL)
			return -1;
		pl->names = nn;
		if ((nd = reallocarray(pl->digests, cap, sizeof(*nd))) == NULL)
			return -1;
		pl->digests = nd;
		pl->cap = cap;
	}
	snprintf(url, sizeof(url), "%s/%s/%s", m->upstream, t->tree, file);
	/* Its own copies: the index it comes from goes before the pass. */
	ni = &pl->items[pl->n];
	nd = &pl->digests[pl->n];
	memset(ni, 0, sizeof(*ni));
	pl->names[pl->n] = strdup(name);
	ni->url = strdup(url);
	/* Lowercase hex (upstream.c's): as the master's own. */
	nd->md5 = p->md5 ? strdup(p->md5) : NULL;
	nd->sha256 = p->sha256 ? strdup(p->sha256) : NULL;
	pl->n++;	/* plan_free frees what there is */
	if (pl->names[pl->n - 1] == NULL || ni->url == NULL ||
	    (p->md5 != NULL && nd->md5 == NULL) ||
	    (p->sha256 != NULL && nd->sha256 == NULL))
		return -1;
	ni->dirfd = dirfd;
	ni->name = strrchr(pl->names[pl->n - 1], '/') ?
	    strrchr(pl->names[pl->n - 1], '/') + 1 : pl->names[pl->n - 1];
	ni->expect_size = p->size;
	return 0;
}

/*
 * Fetches and parses the index of the tree t of m's upstream into ix.
 * 0, or -1 (reported: the pass is incomplete).
 */
static int
fetch_index(struct mirror *m, const struct fetch_opts *o,
    const struct pkg_type *t, struct upstream_index *ix, struct buf *gz,
    struct buf *txt)
{
	char url[2048], err[512];

	buf_reset(gz);
	buf_reset(txt);
	snprintf(url, sizeof(url), "%s/%s/PACKAGES.gz", m->upstream, t->tree);
	if (fetch_small(o, url, gz, INDEX_MAX, err, sizeof(err)) != 0) {
		report(m->name, t->kind == PKG_SOURCE ? "" : t->tree, "%s: %s",
		    url, err);
		return -1;
	}
	if (upstream_gunzip(gz->data, gz->len, txt, err, sizeof(err)) != 0 ||
	    upstream_parse((const char *)txt->data, txt->len, ix, err,
	    sizeof(err)) != 0) {
		report(m->name, t->kind == PKG_SOURCE ? "" : t->tree,
		    "%s/PACKAGES.gz: %s", t->tree, err);
		return -1;
	}
	return 0;
}

/* A directory of the quarantine for the tree t of m, opened. */
static int
tree_dir(struct mirror *m, const struct pkg_type *t)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m->name, t->tree);
	if (mkdir_p(path, 0700) != 0 || (fd = open(path, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		report(m->name, t->tree, "cannot make quarantine/%s: %s", path,
		    strerror(errno));
		return -1;
	}
	return fd;
}

/*
 * The binaries of one tree a pass fetches: all of its index, or with a
 * package list those of the packages whose source the list takes
 * (names, sorted).  A package without a binary upstream is not an
 * error: CRAN does not build every package for every platform.
 */
static int
plan_binaries(struct plan *pl, struct mirror *m, const struct fetch_opts *o,
    const struct pkg_type *t, int dirfd, char **names, size_t nnames,
    struct buf *gz, struct buf *txt, size_t *nindex)
{
	struct upstream_index ix = { NULL, 0 };
	size_t i;
	int r = 0;

	if (fetch_index(m, o, t, &ix, gz, txt) != 0)
		return -1;
	*nindex = ix.n;
	for (i = 0; r == 0 && i < ix.n; i++) {
		const char *key = ix.v[i].package;

		if (m->listed && (nnames == 0 || bsearch(&key, names, nnames,
		    sizeof(*names), cmp_str) == NULL))
			continue;
		r = plan_add(pl, m, t, dirfd, &ix.v[i]);
	}
	upstream_free(&ix);
	return r;
}

/* One mirror's pass: 1 when complete (every file fetched and taken). */
static int
pass(struct mirror *m)
{
	char err[512];
	struct plan pl = { NULL, NULL, NULL, 0, 0 };
	struct upstream_index ix = { NULL, 0 };
	struct pkg_type src;
	struct fetch_opts o;
	struct buf gz, txt;
	size_t i, j, ok = 0, *sel = NULL, nsel, nnames = 0, nb, nbfetch = 0;
	char **names = NULL;
	int dirfd, bfds[MAX_BINARIES], r, complete = 0, taken, bad = 0;
	int64_t t0 = mono_ms(), t1, t2;
	volatile int stop = 0;

	current = m->name;
	have_index(m);
	fetch_opts_init(&o);
	/*
	 * The master's copy is the durable one, and it checks the digests
	 * of every file it is handed, from this window or an older one.
	 */
	o.no_fsync = 1;
	/* The index may take longer than the master's liveness deadline. */
	o.tick = tick_pings;
	o.file_done = ho_add;
	/* The master's answers, taken as they come, let new transfers go. */
	o.may_start = room_to_start;
	o.wake_fd = ch.fd;
	o.on_wake = tick_pings;
	if (m->secret_error[0] != '\0') {
		report(m->name, "", "%s", m->secret_error);
		return 0;
	}
	mirror_opts(m, &o);
	if (mkdir(m->name, 0700) == -1 && errno != EEXIST) {
		report(m->name, "", "cannot make quarantine/%s: %s", m->name,
		    strerror(errno));
		return 0;
	}
	if ((dirfd = open(m->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	for (i = 0; i < m->nbins; i++)
		bfds[i] = -1;
	ho.m = m;
	ho.dirfd = dirfd;
	ho.nb = ho.ahead = ho.taken = 0;
	buf_init(&gz, INDEX_MAX);
	buf_init(&txt, INDEX_MAX + 1);
	pkg_type_parse("source", &src);
	if (fetch_index(m, &o, &src, &ix, &gz, &txt) != 0)
		goto out;
	nsel = ix.n;
	if (m->listed && closure_of_list(m, &ix, &sel, &nsel) != 0)
		goto out;
	for (j = 0; j < nsel; j++)
		if (plan_add(&pl, m, &src, dirfd, &ix.v[sel != NULL ? sel[j] :
		    j]) != 0)
			goto nomem;
	/* The names the list takes, for its binaries. */
	if (m->listed && m->nbins > 0) {
		if ((names = calloc(nsel + 1, sizeof(*names))) == NULL)
			goto nomem;
		for (j = 0; j < nsel; j++)
			names[nnames++] = ix.v[sel[j]].package;
		qsort(names, nnames, sizeof(*names), cmp_str);
	}
	for (i = 0; i < m->nbins; i++) {
		size_t before = pl.n, nindex = 0;

		if ((bfds[i] = tree_dir(m, &m->bins[i])) == -1 ||
		    plan_binaries(&pl, m, &o, &m->bins[i], bfds[i], names,
		    nnames, &gz, &txt, &nindex) != 0) {
			/* Reported; the other trees are fetched all the same. */
			bad = 1;
			continue;
		}
		nbfetch += pl.n - before;
		log_info("%s: %s: %zu binary package(s) upstream, %zu to "
		    "fetch", m->name, m->bins[i].spec, nindex, pl.n - before);
	}
	nb = pl.n - nbfetch;
	t1 = mono_ms();
	log_info("%s: %zu package(s) upstream, %zu wanted, %zu to fetch "
	    "(index: %lld ms)", m->name, ix.n, nsel, nb, (long long)(t1 - t0));
	ho.items = pl.items;
	ho.hnames = pl.names;
	ho.hdigests = pl.digests;
	progress(NULL, 0, 0, 0, pl.n);
	r = pl.n ? fetch_run(&o, pl.items, pl.n, progress, NULL, &stop, err,
	    sizeof(err)) : 0;
	if (r == -1) {
		report(m->name, "", "%s", err);
		goto out;
	}
	for (i = 0; i < pl.n; i++) {
		if (pl.items[i].ok)
			ok++;
		else
			report(m->name, pl.names[i], "%s", pl.items[i].error);
	}
	t2 = mono_ms();
	log_info("%s: %zu of %zu fetched in %lld ms", m->name, ok, pl.n,
	    (long long)(t2 - t1));
	taken = ho_finish();
	complete = !bad && ok == pl.n && (size_t)taken == ok;
	log_info("%s: %d taken by the master, the last %lld ms after the "
	    "downloads", m->name, taken, (long long)(mono_ms() - t2));
	goto out;
nomem:
	report(m->name, "", "out of memory");
out:
	/* Nothing is handed over after the items' names are freed. */
	if (ho.nb > 0 || ho.ahead > 0)
		ho_finish();
	ho.dirfd = -1;
	ho.items = NULL;
	ho.hnames = NULL;
	ho.hdigests = NULL;
	plan_free(&pl);
	free(names);
	free(sel);
	upstream_free(&ix);
	buf_release(&gz);
	buf_release(&txt);
	for (i = 0; i < m->nbins; i++)
		if (bfds[i] != -1)
			close(bfds[i]);
	close(dirfd);
	return complete;
}

/* Opens one sealed setting of m into *out; on failure says why in m. */
static void
open_secret(struct mirror *m, json_t *sealed, const char *name,
    const uint8_t *key, char **out)
{
	const char *s = json_string_value(json_object_get(sealed, name));
	char aad[160];
	size_t n;

	if (s == NULL || m->secret_error[0] != '\0')
		return;
	if (key == NULL) {
		snprintf(m->secret_error, sizeof(m->secret_error), "the "
		    "mirror has credentials, but the master sent no key to "
		    "open them (see its log)");
		return;
	}
	secret_aad(m->name, name, aad, sizeof(aad));
	if (secret_open(key, aad, s, out, &n) != 0)
		snprintf(m->secret_error, sizeof(m->secret_error), "cannot "
		    "open the stored %s: sealed with another sync key, for "
		    "another mirror, or altered; set it again with "
		    "airlockctl repo edit", name);
}

/* Wipes what open_secret opened. */
static void
mirror_forget(struct mirror *m)
{
	secret_free(m->userpwd);
	secret_free(m->proxy_userpwd);
	secret_free(m->client_key_pem);
	m->userpwd = m->proxy_userpwd = m->client_key_pem = NULL;
}

static void
take_job(struct ipc_msg *msg)
{
	uint8_t key[SECRET_KEY_LEN];
	const char *keyhex;
	json_error_t jerr;
	json_t *j, *r, *o, *v;
	size_t i, k, n;
	int have_key = 0;

	j = json_loadb((const char *)buf_ptr(&msg->payload),
	    buf_avail(&msg->payload), 0, &jerr);
	/* It carried the key: no copy of it stays in the receive buffer. */
	OPENSSL_cleanse(msg->payload.data, msg->payload.len);
	if (j == NULL)
		fatal("malformed SYNC_JOB: %s", jerr.text);
	if ((keyhex = json_string_value(json_object_get(j, "key"))) != NULL) {
		have_key = secret_unhex(keyhex, key, sizeof(key)) == 0;
		OPENSSL_cleanse((char *)(uintptr_t)keyhex, strlen(keyhex));
	}
	/* One job per mirror (or a few): each adds to the list. */
	n = json_array_size(json_object_get(j, "repos"));
	if (n > 1024 || (mirrors = reallocarray(mirrors, nmirrors + n + 1,
	    sizeof(*mirrors))) == NULL)
		fatal("out of memory");
	memset(&mirrors[nmirrors], 0, (n + 1) * sizeof(*mirrors));
	json_array_foreach(json_object_get(j, "repos"), i, r) {
		struct mirror *m = &mirrors[nmirrors + i];
		const char *u = json_string_value(json_object_get(r,
		    "upstream"));
		const char *ca = json_string_value(json_object_get(r,
		    "ca_pem"));
		size_t len;

		snprintf(m->name, sizeof(m->name), "%s",
		    json_string_value(json_object_get(r, "name")));
		m->upstream = strdup(u ? u : "");
		len = strlen(m->upstream);
		while (len > 0 && m->upstream[len - 1] == '/')
			m->upstream[--len] = '\0';
		m->ca_pem = ca ? strdup(ca) : NULL;
		o = json_object_get(r, "options");
		if ((v = json_object_get(o, "proxy")) != NULL &&
		    json_is_string(v))
			m->proxy = strdup(json_string_value(v));
		if ((v = json_object_get(o, "client_cert_pem")) != NULL &&
		    json_is_string(v))
			m->client_cert_pem = strdup(json_string_value(v));
		if (json_is_integer(v = json_object_get(o, "concurrency")))
			m->parallel = (int)json_integer_value(v);
		if (json_is_integer(v = json_object_get(o, "max_rate")))
			m->max_rate = json_integer_value(v);
		json_array_foreach(json_object_get(o, "binaries"), k, v) {
			if (m->nbins < MAX_BINARIES && json_is_string(v) &&
			    pkg_type_parse(json_string_value(v),
			    &m->bins[m->nbins]) == 0 &&
			    m->bins[m->nbins].kind != PKG_SOURCE)
				m->nbins++;
		}
		o = json_object_get(r, "secret");
		open_secret(m, o, "userpwd", have_key ? key : NULL,
		    &m->userpwd);
		open_secret(m, o, "proxy_userpwd", have_key ? key : NULL,
		    &m->proxy_userpwd);
		open_secret(m, o, "client_key_pem", have_key ? key : NULL,
		    &m->client_key_pem);
		if (m->secret_error[0] != '\0')
			mirror_forget(m);
		buf_init(&m->have, (size_t)1 << 28);
		if (json_is_integer(json_object_get(r, "packages"))) {
			m->listed = 1;
			m->nlisted = (size_t)json_integer_value(
			    json_object_get(r, "packages"));
			m->suggests = json_is_true(json_object_get(r,
			    "suggests"));
		}
		buf_init(&m->want, (size_t)1 << 24);
	}
	nmirrors += n;
	OPENSSL_cleanse(key, sizeof(key));
	json_decref(j);
}

/* SYNC_HAVE and SYNC_WANT: a piece of a mirror's list of names. */
static void
take_names(struct ipc_msg *msg)
{
	const char *what = ipc_type_name(msg->type);
	struct buf *to;
	char *repo = NULL;
	uint32_t len;
	size_t i;

	if (buf_get_str(&msg->payload, &repo, 79) != 0 ||
	    buf_get_u32(&msg->payload, &len) != 0 ||
	    len != buf_avail(&msg->payload))
		fatal("malformed %s", what);
	for (i = 0; i < nmirrors; i++) {
		if (strcmp(mirrors[i].name, repo) != 0)
			continue;
		to = msg->type == IPC_SYNC_WANT ? &mirrors[i].want :
		    &mirrors[i].have;
		if (buf_put(to, buf_ptr(&msg->payload), len) != 0)
			fatal("%s: too much", what);
	}
	free(repo);
}

int
sync_main(void)
{
	struct role_config rc;
	struct ipc_msg msg;
	struct buf b;
	size_t i;
	int r, complete;

	log_init("sync", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);	/* libcurl's sockets: errors, not death */
	role_config_recv(&ch, ROLE_SYNC, &rc, NULL, NULL);
	/* What would open files later does it now, before the chroot. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	json_object_seed(1);
	fetch_global_init();
	role_drop(&rc, "sync");
	sandbox_sync();
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	for (;;) {
		if ((r = ipc_recv(&ch, &msg, 1)) != 1)
			fatal("lost the master");
		if (msg.type == IPC_PING) {
			if (role_pong(&ch, &msg) != 0)
				fatal("cannot answer PING");
		} else if (msg.type == IPC_SHUTDOWN)
			return 0;
		else if (msg.type == IPC_SYNC_JOB)
			take_job(&msg);
		else if (msg.type == IPC_SYNC_HAVE ||
		    msg.type == IPC_SYNC_WANT)
			take_names(&msg);
		else if (msg.type == IPC_SYNC_GO)
			break;
		else
			fatal("unexpected %s", ipc_type_name(msg.type));
	}
	for (i = 0; i < nmirrors; i++) {
		complete = pass(&mirrors[i]);
		mirror_forget(&mirrors[i]);
		buf_init(&b, 128);
		buf_put_str(&b, mirrors[i].name);
		buf_put_u32(&b, (uint32_t)complete);
		say(IPC_SYNC_DONE, &b);
		buf_release(&b);
	}
	log_info("pass over: exiting");
	return 0;
}
