/*
 * master: the root process.  It parses nothing from the network: it reads
 * the configuration, binds, forks and execs each role with its end of a
 * socketpair on IPC_FD, supervises them (respawn with backoff, crash-loop
 * cut-off, SIGSYS reported as a sandbox violation), and handles SIGHUP
 * (reload, workers replaced without dropping connections) and SIGTERM
 * (drain, exit 0).
 */
#ifndef AIRLOCK_MASTER_H
#define AIRLOCK_MASTER_H

#include "conf.h"

struct master_opts {
	const char *conf_path;
	const char **overrides;	/* -o key=value, in order */
	int noverrides;
	int debug;
};

/* Loads file + overrides + checks; NULL with the error logged. */
struct airlock_conf *master_load_conf(const struct master_opts *o);
/* Runs the master until SIGTERM; returns the exit status. */
int master_main(const struct master_opts *o, struct airlock_conf *conf);

/* The role entry points, run after exec with -R. */
int worker_main(void);
int auth_main(void);
int sync_main(void);
int inspect_main(void);
int keys_main(void);

#endif
