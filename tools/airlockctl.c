/*
 * airlockctl: the admin's command line.  It reads the same configuration
 * as airlockd (-f, -o) to find the control socket, sends one JSON command
 * at a time (package files as fds, so airlockd never opens a path an
 * admin typed), and prints the answer as a table or, with --json, as is.
 *
 * Exit status: 0 done; 1 airlockd refused or failed (or some files were
 * refused); 2 bad usage; 3 airlockd cannot be reached.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "conf.h"
#include "ipc.h"
#include "log.h"
#include "util.h"

#define EX_FAIL 1
#define EX_USAGE 2
#define EX_UNREACHABLE 3
#define BATCH 16		/* files per add request (IPC_MAX_FDS) */

static int json_out;
static char *slurp(const char *path);
static struct ipc_chan ch;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: airlockctl [-f config_file] [-o key=value]... [--json] command\n"
	    "commands:\n"
	    "  repo create NAME --kind local|cran [--access RULE]\n"
	    "  repo create NAME --kind cran --upstream URL [--ca-file PEM] "
	    "[SYNC SETTINGS]\n"
	    "  repo create NAME --kind curated --from MIRROR "
	    "[--include suggests|none] [--r-version X.Y]\n"
	    "  repo edit NAME [--upstream URL] [--ca-file PEM | --no-ca-file] "
	    "[SYNC SETTINGS]\n"
	    "    sync settings: [--proxy http://HOST:PORT | --no-proxy]\n"
	    "      [--credentials-file FILE|- | --no-credentials]\n"
	    "      [--proxy-credentials-file FILE|- | --no-proxy-credentials]\n"
	    "      [--client-cert PEM --client-key PEM | --no-client-cert]\n"
	    "      [--max-rate BYTES[k|m|g] | --no-max-rate]\n"
	    "      [--concurrency 1..64 | --no-concurrency]\n"
	    "      [--packages A,B,... | --package-file FILE | --no-packages]\n"
	    "      [--suggests | --no-suggests]\n"
	    "      [--binaries TYPE:X.Y,... | --no-binaries]  (win.binary:4.4, "
	    "mac.binary.big-sur-arm64:4.4...)\n"
	    "  repo list\n"
	    "  repo access REPO public|authenticated|group:NAME[,group:NAME...]\n"
	    "  add REPO [--type TYPE:X.Y] FILE...\n"
	    "  import REPO DIR\n"
	    "  publish REPO\n"
	    "  snapshot list REPO\n"
	    "  snapshot prune REPO --keep N\n"
	    "  package list REPO [SNAPSHOT]\n"
	    "  user add NAME [--role viewer|publisher|admin] [--admin] "
	    "[--password-stdin]\n"
	    "  user edit NAME [--role ROLE] [--password | --password-stdin]\n"
	    "  user lock|unlock|remove NAME\n"
	    "  user list\n"
	    "  group add|remove|members NAME\n"
	    "  group add-member|remove-member GROUP USER\n"
	    "  group list\n"
	    "  token create --user USER [--scope repos:read|repos:write|admin] "
	    "[--repo REPO]... [--expires 30d|never] [--label TEXT]\n"
	    "  token list [--user USER]\n"
	    "  token revoke ID\n"
	    "  audit dump --csvlog|--jsonlog [--since TIME] [--until TIME]\n"
	    "  audit verify\n"
	    "  curate REPO --file REQUIREMENTS [--snapshot ID|DATE] [--commit]\n"
	    "  curate REPO --update [--snapshot ID|DATE] [--commit]\n"
	    "  block add --package P [--versions CONSTRAINTS] [--repo R] "
	    "--reason TEXT\n"
	    "  block list\n"
	    "  block remove ID\n"
	    "  block test PACKAGE VERSION [--repo R]\n"
	    "  sync open --for DURATION --reason TEXT\n"
	    "  sync approve ID\n"
	    "  sync close [ID]\n"
	    "  sync status\n"
	    "  sync history\n"
	    "  bundle keygen PRIVATE.pem PUBLIC.pem\n"
	    "  bundle export REPO [--since SNAPSHOT] OUT\n"
	    "  bundle import FILE [--repo REPO]\n");
	exit(EX_USAGE);
}

static void
connect_master(const struct airlock_conf *c)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path)];
	int fd;

	if (c->control_socket[0] != '\0')
		snprintf(path, sizeof(path), "%s", c->control_socket);
	else
		snprintf(path, sizeof(path), "%s/control.sock", c->data_dir);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		fprintf(stderr, "airlockctl: cannot reach airlockd at %s: %s%s\n",
		    path, strerror(errno), errno == EACCES ?
		    " (airlockctl is for root)" : errno == ENOENT ||
		    errno == ECONNREFUSED ? " (is airlockd running?)" : "");
		exit(EX_UNREACHABLE);
	}
	ipc_chan_init(&ch, fd, ROLE_CTL, ROLE_MASTER);
	ch.state = S_RUN;
}

/* Sends a command and returns the answer; exits when airlockd is gone. */
/* The credentials a request holds: wiped before jansson frees them. */
static void
wipe_secrets(json_t *req)
{
	static const char *const secret[] = { "userpwd", "proxy_userpwd",
	    "client_key_pem", "password" };
	const char *v;
	size_t i;

	for (i = 0; i < nitems(secret); i++)
		if ((v = json_string_value(json_object_get(req, secret[i]))) !=
		    NULL)
			explicit_bzero((char *)(uintptr_t)v, strlen(v));
}

static json_t *
call(json_t *req, const int *fds, int nfds)
{
	char *text;
	struct ipc_msg msg;
	struct buf b, all;
	json_error_t jerr;
	json_t *ans;
	uint8_t last = 0;
	const char *op = getenv("SUDO_USER");

	/* For the audit trail: who typed it, as far as we can tell. */
	if (op == NULL || *op == '\0')
		op = getenv("LOGNAME");
	if (op != NULL && *op != '\0')
		json_object_set_new(req, "operator", json_string(op));
	text = json_dumps(req, JSON_COMPACT);
	wipe_secrets(req);
	json_decref(req);
	buf_init(&b, IPC_MAX_PAYLOAD);
	if (text == NULL || buf_put(&b, text, strlen(text)) != 0) {
		fprintf(stderr, "airlockctl: request too large\n");
		exit(EX_USAGE);
	}
	explicit_bzero(text, strlen(text));	/* it may hold a password */
	free(text);
	if (ipc_send(&ch, IPC_CTL_REQUEST, &b, fds, nfds) != 0) {
		fprintf(stderr, "airlockctl: lost airlockd: %s\n",
		    strerror(errno));
		exit(EX_UNREACHABLE);
	}
	explicit_bzero(b.data, b.len);
	buf_release(&b);
	buf_init(&all, (size_t)1 << 30);
	while (!last) {
		if (ipc_recv(&ch, &msg, 1) != 1 ||
		    buf_get_u8(&msg.payload, &last) != 0) {
			fprintf(stderr, "airlockctl: lost airlockd before it "
			    "answered\n");
			exit(EX_UNREACHABLE);
		}
		if (buf_put(&all, buf_ptr(&msg.payload),
		    buf_avail(&msg.payload)) != 0) {
			fprintf(stderr, "airlockctl: answer too large\n");
			exit(EX_FAIL);
		}
	}
	ans = json_loadb((const char *)buf_ptr(&all), buf_avail(&all), 0,
	    &jerr);
	buf_release(&all);
	if (ans == NULL) {
		fprintf(stderr, "airlockctl: unreadable answer: %s\n",
		    jerr.text);
		exit(EX_FAIL);
	}
	return ans;
}

/* Prints the error of a failed answer; the exit status to use. */
static int
check(json_t *ans)
{
	if (json_is_true(json_object_get(ans, "ok")))
		return 0;
	if (json_out) {
		json_dumpf(ans, stdout, JSON_INDENT(2));
		putchar('\n');
	} else
		fprintf(stderr, "airlockctl: %s\n",
		    json_string_value(json_object_get(ans, "error")));
	return EX_FAIL;
}

static int
print_json(json_t *ans)
{
	json_dumpf(ans, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(ans);
	return 0;
}

/* A table: columns as wide as their widest cell, two spaces apart. */
struct table {
	char **cells;
	size_t ncols, nrows;
};

static void
table_add(struct table *t, ...)
{
	va_list ap;
	size_t i;

	t->cells = realloc(t->cells, (t->nrows + 1) * t->ncols *
	    sizeof(char *));
	if (t->cells == NULL)
		exit(EX_FAIL);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(va_arg(ap,
		    const char *));
	va_end(ap);
	t->nrows++;
}

static void
table_print(struct table *t)
{
	size_t w[16] = { 0 }, r, i, n;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if ((n = strlen(t->cells[r * t->ncols + i])) > w[i])
				w[i] = n;
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];

			if (i + 1 == t->ncols)
				printf("%s\n", c);
			else
				printf("%-*s  ", (int)w[i], c);
			free(t->cells[r * t->ncols + i]);
		}
	}
	free(t->cells);
}

static const char *
fmt_time(json_int_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
	return buf;
}

static const char *
fmt_int(json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, n, "-");
	return buf;
}

/*
 * A secret from a file, or stdin for "-": read into one buffer of max
 * bytes (never grown, so never copied), wiped by the caller
 * (explicit_bzero + free).  With line, one line: the newline goes.
 */
static char *
read_secret(const char *path, size_t max, int line)
{
	char *b = calloc(1, max + 1);
	size_t n = 0;
	ssize_t k;
	int fd;

	if (b == NULL)
		exit(EX_FAIL);
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "airlockctl: %s: %s\n", path, strerror(errno));
		exit(EX_USAGE);
	}
	while (n < max && (k = read(fd, b + n, max - n)) > 0)
		n += (size_t)k;
	if (n == max && read(fd, &b[max], 1) > 0) {
		explicit_bzero(b, max + 1);
		fprintf(stderr, "airlockctl: %s: more than %zu bytes\n", path,
		    max);
		exit(EX_USAGE);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	b[n] = '\0';
	if (line) {
		if (n > 0 && b[n - 1] == '\n')
			b[--n] = '\0';
		if (n > 0 && b[n - 1] == '\r')
			b[--n] = '\0';
		if (n == 0 || strpbrk(b, "\r\n") != NULL || strlen(b) != n ||
		    strchr(b, ':') == NULL || b[0] == ':') {
			explicit_bzero(b, max + 1);
			fprintf(stderr, "airlockctl: %s: must be one line, "
			    "user:password\n", path);
			exit(EX_USAGE);
		}
	}
	return b;
}

/* Puts a secret read from path into req as name, leaving no copy. */
static void
put_secret(json_t *req, const char *name, const char *path, size_t max,
    int line)
{
	char *v = read_secret(path, max, line);

	json_object_set_new(req, name, json_string(v));
	explicit_bzero(v, max + 1);
	free(v);
}

/* --max-rate's value, or a usage error. */
static json_int_t
parse_rate(const char *s)
{
	long long v = conf_rate_parse(s);

	if (v < 0) {
		fprintf(stderr, "airlockctl: --max-rate %s: bytes per second, "
		    "at least 1, as 1000, 500k, 2m or 1g\n", s);
		exit(EX_USAGE);
	}
	return (json_int_t)v;
}

static void list_names(json_t *list, const char *text);

/*
 * The flags repo create and repo edit share for a cran mirror: argv[*i]
 * into req.  0 when it is not one of them.  Secrets come from files, or
 * stdin as "-", never from the command line (ps shows that).
 */
static int
sync_flag(int argc, char **argv, int *i, json_t *req, int *stdin_used)
{
	const char *f = argv[*i], *arg = *i + 1 < argc ? argv[*i + 1] : NULL;
	static const struct {
		const char *flag, *key;
	} clear[] = {
		{ "--no-proxy", "proxy" },
		{ "--no-credentials", "userpwd" },
		{ "--no-proxy-credentials", "proxy_userpwd" },
		{ "--no-max-rate", "max_rate" },
		{ "--no-concurrency", "concurrency" },
		{ "--no-ca-file", "ca_pem" },
		{ "--no-binaries", "binaries" },
	};
	size_t k;

	for (k = 0; k < nitems(clear); k++)
		if (strcmp(f, clear[k].flag) == 0) {
			json_object_set_new(req, clear[k].key, json_null());
			return 1;
		}
	if (strcmp(f, "--no-client-cert") == 0) {
		json_object_set_new(req, "client_cert_pem", json_null());
		json_object_set_new(req, "client_key_pem", json_null());
		return 1;
	}
	if (arg == NULL)
		return 0;
	if (strcmp(arg, "-") == 0 && (strcmp(f, "--credentials-file") == 0 ||
	    strcmp(f, "--proxy-credentials-file") == 0 ||
	    strcmp(f, "--client-key") == 0)) {
		if ((*stdin_used)++) {
			fprintf(stderr, "airlockctl: only one secret can come "
			    "from stdin\n");
			exit(EX_USAGE);
		}
	}
	if (strcmp(f, "--upstream") == 0)
		json_object_set_new(req, "upstream", json_string(arg));
	else if (strcmp(f, "--ca-file") == 0) {
		char *pem = slurp(arg);

		json_object_set_new(req, "ca_pem", json_string(pem));
		free(pem);
	} else if (strcmp(f, "--proxy") == 0)
		json_object_set_new(req, "proxy", json_string(arg));
	else if (strcmp(f, "--credentials-file") == 0)
		put_secret(req, "userpwd", arg, 1024, 1);
	else if (strcmp(f, "--proxy-credentials-file") == 0)
		put_secret(req, "proxy_userpwd", arg, 1024, 1);
	else if (strcmp(f, "--client-cert") == 0) {
		char *pem = slurp(arg);

		json_object_set_new(req, "client_cert_pem", json_string(pem));
		free(pem);
	} else if (strcmp(f, "--client-key") == 0)
		put_secret(req, "client_key_pem", arg, 32768, 0);
	else if (strcmp(f, "--binaries") == 0) {
		json_t *list = json_array();

		/* Checked by the master, which names what it refuses. */
		list_names(list, arg);
		json_object_set_new(req, "binaries", list);
	} else if (strcmp(f, "--max-rate") == 0)
		json_object_set_new(req, "max_rate", json_integer(
		    parse_rate(arg)));
	else if (strcmp(f, "--concurrency") == 0) {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*end != '\0' || end == arg || v < 1 || v > 64) {
			fprintf(stderr, "airlockctl: --concurrency must be 1 "
			    "to 64\n");
			exit(EX_USAGE);
		}
		json_object_set_new(req, "concurrency", json_integer(v));
	} else
		return 0;
	(*i)++;
	return 1;
}

/* The sync settings of a cran mirror, on one line, for repo list. */
static void
print_sync(json_t *r)
{
	json_t *s = json_object_get(r, "sync");
	const char *u = json_string_value(json_object_get(s, "upstream"));
	const char *p = json_string_value(json_object_get(s, "proxy"));
	json_t *rate = json_object_get(s, "max_rate");
	size_t i;

	if (s == NULL)
		return;
	printf("%s: upstream %s, CA bundle: %s, proxy: %s, concurrency %lld, "
	    "max rate: ", json_string_value(json_object_get(r, "name")),
	    u ? u : "none", json_string_value(json_object_get(s, "ca_file")),
	    p ? p : "none", (long long)json_integer_value(json_object_get(s,
	    "concurrency")));
	if (json_is_integer(rate))
		printf("%lld B/s", (long long)json_integer_value(rate));
	else
		printf("unlimited");
	printf(", client certificate: %s, credentials: %s, proxy "
	    "credentials: %s, binaries: ", json_object_get(s, "client_cert") ?
	    "set" : "none", json_string_value(json_object_get(s,
	    "credentials")), json_string_value(json_object_get(s,
	    "proxy_credentials")));
	if (json_array_size(json_object_get(s, "binaries")) == 0)
		printf("none");
	for (i = 0; i < json_array_size(json_object_get(s, "binaries")); i++)
		printf("%s%s", i ? " " : "", json_string_value(json_array_get(
		    json_object_get(s, "binaries"), i)));
	printf("\n");
}

static void
add_name(void *arg, const char *name, size_t len)
{
	json_array_append_new(arg, json_stringn(name, len));
}

/* Appends the names in text (names_split's syntax). */
static void
list_names(json_t *list, const char *text)
{
	names_split(text, add_name, list);
}

/*
 * A mirror's package list flags (repo create, repo edit): --packages
 * A,B,...  and --package-file FILE (one or more names a line, # starts a
 * comment; both may be given and add up), --no-packages (repo edit: the
 * mirror takes everything again), --suggests, --no-suggests.
 * Consumes argv[*i] (and its value) into req and returns 1, or 0 when it
 * is none of them.
 */
static int
sync_list_arg(int argc, char **argv, size_t *i, json_t *req)
{
	json_t *list = json_object_get(req, "packages");
	char *text;

	if ((strcmp(argv[*i], "--packages") == 0 ||
	    strcmp(argv[*i], "--package-file") == 0) && *i + 1 <
	    (size_t)argc) {
		if (json_is_null(list)) {
			fprintf(stderr, "airlockctl: --no-packages with a "
			    "package list\n");
			exit(EX_USAGE);
		}
		if (list == NULL) {
			list = json_array();
			json_object_set_new(req, "packages", list);
		}
		if (strcmp(argv[*i], "--packages") == 0)
			list_names(list, argv[*i + 1]);
		else {
			text = slurp(argv[*i + 1]);
			list_names(list, text);
			free(text);
		}
		(*i)++;
		return 1;
	}
	if (strcmp(argv[*i], "--no-packages") == 0) {
		json_object_set_new(req, "packages", json_null());
		return 1;
	}
	if (strcmp(argv[*i], "--suggests") == 0 ||
	    strcmp(argv[*i], "--no-suggests") == 0) {
		json_object_set_new(req, "suggests",
		    json_boolean(argv[*i][2] == 's'));
		return 1;
	}
	return 0;
}

/*
 * Whether the list is too long for one control request (it travels in
 * one, with the rest of the command); says so.
 */
static int
sync_list_too_long(const json_t *flags)
{
	char *text = json_dumps(flags, JSON_COMPACT);
	size_t n = text ? strlen(text) : 0;

	free(text);
	if (n + 4096 <= IPC_MAX_PAYLOAD)
		return 0;
	fprintf(stderr, "airlockctl: a package list of %zu names is too long "
	    "for one request (%zu bytes, at most %d with the rest of the "
	    "command)\n", json_array_size(json_object_get(flags, "packages")),
	    n, IPC_MAX_PAYLOAD - 4096);
	return 1;
}

/* "all", "N" or "N+Suggests" for repo list; "-" when not a mirror. */
static const char *
fmt_list(json_t *r, char *buf, size_t n)
{
	json_t *l = json_object_get(r, "package_list");

	if (json_is_object(l))
		snprintf(buf, n, "%lld%s", (long long)json_integer_value(
		    json_object_get(l, "size")), json_is_true(json_object_get(
		    l, "suggests")) ? "+Suggests" : "");
	else
		snprintf(buf, n, "%s", strcmp(json_string_value(
		    json_object_get(r, "kind")), "cran") == 0 ? "all" : "-");
	return buf;
}

static int
cmd_repo(int argc, char **argv)
{
	json_t *ans, *r, *pl, *lflags = json_object();
	struct table t = { NULL, 9, 0 };
	char a[32], b[32], c[32], d[32], e[40], l[40];
	const char *kind = NULL, *access = NULL, *from = NULL;
	const char *include = NULL, *rversion = NULL;
	size_t i;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc == 2) {
		ans = call(json_pack("{s:s}", "cmd", "repo.list"), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		table_add(&t, "NAME", "KIND", "ACCESS", "PACKAGES", "VERSIONS",
		    "SNAPSHOTS", "LATEST", "MIRRORS", "CREATED");
		json_array_foreach(json_object_get(ans, "repos"), i, r)
			table_add(&t,
			    json_string_value(json_object_get(r, "name")),
			    json_string_value(json_object_get(r, "kind")),
			    json_string_value(json_object_get(r, "access")),
			    fmt_int(json_object_get(r, "packages"), a, sizeof(a)),
			    fmt_int(json_object_get(r, "versions"), b, sizeof(b)),
			    fmt_int(json_object_get(r, "snapshots"), c, sizeof(c)),
			    fmt_int(json_object_get(r, "latest"), d, sizeof(d)),
			    fmt_list(r, l, sizeof(l)),
			    fmt_time(json_integer_value(json_object_get(r,
			    "created")), e, sizeof(e)));
		table_print(&t);
		json_array_foreach(json_object_get(ans, "repos"), i, r)
			print_sync(r);
		json_decref(ans);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "edit") == 0) {
		int k, in = 0;

		r = json_pack("{s:s, s:s}", "cmd", "repo.edit", "repo",
		    argv[2]);
		for (k = 3; k < argc; k++) {
			if (strcmp(argv[k], "--access") == 0) {
				fprintf(stderr, "airlockctl: access rules: "
				    "airlockctl repo access %s RULE\n",
				    argv[2]);
				return EX_USAGE;
			}
			if (sync_flag(argc, argv, &k, r, &in))
				continue;
			i = (size_t)k;
			if (!sync_list_arg(argc, argv, &i, lflags))
				usage();
			k = (int)i;
		}
		if (argc == 3)
			usage();
		if (sync_list_too_long(lflags))
			return EX_USAGE;
		json_object_update(r, lflags);
		ans = call(r, NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		printf("edited %s: %s\n", argv[2], json_string_value(
		    json_object_get(ans, "changed")));
		json_decref(ans);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "create") == 0) {
		int k, in = 0;

		r = json_object();
		for (i = 3; i < (size_t)argc; i++) {
			if (strcmp(argv[i], "--kind") == 0 && i + 1 < (size_t)argc)
				kind = argv[++i];
			else if (strncmp(argv[i], "--kind=", 7) == 0)
				kind = argv[i] + 7;
			else if (strcmp(argv[i], "--access") == 0 &&
			    i + 1 < (size_t)argc)
				access = argv[++i];
			else if (strcmp(argv[i], "--from") == 0 &&
			    i + 1 < (size_t)argc)
				from = argv[++i];
			else if (strcmp(argv[i], "--include") == 0 &&
			    i + 1 < (size_t)argc)
				include = argv[++i];
			else if (strcmp(argv[i], "--r-version") == 0 &&
			    i + 1 < (size_t)argc)
				rversion = argv[++i];
			else if (strncmp(argv[i], "--no-", 5) != 0 &&
			    (k = (int)i, sync_flag(argc, argv, &k, r, &in)))
				i = (size_t)k;
			else if (strcmp(argv[i], "--no-suggests") == 0 ||
			    !sync_list_arg(argc, argv, &i, lflags))
				usage();
		}
		if (kind == NULL)
			usage();
		if (sync_list_too_long(lflags))
			return EX_USAGE;
		json_object_set_new(r, "cmd", json_string("repo.create"));
		json_object_set_new(r, "name", json_string(argv[2]));
		json_object_set_new(r, "kind", json_string(kind));
		json_object_update(r, lflags);
		if (access != NULL)
			json_object_set_new(r, "access", json_string(access));
		if (from != NULL)
			json_object_set_new(r, "from", json_string(from));
		if (include != NULL)
			json_object_set_new(r, "include", json_string(include));
		if (rversion != NULL)
			json_object_set_new(r, "r_version",
			    json_string(rversion));
		ans = call(r, NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		printf("created %s repository %s (access: %s)\n", kind, argv[2],
		    json_string_value(json_object_get(json_object_get(ans,
		    "repo"), "access")));
		pl = json_object_get(json_object_get(ans, "repo"),
		    "package_list");
		if (json_is_object(pl))
			printf("it mirrors a list of %lld package(s)%s and "
			    "their dependencies\n", (long long)
			    json_integer_value(json_object_get(pl, "size")),
			    json_is_true(json_object_get(pl, "suggests")) ?
			    " with their Suggests" : "");
		json_decref(ans);
		json_decref(lflags);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "access") == 0) {
		ans = call(json_pack("{s:s, s:s, s:s}", "cmd", "repo.access",
		    "repo", argv[2], "access", argv[3]), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		printf("access of %s: %s\n", argv[2], argv[3]);
		json_decref(ans);
		return 0;
	}
	usage();
}

/* Sends files in batches; the progress bar and a summary as it goes. */
static int
add_files(const char *repo, const char *type, char **paths, size_t n)
{
	json_t *ans, *res, *all = json_array();
	size_t i, k, done = 0, added = 0, present = 0, refused = 0;
	int fds[BATCH], tty = isatty(STDERR_FILENO) && !json_out, rc = 0;

	for (i = 0; i < n; i += k) {
		json_t *names = json_array();

		for (k = 0; k < BATCH && i + k < n; k++) {
			if ((fds[k] = open(paths[i + k], O_RDONLY | O_CLOEXEC))
			    == -1) {
				json_array_append_new(all, json_pack(
				    "{s:s, s:b, s:s}", "file", paths[i + k],
				    "ok", 0, "error", strerror(errno)));
				continue;
			}
			json_array_append_new(names, json_string(paths[i + k]));
		}
		/* Files that failed to open left holes: close them up. */
		{
			int m = 0, j;

			for (j = 0; j < (int)k; j++)
				if (fds[j] != -1)
					fds[m++] = fds[j];
			if (m > 0) {
				ans = call(json_pack("{s:s, s:s, s:o, s:s?}",
				    "cmd", "add", "repo", repo, "files", names,
				    "type", type), fds, m);
				for (j = 0; j < m; j++)
					close(fds[j]);
				if ((rc = check(ans)) != 0) {
					json_decref(ans);
					json_decref(all);
					return rc;
				}
				json_array_extend(all, json_object_get(ans,
				    "results"));
				json_decref(ans);
			} else
				json_decref(names);
		}
		done = i + k;
		if (tty) {
			int width = 40, fill = (int)(done * (size_t)width / n);

			fprintf(stderr, "\r[%.*s%*s] %zu/%zu files", fill,
			    "########################################",
			    width - fill, "", done, n);
		}
	}
	if (tty)
		fputc('\n', stderr);
	json_array_foreach(all, i, res) {
		if (!json_is_true(json_object_get(res, "ok")))
			refused++;
		else if (json_is_true(json_object_get(res, "added")))
			added++;
		else
			present++;
	}
	if (json_out) {
		json_dumpf(json_pack("{s:s, s:o}", "repo", repo, "results",
		    all), stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		json_array_foreach(all, i, res)
			if (!json_is_true(json_object_get(res, "ok")))
				fprintf(stderr, "refused %s: %s\n",
				    json_string_value(json_object_get(res,
				    "file")), json_string_value(
				    json_object_get(res, "error")));
		printf("%zu file(s): %zu added, %zu already present, %zu "
		    "refused\n", n, added, present, refused);
		json_decref(all);
	}
	return refused ? EX_FAIL : 0;
}

static int
tarball_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 7 && strcmp(d->d_name + n - 7, ".tar.gz") == 0;
}

static int
cmd_import(const char *repo, const char *dir)
{
	struct dirent **list;
	char **paths;
	int n, i, rc;

	if ((n = scandir(dir, &list, tarball_name, alphasort)) < 0) {
		fprintf(stderr, "airlockctl: %s: %s\n", dir, strerror(errno));
		return EX_FAIL;
	}
	if (n == 0) {
		fprintf(stderr, "airlockctl: no *.tar.gz in %s\n", dir);
		free(list);
		return EX_FAIL;
	}
	if ((paths = calloc((size_t)n, sizeof(*paths))) == NULL)
		return EX_FAIL;
	for (i = 0; i < n; i++) {
		if (asprintf(&paths[i], "%s/%s", dir, list[i]->d_name) < 0)
			return EX_FAIL;
		free(list[i]);
	}
	free(list);
	rc = add_files(repo, NULL, paths, (size_t)n);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

static int
cmd_publish(const char *repo)
{
	json_t *ans = call(json_pack("{s:s, s:s}", "cmd", "publish", "repo",
	    repo), NULL, 0), *s;
	char t[40];
	int rc;

	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	s = json_object_get(ans, "snapshot");
	printf("published %s: snapshot %lld (%s), %lld package(s), %lld "
	    "archived, in %.3fs\n", repo,
	    (long long)json_integer_value(json_object_get(s, "id")),
	    fmt_time(json_integer_value(json_object_get(s, "created")), t,
	    sizeof(t)),
	    (long long)json_integer_value(json_object_get(s, "packages")),
	    (long long)json_integer_value(json_object_get(s, "archived")),
	    json_real_value(json_object_get(s, "seconds")));
	json_decref(ans);
	return 0;
}

static int
cmd_snapshot(int argc, char **argv)
{
	struct table t = { NULL, 4, 0 };
	char a[32], b[32], c[32], d[40];
	json_t *ans, *s;
	long keep = -1;
	size_t i;
	int rc;

	if (argc == 3 && strcmp(argv[1], "list") == 0) {
		ans = call(json_pack("{s:s, s:s}", "cmd", "snapshot.list",
		    "repo", argv[2]), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		table_add(&t, "ID", "CREATED", "PACKAGES", "ARCHIVED");
		json_array_foreach(json_object_get(ans, "snapshots"), i, s)
			table_add(&t, fmt_int(json_object_get(s, "id"), a,
			    sizeof(a)), fmt_time(json_integer_value(
			    json_object_get(s, "created")), d, sizeof(d)),
			    fmt_int(json_object_get(s, "packages"), b, sizeof(b)),
			    fmt_int(json_object_get(s, "archived"), c,
			    sizeof(c)));
		table_print(&t);
		json_decref(ans);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "prune") == 0) {
		for (i = 3; i < (size_t)argc; i++) {
			char *e;

			if (strcmp(argv[i], "--keep") == 0 && i + 1 < (size_t)argc)
				keep = strtol(argv[++i], &e, 10);
			else
				usage();
			if (*e != '\0')
				usage();
		}
		if (keep < 0)
			usage();
		ans = call(json_pack("{s:s, s:s, s:I}", "cmd", "snapshot.prune",
		    "repo", argv[2], "keep", (json_int_t)keep), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		printf("pruned %lld snapshot(s) of %s\n", (long long)
		    json_integer_value(json_object_get(ans, "removed")), argv[2]);
		json_decref(ans);
		return 0;
	}
	usage();
}

static int
cmd_package(int argc, char **argv)
{
	struct table t = { NULL, 6, 0 };
	json_t *req, *ans, *p, *latest;
	const char *type;
	char sz[32];
	size_t i;
	int rc;

	if (argc < 3 || argc > 4 || strcmp(argv[1], "list") != 0)
		usage();
	req = json_pack("{s:s, s:s}", "cmd", "package.list", "repo", argv[2]);
	if (argc == 4)
		json_object_set_new(req, "snapshot", json_string(argv[3]));
	ans = call(req, NULL, 0);
	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	table_add(&t, "PACKAGE", "VERSION", "TYPE", "SIZE", "WHERE", "SHA256");
	json_array_foreach(json_object_get(ans, "packages"), i, p) {
		latest = json_object_get(p, "latest");
		type = json_string_value(json_object_get(p, "type"));
		table_add(&t, json_string_value(json_object_get(p, "package")),
		    json_string_value(json_object_get(p, "version")),
		    type ? type : "source", fmt_int(json_object_get(p, "size"), sz, sizeof(sz)),
		    latest == NULL ? "-" : json_is_true(latest) ? "current" :
		    "archive", json_string_value(json_object_get(p, "sha256")));
	}
	table_print(&t);
	json_decref(ans);
	return 0;
}

/*
 * A password, never from the command line: one line of stdin with
 * --password-stdin, else typed twice at the terminal without echo.
 */
static char *
read_password(int from_stdin)
{
	static char a[512], b[512];
	struct termios old, quiet;
	size_t n;

	if (from_stdin) {
		if (fgets(a, sizeof(a), stdin) == NULL) {
			fprintf(stderr, "airlockctl: no password on stdin\n");
			exit(EX_USAGE);
		}
		a[strcspn(a, "\r\n")] = '\0';
		if (a[0] == '\0') {
			fprintf(stderr, "airlockctl: empty password\n");
			exit(EX_USAGE);
		}
		return a;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "airlockctl: no terminal to ask for the "
		    "password: use --password-stdin\n");
		exit(EX_USAGE);
	}
	tcgetattr(STDIN_FILENO, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	fprintf(stderr, "Password: ");
	n = fgets(a, sizeof(a), stdin) != NULL;
	fprintf(stderr, "\nAgain: ");
	n = n && fgets(b, sizeof(b), stdin) != NULL;
	fprintf(stderr, "\n");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	a[strcspn(a, "\r\n")] = '\0';
	b[strcspn(b, "\r\n")] = '\0';
	if (!n || strcmp(a, b) != 0 || a[0] == '\0') {
		explicit_bzero(b, sizeof(b));
		fprintf(stderr, "airlockctl: the passwords differ or are "
		    "empty\n");
		exit(EX_USAGE);
	}
	explicit_bzero(b, sizeof(b));
	return a;
}

/* Prints "done" for a plain ok answer; the exit status. */
static int
simple(json_t *ans, const char *what, const char *arg)
{
	int rc;

	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	printf("%s %s\n", what, arg);
	json_decref(ans);
	return 0;
}

static int
cmd_user(int argc, char **argv)
{
	struct table t = { NULL, 6, 0 };
	const char *role = NULL;
	int pw_stdin = 0, pw_prompt = 0, rc;
	char a[32], b[40], c[40], g[1024];
	json_t *req, *ans, *u, *x;
	size_t i, j;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		ans = call(json_pack("{s:s}", "cmd", "user.list"), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		table_add(&t, "ID", "NAME", "ROLE", "LOCKED", "LAST LOGIN",
		    "GROUPS");
		json_array_foreach(json_object_get(ans, "users"), i, u) {
			g[0] = '\0';
			json_array_foreach(json_object_get(u, "groups"), j, x)
				snprintf(g + strlen(g), sizeof(g) - strlen(g),
				    "%s%s", j ? "," : "", json_string_value(x));
			table_add(&t, fmt_int(json_object_get(u, "id"), a,
			    sizeof(a)), json_string_value(json_object_get(u,
			    "name")), json_string_value(json_object_get(u,
			    "role")), json_is_true(json_object_get(u,
			    "locked")) ? "yes" : "no",
			    json_is_integer(json_object_get(u, "last_login")) ?
			    fmt_time(json_integer_value(json_object_get(u,
			    "last_login")), b, sizeof(b)) : "never", g);
		}
		table_print(&t);
		(void)c;
		json_decref(ans);
		return 0;
	}
	if (argc < 3)
		usage();
	if (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "edit") == 0) {
		for (i = 3; i < (size_t)argc; i++) {
			if (strcmp(argv[i], "--role") == 0 && i + 1 < (size_t)argc)
				role = argv[++i];
			else if (strcmp(argv[i], "--admin") == 0)
				role = "admin";
			else if (strcmp(argv[i], "--password-stdin") == 0)
				pw_stdin = 1;
			else if (strcmp(argv[i], "--password") == 0)
				pw_prompt = 1;
			else
				usage();
		}
		req = json_pack("{s:s, s:s}", "cmd", argv[1][0] == 'a' ?
		    "user.add" : "user.edit", "name", argv[2]);
		if (role != NULL)
			json_object_set_new(req, "role", json_string(role));
		/* A new user gets a password when there is a way to ask. */
		if (pw_stdin || pw_prompt || (argv[1][0] == 'a' &&
		    isatty(STDIN_FILENO))) {
			char *pw = read_password(pw_stdin);

			json_object_set_new(req, "password", json_string(pw));
			explicit_bzero(pw, strlen(pw));
		}
		ans = call(req, NULL, 0);
		return simple(ans, argv[1][0] == 'a' ? "added user" :
		    "changed user", argv[2]);
	}
	if (argc == 3 && (strcmp(argv[1], "lock") == 0 ||
	    strcmp(argv[1], "unlock") == 0 || strcmp(argv[1], "remove") == 0)) {
		snprintf(b, sizeof(b), "user.%s", argv[1]);
		ans = call(json_pack("{s:s, s:s}", "cmd", b, "name", argv[2]),
		    NULL, 0);
		snprintf(c, sizeof(c), "%s user", argv[1][0] == 'l' ?
		    "locked" : argv[1][0] == 'u' ? "unlocked" : "removed");
		return simple(ans, c, argv[2]);
	}
	usage();
}

static int
cmd_group(int argc, char **argv)
{
	struct table t = { NULL, 2, 0 };
	char cmd[40], m[2048];
	json_t *ans, *g, *x;
	size_t i, j;
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		ans = call(json_pack("{s:s}", "cmd", "group.list"), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		table_add(&t, "GROUP", "MEMBERS");
		json_array_foreach(json_object_get(ans, "groups"), i, g) {
			m[0] = '\0';
			json_array_foreach(json_object_get(g, "members"), j, x)
				snprintf(m + strlen(m), sizeof(m) - strlen(m),
				    "%s%s", j ? "," : "", json_string_value(x));
			table_add(&t, json_string_value(json_object_get(g,
			    "name")), m);
		}
		table_print(&t);
		json_decref(ans);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "members") == 0) {
		ans = call(json_pack("{s:s, s:s}", "cmd", "group.members",
		    "name", argv[2]), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		json_array_foreach(json_object_get(ans, "members"), i, x)
			printf("%s\n", json_string_value(x));
		json_decref(ans);
		return 0;
	}
	if (argc == 3 && (strcmp(argv[1], "add") == 0 ||
	    strcmp(argv[1], "remove") == 0)) {
		snprintf(cmd, sizeof(cmd), "group.%s", argv[1]);
		ans = call(json_pack("{s:s, s:s}", "cmd", cmd, "name", argv[2]),
		    NULL, 0);
		return simple(ans, argv[1][0] == 'a' ? "added group" :
		    "removed group", argv[2]);
	}
	if (argc == 4 && (strcmp(argv[1], "add-member") == 0 ||
	    strcmp(argv[1], "remove-member") == 0)) {
		snprintf(cmd, sizeof(cmd), "group.%s", argv[1]);
		ans = call(json_pack("{s:s, s:s, s:s}", "cmd", cmd, "name",
		    argv[2], "user", argv[3]), NULL, 0);
		return simple(ans, "done:", argv[1]);
	}
	usage();
}

static int
cmd_token(int argc, char **argv)
{
	struct table t = { NULL, 7, 0 };
	const char *user = NULL, *scope = "repos:read", *label = "";
	char repos[1024] = "", a[32], b[40], c[40];
	json_int_t expires = 0;
	json_t *req, *ans, *x;
	size_t i;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		req = json_pack("{s:s}", "cmd", "token.list");
		if (argc == 4 && strcmp(argv[2], "--user") == 0)
			json_object_set_new(req, "user", json_string(argv[3]));
		else if (argc != 2)
			usage();
		ans = call(req, NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		table_add(&t, "ID", "USER", "SCOPE", "REPOSITORIES", "LABEL",
		    "EXPIRES", "LAST USED");
		json_array_foreach(json_object_get(ans, "tokens"), i, x) {
			const char *r = json_string_value(json_object_get(x,
			    "repos"));

			table_add(&t, fmt_int(json_object_get(x, "id"), a,
			    sizeof(a)), json_string_value(json_object_get(x,
			    "user")), json_string_value(json_object_get(x,
			    "scope")), r && *r ? r : "all",
			    json_string_value(json_object_get(x, "label")),
			    json_is_integer(json_object_get(x, "expires")) ?
			    fmt_time(json_integer_value(json_object_get(x,
			    "expires")), b, sizeof(b)) : "never",
			    json_is_integer(json_object_get(x, "last_used")) ?
			    fmt_time(json_integer_value(json_object_get(x,
			    "last_used")), c, sizeof(c)) : "never");
		}
		table_print(&t);
		json_decref(ans);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "revoke") == 0) {
		char *e;
		long long id = strtoll(argv[2], &e, 10);

		if (*e != '\0' || id <= 0)
			usage();
		ans = call(json_pack("{s:s, s:I}", "cmd", "token.revoke", "id",
		    (json_int_t)id), NULL, 0);
		return simple(ans, "revoked token", argv[2]);
	}
	if (strcmp(argv[1], "create") != 0)
		usage();
	for (i = 2; i < (size_t)argc; i++) {
		if (i + 1 >= (size_t)argc)
			usage();
		if (strcmp(argv[i], "--user") == 0)
			user = argv[++i];
		else if (strcmp(argv[i], "--scope") == 0)
			scope = argv[++i];
		else if (strcmp(argv[i], "--label") == 0)
			label = argv[++i];
		else if (strcmp(argv[i], "--repo") == 0) {
			i++;
			snprintf(repos + strlen(repos), sizeof(repos) -
			    strlen(repos), "%s%s", repos[0] ? "," : "", argv[i]);
		} else if (strcmp(argv[i], "--expires") == 0) {
			long d;

			i++;
			if (strcmp(argv[i], "never") == 0)
				expires = 0;
			else if ((d = conf_parse_duration(argv[i])) > 0)
				expires = d;
			else {
				fprintf(stderr, "airlockctl: --expires takes a "
				    "duration (30d, 12h) or never\n");
				return EX_USAGE;
			}
		} else
			usage();
	}
	if (user == NULL)
		usage();
	ans = call(json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "cmd",
	    "token.create", "user", user, "scope", scope, "repos", repos,
	    "label", label, "expires", expires), NULL, 0);
	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	/* The only time anyone sees it. */
	printf("%s\n", json_string_value(json_object_get(ans, "token")));
	fprintf(stderr, "token %lld for %s: store it now, it is not shown "
	    "again\n", (long long)json_integer_value(json_object_get(ans,
	    "id")), user);
	json_decref(ans);
	return 0;
}

static int
cmd_audit(int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *fmt = NULL;
	json_t *req, *ans;
	size_t i;
	int rc;

	if (argc == 2 && strcmp(argv[1], "verify") == 0) {
		ans = call(json_pack("{s:s}", "cmd", "audit.verify"), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		if (json_is_true(json_object_get(ans, "intact"))) {
			printf("audit trail intact: %lld record(s) verified\n",
			    (long long)json_integer_value(json_object_get(ans,
			    "records")));
			rc = 0;
		} else {
			printf("audit trail BROKEN: %s\n", json_string_value(
			    json_object_get(ans, "problem")));
			rc = EX_FAIL;
		}
		json_decref(ans);
		return rc;
	}
	if (strcmp(argv[1], "dump") != 0)
		usage();
	for (i = 2; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--csvlog") == 0)
			fmt = "csv";
		else if (strcmp(argv[i], "--jsonlog") == 0)
			fmt = "json";
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < (size_t)argc)
			since = argv[++i];
		else if (strcmp(argv[i], "--until") == 0 && i + 1 < (size_t)argc)
			until = argv[++i];
		else
			usage();
	}
	if (fmt == NULL)
		usage();
	req = json_pack("{s:s, s:s}", "cmd", "audit.dump", "format", fmt);
	if (since != NULL)
		json_object_set_new(req, "since", json_string(since));
	if (until != NULL)
		json_object_set_new(req, "until", json_string(until));
	ans = call(req, NULL, 0);
	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	fputs(json_string_value(json_object_get(ans, "text")), stdout);
	json_decref(ans);
	return 0;
}

/* A whole small file: the requirements list. */
static char *
slurp(const char *path)
{
	char *b = NULL, *nb;
	size_t n = 0, cap = 0, k;
	FILE *f;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "airlockctl: %s: %s\n", path, strerror(errno));
		exit(EX_USAGE);
	}
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > (1 << 20) + 8192 ||
			    (nb = realloc(b, cap)) == NULL) {
				fprintf(stderr, "airlockctl: %s: too large\n",
				    path);
				exit(EX_USAGE);
			}
			b = nb;
		}
		k = fread(b + n, 1, 4096, f);
		n += k;
	} while (k > 0);
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	if (strlen(b) != n) {
		fprintf(stderr, "airlockctl: %s: not a text file\n", path);
		exit(EX_USAGE);
	}
	return b;
}

static int
cmd_curate(int argc, char **argv)
{
	struct table t = { NULL, 5, 0 };
	const char *file = NULL, *snap = NULL;
	int update = 0, commit = 0, rc;
	json_t *req, *ans, *chg;
	char *text = NULL;
	size_t i;

	for (i = 2; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--file") == 0 && i + 1 < (size_t)argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--snapshot") == 0 &&
		    i + 1 < (size_t)argc)
			snap = argv[++i];
		else if (strcmp(argv[i], "--update") == 0)
			update = 1;
		else if (strcmp(argv[i], "--commit") == 0)
			commit = 1;
		else
			usage();
	}
	if ((file == NULL) == !update)
		usage();
	req = json_pack("{s:s, s:s, s:b, s:b}", "cmd", "curate", "repo",
	    argv[1], "update", update, "commit", commit);
	if (file != NULL) {
		text = slurp(file);
		json_object_set_new(req, "requirements", json_string(text));
		free(text);
	}
	if (snap != NULL)
		json_object_set_new(req, "snapshot", json_string(snap));
	ans = call(req, NULL, 0);
	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	table_add(&t, "CHANGE", "PACKAGE", "OLD", "NEW", "WHY");
	json_array_foreach(json_object_get(ans, "changes"), i, chg) {
		const char *note = json_string_value(json_object_get(chg,
		    "note"));
		char why[1200];

		snprintf(why, sizeof(why), "%s%s%s",
		    json_string_value(json_object_get(chg, "why")) ?
		    json_string_value(json_object_get(chg, "why")) : "",
		    note ? "; " : "", note ? note : "");
		table_add(&t, json_string_value(json_object_get(chg, "change")),
		    json_string_value(json_object_get(chg, "package")),
		    *json_string_value(json_object_get(chg, "old")) ?
		    json_string_value(json_object_get(chg, "old")) : "-",
		    *json_string_value(json_object_get(chg, "new")) ?
		    json_string_value(json_object_get(chg, "new")) : "-", why);
	}
	table_print(&t);
	printf("%s against %s snapshot %lld: %lld added, %lld removed, %lld "
	    "upgraded, %lld downgraded\n", argv[1],
	    json_string_value(json_object_get(ans, "mirror")),
	    (long long)json_integer_value(json_object_get(ans, "snapshot")),
	    (long long)json_integer_value(json_object_get(ans, "added")),
	    (long long)json_integer_value(json_object_get(ans, "removed")),
	    (long long)json_integer_value(json_object_get(ans, "upgraded")),
	    (long long)json_integer_value(json_object_get(ans, "downgraded")));
	if (json_is_true(json_object_get(ans, "committed")))
		printf("committed: published snapshot %lld of %s\n",
		    (long long)json_integer_value(json_object_get(ans,
		    "published")), argv[1]);
	else
		printf("dry run: nothing changed (add --commit to apply "
		    "exactly this)\n");
	json_decref(ans);
	return 0;
}

static int
cmd_block(int argc, char **argv)
{
	struct table t = { NULL, 6, 0 };
	const char *pkg = NULL, *vers = NULL, *repo = NULL, *reason = NULL;
	char a[32], d[40];
	json_t *req, *ans, *b;
	size_t i;
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		ans = call(json_pack("{s:s}", "cmd", "block.list"), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		table_add(&t, "ID", "PACKAGE", "VERSIONS", "REPOSITORY",
		    "CREATED", "REASON");
		json_array_foreach(json_object_get(ans, "blocks"), i, b) {
			const char *v = json_string_value(json_object_get(b,
			    "versions"));
			const char *r = json_string_value(json_object_get(b,
			    "repo"));

			table_add(&t, fmt_int(json_object_get(b, "id"), a,
			    sizeof(a)), json_string_value(json_object_get(b,
			    "package")), v && *v ? v : "all", r ? r : "all",
			    fmt_time(json_integer_value(json_object_get(b,
			    "created")), d, sizeof(d)),
			    json_string_value(json_object_get(b, "reason")));
		}
		table_print(&t);
		json_decref(ans);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		char *e;
		long long id = strtoll(argv[2], &e, 10);

		if (*e != '\0' || id <= 0)
			usage();
		ans = call(json_pack("{s:s, s:I}", "cmd", "block.remove", "id",
		    (json_int_t)id), NULL, 0);
		return simple(ans, "removed block rule", argv[2]);
	}
	if (argc >= 4 && strcmp(argv[1], "test") == 0) {
		req = json_pack("{s:s, s:s, s:s}", "cmd", "block.test",
		    "package", argv[2], "version", argv[3]);
		if (argc == 6 && strcmp(argv[4], "--repo") == 0)
			json_object_set_new(req, "repo", json_string(argv[5]));
		else if (argc != 4)
			usage();
		ans = call(req, NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		if (json_is_true(json_object_get(ans, "blocked")))
			printf("%s %s is blocked by rule %lld (%s): %s\n",
			    argv[2], argv[3], (long long)json_integer_value(
			    json_object_get(ans, "rule")), json_string_value(
			    json_object_get(ans, "versions")),
			    json_string_value(json_object_get(ans, "reason")));
		else
			printf("%s %s is not blocked\n", argv[2], argv[3]);
		json_decref(ans);
		return 0;
	}
	if (strcmp(argv[1], "add") != 0)
		usage();
	for (i = 2; i < (size_t)argc; i++) {
		if (i + 1 >= (size_t)argc)
			usage();
		if (strcmp(argv[i], "--package") == 0)
			pkg = argv[++i];
		else if (strcmp(argv[i], "--versions") == 0)
			vers = argv[++i];
		else if (strcmp(argv[i], "--repo") == 0)
			repo = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0)
			reason = argv[++i];
		else
			usage();
	}
	if (pkg == NULL || reason == NULL)
		usage();
	req = json_pack("{s:s, s:s, s:s}", "cmd", "block.add", "package", pkg,
	    "reason", reason);
	if (vers != NULL)
		json_object_set_new(req, "versions", json_string(vers));
	if (repo != NULL)
		json_object_set_new(req, "repo", json_string(repo));
	ans = call(req, NULL, 0);
	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	printf("block rule %lld: %s %s in %s\n", (long long)
	    json_integer_value(json_object_get(ans, "id")), pkg,
	    vers ? vers : "(every version)", repo ? repo : "every repository");
	json_decref(ans);
	return 0;
}

static void
window_rows(json_t *list)
{
	struct table t = { NULL, 7, 0 };
	char a[32], b[40], c[40];
	json_t *w;
	size_t i;

	table_add(&t, "ID", "STATE", "START", "END", "OPENED BY", "APPROVED BY",
	    "REASON");
	json_array_foreach(list, i, w) {
		const char *ap = json_string_value(json_object_get(w,
		    "approved_by"));
		const char *er = json_string_value(json_object_get(w,
		    "end_reason"));
		char reason[600];

		snprintf(reason, sizeof(reason), "%s%s%s%s",
		    json_string_value(json_object_get(w, "reason")),
		    er ? " [" : "", er ? er : "", er ? "]" : "");
		table_add(&t, fmt_int(json_object_get(w, "id"), a, sizeof(a)),
		    json_string_value(json_object_get(w, "state")),
		    fmt_time(json_integer_value(json_object_get(w, "start")), b,
		    sizeof(b)), fmt_time(json_integer_value(json_object_get(w,
		    "end")), c, sizeof(c)), json_string_value(json_object_get(w,
		    "opened_by")), ap ? ap : "-", reason);
	}
	table_print(&t);
}

static int
cmd_sync(int argc, char **argv)
{
	const char *reason = NULL;
	json_t *req, *ans;
	long secs = -1;
	size_t i;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "status") == 0 ||
	    strcmp(argv[1], "history") == 0)) {
		ans = call(json_pack("{s:s}", "cmd", argv[1][0] == 's' ?
		    "sync.status" : "sync.history"), NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		if (argv[1][0] == 's') {
			const char *k;
			json_t *p, *e;

			printf("sync process: %s\n", json_is_true(
			    json_object_get(ans, "sync_running")) ? "running" :
			    "none");
			json_object_foreach(json_object_get(ans, "progress"), k,
			    p) {
				printf("%s: %s, %lld/%lld files, %lld/%lld bytes, "
				    "%lld KB/s, ETA %llds\n",
				    k, json_string_value(json_object_get(p,
				    "state")), (long long)json_integer_value(
				    json_object_get(p, "files_done")),
				    (long long)json_integer_value(json_object_get(p,
				    "files_total")), (long long)json_integer_value(
				    json_object_get(p, "bytes_done")),
				    (long long)json_integer_value(json_object_get(p,
				    "bytes_total")), (long long)json_integer_value(
				    json_object_get(p, "rate")) / 1024,
				    (long long)json_integer_value(json_object_get(p,
				    "eta")));
				json_array_foreach(json_object_get(p, "errors"),
				    i, e)
					printf("  %s: %s\n", json_string_value(
					    json_object_get(e, "file")),
					    json_string_value(json_object_get(e,
					    "error")));
			}
		}
		window_rows(json_object_get(ans, "windows"));
		json_decref(ans);
		return 0;
	}
	if ((argc == 3 && strcmp(argv[1], "approve") == 0) ||
	    ((argc == 2 || argc == 3) && strcmp(argv[1], "close") == 0)) {
		req = json_pack("{s:s}", "cmd", argv[1][0] == 'a' ?
		    "sync.approve" : "sync.close");
		if (argc == 3) {
			char *e;
			long long id = strtoll(argv[2], &e, 10);

			if (*e != '\0' || id <= 0)
				usage();
			json_object_set_new(req, "id", json_integer(id));
		}
		ans = call(req, NULL, 0);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		printf("%s window %lld\n", argv[1][0] == 'a' ? "approved" :
		    "closed", (long long)json_integer_value(json_object_get(ans,
		    "id")));
		json_decref(ans);
		return 0;
	}
	if (strcmp(argv[1], "open") != 0)
		usage();
	for (i = 2; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--for") == 0 && i + 1 < (size_t)argc) {
			if ((secs = conf_parse_duration(argv[++i])) <= 0) {
				fprintf(stderr, "airlockctl: --for takes a "
				    "duration (90m, 2h)\n");
				return EX_USAGE;
			}
		} else if (strcmp(argv[i], "--reason") == 0 &&
		    i + 1 < (size_t)argc)
			reason = argv[++i];
		else
			usage();
	}
	if (secs < 0 || reason == NULL)
		usage();
	ans = call(json_pack("{s:s, s:I, s:s}", "cmd", "sync.open", "for",
	    (json_int_t)secs, "reason", reason), NULL, 0);
	if ((rc = check(ans)) != 0 || json_out)
		return rc ? rc : print_json(ans);
	printf("window %lld %s\n", (long long)json_integer_value(
	    json_object_get(ans, "id")), json_is_true(json_object_get(ans,
	    "pending")) ? "waiting for another admin's approval (airlockctl "
	    "sync approve)" : "open");
	json_decref(ans);
	return 0;
}

static int
cmd_bundle(int argc, char **argv)
{
	const char *since = NULL, *repo = NULL;
	char err[512];
	json_t *req, *ans;
	int fd, rc, i;

	if (argc == 4 && strcmp(argv[1], "keygen") == 0) {
		/* Local: the key never goes near airlockd's socket. */
		if (bundle_keygen(argv[2], argv[3], err, sizeof(err)) != 0) {
			fprintf(stderr, "airlockctl: %s\n", err);
			return EX_FAIL;
		}
		printf("wrote %s (keep it secret) and %s (give it to the "
		    "importing hosts' bundle.trusted_keys)\n", argv[2], argv[3]);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "export") == 0) {
		for (i = 3; i < argc - 1; i++)
			if (strcmp(argv[i], "--since") == 0 && i + 1 < argc - 1)
				since = argv[++i];
			else
				usage();
		if ((fd = open(argv[argc - 1], O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0644)) == -1) {
			fprintf(stderr, "airlockctl: %s: %s\n", argv[argc - 1],
			    strerror(errno));
			return EX_USAGE;
		}
		req = json_pack("{s:s, s:s}", "cmd", "bundle.export", "repo",
		    argv[2]);
		if (since != NULL)
			json_object_set_new(req, "since", json_string(since));
		ans = call(req, &fd, 1);
		close(fd);
		if ((rc = check(ans)) != 0) {
			unlink(argv[argc - 1]);	/* half a bundle is none */
			return rc;
		}
		if (json_out)
			return print_json(ans);
		printf("exported %lld file(s) of %s snapshot %lld to %s\n",
		    (long long)json_integer_value(json_object_get(ans, "files")),
		    argv[2], (long long)json_integer_value(json_object_get(ans,
		    "snapshot")), argv[argc - 1]);
		json_decref(ans);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "import") == 0) {
		for (i = 3; i < argc; i++)
			if (strcmp(argv[i], "--repo") == 0 && i + 1 < argc)
				repo = argv[++i];
			else
				usage();
		if ((fd = open(argv[2], O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "airlockctl: %s: %s\n", argv[2],
			    strerror(errno));
			return EX_USAGE;
		}
		req = json_pack("{s:s}", "cmd", "bundle.import");
		if (repo != NULL)
			json_object_set_new(req, "repo", json_string(repo));
		ans = call(req, &fd, 1);
		close(fd);
		if ((rc = check(ans)) != 0 || json_out)
			return rc ? rc : print_json(ans);
		printf("imported into %s: %lld added, %lld already present; "
		    "published snapshot %lld\n", json_string_value(
		    json_object_get(ans, "repo")), (long long)json_integer_value(
		    json_object_get(ans, "added")), (long long)
		    json_integer_value(json_object_get(ans, "present")),
		    (long long)json_integer_value(json_object_get(ans,
		    "snapshot")));
		json_decref(ans);
		return 0;
	}
	usage();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = AIRLOCK_CONF_FILE;
	struct airlock_conf *conf;
	char err[512];
	char **over;
	int ch_, nover = 0, i, rc;

	log_init("airlockctl", LOG_LVL_WARN);
	if ((over = calloc((size_t)argc, sizeof(*over))) == NULL)
		return EX_FAIL;
	/* Options before the command only: "+" stops at the first word. */
	while ((ch_ = getopt_long(argc, argv, "+f:o:", longopts, NULL)) != -1) {
		switch (ch_) {
		case 'f':
			path = optarg;
			break;
		case 'o':
			over[nover++] = optarg;
			break;
		case 'j':
			json_out = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	/* --json may also come after the command. */
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0) {
			json_out = 1;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) *
			    sizeof(*argv));
			argc--;
			i--;
		}
	if (argc < 1)
		usage();
	/* Local: neither airlockd nor its configuration is needed. */
	if (argc >= 2 && strcmp(argv[0], "bundle") == 0 &&
	    strcmp(argv[1], "keygen") == 0)
		return cmd_bundle(argc, argv);
	if ((conf = conf_new()) == NULL ||
	    conf_load_file(conf, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "airlockctl: %s\n", conf ? err : "out of memory");
		return EX_USAGE;
	}
	for (i = 0; i < nover; i++)
		if (conf_override(conf, over[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "airlockctl: %s\n", err);
			return EX_USAGE;
		}
	if (strcmp(argv[0], "repo") != 0 && strcmp(argv[0], "add") != 0 &&
	    strcmp(argv[0], "import") != 0 && strcmp(argv[0], "publish") != 0 &&
	    strcmp(argv[0], "snapshot") != 0 && strcmp(argv[0], "package") != 0 &&
	    strcmp(argv[0], "user") != 0 && strcmp(argv[0], "group") != 0 &&
	    strcmp(argv[0], "token") != 0 && strcmp(argv[0], "audit") != 0 &&
	    strcmp(argv[0], "curate") != 0 && strcmp(argv[0], "block") != 0 &&
	    strcmp(argv[0], "sync") != 0 && strcmp(argv[0], "bundle") != 0)
		usage();
	if (argc < 2 && (strcmp(argv[0], "user") == 0 ||
	    strcmp(argv[0], "group") == 0 || strcmp(argv[0], "token") == 0 ||
	    strcmp(argv[0], "audit") == 0 || strcmp(argv[0], "curate") == 0 ||
	    strcmp(argv[0], "block") == 0 || strcmp(argv[0], "sync") == 0 ||
	    strcmp(argv[0], "bundle") == 0))
		usage();
	if ((strcmp(argv[0], "add") == 0 && argc < 3) ||
	    (strcmp(argv[0], "import") == 0 && argc != 3) ||
	    (strcmp(argv[0], "publish") == 0 && argc != 2) ||
	    (strcmp(argv[0], "repo") == 0 && argc < 2) ||
	    (strcmp(argv[0], "snapshot") == 0 && argc < 3) ||
	    (strcmp(argv[0], "package") == 0 && argc < 3))
		usage();
	connect_master(conf);
	if (strcmp(argv[0], "repo") == 0)
		rc = cmd_repo(argc, argv);
	else if (strcmp(argv[0], "add") == 0 && strcmp(argv[2], "--type") == 0) {
		if (argc < 5)
			usage();
		rc = add_files(argv[1], argv[3], argv + 4, (size_t)argc - 4);
	} else if (strcmp(argv[0], "add") == 0)
		rc = add_files(argv[1], NULL, argv + 2, (size_t)argc - 2);
	else if (strcmp(argv[0], "import") == 0)
		rc = cmd_import(argv[1], argv[2]);
	else if (strcmp(argv[0], "publish") == 0)
		rc = cmd_publish(argv[1]);
	else if (strcmp(argv[0], "snapshot") == 0)
		rc = cmd_snapshot(argc, argv);
	else if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(argc, argv);
	else if (strcmp(argv[0], "group") == 0)
		rc = cmd_group(argc, argv);
	else if (strcmp(argv[0], "token") == 0)
		rc = cmd_token(argc, argv);
	else if (strcmp(argv[0], "audit") == 0)
		rc = cmd_audit(argc, argv);
	else if (strcmp(argv[0], "curate") == 0)
		rc = cmd_curate(argc, argv);
	else if (strcmp(argv[0], "block") == 0)
		rc = cmd_block(argc, argv);
	else if (strcmp(argv[0], "sync") == 0)
		rc = cmd_sync(argc, argv);
	else if (strcmp(argv[0], "bundle") == 0)
		rc = cmd_bundle(argc, argv);
	else
		rc = cmd_package(argc, argv);
	conf_free(conf);
	free(over);
	return rc;
}
