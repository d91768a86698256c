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
 *   PUBLISHED str repository: its snapshots changed; forget what you cached
 *           ("*": the block rules changed; read store/blocked again)
 *   INSPECT u64 job, str file name, u64 max_size, u64 max_unpacked;
 *           fd: the package file, read-only
 *   INSPECTED u64 job, u8 ok, str error ("" when ok), u32 n, then n times
 *           str name, str value: the DESCRIPTION fields, in order
 *   CTL_REQUEST  a JSON command from airlockctl; fds: package files
 *   CTL_REPLY    u8 last, then a piece of the JSON answer; the pieces of
 *           one answer are sent in order and the last one says so
 *   AUTH_LINK  u32 worker slot; fd: one end of a new worker <-> auth
 *           socketpair (the master makes one per worker whenever both
 *           are up; a worker drops its old link for the new one)
 *   AUTH_REQ   a worker asks auth (common/authmsg.h): u64 id, u8 op,
 *           u32 n, n times bytes (u32 length + bytes)
 *   AUTH_REP   the answer: u64 id (the same), u8 status, u32 n, n bytes
 *   AUTH_CTL   u64 id, str JSON: an airlockctl command auth owns (users,
 *           groups, tokens), with the caller's description added
 *   AUTH_CTL_REPLY  u64 id, str JSON answer
 *   AUDIT      str action, u64 user id, str user description, str event
 *           description: auth's events, recorded by the master
 *   KEY_LINK   u32 worker slot; fd: a worker <-> keys socketpair, made
 *           like AUTH_LINK
 *   KEY_REQ    a private-key operation for a TLS handshake
 *           (common/tlskey.h: u8 op, i32 padding, u32 length, bytes)
 *   KEY_REP    i32 result length (-1: refused), then the bytes
 *
 *   SYNC_JOB   JSON {"repos":[{"name","upstream","ca_pem","options",
 *           "secret","packages","suggests"}],"key"}: a mirror to mirror in
 *           this window (one message per mirror, each adds to the list);
 *           options is its sync_options, secret its sealed credentials
 *           (master/syncopt.h), key the hex sync key that opens them
 *           (only when it has some; the sync role wipes it); "packages" is
 *           the size of its package list (absent: it has none, so
 *           everything upstream is mirrored)
 *   SYNC_WANT  str repository, str package names ("a\nb\n"...): its
 *           package list (as many messages as it takes, before SYNC_GO)
 *   SYNC_HAVE  str repository, str file names ("a_1.0.tar.gz\n"...):
 *           what the mirror holds already (as many messages as it takes)
 *   SYNC_GO    (empty): the job is complete, start
 *   SYNC_FILES str repository, u32 n, n times (str file name, str MD5,
 *           str SHA-256: the upstream index's, "" when none; syncmsg.h);
 *           fds: the files, size-checked, read-only
 *   SYNC_ACK   str JSON: the ingest results of the last SYNC_FILES
 *   SYNC_STATUS str repository, u64 bytes done, u64 bytes total, u32
 *           files done, u32 files total
 *   SYNC_ERROR str repository, str file ("" for the index), str error
 *   SYNC_DONE  str repository, u32 complete (every file fetched and taken)
 *
 *   UNBUNDLE   u64 max file size, u32 n, n times str trusted public key
 *           (PEM); fd: an offline bundle to verify and unpack
 *   UNBUNDLED_FILE  str file name; fd: its bytes (a memfd)
 *   UNBUNDLED_DONE  u8 ok, str error, str repository, str key id: only
 *           with ok is every file given whole and verified
 *
 * CONFIG also carries fds to keys (the private key file, opened by the
 * master) and to workers (after the load table: the certificate chain).
 */
#ifndef AIRLOCK_IPC_MSGS_H
#define AIRLOCK_IPC_MSGS_H

#define IPC_MESSAGES(X)                                                      \
	X(CONFIG, 1, R_MASTER, R_WORKER | R_AUTH | R_SYNC | R_INSPECT | R_KEYS, \
	    0, 16,                                                           \
	    16384,                                                           \
	    S_START)                                                         \
	X(READY, 2, R_WORKER | R_AUTH | R_SYNC | R_INSPECT | R_KEYS, R_MASTER, \
	    0, 0, 0,                                                         \
	    S_START)                                                         \
	X(STATE, 3, R_MASTER, R_WORKER, 0, 0, 16, S_RUN | S_DRAIN)           \
	X(DRAIN, 4, R_MASTER, R_WORKER, 0, 0, 0, S_RUN)                      \
	X(PING, 5, R_MASTER, R_WORKER | R_AUTH | R_SYNC | R_INSPECT | R_KEYS, \
	    0, 0, 8, S_RUN | S_DRAIN)                                        \
	X(PONG, 6, R_WORKER | R_AUTH | R_SYNC | R_INSPECT | R_KEYS, R_MASTER, \
	    0, 0, 8, S_RUN | S_DRAIN)                                        \
	X(SHUTDOWN, 7, R_MASTER, R_AUTH | R_SYNC | R_INSPECT | R_KEYS, 0, 0, 0, \
	    S_RUN)                                                           \
	X(PUBLISHED, 8, R_MASTER, R_WORKER, 0, 0, 256, S_RUN | S_DRAIN)      \
	X(INSPECT, 9, R_MASTER, R_INSPECT, 1, 1, 4200, S_RUN)                \
	X(INSPECTED, 10, R_INSPECT, R_MASTER, 0, 0, 65536, S_RUN)            \
	X(CTL_REQUEST, 11, R_CTL, R_MASTER, 0, 16, 65536, S_RUN)             \
	X(CTL_REPLY, 12, R_MASTER, R_CTL, 0, 0, 65536, S_RUN)             \
	X(AUTH_LINK, 13, R_MASTER, R_WORKER | R_AUTH, 1, 1, 4,               \
	    S_RUN | S_DRAIN)                                                 \
	X(AUTH_REQ, 14, R_WORKER, R_AUTH, 0, 0, 16384, S_RUN)               \
	X(AUTH_REP, 15, R_AUTH, R_WORKER, 0, 0, 65536, S_RUN)               \
	X(AUTH_CTL, 16, R_MASTER, R_AUTH, 0, 0, 65536, S_RUN)               \
	X(AUTH_CTL_REPLY, 17, R_AUTH, R_MASTER, 0, 0, 65536, S_RUN)         \
	X(AUDIT, 18, R_AUTH, R_MASTER, 0, 0, 16384, S_RUN)                  \
	X(KEY_LINK, 19, R_MASTER, R_WORKER | R_KEYS, 1, 1, 4, S_RUN | S_DRAIN) \
	X(KEY_REQ, 20, R_WORKER, R_KEYS, 0, 0, 2048, S_RUN)                 \
	X(KEY_REP, 21, R_KEYS, R_WORKER, 0, 0, 2048, S_RUN)                 \
	X(SYNC_JOB, 22, R_MASTER, R_SYNC, 0, 0, 65536, S_RUN)               \
	X(SYNC_HAVE, 23, R_MASTER, R_SYNC, 0, 0, 65536, S_RUN)              \
	X(SYNC_GO, 24, R_MASTER, R_SYNC, 0, 0, 0, S_RUN)                    \
	X(SYNC_FILES, 25, R_SYNC, R_MASTER, 1, 16, 65536, S_RUN)            \
	X(SYNC_ACK, 26, R_MASTER, R_SYNC, 0, 0, 65536, S_RUN)               \
	X(SYNC_STATUS, 27, R_SYNC, R_MASTER, 0, 0, 1024, S_RUN)             \
	X(SYNC_ERROR, 28, R_SYNC, R_MASTER, 0, 0, 4096, S_RUN)              \
	X(SYNC_DONE, 29, R_SYNC, R_MASTER, 0, 0, 1024, S_RUN)               \
	X(UNBUNDLE, 30, R_MASTER, R_INSPECT, 1, 1, 65536, S_RUN)            \
	X(UNBUNDLED_FILE, 31, R_INSPECT, R_MASTER, 1, 1, 1024, S_RUN)       \
	X(UNBUNDLED_DONE, 32, R_INSPECT, R_MASTER, 0, 0, 4096, S_RUN)      \
	X(SYNC_WANT, 33, R_MASTER, R_SYNC, 0, 0, 65536, S_RUN)

#endif
