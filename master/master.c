#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "audit.h"
#include "control.h"
#include "db.h"
#include "ipc.h"
#include "listen.h"
#include "load.h"
#include "log.h"
#include "master.h"
#include "notify.h"
#include "publish.h"
#include "store.h"
#include "tlskey.h"
#include "window.h"
#include "util.h"

#define MAX_WORKERS 64
#define RESPAWN_FIRST_MS 100		/* first restart after a death */
#define RESPAWN_MAX_MS 10000		/* backoff ceiling */
#define RESPAWN_STABLE_MS 30000		/* up this long: backoff resets */
#define CRASH_LOOP_DEATHS 5		/* this many deaths… */
#define CRASH_LOOP_WINDOW_MS 60000	/* …within this window: give up */
#define PING_EVERY_MS 5000
#define PING_DEADLINE_MS 15000		/* no PONG by then: hung, killed */
#define READY_DEADLINE_MS 10000		/* a new child must say READY */
#define INSPECT_IDLE_MS 10000		/* an idle inspect role is ended */
#define TAG_CHILD 100			/* epoll data: a struct child */
#define SLOT_INSPECT (-2)		/* the inspect role has no slot */
#define KEY_SLOT (1 + MAX_WORKERS)	/* the keys role's slot */
#define SLOT_SYNC (-3)			/* sync runs only in a window */

struct child {
	int tag;		/* TAG_CHILD: what epoll data points at */
	enum role role;
	int slot;		/* index in m.slots, -1 once retired */
	int wslot;		/* the slot it was started in */
	pid_t pid;
	struct ipc_chan ch;
	int64_t started_ms;
	int generation;
	uint64_t ping_seq;
	int64_t ping_sent_ms;	/* 0: no PING outstanding */
	int64_t kill_at_ms;	/* draining: SIGKILL at this time, 0 = none */
	int dead;		/* reaped; freed after the current event batch */
	struct child *next;	/* all children */
};

struct slot {
	enum role role;
	struct child *c;	/* NULL while down */
	int64_t respawn_at_ms;	/* 0: not scheduled */
	int64_t backoff_ms;
	int64_t deaths[CRASH_LOOP_DEATHS];
	int ndeaths;
	int given_up;
};

static struct {
	const struct master_opts *opts;
	struct airlock_conf *conf;
	uid_t uid;
	gid_t gid;
	int unprivileged;	/* started as non-root */
	struct listeners ls;
	struct listeners rls;	/* http_redirect.listen: redirect only */
	struct listeners hls;	/* https.listen */
	int loadfd;		/* the shared load table, for workers */
	struct load_table *load;
	int epfd;
	int sigfd;
	struct child *children;
	/* 0: auth, 1..: workers, KEY_SLOT: keys (with https.listen) */
	struct slot slots[2 + MAX_WORKERS];
	struct child *inspect;	/* started when package files arrive */
	struct child *sync;	/* only while a window is open */
	int64_t inspect_idle_ms;	/* idle since, 0: busy */
	sqlite3 *db;
	int nslots;
	int generation;
	time_t start_time;
	int ready_sent;		/* READY=1 told to systemd */
	int reloading;		/* waiting for a new generation's READY */
	int64_t reload_deadline_ms;
	int stopping;
	int64_t stop_deadline_ms;
	int64_t next_ping_ms;
	int64_t next_watchdog_ms;
} m;

static void spawn(struct slot *s, int idx);
static struct child *keys_current(void);
static void on_message(struct child *c);

/*
 * With https.listen: the certificate chain and the key must read, and
 * match, before any role is given them (at start and at each reload).
 */
static int
tls_check(const struct airlock_conf *c, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	FILE *f;
	int r = -1;

	if (c->https_listen.n == 0)
		return 0;
	if ((f = fopen(c->https_certificate, "re")) == NULL) {
		snprintf(err, errlen, "https.certificate %s: %s",
		    c->https_certificate, strerror(errno));
		return -1;
	}
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL) {
		snprintf(err, errlen, "https.certificate %s: no PEM "
		    "certificate in it", c->https_certificate);
		return -1;
	}
	if ((f = fopen(c->https_key, "re")) == NULL) {
		snprintf(err, errlen, "https.key %s: %s", c->https_key,
		    strerror(errno));
		goto out;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL) {
		snprintf(err, errlen, "https.key %s: no PEM private key in it "
		    "(encrypted keys are not supported)", c->https_key);
		goto out;
	}
	if (tlskey_match(cert, key, err, errlen) != 0)
		goto out;
	r = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	return r;
}

static int
audit_format_parse(const char *s)
{
	if (strcasecmp(s, "CSV") == 0)
		return AUDIT_CSV;
	if (strcasecmp(s, "JSON") == 0)
		return AUDIT_JSON;
	return AUDIT_NONE;
}
static struct child *spawn_child(enum role role, int idx);

struct airlock_conf *
master_load_conf(const struct master_opts *o)
{
	struct airlock_conf *c;
	char err[512];
	int i, lvl;

	if ((c = conf_new()) == NULL) {
		log_error("out of memory");
		return NULL;
	}
	if (conf_load_file(c, o->conf_path, err, sizeof(err)) != 0)
		goto fail;
	for (i = 0; i < o->noverrides; i++)
		if (conf_override(c, o->overrides[i], err, sizeof(err)) != 0)
			goto fail;
	if (conf_check(c, err, sizeof(err)) != 0)
		goto fail;
	if (!o->debug && (lvl = log_level_parse(c->log_level)) >= 0)
		log_set_level((enum log_level)lvl);
	return c;
fail:
	log_error("%s", err);
	conf_free(c);
	return NULL;
}

static void
load_dead(struct child *c)
{
	if (c->role == ROLE_WORKER && c->wslot > 0 && c->wslot < LOAD_SLOTS)
		__atomic_store_n(&m.load->conns[c->generation & 1][c->wslot],
		    LOAD_DEAD, __ATOMIC_RELAXED);
}

static const char *
chroot_for(enum role r, char *path, size_t sz)
{
	switch (r) {
	case ROLE_WORKER:
		snprintf(path, sz, "%s/store", m.conf->data_dir);
		return path;
	case ROLE_AUTH:
		snprintf(path, sz, "%s/db", m.conf->data_dir);
		return path;
	case ROLE_SYNC:
		snprintf(path, sz, "%s/quarantine", m.conf->data_dir);
		return path;
	case ROLE_INSPECT:
	case ROLE_KEYS:
		snprintf(path, sz, "%s/empty", m.conf->data_dir);
		return path;
	default:
		return "/";
	}
}

static int
count_up(enum role r)
{
	struct child *c;
	int n = 0;

	for (c = m.children; c != NULL; c = c->next)
		if (c->role == r && c->slot >= 0 && !c->dead &&
		    c->ch.state == S_RUN)
			n++;
	return n;
}

/* Tells every worker which roles are up, for /__api__/status. */
static void
broadcast_state(void)
{
	struct child *c;
	struct buf b;

	buf_init(&b, 64);
	buf_put_u32(&b, (uint32_t)count_up(ROLE_AUTH));
	buf_put_u32(&b, (uint32_t)count_up(ROLE_WORKER));
	buf_put_u32(&b, (uint32_t)m.conf->workers);
	buf_put_u32(&b, (uint32_t)count_up(ROLE_SYNC));
	for (c = m.children; c != NULL; c = c->next)
		if (c->role == ROLE_WORKER && c->ch.state == S_RUN)
			ipc_send(&c->ch, IPC_STATE, &b, NULL, 0);
	buf_release(&b);
}

/* Frees reaped children once no epoll event of this batch can name them. */
static void
free_dead(void)
{
	struct child **pp = &m.children, *c;

	while ((c = *pp) != NULL) {
		if (c->dead) {
			*pp = c->next;
			free(c);
		} else
			pp = &c->next;
	}
}

/* Ends a child that misbehaved or hung; its death is handled by SIGCHLD. */
static void
child_kill(struct child *c, const char *why)
{
	log_error("%s[%d]: %s: killing it", role_name(c->role), (int)c->pid,
	    why);
	kill(c->pid, SIGKILL);
	if (c->ch.fd != -1) {
		epoll_ctl(m.epfd, EPOLL_CTL_DEL, c->ch.fd, NULL);
		close(c->ch.fd);
		c->ch.fd = -1;
	}
}

static int
send_config(struct child *c, int idx)
{
	char path[4096];
	struct buf b;
	int r;

	buf_init(&b, IPC_MAX_PAYLOAD);
	buf_put_u32(&b, (uint32_t)m.uid);
	buf_put_u32(&b, (uint32_t)m.gid);
	buf_put_str(&b, chroot_for(c->role, path, sizeof(path)));
	buf_put_u64(&b, (uint64_t)m.start_time);
	buf_put_u32(&b, (uint32_t)c->generation);
	buf_put_u32(&b, (uint32_t)idx);
	if (conf_pack(m.conf, &b) != 0) {
		buf_release(&b);
		log_error("config does not fit one message");
		return -1;
	}
	if (c->role == ROLE_WORKER) {
		/* Listening sockets, then redirect-only ones, then the load. */
		int fds[IPC_MAX_FDS], n = 0;
		size_t i;

		for (i = 0; i < m.ls.n; i++)
			fds[n++] = m.ls.fds[i];
		for (i = 0; i < m.rls.n; i++)
			fds[n++] = m.rls.fds[i];
		for (i = 0; i < m.hls.n; i++)
			fds[n++] = m.hls.fds[i];
		fds[n++] = m.loadfd;
		/* The certificate chain: workers may have it, not the key. */
		if (m.hls.n > 0 && (fds[n] = open(m.conf->https_certificate,
		    O_RDONLY | O_CLOEXEC)) != -1)
			n++;
		r = ipc_send(&c->ch, IPC_CONFIG, &b, fds, n);
		if (m.hls.n > 0 && fds[n - 1] != m.loadfd)
			close(fds[n - 1]);
	} else if (c->role == ROLE_KEYS) {
		int kfd = open(m.conf->https_key, O_RDONLY | O_CLOEXEC);

		if (kfd == -1) {
			log_error("cannot open https.key %s: %s",
			    m.conf->https_key, strerror(errno));
			r = -1;
		} else {
			r = ipc_send(&c->ch, IPC_CONFIG, &b, &kfd, 1);
			close(kfd);
		}
	} else
		r = ipc_send(&c->ch, IPC_CONFIG, &b, NULL, 0);
	buf_release(&b);
	if (r != 0)
		log_error("%s[%d]: sending its configuration: %s",
		    role_name(c->role), (int)c->pid, strerror(errno));
	return r;
}

/* fork + exec of ourselves: the child gets a fresh address space. */
static struct child *
spawn_child(enum role role, int idx)
{
	struct epoll_event ev;
	struct child *c;
	sigset_t all;
	int sv[2], devnull;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_error("spawn %s: socketpair: %s", role_name(role),
		    strerror(errno));
		return NULL;
	}
	if ((pid = fork()) == -1) {
		log_error("spawn %s: fork: %s", role_name(role),
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		char a0[] = "airlockd", a1[] = "-R", a2[16];
		char *argv[] = { a0, a1, a2, NULL };
		char *envp[3] = { NULL, NULL, NULL };
		char journal[128], path[] = "PATH=/nonexistent";
		int e = 0;

		snprintf(a2, sizeof(a2), "%s", role_name(role));
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(sv[1], IPC_FD) == -1)
			_exit(127);
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, STDIN_FILENO);
			if (devnull > STDERR_FILENO && devnull != IPC_FD)
				close(devnull);
		}
		close_range(IPC_FD + 1, ~0U, 0);
		/* A clean environment: nothing of the master's leaks. */
		if (getenv("JOURNAL_STREAM") != NULL) {
			snprintf(journal, sizeof(journal), "JOURNAL_STREAM=%s",
			    getenv("JOURNAL_STREAM"));
			envp[e++] = journal;
		}
		envp[e++] = path;
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(sv[1]);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("out of memory");
	c->tag = TAG_CHILD;
	c->role = role;
	c->slot = idx;
	c->wslot = idx;
	c->pid = pid;
	c->started_ms = mono_ms();
	c->generation = m.generation;
	ipc_chan_init(&c->ch, sv[0], ROLE_MASTER, role);
	c->next = m.children;
	m.children = c;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(m.epfd, EPOLL_CTL_ADD, sv[0], &ev) == -1)
		fatal("epoll_ctl: %s", strerror(errno));
	log_debug("started %s[%d] (slot %d, generation %d)",
	    role_name(role), (int)pid, idx, m.generation);
	if (send_config(c, idx) != 0)
		child_kill(c, "could not configure it");
	return c;
}

static void
spawn(struct slot *s, int idx)
{
	s->respawn_at_ms = 0;
	if ((s->c = spawn_child(s->role, idx)) == NULL)
		s->respawn_at_ms = mono_ms() + RESPAWN_MAX_MS;
}


static void
slot_died(struct slot *s, struct child *c, int sigsys)
{
	int64_t now = mono_ms(), lived = now - c->started_ms;
	char detail[160];
	int i, k;

	s->c = NULL;
	if (m.stopping)
		return;
	/* Deaths within the window; a crash loop is not retried forever. */
	for (i = k = 0; i < s->ndeaths; i++)
		if (now - s->deaths[i] < CRASH_LOOP_WINDOW_MS)
			s->deaths[k++] = s->deaths[i];
	s->ndeaths = k;
	if (s->ndeaths < CRASH_LOOP_DEATHS)
		s->deaths[s->ndeaths++] = now;
	if (s->ndeaths >= CRASH_LOOP_DEATHS) {
		s->given_up = 1;
		snprintf(detail, sizeof(detail), "%s (slot %d) died %d times "
		    "in %ds: not restarting it; fix the cause, then SIGHUP",
		    role_name(s->role), (int)(s - m.slots), CRASH_LOOP_DEATHS,
		    CRASH_LOOP_WINDOW_MS / 1000);
		log_error("%s", detail);
		audit_event("crash_loop", role_name(s->role), c->pid, detail);
		return;
	}
	if (lived >= RESPAWN_STABLE_MS || s->backoff_ms == 0)
		s->backoff_ms = RESPAWN_FIRST_MS;
	else if (!sigsys)
		s->backoff_ms = s->backoff_ms * 2 > RESPAWN_MAX_MS ?
		    RESPAWN_MAX_MS : s->backoff_ms * 2;
	s->respawn_at_ms = now + s->backoff_ms;
	log_info("restarting %s in %lld ms", role_name(s->role),
	    (long long)s->backoff_ms);
}

static void
reap(void)
{
	struct child *c;
	char detail[160];
	int status, sigsys;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (c = m.children; c != NULL; c = c->next)
			if (c->pid == pid)
				break;
		if (c == NULL)
			continue;
		sigsys = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
		if (sigsys) {
			snprintf(detail, sizeof(detail), "sandbox violation: "
			    "killed by SIGSYS (a system call its policy "
			    "forbids)");
			log_error("%s[%d]: %s", role_name(c->role), (int)pid,
			    detail);
			audit_event("sandbox_violation", role_name(c->role),
			    pid, detail);
		} else if (WIFSIGNALED(status)) {
			log_error("%s[%d] killed by signal %d (%s)",
			    role_name(c->role), (int)pid, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
		} else if (WEXITSTATUS(status) != 0 || (c->slot >= 0 &&
		    !m.stopping) || (c == m.inspect && control_busy())) {
			log_error("%s[%d] exited with status %d",
			    role_name(c->role), (int)pid, WEXITSTATUS(status));
		} else {
			log_debug("%s[%d] exited", role_name(c->role), (int)pid);
		}
		if (c->role == ROLE_AUTH)
			control_auth_gone(c->pid);
		if (c->slot >= 0 && m.slots[c->slot].c == c)
			slot_died(&m.slots[c->slot], c, sigsys);
		if (c == m.sync) {
			char how[80];

			/*
			 * What it said before it exited counts: its last
			 * SYNC_DONE may still be in the socket when SIGCHLD
			 * comes first.
			 */
			on_message(c);
			m.sync = NULL;
			if (WIFSIGNALED(status))
				snprintf(how, sizeof(how), "killed by signal %d",
				    WTERMSIG(status));
			else
				snprintf(how, sizeof(how), "exited with status %d",
				    WEXITSTATUS(status));
			window_sync_gone(pid, how);
		}
		if (c == m.inspect) {
			m.inspect = NULL;
			control_inspect_gone(sigsys ? "sandbox violation" :
			    WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) :
			    "it exited");
		}
		c->dead = 1;
		c->kill_at_ms = 0;
		load_dead(c);
		if (c->ch.fd != -1) {
			epoll_ctl(m.epfd, EPOLL_CTL_DEL, c->ch.fd, NULL);
			close(c->ch.fd);
			c->ch.fd = -1;
		}
		broadcast_state();
	}
}

static void
retire_workers(void)
{
	struct child *c;

	/* The old workers accept no more handshakes: their key goes. */
	for (c = m.children; c != NULL; c = c->next)
		if (!c->dead && c->role == ROLE_KEYS && c->slot == -1 &&
		    !c->kill_at_ms) {
			if (c->ch.fd != -1 && c->ch.state == S_RUN)
				ipc_send(&c->ch, IPC_SHUTDOWN, NULL, NULL, 0);
			else
				kill(c->pid, SIGTERM);
			c->kill_at_ms = mono_ms() + 5000;
		}

	for (c = m.children; c != NULL; c = c->next) {
		if (c->dead || c->role != ROLE_WORKER || c->slot != -1 ||
		    c->kill_at_ms)
			continue;
		load_dead(c);
		if (c->ch.fd != -1 && c->ch.state == S_RUN)
			ipc_send(&c->ch, IPC_DRAIN, NULL, NULL, 0);
		else
			kill(c->pid, SIGTERM);
		c->kill_at_ms = mono_ms() + m.conf->shutdown_timeout * 1000LL;
	}
}

static int
generation_ready(void)
{
	int i;

	if (m.hls.n > 0 && keys_current() == NULL &&
	    !m.slots[KEY_SLOT].given_up)
		return 0;

	for (i = 1; i < m.nslots; i++)
		if (!m.slots[i].given_up && (m.slots[i].c == NULL ||
		    m.slots[i].c->ch.state != S_RUN))
			return 0;
	return 1;
}

/* The auth role that workers should ask: slot 0's, once it is READY. */
static struct child *
auth_current(void)
{
	struct child *a = m.slots[0].c;

	return a != NULL && !a->dead && a->ch.fd != -1 &&
	    a->ch.state == S_RUN ? a : NULL;
}

/* The keys role that workers should ask, once it is READY. */
static struct child *
keys_current(void)
{
	struct child *k = m.slots[KEY_SLOT].c;

	return k != NULL && !k->dead && k->ch.fd != -1 &&
	    k->ch.state == S_RUN ? k : NULL;
}

/*
 * The keys role of a worker's generation: after a reload, old workers
 * (old certificate) keep the old key until they are retired.
 */
static struct child *
keys_for(int generation)
{
	struct child *k;

	for (k = m.children; k != NULL; k = k->next)
		if (k->role == ROLE_KEYS && !k->dead && k->ch.fd != -1 &&
		    k->ch.state == S_RUN && k->generation == generation)
			return k;
	return NULL;
}

/*
 * Gives a worker and auth (AUTH_LINK) or keys (KEY_LINK) a socketpair of
 * their own: what a worker asks them never passes through the master.
 */
static void
link_pair(struct child *w, struct child *a, enum ipc_type type)
{
	struct buf b;
	int sv[2];

	if (w->dead || w->ch.fd == -1 || w->ch.state != S_RUN)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_error("%s link for worker %d: %s", role_name(a->role),
		    w->wslot, strerror(errno));
		return;
	}
	buf_init(&b, 4);
	buf_put_u32(&b, (uint32_t)w->wslot);
	if (ipc_send(&a->ch, type, &b, &sv[0], 1) != 0)
		log_error("%s link for worker %d: %s", role_name(a->role),
		    w->wslot, strerror(errno));
	else if (ipc_send(&w->ch, type, &b, &sv[1], 1) != 0)
		log_error("%s link for worker %d: %s", role_name(a->role),
		    w->wslot, strerror(errno));
	buf_release(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
link_auth(struct child *w, struct child *a)
{
	link_pair(w, a, IPC_AUTH_LINK);
}

static void
on_ready(struct child *c)
{
	c->ch.state = S_RUN;
	log_debug("%s[%d] ready", role_name(c->role), (int)c->pid);
	if (c == m.inspect) {
		control_inspect_ready();
		return;
	}
	if (c == m.sync) {
		window_sync_ready();
		return;
	}
	if (c->role == ROLE_AUTH && c == auth_current()) {
		struct child *w;

		for (w = m.children; w != NULL; w = w->next)
			if (w->role == ROLE_WORKER)
				link_auth(w, c);
	} else if (c->role == ROLE_KEYS) {
		struct child *w;

		for (w = m.children; w != NULL; w = w->next)
			if (w->role == ROLE_WORKER &&
			    w->generation == c->generation)
				link_pair(w, c, IPC_KEY_LINK);
	} else if (c->role == ROLE_WORKER) {
		if (auth_current() != NULL)
			link_auth(c, auth_current());
		if (keys_for(c->generation) != NULL)
			link_pair(c, keys_for(c->generation), IPC_KEY_LINK);
	}
	broadcast_state();
	if (m.reloading && generation_ready()) {
		/* New workers accept now; the old ones finish and go. */
		m.reloading = 0;
		retire_workers();
		log_info("reload complete (generation %d)", m.generation);
		notify_send("READY=1");
	}
	if (!m.ready_sent && generation_ready() && m.slots[0].c != NULL &&
	    m.slots[0].c->ch.state == S_RUN &&
	    (m.hls.n == 0 || keys_current() != NULL)) {
		m.ready_sent = 1;
		log_info("airlockd %s ready: %d worker(s)", PACKAGE_VERSION,
		    m.nslots - 1);
		notify_send("READY=1\nSTATUS=serving");
	}
}

/* An event from auth for the audit trail. */
static int
on_audit(struct ipc_msg *msg)
{
	char *action = NULL, *who = NULL, *ev = NULL;
	uint64_t uid;
	int r = -1;

	if (buf_get_str(&msg->payload, &action, 64) == 0 &&
	    buf_get_u64(&msg->payload, &uid) == 0 &&
	    buf_get_str(&msg->payload, &who, 512) == 0 &&
	    buf_get_str(&msg->payload, &ev, 4096) == 0 &&
	    buf_avail(&msg->payload) == 0) {
		audit_record(action, (int64_t)uid, who, "%s", ev);
		r = 0;
	}
	free(action);
	free(who);
	free(ev);
	return r;
}

static void
on_message(struct child *c)
{
	struct ipc_msg msg;
	uint64_t seq;
	int r;

	while (c->ch.fd != -1 && (r = ipc_recv(&c->ch, &msg, 0)) != 0) {
		if (r == -1) {
			if (errno == 0) {
				/* It is exiting; SIGCHLD will say how. */
				log_debug("%s[%d] closed its socket",
				    role_name(c->role), (int)c->pid);
				epoll_ctl(m.epfd, EPOLL_CTL_DEL, c->ch.fd, NULL);
				close(c->ch.fd);
				c->ch.fd = -1;
				return;
			}
			child_kill(c, "invalid message");
			return;
		}
		switch (msg.type) {
		case IPC_READY:
			on_ready(c);
			break;
		case IPC_INSPECTED:
			if (c != m.inspect || control_inspected(&msg) != 0) {
				child_kill(c, "INSPECTED that answers nothing");
				return;
			}
			break;
		case IPC_UNBUNDLED_FILE:
		case IPC_UNBUNDLED_DONE:
			if (c != m.inspect || control_unbundled(&msg) != 0) {
				ipc_msg_close_fds(&msg);
				child_kill(c, "an unbundle answer to nothing");
				return;
			}
			break;
		case IPC_SYNC_FILES:
		case IPC_SYNC_STATUS:
		case IPC_SYNC_ERROR:
		case IPC_SYNC_DONE:
			if (c != m.sync || window_sync_msg(&msg) != 0) {
				ipc_msg_close_fds(&msg);
				child_kill(c, "malformed sync message");
				return;
			}
			break;
		case IPC_AUDIT:
			if (c->role != ROLE_AUTH || on_audit(&msg) != 0) {
				child_kill(c, "malformed AUDIT");
				return;
			}
			break;
		case IPC_AUTH_CTL_REPLY:
			if (c->role != ROLE_AUTH ||
			    control_auth_reply(&msg) != 0) {
				child_kill(c, "AUTH_CTL_REPLY that answers "
				    "nothing");
				return;
			}
			break;
		case IPC_PONG:
			if (buf_get_u64(&msg.payload, &seq) != 0 ||
			    seq != c->ping_seq) {
				child_kill(c, "PONG with a wrong sequence");
				return;
			}
			c->ping_sent_ms = 0;
			break;
		default:
			/* The table admits nothing else to the master. */
			child_kill(c, "unexpected message");
			return;
		}
		ipc_msg_close_fds(&msg);
	}
}

static void
ping_all(int64_t now)
{
	struct child *c;
	struct buf b;

	for (c = m.children; c != NULL; c = c->next) {
		if (c->ch.fd == -1)
			continue;
		if (c->ch.state == S_START &&
		    now - c->started_ms > READY_DEADLINE_MS) {
			child_kill(c, "not ready in time");
			continue;
		}
		if (c->ch.state != S_RUN)
			continue;
		if (c->ping_sent_ms && now - c->ping_sent_ms > PING_DEADLINE_MS) {
			child_kill(c, "not answering (hung)");
			continue;
		}
		if (c->ping_sent_ms)
			continue;
		buf_init(&b, 8);
		buf_put_u64(&b, ++c->ping_seq);
		if (ipc_send(&c->ch, IPC_PING, &b, NULL, 0) == 0)
			c->ping_sent_ms = now;
		buf_release(&b);
	}
}

/* control's way to the inspect role, started on demand. */
static int
to_inspect(enum ipc_type type, const struct buf *payload, int fd)
{
	if (m.stopping)
		return -1;
	if (m.inspect == NULL || m.inspect->dead) {
		if ((m.inspect = spawn_child(ROLE_INSPECT, SLOT_INSPECT)) == NULL)
			return -1;
	}
	if (m.inspect->ch.fd == -1 || m.inspect->ch.state != S_RUN)
		return -1;	/* control retries when it is READY */
	m.inspect_idle_ms = 0;
	if (ipc_send(&m.inspect->ch, type, payload, &fd, 1) != 0) {
		child_kill(m.inspect, "cannot send it work");
		return -1;
	}
	return 0;
}

static int
ops_inspect(const struct buf *payload, int fd)
{
	return to_inspect(IPC_INSPECT, payload, fd);
}

static int
ops_unbundle(const struct buf *payload, int fd)
{
	return to_inspect(IPC_UNBUNDLE, payload, fd);
}

static void
ops_published(const char *repo)
{
	struct child *c;
	struct buf b;

	buf_init(&b, 256);
	buf_put_str(&b, repo);
	for (c = m.children; c != NULL; c = c->next)
		if (!c->dead && c->role == ROLE_WORKER && c->ch.fd != -1 &&
		    c->ch.state == S_RUN)
			ipc_send(&c->ch, IPC_PUBLISHED, &b, NULL, 0);
	buf_release(&b);
}

/* control's way to auth, for user, group and token commands. */
static int
ops_auth(const struct buf *payload, pid_t *pid)
{
	struct child *a = auth_current();

	if (a == NULL) {
		errno = ESRCH;
		return -1;
	}
	*pid = a->pid;
	return ipc_send_wait(&a->ch, IPC_AUTH_CTL, payload, NULL, 0);
}

static const struct control_ops ops = { ops_inspect, ops_published,
    ops_auth, ops_unbundle };

/*
 * Name resolution inside the sync role's chroot: the files glibc reads
 * (its nss modules for files and dns are built in), copied fresh for
 * each window.
 */
static void
sync_resolver_files(void)
{
	static const char *const files[] = { "resolv.conf", "hosts",
	    "nsswitch.conf" };
	char dir[PATH_MAX], path[PATH_MAX + 32], src[64], data[65536];
	size_t i;
	ssize_t n;
	int in, out;

	snprintf(dir, sizeof(dir), "%s/quarantine/etc", m.conf->data_dir);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return;
	for (i = 0; i < nitems(files); i++) {
		snprintf(src, sizeof(src), "/etc/%s", files[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(in, data, sizeof(data));
		close(in);
		unlink(path);
		if (n < 0 || (out = open(path, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC | O_NOFOLLOW, 0644)) == -1)
			continue;
		(void)!write(out, data, (size_t)n);
		close(out);
	}
}

static pid_t
sync_start(void)
{
	if (m.stopping)
		return -1;
	sync_resolver_files();
	if (m.sync != NULL && !m.sync->dead)
		return m.sync->pid;
	if ((m.sync = spawn_child(ROLE_SYNC, SLOT_SYNC)) == NULL)
		return -1;
	return m.sync->pid;
}

static void
sync_kill(void)
{
	if (m.sync != NULL && !m.sync->dead)
		child_kill(m.sync, "its window is over");
}

static int
sync_send(int type, const struct buf *payload)
{
	if (m.sync == NULL || m.sync->dead || m.sync->ch.fd == -1)
		return -1;
	return ipc_send_wait(&m.sync->ch, (enum ipc_type)type, payload, NULL,
	    0);
}

/*
 * Whose files the store may adopt (store.h): the sync role's user, unless
 * every role runs as the master's own (then nothing is adopted).
 */
static uid_t
sync_uid(void)
{
	return m.unprivileged ? (uid_t)-1 : m.uid;
}

static const struct window_ops wops = { sync_start, sync_kill, sync_send,
    ops_published, sync_uid };

static void
set_slots(void)
{
	int i, n = 1 + m.conf->workers;

	for (i = 0; i < n; i++) {
		m.slots[i].role = i == 0 ? ROLE_AUTH : ROLE_WORKER;
		m.slots[i].given_up = 0;
		m.slots[i].ndeaths = 0;
	}
	m.nslots = n;
	m.slots[KEY_SLOT].role = ROLE_KEYS;
	m.slots[KEY_SLOT].given_up = 0;
	m.slots[KEY_SLOT].ndeaths = 0;
}

static void
reload(void)
{
	struct airlock_conf *nc;
	struct child *c;
	char err[512];
	int i;

	log_info("SIGHUP: reloading %s", m.opts->conf_path);
	notify_reloading();
	if ((nc = master_load_conf(m.opts)) == NULL) {
		log_error("reload failed: keeping the running configuration");
		notify_send("READY=1");
		return;
	}
	/* What the master itself was set up with needs a restart. */
	if (strcmp(nc->data_dir, m.conf->data_dir) != 0 ||
	    strcmp(nc->user, m.conf->user) != 0 ||
	    strcmp(nc->static_dir, m.conf->static_dir) != 0) {
		log_warn("reload: server.data_dir, server.user and "
		    "http.static_dir take effect at the next restart");
		free(nc->data_dir);
		nc->data_dir = strdup(m.conf->data_dir);
		free(nc->user);
		nc->user = strdup(m.conf->user);
		free(nc->static_dir);
		nc->static_dir = strdup(m.conf->static_dir);
	}
	if (m.ls.n + nc->redirect_listen.n + 1 > IPC_MAX_FDS) {
		log_error("reload failed: more than %d listening addresses",
		    IPC_MAX_FDS - 1);
		conf_free(nc);
		notify_send("READY=1");
		return;
	}
	if (tls_check(nc, err, sizeof(err)) != 0) {
		log_error("reload failed: %s; keeping the running "
		    "configuration", err);
		conf_free(nc);
		notify_send("READY=1");
		return;
	}
	if (m.ls.n + nc->redirect_listen.n + nc->https_listen.n + 2 >
	    IPC_MAX_FDS) {
		log_error("reload failed: more than %d listening addresses",
		    IPC_MAX_FDS - 2);
		conf_free(nc);
		notify_send("READY=1");
		return;
	}
	if (listen_rebind(&m.ls, &nc->listen) != 0 ||
	    listen_rebind(&m.rls, &nc->redirect_listen) != 0 ||
	    listen_rebind(&m.hls, &nc->https_listen) != 0) {
		log_error("reload failed: cannot bind the new http.listen; "
		    "keeping the running configuration");
		conf_free(nc);
		notify_send("READY=1");
		return;
	}
	conf_free(m.conf);
	m.conf = nc;
	control_reconf(m.conf);
	control_config_mirrors();
	window_reconf(m.conf);
	m.generation++;
	/* Old workers keep accepting until the new ones are ready. */
	for (c = m.children; c != NULL; c = c->next)
		if (c->role == ROLE_WORKER && c->slot >= 0) {
			m.slots[c->slot].c = NULL;
			c->slot = -1;
		}
	set_slots();
	m.reloading = 1;
	m.reload_deadline_ms = mono_ms() + READY_DEADLINE_MS;
	for (i = 1; i < m.nslots; i++)
		spawn(&m.slots[i], i);
	/* A new auth takes the new settings; workers relink when it is up. */
	if ((c = m.slots[0].c) != NULL) {
		m.slots[0].c = NULL;
		c->slot = -1;
		if (c->ch.fd != -1 && c->ch.state == S_RUN)
			ipc_send(&c->ch, IPC_SHUTDOWN, NULL, NULL, 0);
		else
			kill(c->pid, SIGTERM);
	}
	spawn(&m.slots[0], 0);
	/* A new keys role for the new workers; the old one stays theirs. */
	if ((c = m.slots[KEY_SLOT].c) != NULL) {
		m.slots[KEY_SLOT].c = NULL;
		c->slot = -1;
	}
	if (m.hls.n > 0)
		spawn(&m.slots[KEY_SLOT], KEY_SLOT);
	if (audit_init(m.db, audit_format_parse(m.conf->audit_format),
	    m.conf->audit_file, err, sizeof(err)) != 0)
		log_error("reload: audit: %s", err);
	audit_event("reload", "master", getpid(), "configuration reloaded");
}

static void
begin_stop(void)
{
	struct child *c;

	if (m.stopping)
		return;
	m.stopping = 1;
	m.stop_deadline_ms = mono_ms() + m.conf->shutdown_timeout * 1000LL;
	log_info("stopping: draining connections (up to %ds)",
	    m.conf->shutdown_timeout);
	notify_send("STOPPING=1");
	listen_close(&m.ls);
	listen_close(&m.rls);
	listen_close(&m.hls);
	for (c = m.children; c != NULL; c = c->next) {
		if (c->dead)
			continue;
		if (c->ch.fd == -1 || c->ch.state != S_RUN) {
			kill(c->pid, SIGTERM);
			continue;
		}
		if (c->role == ROLE_WORKER)
			ipc_send(&c->ch, IPC_DRAIN, NULL, NULL, 0);
		else
			ipc_send(&c->ch, IPC_SHUTDOWN, NULL, NULL, 0);
	}
}

static void
on_signal(void)
{
	struct signalfd_siginfo si;

	while (read(m.sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGHUP:
			if (!m.stopping)
				reload();
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop();
			break;
		}
	}
}

static void
timers(int64_t now)
{
	struct child *c;
	int i;

	if (!m.stopping)
		window_tick(time(NULL));

	for (i = 0; i < m.nslots && !m.stopping; i++)
		if (m.slots[i].c == NULL && !m.slots[i].given_up &&
		    m.slots[i].respawn_at_ms && now >= m.slots[i].respawn_at_ms)
			spawn(&m.slots[i], i);
	i = KEY_SLOT;
	if (!m.stopping && m.hls.n > 0 && m.slots[i].c == NULL &&
	    !m.slots[i].given_up && m.slots[i].respawn_at_ms &&
	    now >= m.slots[i].respawn_at_ms)
		spawn(&m.slots[i], i);
	if (m.reloading && now > m.reload_deadline_ms) {
		log_error("reload: new workers not ready in time; retiring "
		    "the old ones anyway");
		m.reloading = 0;
		retire_workers();
		notify_send("READY=1");
	}
	for (c = m.children; c != NULL; c = c->next)
		if (c->kill_at_ms && now > c->kill_at_ms) {
			log_warn("%s[%d] still draining after %ds: killing it",
			    role_name(c->role), (int)c->pid,
			    m.conf->shutdown_timeout);
			kill(c->pid, SIGKILL);
			c->kill_at_ms = 0;
		}
	if (m.stopping && now > m.stop_deadline_ms) {
		for (c = m.children; c != NULL; c = c->next)
			if (!c->dead)
				kill(c->pid, SIGKILL);
		m.stop_deadline_ms = now + 60000;
	}
	if (m.inspect != NULL && !m.inspect->dead && !control_busy() &&
	    m.inspect->ch.state == S_RUN && m.inspect->ch.fd != -1) {
		if (m.inspect_idle_ms == 0)
			m.inspect_idle_ms = now;
		else if (now - m.inspect_idle_ms > INSPECT_IDLE_MS) {
			ipc_send(&m.inspect->ch, IPC_SHUTDOWN, NULL, NULL, 0);
			m.inspect->ch.state = S_DRAIN;
			m.inspect_idle_ms = 0;
		}
	}
	if (now >= m.next_ping_ms) {
		ping_all(now);
		m.next_ping_ms = now + PING_EVERY_MS;
	}
	if (notify_watchdog_ms() && now >= m.next_watchdog_ms) {
		notify_send("WATCHDOG=1");
		m.next_watchdog_ms = now + notify_watchdog_ms();
	}
}

static int
next_timeout(int64_t now)
{
	int64_t t = now + 1000;
	int i;

	for (i = 0; i < m.nslots; i++)
		if (m.slots[i].respawn_at_ms && m.slots[i].respawn_at_ms < t)
			t = m.slots[i].respawn_at_ms;
	if (m.slots[KEY_SLOT].respawn_at_ms &&
	    m.slots[KEY_SLOT].respawn_at_ms < t)
		t = m.slots[KEY_SLOT].respawn_at_ms;
	if (notify_watchdog_ms() && m.next_watchdog_ms < t)
		t = m.next_watchdog_ms;
	return t > now ? (int)(t - now) : 0;
}

/* The directories each role is confined to, owned as that role needs. */
static int
prepare_dirs(void)
{
	char path[4096];

	if (mkdir_p(m.conf->data_dir, 0755) != 0) {
		log_error("cannot create %s: %s", m.conf->data_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/store/repos", m.conf->data_dir);
	if (mkdir_p(path, 0755) != 0)
		goto fail;
	/* The inspect role's root: nothing in it, nothing to see. */
	snprintf(path, sizeof(path), "%s/empty", m.conf->data_dir);
	if (mkdir_p(path, 0755) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/db", m.conf->data_dir);
	if (mkdir_p(path, 0700) != 0 || chown(path, m.uid, m.gid) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/quarantine", m.conf->data_dir);
	if (mkdir_p(path, 0700) != 0 || chown(path, m.uid, m.gid) != 0)
		goto fail;
	return 0;
fail:
	log_error("cannot prepare %s: %s", path, strerror(errno));
	return -1;
}

static int
resolve_user(void)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		m.unprivileged = 1;
		m.uid = geteuid();
		m.gid = getegid();
		log_warn("running as uid %u, not root: every role runs as "
		    "this user, without chroot or a user switch (sandboxes "
		    "still apply)", (unsigned)m.uid);
		return 0;
	}
	if ((pw = getpwnam(m.conf->user)) == NULL) {
		log_error("server.user '%s' does not exist; create it with: "
		    "useradd --system --no-create-home --home-dir /nonexistent "
		    "--shell /usr/sbin/nologin %s", m.conf->user,
		    m.conf->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_error("server.user '%s' is root: choose an unprivileged "
		    "user", m.conf->user);
		return -1;
	}
	m.uid = pw->pw_uid;
	m.gid = pw->pw_gid;
	return 0;
}

int
master_main(const struct master_opts *o, struct airlock_conf *conf)
{
	struct epoll_event evs[32], ev;
	sigset_t set;
	int i, n, have_listeners;
	int64_t now;

	m.opts = o;
	m.conf = conf;
	m.start_time = time(NULL);
	log_init("master", log_get_level());
	notify_init();
	if ((have_listeners = listen_from_systemd(&m.ls)) == -1)
		return 1;
	if (resolve_user() != 0 || prepare_dirs() != 0)
		return 1;
	if ((m.db = db_open(m.conf->data_dir)) == NULL)
		return 1;
	{
		char err[512];

		if (audit_init(m.db, audit_format_parse(m.conf->audit_format),
		    m.conf->audit_file, err, sizeof(err)) != 0) {
			log_error("audit: %s", err);
			return 1;
		}
	}
	if (store_init(m.conf->data_dir) != 0 ||
	    publish_recover(m.db, m.conf->data_dir) != 0)
		return 1;
	if (!have_listeners && listen_bind(&m.ls, &m.conf->listen) != 0)
		return 1;
	if ((m.loadfd = memfd_create("airlock-load", MFD_CLOEXEC)) == -1 ||
	    ftruncate(m.loadfd, sizeof(struct load_table)) == -1 ||
	    (m.load = mmap(NULL, sizeof(struct load_table), PROT_READ |
	    PROT_WRITE, MAP_SHARED, m.loadfd, 0)) == MAP_FAILED)
		fatal("load table: %s", strerror(errno));
	memset(m.load, 0xff, sizeof(*m.load));	/* every counter LOAD_DEAD */
	if (m.ls.n + m.conf->https_listen.n == 0) {
		log_error("nothing to listen on: set http.listen or "
		    "https.listen, or use socket activation");
		return 1;
	}
	if (listen_bind(&m.rls, &m.conf->redirect_listen) != 0)
		return 1;
	{
		char err[512];

		if (tls_check(m.conf, err, sizeof(err)) != 0) {
			log_error("%s", err);
			return 1;
		}
	}
	if (listen_bind(&m.hls, &m.conf->https_listen) != 0)
		return 1;
	if (m.ls.n + m.rls.n + m.hls.n + 2 > IPC_MAX_FDS) {
		log_error("more than %d listening addresses in all",
		    IPC_MAX_FDS - 1);
		return 1;
	}
	if (!m.conf->no_warning && m.ls.n > 0)
		log_warn("serving plain HTTP: tokens, passwords and packages "
		    "cross the network in clear; terminate TLS in front of "
		    "airlockd, or set http.no_warning = true to silence this");

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((m.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd: %s", strerror(errno));
	if ((m.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1: %s", strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(m.epfd, EPOLL_CTL_ADD, m.sigfd, &ev);
	if (control_init(m.conf, m.db, m.epfd, &ops) != 0)
		return 1;
	window_init(m.db, m.conf, &wops);

	audit_event("start", "master", getpid(), "airlockd " PACKAGE_VERSION
	    " starting");
	control_config_mirrors();
	set_slots();
	for (i = 0; i < m.nslots; i++)
		spawn(&m.slots[i], i);
	if (m.hls.n > 0)
		spawn(&m.slots[KEY_SLOT], KEY_SLOT);
	m.next_ping_ms = mono_ms() + PING_EVERY_MS;

	while (!m.stopping || m.children != NULL) {
		now = mono_ms();
		n = epoll_wait(m.epfd, evs, (int)nitems(evs), next_timeout(now));
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == NULL)
				on_signal();
			else if (*(int *)p == TAG_CHILD)
				on_message(p);
			else
				control_event(p, evs[i].events);
		}
		free_dead();
		timers(mono_ms());
	}
	control_close();
	audit_event("stop", "master", getpid(), "stopped");
	audit_close();
	sqlite3_close(m.db);
	log_info("stopped");
	conf_free(m.conf);
	return 0;
}
