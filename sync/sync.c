#include "config.h"

#include <errno.h>
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

	log_init("sync", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_SYNC, &rc, NULL, NULL);
	role_drop(&rc, "sync");
	sandbox_sync();
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	return role_serve(&ch) == 0 ? 0 : 1;
}
