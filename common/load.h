/*
 * load: how many connections each worker holds, in one page shared by the
 * master and the workers (a memfd the master creates and hands to every
 * worker, last among its CONFIG fds).  A worker holding more than
 * LOAD_SLACK connections above the least loaded live worker stops
 * accepting until it no longer does, so a burst of connections spreads
 * over the workers instead of landing on whichever woke first (nginx's
 * accept_mutex answers the same problem).  Rows alternate by generation
 * so that workers of a reload never share a counter with the ones they
 * replace; the master marks a counter LOAD_DEAD when its worker dies or
 * starts draining, and a worker writes only its own.
 */
#ifndef AIRLOCK_LOAD_H
#define AIRLOCK_LOAD_H

#include <stdint.h>

#define LOAD_SLOTS 65		/* 1 + the most workers (slot 0 is auth) */
#define LOAD_DEAD UINT32_MAX
#define LOAD_SLACK 2

struct load_table {
	uint32_t conns[2][LOAD_SLOTS];	/* [generation & 1][slot] */
};

#endif
