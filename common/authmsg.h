/*
 * authmsg: what a worker asks the auth role and what auth answers
 * (IPC_AUTH_REQ / IPC_AUTH_REP): an id to match the answer to its
 * request, an operation or status byte, and a short list of byte strings.
 * Auth parses requests from workers, which it does not trust: the parser
 * is bounded and fuzzed (fuzz_ipc).
 */
#ifndef AIRLOCK_AUTHMSG_H
#define AIRLOCK_AUTHMSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define AUTHMSG_MAX_ARGS 12

/* Requests (worker -> auth); the arguments of each are listed. */
enum auth_op {
	AOP_CHECK = 1,		/* kind (basic|bearer|session), user, secret */
	AOP_LOGIN,		/* user, password, client, captcha id, answer */
	AOP_LOGOUT,		/* session */
	AOP_SUDO,		/* session, password, client */
	AOP_CAPTCHA_NEW,	/* (none) -> id */
	AOP_CAPTCHA_PNG,	/* id -> image */
	AOP_CAPTCHA_WAV,	/* id -> sound */
	AOP_TOKEN_NEW,		/* session, label, expires (s, 0 never) */
	AOP_MAX
};

/* Answers (auth -> worker). */
enum auth_status {
	AST_OK = 0,
	AST_BAD,		/* wrong or unknown credentials */
	AST_LOCKED,		/* too many failures: retry later */
	AST_CAPTCHA,		/* the challenge was missing or wrong */
	AST_SUDO,		/* needs the password again (web sudo) */
	AST_ERROR,		/* auth could not answer */
};

/*
 * CHECK and LOGIN answer OK with the identity, in this order:
 * user id, name, role, groups, token repos, scope, sudo_until, expires,
 * ttl (seconds the worker may reuse the answer); LOGIN adds the session id.
 */
enum { AID_USER_ID, AID_NAME, AID_ROLE, AID_GROUPS, AID_REPOS, AID_SCOPE,
	AID_SUDO_UNTIL, AID_EXPIRES, AID_TTL, AID_N };

struct authmsg {
	uint64_t id;
	uint8_t code;		/* an enum auth_op or auth_status */
	unsigned n;
	char *arg[AUTHMSG_MAX_ARGS];	/* NUL-terminated copies */
	size_t len[AUTHMSG_MAX_ARGS];	/* (they may hold NULs: images) */
	char *store;		/* what arg points into */
};

/* Appends a whole message; lens may be NULL for C strings.  0 or -1. */
int authmsg_pack(struct buf *b, uint64_t id, uint8_t code, unsigned n,
    const char *const *args, const size_t *lens);
/* Parses a payload; 0, or -1 when malformed (nothing to free then). */
int authmsg_parse(struct buf *payload, struct authmsg *m);
/* Wipes (they may be secrets) and frees the copies; NULL ok. */
void authmsg_free(struct authmsg *m);

#endif
