/*
 * sync: the only role that may reach the outside, and only while an
 * admin-approved window is open: the master starts it when a window
 * opens and kills it when the window ends (master/window.c).  It mirrors
 * each cran repository's upstream into DATA_DIR/quarantine (its chroot)
 * and hands verified files to the master (sync.c).
 */
#ifndef AIRLOCK_SYNC_H
#define AIRLOCK_SYNC_H
#endif
