/* util: small helpers shared by every role. */
#ifndef AIRLOCK_UTIL_H
#define AIRLOCK_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* A message into err, for functions that report why they failed. */
void errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * s made safe to echo in a message (it may come from a file or a user):
 * bytes outside printable ASCII as '?', cut to n with "...".
 */
const char *str_vis(char *dst, size_t n, const char *s);

int fd_set_nonblock(int fd);
int fd_set_cloexec(int fd, int on);
/* CLOCK_MONOTONIC in milliseconds. */
int64_t mono_ms(void);
/* mkdir -p with mode for the directories it creates. */
int mkdir_p(const char *path, mode_t mode);

/*
 * Drops to uid/gid for good: chroot into dir (when not NULL), supplementary
 * groups cleared, real/effective/saved ids set, and a check that root cannot
 * be regained.  As another user it only changes into dir, so that relative
 * paths mean the same either way.  Returns 0 or -1 with the reason logged.
 */
int privsep_drop(uid_t uid, gid_t gid, const char *chroot_dir);

/*
 * Calls add for each name in text: names are split at commas and blanks
 * (newlines too), and '#' starts a comment to the end of its line.  The
 * one syntax of package lists and of --binaries, wherever they are read.
 */
void names_split(const char *text, void (*add)(void *arg, const char *name,
    size_t len), void *arg);

#endif
