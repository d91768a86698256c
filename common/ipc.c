#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"

struct ipc_def {
	const char *name;
	unsigned from, to;
	int min_fds, max_fds;
	size_t max_payload;
	int states;
};

#define IPC_DEF(name, num, f, t, minf, maxf, maxp, st) \
	[num] = { #name, f, t, minf, maxf, maxp, st },
static const struct ipc_def ipc_defs[IPC_TYPE_MAX] = { IPC_MESSAGES(IPC_DEF) };
#undef IPC_DEF

static const char *role_names[ROLE_MAX] = { "master", "worker", "auth",
	"sync", "inspect", "airlockctl", "keys" };

const char *
role_name(enum role r)
{
	return (unsigned)r < ROLE_MAX ? role_names[r] : "unknown";
}

int
role_parse(const char *s)
{
	int i;

	for (i = 0; i < ROLE_MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

const char *
ipc_type_name(unsigned type)
{
	if (type < IPC_TYPE_MAX && ipc_defs[type].name != NULL)
		return ipc_defs[type].name;
	return "unknown";
}

void
ipc_chan_init(struct ipc_chan *ch, int fd, enum role self, enum role peer)
{
	ch->fd = fd;
	ch->self = self;
	ch->peer = peer;
	ch->state = S_START;
}

int
ipc_decode(enum role self, enum role peer, int state, const uint8_t *data,
    size_t len, int nfds, struct ipc_msg *m, char *why, size_t whylen)
{
	const struct ipc_def *d;
	struct buf b;
	uint8_t version, flags;
	uint16_t type;
	uint32_t plen;

	memset(m, 0, sizeof(*m));
	buf_view(&b, data, len);
	if (buf_get_u8(&b, &version) != 0 || buf_get_u8(&b, &flags) != 0 ||
	    buf_get_u16(&b, &type) != 0 || buf_get_u32(&b, &plen) != 0) {
		snprintf(why, whylen, "short message (%zu bytes)", len);
		return -1;
	}
	if (version != IPC_VERSION) {
		snprintf(why, whylen, "protocol version %u, expected %u",
		    version, IPC_VERSION);
		return -1;
	}
	if (flags != 0) {
		snprintf(why, whylen, "reserved flags 0x%02x set", flags);
		return -1;
	}
	if (type >= IPC_TYPE_MAX || ipc_defs[type].name == NULL) {
		snprintf(why, whylen, "unknown message type %u", type);
		return -1;
	}
	d = &ipc_defs[type];
	if (!(d->from & (1u << peer)) || !(d->to & (1u << self))) {
		snprintf(why, whylen, "%s may not be sent from %s to %s",
		    d->name, role_name(peer), role_name(self));
		return -1;
	}
	if (!(d->states & state)) {
		snprintf(why, whylen, "%s out of order (link state %d)",
		    d->name, state);
		return -1;
	}
	if (plen != buf_avail(&b)) {
		snprintf(why, whylen, "%s declares %u payload bytes, carries %zu",
		    d->name, plen, buf_avail(&b));
		return -1;
	}
	if (plen > d->max_payload) {
		snprintf(why, whylen, "%s payload of %u bytes over its limit %zu",
		    d->name, plen, d->max_payload);
		return -1;
	}
	if (nfds < d->min_fds || nfds > d->max_fds) {
		snprintf(why, whylen, "%s with %d fds (allowed %d..%d)",
		    d->name, nfds, d->min_fds, d->max_fds);
		return -1;
	}
	m->type = type;
	buf_view(&m->payload, buf_ptr(&b), plen);
	m->nfds = 0;
	return 0;
}

static int ipc_sendmsg(struct ipc_chan *, enum ipc_type, const struct buf *,
    const int *, int, int);

int
ipc_send(struct ipc_chan *ch, enum ipc_type type, const struct buf *payload,
    const int *fds, int nfds)
{
	return ipc_sendmsg(ch, type, payload, fds, nfds, MSG_DONTWAIT);
}

int
ipc_send_wait(struct ipc_chan *ch, enum ipc_type type,
    const struct buf *payload, const int *fds, int nfds)
{
	return ipc_sendmsg(ch, type, payload, fds, nfds, 0);
}

static int
ipc_sendmsg(struct ipc_chan *ch, enum ipc_type type, const struct buf *payload,
    const int *fds, int nfds, int flags)
{
	uint8_t hdr[IPC_HDR_LEN];
	size_t plen = payload ? buf_avail(payload) : 0;
	struct iovec iov[2];
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} cm;
	struct cmsghdr *c;
	ssize_t n;

	if (plen > IPC_MAX_PAYLOAD || nfds < 0 || nfds > IPC_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	hdr[0] = IPC_VERSION;
	hdr[1] = 0;
	hdr[2] = (uint8_t)(type >> 8);
	hdr[3] = (uint8_t)type;
	hdr[4] = (uint8_t)(plen >> 24);
	hdr[5] = (uint8_t)(plen >> 16);
	hdr[6] = (uint8_t)(plen >> 8);
	hdr[7] = (uint8_t)plen;
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = plen ? (void *)(uintptr_t)buf_ptr(payload) : NULL;
	iov[1].iov_len = plen;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = plen ? 2 : 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.space;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	do {
		n = sendmsg(ch->fd, &mh, flags | MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	return 0;
}

int
ipc_recv(struct ipc_chan *ch, struct ipc_msg *m, int blocking)
{
	struct iovec iov;
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} cm;
	struct cmsghdr *c;
	int fds[IPC_MAX_FDS], nfds = 0, i;
	char why[160];
	ssize_t n;
	size_t k;

	iov.iov_base = ch->rx;
	iov.iov_len = sizeof(ch->rx);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.space;
	mh.msg_controllen = sizeof(cm.space);
	/*
	 * A peer that exits with our messages unread resets, and a
	 * SEQPACKET socket reports that before what the peer sent first:
	 * the error is cleared by being read, so read on for those (its
	 * last words, SYNC_DONE say), then the end.
	 */
	do {
		n = recvmsg(ch->fd, &mh,
		    MSG_CMSG_CLOEXEC | (blocking ? 0 : MSG_DONTWAIT));
	} while (n == -1 && (errno == EINTR || errno == ECONNRESET));
	if (n == -1) {
		if (errno == EAGAIN && !blocking)
			return 0;
		return -1;
	}
	/* Collect fds first, so that every error path can close them. */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < (int)k && nfds < IPC_MAX_FDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
	}
	if (n == 0 && nfds == 0) {
		errno = 0;
		return -1;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		snprintf(why, sizeof(why), "oversized message or too many fds");
		goto bad;
	}
	if (ipc_decode(ch->self, ch->peer, ch->state, ch->rx, (size_t)n, nfds,
	    m, why, sizeof(why)) != 0)
		goto bad;
	memcpy(m->fds, fds, sizeof(int) * (size_t)nfds);
	m->nfds = nfds;
	return 1;
bad:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	log_error("ipc: invalid message from %s: %s", role_name(ch->peer), why);
	errno = EBADMSG;
	return -1;
}

void
ipc_msg_close_fds(struct ipc_msg *m)
{
	int i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}
