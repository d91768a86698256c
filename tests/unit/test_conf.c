/*
 * conf.c: defaults, the file and -o syntax, every kind of error with the
 * file, line and key it names, conf_check, and the two round trips the
 * master relies on (dump → load for airlockd -T, pack → unpack for IPC).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "test.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static char err[1024];

/* A fresh configuration with text loaded over the defaults; NULL on error. */
static struct airlock_conf *
load(const char *text)
{
	struct airlock_conf *c = conf_new();

	err[0] = '\0';
	if (c == NULL)
		return NULL;
	if (conf_load_string(c, text, "t.conf", err, sizeof(err)) != 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* The load fails and the message holds every one of want (NULL-ended). */
static int
load_fails(const char *text, const char *want1, const char *want2)
{
	struct airlock_conf *c;

	if ((c = load(text)) != NULL) {
		conf_free(c);
		fprintf(stderr, "  loaded, expected an error: %s\n", text);
		return 0;
	}
	if ((want1 && strstr(err, want1) == NULL) ||
	    (want2 && strstr(err, want2) == NULL)) {
		fprintf(stderr, "  got \"%s\", want \"%s\" \"%s\"\n", err,
		    want1 ? want1 : "", want2 ? want2 : "");
		return 0;
	}
	return 1;
}

static int
override(struct airlock_conf *c, const char *kv)
{
	err[0] = '\0';
	return conf_override(c, kv, err, sizeof(err));
}

/* The override fails, names kv, says want, and leaves c as it was. */
static int
override_fails(const char *kv, const char *want)
{
	struct airlock_conf *c = conf_new(), *d = conf_new();
	struct buf a, b;
	int ok;

	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	ok = c != NULL && d != NULL && override(c, kv) == -1 &&
	    strncmp(err, "-o ", 3) == 0 && strstr(err, want) != NULL &&
	    conf_pack(c, &a) == 0 && conf_pack(d, &b) == 0 &&
	    a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
	if (!ok)
		fprintf(stderr, "  -o %s: got \"%s\", want \"%s\"\n", kv, err,
		    want);
	buf_release(&a);
	buf_release(&b);
	conf_free(c);
	conf_free(d);
	return ok;
}

static int
list_eq(const struct strlist *a, const struct strlist *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static int
conf_eq(const struct airlock_conf *a, const struct airlock_conf *b)
{
	return strcmp(a->data_dir, b->data_dir) == 0 &&
	    a->workers == b->workers &&
	    strcmp(a->user, b->user) == 0 &&
	    strcmp(a->address, b->address) == 0 &&
	    strcmp(a->server_name, b->server_name) == 0 &&
	    a->hide_version == b->hide_version &&
	    a->shutdown_timeout == b->shutdown_timeout &&
	    strcmp(a->log_level, b->log_level) == 0 &&
	    list_eq(&a->listen, &b->listen) &&
	    strcmp(a->static_dir, b->static_dir) == 0 &&
	    a->max_connections == b->max_connections &&
	    a->max_request_line == b->max_request_line &&
	    a->max_header_size == b->max_header_size &&
	    a->max_headers == b->max_headers &&
	    a->max_body_size == b->max_body_size &&
	    a->header_timeout == b->header_timeout &&
	    a->idle_timeout == b->idle_timeout &&
	    a->body_timeout == b->body_timeout &&
	    a->send_timeout == b->send_timeout &&
	    a->access_log == b->access_log;
}

/* conf_dump's output as a string (caller frees). */
static char *
dump(const struct airlock_conf *c)
{
	FILE *f = tmpfile();
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	conf_dump(c, fileno(f));
	if ((n = lseek(fileno(f), 0, SEEK_END)) < 0 ||
	    lseek(fileno(f), 0, SEEK_SET) != 0 ||
	    (s = calloc(1, (size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (read(fileno(f), s, (size_t)n) != n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* A configuration with every key away from its default. */
static const char full[] =
    "# every key, none at its default\n"
    "server = {\n"
    "\tdata_dir = \"/srv/airlock\";\n"
    "\tworkers = 8;\n"
    "\tuser = \"_airlock\";\n"
    "\taddress = \"https://cran.example.org/\";\n"
    "\tserver_name = \"mirror (internal)\";\n"
    "\thide_version = true;\n"
    "\tshutdown_timeout = \"2m\";\n"
    "\tlog_level = \"debug\";\n"
    "};\n"
    "http = {\n"
    "\tlisten = [ \"0.0.0.0:80\", \"[::]:80\", \":8443\","
    " \"cran.example.org:8080\" ];\n"
    "\tstatic_dir = \"/srv/www\";\n"
    "\tmax_connections = 5000;\n"
    "\tmax_request_line = 4096;\n"
    "\tmax_header_size = \"32k\";\n"
    "\tmax_headers = 100;\n"
    "\tmax_body_size = \"1g\";\n"
    "\theader_timeout = 5;\n"
    "\tidle_timeout = \"1h\";\n"
    "\tbody_timeout = \"45s\";\n"
    "\tsend_timeout = \"1d\";\n"
    "\taccess_log = true;\n"
    "};\n";

static void
test_defaults(void)
{
	struct airlock_conf *c = conf_new();

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(strcmp(c->data_dir, AIRLOCK_DATA_DIR) == 0);
	CHECK(c->workers == 2);
	CHECK(strcmp(c->user, "airlock") == 0);
	CHECK(strcmp(c->address, "") == 0);
	CHECK(strcmp(c->server_name, "airlock") == 0);
	CHECK(c->hide_version == 0);
	CHECK(c->shutdown_timeout == 10);
	CHECK(strcmp(c->log_level, "info") == 0);
	CHECK(c->listen.n == 1 &&
	    strcmp(c->listen.v[0], "127.0.0.1:8080") == 0);
	CHECK(strcmp(c->static_dir, "") == 0);
	CHECK(c->max_connections == 1024);
	CHECK(c->max_request_line == 8192);
	CHECK(c->max_header_size == 16384);
	CHECK(c->max_headers == 64);
	CHECK(c->max_body_size == 1048576);
	CHECK(c->header_timeout == 10);
	CHECK(c->idle_timeout == 60);
	CHECK(c->body_timeout == 30);
	CHECK(c->send_timeout == 60);
	CHECK(c->access_log == 0);
	CHECK(conf_check(c, err, sizeof(err)) == 0);
	conf_free(c);
	conf_free(NULL);
}

static void
test_parse_duration(void)
{
	static const char *bad[] = { "", "s", "-1", "+1", "1x", "1 s", " 1",
	    "1S", "1.5h", "1ss", "1dd", "0x10", "99999999999999999999",
	    "9999999999999999999d", "1d ", NULL };
	size_t i;

	CHECK(conf_parse_duration("90") == 90);
	CHECK(conf_parse_duration("90s") == 90);
	CHECK(conf_parse_duration("30m") == 1800);
	CHECK(conf_parse_duration("12h") == 43200);
	CHECK(conf_parse_duration("7d") == 604800);
	CHECK(conf_parse_duration("0") == 0);
	CHECK(conf_parse_duration("007s") == 7);
	CHECK(conf_parse_duration(NULL) == -1);
	for (i = 0; bad[i] != NULL; i++) {
		if (conf_parse_duration(bad[i]) != -1) {
			fprintf(stderr, "  \"%s\" parsed\n", bad[i]);
			CHECK(conf_parse_duration(bad[i]) == -1);
		}
	}
}

static void
test_full_file(void)
{
	struct airlock_conf *c = load(full);

	CHECK(c != NULL);
	if (c == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK(strcmp(c->data_dir, "/srv/airlock") == 0);
	CHECK(c->workers == 8);
	CHECK(strcmp(c->user, "_airlock") == 0);
	CHECK(strcmp(c->address, "https://cran.example.org/") == 0);
	CHECK(strcmp(c->server_name, "mirror (internal)") == 0);
	CHECK(c->hide_version == 1);
	CHECK(c->shutdown_timeout == 120);
	CHECK(strcmp(c->log_level, "debug") == 0);
	CHECK(c->listen.n == 4);
	CHECK(c->listen.n == 4 && strcmp(c->listen.v[0], "0.0.0.0:80") == 0 &&
	    strcmp(c->listen.v[1], "[::]:80") == 0 &&
	    strcmp(c->listen.v[2], ":8443") == 0 &&
	    strcmp(c->listen.v[3], "cran.example.org:8080") == 0);
	CHECK(strcmp(c->static_dir, "/srv/www") == 0);
	CHECK(c->max_connections == 5000);
	CHECK(c->max_request_line == 4096);
	CHECK(c->max_header_size == 32768);
	CHECK(c->max_headers == 100);
	CHECK(c->max_body_size == 1073741824);
	CHECK(c->header_timeout == 5);
	CHECK(c->idle_timeout == 3600);
	CHECK(c->body_timeout == 45);
	CHECK(c->send_timeout == 86400);
	CHECK(c->access_log == 1);
	CHECK(conf_check(c, err, sizeof(err)) == 0);
	conf_free(c);

	/* Empty text, comments only, a list written as ( ), no newline. */
	c = load("");
	CHECK(c != NULL);
	conf_free(c);
	c = load("/* nothing */ // here\n# at all");
	CHECK(c != NULL);
	conf_free(c);
	c = load("http: { listen = ( \"[::1]:80\" ) };  # last line");
	CHECK(c != NULL && c->listen.n == 1);
	conf_free(c);
	c = load("http = { listen = []; };");
	CHECK(c != NULL && c->listen.n == 0);
	if (c != NULL)
		CHECK(conf_check(c, err, sizeof(err)) == 0);
	conf_free(c);
}

static void
test_unknown(void)
{
	CHECK(load_fails("server = {\n  workers = 2;\n  wrokers = 3;\n};\n",
	    "t.conf:3: server.wrokers: unknown setting", NULL));
	CHECK(load_fails("server = {\n};\n\n\ntls = {\n  x = 1;\n};\n",
	    "t.conf:5: tls: unknown setting", NULL));
	CHECK(load_fails("\nworkers = 2;\n",
	    "t.conf:2: workers: unknown setting", NULL));
	CHECK(load_fails("http = {\n listen = [];\n};\nhttp2 = {};\n",
	    "t.conf:4: http2: unknown setting", NULL));
	CHECK(load_fails("http = {\n  tls = { on = true; };\n};\n",
	    "t.conf:2: http.tls: unknown setting", NULL));
	CHECK(load_fails("http = 5;\n", "t.conf:1: http: expected a group",
	    NULL));
	CHECK(load_fails("\nserver = ( 1, 2 );\n",
	    "t.conf:2: server: expected a group", NULL));
}

static void
test_wrong_type(void)
{
	CHECK(load_fails("http = {\n  max_headers = \"64\";\n};\n",
	    "t.conf:2: http.max_headers: expected an integer", NULL));
	CHECK(load_fails("server = {\n\n  workers = 2.0;\n};\n",
	    "t.conf:3: server.workers: expected an integer", NULL));
	CHECK(load_fails("server = { hide_version = 1; };",
	    "t.conf:1: server.hide_version: expected a boolean", NULL));
	CHECK(load_fails("server = { hide_version = \"yes\"; };",
	    "server.hide_version: expected a boolean", NULL));
	CHECK(load_fails("server = { user = 5; };",
	    "t.conf:1: server.user: expected a string", NULL));
	CHECK(load_fails("server = { user = [\"a\"]; };",
	    "server.user: expected a string", NULL));
	CHECK(load_fails("http = { listen = \"127.0.0.1:80\"; };",
	    "t.conf:1: http.listen: expected a list of strings", NULL));
	CHECK(load_fails("http = { listen = [ 80 ]; };",
	    "http.listen: expected a list of strings", NULL));
	CHECK(load_fails("http = { listen = ( \"a:1\", ( \"b:2\" ) ); };",
	    "http.listen: expected a list of strings", NULL));
	CHECK(load_fails("http = {\n idle_timeout = 1.5;\n};",
	    "t.conf:2: http.idle_timeout: expected a duration", NULL));
	CHECK(load_fails("http = { idle_timeout = \"5x\"; };",
	    "http.idle_timeout: expected a duration", NULL));
	CHECK(load_fails("http = { idle_timeout = \"-5\"; };",
	    "http.idle_timeout: expected a duration", NULL));
	CHECK(load_fails("http = { max_body_size = true; };",
	    "t.conf:1: http.max_body_size: expected a size", NULL));
	CHECK(load_fails("http = { max_body_size = \"1t\"; };",
	    "http.max_body_size: expected a size", NULL));
	CHECK(load_fails("http = { max_body_size = \"1 m\"; };",
	    "http.max_body_size: expected a size", NULL));
}

static void
test_out_of_range(void)
{
	CHECK(load_fails("server = {\n  workers = 65;\n};\n",
	    "t.conf:2: server.workers: 65 is out of range (1 to 64)", NULL));
	CHECK(load_fails("server = { workers = 0; };",
	    "server.workers: 0 is out of range (1 to 64)", NULL));
	CHECK(load_fails("server = { workers = -1; };",
	    "(1 to 64)", NULL));
	CHECK(load_fails("server = { shutdown_timeout = \"2h\"; };",
	    "server.shutdown_timeout: 7200 is out of range "
	    "(0 to 3600 seconds)", NULL));
	CHECK(load_fails("http = {\n\n\n header_timeout = 0;\n};",
	    "t.conf:4: http.header_timeout: 0 is out of range "
	    "(1 to 3600 seconds)", NULL));
	CHECK(load_fails("http = { max_request_line = 100; };",
	    "http.max_request_line: 100 is out of range "
	    "(256 to 65536 bytes)", NULL));
	CHECK(load_fails("http = { max_body_size = \"2g\"; };",
	    "http.max_body_size: 2147483648 is out of range "
	    "(0 to 1073741824 bytes)", NULL));
	CHECK(load_fails("http = { max_body_size = "
	    "\"99999999999999999999k\"; };",
	    "http.max_body_size: 99999999999999999999k is out of range", NULL));
	CHECK(load_fails("http = { max_headers = 129; };",
	    "(1 to 128)", NULL));
	CHECK(load_fails("http = { max_connections = 100001; };",
	    "(1 to 100000)", NULL));
	/* 64-bit integers reach the key's own check. */
	CHECK(load_fails("server = { workers = 4294967298L; };",
	    "server.workers: 4294967298 is out of range (1 to 64)", NULL));
	/* libconfig 1.5 would keep 32 bits of these: 4294967298 → 2. */
	CHECK(load_fails("server = {\n workers = 4294967298;\n};",
	    "t.conf:2: syntax error: integer 4294967298 is out of range",
	    NULL));
	CHECK(load_fails("server = { workers = 0x100000002; };",
	    "t.conf:1: syntax error: integer 0x100000002", NULL));
	CHECK(load_fails("server = { workers = -2147483649; };",
	    "integer -2147483649", NULL));
	CHECK(load_fails("http = { listen = [ \"a:1\", \"a:2\", \"a:3\", "
	    "\"a:4\", \"a:5\", \"a:6\", \"a:7\", \"a:8\", \"a:9\", \"a:10\", "
	    "\"a:11\", \"a:12\", \"a:13\", \"a:14\", \"a:15\", \"a:16\", "
	    "\"a:17\" ]; };", "http.listen: more than 16 entries", NULL));
}

static void
test_number_scan(void)
{
	struct airlock_conf *c;

	/* Digits in strings, names and comments are not numbers. */
	c = load("server = { user = \"a4294967298\"; }; # 99999999999\n"
	    "/* 0x100000002\n 4294967298 */ http = { max_headers = 0x40; };\n"
	    "// 4294967298");
	CHECK(c != NULL && strcmp(c->user, "a4294967298") == 0 &&
	    c->max_headers == 64);
	conf_free(c);
	c = load("server = { server_name = \"x\\\" 4294967298 \\\\\"; };");
	CHECK(c != NULL && strcmp(c->server_name, "x\" 4294967298 \\") == 0);
	conf_free(c);
	/* The edges of 32 bits. */
	c = load("http = { max_body_size = 2147483647; };");
	CHECK(c == NULL && strstr(err, "2147483647 is out of range") != NULL);
	conf_free(c);
	c = load("http = { max_body_size = 0x7fffffff; };");
	CHECK(c == NULL && strstr(err, "2147483647 is out of range") != NULL);
	conf_free(c);
	c = load("server = { workers = -2147483648; };");
	CHECK(c == NULL && strstr(err, "-2147483648 is out of range") != NULL);
	conf_free(c);
	CHECK(load_fails("http = { max_body_size = 2147483648; };",
	    "syntax error: integer 2147483648", NULL));
	CHECK(load_fails("http = { max_body_size = 0x80000000; };",
	    "syntax error: integer 0x80000000", NULL));
	/* Floats are floats, however they look. */
	CHECK(load_fails("server = { workers = 1e3; };",
	    "server.workers: expected an integer", NULL));
	CHECK(load_fails("server = { workers = 99999999999.; };",
	    "server.workers: expected an integer", NULL));
	CHECK(load_fails("server = { workers = -.5; };",
	    "server.workers: expected an integer", NULL));
}

static void
test_syntax_error(void)
{
	CHECK(load_fails("server = {\n  workers = 2\n  user = ;\n};\n",
	    "t.conf:3: syntax error", NULL));
	CHECK(load_fails("server = {\n  user = \"airlock\";\n",
	    "t.conf:", "syntax error"));
	CHECK(load_fails("server = {\n workers = 2;\n workers = 3;\n};",
	    "t.conf:3: syntax error: duplicate setting name", NULL));
	CHECK(load_fails("server = {};\n\nserver = {};",
	    "t.conf:3: syntax error", NULL));
	CHECK(load_fails("server = { user = \"a\"; } }", "t.conf:1: syntax error",
	    NULL));
	CHECK(load_fails("\n  @include \"/etc/passwd\"\n",
	    "t.conf:2: @include is not supported", NULL));
}

static void
test_strings(void)
{
	char *big;

	CHECK(load_fails("server = {\n user = \"air\\nlock\";\n};",
	    "t.conf:2: server.user: \"air?lock\": contains a control", NULL));
	CHECK(load_fails("server = { server_name = \"a\\x01\"; };",
	    "server.server_name: \"a?\": contains a control character", NULL));
	CHECK(load_fails("server = { server_name = \"\"; };",
	    "server.server_name: must be printable ASCII", NULL));
	CHECK(load_fails("server = { user = \"\"; };",
	    "server.user: \"\": not a user name", NULL));
	CHECK(load_fails("server = { user = \"-x\"; };", "not a user name",
	    NULL));
	CHECK(load_fails("server = { user = \"a b\"; };", "not a user name",
	    NULL));
	CHECK(load_fails("server = { log_level = \"loud\"; };",
	    "server.log_level: \"loud\": expected error, warn, info or debug",
	    NULL));
	CHECK(load_fails("server = { address = \"ftp://x\"; };",
	    "server.address: \"ftp://x\": must start with http:// or https://",
	    NULL));
	CHECK(load_fails("server = { address = \"https://\"; };",
	    "server.address: \"https://\": not a URL", NULL));
	CHECK(load_fails("server = { data_dir = \"var/lib\"; };",
	    "server.data_dir: \"var/lib\": must be an absolute path", NULL));
	CHECK(load_fails("http = { static_dir = \"www\"; };",
	    "http.static_dir: \"www\": must be an absolute path", NULL));
	if ((big = malloc(5000)) == NULL)
		return;
	memcpy(big, "http = { static_dir = \"/", 24);
	memset(big + 24, 'a', 4200);
	strcpy(big + 4224, "\"; };");
	CHECK(load_fails(big, "http.static_dir: longer than 4096 bytes",
	    NULL));
	free(big);
}

static void
test_mirrors(void)
{
	static const char *good[] = { "cran https://cran.example.org",
	    "m.1 http://10.0.0.1:8080/cran/ concurrency=4 max_rate=2m",
	    "a https://u ca=/e/ca.pem packages=/e/l suggests=true "
	    "credentials=/e/c proxy_credentials=/e/p proxy=http://p:3128",
	    "a  https://u client_cert=/e/c.pem client_key=/e/k.pem",
	    "w https://u binaries=win.binary:4.4",
	    "w https://u binaries=win.binary:4.4,mac.binary.big-sur-arm64:4.4",
	    NULL };
	static const char *bad[] = { "", "cran", "cran ftp://x",
	    "-a https://u", "a b https://u", "a https://user:pw@host",
	    "a https://u nokey=1", "a https://u ca=relative.pem",
	    "a https://u suggests=yes", "a https://u client_cert=/c.pem",
	    "a https://u client_key=/k.pem", "a https://u concurrency",
	    "a https://u packages=", "a https://u concurrency=0",
	    "a https://u concurrency=65", "a https://u max_rate=2x",
	    "a https://u max_rate=-1", "a https://u binaries=",
	    "a https://u binaries=source", "a https://u binaries=win.binary",
	    "a https://u binaries=win.binary:4.4,", "a https://u binaries=,x",
	    "a https://u binaries=win.binary:4.4,,mac.binary:4.4",
	    "a https://u binaries=linux.binary:4.4", NULL };
	struct airlock_conf *c = conf_new();
	char kv[300];
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; good[i] != NULL; i++) {
		snprintf(kv, sizeof(kv), "sync.mirrors=[\"%s\"]", good[i]);
		if (override(c, kv) != 0 || c->sync_mirrors.n != 1) {
			fprintf(stderr, "  %s: %s\n", good[i], err);
			CHECK(!"good sync.mirrors refused");
		}
	}
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(kv, sizeof(kv), "sync.mirrors=[\"%s\"]", bad[i]);
		if (override(c, kv) == 0) {
			fprintf(stderr, "  %s: accepted\n", bad[i]);
			CHECK(!"bad sync.mirrors accepted");
		}
	}
	conf_free(c);
}

static void
test_listen(void)
{
	static const char *good[] = { "127.0.0.1:8080", "[::1]:8080",
	    ":8080", "[::]:1", "localhost:65535", "a-b.example.org:80",
	    "[fe80::1]:443", "0.0.0.0:80", "x:080", NULL };
	static const char *bad[] = { "127.0.0.1", "127.0.0.1:", ":0",
	    ":65536", "::1:80", "[::1]80", "[::1:80", "[]:80", "[1.2.3]:80",
	    "1.2.3.999:80", "a..b:80", "-a:80", "a-:80", ".a:80", "a.:80",
	    "host name:80", "*:80", "a:80x", "a:-80", "a:+80", "a: 80", "",
	    "[::1]:", "a_b:80", NULL };
	struct airlock_conf *c = conf_new();
	char kv[128];
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; good[i] != NULL; i++) {
		snprintf(kv, sizeof(kv), "http.listen=%s", good[i]);
		if (override(c, kv) != 0 || c->listen.n != 1 ||
		    strcmp(c->listen.v[0], good[i]) != 0) {
			fprintf(stderr, "  %s: %s\n", good[i], err);
			CHECK(!"good listen refused");
		}
	}
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(kv, sizeof(kv), "http.listen=[\"%s\"]", bad[i]);
		if (override(c, kv) == 0) {
			fprintf(stderr, "  %s: accepted\n", bad[i]);
			CHECK(!"bad listen accepted");
		}
	}
	conf_free(c);
	CHECK(load_fails("http = {\n listen = [ \"127.0.0.1:80\", \"::1:80\" ];"
	    "\n};", "t.conf:2: http.listen: \"::1:80\": an IPv6 address goes "
	    "in brackets", NULL));
	CHECK(load_fails("http = { listen = [ \"a:99999\" ]; };",
	    "http.listen: \"a:99999\": the port must be 1 to 65535", NULL));
}

static void
test_durations_sizes(void)
{
	struct airlock_conf *c;

	c = load("server = { shutdown_timeout = 0; };\n"
	    "http = { header_timeout = \"90\"; idle_timeout = \"30m\";\n"
	    " body_timeout = 120; send_timeout = \"1d\";\n"
	    " max_request_line = \"1k\"; max_header_size = 2048;\n"
	    " max_body_size = \"16m\"; };");
	CHECK(c != NULL);
	if (c == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK(c->shutdown_timeout == 0);
	CHECK(c->header_timeout == 90);
	CHECK(c->idle_timeout == 1800);
	CHECK(c->body_timeout == 120);
	CHECK(c->send_timeout == 86400);
	CHECK(c->max_request_line == 1024);
	CHECK(c->max_header_size == 2048);
	CHECK(c->max_body_size == 16 * 1024 * 1024);
	conf_free(c);
	c = load("http = { max_body_size = 0; header_timeout = 0x3c; };");
	CHECK(c != NULL && c->max_body_size == 0 && c->header_timeout == 60);
	conf_free(c);
	/* Suffixes are lower case. */
	CHECK(load_fails("http = { idle_timeout = \"1H\"; };",
	    "expected a duration", NULL));
	CHECK(load_fails("http = { max_body_size = \"1M\"; };",
	    "expected a size", NULL));
}

static void
test_override(void)
{
	static const char *yes[] = { "true", "yes", "on", "1", "TRUE", "On",
	    NULL };
	static const char *no[] = { "false", "no", "off", "0", "No", NULL };
	struct airlock_conf *c = conf_new();
	char kv[64];
	size_t i;

	if (c == NULL)
		return;
	CHECK(override(c, "server.user=www-data") == 0 &&
	    strcmp(c->user, "www-data") == 0);
	CHECK(override(c, "server.address=") == 0 &&
	    strcmp(c->address, "") == 0);
	CHECK(override(c, "server.server_name=a=b") == 0 &&
	    strcmp(c->server_name, "a=b") == 0);
	CHECK(override(c, "server.workers=4") == 0 && c->workers == 4);
	for (i = 0; yes[i] != NULL; i++) {
		c->hide_version = 0;
		snprintf(kv, sizeof(kv), "server.hide_version=%s", yes[i]);
		CHECK(override(c, kv) == 0 && c->hide_version == 1);
	}
	for (i = 0; no[i] != NULL; i++) {
		c->access_log = 1;
		snprintf(kv, sizeof(kv), "http.access_log=%s", no[i]);
		CHECK(override(c, kv) == 0 && c->access_log == 0);
	}
	CHECK(override(c, "http.idle_timeout=5m") == 0 &&
	    c->idle_timeout == 300);
	CHECK(override(c, "http.idle_timeout=120") == 0 &&
	    c->idle_timeout == 120);
	CHECK(override(c, "http.max_body_size=2m") == 0 &&
	    c->max_body_size == 2 * 1024 * 1024);
	CHECK(override(c, "http.max_body_size=1000") == 0 &&
	    c->max_body_size == 1000);

	CHECK(override(c, "http.listen=[\"127.0.0.1:8080\", \"[::1]:8080\"]")
	    == 0 && c->listen.n == 2 &&
	    strcmp(c->listen.v[1], "[::1]:8080") == 0);
	CHECK(override(c, "http.listen=( \":80\" )") == 0 &&
	    c->listen.n == 1 && strcmp(c->listen.v[0], ":80") == 0);
	CHECK(override(c, "http.listen=127.0.0.1:8080,[::1]:8080") == 0 &&
	    c->listen.n == 2 && strcmp(c->listen.v[0], "127.0.0.1:8080") == 0
	    && strcmp(c->listen.v[1], "[::1]:8080") == 0);
	CHECK(override(c, "http.listen= a:1 , b:2 ") == 0 &&
	    c->listen.n == 2 && strcmp(c->listen.v[0], "a:1") == 0 &&
	    strcmp(c->listen.v[1], "b:2") == 0);
	CHECK(override(c, "http.listen=[::1]:9000") == 0 &&
	    c->listen.n == 1 && strcmp(c->listen.v[0], "[::1]:9000") == 0);
	CHECK(override(c, "http.listen=") == 0 && c->listen.n == 0);
	CHECK(override(c, "http.listen=:1") == 0 && c->listen.n == 1);
	CHECK(override(c, "http.listen=[]") == 0 && c->listen.n == 0);
	CHECK(override(c, "http.listen=[ \"a:1\" ] # why not") == 0 &&
	    c->listen.n == 1);
	CHECK(conf_check(c, err, sizeof(err)) == 0);
	conf_free(c);
}

static void
test_override_bad(void)
{
	CHECK(override_fails("http.worker=3", "-o http.worker=3: unknown "
	    "setting"));
	CHECK(override_fails("workers=3", "-o workers=3: unknown setting"));
	CHECK(override_fails("server.workers.x=3", "unknown setting"));
	CHECK(override_fails("server.=3", "unknown setting"));
	CHECK(override_fails("=3", "unknown setting"));
	CHECK(override_fails("server.workers", "-o server.workers: expected "
	    "key=value"));
	CHECK(override_fails("server.workers=", "expected an integer"));
	CHECK(override_fails("server.workers=abc", "-o server.workers=abc: "
	    "expected an integer"));
	CHECK(override_fails("server.workers=4 ", "expected an integer"));
	CHECK(override_fails("server.workers=0x4", "expected an integer"));
	CHECK(override_fails("server.workers=0", "-o server.workers=0: 0 is "
	    "out of range (1 to 64)"));
	CHECK(override_fails("server.workers=-3", "-3 is out of range"));
	CHECK(override_fails("server.workers=99999999999999999999",
	    "99999999999999999999 is out of range (1 to 64)"));
	CHECK(override_fails("server.hide_version=maybe", "expected a boolean "
	    "(true, false, yes, no, on, off, 1, 0)"));
	CHECK(override_fails("server.hide_version=", "expected a boolean"));
	CHECK(override_fails("http.idle_timeout=5x", "expected a duration"));
	CHECK(override_fails("http.idle_timeout=0", "0 is out of range "
	    "(1 to 86400 seconds)"));
	CHECK(override_fails("http.max_body_size=1.5m", "expected a size"));
	CHECK(override_fails("http.max_request_line=128",
	    "128 is out of range (256 to 65536 bytes)"));
	CHECK(override_fails("server.log_level=loud", "expected error, warn"));
	CHECK(override_fails("server.data_dir=rel", "must be an absolute"));
	CHECK(override_fails("server.user=a\nb", "contains a control"));
	CHECK(override_fails("http.listen=a:1,,b:2", "empty list entry"));
	CHECK(override_fails("http.listen=a:1,", "empty list entry"));
	CHECK(override_fails("http.listen=foo", "\"foo\": expected host:port"));
	CHECK(override_fails("http.listen=[\"a:1\"", "syntax error"));
	CHECK(override_fails("http.listen=(\"a:1\", 2)", "expected a list of "
	    "strings"));
	CHECK(override_fails("http.listen=[1, 2]", "\"[1\": expected host"));
	CHECK(override_fails("http.listen=[\"a:1\"]; y = 1",
	    "expected a list of strings"));
	CHECK(override_fails("http.listen=[\"a:1\"]\n@include \"/etc/passwd\"",
	    "@include is not supported"));
	CHECK(override_fails("http.listen=a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,"
	    "a:9,a:10,a:11,a:12,a:13,a:14,a:15,a:16,a:17",
	    "more than 16 entries"));
}

static void
test_check(void)
{
	struct airlock_conf *c = conf_new();

	if (c == NULL)
		return;
	free(c->data_dir);
	c->data_dir = strdup("relative");
	CHECK(conf_check(c, err, sizeof(err)) == -1 &&
	    strstr(err, "server.data_dir: \"relative\": must be an absolute "
	    "path") != NULL);
	free(c->data_dir);
	c->data_dir = strdup("/var/lib/airlock");
	free(c->static_dir);
	c->static_dir = strdup("www");
	CHECK(conf_check(c, err, sizeof(err)) == -1 &&
	    strstr(err, "http.static_dir") != NULL);
	free(c->static_dir);
	c->static_dir = strdup("");
	CHECK(conf_check(c, err, sizeof(err)) == 0);

	CHECK(override(c, "http.max_request_line=4k") == 0);
	CHECK(override(c, "http.max_header_size=2k") == 0);
	CHECK(conf_check(c, err, sizeof(err)) == -1 &&
	    strstr(err, "http.max_header_size (2048) is smaller than "
	    "http.max_request_line (4096)") != NULL);
	CHECK(override(c, "http.max_header_size=4k") == 0);
	CHECK(conf_check(c, err, sizeof(err)) == 0);

	CHECK(override(c, "http.listen=:80,[::1]:81,:80") == 0);
	CHECK(conf_check(c, err, sizeof(err)) == -1 &&
	    strstr(err, "http.listen: \":80\" is listed twice") != NULL);
	CHECK(override(c, "http.listen=") == 0);
	CHECK(conf_check(c, err, sizeof(err)) == 0);

	c->workers = 65;
	CHECK(conf_check(c, err, sizeof(err)) == -1 &&
	    strstr(err, "server.workers: 65 is out of range") != NULL);
	conf_free(c);
}

static void
test_load_atomic(void)
{
	struct airlock_conf *c = conf_new(), *d = conf_new();

	if (c == NULL || d == NULL)
		goto out;
	/* The first keys are good, a later one is not: nothing applies. */
	CHECK(conf_load_string(c, "server = { workers = 9; user = \"x\"; };\n"
	    "http = { listen = [\":1\"]; idle_timeout = \"x\"; };\n", "t.conf",
	    err, sizeof(err)) == -1);
	CHECK(conf_eq(c, d));
	/* Loading over a loaded configuration keeps what it does not set. */
	CHECK(conf_load_string(c, "server = { workers = 9; };", NULL, err,
	    sizeof(err)) == 0 && c->workers == 9);
	CHECK(conf_load_string(c, "http = { max_headers = 9; };", NULL, err,
	    sizeof(err)) == 0 && c->workers == 9 && c->max_headers == 9);
	CHECK(conf_load_string(c, "x = 1;", NULL, err, sizeof(err)) == -1 &&
	    strstr(err, "(string):1: x: unknown setting") != NULL);
out:
	conf_free(c);
	conf_free(d);
}

static void
test_load_file(void)
{
	char path[] = "/tmp/test_conf.XXXXXX", dir[] = "/tmp/test_confd.XXXXXX";
	struct airlock_conf *c = conf_new();
	int fd;

	if (c == NULL)
		return;
	if ((fd = mkstemp(path)) == -1) {
		CHECK(!"mkstemp");
		conf_free(c);
		return;
	}
	CHECK(write(fd, full, strlen(full)) == (ssize_t)strlen(full));
	close(fd);
	CHECK(conf_load_file(c, path, err, sizeof(err)) == 0);
	CHECK(c->workers == 8);

	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "http = {\n  oops = 1;\n};\n", 23) == 23);
	close(fd);
	CHECK(conf_load_file(c, path, err, sizeof(err)) == -1 &&
	    strncmp(err, path, strlen(path)) == 0 &&
	    strstr(err, ":2: http.oops: unknown setting") != NULL);

	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "server = {\n workers = = 3 }", 27) == 27);
	close(fd);
	CHECK(conf_load_file(c, path, err, sizeof(err)) == -1 &&
	    strncmp(err, path, strlen(path)) == 0 &&
	    strstr(err, ":2: syntax error") != NULL);

	/* A NUL would hide the rest of the file from the parser. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "# x\0http = { oops = 1; };\n", 26) == 26);
	close(fd);
	CHECK(conf_load_file(c, path, err, sizeof(err)) == -1 &&
	    strstr(err, "contains a NUL byte") != NULL);
	unlink(path);

	CHECK(conf_load_file(c, path, err, sizeof(err)) == -1 &&
	    strstr(err, path) != NULL &&
	    strstr(err, strerror(ENOENT)) != NULL);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(conf_load_file(c, dir, err, sizeof(err)) == -1 &&
	    strstr(err, "is a directory") != NULL);
	rmdir(dir);
	CHECK(c->workers == 8);
	conf_free(c);
}

static void
test_example(void)
{
	struct airlock_conf *c = conf_new(), *d = conf_new();
	const char *path = SRCDIR "/docs/airlock.conf.example";

	if (c == NULL || d == NULL)
		goto out;
	err[0] = '\0';
	CHECK(conf_load_file(c, path, err, sizeof(err)) == 0);
	if (err[0] != '\0')
		fprintf(stderr, "  %s\n", err);
	CHECK(conf_check(c, err, sizeof(err)) == 0);
	/* It documents the defaults: it must say what the code does. */
	CHECK(conf_eq(c, d));
out:
	conf_free(c);
	conf_free(d);
}

static void
test_dump_roundtrip(void)
{
	struct airlock_conf *c, *d;
	char *s;

	/* Defaults, the full file, and strings that need escaping. */
	c = conf_new();
	d = conf_new();
	CHECK(c != NULL && d != NULL && (s = dump(c)) != NULL);
	if (c == NULL || d == NULL || s == NULL)
		return;
	CHECK(strstr(s, "server = {\n") != NULL);
	CHECK(strstr(s, "http = {\n") != NULL);
	CHECK(strstr(s, "\tshutdown_timeout = \"10s\";\n") != NULL);
	CHECK(strstr(s, "\tmax_request_line = 8192;\n") != NULL);
	CHECK(strstr(s, "\tlisten = [ \"127.0.0.1:8080\" ];\n") != NULL);
	CHECK(conf_load_string(d, s, "dump", err, sizeof(err)) == 0);
	CHECK(conf_eq(c, d));
	free(s);
	conf_free(c);
	conf_free(d);

	c = load(full);
	d = conf_new();
	CHECK(c != NULL && d != NULL);
	if (c == NULL || d == NULL)
		goto out;
	CHECK(override(c, "http.static_dir=/srv/a \"b\"\\c") == 0);
	CHECK(override(c, "server.server_name=x\\\"y # z /* w */") == 0);
	CHECK(override(c, "server.data_dir=/srv/caf\xc3\xa9") == 0);
	if ((s = dump(c)) == NULL) {
		CHECK(!"dump");
		goto out;
	}
	CHECK(conf_load_string(d, s, "dump", err, sizeof(err)) == 0);
	if (err[0] != '\0')
		fprintf(stderr, "  %s\n%s", err, s);
	CHECK(conf_eq(c, d));
	free(s);

	/* An empty list, and shutdown_timeout at 0. */
	CHECK(override(c, "http.listen=") == 0);
	CHECK(override(c, "server.shutdown_timeout=0") == 0);
	s = dump(c);
	CHECK(s != NULL && strstr(s, "\tlisten = [ ];\n") != NULL);
	CHECK(s != NULL && conf_load_string(d, s, "dump", err,
	    sizeof(err)) == 0);
	CHECK(conf_eq(c, d));
	free(s);
out:
	conf_free(c);
	conf_free(d);
}

static void
test_pack_roundtrip(void)
{
	struct airlock_conf *c, *d;
	struct buf b, b2;

	buf_init(&b, 1 << 20);
	buf_init(&b2, 1 << 20);
	c = load(full);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(override(c, "server.server_name=a \"quoted\" name") == 0);
	CHECK(conf_pack(c, &b) == 0);
	d = conf_unpack(&b);
	CHECK(d != NULL && conf_eq(c, d));
	CHECK(d != NULL && conf_pack(d, &b2) == 0 && b.len == b2.len &&
	    memcmp(b.data, b2.data, b.len) == 0);
	conf_free(d);

	/* An empty list and defaults. */
	buf_reset(&b);
	CHECK(override(c, "http.listen=") == 0);
	CHECK(conf_pack(c, &b) == 0);
	d = conf_unpack(&b);
	CHECK(d != NULL && conf_eq(c, d) && d->listen.n == 0);
	conf_free(d);
	conf_free(c);
	buf_reset(&b);
	c = conf_new();
	CHECK(c != NULL && conf_pack(c, &b) == 0);
	d = conf_unpack(&b);
	CHECK(c != NULL && d != NULL && conf_eq(c, d));
	conf_free(c);
	conf_free(d);
	buf_release(&b);
	buf_release(&b2);
}

static void
test_unpack_truncated(void)
{
	struct airlock_conf *c = load(full), *d;
	struct buf b, v;
	uint8_t *copy;
	size_t i;
	int fails = 0;

	buf_init(&b, 1 << 20);
	if (c == NULL || conf_pack(c, &b) != 0) {
		CHECK(!"pack");
		goto out;
	}
	/* Each prefix in its own allocation, so ASan sees any overread. */
	for (i = 0; i < b.len; i++) {
		if ((copy = malloc(i ? i : 1)) == NULL)
			break;
		memcpy(copy, b.data, i);
		buf_view(&v, copy, i);
		if ((d = conf_unpack(&v)) != NULL) {
			fails++;
			conf_free(d);
		}
		free(copy);
	}
	CHECK(fails == 0);
	/* A byte too many. */
	CHECK(buf_put_u8(&b, 0) == 0);
	buf_view(&v, b.data, b.len);
	CHECK((d = conf_unpack(&v)) == NULL);
	conf_free(d);
out:
	buf_release(&b);
	conf_free(c);
}

/* Writes a packed configuration by hand, one field wrong at a time. */
static struct airlock_conf *
unpack_with(int which, uint64_t bad)
{
	struct airlock_conf *d;
	struct buf b;
	int i = 0;

	buf_init(&b, 1 << 16);
#define N(v)	(i++ == which ? bad : (uint64_t)(v))
#define S(s)	(i++ == which ? buf_put_str(&b, (const char *)(uintptr_t)bad) :\
		    buf_put_str(&b, s))
	S(AIRLOCK_DATA_DIR);
	buf_put_u64(&b, N(2));
	S("airlock");
	S("");
	S("airlock");
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u64(&b, N(10));
	S("info");
	S("");
	buf_put_u32(&b, (uint32_t)N(0));
	S("NONE");
	S("DENY");
	buf_put_u32(&b, (uint32_t)N(0));
	S("None");
	buf_put_u32(&b, (uint32_t)N(1));
	buf_put_u64(&b, N(600));
	buf_put_u32(&b, (uint32_t)N(1));
	S("127.0.0.1:8080");
	S("");
	buf_put_u64(&b, N(1024));
	buf_put_u64(&b, N(8192));
	buf_put_u64(&b, N(16384));
	buf_put_u64(&b, N(64));
	buf_put_u64(&b, N(1048576));
	buf_put_u64(&b, N(10));
	buf_put_u64(&b, N(60));
	buf_put_u64(&b, N(30));
	buf_put_u64(&b, N(60));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u64(&b, N(536870912));
	buf_put_u64(&b, N(2146435072));
	buf_put_u32(&b, (uint32_t)N(0));
	S("");
	S("");
	S("1.2");
	S("ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1");
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u64(&b, N(86400));
	buf_put_u64(&b, N(28800));
	buf_put_u64(&b, N(3600));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u64(&b, N(3));
	buf_put_u64(&b, N(60));
	buf_put_u64(&b, N(10));
	buf_put_u64(&b, N(900));
	buf_put_u64(&b, N(5));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u64(&b, N(43200));
	buf_put_u32(&b, (uint32_t)N(0));
	buf_put_u32(&b, (uint32_t)N(0));
	S("none");
	S("");
	S("");
	buf_put_u32(&b, (uint32_t)N(0));
#undef N
#undef S
	d = conf_unpack(&b);
	buf_release(&b);
	return d;
}

static void
test_unpack_bad(void)
{
	struct airlock_conf *c = conf_new(), *d;
	struct buf b;
	uint32_t n;

	/* The hand-written encoding is the real one. */
	d = unpack_with(-1, 0);
	CHECK(c != NULL && d != NULL && conf_eq(c, d));
	conf_free(d);
	conf_free(c);

	CHECK((d = unpack_with(0, (uintptr_t)"relative")) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(1, 0)) == NULL);		/* workers */
	conf_free(d);
	CHECK((d = unpack_with(1, 65)) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(1, (uint64_t)1 << 32 | 2)) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(1, UINT64_MAX)) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(2, (uintptr_t)"a\nb")) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(5, 2)) == NULL);		/* bool */
	conf_free(d);
	CHECK((d = unpack_with(7, (uintptr_t)"loud")) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(8, (uintptr_t)"relative")) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(10, (uintptr_t)"ALLOW")) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(16, 17)) == NULL);	/* list count */
	conf_free(d);
	CHECK((d = unpack_with(16, 0xffffffff)) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(17, (uintptr_t)"nope")) == NULL);
	conf_free(d);
	CHECK((d = unpack_with(21, 1024)) == NULL);	/* header < line */
	conf_free(d);
	CHECK((d = unpack_with(28, 7)) == NULL);	/* access_log */
	conf_free(d);
	CHECK((d = unpack_with(29, 2)) == NULL);	/* no_warning */
	conf_free(d);
	CHECK((d = unpack_with(32, 17)) == NULL);	/* redirect count */
	conf_free(d);
	CHECK((d = unpack_with(33, 100)) == NULL);	/* package size */
	conf_free(d);

	/* A string longer than any setting may be, and one with a NUL. */
	buf_init(&b, 1 << 16);
	CHECK(buf_put_u32(&b, 5000) == 0);
	for (n = 0; n < 5000; n++)
		buf_put_u8(&b, '/');
	CHECK((d = conf_unpack(&b)) == NULL);
	conf_free(d);
	buf_reset(&b);
	CHECK(buf_put_u32(&b, 3) == 0 && buf_put(&b, "/\0x", 3) == 0);
	CHECK((d = conf_unpack(&b)) == NULL);
	conf_free(d);
	buf_reset(&b);
	CHECK((d = conf_unpack(&b)) == NULL);
	conf_free(d);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_defaults);
	RUN(test_parse_duration);
	RUN(test_full_file);
	RUN(test_unknown);
	RUN(test_wrong_type);
	RUN(test_out_of_range);
	RUN(test_number_scan);
	RUN(test_syntax_error);
	RUN(test_strings);
	RUN(test_listen);
	RUN(test_mirrors);
	RUN(test_durations_sizes);
	RUN(test_override);
	RUN(test_override_bad);
	RUN(test_check);
	RUN(test_load_atomic);
	RUN(test_load_file);
	RUN(test_example);
	RUN(test_dump_roundtrip);
	RUN(test_pack_roundtrip);
	RUN(test_unpack_truncated);
	RUN(test_unpack_bad);
	TEST_EXIT();
}
