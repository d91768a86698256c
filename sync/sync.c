/*
 * The sync role: started by the master when a connectivity window opens,
 * killed when it ends.  For each mirror in its job it fetches the
 * upstream index, works out what the mirror lacks, downloads it into the
 * quarantine (its chroot) with the checks of sync/fetch.c, and hands
 * each verified file to the master as an fd; the master inspects and
 * stores it as airlockctl add would, and publishes after a complete
 * pass.  An interrupted pass leaves .part files here to resume.
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
#include "role.h"
#include "sandbox.h"
#include "sync.h"
#include "upstream.h"
#include "util.h"

#define INDEX_MAX (64u << 20)
#define BATCH 16		/* files per SYNC_FILES */

struct mirror {
	char name[80];
	char *upstream;		/* ends without '/' */
	char *ca_pem;
	struct buf have;	/* "file\n" lines the mirror holds */
	char **sorted;		/* the same, split and sorted, for lookups */
	size_t nsorted;
	int listed;		/* only its package list and their closure */
	int suggests;		/* ... and the Suggests of the listed ones */
	size_t nlisted;		/* the list's size, as the job says */
	struct buf want;	/* "package\n" lines: the list */
};

static struct ipc_chan ch;
static struct mirror *mirrors;
static size_t nmirrors;
static const char *current;	/* the mirror of the progress messages */

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
		else
			fatal("unexpected %s", ipc_type_name(msg.type));
	}
	if (r == -1)
		fatal("lost the master");
}

static void
progress(void *arg, long long done, long long total, size_t fdone,
    size_t ftotal)
{
	struct buf b;

	(void)arg;
	pings();
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

/* Waits for the master's answer to a batch: how many it took. */
static int
wait_ack(void)
{
	struct ipc_msg msg;
	json_error_t jerr;
	json_t *a, *r;
	char *text = NULL;
	size_t i;
	int taken = 0;

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
	if (buf_get_str(&msg.payload, &text, IPC_MAX_PAYLOAD) != 0 ||
	    (a = json_loads(text, 0, &jerr)) == NULL)
		fatal("malformed SYNC_ACK");
	json_array_foreach(json_object_get(a, "results"), i, r)
		taken += json_is_true(json_object_get(r, "ok"));
	json_decref(a);
	free(text);
	return taken;
}

/* Hands the verified files to the master, a batch at a time. */
static int
hand_over(const struct mirror *m, int dirfd, struct fetch_item *it, size_t n)
{
	int fds[BATCH], nb, taken = 0;
	const char *names[BATCH];
	struct buf b;
	size_t i = 0, k;

	while (i < n) {
		for (nb = 0; i < n && nb < BATCH; i++) {
			if (!it[i].ok)
				continue;
			if ((fds[nb] = openat(dirfd, it[i].name, O_RDONLY |
			    O_CLOEXEC | O_NOFOLLOW)) == -1) {
				report(m->name, it[i].name, "cannot reopen it: "
				    "%s", strerror(errno));
				continue;
			}
			names[nb++] = it[i].name;
		}
		if (nb == 0)
			continue;
		buf_init(&b, IPC_MAX_PAYLOAD);
		buf_put_str(&b, m->name);
		buf_put_u32(&b, (uint32_t)nb);
		for (k = 0; k < (size_t)nb; k++)
			buf_put_str(&b, names[k]);
		if (ipc_send_wait(&ch, IPC_SYNC_FILES, &b, fds, nb) != 0)
			fatal("lost the master: %s", strerror(errno));
		buf_release(&b);
		for (k = 0; k < (size_t)nb; k++)
			close(fds[k]);
		taken += wait_ack();
		/* The store has its own copy now (or refused it: reported). */
		for (k = 0; k < (size_t)nb; k++)
			unlinkat(dirfd, names[k], 0);
	}
	return taken;
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

/* One mirror's pass: 1 when complete (every file fetched and taken). */
static int
pass(struct mirror *m)
{
	char err[512], url[2048], file[512];
	struct fetch_item *items = NULL;
	struct upstream_index ix = { NULL, 0 };
	struct fetch_opts o;
	struct buf gz, txt;
	size_t n = 0, i, j, ok = 0, *sel = NULL, nsel;
	char **names = NULL;
	int dirfd, r, complete = 0, taken;
	volatile int stop = 0;

	current = m->name;
	have_index(m);
	fetch_opts_init(&o);
	/* The master's copy is the durable one; quarantine is re-verified. */
	o.no_fsync = 1;
	if (m->ca_pem != NULL) {
		o.ca_pem = m->ca_pem;
		o.ca_pem_len = strlen(m->ca_pem);
	}
	if (mkdir(m->name, 0700) == -1 && errno != EEXIST) {
		report(m->name, "", "cannot make quarantine/%s: %s", m->name,
		    strerror(errno));
		return 0;
	}
	if ((dirfd = open(m->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	buf_init(&gz, INDEX_MAX);
	buf_init(&txt, INDEX_MAX + 1);
	snprintf(url, sizeof(url), "%s/src/contrib/PACKAGES.gz", m->upstream);
	if (fetch_small(&o, url, &gz, INDEX_MAX, err, sizeof(err)) != 0) {
		report(m->name, "", "%s: %s", url, err);
		goto out;
	}
	if (upstream_gunzip(gz.data, gz.len, &txt, err, sizeof(err)) != 0 ||
	    upstream_parse((const char *)txt.data, txt.len, &ix, err,
	    sizeof(err)) != 0) {
		report(m->name, "", "PACKAGES.gz: %s", err);
		goto out;
	}
	nsel = ix.n;
	if (m->listed && closure_of_list(m, &ix, &sel, &nsel) != 0)
		goto out;
	if ((items = calloc(nsel ? nsel : 1, sizeof(*items))) == NULL ||
	    (names = calloc(nsel ? nsel : 1, sizeof(*names))) == NULL)
		goto out;
	for (j = 0; j < nsel; j++) {
		i = sel != NULL ? sel[j] : j;
		if (upstream_file(&ix.v[i], file, sizeof(file)) != 0) {
			report(m->name, ix.v[i].package, "a bad Path field");
			continue;
		}
		/* The mirror keeps plain file names; Path is upstream's. */
		snprintf(url, sizeof(url), "%s_%s.tar.gz", ix.v[i].package,
		    ix.v[i].version);
		if (has(m, url))
			continue;
		names[n] = strdup(url);
		snprintf(url, sizeof(url), "%s/src/contrib/%s", m->upstream,
		    file);
		items[n].url = strdup(url);
		items[n].dirfd = dirfd;
		items[n].name = names[n];
		items[n].expect_size = ix.v[i].size;
		items[n].expect_md5 = ix.v[i].md5;
		items[n].expect_sha256 = ix.v[i].sha256;
		n++;
	}
	log_info("%s: %zu package(s) upstream, %zu wanted, %zu to fetch",
	    m->name, ix.n, nsel, n);
	progress(NULL, 0, 0, 0, n);
	r = n ? fetch_run(&o, items, n, progress, NULL, &stop, err,
	    sizeof(err)) : 0;
	if (r == -1) {
		report(m->name, "", "%s", err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (items[i].ok)
			ok++;
		else
			report(m->name, items[i].name, "%s", items[i].error);
	}
	taken = hand_over(m, dirfd, items, n);
	complete = ok == n && (size_t)taken == ok;
	log_info("%s: %zu of %zu fetched, %d taken", m->name, ok, n, taken);
out:
	for (i = 0; i < n; i++) {
		free((char *)(uintptr_t)items[i].url);
		free(names[i]);
	}
	free(items);
	free(names);
	free(sel);
	upstream_free(&ix);
	buf_release(&gz);
	buf_release(&txt);
	close(dirfd);
	return complete;
}

static void
take_job(struct ipc_msg *msg)
{
	json_error_t jerr;
	json_t *j, *r;
	size_t i;

	j = json_loadb((const char *)buf_ptr(&msg->payload),
	    buf_avail(&msg->payload), 0, &jerr);
	if (j == NULL)
		fatal("malformed SYNC_JOB: %s", jerr.text);
	nmirrors = json_array_size(json_object_get(j, "repos"));
	if ((mirrors = calloc(nmirrors + 1, sizeof(*mirrors))) == NULL)
		fatal("out of memory");
	json_array_foreach(json_object_get(j, "repos"), i, r) {
		const char *u = json_string_value(json_object_get(r,
		    "upstream"));
		const char *ca = json_string_value(json_object_get(r,
		    "ca_pem"));
		size_t len;

		snprintf(mirrors[i].name, sizeof(mirrors[i].name), "%s",
		    json_string_value(json_object_get(r, "name")));
		mirrors[i].upstream = strdup(u ? u : "");
		len = strlen(mirrors[i].upstream);
		while (len > 0 && mirrors[i].upstream[len - 1] == '/')
			mirrors[i].upstream[--len] = '\0';
		mirrors[i].ca_pem = ca ? strdup(ca) : NULL;
		buf_init(&mirrors[i].have, (size_t)1 << 28);
		if (json_is_integer(json_object_get(r, "packages"))) {
			mirrors[i].listed = 1;
			mirrors[i].nlisted = (size_t)json_integer_value(
			    json_object_get(r, "packages"));
			mirrors[i].suggests = json_is_true(json_object_get(r,
			    "suggests"));
		}
		buf_init(&mirrors[i].want, (size_t)1 << 24);
	}
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
		buf_init(&b, 128);
		buf_put_str(&b, mirrors[i].name);
		buf_put_u32(&b, (uint32_t)complete);
		say(IPC_SYNC_DONE, &b);
		buf_release(&b);
	}
	log_info("pass over: exiting");
	return 0;
}
