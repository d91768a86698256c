/*
 * ipc: typed, length-prefixed, versioned messages with fd passing between
 * the master and its roles, over SOCK_SEQPACKET socketpairs (one message
 * per datagram, so a short read can only mean an attack).
 *
 * Wire header, 8 bytes: u8 version, u8 flags (0), u16 type, u32 length of
 * the payload that follows.  fds travel as SCM_RIGHTS.  The message table
 * is common/ipc_msgs.h.
 */
#ifndef AIRLOCK_IPC_H
#define AIRLOCK_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ipc_msgs.h"

#define IPC_VERSION 1
#define IPC_HDR_LEN 8
#define IPC_MAX_PAYLOAD 65536
#define IPC_MAX_FDS 16
#define IPC_FD 3	/* where a role finds its end of the socketpair */

enum role {
	ROLE_MASTER = 0,
	ROLE_WORKER,
	ROLE_AUTH,
	ROLE_SYNC,
	ROLE_INSPECT,	/* short-lived: inspects package files for the master */
	ROLE_CTL,	/* airlockctl, on the control socket */
	ROLE_KEYS,	/* holds the TLS private key; signs for workers */
	ROLE_MAX
};
#define R_MASTER (1u << ROLE_MASTER)
#define R_WORKER (1u << ROLE_WORKER)
#define R_AUTH (1u << ROLE_AUTH)
#define R_SYNC (1u << ROLE_SYNC)
#define R_INSPECT (1u << ROLE_INSPECT)
#define R_CTL (1u << ROLE_CTL)
#define R_KEYS (1u << ROLE_KEYS)

/* Link states, seen from the receiver. */
enum ipc_state { S_START = 1, S_RUN = 2, S_DRAIN = 4 };

#define IPC_ENUM(name, num, from, to, minf, maxf, maxp, st) IPC_##name = num,
enum ipc_type { IPC_MESSAGES(IPC_ENUM) IPC_TYPE_MAX };
#undef IPC_ENUM

struct ipc_msg {
	uint16_t type;
	struct buf payload;	/* a view into the channel's receive storage */
	int fds[IPC_MAX_FDS];
	int nfds;
};

struct ipc_chan {
	int fd;
	enum role self;
	enum role peer;
	int state;		/* enum ipc_state of this link */
	uint8_t rx[IPC_HDR_LEN + IPC_MAX_PAYLOAD + 1];
};

const char *role_name(enum role r);
/* -1 when s names no role. */
int role_parse(const char *s);
const char *ipc_type_name(unsigned type);

void ipc_chan_init(struct ipc_chan *ch, int fd, enum role self,
    enum role peer);

/*
 * Checks one received datagram against the table for this link and state:
 * version, flags, known type, direction, state, payload length both as
 * declared and as received, fd count.  Pure: no I/O, so it is fuzzed.
 * Returns 0 with *m filled (payload a view into data), or -1 with why set.
 */
int ipc_decode(enum role self, enum role peer, int state, const uint8_t *data,
    size_t len, int nfds, struct ipc_msg *m, char *why, size_t whylen);

/*
 * Sends one message without blocking.  A peer whose queue is full is not
 * reading: that is its failure, reported as -1 (errno EAGAIN).
 */
int ipc_send(struct ipc_chan *ch, enum ipc_type type, const struct buf *payload,
    const int *fds, int nfds);

/*
 * Sends one message, waiting for room as long as the socket's SO_SNDTIMEO
 * allows: for peers that read whole answers of many messages (airlockctl).
 */
int ipc_send_wait(struct ipc_chan *ch, enum ipc_type type,
    const struct buf *payload, const int *fds, int nfds);

/*
 * Receives one message.  Returns 1 with *m, 0 when nothing is waiting
 * (non-blocking only), -1 on EOF (errno 0), a socket error, or when the
 * peer sent something invalid (logged with the reason).  The caller ends
 * the peer on -1.  Received fds are the caller's (close them with ipc_msg_close_fds
 * unless kept).
 */
int ipc_recv(struct ipc_chan *ch, struct ipc_msg *m, int blocking);
void ipc_msg_close_fds(struct ipc_msg *m);

#endif
