#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg.h"
#include "synclist.h"
#include "util.h"

static int
cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
	    json_string_value(*(json_t *const *)b));
}

/* The names of list, checked, sorted and unique; NULL with why. */
static json_t *
names_checked(const json_t *list, char *why, size_t whylen)
{
	json_t **v, *out, *e;
	size_t n = json_array_size(list), i, k;
	const char *s;
	char vis[96];

	if (!json_is_array(list)) {
		snprintf(why, whylen, "the package list must be an array of "
		    "names");
		return NULL;
	}
	if (n == 0) {
		snprintf(why, whylen, "an empty package list would mirror "
		    "nothing (to mirror everything upstream, remove the list)");
		return NULL;
	}
	if (n > SYNCLIST_MAX) {
		snprintf(why, whylen, "a package list of %zu names, more than "
		    "%d", n, SYNCLIST_MAX);
		return NULL;
	}
	json_array_foreach(list, i, e) {
		s = json_string_value(e);
		if (s == NULL || !pkg_name_valid(s)) {
			snprintf(why, whylen, "'%s' in the package list is "
			    "not a package name: two or more letters, digits "
			    "and '.', starting with a letter, not ending with "
			    "'.'", s ? str_vis(vis, sizeof(vis), s) :
			    "(not a string)");
			return NULL;
		}
	}
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	json_array_foreach(list, i, e)
		v[i] = e;
	qsort(v, n, sizeof(*v), cmp_json_str);
	out = json_array();
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || strcmp(json_string_value(v[i]),
		    json_string_value(v[k - 1])) != 0) {
			v[k++] = v[i];
			json_array_append(out, v[i]);
		}
	free(v);
	return out;
}

int
synclist_apply(const json_t *req, json_t *opts, struct buf *what, char *why,
    size_t whylen)
{
	json_t *list = json_object_get(req, "packages");
	json_t *sugg = json_object_get(req, "suggests");
	json_t *names = NULL;
	int has_list;

	if (list == NULL && sugg == NULL)
		return 0;
	if (sugg != NULL && !json_is_boolean(sugg)) {
		snprintf(why, whylen, "suggests must be true or false");
		return -1;
	}
	if (list != NULL && !json_is_null(list) &&
	    (names = names_checked(list, why, whylen)) == NULL)
		return -1;
	has_list = names != NULL || (list == NULL &&
	    json_is_array(json_object_get(opts, "packages")));
	if (json_is_true(sugg) && !has_list) {
		snprintf(why, whylen, "--suggests applies to a package list "
		    "(--packages or --package-file)");
		json_decref(names);
		return -1;
	}
	if (names != NULL) {
		if (what != NULL)
			buf_putf(what, ", package list of %zu name(s)",
			    json_array_size(names));
		json_object_set_new(opts, "packages", names);
	} else if (list != NULL) {
		if (what != NULL)
			buf_putf(what, ", package list removed (mirrors "
			    "everything)");
		json_object_del(opts, "packages");
		json_object_del(opts, "suggests");
	}
	if (sugg != NULL && has_list) {
		if (what != NULL)
			buf_putf(what, json_is_true(sugg) ? ", with Suggests" :
			    ", without Suggests");
		json_object_set(opts, "suggests", sugg);
	}
	return 1;
}

json_t *
synclist_options(const char *text)
{
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

json_t *
synclist_summary(const char *text)
{
	json_t *o = synclist_options(text), *list, *s;

	list = json_object_get(o, "packages");
	s = json_is_array(list) ? json_pack("{s:I, s:b}", "size",
	    (json_int_t)json_array_size(list), "suggests",
	    json_is_true(json_object_get(o, "suggests"))) : json_null();
	json_decref(o);
	return s;
}
