/*
 * The worker's system call policy.  A worker parses HTTP from anyone, so it
 * gets the least: it accepts on sockets it was handed, reads files of the
 * store read-only, sends them, and talks to the master over its socketpair.
 * It may not create sockets, connect, exec, fork or open anything for
 * writing.  Everything not listed kills it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "sandbox.h"
#include "util.h"

static const struct sandbox_rule worker_rules[] = {
	/* Soft denials: libc asks, gets an error, carries on. */
	SB_DENY(ioctl, ENOTTY),		/* isatty() and friends */
	SB_DENY(open, EACCES),		/* legacy open(2): libc uses openat */
	SB_DENY(stat, EACCES),

	/* Memory. */
	SB_ALLOW(brk),
	SB_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),		/* never executable */
	SB_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SB_ALLOW(munmap),
	SB_ALLOW(mremap),
	SB_ALLOW(madvise),

	/* The event loop and its connections. */
	SB_ALLOW(epoll_wait),
	SB_ALLOW(epoll_pwait),
	SB_ALLOW(epoll_ctl),
	SB_ALLOW(accept4),
	SB_ALLOW(read),
	SB_ALLOW(recvfrom),
	SB_ALLOW(write),		/* sockets and the log on stderr */
	SB_ALLOW(writev),
	SB_ALLOW(sendto),
	SB_ALLOW(sendfile),
	SB_ALLOW(setsockopt),		/* TCP_CORK, TCP_NODELAY on accepted */
	SB_ALLOW(getsockopt),
	SB_ALLOW(getpeername),
	SB_ALLOW(shutdown),
	SB_ALLOW(close),
	SB_ALLOW(fcntl),		/* O_NONBLOCK on IPC fds */

	/* IPC with the master (SCM_RIGHTS needs the msg variants). */
	SB_ALLOW(recvmsg),
	SB_ALLOW(sendmsg),
	SB_ALLOW(poll),			/* waiting for the keys role (TLS) */
	SB_ALLOW(ppoll),

	/* Files of the store, read-only: no write, create, truncate, append. */
	SB_ALLOW_MASKED(openat, 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND,
	    O_RDONLY),
	SB_ALLOW(fstat),
	SB_ALLOW(newfstatat),
	SB_ALLOW(statx),
	SB_ALLOW(lseek),
	SB_ALLOW(pread64),

	/* Time, randomness, identity for the log, signals, exit. */
	SB_ALLOW(clock_gettime),
	SB_ALLOW(gettimeofday),
	SB_ALLOW(getrandom),
	SB_ALLOW(getpid),
	SB_ALLOW(futex),
	SB_ALLOW(rt_sigreturn),
	SB_ALLOW(rt_sigprocmask),
	SB_ALLOW(restart_syscall),
	SB_ALLOW(exit),
	SB_ALLOW(exit_group),
};

void
sandbox_worker(void)
{
	sandbox_apply("worker", worker_rules, nitems(worker_rules), 1);
}
