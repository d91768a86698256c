/*
 * sync: the only role that may reach the outside, and only while an
 * admin-approved window is open: the master starts it when a window
 * opens and kills it when the window ends (master/window.c).  Today it
 * drops into DATA_DIR/quarantine under its seccomp policy and answers the
 * master; the mirroring pass (sync/upstream.c, sync/fetch.c) is not wired
 * in yet.
 */
#ifndef AIRLOCK_SYNC_H
#define AIRLOCK_SYNC_H
#endif
