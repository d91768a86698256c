/*
 * synclist: a cran mirror's package list, the optional limit on what it
 * mirrors (the listed packages and their dependency closure, see
 * upstream_closure in sync/upstream.h).  It is kept in the repository's
 * sync_options JSON as "packages" (sorted, unique names) and "suggests"
 * (true: the listed packages' Suggests too); the other keys of that
 * object belong to other settings and are left as they are.
 */
#ifndef AIRLOCK_SYNCLIST_H
#define AIRLOCK_SYNCLIST_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

#define SYNCLIST_MAX 50000	/* names in one list (CRAN has ~22,000) */

/*
 * Applies what a repo create or repo edit request says about the list to
 * opts (a JSON object, changed only on success): "packages", an array of
 * package names, replaces the list, null removes it (the mirror takes
 * everything again); "suggests", a boolean, sets or clears Suggests.
 * When what is not NULL, what changed is appended to it for the audit
 * trail (", package list of N name(s)", ", package list removed",
 * ", with Suggests" ...), as master/syncopt.c (branch syncfeat) does.
 * Returns 1 when it changed something, 0 when req says nothing of the
 * list, -1 with a message for the admin in why (an empty list, one
 * that is not an array of valid names, Suggests without a list).
 */
int synclist_apply(const json_t *req, json_t *opts, struct buf *what,
    char *why, size_t whylen);

/* sync_options as stored (NULL: none) as an object; a new reference. */
json_t *synclist_options(const char *text);

/*
 * For repo list: {"size": N, "suggests": bool} of the stored options, or
 * JSON null when the mirror has no list.  A new reference.
 */
json_t *synclist_summary(const char *text);

#endif
