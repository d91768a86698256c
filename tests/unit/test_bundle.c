/*
 * bundle.c: keys, the writer, and the reader against every way a bundle
 * can be wrong: bundles from the writer, then taken apart and put back
 * together with libarchive (members dropped, added, swapped, renamed,
 * turned into links), edited in place, cut short, or forged with an
 * index written here and signed by hand.
 *
 *   test_bundle -w DIR   also writes the seeds of
 *                        tests/fuzz/corpus/fuzz_bundle into DIR, signed
 *                        by the key whose public half fuzz_bundle.c holds.
 * TEST_VERBOSE=1 in the environment shows each refusal.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bundle.h"
#include "test.h"

/* Test only: fuzz_bundle.c trusts its public half. */
static const char FUZZ_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJiOEDjPodwk6pofXsQcXKXZY3DJQ0SVFCfmgpA99eGS\n"
    "-----END PRIVATE KEY-----\n";

#define NFAKE	4
#define BIG	(1 << 20)

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[] = "/tmp/test_bundle.XXXXXX";
static char err[512];
static EVP_PKEY *ka, *kb, *kc;	/* ka signs; kb and kc are trusted too */
static EVP_PKEY *pa, *pb, *pc;	/* their public halves, as the importer */
static char ida[BUNDLE_KEY_ID_LEN + 1];
static int verbose;

/* Files to export: random bytes, as content is not looked at. */
static struct fake {
	const char *package, *version;
	size_t len;
	char name[64];
	unsigned char *data;
	int fd;
} fakes[NFAKE] = {
	{ "abc", "1.0", 1, "", NULL, -1 },
	{ "Rcpp", "1.0.12", 513, "", NULL, -1 },
	{ "data.table", "1.15-4", 70000, "", NULL, -1 },
	{ "zz9", "0.1.2.3", 200001, "", NULL, -1 },
};

static int
memfd(void)
{
	int fd;

	if ((fd = memfd_create("test_bundle", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		exit(1);
	}
	return fd;
}

static int
bytes_fd(const void *p, size_t n)
{
	int fd = memfd();

	if ((n > 0 && write(fd, p, n) != (ssize_t)n) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		perror("write");
		exit(1);
	}
	return fd;
}

/* The whole of fd (caller frees); *n its length. */
static unsigned char *
fd_bytes(int fd, size_t *n)
{
	struct stat st;
	unsigned char *p;

	if (fstat(fd, &st) != 0 || (p = malloc((size_t)st.st_size + 1)) ==
	    NULL || pread(fd, p, (size_t)st.st_size, 0) != st.st_size) {
		perror("fd_bytes");
		exit(1);
	}
	*n = (size_t)st.st_size;
	return p;
}

static char *
tpath(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
	return p[i];
}

static void
setup(void)
{
	size_t i;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	for (i = 0; i < NFAKE; i++) {
		snprintf(fakes[i].name, sizeof(fakes[i].name), "%s_%s.tar.gz",
		    fakes[i].package, fakes[i].version);
		if ((fakes[i].data = malloc(fakes[i].len)) == NULL ||
		    getrandom(fakes[i].data, fakes[i].len, 0) !=
		    (ssize_t)fakes[i].len) {
			perror("setup");
			exit(1);
		}
		fakes[i].fd = bytes_fd(fakes[i].data, fakes[i].len);
	}
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static EVP_PKEY *
public_of(EVP_PKEY *k)
{
	unsigned char raw[32];
	size_t len = sizeof(raw);

	if (!EVP_PKEY_get_raw_public_key(k, raw, &len))
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, len);
}

static EVP_PKEY *
load_key_text(const char *pem, const char *file)
{
	EVP_PKEY *k;
	int fd;

	if ((fd = open(tpath(file), O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
	    -1 || write(fd, pem, strlen(pem)) != (ssize_t)strlen(pem) ||
	    close(fd) != 0) {
		perror(file);
		exit(1);
	}
	if ((k = bundle_load_private(tpath(file), err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return k;
}

/* A bundle of the first n fakes by signer; caller frees. */
static unsigned char *
make(EVP_PKEY *signer, size_t n, long long since, size_t *len)
{
	struct bundle_writer *w;
	unsigned char *p;
	size_t i;
	int fd = memfd();

	if ((w = bundle_write_open(fd, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	for (i = 0; i < n; i++)
		if (bundle_write_file(w, fakes[i].name, fakes[i].fd,
		    fakes[i].package, fakes[i].version, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
	if (bundle_write_close(w, signer, "cran", "test host", since, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	p = fd_bytes(fd, len);
	close(fd);
	return p;
}

/* What the callbacks saw. */
struct got {
	int nindex;
	struct bundle_index ix;
	size_t nfiles;		/* on_file calls */
	unsigned char *data[NFAKE + 2];
	size_t len[NFAKE + 2];
	char name[NFAKE + 2][256];
	int skip;		/* on_file reads nothing */
	int refuse_index, refuse_file;
};

static void
got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->nfiles && i < NFAKE + 2; i++)
		free(g->data[i]);
	memset(g, 0, sizeof(*g));
}

static int
on_index(void *arg, struct bundle_reader *r, const struct bundle_index *ix)
{
	struct got *g = arg;

	g->nindex++;
	g->ix = *ix;
	if (g->refuse_index) {
		bundle_read_error(r, "not the repository %s", "bioc");
		return -1;
	}
	return 0;
}

/* Reads in odd-sized steps, to cross every boundary somewhere. */
static int
on_file(void *arg, struct bundle_reader *r, const struct bundle_file *f)
{
	static const size_t steps[] = { 1, 7, 511, 512, 513, 4096, 65536 };
	struct got *g = arg;
	size_t i = g->nfiles++, len = 0, k = 0;
	unsigned char *p;
	ssize_t n;

	if (i >= NFAKE + 2)
		return -1;
	snprintf(g->name[i], sizeof(g->name[i]), "%s", f->name);
	if (g->skip)
		return 0;
	if ((p = malloc((size_t)f->size + 1)) == NULL)
		return -1;
	g->data[i] = p;
	while ((n = bundle_read_data(r, p + len,
	    steps[k++ % nitems(steps)])) > 0)
		if ((len += (size_t)n) > (size_t)f->size)
			return -1;
	g->len[i] = len;
	if (n < 0)
		return -1;
	if (g->refuse_file) {
		bundle_read_error(r, "disk full");
		return -1;
	}
	return 0;
}

static int
read_bytes(const unsigned char *p, size_t n, EVP_PKEY *const *trusted,
    size_t ntrusted, long long max_file, struct got *g)
{
	int fd = bytes_fd(p, n), rc;

	memset(g, 0, sizeof(*g));
	err[0] = '\0';
	rc = bundle_read(fd, trusted, ntrusted, max_file, on_index, on_file,
	    g, err, sizeof(err));
	close(fd);
	if (verbose)
		fprintf(stderr, "  %s\n", rc == 0 ? "accepted" : err);
	return rc;
}

/* Refused with a message holding why. */
static int
refused(const unsigned char *p, size_t n, const char *why)
{
	EVP_PKEY *trusted[] = { pb, pa, pc };
	struct got g;
	int rc;

	rc = read_bytes(p, n, trusted, 3, BIG, &g);
	got_free(&g);
	if (rc == 0 || strstr(err, why) == NULL) {
		fprintf(stderr, "  wanted '%s', got '%s'\n", why,
		    rc == 0 ? "accepted" : err);
		return 0;
	}
	return 1;
}

/*
 * Members of a tar, to take apart and put back together.
 */
struct mem {
	char name[300];
	int type;		/* AE_IFREG, AE_IFLNK, AE_IFDIR, AE_IFCHR */
	char link[300];		/* symbolic link target */
	char hard[300];		/* hard link target */
	unsigned char *data;
	size_t len;
};

#define MAXMEM 16

static size_t
unpack(const unsigned char *p, size_t n, struct mem *m)
{
	struct archive_entry *e;
	struct archive *a;
	size_t k = 0;

	if ((a = archive_read_new()) == NULL ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, p, n) != ARCHIVE_OK)
		abort();
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (k == MAXMEM)
			abort();
		memset(&m[k], 0, sizeof(m[k]));
		snprintf(m[k].name, sizeof(m[k].name), "%s",
		    archive_entry_pathname(e));
		m[k].type = AE_IFREG;
		m[k].len = (size_t)archive_entry_size(e);
		if ((m[k].data = malloc(m[k].len + 1)) == NULL ||
		    archive_read_data(a, m[k].data, m[k].len) !=
		    (la_ssize_t)m[k].len)
			abort();
		k++;
	}
	archive_read_free(a);
	return k;
}

static void
mem_free(struct mem *m, size_t n)
{
	while (n-- > 0)
		free(m[n].data);
}

static unsigned char *
pack(const struct mem *m, size_t n, size_t *len)
{
	struct archive_entry *e;
	struct archive *a;
	unsigned char *p;
	size_t i;
	int fd = memfd();

	if ((a = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		abort();
	for (i = 0; i < n; i++) {
		if ((e = archive_entry_new()) == NULL)
			abort();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, (unsigned)m[i].type);
		archive_entry_set_perm(e, 0644);
		if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, m[i].link);
		if (m[i].type == AE_IFCHR)
			archive_entry_set_rdev(e, 0x0101);
		if (m[i].hard[0] != '\0')
			archive_entry_set_hardlink(e, m[i].hard);
		archive_entry_set_size(e, m[i].type == AE_IFREG &&
		    m[i].hard[0] == '\0' ? (int64_t)m[i].len : 0);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			abort();
		if (m[i].type == AE_IFREG && m[i].hard[0] == '\0' &&
		    m[i].len > 0 && archive_write_data(a, m[i].data,
		    m[i].len) != (la_ssize_t)m[i].len)
			abort();
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		abort();
	archive_write_free(a);
	p = fd_bytes(fd, len);
	close(fd);
	return p;
}

/* The INDEX.sig line of index by k, as bundle.h describes it. */
static void
sig_line(EVP_PKEY *k, const char *index, char *out, size_t outlen)
{
	unsigned char sig[64];
	char id[BUNDLE_KEY_ID_LEN + 1];
	size_t siglen = sizeof(sig), i, o;
	EVP_MD_CTX *ctx;

	if (bundle_key_id(k, id) != 0 || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)index,
	    strlen(index)) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	o = (size_t)snprintf(out, outlen, "ed25519 %s ", id);
	for (i = 0; i < siglen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%02x", sig[i]);
	snprintf(out + o, outlen - o, "\n");
}

static void
set_mem(struct mem *m, const char *name, const void *data, size_t len)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->type = AE_IFREG;
	if ((m->data = malloc(len + 1)) == NULL)
		abort();
	memcpy(m->data, data, len);
	m->len = len;
}

/* A bundle of index signed by k, with the files data[i] of names[i]. */
static unsigned char *
forge(EVP_PKEY *k, const char *index, const char *const *names,
    const unsigned char *const *data, const size_t *lens, size_t n,
    size_t *len)
{
	struct mem m[MAXMEM];
	char sig[200], path[300];
	unsigned char *p;
	size_t i;

	set_mem(&m[0], "airlock-bundle/INDEX.json", index, strlen(index));
	sig_line(k, index, sig, sizeof(sig));
	set_mem(&m[1], "airlock-bundle/INDEX.sig", sig, strlen(sig));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "airlock-bundle/files/%s",
		    names[i]);
		set_mem(&m[2 + i], path, data[i], lens[i]);
	}
	p = pack(m, 2 + n, len);
	mem_free(m, 2 + n);
	return p;
}

static void
digests(const unsigned char *p, size_t n, char *sha, char *md5)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;

	EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen; i++)
		sprintf(sha + 2 * i, "%02x", md[i]);
	EVP_Digest(p, n, md, &mdlen, EVP_md5(), NULL);
	for (i = 0; i < mdlen; i++)
		sprintf(md5 + 2 * i, "%02x", md[i]);
}

/* One index entry for fakes[i], in the writer's layout. */
static void
entry(char *out, size_t outlen, size_t i)
{
	char sha[65], md5[33];

	digests(fakes[i].data, fakes[i].len, sha, md5);
	snprintf(out, outlen, "{\"name\":\"%s\",\"size\":%zu,\"sha256\":"
	    "\"%s\",\"md5\":\"%s\",\"package\":\"%s\",\"version\":\"%s\"}",
	    fakes[i].name, fakes[i].len, sha, md5, fakes[i].package,
	    fakes[i].version);
}

static void
test_keygen(void)
{
	char priv[256], pub[256], ida2[17], idb[17], pem[1024];
	unsigned char *before, *after;
	size_t nb, na;
	struct stat st;
	EVP_PKEY *k, *p, *ec;
	BIO *bio;
	char *ecpem;
	long eclen;
	ssize_t n;
	int fd;

	snprintf(priv, sizeof(priv), "%s", tpath("a.key"));
	snprintf(pub, sizeof(pub), "%s", tpath("a.pub"));
	CHECK(bundle_keygen(priv, pub, err, sizeof(err)) == 0);
	CHECK(stat(priv, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(pub, &st) == 0 && S_ISREG(st.st_mode));

	/* Never overwritten, and nothing left by a refusal. */
	fd = open(priv, O_RDONLY);
	before = fd_bytes(fd, &nb);
	close(fd);
	CHECK(bundle_keygen(priv, tpath("new.pub"), err, sizeof(err)) == -1);
	CHECK(strstr(err, "already exists") != NULL);
	CHECK(access(tpath("new.pub"), F_OK) == -1);
	CHECK(bundle_keygen(tpath("new.key"), pub, err, sizeof(err)) == -1);
	CHECK(access(tpath("new.key"), F_OK) == -1);
	fd = open(priv, O_RDONLY);
	after = fd_bytes(fd, &na);
	close(fd);
	CHECK(nb == na && memcmp(before, after, nb) == 0);
	free(before);
	free(after);
	CHECK(bundle_keygen(tpath("nodir/x.key"), tpath("x.pub"), err,
	    sizeof(err)) == -1);

	CHECK((k = bundle_load_private(priv, err, sizeof(err))) != NULL);
	fd = open(pub, O_RDONLY);
	CHECK((n = read(fd, pem, sizeof(pem))) > 0);
	close(fd);
	CHECK((p = bundle_load_public_pem(pem, (size_t)n, err,
	    sizeof(err))) != NULL);
	CHECK(bundle_key_id(k, ida2) == 0 && bundle_key_id(p, idb) == 0);
	CHECK(strcmp(ida2, idb) == 0 && strlen(ida2) == 16);
	CHECK(EVP_PKEY_eq(k, p) == 1);

	/* As ssh: a key others can read is not used. */
	CHECK(chmod(priv, 0640) == 0);
	CHECK(bundle_load_private(priv, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "group or others") != NULL);
	CHECK(bundle_load_private(tpath("none.key"), err, sizeof(err)) ==
	    NULL);

	/* The private PEM is not a public key, nor garbage, nor EC. */
	CHECK(bundle_load_public_pem(FUZZ_KEY, strlen(FUZZ_KEY), err,
	    sizeof(err)) == NULL);
	CHECK(bundle_load_public_pem("garbage", 7, err, sizeof(err)) == NULL);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	bio = BIO_new(BIO_s_mem());
	CHECK(ec != NULL && bio != NULL && PEM_write_bio_PUBKEY(bio, ec));
	eclen = BIO_get_mem_data(bio, &ecpem);
	CHECK(bundle_load_public_pem(ecpem, (size_t)eclen, err,
	    sizeof(err)) == NULL);
	CHECK(strstr(err, "not an Ed25519 key") != NULL);
	CHECK(bundle_key_id(ec, idb) == -1);
	BIO_free(bio);
	bio = BIO_new(BIO_s_mem());
	CHECK(PEM_write_bio_PrivateKey(bio, ec, NULL, NULL, 0, NULL, NULL));
	eclen = BIO_get_mem_data(bio, &ecpem);
	fd = open(tpath("ec.key"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd != -1 && write(fd, ecpem, (size_t)eclen) == eclen);
	close(fd);
	CHECK(bundle_load_private(tpath("ec.key"), err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not an Ed25519 key") != NULL);
	BIO_free(bio);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}

static void
test_roundtrip(void)
{
	EVP_PKEY *trusted[] = { pb, pa, pc };
	unsigned char *p;
	struct mem m[MAXMEM];
	struct got g;
	char sha[65], md5[33];
	size_t n, i, nm;

	p = make(ka, NFAKE, 42, &n);
	CHECK(read_bytes(p, n, trusted, 3, BIG, &g) == 0);
	CHECK(g.nindex == 1 && g.nfiles == NFAKE);
	CHECK(strcmp(g.ix.repo, "cran") == 0);
	CHECK(strcmp(g.ix.source, "test host") == 0);
	CHECK(g.ix.since == 42 && g.ix.created > 1600000000);
	CHECK(strcmp(g.ix.key_id, ida) == 0);
	CHECK(g.ix.nfiles == NFAKE);
	for (i = 0; i < NFAKE && i < g.nfiles; i++) {
		CHECK(strcmp(g.name[i], fakes[i].name) == 0);
		CHECK(g.len[i] == fakes[i].len &&
		    memcmp(g.data[i], fakes[i].data, fakes[i].len) == 0);
	}
	got_free(&g);

	/* The layout bundle.h promises. */
	nm = unpack(p, n, m);
	CHECK(nm == 2 + NFAKE);
	CHECK(strcmp(m[0].name, "airlock-bundle/INDEX.json") == 0);
	CHECK(strcmp(m[1].name, "airlock-bundle/INDEX.sig") == 0 &&
	    m[1].len == 154 && memcmp(m[1].data, "ed25519 ", 8) == 0 &&
	    memcmp(m[1].data + 8, ida, 16) == 0);
	for (i = 0; i < NFAKE; i++) {
		CHECK(strncmp(m[2 + i].name, "airlock-bundle/files/", 21) ==
		    0 && strcmp(m[2 + i].name + 21, fakes[i].name) == 0);
		digests(fakes[i].data, fakes[i].len, sha, md5);
		m[0].data[m[0].len] = '\0';
		CHECK(strstr((char *)m[0].data, sha) != NULL);
		CHECK(strstr((char *)m[0].data, md5) != NULL);
	}
	m[0].data[m[0].len] = '\0';
	CHECK(strstr((char *)m[0].data, "\"since\":42") != NULL);
	mem_free(m, nm);
	free(p);

	/* Full exports say null; an empty bundle is a bundle. */
	p = make(ka, 0, 0, &n);
	CHECK(read_bytes(p, n, trusted + 1, 1, BIG, &g) == 0);
	CHECK(g.nindex == 1 && g.ix.since == 0 && g.ix.nfiles == 0 &&
	    g.nfiles == 0);
	nm = unpack(p, n, m);
	m[0].data[m[0].len] = '\0';
	CHECK(strstr((char *)m[0].data, "\"since\":null") != NULL);
	mem_free(m, nm);
	got_free(&g);
	free(p);

	/* Padding after the end of the archive, as tar writes it. */
	p = make(ka, 2, 0, &n);
	CHECK((p = realloc(p, n + 10240)) != NULL);
	memset(p + n, 0, 10240);
	CHECK(read_bytes(p, n + 10240, trusted, 3, BIG, &g) == 0);
	got_free(&g);
	free(p);
}

/*
 * Format 2: binaries named TREE/FILE travel with the sources; a bundle
 * without one is still format 1; names that are not a binary tree and
 * its file are refused by the writer, and by the reader in either
 * format (a '/' at all in format 1).
 */
static void
test_binaries(void)
{
	static const char *const bad[] = {
		"bin/windows/contrib/4.2/abc_1.0.tar.gz",	/* not .zip */
		"bin/macosx/contrib/4.2/abc_1.0.zip",		/* not .tgz */
		"src/contrib/abc_1.0.tar.gz",			/* not binary */
		"bin/windows/contrib/4.2/../abc_1.0.zip",
		"bin/windows/contrib/x/abc_1.0.zip",
		"bin/windows/contrib/4.2/abd_1.0.zip",		/* not abc */
		"/abc_1.0.tar.gz",
	};
	static const char *const bin = "bin/windows/contrib/4.2/abc_1.0.zip";
	static const char *const mac =
	    "bin/macosx/big-sur-arm64/contrib/4.3/Rcpp_1.0.12.tgz";
	EVP_PKEY *trusted[] = { pa };
	struct bundle_writer *w;
	struct mem m[MAXMEM];
	struct got g;
	char index[4096], sha[65], md5[33];
	const char *names[1];
	const unsigned char *data[1];
	unsigned char *p;
	size_t n, nm, i, lens[1];
	int fd = memfd();

	CHECK((w = bundle_write_open(fd, err, sizeof(err))) != NULL);
	for (i = 0; i < nitems(bad); i++)
		if (bundle_write_file(w, bad[i], fakes[0].fd, "abc", "1.0", err,
		    sizeof(err)) == 0) {
			fprintf(stderr, "  writer took %s\n", bad[i]);
			CHECK(!"a bad binary name written");
		}
	CHECK(bundle_write_file(w, fakes[0].name, fakes[0].fd, "abc", "1.0",
	    err, sizeof(err)) == 0);
	CHECK(bundle_write_file(w, bin, fakes[0].fd, "abc", "1.0", err,
	    sizeof(err)) == 0);
	CHECK(bundle_write_file(w, mac, fakes[1].fd, "Rcpp", "1.0.12", err,
	    sizeof(err)) == 0);
	CHECK(bundle_write_close(w, ka, "cran", "test host", 0, err,
	    sizeof(err)) == 0);
	p = fd_bytes(fd, &n);
	close(fd);
	CHECK(read_bytes(p, n, trusted, 1, BIG, &g) == 0);
	CHECK(g.nfiles == 3);
	CHECK(g.nfiles == 3 && strcmp(g.name[0], fakes[0].name) == 0 &&
	    strcmp(g.name[1], bin) == 0 && strcmp(g.name[2], mac) == 0);
	CHECK(g.nfiles == 3 && g.len[2] == fakes[1].len &&
	    memcmp(g.data[2], fakes[1].data, fakes[1].len) == 0);
	got_free(&g);
	nm = unpack(p, n, m);
	m[0].data[m[0].len] = '\0';
	CHECK(strstr((char *)m[0].data, "\"format\":2") != NULL);
	CHECK(nm == 5 && strcmp(m[3].name,
	    "airlock-bundle/files/bin/windows/contrib/4.2/abc_1.0.zip") == 0);
	mem_free(m, nm);
	free(p);

	/* Sources only: format 1, as before. */
	p = make(ka, 2, 0, &n);
	nm = unpack(p, n, m);
	m[0].data[m[0].len] = '\0';
	CHECK(strstr((char *)m[0].data, "\"format\":1") != NULL);
	mem_free(m, nm);
	free(p);

	/* A binary in a signed format 1 index, and bad names in format 2. */
	digests(fakes[0].data, fakes[0].len, sha, md5);
	names[0] = bin;
	data[0] = fakes[0].data;
	lens[0] = fakes[0].len;
	for (i = 0; i <= nitems(bad); i++) {
		snprintf(index, sizeof(index), "{\"format\":%d,\"repo\":"
		    "\"cran\",\"created\":1700000000,\"source\":\"forge\","
		    "\"since\":null,\"files\":[{\"name\":\"%s\",\"size\":"
		    "%zu,\"sha256\":\"%s\",\"md5\":\"%s\",\"package\":\"abc\","
		    "\"version\":\"1.0\"}]}", i == nitems(bad) ? 1 : 2,
		    i == nitems(bad) ? bin : bad[i], fakes[0].len, sha, md5);
		names[0] = i == nitems(bad) ? bin : bad[i];
		p = forge(ka, index, names, data, lens, 1, &n);
		if (!refused(p, n, "files[0]"))
			CHECK(!"a bad binary entry accepted");
		free(p);
	}
	p = forge(ka, index, names, data, lens, 1, &n);
	CHECK(refused(p, n,
	    "files[0]: name is not <package>_<version>.tar.gz"));
	free(p);
}

/* Through a pipe, as a sandboxed importer may be handed it. */
static void
test_pipe(void)
{
	EVP_PKEY *trusted[] = { pa };
	unsigned char *p;
	struct got g;
	size_t n;
	pid_t pid;
	int fds[2], st;

	p = make(ka, NFAKE, 0, &n);
	CHECK(pipe(fds) == 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		_exit(write(fds[1], p, n) == (ssize_t)n ? 0 : 1);
	}
	close(fds[1]);
	memset(&g, 0, sizeof(g));
	CHECK(bundle_read(fds[0], trusted, 1, BIG, on_index, on_file, &g,
	    err, sizeof(err)) == 0);
	CHECK(g.nfiles == NFAKE && g.len[3] == fakes[3].len);
	close(fds[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	got_free(&g);
	free(p);
}

static void
test_callbacks(void)
{
	EVP_PKEY *trusted[] = { pa };
	unsigned char *p, *q;
	struct got g;
	size_t n;
	int fd;

	p = make(ka, NFAKE, 0, &n);

	/* What on_file leaves is still read and checked. */
	fd = bytes_fd(p, n);
	memset(&g, 0, sizeof(g));
	g.skip = 1;
	CHECK(bundle_read(fd, trusted, 1, BIG, NULL, on_file, &g, err,
	    sizeof(err)) == 0);
	CHECK(g.nfiles == NFAKE);
	close(fd);
	q = memmem(p, n, fakes[2].data, 64);
	CHECK(q != NULL);
	if (q != NULL) {
		q[1000] ^= 1;
		fd = bytes_fd(p, n);
		memset(&g, 0, sizeof(g));
		g.skip = 1;
		CHECK(bundle_read(fd, trusted, 1, BIG, NULL, on_file, &g, err,
		    sizeof(err)) == -1);
		CHECK(strstr(err, "data.table_1.15-4.tar.gz: SHA-256 "
		    "mismatch") != NULL);
		close(fd);
		q[1000] ^= 1;
	}

	fd = bytes_fd(p, n);
	memset(&g, 0, sizeof(g));
	g.refuse_index = 1;
	CHECK(bundle_read(fd, trusted, 1, BIG, on_index, on_file, &g, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "refused by the importer: not the repository "
	    "bioc") != NULL && g.nfiles == 0);
	close(fd);

	fd = bytes_fd(p, n);
	memset(&g, 0, sizeof(g));
	g.refuse_file = 1;
	CHECK(bundle_read(fd, trusted, 1, BIG, on_index, on_file, &g, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "files/abc_1.0.tar.gz: refused by the importer: "
	    "disk full") != NULL && g.nfiles == 1);
	close(fd);
	got_free(&g);

	/* Sizes over the caller's limit fail before any file is given. */
	CHECK(read_bytes(p, n, trusted, 1, 70000, &g) == -1);
	CHECK(strstr(err, "zz9_0.1.2.3.tar.gz: 200001 bytes, more than the "
	    "70000 allowed") != NULL && g.nfiles == 0);
	got_free(&g);
	CHECK(read_bytes(p, n, trusted, 1, 200001, &g) == 0);
	got_free(&g);

	/* Nothing is trusted without a key. */
	CHECK(bundle_read(-1, trusted, 0, BIG, NULL, NULL, NULL, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "no trusted keys") != NULL);
	free(p);
}

/* The fakes' bundle with a change made by edit to its members. */
static int
refused_edit(void (*edit)(struct mem *, size_t *), const char *why)
{
	struct mem m[MAXMEM];
	unsigned char *p, *q;
	size_t n, nm, len;
	int r;

	p = make(ka, NFAKE, 0, &n);
	nm = unpack(p, n, m);
	edit(m, &nm);
	q = pack(m, nm, &len);
	r = refused(q, len, why);
	mem_free(m, nm);
	free(q);
	free(p);
	return r;
}

static void
drop(struct mem *m, size_t *n, size_t i)
{
	free(m[i].data);
	memmove(&m[i], &m[i + 1], (*n - i - 1) * sizeof(m[0]));
	(*n)--;
}

static void
only_index(struct mem *m, size_t *n)
{
	while (*n > 1)
		drop(m, n, *n - 1);
}

static void
drop_sig(struct mem *m, size_t *n)
{
	drop(m, n, 1);
}

static void
short_sig(struct mem *m, size_t *n)
{
	(void)n;
	m[1].len--;
}

static void
drop_middle(struct mem *m, size_t *n)
{
	drop(m, n, 3);
}

static void
drop_last(struct mem *m, size_t *n)
{
	drop(m, n, *n - 1);
}

static void
add_last(struct mem *m, size_t *n)
{
	set_mem(&m[(*n)++], "airlock-bundle/files/extra_1.0.tar.gz", "x", 1);
}

static void
add_middle(struct mem *m, size_t *n)
{
	memmove(&m[4], &m[3], (*n - 3) * sizeof(m[0]));
	(*n)++;
	set_mem(&m[3], "airlock-bundle/files/extra_1.0.tar.gz", "x", 1);
}

static void
add_again(struct mem *m, size_t *n)
{
	set_mem(&m[*n], m[2].name, m[2].data, m[2].len);
	(*n)++;
}

static void
add_index(struct mem *m, size_t *n)
{
	set_mem(&m[*n], m[0].name, m[0].data, m[0].len);
	(*n)++;
}

static void
swap(struct mem *m, size_t *n)
{
	struct mem t = m[3];

	(void)n;
	m[3] = m[4];
	m[4] = t;
}

static void
swap_index(struct mem *m, size_t *n)
{
	struct mem t = m[0];

	(void)n;
	m[0] = m[1];
	m[1] = t;
}

static void
rename_dotdot(struct mem *m, size_t *n)
{
	(void)n;
	snprintf(m[3].name, sizeof(m[3].name), "../x");
}

static void
rename_sub(struct mem *m, size_t *n)
{
	(void)n;
	snprintf(m[3].name, sizeof(m[3].name),
	    "airlock-bundle/files/a/Rcpp_1.0.12.tar.gz");
}

static void
rename_dots(struct mem *m, size_t *n)
{
	(void)n;
	snprintf(m[3].name, sizeof(m[3].name),
	    "airlock-bundle/files/../files/Rcpp_1.0.12.tar.gz");
}

static void
rename_abs(struct mem *m, size_t *n)
{
	(void)n;
	snprintf(m[3].name, sizeof(m[3].name),
	    "/airlock-bundle/files/Rcpp_1.0.12.tar.gz");
}

static void
rename_index(struct mem *m, size_t *n)
{
	(void)n;
	snprintf(m[0].name, sizeof(m[0].name), "./airlock-bundle/INDEX.json");
}

static void
symlink_member(struct mem *m, size_t *n)
{
	(void)n;
	m[3].type = AE_IFLNK;
	snprintf(m[3].link, sizeof(m[3].link), "/etc/passwd");
}

static void
hardlink_member(struct mem *m, size_t *n)
{
	(void)n;
	snprintf(m[3].hard, sizeof(m[3].hard), "airlock-bundle/INDEX.json");
}

static void
device_member(struct mem *m, size_t *n)
{
	(void)n;
	m[3].type = AE_IFCHR;
}

static void
dir_member(struct mem *m, size_t *n)
{
	(void)n;
	m[3].type = AE_IFDIR;
}

static void
sig_symlink(struct mem *m, size_t *n)
{
	(void)n;
	m[1].type = AE_IFLNK;
	snprintf(m[1].link, sizeof(m[1].link), "/etc/passwd");
}

static void
test_signature(void)
{
	EVP_PKEY *others[] = { pb, pc }, *trusted[] = { pa };
	unsigned char *p, *q, c;
	struct got g;
	char want[64];
	size_t n;

	p = make(ka, NFAKE, 0, &n);

	/* Signed by a key nobody trusts. */
	CHECK(read_bytes(p, n, others, 2, BIG, &g) == -1);
	snprintf(want, sizeof(want), "signed by an unknown key %s", ida);
	CHECK(strstr(err, want) != NULL && g.nindex == 0 && g.nfiles == 0);
	got_free(&g);

	/* One byte of the index. */
	CHECK((q = memmem(p, n, "\"source\":\"test host\"", 20)) != NULL);
	if (q != NULL) {
		q[11] ^= 0x20;
		CHECK(refused(p, n, "INDEX.sig: the signature by key"));
		q[11] ^= 0x20;
	}
	/* One digit of the signature, or of its framing. */
	CHECK((q = memmem(p, n, "ed25519 ", 8)) != NULL);
	if (q != NULL) {
		c = q[30];
		q[30] = c == '0' ? '1' : '0';
		CHECK(refused(p, n, "does not match INDEX.json"));
		q[30] = c;
		q[24] = 'X';
		CHECK(refused(p, n, "INDEX.sig: not \"ed25519"));
		q[24] = ' ';
	}
	CHECK(read_bytes(p, n, trusted, 1, BIG, &g) == 0);
	got_free(&g);
	free(p);

	CHECK(refused_edit(only_index, "unsigned bundle: no "
	    "airlock-bundle/INDEX.sig"));
	CHECK(refused_edit(drop_sig, "member 2 (airlock-bundle/files/"
	    "abc_1.0.tar.gz): unsigned bundle"));
	CHECK(refused_edit(short_sig, "INDEX.sig: 153 bytes, not 154"));
}

static void
test_members(void)
{
	CHECK(refused_edit(drop_middle, "member 4 (airlock-bundle/files/"
	    "data.table_1.15-4.tar.gz): out of order: the index has "
	    "airlock-bundle/files/Rcpp_1.0.12.tar.gz here"));
	CHECK(refused_edit(drop_last, "files/zz9_0.1.2.3.tar.gz: missing: "
	    "the bundle ends after member 5"));
	CHECK(refused_edit(add_last, "member 7 (airlock-bundle/files/"
	    "extra_1.0.tar.gz): not in the index"));
	CHECK(refused_edit(add_middle, "member 4 (airlock-bundle/files/"
	    "extra_1.0.tar.gz): not in the index"));
	CHECK(refused_edit(add_again, "member 7 (airlock-bundle/files/"
	    "abc_1.0.tar.gz): appears twice"));
	CHECK(refused_edit(add_index, "member 7 (airlock-bundle/INDEX.json)"
	    ": not in the index"));
	CHECK(refused_edit(swap, "member 4 (airlock-bundle/files/"
	    "data.table_1.15-4.tar.gz): out of order"));
	CHECK(refused_edit(swap_index, "member 1 (airlock-bundle/INDEX.sig)"
	    ": not a bundle"));
	CHECK(refused_edit(rename_dotdot, "member 4 (../x): not in the "
	    "index"));
	CHECK(refused_edit(rename_sub, "member 4 (airlock-bundle/files/a/"
	    "Rcpp_1.0.12.tar.gz): not in the index"));
	CHECK(refused_edit(rename_dots, "not in the index"));
	CHECK(refused_edit(rename_abs, "not in the index"));
	CHECK(refused_edit(rename_index, "member 1 (./airlock-bundle/"
	    "INDEX.json): not a bundle"));
	CHECK(refused_edit(symlink_member, "member 4 (airlock-bundle/files/"
	    "Rcpp_1.0.12.tar.gz): a symbolic link, not a regular file"));
	CHECK(refused_edit(hardlink_member, "a hard link, not a regular "
	    "file"));
	CHECK(refused_edit(device_member, "a device, fifo or socket"));
	/* libarchive names directories with a trailing '/'. */
	CHECK(refused_edit(dir_member, "member 4 (airlock-bundle/files/"
	    "Rcpp_1.0.12.tar.gz/): not in the index"));
	CHECK(refused_edit(sig_symlink, "member 2 (airlock-bundle/INDEX.sig)"
	    ": a symbolic link"));
}

static void
test_data(void)
{
	EVP_PKEY *trusted[] = { pa };
	unsigned char *p, *q, *r;
	struct got g;
	size_t n, cut, end;
	int bad = 0;

	p = make(ka, NFAKE, 0, &n);

	/* A flipped byte is found only after on_file was given it. */
	CHECK((q = memmem(p, n, fakes[3].data, 64)) != NULL);
	if (q != NULL) {
		q[123456] ^= 0x40;
		CHECK(read_bytes(p, n, trusted, 1, BIG, &g) == -1);
		CHECK(strstr(err, "files/zz9_0.1.2.3.tar.gz: SHA-256 "
		    "mismatch") != NULL);
		CHECK(g.nfiles == NFAKE);
		got_free(&g);
		q[123456] ^= 0x40;
	}

	/* Cut anywhere before the last byte of data. */
	end = q != NULL ? (size_t)(q - p) + fakes[3].len : n;
	for (cut = 0; cut < end; cut += cut < 4096 ? 97 : 4999) {
		if (read_bytes(p, cut, trusted, 1, BIG, &g) == 0) {
			fprintf(stderr, "  cut at %zu accepted\n", cut);
			bad = 1;
		}
		got_free(&g);
	}
	CHECK(!bad);
	CHECK(refused(p, end - 1, "files/zz9_0.1.2.3.tar.gz: damaged bundle"));
	CHECK(refused(p, 0, "not a bundle: an empty file"));
	CHECK(refused(p, 700, "INDEX.json: damaged bundle"));

	/* Anything after the end-of-archive marker. */
	CHECK((r = malloc(n + 20480)) != NULL);
	memcpy(r, p, n);
	memset(r + n, 0, 20480);
	r[n + 9000] = 1;
	CHECK(refused(r, n + 20480, "data after the end of the archive"));
	r[n + 9000] = 0;
	r[n + 20479] = 'x';
	CHECK(refused(r, n + 20480, "data after the end of the archive"));
	/* A member hidden after one zero block: tar stops at one. */
	memset(r + n, 0, 20480);
	memcpy(r + n - 512, p, 1024);	/* INDEX.json's header and data */
	CHECK(refused(r, n + 20480, "data after the end of the archive"));
	free(r);
	/* More padding than any blocking: 2 MiB of zeros. */
	CHECK((r = calloc(1, n + (2 << 20))) != NULL);
	memcpy(r, p, n);
	CHECK(refused(r, n + (2 << 20), "data after the end of the archive"));
	free(r);

	/* Not tar at all. */
	CHECK(refused(fakes[3].data, fakes[3].len, "not a bundle"));
	free(p);
}

/* Refusals of indexes signed by a trusted key: a compromised exporter. */
static void
test_index(void)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "", "INDEX.json: line" },
		{ "[]", "not an object with exactly" },
		{ "{\"format\":1}", "not an object with exactly" },
		{ "{\"format\":3,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[]}", "format: not 1 to 2" },
		{ "{\"format\":1,\"repo\":\"../x\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[]}", "repo: not a" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\\n\",\"since\":null,\"files\":[]}", "source: not" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1.5,\"source\":"
		    "\"h\",\"since\":null,\"files\":[]}", "created: not" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":0,\"files\":[]}", "since: neither" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":{}}", "files: not an" },
		{ "{\"format\":1,\"repo\":\"cran\",\"repo\":\"x\",\"created\":1,"
		    "\"source\":\"h\",\"since\":null,\"files\":[]}",
		    "duplicate object key" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[],\"x\":1}",
		    "not an object with exactly" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[]} x", "INDEX.json: line" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[{\"name\":\"../x_1.0.tar.gz"
		    "\",\"size\":1,\"sha256\":\"" "0000000000000000000000000000"
		    "000000000000000000000000000000000000\",\"md5\":\"000000000"
		    "00000000000000000000000\",\"package\":\"x\",\"version\":"
		    "\"1.0\"}]}", "files[0]: not a valid package name" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[{\"name\":\"../xx_1.0.tar."
		    "gz\",\"size\":1,\"sha256\":\"" "0000000000000000000000000"
		    "000000000000000000000000000000000000000\",\"md5\":\"00000"
		    "000000000000000000000000000\",\"package\":\"xx\",\"version"
		    "\":\"1.0\"}]}", "files[0]: name is not <package>_<version>"
		},
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[{\"name\":\"xx_1.0.tar.gz"
		    "\",\"size\":1,\"sha256\":\"" "000000000000000000000000000"
		    "000000000000000000000000000000000000A\",\"md5\":\"0000000"
		    "0000000000000000000000000\",\"package\":\"xx\",\"version\":"
		    "\"1.0\"}]}", "xx_1.0.tar.gz: sha256 or md5 not lowercase" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[{\"name\":\"xx_1.0.tar.gz"
		    "\",\"size\":-1,\"sha256\":\"" "00000000000000000000000000"
		    "00000000000000000000000000000000000000\",\"md5\":\"000000"
		    "00000000000000000000000000\",\"package\":\"xx\",\"version\""
		    ":\"1.0\"}]}", "xx_1.0.tar.gz: size not an integer" },
		{ "{\"format\":1,\"repo\":\"cran\",\"created\":1,\"source\":"
		    "\"h\",\"since\":null,\"files\":[{\"name\":\"xx_1.0.tar.gz"
		    "\",\"size\":1,\"sha256\":\"" "00000000000000000000000000"
		    "00000000000000000000000000000000000000\",\"md5\":\"000000"
		    "00000000000000000000000000\",\"package\":\"xx\",\"version\""
		    ":\"1.0\"},{\"name\":\"xx_1.0.tar.gz\",\"size\":1,\"sha256"
		    "\":\"" "0000000000000000000000000000000000000000000000000"
		    "000000000000000\",\"md5\":\"00000000000000000000000000000"
		    "000\",\"package\":\"xx\",\"version\":\"1.0\"}]}",
		    "xx_1.0.tar.gz: listed twice" },
	};
	EVP_PKEY *trusted[] = { pa };
	char index[4096], e0[512];
	unsigned char *p;
	const char *names[1];
	const unsigned char *data[1];
	size_t lens[1], n, i;
	struct got g;

	for (i = 0; i < nitems(bad); i++) {
		p = forge(ka, bad[i].json, NULL, NULL, NULL, 0, &n);
		if (!refused(p, n, bad[i].why))
			CHECK(!"bad index accepted");
		free(p);
	}

	/* The same layout as the writer's is accepted, then held to it. */
	entry(e0, sizeof(e0), 0);
	snprintf(index, sizeof(index), "{\"format\":1,\"repo\":\"cran\","
	    "\"created\":1700000000,\"source\":\"forge\",\"since\":7,"
	    "\"files\":[%s]}", e0);
	names[0] = fakes[0].name;
	data[0] = fakes[0].data;
	lens[0] = fakes[0].len;
	p = forge(ka, index, names, data, lens, 1, &n);
	CHECK(read_bytes(p, n, trusted, 1, BIG, &g) == 0);
	CHECK(g.ix.created == 1700000000 && g.ix.since == 7 && g.nfiles == 1);
	got_free(&g);
	free(p);
	/* A member of another size than the index gives. */
	lens[0] = 0;
	p = forge(ka, index, names, data, lens, 1, &n);
	CHECK(refused(p, n, "files/abc_1.0.tar.gz: 0 bytes in the bundle, 1 "
	    "in the index"));
	free(p);
}

static void
test_writer(void)
{
	struct bundle_writer *w;
	EVP_PKEY *ec;
	int out = memfd(), fds[2];

	CHECK((w = bundle_write_open(out, err, sizeof(err))) != NULL);
	CHECK(bundle_write_file(w, "../abc_1.0.tar.gz", fakes[0].fd, "abc",
	    "1.0", err, sizeof(err)) == -1);
	CHECK(bundle_write_file(w, "x/abc_1.0.tar.gz", fakes[0].fd, "abc",
	    "1.0", err, sizeof(err)) == -1);
	CHECK(bundle_write_file(w, "abc_1.0.zip", fakes[0].fd, "abc", "1.0",
	    err, sizeof(err)) == -1);
	CHECK(bundle_write_file(w, "abc_1.0.tar.gz", fakes[0].fd, "abd",
	    "1.0", err, sizeof(err)) == -1);
	CHECK(strstr(err, "not <package>_<version>.tar.gz") != NULL);
	CHECK(bundle_write_file(w, "abc_1.tar.gz", fakes[0].fd, "abc", "1",
	    err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a valid package version") != NULL);
	CHECK(pipe(fds) == 0);
	CHECK(bundle_write_file(w, "abc_1.0.tar.gz", fds[0], "abc", "1.0",
	    err, sizeof(err)) == -1);
	close(fds[0]);
	close(fds[1]);
	CHECK(bundle_write_file(w, "abc_1.0.tar.gz", fakes[0].fd, "abc",
	    "1.0", err, sizeof(err)) == 0);
	CHECK(bundle_write_file(w, "abc_1.0.tar.gz", fakes[0].fd, "abc",
	    "1.0", err, sizeof(err)) == 0);
	CHECK(bundle_write_close(w, ka, "cran", "h", 0, err, sizeof(err)) ==
	    -1);
	CHECK(strstr(err, "abc_1.0.tar.gz: added twice") != NULL);

	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_close(w, ka, "../cran", "h", 0, err, sizeof(err))
	    == -1);
	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_close(w, ka, "cran", "a\nb", 0, err, sizeof(err))
	    == -1);
	/* A public key cannot sign, nor an EC key. */
	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_close(w, pa, "cran", "h", 0, err, sizeof(err)) ==
	    -1);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_close(w, ec, "cran", "h", 0, err, sizeof(err)) ==
	    -1);
	EVP_PKEY_free(ec);
	bundle_write_free(bundle_write_open(out, err, sizeof(err)));
	bundle_write_free(NULL);
	close(out);
}

/* A file that changes between hashing and writing is refused. */
static void
test_changed(void)
{
	struct bundle_writer *w;
	unsigned char c, *p;
	size_t n;
	int out = memfd(), fd;

	fd = bytes_fd(fakes[2].data, fakes[2].len);
	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_file(w, fakes[2].name, fd, fakes[2].package,
	    fakes[2].version, err, sizeof(err)) == 0);
	c = fakes[2].data[500] ^ 1;
	CHECK(pwrite(fd, &c, 1, 500) == 1);
	CHECK(bundle_write_close(w, ka, "cran", "h", 0, err, sizeof(err)) ==
	    -1);
	CHECK(strstr(err, "data.table_1.15-4.tar.gz: changed while the "
	    "bundle was written: SHA-256") != NULL);
	close(fd);
	/* What was written is no bundle, should it be carried anyway. */
	p = fd_bytes(out, &n);
	CHECK(refused(p, n, "files/data.table_1.15-4.tar.gz: "));
	free(p);
	CHECK(ftruncate(out, 0) == 0 && lseek(out, 0, SEEK_SET) == 0);

	fd = bytes_fd(fakes[2].data, fakes[2].len);
	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_file(w, fakes[2].name, fd, fakes[2].package,
	    fakes[2].version, err, sizeof(err)) == 0);
	CHECK(pwrite(fd, "x", 1, (off_t)fakes[2].len) == 1);
	CHECK(bundle_write_close(w, ka, "cran", "h", 0, err, sizeof(err)) ==
	    -1);
	CHECK(strstr(err, "now more") != NULL);
	close(fd);

	fd = bytes_fd(fakes[2].data, fakes[2].len);
	w = bundle_write_open(out, err, sizeof(err));
	CHECK(bundle_write_file(w, fakes[2].name, fd, fakes[2].package,
	    fakes[2].version, err, sizeof(err)) == 0);
	CHECK(ftruncate(fd, 1000) == 0);
	CHECK(bundle_write_close(w, ka, "cran", "h", 0, err, sizeof(err)) ==
	    -1);
	CHECK(strstr(err, "now fewer") != NULL);
	close(fd);
	close(out);
}

static void
save(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(p, 1, n, f) != n ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/*
 * The seeds: a bundle whose index is the one fuzz_bundle.c knows (fixed
 * content, fixed time), the same unsigned, and indexes for its other way
 * in.  Files are fixed bytes, so the digests it holds match.
 */
static void
write_corpus(const char *dir)
{
	static const char *const names[] = { "aa_1.0.tar.gz",
	    "bb_2.0-1.tar.gz" };
	unsigned char a[100], b[600];
	const unsigned char *data[] = { a, b };
	size_t lens[] = { sizeof(a), sizeof(b) }, n, i;
	char sha[2][65], md5[2][33], index[2048];
	struct mem m[MAXMEM];
	unsigned char *p, *q;
	EVP_PKEY *fk;
	size_t nm, len;

	fk = load_key_text(FUZZ_KEY, "fuzz.key");
	for (i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)i;
	for (i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 7 + 3);
	digests(a, sizeof(a), sha[0], md5[0]);
	digests(b, sizeof(b), sha[1], md5[1]);
	printf("# seed digests: %s %s\n", sha[0], sha[1]);
	snprintf(index, sizeof(index), "{\"format\":1,\"repo\":\"fuzz\","
	    "\"created\":1700000000,\"source\":\"fuzz-seed\",\"since\":null,"
	    "\"files\":[{\"name\":\"%s\",\"size\":%zu,\"sha256\":\"%s\","
	    "\"md5\":\"%s\",\"package\":\"aa\",\"version\":\"1.0\"},"
	    "{\"name\":\"%s\",\"size\":%zu,\"sha256\":\"%s\",\"md5\":\"%s\","
	    "\"package\":\"bb\",\"version\":\"2.0-1\"}]}", names[0],
	    lens[0], sha[0], md5[0], names[1], lens[1], sha[1], md5[1]);
	p = forge(fk, index, names, data, lens, 2, &n);
	save(dir, "valid.bundle", p, n);
	nm = unpack(p, n, m);
	drop_sig(m, &nm);
	q = pack(m, nm, &len);
	save(dir, "unsigned.bundle", q, len);
	mem_free(m, nm);
	free(q);
	free(p);
	save(dir, "index_files.json", index, strlen(index));
	snprintf(index, sizeof(index), "{\"format\":1,\"repo\":\"fuzz\","
	    "\"created\":1700000000,\"source\":\"fuzz-seed\",\"since\":3,"
	    "\"files\":[]}");
	save(dir, "index_empty.json", index, strlen(index));
	EVP_PKEY_free(fk);
}

int
main(int argc, char **argv)
{
	char *corpus = NULL;
	int c;

	while ((c = getopt(argc, argv, "w:")) != -1) {
		if (c != 'w') {
			fprintf(stderr, "usage: test_bundle [-w DIR]\n");
			return 2;
		}
		corpus = optarg;
	}
	verbose = getenv("TEST_VERBOSE") != NULL;
	setup();
	ka = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	kb = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	kc = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (ka == NULL || kb == NULL || kc == NULL ||
	    (pa = public_of(ka)) == NULL || (pb = public_of(kb)) == NULL ||
	    (pc = public_of(kc)) == NULL || bundle_key_id(pa, ida) != 0) {
		fprintf(stderr, "cannot make keys\n");
		return 1;
	}
	if (corpus != NULL)
		write_corpus(corpus);

	RUN(test_keygen);
	RUN(test_roundtrip);
	RUN(test_binaries);
	RUN(test_pipe);
	RUN(test_callbacks);
	RUN(test_signature);
	RUN(test_members);
	RUN(test_data);
	RUN(test_index);
	RUN(test_writer);
	RUN(test_changed);

	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kc);
	EVP_PKEY_free(pa);
	EVP_PKEY_free(pb);
	EVP_PKEY_free(pc);
	for (c = 0; c < NFAKE; c++) {
		free(fakes[c].data);
		close(fakes[c].fd);
	}
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	TEST_EXIT();
}
