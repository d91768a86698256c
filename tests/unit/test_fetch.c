/*
 * fetch.c against a real HTTP server: a small Python one, started here
 * on 127.0.0.1, that serves generated files with Range support and a
 * few misbehaviours selected by the first path component:
 *   /norange/F   ignores Range and answers 200 with the whole file
 *   /cut/F       the first response stops halfway, the connection closes
 *   /slow/F      1 KiB every 50 ms
 *   /flaky/K/F   503 for the first K requests
 *   /redirect/F  302 to /F
 * Without python3 the test is skipped.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "fetch.h"
#include "util.h"
#include "test.h"

static const char server_py[] =
"import http.server, os, socketserver, sys, threading, time\n"
"counts = {}\n"
"lock = threading.Lock()\n"
"class H(http.server.BaseHTTPRequestHandler):\n"
"    protocol_version = 'HTTP/1.1'\n"
"    def log_message(self, *a):\n"
"        pass\n"
"    def simple(self, code, hdrs=()):\n"
"        body = b'error\\n' if code >= 400 else b''\n"
"        self.send_response(code)\n"
"        for k, v in hdrs:\n"
"            self.send_header(k, v)\n"
"        self.send_header('Content-Length', str(len(body)))\n"
"        self.end_headers()\n"
"        self.wfile.write(body)\n"
"    def do_GET(self):\n"
"        parts = self.path.strip('/').split('/')\n"
"        mode, k = None, 0\n"
"        if parts[0] in ('norange', 'cut', 'slow', 'flaky', 'redirect'):\n"
"            mode = parts.pop(0)\n"
"            if mode == 'flaky':\n"
"                k = int(parts.pop(0))\n"
"        name = '/'.join(parts)\n"
"        with lock:\n"
"            n = counts[self.path] = counts.get(self.path, 0) + 1\n"
"        if mode == 'redirect':\n"
"            return self.simple(302, [('Location', '/' + name)])\n"
"        if mode == 'flaky' and n <= k:\n"
"            return self.simple(503)\n"
"        if '/' in name or name.startswith('.') or \\\n"
"                not os.path.isfile(name):\n"
"            return self.simple(404)\n"
"        with open(name, 'rb') as f:\n"
"            data = f.read()\n"
"        start = 0\n"
"        rng = self.headers.get('Range')\n"
"        if rng and mode != 'norange':\n"
"            start = int(rng.split('=', 1)[1].split('-')[0])\n"
"            if start >= len(data):\n"
"                return self.simple(416,\n"
"                    [('Content-Range', 'bytes */%d' % len(data))])\n"
"            self.send_response(206)\n"
"            self.send_header('Content-Range', 'bytes %d-%d/%d' %\n"
"                (start, len(data) - 1, len(data)))\n"
"        else:\n"
"            self.send_response(200)\n"
"        body = data[start:]\n"
"        self.send_header('Content-Length', str(len(body)))\n"
"        self.end_headers()\n"
"        try:\n"
"            if mode == 'cut' and n == 1:\n"
"                self.wfile.write(body[:len(body) // 2])\n"
"                self.wfile.flush()\n"
"                self.close_connection = True\n"
"            elif mode == 'slow':\n"
"                for i in range(0, len(body), 1024):\n"
"                    self.wfile.write(body[i:i + 1024])\n"
"                    self.wfile.flush()\n"
"                    time.sleep(0.05)\n"
"            else:\n"
"                self.wfile.write(body)\n"
"        except OSError:\n"
"            self.close_connection = True\n"
"class S(socketserver.ThreadingMixIn, http.server.HTTPServer):\n"
"    daemon_threads = True\n"
"    def handle_error(self, request, client_address):\n"
"        pass\n"
"s = S(('127.0.0.1', 0), H)\n"
"sys.stdout.write('%d\\n' % s.server_address[1])\n"
"sys.stdout.flush()\n"
"s.serve_forever()\n";

#define NFILES	20

struct file {
	char name[64];
	size_t size;
	unsigned char *data;
	char md5[33], sha[65];
};

static struct file files[NFILES];
static struct file slowf;	/* big enough to take seconds at /slow */
static struct file bigf;	/* big enough for libcurl's rate limit */
static char tmpdir[PATH_MAX], srvdir[PATH_MAX + 8], qdir[PATH_MAX + 8];
static int qfd = -1;
static pid_t srv = -1;
static int port;
static char urls[NFILES + 8][128];
static char err[512];

static int
have_python(void)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], exe[PATH_MAX + 16];
	const char *p, *e;
	size_t n;

	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ":");
		n = (size_t)(e - p);
		if (n == 0 || n >= sizeof(dir))
			continue;
		memcpy(dir, p, n);
		dir[n] = '\0';
		snprintf(exe, sizeof(exe), "%s/python3", dir);
		if (access(exe, X_OK) == 0)
			return 1;
	}
	return 0;
}

static void
digest(const EVP_MD *md, const void *p, size_t n, char *hex)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len, i;

	EVP_Digest(p, n, d, &len, md, NULL);
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void
make_file(struct file *f, const char *name, size_t size, uint32_t seed)
{
	char path[PATH_MAX * 2];
	size_t i;
	FILE *fp;

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->size = size;
	if ((f->data = malloc(size + 1)) == NULL)
		abort();
	for (i = 0; i < size; i++) {
		seed = seed * 1103515245u + 12345u;
		f->data[i] = (unsigned char)(seed >> 16);
	}
	digest(EVP_md5(), f->data, size, f->md5);
	digest(EVP_sha256(), f->data, size, f->sha);
	snprintf(path, sizeof(path), "%s/%s", srvdir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(f->data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
}

static int
server_start(void)
{
	struct pollfd pfd;
	char line[32];
	size_t n = 0;
	ssize_t r;
	int p[2], devnull;

	if (pipe(p) != 0)
		return -1;
	if ((srv = fork()) == -1)
		return -1;
	if (srv == 0) {
		if (chdir(srvdir) != 0)
			_exit(126);
		dup2(p[1], 1);
		if ((devnull = open("/dev/null", O_WRONLY)) != -1)
			dup2(devnull, 2);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", "-c", server_py, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (n < sizeof(line) - 1 && poll(&pfd, 1, 10000) == 1) {
		if ((r = read(p[0], line + n, sizeof(line) - 1 - n)) <= 0)
			break;
		n += (size_t)r;
		if (memchr(line, '\n', n) != NULL)
			break;
	}
	close(p[0]);
	line[n] = '\0';
	port = atoi(line);
	return port > 0 ? 0 : -1;
}

static void
server_stop(void)
{
	if (srv > 0) {
		kill(srv, SIGTERM);
		waitpid(srv, NULL, 0);
		srv = -1;
	}
}

/* Empties the quarantine between tests. */
static void
clean_q(void)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if ((fd = dup(qfd)) == -1 || (d = fdopendir(fd)) == NULL)
		abort();
	rewinddir(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(qfd, de->d_name, 0);
	closedir(d);
}

static const char *
url(int slot, const char *path)
{
	if (snprintf(urls[slot], sizeof(urls[slot]), "http://127.0.0.1:%d/%s",
	    port, path) >= (int)sizeof(urls[slot]))
		abort();
	return urls[slot];
}

/* An item for f at url path, expecting all of f. */
static void
item(struct fetch_item *it, int slot, const char *path, const struct file *f)
{
	memset(it, 0, sizeof(*it));
	it->url = url(slot, path);
	it->dirfd = qfd;
	it->name = f->name;
	it->expect_size = (long long)f->size;
	it->expect_md5 = f->md5;
	it->expect_sha256 = f->sha;
}

static void
opts(struct fetch_opts *o)
{
	fetch_opts_init(o);
	o->backoff_ms = 20;
	o->connect_timeout = 5;
	o->low_speed_time = 5;
}

/* name holds exactly f's bytes. */
static int
holds(const char *name, const struct file *f)
{
	unsigned char *buf;
	struct stat st;
	int fd, ok;

	if ((fd = openat(qfd, name, O_RDONLY)) == -1)
		return 0;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size != f->size ||
	    (buf = malloc(f->size + 1)) == NULL) {
		close(fd);
		return 0;
	}
	ok = read(fd, buf, f->size) == (ssize_t)f->size &&
	    memcmp(buf, f->data, f->size) == 0;
	free(buf);
	close(fd);
	return ok;
}

static int
exists(const char *name, const char *suffix)
{
	char path[256];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", name, suffix) >=
	    (int)sizeof(path))
		abort();
	return fstatat(qfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static long long
size_of(const char *name, const char *suffix)
{
	char path[256];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", name, suffix) >=
	    (int)sizeof(path))
		abort();
	return fstatat(qfd, path, &st, 0) == 0 ? (long long)st.st_size : -1;
}

/* The first n bytes of f as name.part, optionally spoiled. */
static void
write_part(const struct file *f, size_t n, int spoil)
{
	char path[256];
	int fd;

	if (snprintf(path, sizeof(path), "%s.part", f->name) >=
	    (int)sizeof(path))
		abort();
	if ((fd = openat(qfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
	    -1 || write(fd, f->data, n) != (ssize_t)n)
		abort();
	if (spoil && pwrite(fd, "XXXX", 4, 10) != 4)
		abort();
	close(fd);
}

struct prog {
	int calls;
	long long done, total;
	size_t files_done, files_total;
	volatile int *stop;	/* set once bytes arrived */
};

static void
on_progress(void *arg, long long done, long long total, size_t fdone,
    size_t ftotal)
{
	struct prog *p = arg;

	p->calls++;
	p->done = done;
	p->total = total;
	p->files_done = fdone;
	p->files_total = ftotal;
	if (p->stop != NULL && done > 0)
		*p->stop = 1;
}

static void
test_parallel(void)
{
	struct fetch_item it[NFILES];
	struct fetch_opts o;
	struct prog pr;
	long long total = 0;
	size_t i;

	clean_q();
	opts(&o);
	for (i = 0; i < NFILES; i++) {
		item(&it[i], (int)i, files[i].name, &files[i]);
		total += (long long)files[i].size;
	}
	memset(&pr, 0, sizeof(pr));
	CHECK(fetch_run(&o, it, NFILES, on_progress, &pr, NULL, err,
	    sizeof(err)) == 0);
	for (i = 0; i < NFILES; i++) {
		CHECK(it[i].ok == 1 && it[i].error[0] == '\0');
		CHECK(it[i].bytes == (long long)files[i].size);
		CHECK(holds(files[i].name, &files[i]));
		CHECK(!exists(files[i].name, ".part"));
		if (!it[i].ok)
			fprintf(stderr, "  %s: %s\n", files[i].name,
			    it[i].error);
	}
	CHECK(pr.calls >= 1);
	CHECK(pr.files_done == NFILES && pr.files_total == NFILES);
	CHECK(pr.done == total && pr.total == total);

	/*
	 * An index without Size fields (CRAN's has none): the total still
	 * comes to the bytes fetched, from the responses' lengths.
	 */
	clean_q();
	for (i = 0; i < NFILES; i++)
		it[i].expect_size = -1;
	memset(&pr, 0, sizeof(pr));
	CHECK(fetch_run(&o, it, NFILES, on_progress, &pr, NULL, err,
	    sizeof(err)) == 0);
	CHECK(pr.files_done == NFILES && pr.done == total);
	CHECK(pr.total == total);
	for (i = 0; i < NFILES; i++)
		it[i].expect_size = (long long)files[i].size;

	/* Again: the files are there and verify, nothing is fetched. */
	CHECK(fetch_run(&o, it, NFILES, NULL, NULL, NULL, err,
	    sizeof(err)) == 0);
	for (i = 0; i < NFILES; i++)
		CHECK(it[i].ok && it[i].bytes == 0);
	/* One spoiled in place is fetched again. */
	{
		int fd = openat(qfd, files[3].name, O_WRONLY);

		CHECK(fd != -1 && pwrite(fd, "XXXX", 4, 10) == 4);
		close(fd);
	}
	CHECK(fetch_run(&o, it, NFILES, NULL, NULL, NULL, err,
	    sizeof(err)) == 0);
	CHECK(it[3].ok && it[3].bytes == (long long)files[3].size);
	CHECK(holds(files[3].name, &files[3]));
	CHECK(it[4].ok && it[4].bytes == 0);
}

struct seen {
	int calls, whole;	/* called, and the file was complete then */
	const struct fetch_item *first;
	size_t n;
};

static void
on_file(void *arg, const struct fetch_item *it)
{
	struct seen *s = arg;
	size_t i;

	s->calls++;
	for (i = 0; i < s->n; i++)
		if (it == &s->first[i] && it->ok &&
		    holds(files[i].name, &files[i]) &&
		    !exists(files[i].name, ".part"))
			s->whole++;
}

/*
 * file_done: once per item that ends ok, with its file complete and
 * verified by then; not for one that fails.  A fresh download is
 * verified from the digests taken as it was written; one of them wrong
 * is caught all the same.
 */
static void
test_file_done(void)
{
	static const char zero_md5[] = "00000000000000000000000000000000";
	struct fetch_item it[NFILES];
	struct fetch_opts o;
	struct seen s;
	size_t i;

	clean_q();
	opts(&o);
	memset(&s, 0, sizeof(s));
	o.file_done = on_file;
	o.file_done_arg = &s;
	for (i = 0; i < NFILES; i++)
		item(&it[i], (int)i, files[i].name, &files[i]);
	it[5].expect_md5 = zero_md5;
	s.first = it;
	s.n = NFILES;
	CHECK(fetch_run(&o, it, NFILES, NULL, NULL, NULL, err,
	    sizeof(err)) == 1);
	CHECK(s.calls == NFILES - 1 && s.whole == NFILES - 1);
	CHECK(!it[5].ok && strstr(it[5].error, "MD5 mismatch") != NULL);
	CHECK(!exists(files[5].name, "") && !exists(files[5].name, ".part"));
	/* Names already there are verified and passed on too. */
	memset(&s, 0, sizeof(s));
	s.first = it;
	s.n = NFILES;
	it[5].expect_md5 = files[5].md5;
	CHECK(fetch_run(&o, it, NFILES, NULL, NULL, NULL, err,
	    sizeof(err)) == 0);
	CHECK(s.calls == NFILES && s.whole == NFILES);
	CHECK(it[4].bytes == 0 && it[5].bytes == (long long)files[5].size);
}

struct gate {
	int open;		/* may_start's answer */
	size_t done;		/* file_done calls */
	size_t done_at_wake;	/* ... when wake_fd woke the run */
	int wakes;
	int tfd;		/* the timerfd standing for the consumer */
};

static int
gate_may_start(void *arg)
{
	return ((struct gate *)arg)->open;
}

static void
gate_wake(void *arg)
{
	struct gate *g = arg;
	uint64_t n;

	if (read(g->tfd, &n, sizeof(n)) == (ssize_t)sizeof(n)) {
		g->wakes++;
		g->done_at_wake = g->done;
		g->open = 1;
	}
}

/* The first file done closes the gate; the consumer opens it later. */
static void
gate_file(void *arg, const struct fetch_item *it)
{
	struct gate *g = arg;
	struct itimerspec ts;

	(void)it;
	if (g->done++ == 0) {
		g->open = 0;
		memset(&ts, 0, sizeof(ts));
		ts.it_value.tv_nsec = 300 * 1000000L;
		timerfd_settime(g->tfd, 0, &ts, NULL);
	}
}

/*
 * Back-pressure: while may_start says no, no transfer starts but those
 * running finish; wake_fd readable (the consumer's answer, here a timer)
 * calls on_wake at once, which lets the rest go, with no progress
 * callback or tick to do it.
 */
static void
test_pressure(void)
{
	struct fetch_item it[NFILES];
	struct fetch_opts o;
	struct gate g;
	size_t i;

	clean_q();
	opts(&o);
	o.parallel = 3;
	memset(&g, 0, sizeof(g));
	g.open = 1;
	CHECK((g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) != -1);
	o.file_done = gate_file;
	o.file_done_arg = &g;
	o.may_start = gate_may_start;
	o.wake_fd = g.tfd;
	o.on_wake = gate_wake;
	o.pressure_arg = &g;
	for (i = 0; i < NFILES; i++)
		item(&it[i], (int)i, files[i].name, &files[i]);
	CHECK(fetch_run(&o, it, NFILES, NULL, NULL, NULL, err,
	    sizeof(err)) == 0);
	CHECK(g.done == NFILES);
	for (i = 0; i < NFILES; i++)
		CHECK(it[i].ok && holds(files[i].name, &files[i]));
	/* Gated after the first: at most the other two running went on. */
	CHECK(g.wakes == 1);
	CHECK(g.done_at_wake >= 1 && g.done_at_wake <= 3);
	close(g.tfd);
}

/* Nothing named name, nor its .part, and the error says want. */
static int
failed(const struct fetch_item *it, const char *want)
{
	if (it->ok || strstr(it->error, want) == NULL) {
		fprintf(stderr, "  %s: ok %d, error \"%s\", want \"%s\"\n",
		    it->name, it->ok, it->error, want);
		return 0;
	}
	if (exists(it->name, "") || exists(it->name, ".part")) {
		fprintf(stderr, "  %s: left a file behind\n", it->name);
		return 0;
	}
	return 1;
}

static void
test_failures(void)
{
	static const char zero32[] = "00000000000000000000000000000000";
	static const char zero64[] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	struct fetch_item it[8];
	struct fetch_opts o;
	char want[128];
	int64_t t0;

	clean_q();
	opts(&o);
	item(&it[0], 0, files[0].name, &files[0]);
	it[0].expect_md5 = zero32;
	memset(&it[1], 0, sizeof(it[1]));
	it[1].url = url(1, "nosuch_1.0.tar.gz");
	it[1].dirfd = qfd;
	it[1].name = "nosuch_1.0.tar.gz";
	it[1].expect_size = -1;
	item(&it[2], 2, files[1].name, &files[1]);
	it[2].expect_size++;
	item(&it[3], 3, files[2].name, &files[2]);
	it[3].expect_size--;
	item(&it[4], 4, files[3].name, &files[3]);
	it[4].expect_sha256 = zero64;
	item(&it[5], 5, "redirect/x", &files[4]);
	it[5].url = url(5, "redirect/" "f04.tar.gz");
	item(&it[6], 6, "flaky/9/f05.tar.gz", &files[5]);
	item(&it[7], 7, files[6].name, &files[6]);
	t0 = mono_ms();
	CHECK(fetch_run(&o, it, 8, NULL, NULL, NULL, err, sizeof(err)) == 1);
	/* The 503s were retried 3 times, 20 + 40 + 80 ms apart. */
	CHECK(mono_ms() - t0 >= 140);

	snprintf(want, sizeof(want), "MD5 mismatch (expected %s, got %s)",
	    zero32, files[0].md5);
	CHECK(failed(&it[0], want));
	CHECK(failed(&it[1], "HTTP 404"));
	snprintf(want, sizeof(want), "size mismatch (expected %zu, got %zu)",
	    files[1].size + 1, files[1].size);
	CHECK(failed(&it[2], want));
	snprintf(want, sizeof(want), "size mismatch (more than %zu bytes)",
	    files[2].size - 1);
	CHECK(failed(&it[3], want));
	CHECK(failed(&it[4], "SHA-256 mismatch (expected 0000"));
	CHECK(failed(&it[5], "HTTP 302"));
	CHECK(failed(&it[6], "HTTP 503"));
	CHECK(it[7].ok && holds(files[6].name, &files[6]));
	/* Failed items got bytes, and say how many. */
	CHECK(it[0].bytes == (long long)files[0].size);
	CHECK(it[1].bytes == 0);
}

static void
test_resume(void)
{
	struct fetch_item it[5];
	struct fetch_opts o;
	size_t part7 = files[7].size * 2 / 5, part8 = files[8].size / 3;

	clean_q();
	opts(&o);
	/* A good prefix: only the rest is fetched. */
	write_part(&files[7], part7, 0);
	item(&it[0], 0, files[7].name, &files[7]);
	/* A spoiled prefix: it fails MD5, is dropped, fetched whole. */
	write_part(&files[8], part8, 1);
	item(&it[1], 1, files[8].name, &files[8]);
	/* All there: verified without asking the server. */
	write_part(&files[9], files[9].size, 0);
	item(&it[2], 2, "nosuch", &files[9]);
	/* All there, size unknown: the server's 416 leads to verification. */
	write_part(&files[10], files[10].size, 0);
	item(&it[3], 3, files[10].name, &files[10]);
	it[3].expect_size = -1;
	/* A server that ignores Range: the .part starts over. */
	write_part(&files[11], files[11].size / 2, 0);
	item(&it[4], 4, "norange/f11.tar.gz", &files[11]);

	CHECK(fetch_run(&o, it, 5, NULL, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(it[0].ok && it[0].bytes == (long long)(files[7].size - part7));
	CHECK(it[1].ok && it[1].bytes ==
	    (long long)(files[8].size - part8 + files[8].size));
	CHECK(it[2].ok && it[2].bytes == 0);
	CHECK(it[3].ok && it[3].bytes == 0);
	CHECK(it[4].ok && it[4].bytes == (long long)files[11].size);
	CHECK(holds(files[7].name, &files[7]));
	CHECK(holds(files[8].name, &files[8]));
	CHECK(holds(files[9].name, &files[9]));
	CHECK(holds(files[10].name, &files[10]));
	CHECK(holds(files[11].name, &files[11]));
	CHECK(!exists(files[7].name, ".part") &&
	    !exists(files[8].name, ".part") &&
	    !exists(files[11].name, ".part"));

	/* Without retries, a spoiled resume fails and leaves nothing. */
	clean_q();
	o.retries = 0;
	write_part(&files[8], part8, 1);
	CHECK(fetch_run(&o, &it[1], 1, NULL, NULL, NULL, err,
	    sizeof(err)) == 1);
	CHECK(failed(&it[1], "MD5 mismatch"));
}

static void
test_retry(void)
{
	struct fetch_item it[2];
	struct fetch_opts o;

	clean_q();
	opts(&o);
	/* Cut halfway: the retry resumes, so each byte comes once. */
	item(&it[0], 0, "cut/f12.tar.gz", &files[12]);
	/* Two 503s, then the file. */
	item(&it[1], 1, "flaky/2/f13.tar.gz", &files[13]);
	CHECK(fetch_run(&o, it, 2, NULL, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(it[0].ok && it[0].bytes == (long long)files[12].size);
	CHECK(it[1].ok && holds(files[13].name, &files[13]));
	CHECK(holds(files[12].name, &files[12]));

	/* Not enough retries: the last failure is the item's error. */
	clean_q();
	o.retries = 1;
	item(&it[0], 0, "flaky/2/f14.tar.gz", &files[14]);
	CHECK(fetch_run(&o, it, 1, NULL, NULL, NULL, err, sizeof(err)) == 1);
	CHECK(failed(&it[0], "HTTP 503"));

	/* Nobody listening: curl's words for it. */
	{
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		char u[64];
		int s;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
		CHECK(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CHECK(getsockname(s, (struct sockaddr *)&sa, &sl) == 0);
		close(s);
		snprintf(u, sizeof(u), "http://127.0.0.1:%d/x.tar.gz",
		    ntohs(sa.sin_port));
		item(&it[0], 0, "x", &files[14]);
		it[0].url = u;
		CHECK(fetch_run(&o, it, 1, NULL, NULL, NULL, err,
		    sizeof(err)) == 1);
		CHECK(failed(&it[0], "onnect"));
	}
}

static void
test_stop(void)
{
	struct fetch_item it;
	struct fetch_opts o;
	struct prog pr;
	volatile int stop = 0;
	long long part;
	int64_t t0;

	clean_q();
	opts(&o);
	memset(&pr, 0, sizeof(pr));
	pr.stop = &stop;
	item(&it, 0, "slow/slow.tar.gz", &slowf);
	t0 = mono_ms();
	CHECK(fetch_run(&o, &it, 1, on_progress, &pr, &stop, err,
	    sizeof(err)) == 1);
	/* The whole file would take 5 s. */
	CHECK(mono_ms() - t0 < 2000);
	CHECK(!it.ok && strcmp(it.error, "stopped") == 0);
	CHECK(!exists(slowf.name, ""));
	part = size_of(slowf.name, ".part");
	CHECK(part > 0 && part < (long long)slowf.size);
	CHECK(it.bytes == part);

	/* Stopped before it starts: nothing happens. */
	CHECK(fetch_run(&o, &it, 1, NULL, NULL, &stop, err,
	    sizeof(err)) == 1);
	CHECK(strcmp(it.error, "stopped") == 0 && it.bytes == 0);
	CHECK(size_of(slowf.name, ".part") == part);

	/* The next pass resumes where this one stopped. */
	item(&it, 0, slowf.name, &slowf);
	CHECK(fetch_run(&o, &it, 1, NULL, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(it.ok && it.bytes == (long long)slowf.size - part);
	CHECK(holds(slowf.name, &slowf));
}

static void
test_rate(void)
{
	struct fetch_item it;
	struct fetch_opts o;
	int64_t t0;

	clean_q();
	opts(&o);
	/*
	 * A second's worth: the pass never takes more than max_rate bytes
	 * per second since it began, so it lasts at least size/rate (libcurl's
	 * own limit alone takes a burst first).  Not much more, either.
	 */
	o.max_rate = (long long)bigf.size;
	item(&it, 0, bigf.name, &bigf);
	t0 = mono_ms();
	CHECK(fetch_run(&o, &it, 1, NULL, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(it.ok && holds(bigf.name, &bigf));
	CHECK(mono_ms() - t0 >= 1000);
	CHECK(mono_ms() - t0 < 3000);
}

static void
test_small(void)
{
	struct fetch_opts o;
	struct buf out;

	opts(&o);
	buf_init(&out, 1 << 20);
	CHECK(buf_put(&out, "head", 4) == 0);
	CHECK(fetch_small(&o, url(0, files[16].name), &out, 1 << 20, err,
	    sizeof(err)) == 0);
	CHECK(out.len == 4 + files[16].size &&
	    memcmp(out.data + 4, files[16].data, files[16].size) == 0);
	buf_reset(&out);
	/* Capped; out is left as it was. */
	CHECK(fetch_small(&o, url(0, files[16].name), &out,
	    files[16].size - 1, err, sizeof(err)) == -1);
	CHECK(strstr(err, "more than") != NULL && out.len == 0);
	CHECK(fetch_small(&o, url(0, "nosuch"), &out, 1 << 20, err,
	    sizeof(err)) == -1);
	CHECK(strcmp(err, "HTTP 404") == 0 && out.len == 0);
	/* Retried like the others. */
	CHECK(fetch_small(&o, url(0, "flaky/1/f16.tar.gz"), &out, 1 << 20,
	    err, sizeof(err)) == 0);
	CHECK(out.len == files[16].size);
	buf_release(&out);
}

static void
count_tick(void *arg)
{
	(*(int *)arg)++;
}

/*
 * fetch_small ticks while it works and while it waits to retry, so that
 * the sync role answers the master's liveness checks during a slow index.
 */
static void
test_small_tick(void)
{
	struct fetch_opts o;
	struct buf out;
	int ticks = 0;
	int64_t t0, ms;

	opts(&o);
	o.tick = count_tick;
	o.tick_arg = &ticks;
	buf_init(&out, 64 << 20);
	t0 = mono_ms();
	CHECK(fetch_small(&o, url(0, "slow/slow.tar.gz"), &out, 64 << 20, err,
	    sizeof(err)) == 0);
	ms = mono_ms() - t0;
	CHECK(out.len == slowf.size);
	/* About 4 a second; at least one a second is the contract. */
	CHECK(ms >= 1000 && ticks >= ms / 1000);
	buf_reset(&out);
	ticks = 0;
	o.backoff_ms = 600;
	o.retries = 1;
	t0 = mono_ms();
	CHECK(fetch_small(&o, url(0, "flaky/5/f17.tar.gz"), &out, 1 << 20, err,
	    sizeof(err)) == -1);
	ms = mono_ms() - t0;
	CHECK(strcmp(err, "HTTP 503") == 0);
	CHECK(ms >= 600 && ticks >= 2);
	buf_release(&out);
}

/*
 * A write that fails (RLIMIT_FSIZE stands in for a full disk): not
 * retried, and what was written stays for the next pass.
 */
static void
test_write_error(void)
{
	struct fetch_item it;
	struct fetch_opts o;
	struct rlimit old, rl;

	clean_q();
	opts(&o);
	item(&it, 0, files[18].name, &files[18]);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	rl = old;
	rl.rlim_cur = 5000;
	signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	CHECK(fetch_run(&o, &it, 1, NULL, NULL, NULL, err, sizeof(err)) == 1);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(!it.ok && strstr(it.error, "write: ") != NULL);
	CHECK(!exists(files[18].name, ""));
	CHECK(size_of(files[18].name, ".part") == 5000);

	CHECK(fetch_run(&o, &it, 1, NULL, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(it.ok && it.bytes == (long long)files[18].size - 5000);
	CHECK(holds(files[18].name, &files[18]));
}

static int
setup_fails(const struct fetch_opts *o, struct fetch_item *it, size_t n,
    const char *want)
{
	err[0] = '\0';
	if (fetch_run(o, it, n, NULL, NULL, NULL, err, sizeof(err)) != -1 ||
	    strstr(err, want) == NULL) {
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
		return 0;
	}
	return 1;
}

static void
test_setup(void)
{
	struct fetch_item it[2];
	struct fetch_opts o;

	clean_q();
	opts(&o);
	item(&it[0], 0, files[0].name, &files[0]);
	item(&it[1], 1, files[1].name, &files[1]);
	o.parallel = 0;
	CHECK(setup_fails(&o, it, 2, "parallel"));
	o.parallel = 65;
	CHECK(setup_fails(&o, it, 2, "parallel"));
	opts(&o);
	o.retries = -1;
	CHECK(setup_fails(&o, it, 2, "retries"));
	opts(&o);
	it[1].name = "a/b";
	CHECK(setup_fails(&o, it, 2, "item 1: not a file name"));
	it[1].name = "..";
	CHECK(setup_fails(&o, it, 2, "item 1"));
	it[1].name = "f00.tar.gz.part";
	CHECK(setup_fails(&o, it, 2, "item 1"));
	it[1].name = files[0].name;
	CHECK(setup_fails(&o, it, 2, "items 0 and 1: the same file"));
	it[1].name = files[1].name;
	it[1].expect_md5 = "abc";
	CHECK(setup_fails(&o, it, 2, "item 1: bad expected"));
	it[1].expect_md5 = files[1].md5;
	it[1].url = "ftp://127.0.0.1/x";
	CHECK(setup_fails(&o, it, 2, "item 1: not an http"));
	it[1].url = "http://127.0.0.1/a b";
	CHECK(setup_fails(&o, it, 2, "control"));
	/* Credentials: not in the URL, not in clear, never echoed. */
	it[1].url = "http://user:pw-in-url@127.0.0.1/x";
	CHECK(setup_fails(&o, it, 2, "item 1: URL with credentials"));
	CHECK(strstr(err, "pw-in-url") == NULL);
	it[1].url = url(1, files[1].name);
	o.userpwd = "user:s3cret";
	CHECK(setup_fails(&o, it, 2, "plain http"));
	CHECK(strstr(err, "s3cret") == NULL);
	o.userpwd = NULL;
	o.proxy = "http://user:s3cret@proxy:3128";
	CHECK(setup_fails(&o, it, 2, "proxy"));
	CHECK(strstr(err, "s3cret") == NULL);
	o.proxy = NULL;
	/* Nothing was touched. */
	CHECK(!exists(files[0].name, "") && !exists(files[0].name, ".part"));
	/* No items: nothing to do. */
	CHECK(fetch_run(&o, it, 0, NULL, NULL, NULL, err, sizeof(err)) == 0);
}

static void
cleanup(void)
{
	char path[PATH_MAX * 2];
	size_t i;

	server_stop();
	if (qfd != -1) {
		clean_q();
		close(qfd);
		rmdir(qdir);
	}
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", srvdir, files[i].name);
		unlink(path);
		free(files[i].data);
	}
	snprintf(path, sizeof(path), "%s/%s", srvdir, slowf.name);
	unlink(path);
	free(slowf.data);
	snprintf(path, sizeof(path), "%s/%s", srvdir, bigf.name);
	unlink(path);
	free(bigf.data);
	rmdir(srvdir);
	rmdir(tmpdir);
}

int
main(void)
{
	char name[64];
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	if (!have_python()) {
		printf("ok - skipped: no python3\n");
		return 0;
	}
	fetch_global_init();
	snprintf(tmpdir, sizeof(tmpdir), "%s/airlock-fetch.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(srvdir, sizeof(srvdir), "%s/srv", tmpdir);
	snprintf(qdir, sizeof(qdir), "%s/q", tmpdir);
	if (mkdir(srvdir, 0700) != 0 || mkdir(qdir, 0700) != 0 ||
	    (qfd = open(qdir, O_RDONLY | O_DIRECTORY)) == -1)
		return 1;
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "f%02zu.tar.gz", i);
		make_file(&files[i], name, 1000 + i * 7919, (uint32_t)i + 1);
	}
	make_file(&slowf, "slow.tar.gz", 100 * 1024, 99);
	make_file(&bigf, "big.tar.gz", 4 * 1024 * 1024, 98);
	if (server_start() != 0) {
		printf("not ok - server_start\n");
		cleanup();
		return 1;
	}
	RUN(test_parallel);
	RUN(test_file_done);
	RUN(test_pressure);
	RUN(test_failures);
	RUN(test_resume);
	RUN(test_retry);
	RUN(test_stop);
	RUN(test_rate);
	RUN(test_small);
	RUN(test_small_tick);
	RUN(test_write_error);
	RUN(test_setup);
	cleanup();
	TEST_EXIT();
}
