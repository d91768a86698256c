#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "role.h"
#include "util.h"

int
role_config_parse(struct buf *p, struct role_config *rc)
{
	uint32_t uid, gid;
	uint64_t start;

	memset(rc, 0, sizeof(*rc));
	if (buf_get_u32(p, &uid) != 0 || buf_get_u32(p, &gid) != 0 ||
	    buf_get_str(p, &rc->chroot, 4096) != 0 ||
	    rc->chroot[0] != '/' ||
	    buf_get_u64(p, &start) != 0 ||
	    buf_get_u32(p, &rc->generation) != 0 ||
	    buf_get_u32(p, &rc->slot) != 0 ||
	    (rc->conf = conf_unpack(p)) == NULL) {
		role_config_release(rc);
		return -1;
	}
	rc->uid = uid;
	rc->gid = gid;
	rc->master_start = (time_t)start;
	return 0;
}

void
role_config_release(struct role_config *rc)
{
	free(rc->chroot);
	conf_free(rc->conf);
	memset(rc, 0, sizeof(*rc));
}

void
role_config_recv(struct ipc_chan *ch, enum role self, struct role_config *rc,
    int *fds, int *nfds)
{
	struct ipc_msg msg;
	int lvl;

	ipc_chan_init(ch, IPC_FD, self, ROLE_MASTER);
	/* In S_START the table admits only CONFIG from the master. */
	if (ipc_recv(ch, &msg, 1) != 1)
		fatal("no configuration from the master");
	if (role_config_parse(&msg.payload, rc) != 0)
		fatal("malformed CONFIG message");
	if (fds != NULL) {
		memcpy(fds, msg.fds, sizeof(int) * (size_t)msg.nfds);
		*nfds = msg.nfds;
	} else
		ipc_msg_close_fds(&msg);
	ch->state = S_RUN;
	if ((lvl = log_level_parse(rc->conf->log_level)) >= 0)
		log_set_level((enum log_level)lvl);
}

void
role_drop(const struct role_config *rc, const char *role)
{
	if (privsep_drop(rc->uid, rc->gid, rc->chroot) != 0)
		fatal("%s: cannot drop privileges", role);
	/* Credentials changed above clear it, so set it after. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}


int
role_pong(struct ipc_chan *ch, struct ipc_msg *msg)
{
	struct buf b;
	uint64_t seq;
	int r;

	if (buf_get_u64(&msg->payload, &seq) != 0)
		return -1;
	buf_init(&b, 8);
	buf_put_u64(&b, seq);
	r = ipc_send(ch, IPC_PONG, &b, NULL, 0);
	buf_release(&b);
	return r;
}

int
role_serve(struct ipc_chan *ch)
{
	struct ipc_msg msg;
	struct pollfd pfd;
	int r;

	pfd.fd = ch->fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if ((r = ipc_recv(ch, &msg, 0)) == 0)
			continue;
		if (r == -1)
			break;
		switch (msg.type) {
		case IPC_PING:
			if (role_pong(ch, &msg) != 0)
				fatal("cannot answer PING");
			break;
		case IPC_SHUTDOWN:
			return 0;
		default:
			/* The table admits nothing else in this state. */
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
	}
	log_error("lost the master: exiting");
	return -1;
}
