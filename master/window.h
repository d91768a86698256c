/*
 * window: connectivity windows, the only times a sync process exists.  A
 * window is opened by an admin (airlockctl sync open) or by the clock
 * (sync.schedule), approved by a second admin when
 * sync.require_approval is set, and ends at its end time or when an admin
 * closes it; the master starts the sync role when one opens and kills it
 * when it ends, whatever it is doing.  Every step is in the audit trail.
 */
#ifndef AIRLOCK_WINDOW_H
#define AIRLOCK_WINDOW_H

#include <jansson.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"

struct ipc_msg;
struct buf;

struct window_ops {
	pid_t (*start)(void);	/* starts the sync role: its pid, or -1 */
	void (*kill)(void);	/* SIGKILL to it */
	/* Sends to the sync role, waiting for room; -1 when it is gone. */
	int (*send)(int type, const struct buf *payload);
	void (*published)(const char *repo);	/* tells the workers */
	uid_t (*sync_uid)(void);	/* the user the sync role runs as */
};

void window_init(sqlite3 *db, const struct airlock_conf *conf,
    const struct window_ops *ops);
void window_reconf(const struct airlock_conf *conf);
/* Opens, starts, ends and expires windows; call about once a second. */
void window_tick(time_t now);
/* The sync process ended (how: "exited with status 0", a signal ...). */
void window_sync_gone(pid_t pid, const char *how);
/* The sync role said READY: its job goes (what to mirror, what we hold). */
void window_sync_ready(void);
/* A message from the sync role; -1 when it is malformed (end it). */
int window_sync_msg(struct ipc_msg *msg);
/* sync.open, sync.approve, sync.close, sync.status, sync.history */
json_t *window_cmd(const char *cmd, json_t *req, const char *actor);

#endif
