/*
 * A minimal TAP producer for unit tests: RUN(fn) prints "ok - fn" or
 * "not ok - fn"; CHECK reports the failing expression with its line.
 * tests/run.sh counts the lines.
 */
#ifndef AIRLOCK_TEST_H
#define AIRLOCK_TEST_H

#include <stdio.h>

static int t_fail, t_failed, t_run;

#define CHECK(c)                                                        \
	do {                                                            \
		if (!(c)) {                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",    \
			    __FILE__, __LINE__, #c);                    \
			t_fail = 1;                                     \
		}                                                       \
	} while (0)

#define RUN(fn)                                                         \
	do {                                                            \
		t_fail = 0;                                             \
		fn();                                                   \
		t_run++;                                                \
		printf("%s - %s\n", t_fail ? "not ok" : "ok", #fn);     \
		fflush(stdout);                                         \
		t_failed += t_fail;                                     \
	} while (0)

#define TEST_EXIT() return t_failed ? 1 : 0

#endif
