/*
 * sandbox: the machinery each role's policy is written in.  A policy is a
 * table of rules (workers/sandbox.c, auth/sandbox.c, sync/sandbox.c) read
 * top to bottom: calls denied softly with an errno so that libc's probing
 * fails instead of killing, then the allowed calls, some only with checked
 * arguments.  Everything else kills the whole process with SIGSYS, which
 * the master reports as a sandbox violation.  Other architectures' calls
 * are killed too (libseccomp's bad-arch action).
 */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include <stdint.h>
#include <seccomp.h>

struct sandbox_rule {
	int nr;
	uint32_t action;
	int arg;		/* -1: no argument check */
	enum scmp_compare op;
	uint64_t a, b;		/* compared as in SCMP_CMP(arg, op, a, b) */
};

#define SB_DENY(name, err) \
	{ SCMP_SYS(name), SCMP_ACT_ERRNO(err), -1, _SCMP_CMP_MIN, 0, 0 }
#define SB_ALLOW(name) \
	{ SCMP_SYS(name), SCMP_ACT_ALLOW, -1, _SCMP_CMP_MIN, 0, 0 }
/* Allowed only when (argument n & mask) == value. */
#define SB_ALLOW_MASKED(name, n, mask, value) \
	{ SCMP_SYS(name), SCMP_ACT_ALLOW, n, SCMP_CMP_MASKED_EQ, mask, value }
#define SB_ALLOW_EQ(name, n, value) \
	{ SCMP_SYS(name), SCMP_ACT_ALLOW, n, SCMP_CMP_EQ, value, 0 }
/* Denied with errno err only when argument n == value. */
#define SB_DENY_EQ(name, n, value, err) \
	{ SCMP_SYS(name), SCMP_ACT_ERRNO(err), n, SCMP_CMP_EQ, value, 0 }

/*
 * Sets the limits a sandboxed role lives under (no core dumps, not
 * dumpable, no new processes when noproc), then no_new_privs (refusing to
 * go on without it), then loads the rules.  fatal() on any failure: a role
 * never runs unconfined by accident.
 */
void sandbox_apply(const char *role, const struct sandbox_rule *rules,
    unsigned n, int noproc);

/* The policies, one per sandboxed role. */
void sandbox_worker(void);
void sandbox_auth(void);
void sandbox_sync(void);
void sandbox_inspect(void);
void sandbox_keys(void);

#endif
