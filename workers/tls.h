/*
 * tls: HTTPS in the workers.  A worker holds the certificate chain and a
 * key object whose private operations go to the keys role over a
 * socketpair (KEY_LINK); it never holds the private key.  Connections on
 * https.listen sockets run a non-blocking handshake first, then the same
 * request loop as plain ones, their bytes through SSL_read/SSL_write.
 * File bodies go by SSL_sendfile where the kernel does TLS (kTLS), else
 * through a 64 KiB plaintext buffer per connection, and the records go
 * out through a buffer of about as much, one send() per four records.
 */
#ifndef AIRLOCK_TLS_H
#define AIRLOCK_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct server;
struct conn;

/* A response head up to this size rides in its body's first TLS chunk. */
#define TLS_HEAD_MAX 16384

/*
 * Before the chroot: reads the chain from cert_fd (closed), builds the
 * context from the https.* settings.  -1 with err.
 */
int tls_init(struct server *s, int cert_fd, char *err, size_t errlen);
/* A new link to the keys role (the master's KEY_LINK); fd is taken. */
void tls_keys_link(struct server *s, int fd);
/* A new connection on an https listener: 0, or -1 (close it). */
int tls_conn_new(struct server *s, struct conn *c);
/* Drives the handshake: 1 done, 0 waiting for the socket, -1 failed. */
int tls_handshake(struct server *s, struct conn *c);
/* Like recv/send: bytes, 0 for would-block (errno EAGAIN), -1 gone. */
ssize_t tls_read(struct conn *c, void *p, size_t n);
ssize_t tls_write(struct conn *c, const void *p, size_t n);
/*
 * Sends the connection's file body from file_off: bytes sent (file_off
 * advanced), 0 for would-block, -1 on failure.
 */
ssize_t tls_send_file(struct server *s, struct conn *c);
/*
 * Sends the records still buffered: 1 done, 0 would block (errno EAGAIN),
 * -1 failed.  A response is sent when this says 1.
 */
int tls_flush(struct conn *c);
/* Whether OpenSSL holds bytes read from the socket, processed or not. */
int tls_pending(struct conn *c);
void tls_conn_free(struct conn *c);

#endif
