#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "authmsg.h"
#include "authparse.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define CACHE_SLOTS 512
#define TEXT "text/plain; charset=utf-8"
#define HTML "text/html; charset=utf-8"
#define JSON "application/json"
#define AUTH_WAIT_MS 10000	/* auth must answer within this */

struct identity {
	int64_t user_id;
	char name[64];
	char role[16];
	char groups[1024];
	char repos[1024];
	char scope[32];
	int64_t sudo_until;
	int64_t expires;
};

struct cache_entry {
	uint8_t key[32];	/* HMAC of the credential; all zero: empty */
	int64_t until_ms;
	int ok;
	struct identity id;
};

static struct {
	uint8_t hkey[32];
	struct cache_entry e[CACHE_SLOTS];
} cache;

/* The credential a request carries, by strength of intent. */
struct cred {
	const char *kind;	/* "basic", "bearer", "session"; NULL: none */
	struct authz az;	/* user and secret */
};

static void
cred_wipe(struct cred *k)
{
	secret_wipe(&k->az, sizeof(k->az));
}

/* 1 with *k, 0 when the request carries none, -1 when one is malformed. */
static int
cred_get(const struct http_request *req, struct cred *k)
{
	memset(k, 0, sizeof(*k));
	if (req->authorization.n > 0) {
		if (authz_parse(req->authorization.p, req->authorization.n,
		    &k->az) != 0)
			return -1;
		k->kind = k->az.kind == AUTHZ_BASIC ? "basic" : "bearer";
		return 1;
	}
	if (req->cookie.n > 0) {
		int r = cookie_find(req->cookie.p, req->cookie.n,
		    SESSION_COOKIE, k->az.secret, sizeof(k->az.secret));

		if (r == 0)
			r = cookie_find(req->cookie.p, req->cookie.n,
			    SESSION_COOKIE "-legacy", k->az.secret,
			    sizeof(k->az.secret));
		if (r == 1 && k->az.secret[0] != '\0') {
			k->kind = "session";
			return 1;
		}
	}
	return 0;
}

static void
cache_key(const struct cred *k, uint8_t out[32])
{
	uint8_t msg[16 + AUTHZ_USER_MAX + AUTHZ_SECRET_MAX];
	size_t n = 0, l;
	unsigned outlen = 32;

	l = strlen(k->kind);
	memcpy(msg + n, k->kind, l + 1);
	n += l + 1;
	l = strlen(k->az.user);
	memcpy(msg + n, k->az.user, l + 1);
	n += l + 1;
	l = strlen(k->az.secret);
	memcpy(msg + n, k->az.secret, l);
	n += l;
	HMAC(EVP_sha256(), cache.hkey, sizeof(cache.hkey), msg, n, out,
	    &outlen);
	OPENSSL_cleanse(msg, sizeof(msg));
}

static struct cache_entry *
cache_find(const uint8_t key[32])
{
	struct cache_entry *e = &cache.e[key[0] | (key[1] & 1) << 8];

	if (CRYPTO_memcmp(e->key, key, 32) == 0 && mono_ms() < e->until_ms)
		return e;
	return NULL;
}

static int64_t
num(const char *s)
{
	return strtoll(s, NULL, 10);
}

static void
copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s);
}

/* An OK answer's identity; -1 when auth sent too little. */
static int
identity_from(const struct authmsg *m, struct identity *id)
{
	if (m->n < AID_N)
		return -1;
	memset(id, 0, sizeof(*id));
	id->user_id = num(m->arg[AID_USER_ID]);
	copy(id->name, sizeof(id->name), m->arg[AID_NAME]);
	copy(id->role, sizeof(id->role), m->arg[AID_ROLE]);
	copy(id->groups, sizeof(id->groups), m->arg[AID_GROUPS]);
	copy(id->repos, sizeof(id->repos), m->arg[AID_REPOS]);
	copy(id->scope, sizeof(id->scope), m->arg[AID_SCOPE]);
	id->sudo_until = num(m->arg[AID_SUDO_UNTIL]);
	id->expires = num(m->arg[AID_EXPIRES]);
	return 0;
}

static void
cache_store(const uint8_t key[32], const struct authmsg *m)
{
	struct cache_entry *e = &cache.e[key[0] | (key[1] & 1) << 8];
	int64_t ttl;

	memset(e, 0, sizeof(*e));
	if (m->code == AST_OK) {
		if (identity_from(m, &e->id) != 0)
			return;
		ttl = num(m->arg[AID_TTL]);
		e->ok = 1;
	} else if (m->code == AST_BAD && m->n == 1)
		ttl = num(m->arg[0]);
	else
		return;		/* errors are not remembered */
	if (ttl <= 0)
		return;
	memcpy(e->key, key, 32);
	e->until_ms = mono_ms() + ttl * 1000;
}

int
access_init(struct server *s)
{
	uint8_t out[32];
	unsigned n = 32;

	(void)s;
	if (getrandom(cache.hkey, sizeof(cache.hkey), 0) !=
	    (ssize_t)sizeof(cache.hkey))
		return -1;
	/* OpenSSL finds its SHA-256 now, not under the sandbox. */
	return HMAC(EVP_sha256(), cache.hkey, 32, out, 1, out, &n) ? 0 : -1;
}

/* ---- the link to auth ---- */

static void
fail_waiting(struct server *s)
{
	struct conn *c;

	for (c = s->conns; c != NULL; c = c->next)
		if (c->state == C_AUTH && !c->resume) {
			c->auth_req = 0;
			c->resume = 1;	/* runs again, finds no link: 503 */
			c->resume_next = s->resumes;
			s->resumes = c;
		}
}

static void
link_close(struct server *s)
{
	if (s->auth == NULL)
		return;
	close(s->auth->fd);	/* also leaves the epoll set */
	free(s->auth);
	s->auth = NULL;
	fail_waiting(s);
}

void
access_link(struct server *s, int fd)
{
	struct epoll_event ev;

	link_close(s);
	if ((s->auth = malloc(sizeof(*s->auth))) == NULL) {
		close(fd);
		return;
	}
	fd_set_nonblock(fd);
	ipc_chan_init(s->auth, fd, ROLE_WORKER, ROLE_AUTH);
	s->auth->state = S_RUN;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_AUTH;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_error("auth link: epoll_ctl: %s", strerror(errno));
		link_close(s);
	}
}

int
access_on_auth(struct server *s)
{
	struct ipc_msg msg;
	struct authmsg *m;
	struct conn *c;
	int r;

	while (s->auth != NULL && (r = ipc_recv(s->auth, &msg, 0)) == 1) {
		if ((m = calloc(1, sizeof(*m))) == NULL ||
		    authmsg_parse(&msg.payload, m) != 0) {
			free(m);
			log_error("auth sent a malformed answer: dropping "
			    "the link");
			link_close(s);
			return 0;
		}
		for (c = s->conns; c != NULL; c = c->next)
			if (c->state == C_AUTH && c->auth_req == m->id)
				break;
		if (c == NULL || c->resume) {
			/* Its connection went away meanwhile. */
			authmsg_free(m);
			free(m);
			continue;
		}
		c->auth_req = 0;
		c->ans = m;
		c->resume = 1;
		c->resume_next = s->resumes;
		s->resumes = c;
	}
	if (s->auth != NULL && r == -1) {
		log_warn("the link to auth closed: %s", errno ? strerror(errno)
		    : "auth is gone");
		link_close(s);
	}
	return 0;
}

void
access_conn_gone(struct server *s, struct conn *c)
{
	struct conn **pp;

	if (c->resume)
		for (pp = &s->resumes; *pp != NULL; pp = &(*pp)->resume_next)
			if (*pp == c) {
				*pp = c->resume_next;
				break;
			}
	if (c->ans != NULL) {
		authmsg_free(c->ans);
		free(c->ans);
		c->ans = NULL;
	}
}

void
access_resume(struct server *s)
{
	struct conn *c;

	while ((c = s->resumes) != NULL) {
		s->resumes = c->resume_next;
		c->resume = 0;
		c->state = C_READ;
		server_rerun(s, c);
	}
}

/*
 * Asks auth; the connection waits.  0 when asked, -1 when auth cannot be
 * reached (the caller answers 503).
 */
static int
ask(struct server *s, struct conn *c, uint8_t op, unsigned n,
    const char *const *args)
{
	struct buf b;
	int r;

	if (s->auth == NULL)
		return -1;
	buf_init(&b, 16384);
	c->auth_req = ++s->next_auth;
	r = authmsg_pack(&b, c->auth_req, op, n, args, NULL);
	if (r == 0)
		r = ipc_send(s->auth, IPC_AUTH_REQ, &b, NULL, 0);
	explicit_bzero(b.data, b.cap);
	buf_release(&b);
	if (r != 0) {
		c->auth_req = 0;
		return -1;
	}
	c->state = C_AUTH;
	c->deadline_ms = mono_ms() + AUTH_WAIT_MS;
	return 0;
}

/* The answer this request waited for, taken (the caller frees it). */
static struct authmsg *
take_answer(struct conn *c)
{
	struct authmsg *m = c->ans;

	c->ans = NULL;
	return m;
}

static void
answer_free(struct authmsg *m)
{
	if (m != NULL) {
		authmsg_free(m);
		free(m);
	}
}

static void
unavailable(struct server *s, struct conn *c)
{
	resp_head(s, c, 503, TEXT, 43);
	resp_header(c, "Retry-After", "2");
	resp_end_head(c);
	if (!c->head)
		buf_put(&c->out, "503 Service Unavailable: auth is not up\n\n\n",
		    43);
}

static void
unauthorized(struct server *s, struct conn *c)
{
	static const char body[] = "401 Unauthorized: this repository needs "
	    "a token (https://USER:TOKEN@host/...)\n";

	resp_head(s, c, 401, TEXT, (long long)sizeof(body) - 1);
	resp_header(c, "WWW-Authenticate", "Basic realm=\"airlock\", "
	    "charset=\"UTF-8\"");
	resp_end_head(c);
	if (!c->head)
		buf_put(&c->out, body, sizeof(body) - 1);
}

/*
 * Who the request is: 1 with *id, 0 when it carries no credential (or a
 * wrong one: *bad set), -1 when the answer is not here yet (asked; or
 * answered 503 already: *done set).
 */
static int
identify(struct server *s, struct conn *c, const struct http_request *req,
    struct identity *id, int *bad, int *done)
{
	const char *args[3];
	struct cache_entry *e;
	struct authmsg *m;
	struct cred k;
	uint8_t key[32];
	int r;

	*bad = *done = 0;
	if ((r = cred_get(req, &k)) <= 0) {
		*bad = r == -1;
		cred_wipe(&k);
		return 0;
	}
	cache_key(&k, key);
	if ((m = take_answer(c)) != NULL) {
		cache_store(key, m);
		r = m->code == AST_OK && identity_from(m, id) == 0;
		if (!r && m->code != AST_BAD) {
			answer_free(m);
			cred_wipe(&k);
			unavailable(s, c);
			*done = 1;
			return -1;
		}
		answer_free(m);
		cred_wipe(&k);
		*bad = !r;
		return r;
	}
	if ((e = cache_find(key)) != NULL) {
		cred_wipe(&k);
		if (!e->ok) {
			*bad = 1;
			return 0;
		}
		*id = e->id;
		return 1;
	}
	args[0] = k.kind;
	args[1] = k.az.user;
	args[2] = k.az.secret;
	r = ask(s, c, AOP_CHECK, 3, args);
	cred_wipe(&k);
	if (r != 0) {
		unavailable(s, c);
		*done = 1;
	}
	return -1;
}

/* Whether name is in the comma-separated list. */
static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; *p != '\0'; ) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, ',')) == NULL)
			break;
		p++;
	}
	return 0;
}

static int
may_read(const struct identity *id, const struct repo *r)
{
	const char *p, *e;
	char g[80];

	if (id->repos[0] != '\0' && !in_list(id->repos, r->name))
		return 0;	/* the token is for other repositories */
	if (id->scope[0] != '\0' && strcmp(id->scope, "repos:read") != 0 &&
	    strcmp(id->scope, "repos:write") != 0 &&
	    strcmp(id->scope, "admin") != 0)
		return 0;
	if (strcmp(id->role, "admin") == 0)
		return 1;
	if (strcmp(r->access, "authenticated") == 0)
		return 1;
	/* group:a,group:b */
	for (p = r->access; strncmp(p, "group:", 6) == 0; p = e + 1) {
		p += 6;
		e = strchr(p, ',');
		snprintf(g, sizeof(g), "%.*s", (int)(e ? (size_t)(e - p) :
		    strlen(p)), p);
		if (in_list(id->groups, g))
			return 1;
		if (e == NULL)
			break;
	}
	return 0;
}

int
access_repo(struct server *s, struct conn *c, const struct http_request *req,
    const struct repo *r)
{
	struct identity id;
	int bad, done, k;

	if (strcmp(r->access, "public") == 0)
		return 1;
	k = identify(s, c, req, &id, &bad, &done);
	if (k == -1)
		return 0;	/* waiting, or 503 said */
	if (k == 0) {
		unauthorized(s, c);
		return 0;
	}
	if (!may_read(&id, r)) {
		/* Valid credentials, no access: it is not there for them. */
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		return 0;
	}
	return 1;
}

/* ---- browser sessions ---- */

int
access_wants_body(const struct http_request *req)
{
	return req->method == HTTP_M_POST && (strcmp(req->path,
	    "/__login__") == 0 || strcmp(req->path, "/__logout__") == 0 ||
	    strcmp(req->path, "/__api__/sudo") == 0 ||
	    strcmp(req->path, "/__api__/tokens") == 0);
}

/* Secure when the browser came over TLS (here or at a trusted proxy). */
static int
secure_cookies(const struct server *s, const struct conn *c)
{
	return s->conf->force_secure || s->conf->https_permanent || c->https;
}

/* Set-Cookie lines for a session id, or for none (logout: expire them). */
static void
set_cookies(struct server *s, struct conn *c, const char *sid)
{
	const char *ss = s->conf->same_site;
	const char *sec = secure_cookies(s, c) ? "; Secure" : "";
	long age = sid ? s->conf->auth_lifetime : 0;

	resp_header(c, "Set-Cookie", "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
	    "SameSite=%s%s", SESSION_COOKIE, sid ? sid : "", age, ss, sec);
	/* Browsers that mishandle SameSite=None get one without it. */
	if (strcmp(ss, "None") == 0)
		resp_header(c, "Set-Cookie", "%s-legacy=%s; Path=/; "
		    "Max-Age=%ld; HttpOnly%s", SESSION_COOKIE, sid ? sid : "",
		    age, sec);
	resp_header(c, "Cache-Control", "no-store");
}

static void
see_other(struct server *s, struct conn *c, const char *location,
    const char *sid, int clear)
{
	resp_head(s, c, 303, TEXT, 0);
	resp_header(c, "Location", "%s", location);
	if (sid != NULL || clear)
		set_cookies(s, c, sid);
	resp_end_head(c);
}

/* Where to go after login: a local path only, never another site. */
static void
safe_next(const char *next, char *out, size_t n)
{
	size_t i;

	if (next[0] != '/' || next[1] == '/' || next[1] == '\\')
		next = "/__api__/me";
	for (i = 0; next[i] != '\0'; i++)
		if ((unsigned char)next[i] < 0x21 || next[i] == 0x7f ||
		    next[i] == '\\')
			next = "/__api__/me";
	snprintf(out, n, "%s", next);
}

/* A form field of the body or query; "" when absent or malformed. */
static void
field(const char *data, size_t len, const char *name, char *out, size_t n)
{
	if (form_field(data, len, name, out, n) != 1)
		out[0] = '\0';
}

static void
login_page(struct server *s, struct conn *c, const struct http_request *req,
    const char *cid)
{
	char next[1024], err[32], retry[16];
	struct buf b;

	field(req->query.p, req->query.n, "next", next, sizeof(next));
	field(req->query.p, req->query.n, "error", err, sizeof(err));
	field(req->query.p, req->query.n, "retry", retry, sizeof(retry));
	buf_init(&b, 32768);
	buf_putf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Sign in: airlock</title></head>\n"
	    "<body><main><h1>Sign in to airlock</h1>\n");
	if (strcmp(err, "bad") == 0)
		buf_putf(&b, "<p role=\"alert\">Wrong user name or password."
		    "</p>\n");
	else if (strcmp(err, "captcha") == 0)
		buf_putf(&b, "<p role=\"alert\">The answer to the challenge "
		    "was wrong. Try the new one.</p>\n");
	else if (strcmp(err, "locked") == 0) {
		buf_putf(&b, "<p role=\"alert\">Too many failed attempts. "
		    "Try again in ");
		html_escape(&b, retry[0] ? retry : "a few");
		buf_putf(&b, " seconds.</p>\n");
	} else if (strcmp(err, "unavailable") == 0)
		buf_putf(&b, "<p role=\"alert\">Sign-in is unavailable right "
		    "now. Try again shortly.</p>\n");
	buf_putf(&b, "<form method=\"post\" action=\"/__login__\">\n"
	    "<p><label>User name <input name=\"username\" "
	    "autocomplete=\"username\" required autofocus></label></p>\n"
	    "<p><label>Password <input name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required></label></p>\n");
	if (cid != NULL) {
		buf_putf(&b, "<fieldset><legend>Prove you are a person"
		    "</legend>\n<p><img src=\"/__captcha__/");
		html_escape(&b, cid);
		buf_putf(&b, ".png\" alt=\"Five digits; use the audio "
		    "challenge if you cannot see them\" width=\"200\" "
		    "height=\"70\"></p>\n<p><audio controls src=\"/__captcha__/");
		html_escape(&b, cid);
		buf_putf(&b, ".wav\"></audio> Audio: count the beeps of each "
		    "of five groups (ten beeps mean 0).</p>\n<p><label>The "
		    "five digits <input name=\"captcha\" inputmode=\"numeric\" "
		    "autocomplete=\"off\" required></label></p>\n"
		    "<input type=\"hidden\" name=\"captcha_id\" value=\"");
		html_escape(&b, cid);
		buf_putf(&b, "\"></fieldset>\n");
	}
	buf_putf(&b, "<input type=\"hidden\" name=\"next\" value=\"");
	html_escape(&b, next);
	buf_putf(&b, "\">\n<p><button type=\"submit\">Sign in</button></p>"
	    "\n</form></main></body></html>\n");
	resp_head(s, c, 200, HTML, (long long)b.len);
	resp_header(c, "Cache-Control", "no-store");
	resp_end_head(c);
	if (!c->head)
		buf_put(&c->out, b.data, b.len);
	buf_release(&b);
}

static void
login_get(struct server *s, struct conn *c, const struct http_request *req)
{
	struct authmsg *m;

	if (!s->conf->auth_captcha) {
		login_page(s, c, req, NULL);
		return;
	}
	if ((m = take_answer(c)) != NULL) {
		login_page(s, c, req, m->code == AST_OK && m->n == 1 ?
		    m->arg[0] : NULL);
		answer_free(m);
		return;
	}
	if (ask(s, c, AOP_CAPTCHA_NEW, 0, NULL) != 0)
		unavailable(s, c);
}

/* Origin, when a browser sends one, must be this site. */
static int
same_origin(const struct http_request *req)
{
	const struct http_str *o = http_header_get(req, "Origin");
	const struct http_str *h = http_header_get(req, "Host");
	const char *p;
	size_t n;

	if (o == NULL)
		return 1;
	if (h == NULL)
		return 0;
	p = memchr(o->p, ':', o->n);
	if (p == NULL || (size_t)(o->p + o->n - p) < 3 || p[1] != '/' ||
	    p[2] != '/')
		return 0;
	p += 3;
	n = (size_t)(o->p + o->n - p);
	return n == h->n && strncasecmp(p, h->p, n) == 0;
}

static void
login_post(struct server *s, struct conn *c, const struct http_request *req)
{
	char user[128], pw[512], cid[80], ans[16], given[1024], next[1024];
	char loc[1400], nextq[1200];
	const char *args[5];
	struct authmsg *m;
	struct buf q;

	field(c->body, c->body_len, "next", given, sizeof(given));
	safe_next(given, next, sizeof(next));
	buf_init(&q, sizeof(nextq));
	url_encode(&q, next);
	snprintf(nextq, sizeof(nextq), "%.*s", (int)q.len, q.data ?
	    (const char *)q.data : "");
	buf_release(&q);
	if ((m = take_answer(c)) != NULL) {
		if (m->code == AST_OK && m->n > AID_N) {
			see_other(s, c, next, m->arg[AID_N], 0);
		} else {
			snprintf(loc, sizeof(loc), "/__login__?error=%s%s%s"
			    "&next=%s", m->code == AST_LOCKED ? "locked" :
			    m->code == AST_CAPTCHA ? "captcha" :
			    m->code == AST_BAD ? "bad" : "unavailable",
			    m->code == AST_LOCKED && m->n == 1 ? "&retry=" : "",
			    m->code == AST_LOCKED && m->n == 1 ? m->arg[0] : "",
			    nextq);
			see_other(s, c, loc, NULL, 0);
		}
		answer_free(m);
		return;
	}
	if (!same_origin(req)) {
		resp_simple(s, c, 403, TEXT, "403 Forbidden: cross-site "
		    "request\n");
		return;
	}
	field(c->body, c->body_len, "username", user, sizeof(user));
	field(c->body, c->body_len, "password", pw, sizeof(pw));
	field(c->body, c->body_len, "captcha_id", cid, sizeof(cid));
	field(c->body, c->body_len, "captcha", ans, sizeof(ans));
	args[0] = user;
	args[1] = pw;
	args[2] = c->peer;
	args[3] = cid;
	args[4] = ans;
	if (ask(s, c, AOP_LOGIN, 5, args) != 0) {
		snprintf(loc, sizeof(loc), "/__login__?error=unavailable&"
		    "next=%s", nextq);
		see_other(s, c, loc, NULL, 0);
	}
	secret_wipe(pw, sizeof(pw));
}

static void
logout(struct server *s, struct conn *c, const struct http_request *req)
{
	struct authmsg *m;
	const char *args[1];
	struct cred k;

	if ((m = take_answer(c)) != NULL) {
		answer_free(m);
		see_other(s, c, "/__login__", NULL, 1);
		return;
	}
	if (!same_origin(req)) {
		resp_simple(s, c, 403, TEXT, "403 Forbidden: cross-site "
		    "request\n");
		return;
	}
	if (cred_get(req, &k) != 1 || strcmp(k.kind, "session") != 0) {
		cred_wipe(&k);
		see_other(s, c, "/__login__", NULL, 1);
		return;
	}
	/* The cached answer for this session goes too. */
	{
		uint8_t key[32];
		struct cache_entry *e;

		cache_key(&k, key);
		if ((e = cache_find(key)) != NULL)
			memset(e, 0, sizeof(*e));
	}
	args[0] = k.az.secret;
	if (ask(s, c, AOP_LOGOUT, 1, args) != 0)
		see_other(s, c, "/__login__", NULL, 1);
	cred_wipe(&k);
}

static void
captcha_media(struct server *s, struct conn *c, const char *name)
{
	char id[40];
	const char *args[1] = { id };
	const char *dot = strrchr(name, '.');
	int wav = dot != NULL && strcmp(dot, ".wav") == 0;
	struct authmsg *m;

	if (!s->conf->auth_captcha || dot == NULL || (!wav &&
	    strcmp(dot, ".png") != 0) || dot - name != 32) {
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		return;
	}
	if ((m = take_answer(c)) != NULL) {
		if (m->code == AST_OK && m->n == 1) {
			resp_head(s, c, 200, wav ? "audio/wav" : "image/png",
			    (long long)m->len[0]);
			resp_header(c, "Cache-Control", "no-store");
			resp_end_head(c);
			if (!c->head)
				buf_put(&c->out, m->arg[0], m->len[0]);
		} else
			resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		answer_free(m);
		return;
	}
	snprintf(id, sizeof(id), "%.32s", name);
	if (ask(s, c, wav ? AOP_CAPTCHA_WAV : AOP_CAPTCHA_PNG, 1, args) != 0)
		unavailable(s, c);
}

static void
json_error(struct server *s, struct conn *c, int status, const char *code,
    const char *msg)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"error\":\"%s\",\"message\":\"%s\"}\n",
	    code, msg);
	resp_simple(s, c, status, JSON, body);
}

static void
api_me(struct server *s, struct conn *c, const struct http_request *req)
{
	struct identity id;
	int bad, done, k;
	struct buf b;

	k = identify(s, c, req, &id, &bad, &done);
	if (k == -1)
		return;
	if (k == 0) {
		json_error(s, c, 401, "unauthenticated", "sign in, or send a "
		    "token");
		return;
	}
	buf_init(&b, 4096);
	buf_putf(&b, "{\"id\":%lld,\"user\":\"", (long long)id.user_id);
	html_escape(&b, id.name);	/* names are [A-Za-z0-9._-] anyway */
	buf_putf(&b, "\",\"role\":\"%s\",\"groups\":\"", id.role);
	html_escape(&b, id.groups);
	buf_putf(&b, "\",\"sudo_until\":%lld,\"expires\":%lld}\n",
	    (long long)id.sudo_until, (long long)id.expires);
	resp_head(s, c, 200, JSON, (long long)b.len);
	resp_header(c, "Cache-Control", "no-store");
	resp_end_head(c);
	if (!c->head)
		buf_put(&c->out, b.data, b.len);
	buf_release(&b);
}

/* POST /__api__/sudo (password) and /__api__/tokens (label, expires). */
static void
api_post(struct server *s, struct conn *c, const struct http_request *req,
    int tokens)
{
	char pw[512], label[128], exp[24], body[256];
	const char *args[3];
	struct authmsg *m;
	struct cred k;

	if ((m = take_answer(c)) != NULL) {
		if (m->code == AST_OK && tokens && m->n == 1) {
			struct buf b;

			buf_init(&b, 1024);
			buf_putf(&b, "{\"token\":\"%s\"}\n", m->arg[0]);
			resp_head(s, c, 201, JSON, (long long)b.len);
			resp_header(c, "Cache-Control", "no-store");
			resp_end_head(c);
			buf_put(&c->out, b.data, b.len);
			explicit_bzero(b.data, b.cap);
			buf_release(&b);
		} else if (m->code == AST_OK && !tokens && m->n >= AID_N) {
			snprintf(body, sizeof(body), "{\"sudo_until\":%s}\n",
			    m->arg[AID_SUDO_UNTIL]);
			resp_simple(s, c, 200, JSON, body);
		} else if (m->code == AST_SUDO)
			json_error(s, c, 403, "sudo_required", "re-enter your "
			    "password first (POST /__api__/sudo)");
		else if (m->code == AST_LOCKED)
			json_error(s, c, 429, "locked", "too many failures: "
			    "try again later");
		else if (m->code == AST_BAD)
			json_error(s, c, 401, "unauthenticated", "wrong "
			    "password, or no valid session");
		else
			json_error(s, c, 503, "unavailable", "try again");
		answer_free(m);
		return;
	}
	if (!same_origin(req)) {
		json_error(s, c, 403, "cross_site", "cross-site request");
		return;
	}
	/* Web sudo and API keys from the web are for browser sessions. */
	if (cred_get(req, &k) != 1 || strcmp(k.kind, "session") != 0) {
		cred_wipe(&k);
		json_error(s, c, 401, "unauthenticated", "needs a browser "
		    "session");
		return;
	}
	args[0] = k.az.secret;
	if (tokens) {
		field(c->body, c->body_len, "label", label, sizeof(label));
		field(c->body, c->body_len, "expires", exp, sizeof(exp));
		args[1] = label;
		args[2] = exp[0] ? exp : "0";
	} else {
		field(c->body, c->body_len, "password", pw, sizeof(pw));
		args[1] = pw;
		args[2] = c->peer;
	}
	if (ask(s, c, tokens ? AOP_TOKEN_NEW : AOP_SUDO, 3, args) != 0)
		json_error(s, c, 503, "unavailable", "auth is not up");
	secret_wipe(pw, sizeof(pw));
	cred_wipe(&k);
}

int
access_route(struct server *s, struct conn *c, const struct http_request *req)
{
	const char *p = req->path;
	int get = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
	int post = req->method == HTTP_M_POST;

	if (strcmp(p, "/__login__") == 0) {
		if (get)
			login_get(s, c, req);
		else if (post)
			login_post(s, c, req);
		else
			resp_simple(s, c, 405, TEXT, "405 Method Not Allowed\n");
		return 1;
	}
	if (strcmp(p, "/__logout__") == 0) {
		if (post)
			logout(s, c, req);
		else
			resp_simple(s, c, 405, TEXT, "405 Method Not Allowed\n");
		return 1;
	}
	if (strncmp(p, "/__captcha__/", 13) == 0 && get) {
		captcha_media(s, c, p + 13);
		return 1;
	}
	if (strcmp(p, "/__api__/me") == 0 && get) {
		api_me(s, c, req);
		return 1;
	}
	if ((strcmp(p, "/__api__/sudo") == 0 ||
	    strcmp(p, "/__api__/tokens") == 0) && post) {
		api_post(s, c, req, p[9] == 't');
		return 1;
	}
	return 0;
}
