/*
 * The worker role: receives its configuration and listening sockets from
 * the master, locks itself into its chroot, user and seccomp policy, then
 * serves HTTP until the master asks it to drain.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "sandbox.h"
#include "server.h"
#include "tls.h"
#include "util.h"
#include "role.h"

int
worker_ipc(struct server *s)
{
	struct ipc_msg msg;
	int r;

	while ((r = ipc_recv(s->ch, &msg, 0)) == 1) {
		switch (msg.type) {
		case IPC_STATE:
			if (buf_get_u32(&msg.payload, &s->auth_up) != 0 ||
			    buf_get_u32(&msg.payload, &s->workers_up) != 0 ||
			    buf_get_u32(&msg.payload, &s->workers_total) != 0 ||
			    buf_get_u32(&msg.payload, &s->sync_up) != 0)
				fatal("malformed STATE message");
			break;
		case IPC_PUBLISHED: {
			char *repo;

			if (buf_get_str(&msg.payload, &repo, 255) != 0)
				fatal("malformed PUBLISHED message");
			/* "*": the block rules changed. */
			if (strcmp(repo, "*") == 0)
				repo_blocked_forget(&s->repos);
			else
				repo_forget(&s->repos, repo);
			free(repo);
			break;
		}
		case IPC_AUTH_LINK:
			access_link(s, msg.fds[0]);
			continue;	/* the fd is the link's now */
		case IPC_KEY_LINK:
			tls_keys_link(s, msg.fds[0]);
			continue;
		case IPC_DRAIN:
			s->ch->state = S_DRAIN;
			s->drain_requested = 1;
			break;
		case IPC_PING:
			if (role_pong(s->ch, &msg) != 0)
				fatal("cannot answer PING");
			break;
		default:
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
	}
	if (r == -1) {
		/* The master is gone or talks nonsense: nothing to serve for. */
		log_error("lost the master: exiting");
		return -1;
	}
	return 0;
}

int
worker_main(void)
{
	static struct server srv;
	struct ipc_chan ch;
	struct role_config rc;
	int fds[IPC_MAX_FDS], nfds = 0, nhttps, nsock;
	char err[256];

	log_init("worker", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_WORKER, &rc, fds, &nfds);
	/*
	 * The listening sockets (plain, redirect-only, https), the load
	 * table, and with https the certificate chain.
	 */
	nhttps = (int)rc.conf->https_listen.n;
	nsock = nfds - 1 - (nhttps > 0);
	if (nsock < 1 || (size_t)nsock < rc.conf->redirect_listen.n +
	    (size_t)nhttps)
		fatal("fewer sockets from the master than configured");
	fd_set_nonblock(IPC_FD);
	srv.master_start = rc.master_start;
	if (server_init(&srv, rc.conf, fds, nsock,
	    (int)rc.conf->redirect_listen.n, nhttps, &ch) != 0)
		fatal("cannot set up the event loop: %s", strerror(errno));
	if (server_load_init(&srv, fds[nsock], (int)rc.slot,
	    (int)rc.generation) != 0)
		fatal("cannot map the load table: %s", strerror(errno));
	close(fds[nsock]);
	if (nhttps > 0 && tls_init(&srv, fds[nsock + 1], err, sizeof(err))
	    != 0)
		fatal("https: %s", err);
	/* Static files are reached through this fd from inside the chroot. */
	srv.static_fd = -1;
	if (rc.conf->static_dir[0] != '\0' &&
	    (srv.static_fd = open(rc.conf->static_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("cannot open http.static_dir %s: %s", rc.conf->static_dir,
		    strerror(errno));
	/* OpenSSL (the auth cache's HMAC) reads its files before chroot. */
	if (access_init(&srv) != 0)
		fatal("cannot set up the auth cache");
	role_drop(&rc, "worker");
	sandbox_worker();
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	return server_run(&srv) == 0 ? 0 : 1;
}
