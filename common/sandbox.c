#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_apply(const char *role, const struct sandbox_rule *rules, unsigned n,
    int noproc)
{
	struct rlimit zero = { 0, 0 };
	scmp_filter_ctx ctx;
	unsigned i;
	int r;

	if (setrlimit(RLIMIT_CORE, &zero) == -1)
		fatal("sandbox: %s: RLIMIT_CORE: %s", role, strerror(errno));
	if (noproc && setrlimit(RLIMIT_NPROC, &zero) == -1)
		fatal("sandbox: %s: RLIMIT_NPROC: %s", role, strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("sandbox: %s: PR_SET_DUMPABLE: %s", role, strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("sandbox: %s: PR_SET_NO_NEW_PRIVS: %s", role,
		    strerror(errno));
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatal("sandbox: %s: seccomp_init failed", role);
	for (i = 0; i < n; i++) {
		const struct sandbox_rule *ru = &rules[i];

		if (ru->arg < 0)
			r = seccomp_rule_add(ctx, ru->action, ru->nr, 0);
		else
			r = seccomp_rule_add(ctx, ru->action, ru->nr, 1,
			    SCMP_CMP((unsigned)ru->arg, ru->op, ru->a, ru->b));
		if (r < 0) {
			char *name = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, ru->nr);

			fatal("sandbox: %s: rule for %s: %s", role,
			    name ? name : "?", strerror(-r));
		}
	}
	if ((r = seccomp_load(ctx)) < 0)
		fatal("sandbox: %s: seccomp_load: %s", role, strerror(-r));
	seccomp_release(ctx);
	log_debug("sandbox: %s: %u rules loaded", role, n);
}
