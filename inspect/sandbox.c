/*
 * The inspect role's system call policy: the narrowest of all.  It reads
 * package files from fds the master hands it and answers over its
 * socketpair; it opens nothing, has no network, and cannot exec or fork.
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>

#include "sandbox.h"
#include "util.h"

static const struct sandbox_rule inspect_rules[] = {
	SB_DENY(ioctl, ENOTTY),
	SB_DENY(open, EACCES),
	SB_DENY(openat, EACCES),	/* libc may probe; nothing to open */

	SB_ALLOW(brk),
	SB_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),
	SB_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SB_ALLOW(munmap),
	SB_ALLOW(mremap),
	SB_ALLOW(madvise),

	/* The package file, by fd only. */
	SB_ALLOW(read),
	SB_ALLOW(pread64),
	SB_ALLOW(lseek),
	SB_ALLOW(fstat),
	SB_ALLOW(newfstatat),
	SB_ALLOW(close),

	/* A bundle's files go to the master as memfds (never a path). */
	SB_ALLOW(memfd_create),
	SB_ALLOW(ftruncate),

	/* The master. */
	SB_ALLOW(poll),
	SB_ALLOW(ppoll),
	SB_ALLOW(recvmsg),
	SB_ALLOW(sendmsg),
	SB_ALLOW(write),		/* the log on stderr */

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
sandbox_inspect(void)
{
	sandbox_apply("inspect", inspect_rules, nitems(inspect_rules), 1);
}
