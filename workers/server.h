/*
 * server: the worker's HTTP engine.  One epoll loop over many non-blocking
 * connections; the listening sockets are shared by every worker
 * (EPOLLEXCLUSIVE wakes one).  A connection reads a request head, answers
 * it (a head in out, a file body by sendfile), and goes back to reading:
 * keep-alive and pipelining fall out of that loop.  Requests are routed in
 * file.c.
 */
#ifndef AIRLOCK_SERVER_H
#define AIRLOCK_SERVER_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "http.h"
#include "ipc.h"
#include "fcache.h"
#include "load.h"
#include "repo.h"

enum conn_state {
	C_READ,		/* waiting for (the rest of) a request head */
	C_BODY,		/* discarding a request body */
	C_WRITE,	/* sending a response */
	C_AUTH,		/* waiting for the auth role's answer (access.c) */
};

struct authmsg;

struct conn {
	int fd;
	enum conn_state state;
	struct buf in;		/* request bytes; never past max_header_size+1 */
	struct buf out;		/* response head, and small bodies */
	struct fentry *file;	/* body by sendfile, NULL when none */
	off_t file_off, file_end;
	/*
	 * The last read from the socket came back short, so it held nothing
	 * more; new bytes bring a new (edge-triggered) EPOLLIN, which clears
	 * this.  Until then a read would only say EAGAIN.
	 */
	int drained;
	int keep_alive;
	int http10;		/* answer keep-alive explicitly */
	int head;		/* HEAD: no body */
	int content;		/* a repository file: content header policy */
	int redirect;		/* on an http_redirect listener */
	long long discard;	/* request body bytes still to skip */
	int64_t deadline_ms;
	unsigned requests;	/* answered on this connection */
	/* Asking auth: the request stays in in and runs again with ans. */
	uint64_t auth_req;	/* the question out, 0: none */
	struct authmsg *ans;	/* the answer, for the re-run */
	int resume;		/* answered: run again after this batch */
	struct conn *resume_next;
	const char *body;	/* a form body, in in after the head */
	size_t body_len;
	/* HTTPS (tls.c) */
	struct ssl_st *ssl;	/* NULL: plain HTTP */
	int handshaking;
	int tls_dead;		/* failed: no close_notify */
	int ktls;		/* the kernel encrypts: SSL_sendfile */
	char *tbuf;		/* a file chunk on its way, without kTLS */
	size_t tlen, toff;
	size_t thead;		/* of which the response head, at the start */
	off_t tfile_off;	/* where the next chunk is read from */
	uint8_t *wbuf;		/* records not yet sent, without kTLS */
	size_t wlen, woff;
	int https;		/* came over TLS, or a trusted proxy says so */
	int tcp_trusted;	/* the TCP peer is a trusted proxy */
	char tcp_peer[64];	/* the TCP peer (peer: the client, if told) */
	/* For the access log. */
	int status;
	long long sent;
	char method[16];
	char path[256];
	char peer[64];
	struct conn *prev, *next;
};

struct server {
	const struct airlock_conf *conf;
	struct http_limits lim;
	int epfd;
	int lfds[IPC_MAX_FDS];
	int nlfds;
	int redirect_from;	/* lfds[i >= this] only redirect to https... */
	int tls_from;		/* ...and lfds[i >= this] speak TLS */
	struct ssl_ctx_st *tls;	/* NULL without https.listen */
	struct ipc_chan *keys;	/* link to the keys role, or NULL */
	/* http.trusted_proxies, parsed */
	struct proxy_net {
		int family;
		unsigned char addr[16];
		int bits;
	} *proxies;
	size_t nproxies;
	struct ipc_chan *ch;
	struct conn *conns;	/* every open connection */
	struct fcache fc;	/* open files, shared by responses */
	struct repo_cache repos;	/* snapshot lists and manifests */
	int static_fd;		/* http.static_dir, opened before chroot */
	unsigned nconns;
	int draining;
	struct load_table *load;	/* shared with the master and workers */
	int slot, row;			/* my counter: load->conns[row][slot] */
	int accept_paused;		/* holding more than my share */
	int drain_requested;	/* by the master; done after the event batch */
	time_t master_start;
	/* Pushed by the master (IPC_STATE). */
	uint32_t auth_up, workers_up, workers_total, sync_up;
	char server_header[128];	/* "Server: …\r\n" */
	/*
	 * What every response of each class carries after Server and Date:
	 * custom headers first, then the security headers, which win (a
	 * custom header of the same name is dropped).  Built once.
	 */
	struct buf policy_content;	/* package and index files */
	struct buf policy_dashboard;	/* API, pages, errors */
	char date[40];			/* current IMF-fixdate */
	time_t date_at;
	struct ipc_chan *auth;		/* link to the auth role, or NULL */
	uint64_t next_auth;		/* question ids */
	struct conn *resumes;		/* answered, to run again */
};

#define EV_AUTH 101	/* epoll tag of the auth link */

/* Sets up the loop; the listening fds stay the caller's until drain. */
int server_init(struct server *s, const struct airlock_conf *conf,
    const int *lfds, int nlfds, int nredirect, int nhttps,
    struct ipc_chan *ch);
/* Maps the load table (fd is the caller's) for this worker's slot. */
int server_load_init(struct server *s, int fd, int slot, int generation);
/* Runs until drained; returns 0.  worker_ipc is called on IPC input. */
int server_run(struct server *s);
/*
 * Stops accepting, closes idle connections, lets the rest finish.  Only
 * between event batches (set drain_requested from a handler).
 */
void server_drain(struct server *s);

/* Whether addr (text) is in http.trusted_proxies. */
int server_trusts(const struct server *s, const char *addr);
/* Runs a connection again (its auth answer came). */
void server_rerun(struct server *s, struct conn *c);

/* In worker.c: handles what the master sent; -1 ends the worker. */
int worker_ipc(struct server *s);

/* Response building, for the routes (file.c). */
void resp_head(struct server *s, struct conn *c, int status,
    const char *ctype, long long length);
void resp_header(struct conn *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a value as it is, without formatting. */
void resp_header_str(struct conn *c, const char *name, const char *value);
void resp_end_head(struct conn *c);
/* A whole small response: status, text body, closing or not. */
void resp_simple(struct server *s, struct conn *c, int status,
    const char *ctype, const char *body);

/* In file.c: answers one parsed request. */
void route_request(struct server *s, struct conn *c,
    const struct http_request *req);

#endif
