#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
str_vis(char *dst, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[i] = '\0';
	if (s[i] != '\0' && n > 4)
		memcpy(dst + n - 4, "...", 4);
	return dst;
}

int
fd_set_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
fd_set_cloexec(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	fl = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, fl);
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n;
	char *p;

	n = strlen(path);
	if (n == 0 || n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, path, n + 1);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
privsep_drop(uid_t uid, gid_t gid, const char *chroot_dir)
{
	if (geteuid() != 0) {
		/* No chroot without root: at least work from the same place. */
		if (chroot_dir != NULL && chdir(chroot_dir) == -1) {
			log_error("privsep: chdir %s: %s", chroot_dir,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (chroot_dir != NULL) {
		if (chroot(chroot_dir) == -1) {
			log_error("privsep: chroot %s: %s", chroot_dir,
			    strerror(errno));
			return -1;
		}
		if (chdir("/") == -1) {
			log_error("privsep: chdir / in %s: %s", chroot_dir,
			    strerror(errno));
			return -1;
		}
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_error("privsep: cannot become uid %u gid %u: %s",
		    (unsigned)uid, (unsigned)gid, strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		log_error("privsep: could regain root after dropping it");
		return -1;
	}
	return 0;
}

void
names_split(const char *text, void (*add)(void *arg, const char *name,
    size_t len), void *arg)
{
	const char *p = text, *e;

	while (*p != '\0') {
		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		if (strchr(", \t\r\n", *p) != NULL) {
			p++;
			continue;
		}
		e = p + strcspn(p, ", \t\r\n#");
		add(arg, p, (size_t)(e - p));
		p = e;
	}
}
