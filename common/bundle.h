/*
 * bundle: offline transfer of packages between airlocks that never share
 * a network.  "airlockctl bundle export" on a connected airlock writes one
 * file holding packages and a signed index; "airlockctl bundle import" on
 * the air-gapped one checks it against trusted public keys and ingests.
 *
 * The format, versions 1 and 2 (2 only adds binaries, below; a writer
 * says 1 when it has none, so that an older importer takes it).  An
 * uncompressed POSIX tar (ustar headers, pax
 * extended headers only where ustar cannot say it: names past 100 bytes,
 * sizes of 8 GiB and more).  Packages are gzip'd already.  Members, in
 * this order and nothing else:
 *
 *  1. airlock-bundle/INDEX.json, a regular file of at most 64 MiB:
 *	{"format":1,"repo":"cran","created":1718000000,"source":"host",
 *	 "since":42,"files":[{"name":"pkg_1.0.tar.gz","size":1234,
 *	 "sha256":"<64 hex>","md5":"<32 hex>","package":"pkg",
 *	 "version":"1.0"},...]}
 *     format	1, or 2 when a file is a binary
 *     repo	the repository exported: [A-Za-z0-9._-], 1 to 64 bytes,
 *		not starting with '.', '_' or '-', not "latest"
 *     created	Unix seconds when the bundle was written
 *     source	who wrote it (a host name or label): 1 to 255 bytes of
 *		printable ASCII
 *     since	the snapshot id the export is relative to (a positive
 *		integer), or null for a full export
 *     files	0 to 100000 entries, each with exactly these keys:
 *		name	"<package>_<version>.tar.gz", unique in the bundle;
 *			in format 2 also a binary as "TREE/FILE": TREE a
 *			binary tree of a repository (common/pkg.h,
 *			"bin/windows/contrib/4.4"), FILE the package's file
 *			with that tree's extension (.zip, .tgz)
 *		size	bytes, 0 or more
 *		sha256, md5	lowercase hex of the file's digests
 *		package, version  valid as R's tools say (common/pkg.h)
 *     Keys other than these, duplicated keys, non-integer numbers and
 *     strings of the wrong type are refused.
 *  2. airlock-bundle/INDEX.sig, exactly 154 bytes of ASCII:
 *	"ed25519 <key id> <signature>\n"
 *     the key id being the first 16 lowercase hex digits of SHA-256 over
 *     the raw 32-byte Ed25519 public key, and the signature 128 lowercase
 *     hex digits: the 64-byte Ed25519 signature (pure Ed25519, RFC 8032)
 *     of the exact bytes of INDEX.json.  So an administrator can check a
 *     bundle by hand:
 *	openssl pkey -pubin -in pub.pem -outform DER | tail -c 32 |
 *	    sha256sum | cut -c1-16				(the key id)
 *	tar -xOf B airlock-bundle/INDEX.sig | cut -d' ' -f3 | xxd -r -p >s
 *	tar -xOf B airlock-bundle/INDEX.json >i
 *	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in i -sigfile s
 *  3. airlock-bundle/files/<name>, regular files, one per index entry,
 *     in index order, of the size and digests the index gives.
 *
 * The signature covers the index and the index covers every file, so
 * every byte that matters is signed; tar framing (modes, times, owners)
 * is not, and is ignored.  After the end-of-archive marker only zero
 * bytes (block padding, at most 1 MiB) may follow.
 *
 * Keys are Ed25519 through OpenSSL's EVP interface, in PEM files: the
 * private key as PKCS#8, the public key as SubjectPublicKeyInfo, as
 * "openssl genpkey -algorithm ed25519" and "openssl pkey -pubout" write
 * them (neither encrypted).
 */
#ifndef AIRLOCK_BUNDLE_H
#define AIRLOCK_BUNDLE_H

#include <sys/types.h>

#include <stddef.h>

#include <openssl/evp.h>

#define BUNDLE_FORMAT		2	/* the newest; 1 when no binaries */
#define BUNDLE_INDEX_MAX	((size_t)64 << 20)	/* bytes of INDEX.json */
#define BUNDLE_FILES_MAX	100000			/* entries in it */
#define BUNDLE_KEY_ID_LEN	16

/*
 * Writes a new key pair: the private key with mode 0600, the public key
 * with mode 0644.  Refuses to overwrite either file; on failure neither
 * is left behind.
 */
int bundle_keygen(const char *priv_path, const char *pub_path, char *err,
    size_t errlen);
/*
 * The Ed25519 private key in a PEM file, which must not be readable or
 * writable by group or others (as ssh refuses unprotected keys).
 */
EVP_PKEY *bundle_load_private(const char *path, char *err, size_t errlen);
/*
 * An Ed25519 public key from PEM bytes: the importer's sandboxed role is
 * sent its trusted keys and opens no files.
 */
EVP_PKEY *bundle_load_public_pem(const char *pem, size_t len, char *err,
    size_t errlen);
/* The key's id (format above) in out; 0, or -1 if k is not Ed25519. */
int bundle_key_id(EVP_PKEY *k, char out[BUNDLE_KEY_ID_LEN + 1]);

/*
 * The writer (export side, trusted input).  The index must come first in
 * the tar, so that an importer can verify before it reads any file, yet
 * it is only known once every file is hashed: bundle_write_file hashes a
 * file and remembers its fd; bundle_write_close then writes the signed
 * index, and copies each file again from its fd, hashing once more, so a
 * file changed in between is an error rather than a bundle that no
 * importer will take.
 *
 * A writer holds every file's fd until it is closed: a bundle of N files
 * needs N descriptors open at once (raise RLIMIT_NOFILE for big exports).
 */
struct bundle_writer;

/* A writer onto out_fd (not closed by the writer), or NULL. */
struct bundle_writer *bundle_write_open(int out_fd, char *err,
    size_t errlen);
/*
 * Adds one file: name is "<package>_<version>.tar.gz" for the two given
 * (or "TREE/<package>_<version>.EXT" for a binary, as in the format),
 * fd is read with pread(2) from offset 0 to its end (its offset is left
 * alone), so it must be a regular file; it is neither dup'd nor closed,
 * and must stay open and unchanged until bundle_write_close returns.  On
 * failure nothing was added and the writer can go on.
 */
int bundle_write_file(struct bundle_writer *w, const char *name, int fd,
    const char *package, const char *version, char *err, size_t errlen);
/*
 * Writes the bundle: INDEX.json for repo, from source, relative to
 * snapshot since (0 or less: a full export), signed by signer; then every
 * file.  Frees w, whatever happens.  On failure what was written to
 * out_fd is not a bundle: the caller removes it.
 */
int bundle_write_close(struct bundle_writer *w, EVP_PKEY *signer,
    const char *repo, const char *source, long long since, char *err,
    size_t errlen);
/* Abandons a writer without writing anything more; NULL ok. */
void bundle_write_free(struct bundle_writer *w);

/*
 * The reader (import side, untrusted input).  It reads the bundle from an
 * fd with read(2) only, front to back (a pipe will do), opens nothing,
 * and bounds everything: INDEX.json at BUNDLE_INDEX_MAX bytes before the
 * signature is checked; after it, what the signed index says, each file
 * at most max_file bytes.  Nothing in the index is parsed before its
 * signature verified.  Before a sandbox that forbids open(2), the role
 * initialises OpenSSL (OPENSSL_init_crypto, which loads its configuration)
 * and calls json_object_seed(0) (jansson seeds its hash tables from
 * /dev/urandom on first use).
 */
struct bundle_file {
	char name[256];
	char package[129];
	char version[65];
	long long size;
	char sha256[65];
	char md5[33];
};

struct bundle_index {
	char repo[65];
	char source[256];
	long long created;
	long long since;		/* 0: a full export */
	char key_id[BUNDLE_KEY_ID_LEN + 1];	/* the trusted key that signed */
	size_t nfiles;
	const struct bundle_file *files;	/* in bundle order */
};

struct bundle_reader;

/*
 * Reads a bundle from fd.  Checks INDEX.sig over INDEX.json against the
 * ntrusted keys in trusted, then parses and checks the index; calls
 * on_index (may be NULL) once with it, which may refuse it (sum of sizes,
 * wrong repository).  Then, for each file member in index order, calls
 * on_file with that file's index entry; on_file reads the member's bytes
 * with bundle_read_data, as many as it wants: what it leaves is read by
 * bundle_read.  Only after on_file returns are the member's size, SHA-256
 * and MD5 known to be right, and only when bundle_read returns 0 is the
 * whole bundle: on failure the caller must throw away everything on_file
 * was given, from every file, and change nothing.
 *
 * Callbacks return 0 to go on, -1 to stop: bundle_read then fails with
 * what they passed to bundle_read_error, or a plain "refused by the
 * importer".  Returns 0, or -1 with a message in err that says what was
 * wrong and where ("member 7 (...): not in the index",
 * "files/foo_1.0.tar.gz: SHA-256 mismatch").  fd is not closed.
 */
int bundle_read(int fd, EVP_PKEY *const *trusted, size_t ntrusted,
    long long max_file,
    int (*on_index)(void *arg, struct bundle_reader *r,
    const struct bundle_index *ix),
    int (*on_file)(void *arg, struct bundle_reader *r,
    const struct bundle_file *f),
    void *arg, char *err, size_t errlen);
/*
 * Inside on_file: up to len bytes of the current member into buf,
 * hashed on the way.  Returns the count, 0 at its end, or -1 when the
 * bundle is damaged (bundle_read then fails, whatever on_file returns).
 */
ssize_t bundle_read_data(struct bundle_reader *r, void *buf, size_t len);
/* Inside a callback: why it refuses, for bundle_read's err. */
void bundle_read_error(struct bundle_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
