/*
 * access: who is asking, and may they.  A worker never holds a password
 * hash, a token table or a session table: it sends the credential a
 * request carries to the auth role over its own socketpair and gets back
 * an identity (user, role, groups, a token's repositories), which it may
 * reuse for authentication.cache seconds.  The cache is keyed by an HMAC
 * of the credential under a key of this process, so not even a hash of
 * a token stays here.  While auth thinks, the connection waits
 * (C_AUTH); the answer re-runs the request.
 *
 * Also here: the browser side of sessions (login page and form, logout,
 * CAPTCHA media, web sudo, API keys from the web).
 */
#ifndef AIRLOCK_ACCESS_H
#define AIRLOCK_ACCESS_H

#include "http.h"
#include "repo.h"

struct server;
struct conn;

#define FORM_MAX 8192		/* largest form body we read */
#define SESSION_COOKIE "airlock_session"

/* Before the sandbox: the cache key, OpenSSL's HMAC warmed up. */
int access_init(struct server *s);
/* A new link to auth (the master's AUTH_LINK); fd is taken. */
void access_link(struct server *s, int fd);
/* Auth's answers: marks the waiting connections to run again. */
int access_on_auth(struct server *s);
/* Runs the connections whose answer came (after an event batch). */
void access_resume(struct server *s);
/* The connection is going away: forget its question. */
void access_conn_gone(struct server *s, struct conn *c);

/* Whether this request's body is read before it is answered (forms). */
int access_wants_body(const struct http_request *req);
/*
 * May the request read repository r?  1: go on; 0: answered (401, 404,
 * 503) or waiting for auth (c->state is then C_AUTH).
 */
int access_repo(struct server *s, struct conn *c,
    const struct http_request *req, const struct repo *r);
/* /__login__, /__logout__, /__captcha__/…, /__api__/{me,sudo,tokens}: 1 if
 * it was one of those (answered or waiting), 0 if not. */
int access_route(struct server *s, struct conn *c,
    const struct http_request *req);

#endif
