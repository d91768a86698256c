/*
 * The auth role: the one process that holds credentials.  Workers ask it
 * over their own socketpairs (AUTH_REQ) whether a token or session is
 * good and who it belongs to, to log in, out and into web sudo, and for
 * CAPTCHAs; the master forwards airlockctl's user, group and token
 * commands (AUTH_CTL).  Password hashes, token hashes and the session
 * table never leave this process; what it tells a worker is an identity.
 * Its events go to the master (AUDIT), which keeps the audit trail.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "authdb.h"
#include "authmsg.h"
#include "captcha.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "passwd.h"
#include "role.h"
#include "sandbox.h"
#include "util.h"

#define MAX_LINKS 160		/* two generations of 64 workers, and slack */
#define NCAPTCHA 512		/* challenges outstanding at once */
#define CAPTCHA_TTL 600		/* seconds a challenge may be answered */
#define NEG_TTL 2		/* seconds a worker may remember a "no" */

struct link {
	int tag;		/* 1: a worker link; the master's is 0 */
	struct ipc_chan ch;
	unsigned slot;
	int used;
};

struct challenge {
	char id[33];		/* 128 random bits, hex */
	char answer[CAPTCHA_LEN + 1];
	uint64_t seed;
	time_t expires;
};

static struct {
	int tag;		/* 0 */
	struct ipc_chan *master;
	struct airlock_conf *conf;
	struct authdb *db;
	struct auth_policy pol;
	int epfd;
	struct link links[MAX_LINKS];
	struct challenge ch[NCAPTCHA];
	time_t next_sweep;
} A;

/* Sends one event to the master's audit trail. */
static void
audit(const char *action, int64_t user_id, const char *user_desc,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
audit(const char *action, int64_t user_id, const char *user_desc,
    const char *fmt, ...)
{
	char ev[2048];
	struct buf b;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev, sizeof(ev), fmt, ap);
	va_end(ap);
	buf_init(&b, 8192);
	if (buf_put_str(&b, action) != 0 ||
	    buf_put_u64(&b, (uint64_t)user_id) != 0 ||
	    buf_put_str(&b, user_desc) != 0 || buf_put_str(&b, ev) != 0 ||
	    ipc_send_wait(A.master, IPC_AUDIT, &b, NULL, 0) != 0)
		log_error("audit: cannot send %s (%s) to the master: %s",
		    action, ev, strerror(errno));
	buf_release(&b);
}

static void
hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- answers to workers ---- */

static void
answer(struct link *l, uint64_t id, uint8_t status, unsigned n,
    const char *const *args, const size_t *lens)
{
	struct buf b;

	buf_init(&b, IPC_MAX_PAYLOAD);
	if (authmsg_pack(&b, id, status, n, args, lens) != 0 ||
	    ipc_send(&l->ch, IPC_AUTH_REP, &b, NULL, 0) != 0)
		log_warn("worker %u: cannot answer: %s", l->slot,
		    strerror(errno));
	explicit_bzero(b.data, b.len);
	buf_release(&b);
}

static void
answer_status(struct link *l, uint64_t id, uint8_t status, const char *msg)
{
	const char *args[1] = { msg };

	answer(l, id, status, msg != NULL, args, NULL);
}

/* The identity, in AID_ order, then extra (a session id) if not NULL. */
static void
answer_identity(struct link *l, uint64_t id, const struct auth_identity *who,
    const char *extra)
{
	char uid[24], sudo[24], exp[24], ttl[24];
	const char *args[AID_N + 1];
	time_t now = time(NULL);
	int64_t t = A.conf->auth_cache;

	/* Never past the credential's own end. */
	if (who->expires != 0 && who->expires - now < t)
		t = who->expires - now > 0 ? who->expires - now : 0;
	snprintf(uid, sizeof(uid), "%lld", (long long)who->user_id);
	snprintf(sudo, sizeof(sudo), "%lld", (long long)who->sudo_until);
	snprintf(exp, sizeof(exp), "%lld", (long long)who->expires);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)t);
	args[AID_USER_ID] = uid;
	args[AID_NAME] = who->name;
	args[AID_ROLE] = who->role;
	args[AID_GROUPS] = who->groups;
	args[AID_REPOS] = who->repos;
	args[AID_SCOPE] = who->scope;
	args[AID_SUDO_UNTIL] = sudo;
	args[AID_EXPIRES] = exp;
	args[AID_TTL] = ttl;
	args[AID_N] = extra;
	answer(l, id, AST_OK, AID_N + (extra != NULL), args, NULL);
}

static struct challenge *
challenge_find(const char *id)
{
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < NCAPTCHA; i++)
		if (A.ch[i].id[0] != '\0' && A.ch[i].expires > now &&
		    CRYPTO_memcmp(A.ch[i].id, id, sizeof(A.ch[i].id)) == 0 &&
		    strlen(id) == 32)
			return &A.ch[i];
	return NULL;
}

static void
op_captcha_new(struct link *l, uint64_t id)
{
	struct challenge *c = NULL;
	time_t now = time(NULL);
	uint8_t r[16 + CAPTCHA_LEN + 8];
	size_t i;

	for (i = 0; i < NCAPTCHA; i++)
		if (A.ch[i].id[0] == '\0' || A.ch[i].expires <= now) {
			c = &A.ch[i];
			break;
		}
	if (c == NULL)	/* all taken: the oldest goes */
		for (c = &A.ch[0], i = 1; i < NCAPTCHA; i++)
			if (A.ch[i].expires < c->expires)
				c = &A.ch[i];
	if (RAND_bytes(r, sizeof(r)) != 1) {
		answer_status(l, id, AST_ERROR, "no randomness");
		return;
	}
	hex(c->id, r, 16);
	for (i = 0; i < CAPTCHA_LEN; i++)
		c->answer[i] = (char)('0' + r[16 + i] % 10);
	c->answer[CAPTCHA_LEN] = '\0';
	memcpy(&c->seed, r + 16 + CAPTCHA_LEN, 8);
	c->expires = now + CAPTCHA_TTL;
	answer_status(l, id, AST_OK, c->id);
}

static void
op_captcha_media(struct link *l, uint64_t id, const struct authmsg *m,
    int wav)
{
	struct challenge *c;
	const char *args[1];
	size_t lens[1];
	struct buf b;
	int r;

	if (m->n != 1 || (c = challenge_find(m->arg[0])) == NULL) {
		answer_status(l, id, AST_BAD, "no such challenge");
		return;
	}
	buf_init(&b, wav ? CAPTCHA_WAV_MAX : CAPTCHA_PNG_MAX);
	r = wav ? captcha_wav(c->answer, c->seed, &b) :
	    captcha_png(c->answer, c->seed, &b);
	if (r != 0) {
		buf_release(&b);
		answer_status(l, id, AST_ERROR, "cannot draw the challenge");
		return;
	}
	args[0] = (const char *)b.data;
	lens[0] = b.len;
	answer(l, id, AST_OK, 1, args, lens);
	buf_release(&b);
}

/* One use per challenge, right or wrong. */
static int
challenge_passed(const char *cid, const char *given)
{
	struct challenge *c;
	int ok;

	if ((c = challenge_find(cid)) == NULL)
		return 0;
	ok = strlen(given) == CAPTCHA_LEN &&
	    CRYPTO_memcmp(c->answer, given, CAPTCHA_LEN) == 0;
	memset(c, 0, sizeof(*c));
	return ok;
}

static void
op_check(struct link *l, uint64_t id, const struct authmsg *m)
{
	struct auth_identity who;
	int r, first = 0;

	memset(&who, 0, sizeof(who));
	if (m->n != 3) {
		answer_status(l, id, AST_BAD, NULL);
		return;
	}
	if (strcmp(m->arg[0], "session") == 0)
		r = authdb_session_check(A.db, m->arg[2], &A.pol, &who);
	else if (strcmp(m->arg[0], "basic") == 0)
		r = authdb_token_check(A.db, m->arg[1], m->arg[2], &who,
		    &first);
	else if (strcmp(m->arg[0], "bearer") == 0)
		r = authdb_token_check(A.db, NULL, m->arg[2], &who, &first);
	else
		r = AUTH_BAD;
	if (r != AUTH_OK) {
		char ttl[24];
		const char *args[1] = { ttl };

		snprintf(ttl, sizeof(ttl), "%d", NEG_TTL);
		answer(l, id, r == AUTH_ERROR ? AST_ERROR : AST_BAD, 1, args,
		    NULL);
		return;
	}
	if (first)
		audit("activate_token", who.user_id, who.name,
		    "token %lld of %s used for the first time",
		    (long long)who.token_id, who.name);
	answer_identity(l, id, &who, NULL);
}

static void
op_login(struct link *l, uint64_t id, const struct authmsg *m)
{
	struct auth_identity who;
	char sid[128], wait[24];
	int64_t retry = 0;
	int r, lockout = 0;
	const char *user, *client;

	if (m->n != 5) {
		answer_status(l, id, AST_BAD, NULL);
		return;
	}
	user = m->arg[0];
	client = m->arg[2];
	if (A.conf->auth_captcha && !challenge_passed(m->arg[3], m->arg[4])) {
		audit("login_failure", 0, user,
		    "login of \"%s\" from %s: wrong or missing CAPTCHA answer",
		    user, client);
		answer_status(l, id, AST_CAPTCHA, NULL);
		return;
	}
	memset(&who, 0, sizeof(who));
	r = authdb_login(A.db, user, m->arg[1], client, &A.pol, sid,
	    sizeof(sid), &who, &retry, &lockout);
	switch (r) {
	case AUTH_OK:
		audit("user_login", who.user_id, who.name,
		    "%s logged in from %s", who.name, client);
		answer_identity(l, id, &who, sid);
		OPENSSL_cleanse(sid, sizeof(sid));
		return;
	case AUTH_LOCKED:
		audit("login_failure", 0, user, "login of \"%s\" from %s "
		    "refused: too many failures, retry in %llds", user, client,
		    (long long)retry);
		snprintf(wait, sizeof(wait), "%lld", (long long)retry);
		answer_status(l, id, AST_LOCKED, wait);
		return;
	case AUTH_BAD:
		audit("login_failure", 0, user,
		    "login of \"%s\" from %s: wrong user or password", user,
		    client);
		if (lockout)
			audit("lockout", 0, user, "\"%s\" or %s locked out for "
			    "%ds after repeated failures", user, client,
			    A.conf->auth_lockout_duration);
		answer_status(l, id, AST_BAD, NULL);
		return;
	default:
		answer_status(l, id, AST_ERROR, NULL);
	}
}

static void
op_logout(struct link *l, uint64_t id, const struct authmsg *m)
{
	struct auth_identity who;

	memset(&who, 0, sizeof(who));
	if (m->n == 1 && authdb_session_check(A.db, m->arg[0], &A.pol, &who)
	    == AUTH_OK && authdb_session_end(A.db, m->arg[0]) == 1)
		audit("user_logout", who.user_id, who.name, "%s logged out",
		    who.name);
	answer_status(l, id, AST_OK, NULL);
}

static void
op_sudo(struct link *l, uint64_t id, const struct authmsg *m)
{
	struct auth_identity who;
	int64_t retry = 0;
	char wait[24];
	int r;

	memset(&who, 0, sizeof(who));
	if (m->n != 3) {
		answer_status(l, id, AST_BAD, NULL);
		return;
	}
	r = authdb_session_sudo(A.db, m->arg[0], m->arg[1], m->arg[2], &A.pol,
	    &who, &retry);
	if (r == AUTH_OK) {
		audit("web_sudo", who.user_id, who.name,
		    "%s re-entered their password from %s (web sudo for %ds)",
		    who.name, m->arg[2], A.conf->web_sudo_mode_duration);
		answer_identity(l, id, &who, NULL);
	} else if (r == AUTH_LOCKED) {
		snprintf(wait, sizeof(wait), "%lld", (long long)retry);
		answer_status(l, id, AST_LOCKED, wait);
	} else {
		if (who.user_id != 0)
			audit("login_failure", who.user_id, who.name,
			    "web sudo of %s from %s: wrong password",
			    who.name, m->arg[2]);
		answer_status(l, id, r == AUTH_ERROR ? AST_ERROR : AST_BAD,
		    NULL);
	}
}

/* An API key made from the web: needs a session, and web sudo. */
static void
op_token_new(struct link *l, uint64_t id, const struct authmsg *m)
{
	struct auth_identity who;
	char token[128], err[256];
	const char *args[1] = { token };
	long long secs;
	int64_t tid;
	char *end;

	memset(&who, 0, sizeof(who));
	if (m->n != 3 || authdb_session_check(A.db, m->arg[0], &A.pol, &who)
	    != AUTH_OK) {
		answer_status(l, id, AST_BAD, NULL);
		return;
	}
	if (A.conf->web_sudo_mode && who.sudo_until <= time(NULL)) {
		answer_status(l, id, AST_SUDO, NULL);
		return;
	}
	errno = 0;
	secs = strtoll(m->arg[2], &end, 10);
	if (errno != 0 || *end != '\0' || secs < 0 || secs > 3650LL * 86400) {
		answer_status(l, id, AST_ERROR, "bad expiry");
		return;
	}
	tid = authdb_token_create(A.db, who.name, "repos:read", "",
	    secs ? (int64_t)time(NULL) + secs : 0, m->arg[1], token,
	    sizeof(token), err, sizeof(err));
	if (tid < 0) {
		answer_status(l, id, AST_ERROR, err);
		return;
	}
	audit("add_api_key", who.user_id, who.name,
	    "%s created API key %lld (\"%s\", repos:read) from the web",
	    who.name, (long long)tid, m->arg[1]);
	answer(l, id, AST_OK, 1, args, NULL);
	OPENSSL_cleanse(token, sizeof(token));
}

static void
on_request(struct link *l, struct ipc_msg *msg)
{
	struct authmsg m;

	if (authmsg_parse(&msg->payload, &m) != 0) {
		log_error("worker %u: malformed request: closing its link",
		    l->slot);
		return;
	}
	switch (m.code) {
	case AOP_CHECK:
		op_check(l, m.id, &m);
		break;
	case AOP_LOGIN:
		op_login(l, m.id, &m);
		break;
	case AOP_LOGOUT:
		op_logout(l, m.id, &m);
		break;
	case AOP_SUDO:
		op_sudo(l, m.id, &m);
		break;
	case AOP_CAPTCHA_NEW:
		op_captcha_new(l, m.id);
		break;
	case AOP_CAPTCHA_PNG:
	case AOP_CAPTCHA_WAV:
		op_captcha_media(l, m.id, &m, m.code == AOP_CAPTCHA_WAV);
		break;
	case AOP_TOKEN_NEW:
		op_token_new(l, m.id, &m);
		break;
	default:
		answer_status(l, m.id, AST_ERROR, "unknown operation");
	}
	authmsg_free(&m);
}

/* ---- airlockctl's commands, through the master ---- */

static json_t *
ctl_error(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
ctl_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static const char *
jstr(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

static json_t *
ctl_user(const char *cmd, json_t *req, const char *actor)
{
	const char *name = jstr(req, "name"), *role = jstr(req, "role");
	const char *pw = jstr(req, "password");
	char err[256];
	int64_t uid;

	if (strcmp(cmd, "user.list") == 0) {
		json_t *list = authdb_user_list(A.db);

		return list ? json_pack("{s:b, s:o}", "ok", 1, "users", list) :
		    ctl_error("cannot list users");
	}
	if (name == NULL)
		return ctl_error("no user name given");
	if (strcmp(cmd, "user.add") == 0) {
		if ((uid = authdb_user_add(A.db, name, role ? role : "viewer",
		    pw, err, sizeof(err))) < 0)
			return ctl_error(err);
		audit("add_user", 0, actor, "%s added user %s (id %lld, %s)",
		    actor, name, (long long)uid, role ? role : "viewer");
		return json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)uid);
	}
	uid = authdb_user_id(A.db, name);
	if (strcmp(cmd, "user.edit") == 0) {
		if (authdb_user_edit(A.db, name, role, pw, err, sizeof(err)) != 0)
			return ctl_error(err);
		audit("edit_user", 0, actor, "%s edited user %s (id %lld)%s%s%s",
		    actor, name, (long long)uid, role ? ": role " : "",
		    role ? role : "", pw ? ", new password" : "");
	} else if (strcmp(cmd, "user.lock") == 0 ||
	    strcmp(cmd, "user.unlock") == 0) {
		int lock = strcmp(cmd, "user.lock") == 0;

		if (authdb_user_lock(A.db, name, lock, err, sizeof(err)) != 0)
			return ctl_error(err);
		audit("update_lock_user", 0, actor, "%s %s user %s (id %lld)",
		    actor, lock ? "locked" : "unlocked", name, (long long)uid);
	} else if (strcmp(cmd, "user.remove") == 0) {
		if (authdb_user_remove(A.db, name, err, sizeof(err)) != 0)
			return ctl_error(err);
		audit("remove_user", 0, actor, "%s removed user %s (id %lld)",
		    actor, name, (long long)uid);
	} else
		return ctl_error("unknown user command");
	return ctl_ok();
}

static json_t *
ctl_group(const char *cmd, json_t *req, const char *actor)
{
	const char *name = jstr(req, "name"), *user = jstr(req, "user");
	char err[256];
	json_t *j;

	if (strcmp(cmd, "group.list") == 0) {
		j = authdb_group_list(A.db);
		return j ? json_pack("{s:b, s:o}", "ok", 1, "groups", j) :
		    ctl_error("cannot list groups");
	}
	if (name == NULL)
		return ctl_error("no group name given");
	if (strcmp(cmd, "group.members") == 0) {
		if ((j = authdb_group_members(A.db, name, err, sizeof(err)))
		    == NULL)
			return ctl_error(err);
		return json_pack("{s:b, s:o}", "ok", 1, "members", j);
	}
	if (strcmp(cmd, "group.add") == 0) {
		if (authdb_group_add(A.db, name, err, sizeof(err)) != 0)
			return ctl_error(err);
		audit("add_group", 0, actor, "%s added group %s", actor, name);
	} else if (strcmp(cmd, "group.remove") == 0) {
		if (authdb_group_remove(A.db, name, err, sizeof(err)) != 0)
			return ctl_error(err);
		audit("remove_group", 0, actor, "%s removed group %s", actor,
		    name);
	} else if (strcmp(cmd, "group.add-member") == 0 && user != NULL) {
		if (authdb_group_add_member(A.db, name, user, err,
		    sizeof(err)) != 0)
			return ctl_error(err);
		audit("add_group_member", 0, actor, "%s added %s to group %s",
		    actor, user, name);
	} else if (strcmp(cmd, "group.remove-member") == 0 && user != NULL) {
		if (authdb_group_remove_member(A.db, name, user, err,
		    sizeof(err)) != 0)
			return ctl_error(err);
		audit("remove_group_member", 0, actor,
		    "%s removed %s from group %s", actor, user, name);
	} else
		return ctl_error("unknown group command, or no user given");
	return ctl_ok();
}

static json_t *
ctl_token(const char *cmd, json_t *req, const char *actor)
{
	char err[256], token[128];
	json_t *j;
	int64_t tid;

	if (strcmp(cmd, "token.list") == 0) {
		j = authdb_token_list(A.db, jstr(req, "user"));
		return j ? json_pack("{s:b, s:o}", "ok", 1, "tokens", j) :
		    ctl_error("cannot list tokens");
	}
	if (strcmp(cmd, "token.revoke") == 0) {
		json_int_t id = json_integer_value(json_object_get(req, "id"));

		if (authdb_token_revoke(A.db, id, err, sizeof(err)) != 0)
			return ctl_error(err);
		audit("remove_api_key", 0, actor, "%s revoked token %lld",
		    actor, (long long)id);
		return ctl_ok();
	}
	if (strcmp(cmd, "token.create") == 0) {
		const char *user = jstr(req, "user");
		const char *scope = jstr(req, "scope");
		const char *repos = jstr(req, "repos");
		const char *label = jstr(req, "label");
		json_int_t secs = json_integer_value(json_object_get(req,
		    "expires"));

		if (user == NULL)
			return ctl_error("no user given (--user)");
		if ((tid = authdb_token_create(A.db, user,
		    scope ? scope : "repos:read", repos ? repos : "",
		    secs > 0 ? (int64_t)time(NULL) + secs : 0,
		    label ? label : "", token, sizeof(token), err,
		    sizeof(err))) < 0)
			return ctl_error(err);
		audit("add_api_key", 0, actor, "%s created token %lld for %s "
		    "(scope %s, repositories %s, %s)", actor, (long long)tid,
		    user, scope ? scope : "repos:read",
		    repos && *repos ? repos : "all", secs > 0 ?
		    "expiring" : "never expiring");
		j = json_pack("{s:b, s:I, s:s}", "ok", 1, "id",
		    (json_int_t)tid, "token", token);
		OPENSSL_cleanse(token, sizeof(token));
		return j;
	}
	return ctl_error("unknown token command");
}

static void
on_ctl(struct ipc_msg *msg)
{
	json_error_t jerr;
	json_t *req, *rep;
	const char *cmd, *actor;
	char *text = NULL;
	uint64_t id;
	struct buf b;

	if (buf_get_u64(&msg->payload, &id) != 0 ||
	    buf_get_str(&msg->payload, &text, IPC_MAX_PAYLOAD) != 0)
		fatal("malformed AUTH_CTL from the master");
	req = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	cmd = req ? jstr(req, "cmd") : NULL;
	actor = req ? jstr(req, "actor") : NULL;
	if (cmd == NULL || actor == NULL)
		rep = ctl_error("malformed command");
	else if (strncmp(cmd, "user.", 5) == 0)
		rep = ctl_user(cmd, req, actor);
	else if (strncmp(cmd, "group.", 6) == 0)
		rep = ctl_group(cmd, req, actor);
	else if (strncmp(cmd, "token.", 6) == 0)
		rep = ctl_token(cmd, req, actor);
	else
		rep = ctl_error("not an auth command");
	json_decref(req);
	text = json_dumps(rep, JSON_COMPACT);
	json_decref(rep);
	buf_init(&b, IPC_MAX_PAYLOAD);
	if (text == NULL || buf_put_u64(&b, id) != 0 ||
	    buf_put_str(&b, text) != 0) {
		buf_reset(&b);
		buf_put_u64(&b, id);
		buf_put_str(&b, "{\"ok\":false,\"error\":\"answer too long\"}");
	}
	if (ipc_send_wait(A.master, IPC_AUTH_CTL_REPLY, &b, NULL, 0) != 0)
		log_error("cannot answer the master: %s", strerror(errno));
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));	/* a new token */
		free(text);
	}
	explicit_bzero(b.data, b.len);
	buf_release(&b);
}

/* ---- the loop ---- */

static void
link_add(struct ipc_msg *msg)
{
	struct epoll_event ev;
	uint32_t slot = 0;
	size_t i;

	buf_get_u32(&msg->payload, &slot);
	for (i = 0; i < MAX_LINKS && A.links[i].used; i++)
		;
	if (i == MAX_LINKS) {
		log_error("too many worker links: refusing worker %u",
		    (unsigned)slot);
		ipc_msg_close_fds(msg);
		return;
	}
	fd_set_nonblock(msg->fds[0]);
	ipc_chan_init(&A.links[i].ch, msg->fds[0], ROLE_AUTH, ROLE_WORKER);
	A.links[i].ch.state = S_RUN;
	A.links[i].tag = 1;
	A.links[i].slot = slot;
	A.links[i].used = 1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &A.links[i];
	if (epoll_ctl(A.epfd, EPOLL_CTL_ADD, msg->fds[0], &ev) == -1)
		fatal("epoll_ctl: %s", strerror(errno));
	log_debug("linked to worker %u", (unsigned)slot);
}

static void
link_close(struct link *l)
{
	epoll_ctl(A.epfd, EPOLL_CTL_DEL, l->ch.fd, NULL);
	close(l->ch.fd);
	l->used = 0;
}

static void
on_link(struct link *l)
{
	struct ipc_msg msg;
	int r;

	while ((r = ipc_recv(&l->ch, &msg, 0)) == 1) {
		/* The table lets a worker send only AUTH_REQ here. */
		on_request(l, &msg);
		ipc_msg_close_fds(&msg);
	}
	if (r == -1) {
		if (errno != 0)
			log_warn("worker %u: %s: closing its link", l->slot,
			    strerror(errno));
		link_close(l);
	}
}

/* 0 to go on, 1 on SHUTDOWN, -1 when the master is gone. */
static int
on_master(void)
{
	struct ipc_msg msg;
	int r;

	while ((r = ipc_recv(A.master, &msg, 0)) == 1) {
		switch (msg.type) {
		case IPC_PING:
			if (role_pong(A.master, &msg) != 0)
				fatal("cannot answer PING");
			break;
		case IPC_SHUTDOWN:
			return 1;
		case IPC_AUTH_LINK:
			link_add(&msg);
			continue;	/* the fd is the link's now */
		case IPC_AUTH_CTL:
			on_ctl(&msg);
			break;
		default:
			fatal("unexpected %s message", ipc_type_name(msg.type));
		}
		ipc_msg_close_fds(&msg);
	}
	return r == -1 ? -1 : 0;
}

static void
policy_from(const struct airlock_conf *c, struct auth_policy *p)
{
	auth_policy_default(p);
	p->lifetime = c->auth_lifetime;
	p->inactivity = c->auth_inactivity;
	p->sudo_duration = c->web_sudo_mode_duration;
	p->delay_after = c->auth_delay_after;
	p->delay_max = c->auth_delay_max;
	p->lockout_after = c->auth_lockout_after;
	p->lockout_duration = c->auth_lockout_duration;
	if (p->failure_window < p->lockout_duration)
		p->failure_window = p->lockout_duration;
}

static void
sweep(void)
{
	time_t now = time(NULL);
	int n;

	if (now < A.next_sweep)
		return;
	A.next_sweep = now + A.conf->auth_sweep;
	if ((n = authdb_session_sweep(A.db, &A.pol)) > 0)
		log_info("swept %d expired session(s)", n);
}

int
auth_main(void)
{
	static struct ipc_chan ch;
	struct epoll_event ev[32];
	struct role_config rc;
	char err[256];
	int i, n, r = 0, timeout;

	log_init("auth", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	role_config_recv(&ch, ROLE_AUTH, &rc, NULL, NULL);
	A.master = &ch;
	A.conf = rc.conf;
	policy_from(A.conf, &A.pol);
	if ((n = log_level_parse(A.conf->log_level)) >= 0)
		log_set_level((enum log_level)n);
	/* OpenSSL reads its configuration once, before the chroot. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	if ((A.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1: %s", strerror(errno));
	role_drop(&rc, "auth");
	sandbox_auth();
	/* Opened under the sandbox: proof that its policy fits SQLite. */
	if ((A.db = authdb_open(AUTH_DB_FILE, err, sizeof(err))) == NULL)
		fatal("%s: %s", AUTH_DB_FILE, err);
	fd_set_nonblock(IPC_FD);
	memset(ev, 0, sizeof(ev));
	ev[0].events = EPOLLIN;
	ev[0].data.ptr = &A;
	if (epoll_ctl(A.epfd, EPOLL_CTL_ADD, IPC_FD, &ev[0]) == -1)
		fatal("epoll_ctl: %s", strerror(errno));
	A.next_sweep = time(NULL) + A.conf->auth_sweep;
	if (ipc_send(&ch, IPC_READY, NULL, NULL, 0) != 0)
		fatal("cannot tell the master I am ready: %s", strerror(errno));
	ch.state = S_RUN;
	for (;;) {
		timeout = (int)(A.next_sweep - time(NULL)) * 1000;
		if (timeout < 0)
			timeout = 0;
		n = epoll_wait(A.epfd, ev, 32, timeout);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &A) {
				if ((r = on_master()) != 0)
					goto out;
			} else
				on_link(ev[i].data.ptr);
		}
		sweep();
	}
out:
	if (r == -1)
		log_error("lost the master: exiting");
	authdb_close(A.db);
	return r == 1 ? 0 : 1;
}
