/*
 * The sync role's system call policy.  sync is the only role that talks to
 * the outside (the configured upstream, during an open window), so it may
 * create IP sockets and connect; it writes only into quarantine (its chroot)
 * and may not exec, fork, or create UNIX sockets to reach local services.
 * libcurl's threaded resolver needs clone for threads only.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "sandbox.h"
#include "util.h"

static const struct sandbox_rule sync_rules[] = {
	SB_DENY(ioctl, ENOTTY),
	SB_DENY(open, EACCES),

	SB_ALLOW(brk),
	SB_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),
	SB_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SB_ALLOW(munmap),
	SB_ALLOW(mremap),
	SB_ALLOW(madvise),

	/*
	 * Network: IPv4 and IPv6 only, never AF_UNIX or netlink.  glibc's
	 * getaddrinfo first asks nscd over an AF_UNIX socket, and asks the
	 * kernel for the host's addresses over netlink for AI_ADDRCONFIG:
	 * refused softly, it falls back to the hosts file and resolv.conf
	 * that the master copies into the chroot.
	 */
	SB_DENY_EQ(socket, 0, AF_UNIX, EACCES),
	SB_DENY_EQ(socket, 0, AF_NETLINK, EACCES),
	SB_ALLOW_EQ(socket, 0, AF_INET),
	SB_ALLOW_EQ(socket, 0, AF_INET6),
	SB_ALLOW(connect),
	SB_ALLOW(getsockname),
	SB_ALLOW(getpeername),
	SB_ALLOW(setsockopt),
	SB_ALLOW(getsockopt),
	SB_ALLOW(sendto),
	SB_ALLOW(recvfrom),
	SB_ALLOW(sendmsg),
	SB_ALLOW(recvmsg),
	SB_ALLOW(sendmmsg),
	SB_ALLOW(poll),
	SB_ALLOW(ppoll),
	SB_ALLOW(epoll_create1),
	SB_ALLOW(epoll_wait),
	SB_ALLOW(epoll_pwait),
	SB_ALLOW(epoll_ctl),
	SB_ALLOW(pipe2),
	SB_ALLOW(eventfd2),
	SB_ALLOW(shutdown),
	/* libcurl's multi handle wakes itself through an anonymous pair. */
	SB_ALLOW_EQ(socketpair, 0, AF_UNIX),

	/* Quarantine files. */
	SB_ALLOW(openat),
	SB_ALLOW(close),
	SB_ALLOW(read),
	SB_ALLOW(write),
	SB_ALLOW(writev),
	SB_ALLOW(pread64),
	SB_ALLOW(pwrite64),
	SB_ALLOW(lseek),
	SB_ALLOW(fstat),
	SB_ALLOW(newfstatat),
	SB_ALLOW(statx),
	SB_ALLOW(fcntl),
	SB_ALLOW(fsync),
	SB_ALLOW(fdatasync),
	SB_ALLOW(ftruncate),
	SB_ALLOW(renameat),
	SB_ALLOW(rename),
	SB_ALLOW(unlink),
	SB_ALLOW(unlinkat),
	SB_ALLOW(mkdir),		/* quarantine/<mirror> */
	SB_ALLOW(mkdirat),
	SB_ALLOW(getdents64),

	/* Threads for the resolver: clone with CLONE_THREAD only. */
	SB_ALLOW_MASKED(clone, 0, CLONE_THREAD, CLONE_THREAD),
	SB_DENY(clone3, ENOSYS),	/* glibc falls back to clone */
	SB_ALLOW(set_robust_list),
	SB_ALLOW(rseq),
	SB_ALLOW(sched_getaffinity),

	/* res_init takes the default domain from the host name. */
	SB_ALLOW(uname),
	SB_ALLOW(clock_gettime),
	SB_ALLOW(gettimeofday),
	SB_ALLOW(clock_nanosleep),
	SB_ALLOW(nanosleep),
	SB_ALLOW(getrandom),
	SB_ALLOW(getpid),
	SB_ALLOW(gettid),
	SB_ALLOW(futex),
	SB_ALLOW(rt_sigaction),
	SB_ALLOW(rt_sigreturn),
	SB_ALLOW(rt_sigprocmask),
	SB_ALLOW(restart_syscall),
	SB_ALLOW(exit),
	SB_ALLOW(exit_group),
};

void
sandbox_sync(void)
{
	/* Not RLIMIT_NPROC: it counts threads too. */
	sandbox_apply("sync", sync_rules, nitems(sync_rules), 0);
}
