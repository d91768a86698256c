/*
 * Every message between airlock's processes, in one table.
 *
 *   X(NAME, number, from, to, min_fds, max_fds, max_payload, states)
 *
 * from/to are role masks (R_MASTER, R_WORKER, R_AUTH, R_SYNC); states is
 * the set of link states in which the receiver accepts the message
 * (S_START: the child has not said READY; S_RUN; S_DRAIN: finishing up).
 * Anything else arriving on a link is an attack on the receiver: it logs
 * and ends the peer.  Adding a message is one line here plus its handler.
 *
 * Payloads (all integers big-endian, strings as u32 length + bytes):
 *   CONFIG  u32 uid, u32 gid, str chroot, u64 master_start (unix s),
 *           u32 generation, u32 slot, then conf_pack(); fds (workers only):
 *           the listening sockets, then the shared load table (load.h)
 *   READY   (empty)
 *   STATE   u32 auth_up, u32 workers_up, u32 workers_total, u32 sync_up
 *   DRAIN   (empty): stop accepting, finish accepted connections, exit 0
 *   PING    u64 sequence           PONG  u64 sequence (the same)
 *   SHUTDOWN (empty): exit now, cleanly
 */
#ifndef AIRLOCK_IPC_MSGS_H
#define AIRLOCK_IPC_MSGS_H

#define IPC_MESSAGES(X)                                                      \
	X(CONFIG, 1, R_MASTER, R_WORKER | R_AUTH | R_SYNC, 0, 16, 16384,     \
	    S_START)                                                         \
	X(READY, 2, R_WORKER | R_AUTH | R_SYNC, R_MASTER, 0, 0, 0, S_START)   \
	X(STATE, 3, R_MASTER, R_WORKER, 0, 0, 16, S_RUN | S_DRAIN)           \
	X(DRAIN, 4, R_MASTER, R_WORKER, 0, 0, 0, S_RUN)                      \
	X(PING, 5, R_MASTER, R_WORKER | R_AUTH | R_SYNC, 0, 0, 8,             \
	    S_RUN | S_DRAIN)                                                 \
	X(PONG, 6, R_WORKER | R_AUTH | R_SYNC, R_MASTER, 0, 0, 8,             \
	    S_RUN | S_DRAIN)                                                 \
	X(SHUTDOWN, 7, R_MASTER, R_AUTH | R_SYNC, 0, 0, 0, S_RUN)

#endif
