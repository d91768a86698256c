/*
 * authdb: the auth role's credential store, one SQLite file (WAL) that no
 * other process opens: users, groups, API tokens, browser sessions and the
 * failure counters that slow down password guessing.
 *
 * Passwords are kept as scrypt hashes (passwd.h); tokens and session ids
 * as their SHA-256 only, so the file never holds a usable credential.
 * Functions that can fail for a reason worth showing put a short message
 * into err (`no user named "bob"`).
 */
#ifndef AIRLOCK_AUTHDB_H
#define AIRLOCK_AUTHDB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AUTHDB_TOKEN_LEN	47	/* "al_" + 43 characters + NUL */
#define AUTHDB_SID_LEN		46	/* "s_" + 43 characters + NUL */

struct authdb;

struct auth_policy {
	int64_t lifetime;	/* s: a session ends this long after login, */
	int64_t inactivity;	/* s: or this long after its last use */
	int64_t sudo_duration;	/* s: web sudo lasts this long */
	int delay_after;	/* failures before delays start */
	int64_t delay_base;	/* s: first delay, doubling per failure */
	int64_t delay_max;	/* s: longest delay */
	int lockout_after;	/* failures that lock out */
	int64_t lockout_duration; /* s */
	int64_t failure_window;	/* s: older failures are forgotten */
};

/*
 * Lifetime 1 day, inactivity 8 h, sudo 10 min; delays after 3 failures,
 * from 1 s up to 60 s; a 15 min lockout after 10 failures within 15 min.
 */
void auth_policy_default(struct auth_policy *p);

struct auth_identity {
	int64_t user_id;
	char name[64];
	char role[16];		/* "viewer", "publisher" or "admin" */
	char groups[1024];	/* its groups, comma-separated, sorted */
	char repos[1024];	/* a token's repositories, comma-separated;
				 * "" = every repository */
	char scope[32];		/* a token's scope, "" for a session */
	int64_t token_id;	/* 0 for a session */
	int64_t sudo_until;	/* web sudo until (unix s), 0 if none */
	int64_t expires;	/* end of this credential (unix s), 0 never */
};

enum auth_result { AUTH_OK = 0, AUTH_BAD = 1, AUTH_LOCKED = 2, AUTH_ERROR = 3 };

/*
 * Opens (creating) the database at path and migrates its schema forward
 * (PRAGMA user_version); NULL with err set.
 */
struct authdb *authdb_open(const char *path, char *err, size_t errlen);
void authdb_close(struct authdb *a);	/* NULL ok */
/* The clock, unix seconds; time(NULL) unless set (tests).  NULL resets. */
void authdb_set_clock(struct authdb *a, int64_t (*now)(void));

/*
 * Users and groups are named [A-Za-z0-9][A-Za-z0-9._-]{0,62}, unique
 * without regard to case; roles are viewer, publisher and admin.  At least
 * one unlocked admin remains: removing, locking or demoting the last one
 * is refused.
 */
/* The new user's id, or -1.  password NULL: cannot log in until set. */
int64_t authdb_user_add(struct authdb *a, const char *name, const char *role,
    const char *password, char *err, size_t errlen);
/* role or password NULL: unchanged.  A new password ends the sessions. */
int authdb_user_edit(struct authdb *a, const char *name, const char *role,
    const char *password, char *err, size_t errlen);
/* Locking ends the user's sessions; unlocking clears its failures. */
int authdb_user_lock(struct authdb *a, const char *name, int locked,
    char *err, size_t errlen);
/* With the user's sessions, tokens and group memberships. */
int authdb_user_remove(struct authdb *a, const char *name, char *err,
    size_t errlen);
/* -1 when there is none. */
int64_t authdb_user_id(struct authdb *a, const char *name);
/*
 * [{"id", "name", "role", "locked", "created", "last_login" (null: never),
 * "groups": [names]}], by name; never a hash.  NULL on error.
 */
json_t *authdb_user_list(struct authdb *a);

int authdb_group_add(struct authdb *a, const char *name, char *err,
    size_t errlen);
int authdb_group_remove(struct authdb *a, const char *name, char *err,
    size_t errlen);
int authdb_group_add_member(struct authdb *a, const char *group,
    const char *user, char *err, size_t errlen);
int authdb_group_remove_member(struct authdb *a, const char *group,
    const char *user, char *err, size_t errlen);
/* [{"name", "members": [names]}], by name.  NULL on error. */
json_t *authdb_group_list(struct authdb *a);
/* [names], NULL (err set) when there is no such group. */
json_t *authdb_group_members(struct authdb *a, const char *group, char *err,
    size_t errlen);

/*
 * API tokens: "al_" + 43 base64url characters (256 random bits), shown
 * once into token (AUTHDB_TOKEN_LEN); scope is "repos:read",
 * "repos:write" or "admin"; repos a comma-separated list, "" for all;
 * expires unix s, 0 never.  The token's id, or -1.
 */
int64_t authdb_token_create(struct authdb *a, const char *user,
    const char *scope, const char *repos, int64_t expires, const char *label,
    char *token, size_t tokensz, char *err, size_t errlen);
/*
 * [{"id", "user", "scope", "repos", "label", "created", "expires" (null:
 * never), "last_used" (null: never)}], by id, user NULL for everyone's;
 * never the token or its hash.  NULL on error.
 */
json_t *authdb_token_list(struct authdb *a, const char *user);
int authdb_token_revoke(struct authdb *a, int64_t id, char *err,
    size_t errlen);
/*
 * Basic auth passes the user name, which must name the token's owner;
 * Bearer passes user NULL.  Unknown, expired or revoked tokens and locked
 * owners are AUTH_BAD.  *first_use (may be NULL) is 1 the first time the
 * token is ever used; last_used is written at most once a minute.
 */
int authdb_token_check(struct authdb *a, const char *user, const char *token,
    struct auth_identity *id, int *first_use);

/*
 * Login with a password, rate limited per account ("user:NAME") and per
 * client address ("addr:CLIENT", client NULL or "" for none).  Once a
 * counter holds delay_after failures within failure_window, attempts are
 * refused (AUTH_LOCKED, *retry_after the seconds to wait, the password not
 * even checked) until delay_base * 2^(failures - delay_after), at most
 * delay_max, has passed since the last failure; lockout_after failures
 * refuse them for lockout_duration.  Success clears both counters.
 *
 * Unknown users, locked users, users without a password and wrong
 * passwords are all AUTH_BAD, after a full-cost verify.  *lockout is 1
 * when this very failure started a lockout, so the caller audits it once.
 * AUTH_OK: a new session, its id ("s_" + 43 base64url characters) into sid
 * (AUTHDB_SID_LEN), id filled, last_login recorded.
 */
int authdb_login(struct authdb *a, const char *user, const char *password,
    const char *client, const struct auth_policy *p, char *sid, size_t sidsz,
    struct auth_identity *id, int64_t *retry_after, int *lockout);
/*
 * A session by its id: AUTH_OK with id filled (expires = the earlier of
 * login + lifetime and last use + inactivity); AUTH_BAD when unknown,
 * expired (then deleted) or its user is locked.  Records the use at most
 * once per 10 s.
 */
int authdb_session_check(struct authdb *a, const char *sid,
    const struct auth_policy *p, struct auth_identity *id);
/*
 * Web sudo: checks the password of the session's user again, under the
 * same rate limits as authdb_login; AUTH_OK sets sudo_until to now +
 * sudo_duration.  Whenever the session itself is good (AUTH_BAD for a
 * wrong password and AUTH_LOCKED included) id is filled as by
 * authdb_session_check, so that the caller can audit the attempt.
 */
int authdb_session_sudo(struct authdb *a, const char *sid,
    const char *password, const char *client, const struct auth_policy *p,
    struct auth_identity *id, int64_t *retry_after);
/* 1 ended, 0 no such session, -1 on error. */
int authdb_session_end(struct authdb *a, const char *sid);
/*
 * Deletes expired sessions and forgotten failure counters: the number of
 * sessions deleted, or -1.  Live sessions are left exactly as they are.
 */
int authdb_session_sweep(struct authdb *a, const struct auth_policy *p);
/* Rows in the session table, or -1. */
int authdb_session_count(struct authdb *a);

#endif
