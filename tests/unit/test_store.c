/*
 * store_receive, store_place: the copy of a file handed to the master,
 * and the adoption of a file of the sync role's user instead of a copy
 * (only when nothing but root can write to it any more).  Needs root (it
 * hands files to another user); skips otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "test.h"
#include "util.h"

static char dd[256];	/* DATA_DIR, under /tmp */
static uid_t other = 65534;	/* nobody: stands for the sync role's user */

#define BYTES "the bytes of a package, as the sync role downloaded them\n"
/* printf '%s' "$BYTES" | md5sum, sha256sum */
static char want_md5[33], want_sha[65];

/* A file in DATA_DIR/quarantine of owner, with BYTES; its path in p. */
static void
handed(const char *name, uid_t owner, char *p, size_t psz)
{
	int fd;

	snprintf(p, psz, "%s/quarantine/%s", dd, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd != -1);
	CHECK(write(fd, BYTES, strlen(BYTES)) == (ssize_t)strlen(BYTES));
	CHECK(fchown(fd, owner, owner) == 0);
	close(fd);
}

static void
ig_init(struct ingest *ig, const char *name, uid_t adopt)
{
	memset(ig, 0, sizeof(*ig));
	ig->fd = -1;
	snprintf(ig->name, sizeof(ig->name), "%s", name);
	ig->adopt_uid = adopt;
}

/* The blob's path of ig. */
static void
blob(const struct ingest *ig, char *p, size_t psz)
{
	char rel[128];

	store_blob_path(ig->sha256, rel, sizeof(rel));
	snprintf(p, psz, "%s/store/%s", dd, rel);
}

static void
digests_of_bytes(void)
{
	struct ingest ig;
	char p[PATH_MAX];
	int fd, ro;

	/* The digests as the store computes them, from a plain copy. */
	handed("ref", 0, p, sizeof(p));
	fd = open(p, O_RDONLY);
	ig_init(&ig, "ref", (uid_t)-1);
	ro = store_receive(dd, fd, 1 << 20, &ig);
	CHECK(ro != -1);
	snprintf(want_md5, sizeof(want_md5), "%s", ig.md5);
	snprintf(want_sha, sizeof(want_sha), "%s", ig.sha256);
	CHECK(strlen(want_md5) == 32 && strlen(want_sha) == 64);
	CHECK(ig.size == strlen(BYTES));
	store_discard(&ig);
	close(ro);
	close(fd);
	unlink(p);
}

/*
 * Whether this file system grants leases (fs.leases-enable, and the file
 * system's own support): without, nothing can be adopted, and is not.
 */
static int
leases_work(void)
{
	char p[PATH_MAX];
	int fd, ok;

	handed("probe", 0, p, sizeof(p));
	fd = open(p, O_RDONLY);
	ok = fd != -1 && fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
	if (ok)
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	if (fd != -1)
		close(fd);
	unlink(p);
	return ok;
}

/* A file of the sync role's user with no writer left: adopted. */
static void
adopts_a_file_nobody_can_write(void)
{
	struct ingest ig;
	struct stat a, b, q;
	char p[PATH_MAX], bp[PATH_MAX];
	int fd, ro;

	if (!leases_work()) {
		printf("# no leases on this file system: adoption not "
		    "tested (files are copied)\n");
		return;
	}

	handed("a_1.0.tar.gz", other, p, sizeof(p));
	CHECK(stat(p, &q) == 0);
	fd = open(p, O_RDONLY);
	ig_init(&ig, "a_1.0.tar.gz", other);
	snprintf(ig.want_md5, sizeof(ig.want_md5), "%s", want_md5);
	ro = store_receive(dd, fd, 1 << 20, &ig);
	close(fd);
	CHECK(ro != -1);
	CHECK(fstat(ro, &a) == 0);
	CHECK(a.st_ino == q.st_ino);		/* no copy */
	CHECK(a.st_uid == 0 && (a.st_mode & 07777) == 0644);
	CHECK(strcmp(ig.sha256, want_sha) == 0);
	/* Its user can no longer open it for writing. */
	CHECK(stat(p, &q) == 0 && q.st_uid == 0 && !(q.st_mode & 022));
	CHECK(store_receive_sync(ro, &ig) == 0);
	CHECK(store_place(dd, &ig) == 0);
	blob(&ig, bp, sizeof(bp));
	CHECK(stat(bp, &b) == 0 && b.st_ino == q.st_ino);
	close(ro);
	unlink(p);
	CHECK(stat(bp, &b) == 0 && b.st_nlink == 1 &&
	    b.st_size == (off_t)strlen(BYTES));
	unlink(bp);
}

/* A writer still open: copied, and the copy is what was hashed. */
static void
copies_a_file_someone_writes(void)
{
	struct ingest ig;
	struct stat a, q;
	char p[PATH_MAX];
	int fd, w, ro;

	handed("b_1.0.tar.gz", other, p, sizeof(p));
	CHECK(stat(p, &q) == 0);
	w = open(p, O_WRONLY | O_APPEND);	/* as a sync role that kept one */
	fd = open(p, O_RDONLY);
	ig_init(&ig, "b_1.0.tar.gz", other);
	ro = store_receive(dd, fd, 1 << 20, &ig);
	CHECK(ro != -1);
	CHECK(fstat(ro, &a) == 0 && a.st_ino != q.st_ino);
	CHECK(strcmp(ig.sha256, want_sha) == 0);
	/* What the writer does now changes the quarantine, not the copy. */
	CHECK(write(w, "more", 4) == 4);
	CHECK(fstat(ro, &a) == 0 && a.st_size == (off_t)strlen(BYTES));
	store_discard(&ig);
	close(ro);
	close(fd);
	close(w);
	unlink(p);
}

/* Two links, another owner, or no adopter: copied. */
static void
copies_otherwise(void)
{
	struct ingest ig;
	struct stat a, q;
	char p[PATH_MAX], l[PATH_MAX];
	int fd, ro;

	handed("c_1.0.tar.gz", other, p, sizeof(p));
	snprintf(l, sizeof(l), "%s/quarantine/c-link", dd);
	CHECK(link(p, l) == 0);
	CHECK(stat(p, &q) == 0);
	fd = open(p, O_RDONLY);
	ig_init(&ig, "c_1.0.tar.gz", other);
	ro = store_receive(dd, fd, 1 << 20, &ig);
	CHECK(ro != -1 && fstat(ro, &a) == 0 && a.st_ino != q.st_ino);
	store_discard(&ig);
	close(ro);
	close(fd);
	unlink(l);
	unlink(p);

	handed("d_1.0.tar.gz", 0, p, sizeof(p));	/* root's: an admin's */
	CHECK(stat(p, &q) == 0);
	fd = open(p, O_RDONLY);
	ig_init(&ig, "d_1.0.tar.gz", other);
	ro = store_receive(dd, fd, 1 << 20, &ig);
	CHECK(ro != -1 && fstat(ro, &a) == 0 && a.st_ino != q.st_ino);
	store_discard(&ig);
	close(ro);
	close(fd);

	fd = open(p, O_RDONLY);
	CHECK(fchown(fd, other, other) == 0);
	ig_init(&ig, "d_1.0.tar.gz", (uid_t)-1);	/* airlockctl add */
	ro = store_receive(dd, fd, 1 << 20, &ig);
	CHECK(ro != -1 && fstat(ro, &a) == 0 && a.st_ino != q.st_ino);
	CHECK(stat(p, &q) == 0 && q.st_uid == other);	/* left alone */
	store_discard(&ig);
	close(ro);
	close(fd);
	unlink(p);
}

/* Digests other than the index's: refused, nothing placed. */
static void
refuses_other_digests(void)
{
	struct ingest ig;
	char p[PATH_MAX];
	int fd;

	handed("e_1.0.tar.gz", other, p, sizeof(p));
	fd = open(p, O_RDONLY);
	ig_init(&ig, "e_1.0.tar.gz", other);
	snprintf(ig.want_md5, sizeof(ig.want_md5), "%s",
	    "0123456789abcdef0123456789abcdef");
	CHECK(store_receive(dd, fd, 1 << 20, &ig) == -1);
	CHECK(strstr(ig.error, "MD5 mismatch") != NULL);
	CHECK(strstr(ig.error, want_md5) != NULL);
	CHECK(ig.fd == -1);
	close(fd);

	fd = open(p, O_RDONLY);
	ig_init(&ig, "e_1.0.tar.gz", (uid_t)-1);
	snprintf(ig.want_sha256, sizeof(ig.want_sha256), "%064d", 0);
	CHECK(store_receive(dd, fd, 1 << 20, &ig) == -1);
	CHECK(strstr(ig.error, "SHA-256 mismatch") != NULL);
	close(fd);
	unlink(p);
}

/* Over the size limit: refused before anything is made. */
static void
refuses_too_big(void)
{
	struct ingest ig;
	char p[PATH_MAX];
	int fd;

	handed("f_1.0.tar.gz", other, p, sizeof(p));
	fd = open(p, O_RDONLY);
	ig_init(&ig, "f_1.0.tar.gz", other);
	CHECK(store_receive(dd, fd, 10, &ig) == -1);
	CHECK(strstr(ig.error, "max_package_size") != NULL);
	close(fd);
	unlink(p);
}

/* An ingest of BYTES as a plain (unnamed) copy, ready for store_place. */
static int
received(struct ingest *ig, const char *name)
{
	char p[PATH_MAX];
	int fd, ro;

	snprintf(p, sizeof(p), "%s/quarantine/%s", dd, name);
	if ((fd = open(p, O_RDONLY)) == -1)
		return -1;
	ig_init(ig, name, (uid_t)-1);
	ro = store_receive(dd, fd, 1 << 20, ig);
	close(fd);
	if (ro == -1)
		return -1;
	close(ro);
	return 0;
}

/* Whether the blob at bp holds BYTES, in one link. */
static int
holds_bytes(const char *bp)
{
	char got[sizeof(BYTES)];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(bp, O_RDONLY)) == -1)
		return 0;
	n = read(fd, got, sizeof(got));
	close(fd);
	return n == (ssize_t)strlen(BYTES) && memcmp(got, BYTES, (size_t)n) ==
	    0 && stat(bp, &st) == 0 && st.st_nlink == 1;
}

/*
 * A blob of the wrong size under the right name (a torn write, a disk
 * fault) is replaced by the verified copy; one of the right size stays.
 */
static void
places_over_a_wrong_blob(void)
{
	struct ingest ig;
	struct stat st, q;
	char p[PATH_MAX], bp[PATH_MAX], dir[PATH_MAX];
	int fd;

	handed("g_1.0.tar.gz", 0, p, sizeof(p));
	CHECK(received(&ig, "g_1.0.tar.gz") == 0);
	blob(&ig, bp, sizeof(bp));
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(bp, '/') - bp), bp);
	CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
	fd = open(bp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd != -1 && write(fd, "torn", 4) == 4);
	close(fd);
	CHECK(store_place(dd, &ig) == 0);
	CHECK(holds_bytes(bp));
	CHECK(ig.fd == -1);

	/* The right size: kept as it is (the same inode), the copy gone. */
	CHECK(stat(bp, &q) == 0);
	CHECK(received(&ig, "g_1.0.tar.gz") == 0);
	CHECK(store_place(dd, &ig) == 0);
	CHECK(stat(bp, &st) == 0 && st.st_ino == q.st_ino && holds_bytes(bp));
	unlink(bp);
	unlink(p);
}

struct racer {
	pthread_barrier_t *bar;
	const char *name;
	int rounds, failed;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct ingest ig;
	int i;

	for (i = 0; i < r->rounds; i++) {
		if (received(&ig, r->name) != 0) {
			r->failed++;
			continue;
		}
		pthread_barrier_wait(r->bar);
		if (store_place(dd, &ig) != 0) {
			fprintf(stderr, "# round %d: %s\n", i, ig.error);
			r->failed++;
		}
		pthread_barrier_wait(r->bar);	/* both placed */
		pthread_barrier_wait(r->bar);	/* the blob removed */
	}
	return NULL;
}

/*
 * Two batch threads placing the same file at once (the master runs one
 * per batch): both succeed, whichever links first, and one blob of the
 * right bytes is left.  The window between store_place's stat and its
 * link is small, so this is a stress test: many rounds, each started
 * from one barrier, make the EEXIST race in link_copy likely, not sure.
 */
static void
two_threads_place_one_file(void)
{
	enum { ROUNDS = 400 };
	pthread_barrier_t bar;
	struct racer r[2];
	pthread_t t[2];
	struct ingest ig;
	char p[PATH_MAX], q[PATH_MAX], bp[PATH_MAX];
	int i, bad = 0;

	handed("h_1.0.tar.gz", 0, p, sizeof(p));
	handed("h2_1.0.tar.gz", 0, q, sizeof(q));
	CHECK(received(&ig, "h_1.0.tar.gz") == 0);
	blob(&ig, bp, sizeof(bp));
	store_discard(&ig);
	CHECK(pthread_barrier_init(&bar, NULL, 3) == 0);
	for (i = 0; i < 2; i++) {
		r[i].bar = &bar;
		r[i].name = i ? "h2_1.0.tar.gz" : "h_1.0.tar.gz";
		r[i].rounds = ROUNDS;
		r[i].failed = 0;
		CHECK(pthread_create(&t[i], NULL, race, &r[i]) == 0);
	}
	for (i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(&bar);	/* go */
		pthread_barrier_wait(&bar);	/* both placed */
		if (!holds_bytes(bp))
			bad++;
		unlink(bp);
		pthread_barrier_wait(&bar);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	CHECK(r[0].failed == 0 && r[1].failed == 0);
	CHECK(bad == 0);
	unlink(p);
	unlink(q);
}

int
main(void)
{
	char path[PATH_MAX + 32], cmd[PATH_MAX + 16];
	struct passwd *pw;

	if (geteuid() != 0) {
		printf("ok - test_store # SKIP not root\n");
		return 0;
	}
	if ((pw = getpwnam("nobody")) != NULL)
		other = pw->pw_uid;
	snprintf(dd, sizeof(dd), "/tmp/airlock-test-store.XXXXXX");
	if (mkdtemp(dd) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/quarantine", dd);
	if (mkdir(path, 0700) != 0 || store_init(dd) != 0)
		return 1;
	RUN(digests_of_bytes);
	RUN(adopts_a_file_nobody_can_write);
	RUN(copies_a_file_someone_writes);
	RUN(copies_otherwise);
	RUN(refuses_other_digests);
	RUN(refuses_too_big);
	RUN(places_over_a_wrong_blob);
	RUN(two_threads_place_one_file);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dd);
	if (system(cmd) != 0)
		return 1;
	TEST_EXIT();
}
