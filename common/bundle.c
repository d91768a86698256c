/*
 * bundle: signed offline bundles of packages; bundle.h gives the format.
 *
 * The reader takes the bundle from whoever carried it, so it trusts
 * nothing before the signature: it accepts exactly INDEX.json then
 * INDEX.sig, both bounded, and verifies before parsing any JSON.  After
 * that the signed index drives everything: each member must be the next
 * file it lists, a regular file of the size it gives, and is hashed as
 * it streams to the caller.  Names are compared byte for byte with the
 * one expected, never interpreted, so no path trick can name anything
 * else; a member the index does not list is an error, not something to
 * skip.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bundle.h"
#include "pkg.h"
#include "util.h"

#define INDEX_NAME	"airlock-bundle/INDEX.json"
#define SIG_NAME	"airlock-bundle/INDEX.sig"
#define FILES_PREFIX	"airlock-bundle/files/"

/* "ed25519 <key id> <signature>\n" */
#define SIG_TAG		"ed25519 "
#define SIG_RAW		64
#define SIG_LEN		(sizeof(SIG_TAG) - 1 + BUNDLE_KEY_ID_LEN + 1 + \
			    2 * SIG_RAW + 1)

#define ED25519_RAW	32
#define KEY_FILE_MAX	(64 << 10)	/* a PEM Ed25519 key is ~120 bytes */
#define CHUNK		(64 << 10)
/* Zeros allowed after the end-of-archive marker: tar's block padding. */
#define TAIL_MAX	(1 << 20)

/* Entries of the index and of each file in it, all required. */
#define INDEX_KEYS	6
#define FILE_KEYS	6

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* Whether s[0..n) is lowercase hex: one spelling per digest. */
static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* s: 2n lowercase hex digits (is_hex). */
static void
unhex(const char *s, size_t n, unsigned char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char)(hexval(s[2 * i]) << 4 |
		    hexval(s[2 * i + 1]));
}

/* A label for logs and messages: printable ASCII, so it echoes safely. */
static int
source_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * Whether a file entry is consistent: the name is what R's repositories
 * call the package's source tarball, or (binaries, format 2) a binary
 * tree and the file name of the package's binary in it, which also keeps
 * it free of "..", of '/' but the tree's, and of anything a shell or log
 * would misread.
 */
static const char *
file_invalid(const char *name, const char *package, const char *version,
    int binaries)
{
	const char *base = strrchr(name, '/');
	char tree[PKG_TREE_MAX];
	struct pkg_type t;

	if (!pkg_name_valid(package))
		return "not a valid package name";
	if (!pkg_version_valid(version))
		return "not a valid package version";
	if (strlen(name) >= sizeof(((struct bundle_file *)0)->name))
		return "name too long";
	if (base == NULL) {
		if (!pkg_file_matches(name, package, version))
			return "name is not <package>_<version>.tar.gz";
		return NULL;
	}
	if (!binaries)		/* format 1 has sources only */
		return "name is not <package>_<version>.tar.gz";
	if ((size_t)(base - name) >= sizeof(tree))
		return "not a binary tree of a repository";
	memcpy(tree, name, (size_t)(base - name));
	tree[base - name] = '\0';
	if (pkg_type_from_tree(tree, &t) != 0 || t.kind == PKG_SOURCE ||
	    strcmp(t.tree, tree) != 0)
		return "not a binary tree of a repository";
	if (!pkg_type_file_matches(&t, base + 1, package, version))
		return "name is not TREE/<package>_<version> with the tree's "
		    "extension";
	return NULL;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Keys are never encrypted: refuse rather than prompt on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
bundle_key_id(EVP_PKEY *k, char out[BUNDLE_KEY_ID_LEN + 1])
{
	unsigned char raw[ED25519_RAW], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t len = sizeof(raw);

	out[0] = '\0';
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519 ||
	    !EVP_PKEY_get_raw_public_key(k, raw, &len) ||
	    len != ED25519_RAW ||
	    !EVP_Digest(raw, len, md, &mdlen, EVP_sha256(), NULL))
		return -1;
	hex(md, BUNDLE_KEY_ID_LEN / 2, out);
	return 0;
}

/* Creates path for writing, failing if anything is there, even a link. */
static int
create_excl(const char *path, mode_t mode, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1)
		errf(err, errlen, "%s: %s", path, errno == EEXIST ?
		    "already exists; not overwriting a key" : strerror(errno));
	return fd;
}

/* bio's bytes into fd, flushed to disk. */
static int
write_bio(int fd, BIO *bio, const char *path, char *err, size_t errlen)
{
	char *p;
	long n;

	if ((n = BIO_get_mem_data(bio, &p)) <= 0) {
		errf(err, errlen, "%s: cannot encode the key", path);
		return -1;
	}
	if (write_all(fd, p, (size_t)n) != 0 || fsync(fd) != 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
bundle_keygen(const char *priv_path, const char *pub_path, char *err,
    size_t errlen)
{
	EVP_PKEY *k = NULL;
	BIO *priv = NULL, *pub = NULL;
	int pfd, qfd = -1, ret = -1;

	/* Both files claimed first, so that neither is overwritten. */
	if ((pfd = create_excl(priv_path, 0600, err, errlen)) == -1)
		return -1;
	if ((qfd = create_excl(pub_path, 0644, err, errlen)) == -1)
		goto out;
	/* The secure heap's BIO wipes the PEM as it grows and when freed. */
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    (priv = BIO_new(BIO_s_secmem())) == NULL ||
	    (pub = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(priv, k, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_PUBKEY(pub, k)) {
		errf(err, errlen, "cannot generate an Ed25519 key");
		goto out;
	}
	if (write_bio(pfd, priv, priv_path, err, errlen) != 0 ||
	    write_bio(qfd, pub, pub_path, err, errlen) != 0)
		goto out;
	ret = 0;
 out:
	if (close(pfd) != 0 && ret == 0) {
		errf(err, errlen, "%s: %s", priv_path, strerror(errno));
		ret = -1;
	}
	if (qfd != -1 && close(qfd) != 0 && ret == 0) {
		errf(err, errlen, "%s: %s", pub_path, strerror(errno));
		ret = -1;
	}
	/* Only what was created here: qfd is -1 when pub_path existed. */
	if (ret != 0) {
		unlink(priv_path);
		if (qfd != -1)
			unlink(pub_path);
	}
	BIO_free(priv);
	BIO_free(pub);
	EVP_PKEY_free(k);
	return ret;
}

EVP_PKEY *
bundle_load_private(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	struct stat st;
	BIO *bio = NULL;
	char *pem = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		errf(err, errlen, "%s: private key accessible by group or "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)st.st_mode & 07777);
		goto out;
	}
	if ((pem = OPENSSL_secure_malloc(KEY_FILE_MAX)) == NULL) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		n = read(fd, pem + len, KEY_FILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((len += (size_t)n) == KEY_FILE_MAX) {
			errf(err, errlen, "%s: too large for a key", path);
			goto out;
		}
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	if ((k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) ==
	    NULL) {
		errf(err, errlen, "%s: no PEM private key in it (encrypted "
		    "keys are not supported)", path);
		goto out;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		errf(err, errlen, "%s: not an Ed25519 key", path);
		EVP_PKEY_free(k);
		k = NULL;
	}
 out:
	BIO_free(bio);
	OPENSSL_secure_clear_free(pem, KEY_FILE_MAX);
	close(fd);
	return k;
}

EVP_PKEY *
bundle_load_public_pem(const char *pem, size_t len, char *err,
    size_t errlen)
{
	EVP_PKEY *k;
	BIO *bio;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		errf(err, errlen, "public key: out of memory");
		return NULL;
	}
	k = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (k == NULL) {
		errf(err, errlen, "public key: no PEM public key");
		return NULL;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		errf(err, errlen, "public key: not an Ed25519 key");
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/*
 * The writer.
 */

struct wfile {
	struct bundle_file f;
	int fd;
};

struct bundle_writer {
	int out;
	struct wfile *v;
	size_t n, cap;
	EVP_MD_CTX *sha, *md5;
	unsigned char buf[CHUNK];
};

struct bundle_writer *
bundle_write_open(int out_fd, char *err, size_t errlen)
{
	struct bundle_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->sha = EVP_MD_CTX_new()) == NULL ||
	    (w->md5 = EVP_MD_CTX_new()) == NULL) {
		errf(err, errlen, "out of memory");
		bundle_write_free(w);
		return NULL;
	}
	w->out = out_fd;
	return w;
}

void
bundle_write_free(struct bundle_writer *w)
{
	if (w == NULL)
		return;
	EVP_MD_CTX_free(w->sha);
	EVP_MD_CTX_free(w->md5);
	free(w->v);
	free(w);
}

/*
 * Reads f's fd from offset 0 through the digests (md5 when not NULL),
 * and on into a when not NULL, which has room for exactly f->size bytes.
 * *len: how many bytes the fd held, up to f->size + 1 when a is set.
 */
static int
pass(struct bundle_writer *w, const struct wfile *wf, struct archive *a,
    EVP_MD_CTX *md5, long long *len, char *err, size_t errlen)
{
	long long off = 0;
	size_t want;
	ssize_t n;

	if (!EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL) ||
	    (md5 != NULL && !EVP_DigestInit_ex(md5, EVP_md5(), NULL))) {
		errf(err, errlen, "%s: cannot hash", wf->f.name);
		return -1;
	}
	for (;;) {
		want = sizeof(w->buf);
		if (a != NULL && (unsigned long long)(wf->f.size - off) <
		    want)
			want = (size_t)(wf->f.size - off) + 1;
		if ((n = pread(wf->fd, w->buf, want, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			errf(err, errlen, "%s: %s", wf->f.name,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		if (a != NULL && off + n > wf->f.size) {
			off += n;	/* grew: the caller says so */
			break;
		}
		if (!EVP_DigestUpdate(w->sha, w->buf, (size_t)n) ||
		    (md5 != NULL && !EVP_DigestUpdate(md5, w->buf,
		    (size_t)n))) {
			errf(err, errlen, "%s: cannot hash", wf->f.name);
			return -1;
		}
		if (a != NULL && archive_write_data(a, w->buf, (size_t)n) !=
		    n) {
			errf(err, errlen, "writing the bundle: %s",
			    archive_error_string(a));
			return -1;
		}
		if ((off += n) > (long long)INT64_MAX - CHUNK) {
			errf(err, errlen, "%s: too large", wf->f.name);
			return -1;
		}
	}
	*len = off;
	return 0;
}

static int
digest_hex(EVP_MD_CTX *ctx, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;

	if (!EVP_DigestFinal_ex(ctx, md, &n) || n * 2 + 1 != outlen)
		return -1;
	hex(md, n, out);
	return 0;
}

int
bundle_write_file(struct bundle_writer *w, const char *name, int fd,
    const char *package, const char *version, char *err, size_t errlen)
{
	struct wfile *wf, *nv;
	const char *why;
	char vis[80];
	size_t ncap;

	if ((why = file_invalid(name, package, version, 1)) != NULL) {
		errf(err, errlen, "%s: %s", str_vis(vis, sizeof(vis), name),
		    why);
		return -1;
	}
	if (w->n == BUNDLE_FILES_MAX) {
		errf(err, errlen, "%s: a bundle holds at most %d files", name,
		    BUNDLE_FILES_MAX);
		return -1;
	}
	if (w->n == w->cap) {
		ncap = w->cap ? w->cap * 2 : 64;
		if ((nv = reallocarray(w->v, ncap, sizeof(*nv))) == NULL) {
			errf(err, errlen, "out of memory");
			return -1;
		}
		w->v = nv;
		w->cap = ncap;
	}
	wf = &w->v[w->n];
	memset(wf, 0, sizeof(*wf));
	/* file_invalid bounded all three by the fields' sizes. */
	snprintf(wf->f.name, sizeof(wf->f.name), "%s", name);
	snprintf(wf->f.package, sizeof(wf->f.package), "%s", package);
	snprintf(wf->f.version, sizeof(wf->f.version), "%s", version);
	wf->fd = fd;
	if (pass(w, wf, NULL, w->md5, &wf->f.size, err, errlen) != 0)
		return -1;
	if (digest_hex(w->sha, wf->f.sha256, sizeof(wf->f.sha256)) != 0 ||
	    digest_hex(w->md5, wf->f.md5, sizeof(wf->f.md5)) != 0) {
		errf(err, errlen, "%s: cannot hash", name);
		return -1;
	}
	w->n++;
	return 0;
}

static int
wfile_cmp(const void *a, const void *b)
{
	const struct wfile *const *x = a, *const *y = b;

	return strcmp((*x)->f.name, (*y)->f.name);
}

/* Each name once: an importer would refuse the bundle otherwise. */
static int
check_unique(const struct bundle_writer *w, char *err, size_t errlen)
{
	const struct wfile **s;
	size_t i;
	int ret = 0;

	if (w->n < 2)
		return 0;
	if ((s = calloc(w->n, sizeof(*s))) == NULL) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < w->n; i++)
		s[i] = &w->v[i];
	qsort(s, w->n, sizeof(*s), wfile_cmp);
	for (i = 1; i < w->n; i++)
		if (strcmp(s[i - 1]->f.name, s[i]->f.name) == 0) {
			errf(err, errlen, "%s: added twice", s[i]->f.name);
			ret = -1;
			break;
		}
	free(s);
	return ret;
}

static char *
index_json(const struct bundle_writer *w, const char *repo,
    const char *source, long long created, long long since)
{
	const struct bundle_file *f;
	json_t *o, *files, *e;
	char *s = NULL;
	size_t i;
	int bad, binaries = 0;

	/* Format 1 when it can be: an older importer takes it. */
	for (i = 0; i < w->n; i++)
		binaries |= strchr(w->v[i].f.name, '/') != NULL;
	if ((o = json_object()) == NULL)
		return NULL;
	bad = (files = json_array()) == NULL ||
	    json_object_set_new(o, "format", json_integer(binaries ?
	    BUNDLE_FORMAT : 1)) ||
	    json_object_set_new(o, "repo", json_string(repo)) ||
	    json_object_set_new(o, "created", json_integer(created)) ||
	    json_object_set_new(o, "source", json_string(source)) ||
	    json_object_set_new(o, "since", since > 0 ?
	    json_integer(since) : json_null()) ||
	    json_object_set_new(o, "files", files);
	for (i = 0; !bad && i < w->n; i++) {
		f = &w->v[i].f;
		bad = (e = json_object()) == NULL ||
		    json_array_append_new(files, e) ||
		    json_object_set_new(e, "name", json_string(f->name)) ||
		    json_object_set_new(e, "size", json_integer(f->size)) ||
		    json_object_set_new(e, "sha256", json_string(f->sha256)) ||
		    json_object_set_new(e, "md5", json_string(f->md5)) ||
		    json_object_set_new(e, "package",
		    json_string(f->package)) ||
		    json_object_set_new(e, "version", json_string(f->version));
	}
	if (!bad)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* The INDEX.sig line for index, NUL-terminated in out[SIG_LEN + 1]. */
static int
sign_index(EVP_PKEY *signer, const char *index, size_t len, char *out,
    char *err, size_t errlen)
{
	unsigned char sig[SIG_RAW];
	char id[BUNDLE_KEY_ID_LEN + 1], sighex[2 * SIG_RAW + 1];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx;
	int ok;

	if (bundle_key_id(signer, id) != 0) {
		errf(err, errlen, "the signing key is not an Ed25519 key");
		return -1;
	}
	/* Ed25519 hashes the message itself: no digest is named. */
	ok = (ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, signer) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)index,
	    len) == 1 && siglen == SIG_RAW;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		errf(err, errlen, "cannot sign the index (is the key a "
		    "private key?)");
		return -1;
	}
	hex(sig, sizeof(sig), sighex);
	snprintf(out, SIG_LEN + 1, "%s%s %s\n", SIG_TAG, id, sighex);
	return 0;
}

static int
put_header(struct archive *a, struct archive_entry *e, const char *path,
    long long size, time_t mtime, char *err, size_t errlen)
{
	archive_entry_clear(e);
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, mtime, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		errf(err, errlen, "writing the bundle: %s: %s", path,
		    archive_error_string(a));
		return -1;
	}
	return 0;
}

static int
put_bytes(struct archive *a, struct archive_entry *e, const char *path,
    const char *p, size_t n, time_t mtime, char *err, size_t errlen)
{
	if (put_header(a, e, path, (long long)n, mtime, err, errlen) != 0)
		return -1;
	if (archive_write_data(a, p, n) != (la_ssize_t)n) {
		errf(err, errlen, "writing the bundle: %s: %s", path,
		    archive_error_string(a));
		return -1;
	}
	return 0;
}

/* Copies a file a second time, refusing it if it changed since hashed. */
static int
put_file(struct bundle_writer *w, struct archive *a, struct archive_entry *e,
    const struct wfile *wf, time_t mtime, char *err, size_t errlen)
{
	char path[sizeof(FILES_PREFIX) + sizeof(wf->f.name)];
	char sha[sizeof(wf->f.sha256)];
	long long len;

	snprintf(path, sizeof(path), "%s%s", FILES_PREFIX, wf->f.name);
	if (put_header(a, e, path, wf->f.size, mtime, err, errlen) != 0 ||
	    pass(w, wf, a, NULL, &len, err, errlen) != 0)
		return -1;
	if (len != wf->f.size) {
		errf(err, errlen, "%s: changed while the bundle was written: "
		    "%lld bytes when hashed, now %s", wf->f.name, wf->f.size,
		    len > wf->f.size ? "more" : "fewer");
		return -1;
	}
	if (digest_hex(w->sha, sha, sizeof(sha)) != 0 ||
	    strcmp(sha, wf->f.sha256) != 0) {
		errf(err, errlen, "%s: changed while the bundle was written: "
		    "SHA-256 differs from when it was hashed", wf->f.name);
		return -1;
	}
	return 0;
}

int
bundle_write_close(struct bundle_writer *w, EVP_PKEY *signer,
    const char *repo, const char *source, long long since, char *err,
    size_t errlen)
{
	struct archive_entry *e = NULL;
	struct archive *a = NULL;
	char sig[SIG_LEN + 1], vis[80];
	char *index = NULL;
	time_t now = time(NULL);
	size_t i, len;
	int ret = -1;

	if (!pkg_repo_name_valid(repo)) {
		errf(err, errlen, "'%s' is not a repository name",
		    str_vis(vis, sizeof(vis), repo));
		goto out;
	}
	if (!source_valid(source)) {
		errf(err, errlen, "source '%s': 1 to 255 characters of "
		    "printable ASCII", str_vis(vis, sizeof(vis), source));
		goto out;
	}
	if (check_unique(w, err, errlen) != 0)
		goto out;
	if ((index = index_json(w, repo, source, (long long)now, since)) ==
	    NULL) {
		errf(err, errlen, "cannot write the index: out of memory");
		goto out;
	}
	if ((len = strlen(index)) > BUNDLE_INDEX_MAX) {
		errf(err, errlen, "the index would be %zu bytes, more than "
		    "%zu: export fewer files", len, BUNDLE_INDEX_MAX);
		goto out;
	}
	if (sign_index(signer, index, len, sig, err, errlen) != 0)
		goto out;

	/*
	 * pax only where ustar cannot say it; no padding after the
	 * end-of-archive marker, which a file on disk does not need.
	 */
	if ((a = archive_write_new()) == NULL ||
	    (e = archive_entry_new()) == NULL ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, w->out) != ARCHIVE_OK) {
		errf(err, errlen, "writing the bundle: %s", a != NULL &&
		    archive_error_string(a) != NULL ? archive_error_string(a) :
		    "out of memory");
		goto out;
	}
	if (put_bytes(a, e, INDEX_NAME, index, len, now, err, errlen) != 0 ||
	    put_bytes(a, e, SIG_NAME, sig, SIG_LEN, now, err, errlen) != 0)
		goto out;
	for (i = 0; i < w->n; i++)
		if (put_file(w, a, e, &w->v[i], now, err, errlen) != 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		errf(err, errlen, "writing the bundle: %s",
		    archive_error_string(a));
		goto out;
	}
	ret = 0;
 out:
	/*
	 * On failure this still ends the archive (archive_write_fail would
	 * leak libarchive's buffers): an importer refuses it all the same,
	 * by the digest of the file at fault, and the caller removes it.
	 */
	if (a != NULL)
		archive_write_free(a);
	archive_entry_free(e);
	free(index);
	bundle_write_free(w);
	return ret;
}

/*
 * The reader.
 */

struct bundle_reader {
	struct archive *a;
	int fd;
	uint64_t nread;		/* bytes read from fd */
	size_t chunk;		/* of them, the last ones, at buf */
	int rerrno;		/* read(2) failed so */
	unsigned long member;	/* headers read, for messages */
	char (*ids)[BUNDLE_KEY_ID_LEN + 1];	/* of the trusted keys */
	struct bundle_index ix;
	struct bundle_file *files;
	const struct bundle_file **byname;
	const struct bundle_file *cur;	/* on_file's, NULL outside it */
	long long got;		/* bytes of cur hashed */
	int damaged;		/* bundle_read_data failed */
	int format;		/* INDEX.json's: 2 may hold binaries */
	EVP_MD_CTX *sha, *md5;
	char cberr[256];	/* what a callback said */
	char *err;
	size_t errlen;
	unsigned char buf[CHUNK];	/* libarchive reads from here */
	unsigned char scratch[CHUNK];	/* what on_file left, the tail */
};

static void fail(struct bundle_reader *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* The first failure wins: later ones are usually its consequences. */
static void
fail(struct bundle_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->errlen == 0 || r->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
}

void
bundle_read_error(struct bundle_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->cberr[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->cberr, sizeof(r->cberr), fmt, ap);
	va_end(ap);
}

/*
 * Fills buf whole but at the end of fd, so tar's 512-byte blocks never
 * straddle two reads and the end of the archive lies in the last one
 * (tail).  At the end, buf keeps the last bytes read.
 */
static la_ssize_t
rd_read(struct archive *a, void *arg, const void **buf)
{
	struct bundle_reader *r = arg;
	size_t have = 0;
	ssize_t n;

	while (have < sizeof(r->buf)) {
		n = read(r->fd, r->buf + have, sizeof(r->buf) - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r->rerrno = errno;
			archive_set_error(a, errno, "read error");
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have > 0) {
		r->nread += have;
		r->chunk = have;
	}
	*buf = r->buf;
	return (la_ssize_t)have;
}

/* Why libarchive failed, preferring what rd_read knows. */
static void
archive_fail(struct bundle_reader *r, const char *where)
{
	const char *msg;

	if (r->rerrno != 0)
		fail(r, "%s: read: %s", where, strerror(r->rerrno));
	else {
		if ((msg = archive_error_string(r->a)) == NULL)
			msg = "truncated or damaged";
		fail(r, "%s: damaged bundle: %s", where, msg);
	}
}

static int
name_cmp(const void *a, const void *b)
{
	const struct bundle_file *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The index entry a member name stands for, or NULL. */
static const struct bundle_file *
lookup(const struct bundle_reader *r, const char *path)
{
	struct bundle_file kf;
	const struct bundle_file *key = &kf, **p;
	size_t n = sizeof(FILES_PREFIX) - 1;

	if (r->byname == NULL || strncmp(path, FILES_PREFIX, n) != 0 ||
	    strlen(path + n) >= sizeof(kf.name))
		return NULL;
	memcpy(kf.name, path + n, strlen(path + n) + 1);
	p = bsearch(&key, r->byname, r->ix.nfiles, sizeof(*r->byname),
	    name_cmp);
	return p != NULL ? *p : NULL;
}

/*
 * Reads the next header, which must be a regular file named want (an
 * INDEX_NAME, SIG_NAME or index position), and says why not.  Returns 1
 * when it is, 0 at the end of the archive, -1 with the error set.
 */
static int
next(struct bundle_reader *r, struct archive_entry **e, const char *want,
    size_t wanti)
{
	const struct bundle_file *f;
	const char *path;
	char where[200], vis[128];
	int rc, type;

	rc = archive_read_next_header(r->a, e);
	if (rc == ARCHIVE_EOF)
		return 0;
	r->member++;
	/* Warnings too: they can mean a header half read or ignored. */
	if (rc != ARCHIVE_OK) {
		snprintf(where, sizeof(where), "member %lu", r->member);
		archive_fail(r, where);
		return -1;
	}
	if ((path = archive_entry_pathname(*e)) == NULL)
		path = "";
	snprintf(where, sizeof(where), "member %lu (%s)", r->member,
	    str_vis(vis, sizeof(vis), path));
	if (want == NULL || strcmp(path, want) != 0) {
		if (want != NULL && strcmp(want, INDEX_NAME) == 0)
			fail(r, "%s: not a bundle: it must start with %s",
			    where, INDEX_NAME);
		else if (want != NULL && strcmp(want, SIG_NAME) == 0)
			fail(r, "%s: unsigned bundle: %s must follow %s",
			    where, SIG_NAME, INDEX_NAME);
		else if ((f = lookup(r, path)) == NULL)
			fail(r, "%s: not in the index", where);
		else if ((size_t)(f - r->files) < wanti)
			fail(r, "%s: appears twice", where);
		else
			fail(r, "%s: out of order: the index has %s%s here",
			    where, FILES_PREFIX, r->files[wanti].name);
		return -1;
	}
	/* A link or a device would hand on_file something else's bytes. */
	type = archive_entry_filetype(*e);
	if (archive_entry_hardlink(*e) != NULL)
		fail(r, "%s: a hard link, not a regular file", where);
	else if (type == AE_IFLNK)
		fail(r, "%s: a symbolic link, not a regular file", where);
	else if (type == AE_IFDIR)
		fail(r, "%s: a directory, not a regular file", where);
	else if (type != AE_IFREG)
		fail(r, "%s: a device, fifo or socket, not a regular file",
		    where);
	else if (archive_entry_sparse_count(*e) > 0)
		fail(r, "%s: a sparse file", where);
	else if (!archive_entry_size_is_set(*e) || archive_entry_size(*e) < 0)
		fail(r, "%s: no size", where);
	else
		return 1;
	return -1;
}

/* A whole member of size bytes into p. */
static int
read_all(struct bundle_reader *r, const char *where, void *p, size_t size)
{
	size_t len = 0;
	la_ssize_t n;

	while (len < size) {
		if ((n = archive_read_data(r->a, (char *)p + len,
		    size - len)) < 0) {
			archive_fail(r, where);
			return -1;
		}
		if (n == 0) {
			fail(r, "%s: truncated", where);
			return -1;
		}
		len += (size_t)n;
	}
	return 0;
}

/* Whether INDEX.sig is a signature over index by a trusted key. */
static int
verify(struct bundle_reader *r, EVP_PKEY *const *trusted, size_t ntrusted,
    const char *index, size_t len, const char *sig)
{
	unsigned char raw[SIG_RAW];
	const char *id = sig + sizeof(SIG_TAG) - 1;
	const char *hexsig = id + BUNDLE_KEY_ID_LEN + 1;
	EVP_MD_CTX *ctx;
	size_t i;
	int known = 0, ok;

	if (memcmp(sig, SIG_TAG, sizeof(SIG_TAG) - 1) != 0 ||
	    !is_hex(id, BUNDLE_KEY_ID_LEN) || id[BUNDLE_KEY_ID_LEN] != ' ' ||
	    !is_hex(hexsig, 2 * SIG_RAW) || hexsig[2 * SIG_RAW] != '\n') {
		fail(r, "INDEX.sig: not \"ed25519 <key id> <signature>\"");
		return -1;
	}
	unhex(hexsig, SIG_RAW, raw);
	/* Ids are a hint: every key that has the id is tried. */
	for (i = 0; i < ntrusted; i++) {
		if (memcmp(r->ids[i], id, BUNDLE_KEY_ID_LEN) != 0)
			continue;
		known = 1;
		ok = (ctx = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL,
		    trusted[i]) == 1 &&
		    EVP_DigestVerify(ctx, raw, sizeof(raw),
		    (const unsigned char *)index, len) == 1;
		EVP_MD_CTX_free(ctx);
		if (ok) {
			memcpy(r->ix.key_id, r->ids[i], sizeof(r->ix.key_id));
			return 0;
		}
	}
	if (known)
		fail(r, "INDEX.sig: the signature by key %.*s does not match "
		    "INDEX.json", BUNDLE_KEY_ID_LEN, id);
	else
		fail(r, "INDEX.sig: signed by an unknown key %.*s",
		    BUNDLE_KEY_ID_LEN, id);
	return -1;
}

/* o[key] as a string of 1 to outlen - 1 bytes. */
static int
get_str(json_t *o, const char *key, char *out, size_t outlen)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v) || (n = json_string_length(v)) == 0 ||
	    n >= outlen || strlen(json_string_value(v)) != n)
		return -1;
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

static int
get_int(json_t *o, const char *key, long long min, long long max,
    long long *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
parse_file(struct bundle_reader *r, json_t *o, size_t i, long long max_file,
    struct bundle_file *f)
{
	const char *why;

	if (!json_is_object(o) || json_object_size(o) != FILE_KEYS) {
		fail(r, "INDEX.json: files[%zu]: not an object with exactly "
		    "name, size, sha256, md5, package, version", i);
		return -1;
	}
	if (get_str(o, "name", f->name, sizeof(f->name)) != 0 ||
	    get_str(o, "package", f->package, sizeof(f->package)) != 0 ||
	    get_str(o, "version", f->version, sizeof(f->version)) != 0) {
		fail(r, "INDEX.json: files[%zu]: name, package or version "
		    "missing, not a string, or too long", i);
		return -1;
	}
	if ((why = file_invalid(f->name, f->package, f->version,
	    r->format >= 2)) != NULL) {
		/* Not echoed: the name is not known to be printable. */
		fail(r, "INDEX.json: files[%zu]: %s", i, why);
		return -1;
	}
	if (get_str(o, "sha256", f->sha256, sizeof(f->sha256)) != 0 ||
	    strlen(f->sha256) != 64 || !is_hex(f->sha256, 64) ||
	    get_str(o, "md5", f->md5, sizeof(f->md5)) != 0 ||
	    strlen(f->md5) != 32 || !is_hex(f->md5, 32)) {
		fail(r, "INDEX.json: %s: sha256 or md5 not lowercase hex of "
		    "the right length", f->name);
		return -1;
	}
	if (get_int(o, "size", 0, LLONG_MAX, &f->size) != 0) {
		fail(r, "INDEX.json: %s: size not an integer of 0 or more",
		    f->name);
		return -1;
	}
	if (f->size > max_file) {
		fail(r, "INDEX.json: %s: %lld bytes, more than the %lld "
		    "allowed", f->name, f->size, max_file);
		return -1;
	}
	return 0;
}

/* The signed index into r->ix and r->files. */
static int
parse_index(struct bundle_reader *r, const char *index, size_t len,
    long long max_file)
{
	json_error_t jerr;
	json_t *j, *files;
	long long format;
	char vis[80];
	size_t i, n;
	int ret = -1;

	if ((j = json_loadb(index, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		fail(r, "INDEX.json: line %d: %s", jerr.line,
		    str_vis(vis, sizeof(vis), jerr.text));
		return -1;
	}
	if (!json_is_object(j) || json_object_size(j) != INDEX_KEYS) {
		fail(r, "INDEX.json: not an object with exactly format, repo, "
		    "created, source, since, files");
		goto out;
	}
	if (get_int(j, "format", 1, BUNDLE_FORMAT, &format) != 0) {
		fail(r, "INDEX.json: format: not 1 to %d", BUNDLE_FORMAT);
		goto out;
	}
	r->format = (int)format;
	if (get_str(j, "repo", r->ix.repo, sizeof(r->ix.repo)) != 0 ||
	    !pkg_repo_name_valid(r->ix.repo)) {
		fail(r, "INDEX.json: repo: not a repository name");
		goto out;
	}
	if (get_str(j, "source", r->ix.source, sizeof(r->ix.source)) != 0 ||
	    !source_valid(r->ix.source)) {
		fail(r, "INDEX.json: source: not 1 to 255 characters of "
		    "printable ASCII");
		goto out;
	}
	if (get_int(j, "created", 0, LLONG_MAX, &r->ix.created) != 0) {
		fail(r, "INDEX.json: created: not a time");
		goto out;
	}
	if (json_is_null(json_object_get(j, "since")))
		r->ix.since = 0;
	else if (get_int(j, "since", 1, LLONG_MAX, &r->ix.since) != 0) {
		fail(r, "INDEX.json: since: neither null nor a snapshot id");
		goto out;
	}
	if (!json_is_array(files = json_object_get(j, "files")) ||
	    (n = json_array_size(files)) > BUNDLE_FILES_MAX) {
		fail(r, "INDEX.json: files: not an array of at most %d "
		    "entries", BUNDLE_FILES_MAX);
		goto out;
	}
	if ((r->files = calloc(n ? n : 1, sizeof(*r->files))) == NULL ||
	    (r->byname = calloc(n ? n : 1, sizeof(*r->byname))) == NULL) {
		fail(r, "INDEX.json: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (parse_file(r, json_array_get(files, i), i, max_file,
		    &r->files[i]) != 0)
			goto out;
		r->byname[i] = &r->files[i];
	}
	qsort(r->byname, n, sizeof(*r->byname), name_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(r->byname[i - 1]->name, r->byname[i]->name) == 0) {
			fail(r, "INDEX.json: %s: listed twice",
			    r->byname[i]->name);
			goto out;
		}
	r->ix.nfiles = n;
	r->ix.files = r->files;
	ret = 0;
 out:
	json_decref(j);
	return ret;
}

/* INDEX.json and INDEX.sig, read whole, and verified. */
static int
read_signed_index(struct bundle_reader *r, EVP_PKEY *const *trusted,
    size_t ntrusted, long long max_file)
{
	struct archive_entry *e;
	char sig[SIG_LEN + 1];
	char *index = NULL;
	int64_t size;
	size_t len;
	int rc, ret = -1;

	if ((rc = next(r, &e, INDEX_NAME, 0)) <= 0) {
		if (rc == 0)
			fail(r, "not a bundle: an empty archive");
		return -1;
	}
	if ((size = archive_entry_size(e)) > (int64_t)BUNDLE_INDEX_MAX) {
		fail(r, "INDEX.json: %lld bytes, more than %zu",
		    (long long)size, BUNDLE_INDEX_MAX);
		return -1;
	}
	len = (size_t)size;
	if ((index = malloc(len + 1)) == NULL) {
		fail(r, "INDEX.json: out of memory");
		return -1;
	}
	if (read_all(r, "INDEX.json", index, len) != 0)
		goto out;
	if ((rc = next(r, &e, SIG_NAME, 0)) <= 0) {
		if (rc == 0)
			fail(r, "unsigned bundle: no %s after %s", SIG_NAME,
			    INDEX_NAME);
		goto out;
	}
	if (archive_entry_size(e) != (int64_t)SIG_LEN) {
		fail(r, "INDEX.sig: %lld bytes, not %zu",
		    (long long)archive_entry_size(e), SIG_LEN);
		goto out;
	}
	if (read_all(r, "INDEX.sig", sig, SIG_LEN) != 0)
		goto out;
	sig[SIG_LEN] = '\0';
	if (verify(r, trusted, ntrusted, index, len, sig) != 0 ||
	    parse_index(r, index, len, max_file) != 0)
		goto out;
	ret = 0;
 out:
	free(index);
	return ret;
}

ssize_t
bundle_read_data(struct bundle_reader *r, void *buf, size_t len)
{
	la_ssize_t n;
	char where[sizeof(FILES_PREFIX) + sizeof(r->cur->name)];

	if (r->cur == NULL || r->damaged) {
		errno = EINVAL;
		return -1;
	}
	if (len == 0)
		return 0;
	if ((n = archive_read_data(r->a, buf, len)) < 0) {
		snprintf(where, sizeof(where), "files/%s", r->cur->name);
		archive_fail(r, where);
		r->damaged = 1;
		errno = EIO;
		return -1;
	}
	if (n > r->cur->size - r->got ||
	    !EVP_DigestUpdate(r->sha, buf, (size_t)n) ||
	    !EVP_DigestUpdate(r->md5, buf, (size_t)n)) {
		fail(r, "files/%s: cannot hash", r->cur->name);
		r->damaged = 1;
		errno = EIO;
		return -1;
	}
	r->got += n;
	return (ssize_t)n;
}

/* One file member: to on_file, then what it left, then the digests. */
static int
read_file(struct bundle_reader *r, struct archive_entry *e,
    const struct bundle_file *f,
    int (*on_file)(void *, struct bundle_reader *,
    const struct bundle_file *), void *arg)
{
	char sha[sizeof(f->sha256)], md5[sizeof(f->md5)];
	ssize_t n;
	int rc;

	if (archive_entry_size(e) != f->size) {
		fail(r, "files/%s: %lld bytes in the bundle, %lld in the index",
		    f->name, (long long)archive_entry_size(e), f->size);
		return -1;
	}
	if (!EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(r->md5, EVP_md5(), NULL)) {
		fail(r, "files/%s: cannot hash", f->name);
		return -1;
	}
	r->cur = f;
	r->got = 0;
	rc = on_file != NULL ? on_file(arg, r, f) : 0;
	if (rc != 0 && !r->damaged) {
		fail(r, "files/%s: refused by the importer%s%s", f->name,
		    r->cberr[0] != '\0' ? ": " : "", r->cberr);
		r->cur = NULL;
		return -1;
	}
	while (!r->damaged && (n = bundle_read_data(r, r->scratch,
	    sizeof(r->scratch))) > 0)
		;
	r->cur = NULL;
	if (r->damaged)
		return -1;
	if (r->got != f->size) {
		fail(r, "files/%s: truncated", f->name);
		return -1;
	}
	if (digest_hex(r->sha, sha, sizeof(sha)) != 0 ||
	    digest_hex(r->md5, md5, sizeof(md5)) != 0) {
		fail(r, "files/%s: cannot hash", f->name);
		return -1;
	}
	if (strcmp(sha, f->sha256) != 0) {
		fail(r, "files/%s: SHA-256 mismatch", f->name);
		return -1;
	}
	if (strcmp(md5, f->md5) != 0) {
		fail(r, "files/%s: MD5 mismatch", f->name);
		return -1;
	}
	return 0;
}

/*
 * After the end-of-archive marker, only padding: tar stops reading at
 * the marker, so a member hidden behind it (or behind one zero block)
 * would be in the file unchecked, and unseen by this reader but not
 * necessarily by the next tool the operator tries.
 */
static int
tail(struct bundle_reader *r)
{
	int64_t used = archive_filter_bytes(r->a, 0);
	uint64_t start = r->nread - r->chunk, extra;
	size_t i;
	ssize_t n;

	if (used < 0 || (uint64_t)used < start || (uint64_t)used > r->nread) {
		fail(r, "cannot find the end of the archive");
		return -1;
	}
	for (i = (size_t)((uint64_t)used - start); i < r->chunk; i++)
		if (r->buf[i] != 0)
			goto garbage;
	extra = r->nread - (uint64_t)used;
	for (;;) {
		n = read(r->fd, r->scratch, sizeof(r->scratch));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fail(r, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			if (r->scratch[i] != 0)
				goto garbage;
		if ((extra += (uint64_t)n) > TAIL_MAX)
			goto garbage;
	}
	return 0;
 garbage:
	fail(r, "data after the end of the archive (after member %lu)",
	    r->member);
	return -1;
}

int
bundle_read(int fd, EVP_PKEY *const *trusted, size_t ntrusted,
    long long max_file,
    int (*on_index)(void *arg, struct bundle_reader *r,
    const struct bundle_index *ix),
    int (*on_file)(void *arg, struct bundle_reader *r,
    const struct bundle_file *f),
    void *arg, char *err, size_t errlen)
{
	struct bundle_reader *r;
	struct archive_entry *e;
	size_t i;
	int rc, ret = -1;

	if (errlen > 0)
		err[0] = '\0';
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	r->fd = fd;
	r->err = err;
	r->errlen = errlen;
	if (ntrusted == 0) {
		fail(r, "no trusted keys");
		goto out;
	}
	if (max_file < 0) {
		fail(r, "negative file size limit");
		goto out;
	}
	if ((r->ids = calloc(ntrusted, sizeof(*r->ids))) == NULL ||
	    (r->sha = EVP_MD_CTX_new()) == NULL ||
	    (r->md5 = EVP_MD_CTX_new()) == NULL) {
		fail(r, "out of memory");
		goto out;
	}
	for (i = 0; i < ntrusted; i++)
		if (bundle_key_id(trusted[i], r->ids[i]) != 0) {
			fail(r, "trusted key %zu is not an Ed25519 key", i + 1);
			goto out;
		}

	/* Uncompressed tar only, read through rd_read. */
	if ((r->a = archive_read_new()) == NULL ||
	    archive_read_support_format_tar(r->a) != ARCHIVE_OK) {
		fail(r, "libarchive cannot read tar");
		goto out;
	}
	if (archive_read_open(r->a, r, NULL, rd_read, NULL) != ARCHIVE_OK) {
		if (r->rerrno != 0)
			fail(r, "read: %s", strerror(r->rerrno));
		else if (r->nread == 0)
			fail(r, "not a bundle: an empty file");
		else
			fail(r, "not a bundle: not an uncompressed tar archive");
		goto out;
	}
	if (read_signed_index(r, trusted, ntrusted, max_file) != 0)
		goto out;
	if (on_index != NULL && on_index(arg, r, &r->ix) != 0) {
		fail(r, "INDEX.json: refused by the importer%s%s",
		    r->cberr[0] != '\0' ? ": " : "", r->cberr);
		goto out;
	}
	for (i = 0; i < r->ix.nfiles; i++) {
		char want[sizeof(FILES_PREFIX) + sizeof(r->files[i].name)];

		snprintf(want, sizeof(want), "%s%s", FILES_PREFIX,
		    r->files[i].name);
		if ((rc = next(r, &e, want, i)) == 0)
			fail(r, "files/%s: missing: the bundle ends after "
			    "member %lu", r->files[i].name, r->member);
		if (rc <= 0 || read_file(r, e, &r->files[i], on_file, arg) != 0)
			goto out;
	}
	if ((rc = next(r, &e, NULL, r->ix.nfiles)) != 0)
		goto out;
	if (tail(r) != 0)
		goto out;
	ret = 0;
 out:
	if (ret != 0 && errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "cannot read the bundle");
	if (r->a != NULL)
		archive_read_free(r->a);
	EVP_MD_CTX_free(r->sha);
	EVP_MD_CTX_free(r->md5);
	free(r->files);
	free(r->byname);
	free(r->ids);
	free(r);
	return ret;
}
