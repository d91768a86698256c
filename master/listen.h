/*
 * listen: the master's listening sockets, bound from http.listen or taken
 * from systemd socket activation (LISTEN_FDS/LISTEN_PID, no libsystemd).
 * Workers receive these fds over IPC and all accept on them.
 */
#ifndef AIRLOCK_LISTEN_H
#define AIRLOCK_LISTEN_H

#include <stddef.h>

#include "conf.h"

#define LISTEN_MAX 16

struct listeners {
	int fds[LISTEN_MAX];
	char *names[LISTEN_MAX];	/* "addr:port" as configured */
	size_t n;
	int activated;			/* from systemd; never rebound */
};

/* Takes sockets passed by systemd; returns their count (0 if none), -1 bad. */
int listen_from_systemd(struct listeners *l);
/* Binds every http.listen entry; -1 with the failing address logged. */
int listen_bind(struct listeners *l, const struct strlist *addrs);
/*
 * For a reload: keeps sockets whose address is still configured, binds the
 * new ones and closes the rest.  On failure l is unchanged.
 */
int listen_rebind(struct listeners *l, const struct strlist *addrs);
void listen_close(struct listeners *l);
/* "127.0.0.1:8080" → host and port; "[::1]:80" and ":80" too. */
int listen_split(const char *s, char *host, size_t hostsz, char *port,
    size_t portsz);

#endif
