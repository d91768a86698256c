/*
 * sync: the only role that may reach the outside, and only while an
 * admin-approved window is open.  The master does not start it yet (sync
 * windows are their own issue); what exists is its entry point, its
 * privilege drop into DATA_DIR/quarantine and its seccomp policy, so the
 * policy is tested from the start.
 */
#ifndef AIRLOCK_SYNC_H
#define AIRLOCK_SYNC_H
#endif
