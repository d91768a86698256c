#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "util.h"

#define LISTEN_BACKLOG 511
#define SD_LISTEN_FDS_START 3

int
listen_split(const char *s, char *host, size_t hostsz, char *port,
    size_t portsz)
{
	const char *colon, *h = s;
	size_t hl;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl >= hostsz || strlen(colon + 1) >= portsz || colon[1] == '\0')
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int
listen_one(const char *name)
{
	struct addrinfo hints, *res, *ai;
	char host[256], port[16];
	int fd = -1, on = 1, off = 0, r, err = 0;

	if (listen_split(name, host, sizeof(host), port, sizeof(port)) != 0) {
		log_error("listen: %s: not host:port", name);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (host[0] == '\0')	/* ":port": every address, both families */
		hints.ai_family = AF_INET6;
	if ((r = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		if (host[0] != '\0') {
			log_error("listen: %s: %s", name, gai_strerror(r));
			return -1;
		}
		/* No IPv6 on this host: all IPv4 addresses instead. */
		hints.ai_family = AF_INET;
		if ((r = getaddrinfo(NULL, port, &hints, &res)) != 0) {
			log_error("listen: %s: %s", name, gai_strerror(r));
			return -1;
		}
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
			    host[0] ? &on : &off, sizeof(int));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		log_error("listen: cannot listen on %s: %s", name, strerror(err));
	else
		log_info("listening on %s", name);
	return fd;
}

int
listen_from_systemd(struct listeners *l)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int n, i, fd, type, acc;
	socklen_t len;
	char name[32];

	memset(l, 0, sizeof(*l));
	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return 0;
	n = atoi(fds);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n <= 0 || n > LISTEN_MAX) {
		log_error("listen: LISTEN_FDS=%s: want 1..%d sockets", fds,
		    LISTEN_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		fd = SD_LISTEN_FDS_START + i;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
		    type != SOCK_STREAM) {
			log_error("listen: systemd fd %d is not a stream socket",
			    fd);
			return -1;
		}
		len = sizeof(acc);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == -1 ||
		    !acc) {
			log_error("listen: systemd fd %d is not listening", fd);
			return -1;
		}
		fd_set_cloexec(fd, 1);
		fd_set_nonblock(fd);
		snprintf(name, sizeof(name), "systemd:%d", fd);
		l->fds[i] = fd;
		l->names[i] = strdup(name);
	}
	l->n = (size_t)n;
	l->activated = 1;
	log_info("using %d socket(s) from systemd", n);
	return n;
}

int
listen_bind(struct listeners *l, const struct strlist *addrs)
{
	size_t i;
	int fd;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < addrs->n && i < LISTEN_MAX; i++) {
		if ((fd = listen_one(addrs->v[i])) == -1) {
			listen_close(l);
			return -1;
		}
		l->fds[l->n] = fd;
		l->names[l->n++] = strdup(addrs->v[i]);
	}
	return 0;
}

int
listen_rebind(struct listeners *l, const struct strlist *addrs)
{
	struct listeners nl;
	size_t i, j;
	int fd;

	if (l->activated)
		return 0;
	memset(&nl, 0, sizeof(nl));
	for (i = 0; i < addrs->n && i < LISTEN_MAX; i++) {
		fd = -1;
		for (j = 0; j < l->n; j++)
			if (l->fds[j] != -1 &&
			    strcmp(l->names[j], addrs->v[i]) == 0) {
				fd = l->fds[j];
				l->fds[j] = -1;	/* moved to nl */
				break;
			}
		if (fd == -1 && (fd = listen_one(addrs->v[i])) == -1)
			goto fail;
		nl.fds[nl.n] = fd;
		nl.names[nl.n++] = strdup(addrs->v[i]);
	}
	listen_close(l);
	*l = nl;
	return 0;
fail:
	/* Give the kept sockets back; close only the ones bound here. */
	for (i = 0; i < nl.n; i++) {
		for (j = 0; j < l->n; j++)
			if (l->fds[j] == -1 &&
			    strcmp(l->names[j], nl.names[i]) == 0) {
				l->fds[j] = nl.fds[i];
				nl.fds[i] = -1;
				break;
			}
	}
	listen_close(&nl);
	return -1;
}

void
listen_close(struct listeners *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->fds[i] != -1)
			close(l->fds[i]);
		free(l->names[i]);
	}
	l->n = 0;
}
