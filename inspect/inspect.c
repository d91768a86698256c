/*
 * The inspect role: a short-lived child the master starts when package
 * files arrive (airlockctl add/import).  It reads each file from a
 * read-only fd with no other access to anything, checks that it is an R
 * package (tarball.c: a source tarball, or a Windows or macOS binary of
 * the tree it is for, built by that tree's R), parses its DESCRIPTION
 * (dcf.c), checks the name, version and file name agree, and returns
 * the fields.  All the
 * parsing of untrusted package bytes happens here, never in the master.
 */
#include "config.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <sys/mman.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcf.h"
#include "bundle.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "packages.h"
#include "pkg.h"
#include "role.h"
#include "sandbox.h"
#include "tarball.h"

/* INSPECTED must fit one message: the fields of a DESCRIPTION. */
#define MAX_DESCRIPTION (48 * 1024)

/*
 * The package in fd, as a file of type t named file: a source tarball,
 * a Windows binary (zip) or a macOS one (tgz) built for t's R version.
 */
static int
check(int fd, const struct pkg_type *t, const char *file, uint64_t max_size,
    uint64_t max_unpacked, struct dcf *d, char *err, size_t errlen)
{
	struct tar_limits lim = { max_size, max_unpacked, 0, MAX_DESCRIPTION };
	struct tar_result res;
	const char *pkg, *ver;
	struct buf b;
	char e[400];

	memset(&res, 0, sizeof(res));
	if (lseek(fd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return -1;
	}
	if ((t->kind == PKG_WIN_BINARY ? tarball_inspect_zip(fd, &lim, &res, e,
	    sizeof(e)) : tarball_inspect(fd, &lim, &res, e, sizeof(e))) != 0) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	buf_view(&b, res.description, res.description_len);
	if (dcf_parse(&b, d, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "%s/DESCRIPTION: %s", res.pkgdir, e);
		goto fail;
	}
	if ((pkg = dcf_get(d, "Package")) == NULL ||
	    (ver = dcf_get(d, "Version")) == NULL) {
		snprintf(err, errlen, "%s/DESCRIPTION: no %s field", res.pkgdir,
		    dcf_get(d, "Package") == NULL ? "Package" : "Version");
		goto fail;
	}
	if (!pkg_name_valid(pkg)) {
		snprintf(err, errlen, "%s/DESCRIPTION: Package '%.100s' is not "
		    "a valid package name", res.pkgdir, pkg);
		goto fail;
	}
	if (!pkg_version_valid(ver)) {
		snprintf(err, errlen, "%s/DESCRIPTION: Version '%.64s' is not "
		    "a valid package version", res.pkgdir, ver);
		goto fail;
	}
	if (strcmp(res.pkgdir, pkg) != 0) {
		snprintf(err, errlen, "the package directory '%.100s' is not "
		    "named after Package '%s'", res.pkgdir, pkg);
		goto fail;
	}
	if (!pkg_type_file_matches(t, file, pkg, ver)) {
		snprintf(err, errlen, "file name '%.100s' should be %s_%s%s",
		    file, pkg, ver, pkg_type_ext(t->kind));
		goto fail;
	}
	if (t->kind != PKG_SOURCE && !pkg_built_fits(t, dcf_get(d, "Built"),
	    e, sizeof(e))) {
		snprintf(err, errlen, "%s/DESCRIPTION: %s", res.pkgdir, e);
		goto fail;
	}
	/*
	 * What R's write_PACKAGES makes of it (License standardised,
	 * NeedsCompilation filled in), decided here, where untrusted
	 * strings may be analysed, so that the master only formats.
	 */
	if (packages_normalize(d, t->kind == PKG_SOURCE ? res.has_src : -1, e,
	    sizeof(e)) != 0) {
		snprintf(err, errlen, "%s/DESCRIPTION: %s", res.pkgdir, e);
		goto fail;
	}
	tarball_result_free(&res);
	return 0;
fail:
	tarball_result_free(&res);
	dcf_free(d);
	return -1;
}

static int
on_inspect(struct ipc_chan *ch, struct ipc_msg *msg)
{
	uint64_t job, max_size, max_unpacked;
	char *file = NULL, *tree = NULL, err[512] = "";
	struct dcf d = { NULL, 0 };
	struct pkg_type t;
	struct buf b;
	int ok, r;

	if (buf_get_u64(&msg->payload, &job) != 0 ||
	    buf_get_str(&msg->payload, &file, 4096) != 0 ||
	    buf_get_u64(&msg->payload, &max_size) != 0 ||
	    buf_get_u64(&msg->payload, &max_unpacked) != 0 ||
	    buf_get_str(&msg->payload, &tree, PKG_TREE_MAX) != 0 ||
	    pkg_type_from_tree(tree, &t) != 0 || msg->nfds != 1)
		fatal("malformed INSPECT message");
	ok = check(msg->fds[0], &t, file, max_size, max_unpacked, &d, err,
	    sizeof(err)) == 0;
	ipc_msg_close_fds(msg);
	buf_init(&b, IPC_MAX_PAYLOAD);
	buf_put_u64(&b, job);
	buf_put_u8(&b, (uint8_t)ok);
	buf_put_str(&b, ok ? "" : err);
	if (ok ? dcf_pack(&d, &b) != 0 : buf_put_u32(&b, 0) != 0) {
		/* Too big for one message: say so instead. */
		buf_reset(&b);
		buf_put_u64(&b, job);
		buf_put_u8(&b, 0);
		buf_put_str(&b, "DESCRIPTION too large");
		buf_put_u32(&b, 0);
	}
	r = ipc_send(ch, IPC_INSPECTED, &b, NULL, 0);
	buf_release(&b);
	dcf_free(&d);
	free(file);
	free(tree);
	return r;
}

/* One member of a bundle: into a memfd, which goes to the master. */
struct unbundle {
	struct ipc_chan *ch;
	char repo[65];
	char key_id[32];
};

static int
unbundle_file(void *arg, struct bundle_reader *r, const struct bundle_file *f)
{
	struct unbundle *u = arg;
	char chunk[65536];
	struct buf b;
	ssize_t n;
	int fd, rc;

	if ((fd = memfd_create("airlock-bundle", MFD_CLOEXEC)) == -1) {
		bundle_read_error(r, "memfd_create: %s", strerror(errno));
		return -1;
	}
	while ((n = bundle_read_data(r, chunk, sizeof(chunk))) > 0)
		if (write(fd, chunk, (size_t)n) != n) {
			bundle_read_error(r, "%s: %s", f->name, strerror(errno));
			close(fd);
			return -1;
		}
	if (n < 0) {
		close(fd);
		return -1;
	}
	buf_init(&b, 1024);
	buf_put_str(&b, f->name);
	rc = ipc_send_wait(u->ch, IPC_UNBUNDLED_FILE, &b, &fd, 1);
	buf_release(&b);
	close(fd);
	return rc == 0 ? 0 : -1;
}

static int
unbundle_index(void *arg, struct bundle_reader *r,
    const struct bundle_index *ix)
{
	struct unbundle *u = arg;

	(void)r;
	snprintf(u->repo, sizeof(u->repo), "%s", ix->repo);
	snprintf(u->key_id, sizeof(u->key_id), "%s", ix->key_id);
	log_info("bundle of %s from %s, signed by %s: %zu file(s)", ix->repo,
	    ix->source, ix->key_id, ix->nfiles);
	return 0;
}

/* Verifies and unpacks a bundle; the master keeps nothing unless ok. */
static int
on_unbundle(struct ipc_chan *ch, struct ipc_msg *msg)
{
	EVP_PKEY *keys[32];
	struct unbundle u = { ch, "", "" };
	char err[1024] = "", *pem;
	uint64_t max;
	uint32_t n, i, nk = 0;
	struct buf b;
	int ok, r;

	if (buf_get_u64(&msg->payload, &max) != 0 ||
	    buf_get_u32(&msg->payload, &n) != 0 || n > 32)
		fatal("malformed UNBUNDLE message");
	for (i = 0; i < n; i++) {
		if (buf_get_str(&msg->payload, &pem, 16384) != 0)
			fatal("malformed UNBUNDLE message");
		if ((keys[nk] = bundle_load_public_pem(pem, strlen(pem), err,
		    sizeof(err))) != NULL)
			nk++;
		free(pem);
	}
	ok = bundle_read(msg->fds[0], keys, nk, (long long)max,
	    unbundle_index, unbundle_file, &u, err, sizeof(err)) == 0;
	ipc_msg_close_fds(msg);
	for (i = 0; i < nk; i++)
		EVP_PKEY_free(keys[i]);
	buf_init(&b, 4096);
	buf_put_u8(&b, (uint8_t)ok);
	buf_put_str(&b, ok ? "" : err);
	buf_put_str(&b, u.repo);
	buf_put_str(&b, u.key_id);
	r = ipc_send_wait(ch, IPC_UNBUNDLED_DONE, &b, NULL, 0);
	buf_release(&b);
	return r;
}

int
inspect_main(void)
{
	struct ipc_chan ch;
	struct role_config rc;
	struct ipc_msg msg;
	struct pollfd pfd;
	int r;

	log_init("inspect", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_INSPECT, &rc, NULL, NULL);
	/* Bundles: OpenSSL and jansson read files once, before the sandbox. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	json_object_seed(1);
	role_drop(&rc, "inspect");
	sandbox_inspect();
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	pfd.fd = ch.fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if ((r = ipc_recv(&ch, &msg, 0)) == 0)
			continue;
		if (r == -1)
			break;
		switch (msg.type) {
		case IPC_INSPECT:
			if (on_inspect(&ch, &msg) != 0)
				fatal("cannot answer the master: %s",
				    strerror(errno));
			break;
		case IPC_UNBUNDLE:
			if (on_unbundle(&ch, &msg) != 0)
				fatal("cannot answer the master: %s",
				    strerror(errno));
			break;
		case IPC_PING:
			if (role_pong(&ch, &msg) != 0)
				fatal("cannot answer PING");
			break;
		case IPC_SHUTDOWN:
			return 0;
		default:
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
	}
	return 1;
}
