/*
 * The keys role: the only process that holds the TLS private key, as
 * OpenBSD relayd's ca process does.  Workers hold the certificate and a
 * key object whose private operations come here (KEY_REQ over a
 * socketpair the master made); a worker's memory never has the key.  It
 * reads the key from an fd the master opened (the file is root's), then
 * drops into an empty chroot under the narrowest policy but inspect's.
 */
#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "master.h"
#include "role.h"
#include "sandbox.h"
#include "tlskey.h"
#include "util.h"

#define MAX_LINKS 160

struct link {
	struct ipc_chan ch;
	int used;
};

static struct {
	struct ipc_chan *master;
	EVP_PKEY *key;
	int epfd;
	struct link links[MAX_LINKS];
} K;

static EVP_PKEY *
key_from_fd(int fd)
{
	EVP_PKEY *k = NULL;
	BIO *b;

	if ((b = BIO_new_fd(fd, BIO_CLOSE)) == NULL)
		return NULL;
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	return k;
}

static void
link_add(struct ipc_msg *msg)
{
	struct epoll_event ev;
	size_t i;

	for (i = 0; i < MAX_LINKS && K.links[i].used; i++)
		;
	if (i == MAX_LINKS) {
		log_error("too many worker links");
		ipc_msg_close_fds(msg);
		return;
	}
	fd_set_nonblock(msg->fds[0]);
	ipc_chan_init(&K.links[i].ch, msg->fds[0], ROLE_KEYS, ROLE_WORKER);
	K.links[i].ch.state = S_RUN;
	K.links[i].used = 1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &K.links[i];
	if (epoll_ctl(K.epfd, EPOLL_CTL_ADD, msg->fds[0], &ev) == -1)
		fatal("epoll_ctl: %s", strerror(errno));
}

static void
on_link(struct link *l)
{
	unsigned char out[1024];
	const unsigned char *in;
	enum tlskey_op op;
	struct ipc_msg msg;
	struct buf b;
	size_t inlen;
	int r, n, padding;

	while ((r = ipc_recv(&l->ch, &msg, 0)) == 1) {
		n = -1;
		if (tlskey_parse_request(&msg.payload, &op, &padding, &in,
		    &inlen) == 0)
			n = tlskey_perform(K.key, op, padding, in, inlen, out,
			    sizeof(out));
		else
			log_warn("a worker sent a malformed key request");
		buf_init(&b, 2048);
		buf_put_u32(&b, (uint32_t)n);
		if (n > 0)
			buf_put(&b, out, (size_t)n);
		if (ipc_send(&l->ch, IPC_KEY_REP, &b, NULL, 0) != 0)
			log_warn("cannot answer a worker: %s", strerror(errno));
		buf_release(&b);
		OPENSSL_cleanse(out, sizeof(out));
	}
	if (r == -1) {
		epoll_ctl(K.epfd, EPOLL_CTL_DEL, l->ch.fd, NULL);
		close(l->ch.fd);
		l->used = 0;
	}
}

/* 0 to go on, 1 on SHUTDOWN, -1 when the master is gone. */
static int
on_master(void)
{
	struct ipc_msg msg;
	int r;

	while ((r = ipc_recv(K.master, &msg, 0)) == 1) {
		switch (msg.type) {
		case IPC_PING:
			if (role_pong(K.master, &msg) != 0)
				fatal("cannot answer PING");
			break;
		case IPC_SHUTDOWN:
			return 1;
		case IPC_KEY_LINK:
			link_add(&msg);
			continue;
		default:
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
		ipc_msg_close_fds(&msg);
	}
	return r == -1 ? -1 : 0;
}

int
keys_main(void)
{
	static struct ipc_chan ch;
	struct epoll_event ev[16];
	struct role_config rc;
	int fds[IPC_MAX_FDS], nfds = 0, i, n, r = 0;

	log_init("keys", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_KEYS, &rc, fds, &nfds);
	K.master = &ch;
	if (nfds != 1)
		fatal("expected the key file from the master");
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	if ((K.key = key_from_fd(fds[0])) == NULL)
		fatal("cannot read the private key %s", rc.conf->https_key);
	if ((K.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1: %s", strerror(errno));
	role_drop(&rc, "keys");
	sandbox_keys();
	fd_set_nonblock(IPC_FD);
	memset(ev, 0, sizeof(ev));
	ev[0].events = EPOLLIN;
	ev[0].data.ptr = &K;
	if (epoll_ctl(K.epfd, EPOLL_CTL_ADD, IPC_FD, &ev[0]) == -1)
		fatal("epoll_ctl: %s", strerror(errno));
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	for (;;) {
		n = epoll_wait(K.epfd, ev, 16, -1);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &K) {
				if ((r = on_master()) != 0)
					goto out;
			} else
				on_link(ev[i].data.ptr);
		}
	}
out:
	if (r == -1)
		log_error("lost the master: exiting");
	EVP_PKEY_free(K.key);
	return r == 1 ? 0 : 1;
}
