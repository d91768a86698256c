/*
 * The worker's routes: the status API and files under the worker's root
 * (its chroot), with validators, conditional requests and single ranges.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "repo.h"
#include "access.h"
#include "server.h"
#include "util.h"

#define TEXT "text/plain; charset=utf-8"

static void
api_status(struct server *s, struct conn *c)
{
	struct buf b;
	long long uptime = (long long)(time(NULL) - s->master_start);

	buf_init(&b, 1024);
	buf_putf(&b, "{\"status\":\"ok\"");
	if (!s->conf->hide_version)
		buf_putf(&b, ",\"version\":\"%s\"", PACKAGE_VERSION);
	buf_putf(&b, ",\"uptime\":%lld,\"roles\":{\"auth\":{\"up\":%u},"
	    "\"workers\":{\"up\":%u,\"configured\":%u},\"sync\":{\"up\":%u}}}\n",
	    uptime < 0 ? 0 : uptime, s->auth_up, s->workers_up,
	    s->workers_total, s->sync_up);
	resp_head(s, c, 200, "application/json", (long long)buf_avail(&b));
	resp_header(c, "Cache-Control", "no-store");
	resp_end_head(c);
	if (!c->head)
		buf_put(&c->out, buf_ptr(&b), buf_avail(&b));
	buf_release(&b);
}

static int
if_range_ok(struct http_str ir, const char *etag, time_t mtime)
{
	time_t t;

	if (ir.n > 0 && (ir.p[0] == '"' || ir.p[0] == 'W')) {
		/* If-Range needs a strong match. */
		return ir.p[0] == '"' && ir.n == strlen(etag) &&
		    memcmp(ir.p, etag, ir.n) == 0;
	}
	t = http_date_parse(ir);
	return t != -1 && t == mtime;
}

static void
not_modified(struct server *s, struct conn *c, const char *etag,
    const char *lastmod)
{
	resp_head(s, c, 304, NULL, -1);
	resp_header_str(c, "ETag", etag);
	resp_header_str(c, "Last-Modified", lastmod);
	resp_end_head(c);
}

/*
 * Answers with a file from the cache (taking over the caller's reference):
 * validators, conditional requests, a single range; mime names the type.
 */
static void
send_file(struct server *s, struct conn *c, const struct http_request *req,
    struct fentry *f, const char *mime, const char *cache)
{
	char crange[96];
	const struct stat *st = &f->st;
	const char *etag = f->etag, *lastmod = f->lastmod;
	off_t first = 0, last;
	int status = 200, r;

	/* An entry's stat never changes (a changed file is a new entry). */
	if (f->etag[0] == '\0') {
		snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx\"",
		    (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
		    (unsigned long long)st->st_mtim.tv_nsec,
		    (unsigned long long)st->st_size);
		http_date_format(st->st_mtime, f->lastmod, sizeof(f->lastmod));
	}
	if (req->if_none_match.n > 0 ? http_etag_match(req->if_none_match,
	    etag) : (req->if_modified_since != -1 &&
	    st->st_mtime <= req->if_modified_since)) {
		not_modified(s, c, etag, lastmod);
		fcache_put(&s->fc, f);	/* etag and lastmod are its */
		return;
	}

	last = st->st_size - 1;
	if (req->method == HTTP_M_GET && req->range.n > 0 &&
	    (req->if_range.n == 0 ||
	    if_range_ok(req->if_range, etag, st->st_mtime))) {
		r = http_range_parse(req->range, st->st_size, &first, &last);
		if (r == -1) {
			resp_head(s, c, 416, TEXT, 0);
			resp_header(c, "Content-Range", "bytes */%lld",
			    (long long)st->st_size);
			resp_end_head(c);
			fcache_put(&s->fc, f);
			return;
		}
		if (r == 1) {
			status = 206;
			snprintf(crange, sizeof(crange), "bytes %lld-%lld/%lld",
			    (long long)first, (long long)last,
			    (long long)st->st_size);
		}
	}
	resp_head(s, c, status, http_mime_type(mime),
	    (long long)(last - first + 1));
	resp_header_str(c, "Last-Modified", lastmod);
	resp_header_str(c, "ETag", etag);
	resp_header_str(c, "Accept-Ranges", "bytes");
	if (cache != NULL)
		resp_header_str(c, "Cache-Control", cache);
	if (status == 206)
		resp_header_str(c, "Content-Range", crange);
	resp_end_head(c);
	if (c->head || last < first) {
		fcache_put(&s->fc, f);
		return;
	}
	c->file = f;
	c->file_off = first;
	c->file_end = last + 1;
	c->tfile_off = first;	/* TLS without kTLS reads ahead from here */
	c->tlen = c->toff = 0;
}

static void
not_found(struct server *s, struct conn *c, int err)
{
	if (err == EACCES)
		resp_simple(s, c, 403, TEXT, "403 Forbidden\n");
	else
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
}

/* A file of http.static_dir, with index.html for directories. */
static void
static_file(struct server *s, struct conn *c, const struct http_request *req)
{
	const char *rel = req->path[1] ? req->path + 1 : ".";
	char index[HTTP_PATH_MAX + 16];
	struct fentry *f;
	int err, isindex = 0;

	err = fcache_get(&s->fc, s->static_fd, rel, mono_ms(), &f);
	if (err == EISDIR) {
		if (req->path[strlen(req->path) - 1] != '/') {
			resp_head(s, c, 301, TEXT, 0);
			resp_header(c, "Location", "%s/", req->path);
			resp_end_head(c);
			return;
		}
		/* No directory listings: index.html or nothing. */
		snprintf(index, sizeof(index), "%sindex.html", rel[0] == '.' &&
		    rel[1] == '\0' ? "" : rel);
		err = fcache_get(&s->fc, s->static_fd, index, mono_ms(), &f);
		isindex = 1;
	}
	if (err != 0) {
		not_found(s, c, err);
		return;
	}
	send_file(s, c, req, f, isindex ? "index.html" : req->path, NULL);
}

/*
 * /<repo>/<snapshot>/<path>: returns 0 when the first segment names no
 * repository (the request goes on to static files), 1 when answered.
 */
static int
repo_file(struct server *s, struct conn *c, const struct http_request *req)
{
	char name[REPO_NAME_MAX + 1], snap[32], sha[65], rel[HTTP_PATH_MAX + 96];
	const char *p = req->path + 1, *slash, *rest;
	const struct repo *r;
	struct fentry *f;
	int64_t id;
	int k, err;

	if ((slash = strchr(p, '/')) == NULL || slash - p > REPO_NAME_MAX)
		return 0;
	memcpy(name, p, (size_t)(slash - p));
	name[slash - p] = '\0';
	if ((r = repo_get(&s->repos, name)) == NULL)
		return 0;
	if (!access_repo(s, c, req, r))
		return 1;	/* answered, or waiting for auth */
	c->content = 1;		/* the content header policy from here on */
	p = slash + 1;
	if ((slash = strchr(p, '/')) == NULL || slash - p >= (long)sizeof(snap)) {
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		return 1;
	}
	memcpy(snap, p, (size_t)(slash - p));
	snap[slash - p] = '\0';
	rest = slash + 1;
	if ((id = repo_snapshot(r, snap)) < 0) {
		resp_simple(s, c, 404, TEXT, "404 Not Found: no such snapshot\n");
		return 1;
	}
	/* Only the repository tree; the manifest and the rest stay private. */
	if (strncmp(rest, "src/", 4) != 0 && strncmp(rest, "bin/", 4) != 0) {
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		return 1;
	}
	{
		const char *base = strrchr(rest, '/') + 1;	/* rest has one */
		char why[512], body[700];

		if (repo_blocked(&s->repos, name, base, why, sizeof(why))) {
			snprintf(body, sizeof(body), "403 Forbidden: %s is "
			    "blocked in %s (%s)\n", base, name, why);
			resp_simple(s, c, 403, TEXT, body);
			return 1;
		}
	}
	k = repo_lookup(&s->repos, name, id, rest, sha);
	if (k == 1)
		snprintf(rel, sizeof(rel), "blobs/sha256/%.2s/%s", sha, sha);
	else
		snprintf(rel, sizeof(rel), "repos/%s/%lld/%s", name,
		    (long long)id, rest);
	if ((err = fcache_get(&s->fc, AT_FDCWD, rel, mono_ms(), &f)) != 0) {
		not_found(s, c, err == EISDIR ? ENOENT : err);
		return 1;
	}
	/*
	 * A snapshot named by its id never changes: caches may keep it.
	 * "latest" and dates move: revalidate (the ETag makes that cheap).
	 */
	send_file(s, c, req, f, rest, isdigit((unsigned char)snap[0]) &&
	    strchr(snap, '-') == NULL ? "public, max-age=31536000, immutable" :
	    "no-cache");
	return 1;
}

void
route_request(struct server *s, struct conn *c, const struct http_request *req)
{
	if (req->method == HTTP_M_UNKNOWN) {
		resp_simple(s, c, 501, TEXT, "501 Not Implemented\n");
		return;
	}
	if (access_route(s, c, req))
		return;
	if (req->method != HTTP_M_GET && req->method != HTTP_M_HEAD) {
		resp_head(s, c, 405, TEXT, 23);
		resp_header(c, "Allow", "GET, HEAD");
		resp_end_head(c);
		if (!c->head)
			buf_put(&c->out, "405 Method Not Allowed\n", 23);
		return;
	}
	if (strcmp(req->path, "/__api__/status") == 0) {
		api_status(s, c);
		return;
	}
	if (strncmp(req->path, "/__api__/", 9) == 0) {
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		return;
	}
	if (repo_file(s, c, req))
		return;
	if (s->static_fd == -1) {
		resp_simple(s, c, 404, TEXT, "404 Not Found\n");
		return;
	}
	static_file(s, c, req);
}
