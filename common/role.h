/* role: what every role does first: take its CONFIG, drop privileges. */
#ifndef AIRLOCK_ROLE_H
#define AIRLOCK_ROLE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "ipc.h"

/*
 * What every role learns from its CONFIG message besides the settings
 * (common/ipc_msgs.h has the layout).
 */
struct role_config {
	uid_t uid;
	gid_t gid;
	char *chroot;		/* the role's root (a plain chdir if not root) */
	time_t master_start;
	uint32_t generation;
	uint32_t slot;
	struct airlock_conf *conf;
};

/* Parses a CONFIG payload; -1 when malformed (fuzzed via fuzz_ipc). */
int role_config_parse(struct buf *payload, struct role_config *rc);
void role_config_release(struct role_config *rc);
/* Reads CONFIG from IPC_FD (blocking); fatal() on anything else. */
void role_config_recv(struct ipc_chan *ch, enum role self,
    struct role_config *rc, int *fds, int *nfds);
/* Drops privileges into rc's chroot and user; fatal() on failure. */
void role_drop(const struct role_config *rc, const char *role);

/* Answers a PING with its sequence; -1 on a malformed PING or send error. */
int role_pong(struct ipc_chan *ch, struct ipc_msg *msg);
/*
 * The loop of a role that only answers the master: PING, then SHUTDOWN
 * (returns 0) or the master gone (returns -1).
 */
int role_serve(struct ipc_chan *ch);

#endif
