#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;
static int64_t watchdog_ms;

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wdpid = getenv("WATCHDOG_PID");
	size_t n;

	if (wd != NULL && (wdpid == NULL || atol(wdpid) == (long)getpid())) {
		long long usec = atoll(wd);

		if (usec > 0)
			watchdog_ms = usec / 2000;
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (path == NULL || *path == '\0')
		return;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    n >= sizeof(notify_addr.sun_path)) {
		log_warn("notify: ignoring NOTIFY_SOCKET=%s", path);
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, n);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';	/* abstract namespace */
	notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		log_warn("notify: socket: %s", strerror(errno));
	/* Children must not inherit it: only the master speaks to systemd. */
	unsetenv("NOTIFY_SOCKET");
}

void
notify_send(const char *state)
{
	static int warned;

	if (notify_fd == -1)
		return;
	if (sendto(notify_fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_addrlen) == -1 && !warned) {
		log_warn("notify: %s: %s", state, strerror(errno));
		warned = 1;
	}
	log_debug("notify: %s", state);
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%lld",
	    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	notify_send(msg);
}

int64_t
notify_watchdog_ms(void)
{
	return watchdog_ms;
}
