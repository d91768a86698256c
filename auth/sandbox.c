/*
 * The auth role's system call policy.  auth holds credentials and the
 * SQLite database, so it may read and write files (only inside its chroot,
 * the database directory) but has no network at all: no socket, connect,
 * accept, exec or fork.  It talks only over the socketpair it was given.
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>

#include "sandbox.h"
#include "util.h"

static const struct sandbox_rule auth_rules[] = {
	SB_DENY(ioctl, ENOTTY),
	SB_DENY(open, EACCES),

	SB_ALLOW(brk),
	SB_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),	/* SQLite maps the WAL index */
	SB_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SB_ALLOW(munmap),
	SB_ALLOW(mremap),
	SB_ALLOW(madvise),

	SB_ALLOW(epoll_wait),
	SB_ALLOW(epoll_pwait),
	SB_ALLOW(epoll_ctl),
	SB_ALLOW(poll),
	SB_ALLOW(ppoll),
	SB_ALLOW(recvmsg),
	SB_ALLOW(sendmsg),

	/* SQLite: its files, locks and durability. */
	SB_ALLOW(openat),
	SB_ALLOW(close),
	SB_ALLOW(read),
	SB_ALLOW(write),
	SB_ALLOW(pread64),
	SB_ALLOW(pwrite64),
	SB_ALLOW(lseek),
	SB_ALLOW(fstat),
	SB_ALLOW(newfstatat),
	SB_ALLOW(statx),
	SB_ALLOW(access),
	SB_ALLOW(faccessat),
	SB_ALLOW(faccessat2),
	SB_ALLOW(readlink),
	SB_ALLOW(readlinkat),
	SB_ALLOW(getcwd),
	SB_ALLOW(fcntl),		/* POSIX advisory locks */
	SB_ALLOW(flock),
	SB_ALLOW(fsync),
	SB_ALLOW(fdatasync),
	SB_ALLOW(ftruncate),
	SB_ALLOW(unlink),		/* journal and WAL files */
	SB_ALLOW(unlinkat),
	SB_ALLOW(fchown),		/* SQLite matches a new file's owner */
	SB_ALLOW(fchmod),
	SB_ALLOW(umask),
	SB_ALLOW(geteuid),
	SB_ALLOW(getuid),

	SB_ALLOW(clock_gettime),
	SB_ALLOW(gettimeofday),
	SB_ALLOW(clock_nanosleep),	/* SQLite's busy handler sleeps */
	SB_ALLOW(nanosleep),
	SB_ALLOW(getrandom),
	SB_ALLOW(getpid),
	SB_ALLOW(gettid),
	SB_ALLOW(futex),
	SB_ALLOW(rt_sigreturn),
	SB_ALLOW(rt_sigprocmask),
	SB_ALLOW(restart_syscall),
	SB_ALLOW(exit),
	SB_ALLOW(exit_group),
};

void
sandbox_auth(void)
{
	sandbox_apply("auth", auth_rules, nitems(auth_rules), 1);
}
