#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "access.h"
#include "server.h"
#include "tls.h"
#include "util.h"

/*
 * epoll data: listening sockets and the IPC link are small integers, so
 * they never collide with a connection pointer.
 */
#define EV_LISTEN_BASE 1
#define EV_IPC 100
#define EV_MAX_TAG 4096

#define READ_CHUNK 4096
/*
 * One accept per wake-up, as nginx's default: EPOLLEXCLUSIVE wakes a
 * worker idle in epoll_wait, so connections spread over the workers
 * instead of all going to whichever woke first.
 */
#define ACCEPT_BATCH 1

static const char busy_response[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 20\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n\r\n"
    "server is too busy.\n";

static void
update_date(struct server *s)
{
	time_t now = time(NULL);

	if (now != s->date_at) {
		http_date_format(now, s->date, sizeof(s->date));
		s->date_at = now;
	}
}

/* Headers the server writes itself: a custom one may not replace them. */
static const char *const builtin_headers[] = {
	"Server", "Date", "Content-Type", "Content-Length", "Connection",
	"Transfer-Encoding", "Content-Range", "Accept-Ranges", "ETag",
	"Last-Modified", "Cache-Control", "Location", "Allow", "Retry-After",
	"Set-Cookie", "Strict-Transport-Security",
};

#define DASHBOARD_CSP "default-src 'self'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; object-src 'none'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static int
header_named(const char *h, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

/* One class's headers: customs, unless a built-in of the name is sent. */
static void
build_policy(struct buf *b, const struct airlock_conf *conf,
    const char *frame, int csp)
{
	size_t i, k;
	int drop;

	buf_init(b, 16384);
	for (i = 0; i < conf->custom_header.n; i++) {
		const char *h = conf->custom_header.v[i];

		drop = 0;
		for (k = 0; k < nitems(builtin_headers); k++)
			drop |= header_named(h, builtin_headers[k]);
		drop |= !conf->content_type_sniffing &&
		    header_named(h, "X-Content-Type-Options");
		drop |= strcmp(frame, "NONE") != 0 &&
		    header_named(h, "X-Frame-Options");
		drop |= csp && header_named(h, "Content-Security-Policy");
		if (!drop)
			buf_putf(b, "%s\r\n", h);
	}
	if (!conf->content_type_sniffing)
		buf_putf(b, "X-Content-Type-Options: nosniff\r\n");
	if (strcmp(frame, "NONE") != 0)
		buf_putf(b, "X-Frame-Options: %s\r\n", frame);
	if (csp)
		buf_putf(b, "Content-Security-Policy: %s\r\n", DASHBOARD_CSP);
	if (conf->https_permanent)
		buf_putf(b, "Strict-Transport-Security: max-age=2592000\r\n");
}

/* http.trusted_proxies into address/prefix pairs. */
static int
proxies_parse(struct server *s)
{
	const struct strlist *l = &s->conf->trusted_proxies;
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash;
	size_t i, len;

	if (l->n == 0)
		return 0;
	if ((s->proxies = calloc(l->n, sizeof(*s->proxies))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		struct proxy_net *p = &s->proxies[i];

		slash = strchr(l->v[i], '/');
		len = slash ? (size_t)(slash - l->v[i]) : strlen(l->v[i]);
		if (len >= sizeof(a))
			return -1;
		memcpy(a, l->v[i], len);
		a[len] = '\0';
		p->family = strchr(a, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(p->family, a, p->addr) != 1)
			return -1;
		p->bits = slash ? atoi(slash + 1) : p->family == AF_INET6 ?
		    128 : 32;
	}
	s->nproxies = l->n;
	return 0;
}

int
server_trusts(const struct server *s, const char *addr)
{
	unsigned char b[16];
	size_t i;
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET, k, full, rest;

	if (s->nproxies == 0 || inet_pton(fam, addr, b) != 1)
		return 0;
	for (i = 0; i < s->nproxies; i++) {
		const struct proxy_net *p = &s->proxies[i];

		if (p->family != fam)
			continue;
		full = p->bits / 8;
		rest = p->bits % 8;
		if (memcmp(p->addr, b, (size_t)full) != 0)
			continue;
		k = 0xff << (8 - rest);
		if (rest && ((p->addr[full] ^ b[full]) & k) != 0)
			continue;
		return 1;
	}
	return 0;
}

int
server_init(struct server *s, const struct airlock_conf *conf,
    const int *lfds, int nlfds, int nredirect, int nhttps,
    struct ipc_chan *ch)
{
	struct epoll_event ev;
	int i;

	s->conf = conf;
	s->lim.max_request_line = (size_t)conf->max_request_line;
	s->lim.max_header_size = (size_t)conf->max_header_size;
	s->lim.max_headers = (size_t)conf->max_headers;
	s->ch = ch;
	s->nlfds = nlfds;
	s->tls_from = nlfds - nhttps;
	s->redirect_from = s->tls_from - nredirect;
	if (proxies_parse(s) != 0)
		return -1;
	memcpy(s->lfds, lfds, sizeof(int) * (size_t)nlfds);
	if (conf->hide_version)
		snprintf(s->server_header, sizeof(s->server_header),
		    "Server: %s\r\n", conf->server_name);
	else
		snprintf(s->server_header, sizeof(s->server_header),
		    "Server: %s/%s\r\n", conf->server_name, PACKAGE_VERSION);
	build_policy(&s->policy_content, conf, conf->frame_options_content, 0);
	build_policy(&s->policy_dashboard, conf, conf->frame_options_dashboard,
	    1);
	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < nlfds; i++) {
		memset(&ev, 0, sizeof(ev));
		/* One worker woken per connection, not all of them. */
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u64 = EV_LISTEN_BASE + (uint64_t)i;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, lfds[i], &ev) == -1)
			return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_IPC;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ch->fd, &ev) == -1)
		return -1;
	update_date(s);
	return 0;
}

int
server_load_init(struct server *s, int fd, int slot, int generation)
{
	if (slot <= 0 || slot >= LOAD_SLOTS)
		return -1;
	s->load = mmap(NULL, sizeof(*s->load), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (s->load == MAP_FAILED) {
		s->load = NULL;
		return -1;
	}
	s->slot = slot;
	s->row = generation & 1;
	return 0;
}

static void
load_publish(struct server *s)
{
	if (s->load != NULL && !s->draining)
		__atomic_store_n(&s->load->conns[s->row][s->slot], s->nconns,
		    __ATOMIC_RELAXED);
}

/* Whether a live worker of my generation holds clearly fewer connections. */
static int
load_ahead(struct server *s)
{
	uint32_t v, min = LOAD_DEAD;
	int i;

	if (s->load == NULL)
		return 0;
	for (i = 1; i <= s->conf->workers && i < LOAD_SLOTS; i++) {
		if (i == s->slot)
			continue;
		v = __atomic_load_n(&s->load->conns[s->row][i],
		    __ATOMIC_RELAXED);
		if (v < min)
			min = v;
	}
	return min != LOAD_DEAD && s->nconns > min + LOAD_SLACK;
}

/* Joins or leaves the listening sockets' wait queues. */
static void
accepting(struct server *s, int on)
{
	struct epoll_event ev;
	int i;

	for (i = 0; i < s->nlfds; i++) {
		if (on) {
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN | EPOLLEXCLUSIVE;
			ev.data.u64 = EV_LISTEN_BASE + (uint64_t)i;
			epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfds[i], &ev);
		} else
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfds[i], NULL);
	}
	s->accept_paused = !on;
}

static void
conn_close(struct server *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	access_conn_gone(s, c);
	tls_conn_free(c);
	/* close() also removes it from the epoll set. */
	close(c->fd);
	fcache_put(&s->fc, c->file);
	buf_release(&c->in);
	buf_release(&c->out);
	free(c);
	load_publish(s);
}

/*
 * Every response head is built from these, without printf: formatting was
 * a twentieth of a worker's time serving small files.
 */
static void
put_s(struct buf *b, const char *str)
{
	buf_put(b, str, strlen(str));
}

static void
put_lld(struct buf *b, long long v)
{
	char d[24];
	size_t i = sizeof(d);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		d[--i] = '-';
	buf_put(b, d + i, sizeof(d) - i);
}

void
resp_head(struct server *s, struct conn *c, int status, const char *ctype,
    long long length)
{
	buf_reset(&c->out);
	c->status = status;
	put_s(&c->out, "HTTP/1.1 ");
	put_lld(&c->out, status);
	put_s(&c->out, " ");
	put_s(&c->out, http_status_text(status));
	put_s(&c->out, "\r\n");
	put_s(&c->out, s->server_header);
	put_s(&c->out, "Date: ");
	put_s(&c->out, s->date);
	put_s(&c->out, "\r\n");
	if (c->content)
		buf_put(&c->out, buf_ptr(&s->policy_content),
		    buf_avail(&s->policy_content));
	else
		buf_put(&c->out, buf_ptr(&s->policy_dashboard),
		    buf_avail(&s->policy_dashboard));
	if (ctype != NULL)
		resp_header_str(c, "Content-Type", ctype);
	if (length >= 0) {
		put_s(&c->out, "Content-Length: ");
		put_lld(&c->out, length);
		put_s(&c->out, "\r\n");
	}
	if (!c->keep_alive)
		put_s(&c->out, "Connection: close\r\n");
	else if (c->http10)
		put_s(&c->out, "Connection: keep-alive\r\n");
}

void
resp_header_str(struct conn *c, const char *name, const char *value)
{
	put_s(&c->out, name);
	put_s(&c->out, ": ");
	put_s(&c->out, value);
	put_s(&c->out, "\r\n");
}

void
resp_header(struct conn *c, const char *name, const char *fmt, ...)
{
	va_list ap;

	buf_putf(&c->out, "%s: ", name);
	va_start(ap, fmt);
	buf_vputf(&c->out, fmt, ap);
	va_end(ap);
	buf_put(&c->out, "\r\n", 2);
}

void
resp_end_head(struct conn *c)
{
	buf_put(&c->out, "\r\n", 2);
}

void
resp_simple(struct server *s, struct conn *c, int status, const char *ctype,
    const char *body)
{
	size_t n = strlen(body);

	switch (status) {
	case 400: case 408: case 413: case 414: case 431: case 501: case 505:
		/* After these the stream cannot be trusted to be in step. */
		c->keep_alive = 0;
		break;
	}
	resp_head(s, c, status, ctype, (long long)n);
	resp_end_head(c);
	if (!c->head)
		buf_put(&c->out, body, n);
}

static void
access_log(struct server *s, struct conn *c)
{
	if (s->conf->access_log)
		log_access("%s \"%s %s\" %d %lld", c->peer, c->method, c->path,
		    c->status, c->sent);
}

/* For the access log: quotes and backslashes escaped, so a line parses. */
static void
copy_view(char *dst, size_t dsz, const char *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < dsz; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			snprintf(dst + o, dsz - o, "%%%02X", (unsigned char)p[i]);
			o += 3;
		} else
			dst[o++] = p[i];
	}
	dst[o] = '\0';
}

/*
 * An http_redirect listener answers everything with 301 to the same path
 * and query over https: at server.address when it is an https:// URL,
 * else at the host the client asked for (without its port).
 */
static void
redirect_https(struct server *s, struct conn *c, const struct http_request *req)
{
	const struct http_str *host = http_header_get(req, "Host");
	const char *addr = s->conf->address;
	char h[256];
	size_t n = 0;

	if (strncmp(addr, "https://", 8) != 0) {
		if (host != NULL) {
			/* The parser let only host characters through. */
			for (n = 0; n < host->n && n + 1 < sizeof(h); n++)
				h[n] = host->p[n];
			h[n] = '\0';
			if (h[0] != '[' && strchr(h, ':') != NULL)
				*strchr(h, ':') = '\0';
			else if (h[0] == '[' && strstr(h, "]:") != NULL)
				strstr(h, "]:")[1] = '\0';
		}
		if (n == 0) {
			resp_simple(s, c, 400, "text/plain; charset=utf-8",
			    "400 Bad Request: no Host to redirect to\n");
			return;
		}
	}
	resp_head(s, c, 301, "text/plain; charset=utf-8", 0);
	if (strncmp(addr, "https://", 8) == 0)
		resp_header(c, "Location", "%.*s%.*s", (int)(strlen(addr) -
		    (addr[strlen(addr) - 1] == '/')), addr, (int)req->target.n,
		    req->target.p);
	else
		resp_header(c, "Location", "https://%s%.*s", h,
		    (int)req->target.n, req->target.p);
	resp_end_head(c);
}

/*
 * Behind a trusted proxy: the client is the rightmost X-Forwarded-For
 * address that is not a trusted proxy itself, and X-Forwarded-Proto says
 * whether it came over https.  From anyone else both are ignored.
 */
static void
forwarded(struct server *s, struct conn *c, const struct http_request *req)
{
	const struct http_str *xff, *xfp;
	char list[512], *p, *comma;
	unsigned char b[16];
	size_t n;

	if (!c->tcp_trusted)
		return;
	if ((xfp = http_header_get(req, "X-Forwarded-Proto")) != NULL)
		c->https = c->ssl != NULL || (xfp->n == 5 &&
		    strncasecmp(xfp->p, "https", 5) == 0);
	if ((xff = http_header_get(req, "X-Forwarded-For")) == NULL)
		return;
	n = xff->n < sizeof(list) - 1 ? xff->n : sizeof(list) - 1;
	memcpy(list, xff->p, n);
	list[n] = '\0';
	for (;;) {
		comma = strrchr(list, ',');
		p = comma ? comma + 1 : list;
		p += strspn(p, " \t");
		p[strcspn(p, " \t")] = '\0';
		if ((inet_pton(AF_INET, p, b) != 1 &&
		    inet_pton(AF_INET6, p, b) != 1) || strlen(p) >=
		    sizeof(c->peer))
			return;		/* not an address: keep what we have */
		snprintf(c->peer, sizeof(c->peer), "%s", p);
		if (!server_trusts(s, p) || comma == NULL)
			return;
		*comma = '\0';	/* a proxy too: look further left */
	}
}

static void
handle(struct server *s, struct conn *c, const struct http_request *req)
{
	copy_view(c->method, sizeof(c->method), req->method_str.p,
	    req->method_str.n);
	copy_view(c->path, sizeof(c->path), req->target.p, req->target.n);
	c->keep_alive = req->keep_alive && !s->draining;
	c->http10 = req->minor == 0;
	c->head = req->method == HTTP_M_HEAD;
	c->content = 0;
	c->discard = 0;
	c->sent = 0;
	if (req->chunked) {
		resp_simple(s, c, 501, "text/plain; charset=utf-8",
		    "chunked request bodies are not supported\n");
		return;
	}
	if (req->content_length > (long long)s->conf->max_body_size) {
		resp_simple(s, c, 413, "text/plain; charset=utf-8",
		    "request body too large\n");
		return;
	}
	if (req->content_length > 0 && c->body == NULL)
		c->discard = req->content_length;
	if (c->tcp_trusted) {
		/* Each request may come from another client. */
		snprintf(c->peer, sizeof(c->peer), "%s", c->tcp_peer);
		c->https = c->ssl != NULL;
		forwarded(s, c, req);
	}
	if (c->redirect)
		redirect_https(s, c, req);
	else
		route_request(s, c, req);
}

static void
parse_error(struct server *s, struct conn *c, int status)
{
	char body[64];

	snprintf(body, sizeof(body), "%d %s\n", status,
	    http_status_text(status));
	c->keep_alive = 0;
	c->head = 0;
	c->http10 = 0;
	c->content = 0;
	strcpy(c->method, "-");
	strcpy(c->path, "-");
	resp_simple(s, c, status, "text/plain; charset=utf-8", body);
}

/* 1: response sent, 0: the socket is full, -1: the connection failed. */
static int
conn_write(struct server *s, struct conn *c)
{
	ssize_t n;
	off_t left;

	for (;;) {
		if (buf_avail(&c->out) > 0 && !(c->ssl != NULL && !c->ktls &&
		    c->file != NULL && c->file_off < c->file_end &&
		    c->toff == c->tlen && buf_avail(&c->out) <= TLS_HEAD_MAX)) {
			int more = c->file != NULL && c->file_off < c->file_end;

			if (c->ssl != NULL) {
				n = tls_write(c, buf_ptr(&c->out),
				    buf_avail(&c->out));
				if (n == 0)
					return 0;
			} else
				n = send(c->fd, buf_ptr(&c->out),
				    buf_avail(&c->out), MSG_NOSIGNAL |
				    (more ? MSG_MORE : 0));
			if (n == -1)
				break;
			buf_consume(&c->out, (size_t)n);
			c->sent += n;
			c->deadline_ms = mono_ms() + s->conf->send_timeout * 1000LL;
			continue;
		}
		if (c->file != NULL && c->file_off < c->file_end) {
			left = c->file_end - c->file_off;
			if (c->ssl != NULL) {
				if ((n = tls_send_file(s, c)) == 0)
					return 0;
				if (n == -1)
					return -1;
			} else
				n = sendfile(c->fd, c->file->fd, &c->file_off,
				    left > (1 << 30) ? (1 << 30) : (size_t)left);
			if (n == -1)
				break;
			if (n == 0)	/* the file shrank under us */
				return -1;
			c->sent += n;
			c->deadline_ms = mono_ms() + s->conf->send_timeout * 1000LL;
			continue;
		}
		/* Over TLS, the last records may still wait in the buffer. */
		if (c->ssl != NULL && (n = tls_flush(c)) != 1)
			return n == 0 ? 0 : -1;
		fcache_put(&s->fc, c->file);
		c->file = NULL;
		buf_reset(&c->out);
		return 1;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -1;
}

/* Reads what the socket has into in; 1 got bytes, 0 would block, -1 gone. */
static int
conn_read(struct server *s, struct conn *c)
{
	size_t room;
	uint8_t *p;
	ssize_t n;
	int was_empty = buf_avail(&c->in) == 0;

	if (c->drained && (c->ssl == NULL || !tls_pending(c)))
		return 0;
	buf_compact(&c->in);
	room = c->in.max - c->in.len;
	if (room == 0)
		return -1;	/* cannot happen: the parser refuses first */
	if (room > READ_CHUNK)
		room = READ_CHUNK;
	if (buf_reserve(&c->in, room, &p) != 0)
		return -1;
	if (c->ssl != NULL) {
		if ((n = tls_read(c, p, room)) == 0)
			return 0;
	} else {
		n = recv(c->fd, p, room, 0);
		c->drained = n > 0 && (size_t)n < room;
	}
	if (n == 0)
		return -1;
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	buf_commit(&c->in, (size_t)n);
	/* The head timer starts with a request's first byte, never resets. */
	if (was_empty && c->state == C_READ)
		c->deadline_ms = mono_ms() + s->conf->header_timeout * 1000LL;
	return 1;
}

static void
conn_run(struct server *s, struct conn *c, uint32_t events)
{
	struct http_request req;
	int r, status;
	size_t skip;

	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		c->drained = 0;		/* there may be something to read */
	if (c->ssl != NULL && c->handshaking) {
		if (events & (EPOLLERR | EPOLLHUP))
			goto close;
		if ((r = tls_handshake(s, c)) == -1)
			goto close;
		if (r == 0)
			return;
		events |= EPOLLIN;	/* data may have come with it */
	}
	/* Records an alert or a post-handshake message left buffered. */
	if (c->ssl != NULL && tls_flush(c) == -1)
		goto close;
	/*
	 * Edge-triggered with both directions registered: an event for the
	 * direction the connection is not waiting on needs no system call.
	 */
	if (!(events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))) {
		if (c->state == C_WRITE && !(events & EPOLLOUT))
			return;
		if (c->state != C_WRITE && !(events & EPOLLIN))
			return;
	}
	for (;;) {
		if (c->state == C_WRITE) {
			if ((r = conn_write(s, c)) == -1)
				goto close;
			if (r == 0)
				return;
			access_log(s, c);
			c->requests++;
			if (!c->keep_alive)
				goto close;
			if (c->discard > 0) {
				c->state = C_BODY;
				c->deadline_ms = mono_ms() +
				    s->conf->body_timeout * 1000LL;
			} else {
				c->state = C_READ;
				c->deadline_ms = mono_ms() + 1000LL *
				    (buf_avail(&c->in) ? s->conf->header_timeout :
				    s->conf->idle_timeout);
			}
			continue;
		}
		if (c->state == C_AUTH) {
			/* The request waits in in; a reset ends it. */
			if (events & (EPOLLERR | EPOLLHUP))
				goto close;
			return;
		}
		if (c->state == C_BODY) {
			skip = buf_avail(&c->in);
			if ((long long)skip > c->discard)
				skip = (size_t)c->discard;
			buf_consume(&c->in, skip);
			c->discard -= (long long)skip;
			if (c->discard == 0) {
				c->state = C_READ;
				c->deadline_ms = mono_ms() + 1000LL *
				    (buf_avail(&c->in) ? s->conf->header_timeout :
				    s->conf->idle_timeout);
				continue;
			}
			if ((r = conn_read(s, c)) == -1)
				goto close;
			if (r == 0)
				return;
			/* The body timeout is time without progress. */
			c->deadline_ms = mono_ms() + s->conf->body_timeout * 1000LL;
			continue;
		}
		/* C_READ */
		if (buf_avail(&c->in) > 0) {
			r = http_parse_request(&c->in, &s->lim, &req, &status);
			if (r == 1) {
				size_t need = req.header_len;

				if (access_wants_body(&req) &&
				    req.content_length > 0 && !req.chunked) {
					if (req.content_length > FORM_MAX) {
						buf_consume(&c->in, need);
						parse_error(s, c, 413);
						c->state = C_WRITE;
						continue;
					}
					need += (size_t)req.content_length;
					if (buf_avail(&c->in) < need)
						goto more;
					c->body = (const char *)buf_ptr(&c->in) +
					    req.header_len;
					c->body_len = (size_t)req.content_length;
				}
				handle(s, c, &req);
				if (c->state == C_AUTH)
					return;	/* runs again when answered */
				c->body = NULL;
				c->body_len = 0;
				buf_consume(&c->in, need);
				c->state = C_WRITE;
				continue;
			}
			if (r == -1) {
				parse_error(s, c, status);
				c->state = C_WRITE;
				continue;
			}
		}
		if (s->draining && c->requests > 0 && buf_avail(&c->in) == 0)
			goto close;
more:
		if ((r = conn_read(s, c)) == -1)
			goto close;
		if (r == 0)
			return;
	}
close:
	conn_close(s, c);
}

void
server_rerun(struct server *s, struct conn *c)
{
	conn_run(s, c, EPOLLIN);
}

static void
accept_all(struct server *s, int idx)
{
	int lfd = s->lfds[idx];
	struct sockaddr_storage ss;
	struct epoll_event ev;
	struct conn *c;
	socklen_t sl;
	int fd, i, one = 1;
	static int64_t emfile_warned;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (load_ahead(s)) {
			accepting(s, 0);
			return;
		}
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			if ((errno == EMFILE || errno == ENFILE) &&
			    mono_ms() - emfile_warned > 10000) {
				log_warn("accept: %s", strerror(errno));
				emfile_warned = mono_ms();
			}
			return;
		}
		if (s->nconns >= (unsigned)s->conf->max_connections ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			/* Refuse cleanly: a 503 the client can read. */
			(void)!send(fd, busy_response, sizeof(busy_response) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->redirect = idx >= s->redirect_from && idx < s->tls_from;
		c->https = idx >= s->tls_from;
		c->state = C_READ;
		/* Room for a head and a form; credentials are wiped. */
		buf_init(&c->in, (size_t)s->conf->max_header_size + FORM_MAX +
		    1);
		buf_set_wipe(&c->in);
		buf_init(&c->out, 65536);
		c->deadline_ms = mono_ms() + s->conf->header_timeout * 1000LL;
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			    c->peer, sizeof(c->peer));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr, c->peer,
			    sizeof(c->peer));
		else
			strcpy(c->peer, "-");
		snprintf(c->tcp_peer, sizeof(c->tcp_peer), "%s", c->peer);
		c->tcp_trusted = server_trusts(s, c->peer);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (c->https && tls_conn_new(s, c) != 0) {
			tls_conn_free(c);
			buf_release(&c->in);
			buf_release(&c->out);
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		memset(&ev, 0, sizeof(ev));
		/* Edge-triggered, registered once: no epoll_ctl per request. */
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			conn_close(s, c);
			continue;
		}
		load_publish(s);
	}
}

static void
sweep(struct server *s, int64_t now)
{
	struct conn *c, *next;

	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (now < c->deadline_ms)
			continue;
		if (c->state == C_READ && buf_avail(&c->in) > 0) {
			/* A head that never completed: slowloris. */
			log_debug("%s: request head timeout", c->peer);
			parse_error(s, c, 408);
			c->state = C_WRITE;
			c->deadline_ms = now + s->conf->send_timeout * 1000LL;
			conn_run(s, c, EPOLLOUT);
			continue;
		}
		log_debug("%s: %s timeout", c->peer, c->state == C_WRITE ?
		    "send" : c->state == C_BODY ? "body" : "idle");
		conn_close(s, c);
	}
}

void
server_drain(struct server *s)
{
	struct conn *c, *next;
	int i;

	if (s->draining)
		return;
	if (!s->accept_paused)
		accepting(s, 0);
	s->draining = 1;
	for (i = 0; i < s->nlfds; i++)
		close(s->lfds[i]);
	s->nlfds = 0;
	/* Idle keep-alive connections go now; requests under way finish. */
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == C_READ && c->requests > 0 &&
		    buf_avail(&c->in) == 0)
			conn_close(s, c);
	}
	log_debug("draining: %u connection(s) to finish", s->nconns);
}

int
server_run(struct server *s)
{
	struct epoll_event evs[256];
	int64_t now, last_sweep = mono_ms();
	int i, n;
	uint64_t tag;

	load_publish(s);
	for (;;) {
		if (s->draining && s->nconns == 0)
			return 0;
		if (s->accept_paused && !s->draining && !load_ahead(s))
			accepting(s, 1);
		n = epoll_wait(s->epfd, evs, (int)nitems(evs), 1000);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return -1;
		}
		update_date(s);
		/* Connections are freed only by their own event in a batch. */
		for (i = 0; i < n; i++) {
			tag = evs[i].data.u64;
			if (tag == EV_IPC) {
				if (worker_ipc(s) == -1)
					return -1;
			} else if (tag == EV_AUTH) {
				access_on_auth(s);
			} else if (tag >= EV_LISTEN_BASE &&
			    tag < EV_LISTEN_BASE + IPC_MAX_FDS) {
				if (!s->draining)
					accept_all(s, (int)(tag - EV_LISTEN_BASE));
			} else if (tag >= EV_MAX_TAG) {
				conn_run(s, evs[i].data.ptr, evs[i].events);
			}
		}
		/* After the batch: no event of it can name these any more. */
		access_resume(s);
		if (s->drain_requested && !s->draining)
			server_drain(s);
		now = mono_ms();
		if (now - last_sweep >= 1000) {
			sweep(s, now);
			last_sweep = now;
		}
	}
}
