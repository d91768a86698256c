#include "config.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "tls.h"
#include "tlskey.h"
#include "util.h"

#define KEY_WAIT_MS 2000	/* the keys role answers within this */
#define FILE_CHUNK 65536	/* file body read per pread (4 TLS records) */
/*
 * Records waiting for one send: four full ones, with room for what any
 * cipher adds to each (OpenSSL's SSL3_RT_MAX_ENCRYPTED_OVERHEAD is 320).
 */
#define WBUF_SIZE (4 * (16384 + 512))
/* https.ciphers' default, and what it becomes below TLS 1.2 (no AEAD). */
#define CIPHERS_DEFAULT "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1"
#define CIPHERS_LEGACY "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:!aNULL:!eNULL"

static int
version_of(const char *s)
{
	if (strcmp(s, "1.0") == 0)
		return TLS1_VERSION;
	if (strcmp(s, "1.1") == 0)
		return TLS1_1_VERSION;
	if (strcmp(s, "1.3") == 0)
		return TLS1_3_VERSION;
	return TLS1_2_VERSION;
}

/*
 * A private-key operation, inside a handshake: asks the keys role and
 * waits for its answer (the worker's loop pauses for one round trip; a
 * resumed session needs none).
 */
static int
remote_sign(void *arg, enum tlskey_op op, int padding,
    const unsigned char *in, size_t inlen, unsigned char *out, size_t outmax)
{
	struct server *s = arg;
	struct ipc_msg msg;
	struct pollfd pfd;
	struct buf b;
	uint32_t n;
	int r;

	if (s->keys == NULL) {
		log_warn("TLS handshake: no link to the keys role");
		return -1;
	}
	buf_init(&b, 2048);
	r = tlskey_pack_request(&b, op, padding, in, inlen) == 0 &&
	    ipc_send(s->keys, IPC_KEY_REQ, &b, NULL, 0) == 0 ? 0 : -1;
	buf_release(&b);
	if (r != 0)
		return -1;
	pfd.fd = s->keys->fd;
	pfd.events = POLLIN;
	for (;;) {
		if ((r = ipc_recv(s->keys, &msg, 0)) == 1)
			break;
		if (r == -1 || poll(&pfd, 1, KEY_WAIT_MS) != 1) {
			log_warn("TLS handshake: the keys role did not answer");
			return -1;
		}
	}
	if (buf_get_u32(&msg.payload, &n) != 0 || (int32_t)n < 0 ||
	    n > outmax || n != buf_avail(&msg.payload))
		return -1;
	memcpy(out, buf_ptr(&msg.payload), n);
	return (int)n;
}


/*
 * A connection's BIO: a filter over the socket BIO.  Its write side
 * gathers the records OpenSSL writes, so that a response head and its
 * body's records leave in one send() (two for a 100 KiB file) instead of
 * one write() per 16 KiB record.  OpenSSL flushes it where the protocol
 * needs the bytes out (each handshake flight, alerts); the server flushes
 * it at the end of every response (tls_flush).  Once the kernel encrypts
 * (kTLS), writes pass straight through to the socket, and kTLS is only
 * switched on over an empty buffer.  Its read side passes reads through
 * and notes a short one (the socket is empty: c->drained).
 */
static BIO_METHOD *wbuf_method;
/*
 * OpenSSL's own control that turns kTLS on (BIO_CTRL_SET_KTLS, 72 in
 * its internal bio.h for all of 3.x; the public header only lists it).
 */
#define CTRL_SET_KTLS 72

/* Sends what is buffered: 1 all gone, 0 the socket is full, -1 failed. */
static int
wbuf_send(struct conn *c)
{
	ssize_t n;

	while (c->woff < c->wlen) {
		n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
	return 1;
}

static int
wbuf_write(BIO *b, const char *p, int n)
{
	struct conn *c = BIO_get_data(b);
	BIO *next = BIO_next(b);
	size_t room;
	int r;

	BIO_clear_retry_flags(b);
	if (next == NULL || n <= 0)
		return 0;
	if (c->ktls) {
		r = BIO_write(next, p, n);
		BIO_copy_next_retry(b);
		return r;
	}
	if (c->wbuf == NULL && (c->wbuf = malloc(WBUF_SIZE)) == NULL)
		return -1;
	if (WBUF_SIZE - c->wlen < (size_t)n) {
		if (wbuf_send(c) == -1)
			return -1;
		if (c->woff > 0) {
			/* What a short send left goes to the front. */
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
		}
	}
	if ((room = WBUF_SIZE - c->wlen) == 0) {
		BIO_set_retry_write(b);
		return -1;
	}
	if (room > (size_t)n)
		room = (size_t)n;
	memcpy(c->wbuf + c->wlen, p, room);
	c->wlen += room;
	return (int)room;
}

static int
wbuf_read(BIO *b, char *p, int n)
{
	struct conn *c = BIO_get_data(b);
	BIO *next = BIO_next(b);
	int r;

	BIO_clear_retry_flags(b);
	if (next == NULL)
		return 0;
	r = BIO_read(next, p, n);
	BIO_copy_next_retry(b);
	c->drained = r > 0 && r < n;
	return r;
}

static long
wbuf_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct conn *c = BIO_get_data(b);
	BIO *next = BIO_next(b);
	int r;

	if (next == NULL)
		return 0;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		BIO_clear_retry_flags(b);
		if ((r = wbuf_send(c)) == 0)
			BIO_set_retry_write(b);
		if (r != 1)
			return r;
		break;
	case BIO_CTRL_WPENDING:
		return (long)(c->wlen - c->woff) + BIO_ctrl(next, cmd, num, ptr);
	case CTRL_SET_KTLS:
		/* For sending: our records would reach the kernel after its own. */
		if (num != 0 && c->woff != c->wlen)
			return 0;
		if ((r = (int)BIO_ctrl(next, cmd, num, ptr)) > 0 && num != 0)
			c->ktls = 1;	/* from now on, writes pass through */
		return r;
	}
	return BIO_ctrl(next, cmd, num, ptr);
}

static int
wbuf_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

int
tls_init(struct server *s, int cert_fd, char *err, size_t errlen)
{
	const struct airlock_conf *c = s->conf;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL, *ca;
	SSL_CTX *ctx;
	BIO *bio;
	int min = version_of(c->https_minimum_tls);
	char list[1100];

	if (wbuf_method == NULL &&
	    ((wbuf_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_FILTER,
	    "airlock connection")) == NULL ||
	    BIO_meth_set_write(wbuf_method, wbuf_write) != 1 ||
	    BIO_meth_set_read(wbuf_method, wbuf_read) != 1 ||
	    BIO_meth_set_ctrl(wbuf_method, wbuf_ctrl) != 1 ||
	    BIO_meth_set_create(wbuf_method, wbuf_create) != 1)) {
		snprintf(err, errlen, "out of memory");
		close(cert_fd);
		return -1;
	}
	if ((bio = BIO_new_fd(cert_fd, BIO_CLOSE)) == NULL ||
	    (ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "out of memory");
		BIO_free(bio);
		return -1;
	}
	if ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, cert) != 1) {
		snprintf(err, errlen, "https.certificate: no certificate");
		goto fail;
	}
	/* The rest of the chain, in order. */
	while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			snprintf(err, errlen, "https.certificate: bad chain");
			goto fail;
		}
	ERR_clear_error();	/* the end of the file */
	if ((pub = tlskey_remote(cert, remote_sign, s, err, errlen)) == NULL)
		goto fail;
	if (SSL_CTX_use_PrivateKey(ctx, pub) != 1) {
		snprintf(err, errlen, "cannot use the remote key: %s",
		    ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	EVP_PKEY_free(pub);
	pub = NULL;
	SSL_CTX_set_min_proto_version(ctx, min);
	/* What an admin asks for below 1.2 needs OpenSSL's old level. */
	if (min < TLS1_2_VERSION)
		SSL_CTX_set_security_level(ctx, 0);
	/*
	 * RSA key exchange cannot work with a key held elsewhere (and has
	 * no forward secrecy): it is always left out.
	 */
	snprintf(list, sizeof(list), "%s:!kRSA", min < TLS1_2_VERSION &&
	    strcmp(c->https_ciphers, CIPHERS_DEFAULT) == 0 ? CIPHERS_LEGACY :
	    c->https_ciphers);
	if (SSL_CTX_set_cipher_list(ctx, list) != 1) {
		snprintf(err, errlen, "https.ciphers: no cipher in \"%s\"",
		    c->https_ciphers);
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
	    SSL_OP_ENABLE_KTLS);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * One read() takes what the socket has (a request's record, or
	 * several pipelined), not a 5-byte record header and then its body.
	 * The server reads until SSL_read would block, so nothing waits in
	 * OpenSSL's buffer for an edge-triggered event that will not come.
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"airlock",
	    7);
	X509_free(cert);
	BIO_free(bio);
	s->tls = ctx;
	return 0;
fail:
	EVP_PKEY_free(pub);
	X509_free(cert);
	BIO_free(bio);
	SSL_CTX_free(ctx);
	return -1;
}

void
tls_keys_link(struct server *s, int fd)
{
	if (s->keys != NULL) {
		close(s->keys->fd);
		free(s->keys);
	}
	if ((s->keys = malloc(sizeof(*s->keys))) == NULL) {
		close(fd);
		return;
	}
	fd_set_nonblock(fd);
	ipc_chan_init(s->keys, fd, ROLE_WORKER, ROLE_KEYS);
	s->keys->state = S_RUN;
}

int
tls_conn_new(struct server *s, struct conn *c)
{
	BIO *sock, *wb;

	if (s->tls == NULL || (c->ssl = SSL_new(s->tls)) == NULL)
		return -1;
	if ((sock = BIO_new_socket(c->fd, BIO_NOCLOSE)) == NULL)
		return -1;
	if ((wb = BIO_new(wbuf_method)) == NULL) {
		BIO_free(sock);
		return -1;
	}
	BIO_set_data(wb, c);
	BIO_push(wb, sock);
	SSL_set_bio(c->ssl, wb, wb);	/* SSL_free frees both */
	SSL_set_accept_state(c->ssl);
	c->handshaking = 1;
	return 0;
}

/* 0 for would-block (errno EAGAIN), -1 for the end. */
static int
ssl_fail(struct conn *c, int r)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return 0;
	}
	if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL)
		c->tls_dead = 1;	/* no close_notify on a broken link */
	ERR_clear_error();
	errno = ECONNRESET;
	return -1;
}

int
tls_handshake(struct server *s, struct conn *c)
{
	int r;

	(void)s;
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		c->handshaking = 0;
		c->ktls = BIO_get_ktls_send(SSL_get_wbio(c->ssl));
		return 1;
	}
	if (ssl_fail(c, r) == 0)
		return 0;
	log_debug("%s: TLS handshake failed", c->peer);
	return -1;
}

ssize_t
tls_read(struct conn *c, void *p, size_t n)
{
	int r;

	if ((r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n)) > 0)
		return r;
	return ssl_fail(c, r) == 0 ? 0 : -1;
}

ssize_t
tls_write(struct conn *c, const void *p, size_t n)
{
	int r;

	if ((r = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n)) > 0)
		return r;
	return ssl_fail(c, r) == 0 ? 0 : -1;
}

ssize_t
tls_send_file(struct server *s, struct conn *c)
{
	off_t left = c->file_end - c->file_off;
	ssize_t n;

	(void)s;
	if (c->ktls) {
		n = SSL_sendfile(c->ssl, c->file->fd, c->file_off,
		    left > (1 << 30) ? (1 << 30) : (size_t)left, 0);
		if (n > 0) {
			c->file_off += n;
			return n;
		}
		return ssl_fail(c, (int)n) == 0 ? 0 : -1;
	}
	/*
	 * Without kTLS: one chunk read ahead, written until it is gone
	 * (a retried SSL_write must see the same bytes).  The response head
	 * rides in the first chunk: one record and one send fewer.
	 */
	if (c->tbuf == NULL && (c->tbuf = malloc(FILE_CHUNK)) == NULL)
		return -1;
	if (c->toff == c->tlen) {
		size_t head = buf_avail(&c->out), room;

		if (head > TLS_HEAD_MAX)
			head = 0;	/* conn_write sent it on its own */
		memcpy(c->tbuf, buf_ptr(&c->out), head);
		buf_consume(&c->out, head);
		room = FILE_CHUNK - head;
		n = pread(c->file->fd, c->tbuf + head, left > (off_t)room ?
		    room : (size_t)left, c->tfile_off);
		if (n <= 0)
			return -1;	/* the file shrank under us */
		c->tfile_off += n;
		c->tlen = head + (size_t)n;
		c->thead = head;
		c->toff = 0;
	}
	if ((n = tls_write(c, c->tbuf + c->toff, c->tlen - c->toff)) <= 0)
		return n;
	c->toff += (size_t)n;
	/* Only the file's bytes move the file offset. */
	if (c->toff > c->thead) {
		c->file_off += (off_t)(c->toff - c->thead) -
		    (off_t)(c->toff - (size_t)n > c->thead ?
		    c->toff - (size_t)n - c->thead : 0);
	}
	return n;
}

int
tls_pending(struct conn *c)
{
	return SSL_has_pending(c->ssl);
}

int
tls_flush(struct conn *c)
{
	int r;

	if (c->woff == c->wlen)
		return 1;
	if ((r = wbuf_send(c)) == -1) {
		c->tls_dead = 1;
		errno = ECONNRESET;
	} else if (r == 0)
		errno = EAGAIN;
	return r;
}

void
tls_conn_free(struct conn *c)
{
	if (c->ssl != NULL) {
		if (!c->handshaking && !c->tls_dead)
			SSL_shutdown(c->ssl);	/* best effort close_notify */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	free(c->tbuf);
	c->tbuf = NULL;
	free(c->wbuf);
	c->wbuf = NULL;
	c->wlen = c->woff = 0;
}
