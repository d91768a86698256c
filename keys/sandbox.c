/*
 * The keys role's system call policy.  It holds the TLS private key and
 * signs handshakes for workers over socketpairs; it reads its key from an
 * fd before this applies, then opens nothing, has no network, and cannot
 * exec or fork.
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>

#include "sandbox.h"
#include "util.h"

static const struct sandbox_rule keys_rules[] = {
	SB_DENY(ioctl, ENOTTY),
	SB_DENY(open, EACCES),
	SB_DENY(openat, EACCES),	/* OpenSSL may probe; nothing to open */

	SB_ALLOW(brk),
	SB_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),
	SB_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SB_ALLOW(munmap),
	SB_ALLOW(mremap),
	SB_ALLOW(madvise),

	/* The master and the workers' links. */
	SB_ALLOW(epoll_wait),
	SB_ALLOW(epoll_pwait),
	SB_ALLOW(epoll_ctl),
	SB_ALLOW(recvmsg),
	SB_ALLOW(sendmsg),
	SB_ALLOW(close),
	SB_ALLOW(fcntl),		/* O_NONBLOCK on a new link */
	SB_ALLOW(write),		/* the log on stderr */

	SB_ALLOW(clock_gettime),
	SB_ALLOW(gettimeofday),
	SB_ALLOW(getrandom),		/* RSA blinding, ECDSA nonces */
	SB_ALLOW(getpid),
	SB_ALLOW(futex),
	SB_ALLOW(rt_sigreturn),
	SB_ALLOW(rt_sigprocmask),
	SB_ALLOW(restart_syscall),
	SB_ALLOW(exit),
	SB_ALLOW(exit_group),
};

void
sandbox_keys(void)
{
	sandbox_apply("keys", keys_rules, nitems(keys_rules), 1);
}
