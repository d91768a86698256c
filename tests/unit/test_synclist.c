/*
 * synclist: a mirror's package list as repo create / repo edit set it in
 * sync_options, and as the job and repo list read it back.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "synclist.h"
#include "test.h"

static char last_what[256];	/* what the last apply said it changed */

/* synclist_apply of req (JSON text) to opts (JSON text): result, opts. */
static int
apply(const char *req, const char *opts, char *out, size_t outsz,
    char *why, size_t whylen)
{
	json_t *r = json_loads(req, 0, NULL), *o = json_loads(opts, 0, NULL);
	struct buf what;
	char *t;
	int rc;

	why[0] = '\0';
	buf_init(&what, 1024);
	rc = synclist_apply(r, o, &what, why, whylen);
	t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(out, outsz, "%s", t ? t : "?");
	buf_put_u8(&what, 0);
	snprintf(last_what, sizeof(last_what), "%s", (char *)what.data);
	buf_release(&what);
	free(t);
	json_decref(r);
	json_decref(o);
	return rc;
}

static void
test_apply(void)
{
	char out[512], why[256];

	/* Sorted, unique; other keys (syncfeat's) are kept. */
	CHECK(apply("{\"packages\":[\"zz\",\"aa\",\"zz\"]}",
	    "{\"proxy\":\"http://p:3128\"}", out, sizeof(out), why,
	    sizeof(why)) == 1);
	CHECK(strcmp(out, "{\"packages\":[\"aa\",\"zz\"],\"proxy\":"
	    "\"http://p:3128\"}") == 0);
	CHECK(strcmp(last_what, ", package list of 2 name(s)") == 0);
	CHECK(apply("{\"packages\":[\"top\"],\"suggests\":true}", "{}", out,
	    sizeof(out), why, sizeof(why)) == 1);
	CHECK(strcmp(out, "{\"packages\":[\"top\"],\"suggests\":true}") == 0);
	/* Nothing about the list: nothing changes. */
	CHECK(apply("{\"name\":\"x\"}", "{\"limit\":1}", out, sizeof(out), why,
	    sizeof(why)) == 0);
	CHECK(strcmp(out, "{\"limit\":1}") == 0);
	/* An edit: --suggests alone on a mirror that has a list. */
	CHECK(apply("{\"suggests\":true}", "{\"packages\":[\"a1\"]}", out,
	    sizeof(out), why, sizeof(why)) == 1);
	CHECK(strcmp(out, "{\"packages\":[\"a1\"],\"suggests\":true}") == 0);
	CHECK(strcmp(last_what, ", with Suggests") == 0);
	/* null removes the list and its Suggests flag, not the rest. */
	CHECK(apply("{\"packages\":null}", "{\"packages\":[\"a1\"],"
	    "\"suggests\":true,\"limit\":1}", out, sizeof(out), why,
	    sizeof(why)) == 1);
	CHECK(strcmp(out, "{\"limit\":1}") == 0);
	CHECK(strcmp(last_what, ", package list removed (mirrors everything)")
	    == 0);
}

static void
test_refused(void)
{
	char out[512], why[256];

	CHECK(apply("{\"packages\":[]}", "{\"limit\":1}", out, sizeof(out),
	    why, sizeof(why)) == -1 && strstr(why, "empty") != NULL);
	CHECK(strcmp(out, "{\"limit\":1}") == 0);
	CHECK(apply("{\"packages\":[\"ok1\",\"no way\"]}", "{}", out,
	    sizeof(out), why, sizeof(why)) == -1 &&
	    strstr(why, "'no way'") != NULL);
	CHECK(strcmp(out, "{}") == 0);
	CHECK(apply("{\"packages\":[\"x\"]}", "{}", out, sizeof(out), why,
	    sizeof(why)) == -1);
	CHECK(apply("{\"packages\":[\"x.\"]}", "{}", out, sizeof(out), why,
	    sizeof(why)) == -1);
	CHECK(apply("{\"packages\":[\"a\\u0001b\"]}", "{}", out, sizeof(out),
	    why, sizeof(why)) == -1 && strchr(why, '\001') == NULL);
	CHECK(apply("{\"packages\":[7]}", "{}", out, sizeof(out), why,
	    sizeof(why)) == -1);
	CHECK(apply("{\"packages\":\"top\"}", "{}", out, sizeof(out), why,
	    sizeof(why)) == -1);
	CHECK(apply("{\"suggests\":true}", "{}", out, sizeof(out), why,
	    sizeof(why)) == -1 && strstr(why, "package list") != NULL);
	CHECK(apply("{\"packages\":[\"ab\"],\"suggests\":1}", "{}", out,
	    sizeof(out), why, sizeof(why)) == -1);
	CHECK(strcmp(out, "{}") == 0);
}

static void
test_read_back(void)
{
	json_t *j;
	char *t;

	j = synclist_summary("{\"packages\":[\"a1\",\"b2\"],\"suggests\":true,"
	    "\"limit\":3}");
	t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(t != NULL && strcmp(t, "{\"size\":2,\"suggests\":true}") == 0);
	free(t);
	json_decref(j);
	CHECK(json_is_null(j = synclist_summary(NULL)));
	json_decref(j);
	CHECK(json_is_null(j = synclist_summary("{\"limit\":3}")));
	json_decref(j);
	CHECK(json_is_null(j = synclist_summary("not json")));
	json_decref(j);
	j = synclist_options("[1]");
	CHECK(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
}

int
main(void)
{
	RUN(test_apply);
	RUN(test_refused);
	RUN(test_read_back);
	TEST_EXIT();
}
