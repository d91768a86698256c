#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "test.h"

static size_t
mk(uint8_t *d, uint8_t ver, uint8_t flags, uint16_t type, uint32_t plen,
    size_t carry)
{
	d[0] = ver;
	d[1] = flags;
	d[2] = (uint8_t)(type >> 8);
	d[3] = (uint8_t)type;
	d[4] = (uint8_t)(plen >> 24);
	d[5] = (uint8_t)(plen >> 16);
	d[6] = (uint8_t)(plen >> 8);
	d[7] = (uint8_t)plen;
	memset(d + 8, 0, carry);
	return 8 + carry;
}

static int
dec(enum role self, enum role peer, int state, const uint8_t *d, size_t n,
    int nfds)
{
	struct ipc_msg m;
	char why[160];

	return ipc_decode(self, peer, state, d, n, nfds, &m, why, sizeof(why));
}

static void
test_decode_valid(void)
{
	uint8_t d[64];
	size_t n = mk(d, IPC_VERSION, 0, IPC_PING, 8, 8);
	struct ipc_msg m;
	char why[160];

	CHECK(ipc_decode(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0, &m, why,
	    sizeof(why)) == 0);
	CHECK(m.type == IPC_PING && buf_avail(&m.payload) == 8);
	n = mk(d, IPC_VERSION, 0, IPC_READY, 0, 0);
	CHECK(dec(ROLE_MASTER, ROLE_AUTH, S_START, d, n, 0) == 0);
}

static void
test_decode_short(void)
{
	uint8_t d[64];
	size_t i, n = mk(d, IPC_VERSION, 0, IPC_PING, 8, 8);

	for (i = 0; i < IPC_HDR_LEN; i++)
		CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, i, 0) == -1);
	/* Declared 8, carries fewer. */
	for (i = IPC_HDR_LEN; i < n; i++)
		CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, i, 0) == -1);
}

static void
test_decode_header_fields(void)
{
	uint8_t d[64];
	size_t n;

	n = mk(d, IPC_VERSION + 1, 0, IPC_PING, 8, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 1, IPC_PING, 8, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, 0, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, IPC_TYPE_MAX, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, 0xffff, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
}

static void
test_decode_length(void)
{
	uint8_t d[64];
	size_t n;

	/* Declared longer than carried, and shorter. */
	n = mk(d, IPC_VERSION, 0, IPC_PING, 9, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, IPC_PING, 7, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	/* Over the type's own limit (PING carries 8). */
	n = mk(d, IPC_VERSION, 0, IPC_PING, 16, 16);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, IPC_READY, 1, 1);
	CHECK(dec(ROLE_MASTER, ROLE_WORKER, S_START, d, n, 0) == -1);
	/* A huge declared length. */
	n = mk(d, IPC_VERSION, 0, IPC_PING, 0xffffffffu, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
}

static void
test_decode_direction(void)
{
	uint8_t d[64];
	size_t n;

	/* A worker may not send CONFIG, nor the master READY. */
	n = mk(d, IPC_VERSION, 0, IPC_CONFIG, 0, 0);
	CHECK(dec(ROLE_MASTER, ROLE_WORKER, S_START, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, IPC_READY, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_START, d, n, 0) == -1);
	/* DRAIN is for workers, SHUTDOWN is not. */
	n = mk(d, IPC_VERSION, 0, IPC_DRAIN, 0, 0);
	CHECK(dec(ROLE_AUTH, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	n = mk(d, IPC_VERSION, 0, IPC_SHUTDOWN, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	/* Workers do not talk to workers. */
	n = mk(d, IPC_VERSION, 0, IPC_PING, 8, 8);
	CHECK(dec(ROLE_WORKER, ROLE_WORKER, S_RUN, d, n, 0) == -1);
}

static void
test_decode_state(void)
{
	uint8_t d[64];
	size_t n;

	/* Nothing but CONFIG before the role is configured. */
	n = mk(d, IPC_VERSION, 0, IPC_PING, 8, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_START, d, n, 0) == -1);
	/* CONFIG only once. */
	n = mk(d, IPC_VERSION, 0, IPC_CONFIG, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_START, d, n, 0) == 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 0) == -1);
	/* READY only once. */
	n = mk(d, IPC_VERSION, 0, IPC_READY, 0, 0);
	CHECK(dec(ROLE_MASTER, ROLE_WORKER, S_RUN, d, n, 0) == -1);
	/* A draining worker is not drained twice. */
	n = mk(d, IPC_VERSION, 0, IPC_DRAIN, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_DRAIN, d, n, 0) == -1);
}

static void
test_decode_fds(void)
{
	uint8_t d[64];
	size_t n;

	n = mk(d, IPC_VERSION, 0, IPC_PING, 8, 8);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_RUN, d, n, 1) == -1);
	n = mk(d, IPC_VERSION, 0, IPC_CONFIG, 0, 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_START, d, n, IPC_MAX_FDS) == 0);
	CHECK(dec(ROLE_WORKER, ROLE_MASTER, S_START, d, n,
	    IPC_MAX_FDS + 1) == -1);
}

static int
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static void
test_socket_roundtrip(void)
{
	struct ipc_chan a, b;
	struct ipc_msg m;
	struct buf p;
	int sv[2], pp[2], fds[2];
	uint64_t v;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(pipe(pp) == 0);
	ipc_chan_init(&a, sv[0], ROLE_MASTER, ROLE_WORKER);
	ipc_chan_init(&b, sv[1], ROLE_WORKER, ROLE_MASTER);
	buf_init(&p, 64);
	buf_put_u32(&p, 7);
	fds[0] = pp[0];
	fds[1] = pp[1];
	CHECK(ipc_send(&a, IPC_CONFIG, &p, fds, 2) == 0);
	CHECK(ipc_recv(&b, &m, 1) == 1);
	CHECK(m.type == IPC_CONFIG && m.nfds == 2);
	CHECK(fd_open(m.fds[0]) && fd_open(m.fds[1]));
	ipc_msg_close_fds(&m);
	b.state = S_RUN;
	a.state = S_RUN;
	buf_reset(&p);
	buf_put_u64(&p, 99);
	CHECK(ipc_send(&a, IPC_PING, &p, NULL, 0) == 0);
	CHECK(ipc_recv(&b, &m, 0) == 1 && m.type == IPC_PING);
	CHECK(buf_get_u64(&m.payload, &v) == 0 && v == 99);
	/* Nothing waiting: 0, not an error. */
	CHECK(ipc_recv(&b, &m, 0) == 0);
	/* The peer's close is -1 with errno 0. */
	close(sv[0]);
	CHECK(ipc_recv(&b, &m, 0) == -1 && errno == 0);
	close(sv[1]);
	close(pp[0]);
	close(pp[1]);
	buf_release(&p);
}

/*
 * A peer that sends, then exits with a message of ours unread: what it
 * sent still arrives, then the end (the kernel reports the reset first).
 */
static void
test_socket_reset(void)
{
	struct ipc_chan a, b;
	struct ipc_msg m;
	struct buf p;
	uint64_t v;
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	ipc_chan_init(&a, sv[0], ROLE_MASTER, ROLE_WORKER);
	ipc_chan_init(&b, sv[1], ROLE_WORKER, ROLE_MASTER);
	a.state = b.state = S_RUN;
	buf_init(&p, 64);
	buf_put_u64(&p, 1);
	CHECK(ipc_send(&a, IPC_PING, &p, NULL, 0) == 0);	/* never read */
	buf_reset(&p);
	buf_put_u64(&p, 2);
	CHECK(ipc_send(&b, IPC_PONG, &p, NULL, 0) == 0);
	buf_reset(&p);
	buf_put_u64(&p, 3);
	CHECK(ipc_send(&b, IPC_PONG, &p, NULL, 0) == 0);
	close(sv[1]);
	CHECK(ipc_recv(&a, &m, 0) == 1 && m.type == IPC_PONG);
	CHECK(buf_get_u64(&m.payload, &v) == 0 && v == 2);
	CHECK(ipc_recv(&a, &m, 1) == 1 && m.type == IPC_PONG);
	CHECK(buf_get_u64(&m.payload, &v) == 0 && v == 3);
	CHECK(ipc_recv(&a, &m, 0) == -1 && errno == 0);
	close(sv[0]);
	buf_release(&p);
}

static void
test_socket_rejects(void)
{
	struct ipc_chan b;
	struct ipc_msg m;
	uint8_t d[IPC_HDR_LEN + IPC_MAX_PAYLOAD + 64];
	int sv[2], pp[2];
	struct msghdr mh;
	struct iovec iov;
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr *c;
	size_t n;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	ipc_chan_init(&b, sv[1], ROLE_WORKER, ROLE_MASTER);
	b.state = S_RUN;
	/* Oversized datagram: truncated on receive, refused. */
	n = mk(d, IPC_VERSION, 0, IPC_PING, IPC_MAX_PAYLOAD + 40,
	    IPC_MAX_PAYLOAD + 40);
	CHECK(send(sv[0], d, n, 0) == (ssize_t)n);
	CHECK(ipc_recv(&b, &m, 1) == -1 && errno == EBADMSG);
	/* A PING carrying an fd: refused, and the fd is not leaked. */
	CHECK(pipe(pp) == 0);
	close(pp[1]);
	n = mk(d, IPC_VERSION, 0, IPC_PING, 8, 8);
	iov.iov_base = d;
	iov.iov_len = n;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.space;
	mh.msg_controllen = sizeof(cm.space);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pp[0], sizeof(int));
	CHECK(sendmsg(sv[0], &mh, 0) == (ssize_t)n);
	close(pp[0]);
	CHECK(ipc_recv(&b, &m, 1) == -1);
	/* The received copy took the lowest free number: it must be closed. */
	CHECK(!fd_open(pp[0]));
	/* An empty datagram. */
	CHECK(send(sv[0], d, 0, 0) == 0);
	close(sv[0]);
	CHECK(ipc_recv(&b, &m, 1) == -1);
	close(sv[1]);
}

int
main(void)
{
	/* The rejections log errors by design; keep the output to TAP. */
	log_init("test", LOG_LVL_ERROR);
	RUN(test_decode_valid);
	RUN(test_decode_short);
	RUN(test_decode_header_fields);
	RUN(test_decode_length);
	RUN(test_decode_direction);
	RUN(test_decode_state);
	RUN(test_decode_fds);
	RUN(test_socket_roundtrip);
	RUN(test_socket_reset);
	RUN(test_socket_rejects);
	TEST_EXIT();
}
