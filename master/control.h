/*
 * control: the master's admin socket, over which airlockctl works.  A
 * SOCK_SEQPACKET UNIX socket (server.control_socket, mode 0600), whose
 * peers must be root (checked with SO_PEERCRED).  Requests are JSON
 * commands in CTL_REQUEST messages, package files travel as fds; answers
 * are JSON in CTL_REPLY pieces.  Package files are copied and hashed here
 * and parsed by the inspect role; nothing here parses package bytes.
 */
#ifndef AIRLOCK_CONTROL_H
#define AIRLOCK_CONTROL_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "conf.h"
#include "ipc.h"

/* What control needs from the master. */
struct control_ops {
	/* Sends INSPECT to the inspect role, starting it if need be; -1 if
	 * it cannot be had now (control retries when told it is ready). */
	int (*inspect)(const struct buf *payload, int fd);
	/* Tells every worker that a repository's snapshots changed. */
	void (*published)(const char *repo);
	/* Sends AUTH_CTL to the auth role (*pid: which one); -1 if down. */
	int (*auth)(const struct buf *payload, pid_t *pid);
	/* Sends UNBUNDLE to the inspect role, as inspect does INSPECT. */
	int (*unbundle)(const struct buf *payload, int fd);
};

/* Binds the socket; -1 with the reason logged. */
int control_init(const struct airlock_conf *conf, sqlite3 *db, int epfd,
    const struct control_ops *ops);
/* The configuration was reloaded: conf replaces the old one. */
void control_reconf(const struct airlock_conf *conf);
/*
 * Creates or sets the cran mirrors sync.mirrors declares, each as its
 * entry says (airlock.conf(5)); audited as airlock.conf's.  At start and
 * after each reload; an entry unchanged since it was applied is left.
 */
void control_config_mirrors(void);
/* An epoll event for the control socket or one of its connections. */
void control_event(void *tag, uint32_t events);
/*
 * The inspect role answered (-1: not to what it was asked; the master
 * ends it), is ready for work, or died.
 */
int control_inspected(struct ipc_msg *msg);
void control_inspect_ready(void);
void control_inspect_gone(const char *why);
/* The inspect role's UNBUNDLED_FILE / _DONE; -1: not asked for. */
int control_unbundled(struct ipc_msg *msg);
/* auth answered a command (-1: malformed), or died. */
int control_auth_reply(struct ipc_msg *msg);
void control_auth_gone(pid_t pid);
/*
 * Ingests files for the master itself (a sync pass): the same copy,
 * inspection and record as airlockctl add; takes the fds; done gets the
 * answer add would give (then it is freed).  md5s and sha256s, when not
 * NULL, give each file's digests as its source claims them (lowercase
 * hex; "": none): a copy that differs is refused.  Files of adopt_uid
 * may be adopted rather than copied (store.h); (uid_t)-1: none.  -1 when
 * it cannot start.
 */
int control_ingest(const char *repo, const char *actor, int *fds,
    char *const *names, char *const *md5s, char *const *sha256s, int n,
    uid_t adopt_uid, void (*done)(void *arg, json_t *answer), void *arg);
/* Whether jobs wait for the inspect role (the master keeps it alive). */
int control_busy(void);
void control_close(void);

#endif
