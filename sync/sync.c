#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "ipc.h"
#include "log.h"
#include "master.h"
#include "role.h"
#include "sandbox.h"
#include "sync.h"

int
sync_main(void)
{
	struct ipc_chan ch;
	struct role_config rc;
	struct ipc_msg msg;
	struct pollfd pfd;
	struct buf b;
	uint64_t seq;
	int r;

	log_init("sync", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_SYNC, &rc, NULL, NULL);
	role_drop(&rc, "sync");
	sandbox_sync();
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
		case IPC_PING:
			if (buf_get_u64(&msg.payload, &seq) != 0)
				fatal("malformed PING message");
			buf_init(&b, 8);
			buf_put_u64(&b, seq);
			ipc_send(&ch, IPC_PONG, &b, NULL, 0);
			buf_release(&b);
			break;
		case IPC_SHUTDOWN:
			return 0;
		default:
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
	}
	log_error("lost the master: exiting");
	return 1;
}
