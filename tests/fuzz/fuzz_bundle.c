/*
 * fuzz_bundle: bundle_read on any bytes, handed over as the importer gets
 * them (a file descriptor, here a memfd), trusting one fixed key.  Two
 * ways in:
 *
 *  - Input not starting with '{' is the bundle.  Ed25519 cannot be forged
 *    by mutation, so the only index that can verify is the seed's
 *    (corpus/fuzz_bundle/valid.bundle, from "test_bundle -w DIR", whose
 *    content SEED below repeats).  The callbacks abort on any other: that
 *    is what a verification that let something through would produce.
 *  - Input starting with '{' is an INDEX.json, signed here with the key
 *    and wrapped in a bundle without files, so that the parser of signed
 *    indexes meets arbitrary input too, as from a compromised exporter.
 *    Whatever it accepts must keep the index's promises; on_file has no
 *    member to be called for.
 *
 * Whatever is refused must say why.
 */
#include "config.h"

#include <sys/mman.h>

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
#include "pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * What an accepted entry's name must be: the package's source tarball, or
 * a binary tree (as the store names it) and the binary's file in it.
 */
static int
name_ok(const struct bundle_file *f)
{
	const char *base = strrchr(f->name, '/');
	char tree[PKG_TREE_MAX];
	struct pkg_type t;

	if (base == NULL)
		return pkg_file_matches(f->name, f->package, f->version);
	if ((size_t)(base - f->name) >= sizeof(tree))
		return 0;
	memcpy(tree, f->name, (size_t)(base - f->name));
	tree[base - f->name] = '\0';
	return pkg_type_from_tree(tree, &t) == 0 && t.kind != PKG_SOURCE &&
	    strcmp(t.tree, tree) == 0 &&
	    pkg_type_file_matches(&t, base + 1, f->package, f->version);
}

/* Test only, as in test_bundle.c. */
static const char FUZZ_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJiOEDjPodwk6pofXsQcXKXZY3DJQ0SVFCfmgpA99eGS\n"
    "-----END PRIVATE KEY-----\n";
static const char FUZZ_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAIFEAm1qC3Zk2Y4CVMc/R8YUYAPcj7isOWBSkR+RV2GI=\n"
    "-----END PUBLIC KEY-----\n";
#define FUZZ_KEY_ID	"425cc31c3e083b3e"

#define MAX_FILE	(1 << 20)

/* The one index signed for the fuzzer to replay. */
static const struct {
	const char *name, *package, *version, *sha256;
	long long size;
} SEED[] = {
	{ "aa_1.0.tar.gz", "aa", "1.0", "bce0aff19cf5aa6a7469a30d61d04e43"
	    "76e4bbf6381052ee9e7f33925c954d52", 100 },
	{ "bb_2.0-1.tar.gz", "bb", "2.0-1", "1783f1f6842889ff855d25b6d45d33"
	    "dd7401ffa94eb93704f6a374c264cde486", 600 },
};
#define NSEED (sizeof(SEED) / sizeof(SEED[0]))

static EVP_PKEY *priv, *pub;
static int signed_here;		/* the second way in */
static size_t indexes, files;

static int
lowhex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static int
on_index(void *arg, struct bundle_reader *r, const struct bundle_index *ix)
{
	const struct bundle_file *f;
	size_t i, j;

	(void)arg;
	(void)r;
	indexes++;
	if (strcmp(ix->key_id, FUZZ_KEY_ID) != 0 ||
	    ix->nfiles > BUNDLE_FILES_MAX || ix->repo[0] == '\0' ||
	    ix->source[0] == '\0' || ix->created < 0 || ix->since < 0)
		abort();
	for (i = 0; i < ix->nfiles; i++) {
		f = &ix->files[i];
		if (!pkg_name_valid(f->package) ||
		    !pkg_version_valid(f->version) ||
		    !name_ok(f) || f->size < 0 || f->size > MAX_FILE ||
		    !lowhex(f->sha256, 64) || !lowhex(f->md5, 32))
			abort();
		for (j = 0; j < i && j < 64; j++)
			if (strcmp(ix->files[j].name, f->name) == 0)
				abort();
	}
	if (signed_here)
		return 0;
	/* Not signed here: only the seed's index can have verified. */
	if (strcmp(ix->repo, "fuzz") != 0 ||
	    strcmp(ix->source, "fuzz-seed") != 0 ||
	    ix->created != 1700000000 || ix->since != 0 ||
	    ix->nfiles != NSEED)
		abort();
	for (i = 0; i < NSEED; i++)
		if (strcmp(ix->files[i].name, SEED[i].name) != 0 ||
		    strcmp(ix->files[i].package, SEED[i].package) != 0 ||
		    strcmp(ix->files[i].version, SEED[i].version) != 0 ||
		    strcmp(ix->files[i].sha256, SEED[i].sha256) != 0 ||
		    ix->files[i].size != SEED[i].size)
			abort();
	return 0;
}

static int
on_file(void *arg, struct bundle_reader *r, const struct bundle_file *f)
{
	unsigned char buf[333];
	long long got = 0;
	ssize_t n;

	(void)arg;
	if (signed_here || indexes != 1 || files >= NSEED ||
	    strcmp(f->name, SEED[files].name) != 0)
		abort();
	files++;
	/* Half of it: bundle_read reads and checks the rest. */
	while (got < f->size / 2 && (n = bundle_read_data(r, buf,
	    sizeof(buf))) > 0)
		got += n;
	return 0;
}

static void
keys(void)
{
	char err[256];
	BIO *bio;

	if ((bio = BIO_new_mem_buf(FUZZ_KEY, -1)) == NULL ||
	    (priv = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    (pub = bundle_load_public_pem(FUZZ_PUB, strlen(FUZZ_PUB), err,
	    sizeof(err))) == NULL)
		abort();
	BIO_free(bio);
}

/* index, signed, as a bundle without files into fd. */
static void
wrap(int fd, const uint8_t *index, size_t len)
{
	unsigned char sig[64];
	char line[200];
	size_t siglen = sizeof(sig), i, o;
	struct archive_entry *e;
	struct archive *a;
	EVP_MD_CTX *ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, priv) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, index, len) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	o = (size_t)snprintf(line, sizeof(line), "ed25519 %s ", FUZZ_KEY_ID);
	for (i = 0; i < siglen; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%02x",
		    sig[i]);
	line[o++] = '\n';

	if ((a = archive_write_new()) == NULL ||
	    (e = archive_entry_new()) == NULL ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		abort();
	archive_entry_set_pathname(e, "airlock-bundle/INDEX.json");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, index, len) != (la_ssize_t)len)
		abort();
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "airlock-bundle/INDEX.sig");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (int64_t)o);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, line, o) != (la_ssize_t)o ||
	    archive_write_close(a) != ARCHIVE_OK)
		abort();
	archive_entry_free(e);
	archive_write_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char err[512];
	int rc;

	if (fd == -1) {
		if ((fd = memfd_create("fuzz_bundle", MFD_CLOEXEC)) == -1)
			abort();
		keys();
	}
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	signed_here = size > 0 && data[0] == '{';
	if (signed_here)
		wrap(fd, data, size);
	else if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();

	indexes = files = 0;
	memset(err, 'x', sizeof(err));
	rc = bundle_read(fd, &pub, 1, MAX_FILE, on_index, on_file, NULL, err,
	    sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (rc != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (err[0] != '\0' || indexes != 1 ||
	    files != (signed_here ? 0 : NSEED))
		abort();
	return 0;
}
