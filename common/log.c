#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char log_name[32] = "airlockd";
static enum log_level log_level = LOG_LVL_INFO;
static int log_journal;	/* stderr is a journald stream */
static int log_tty;

void
log_init(const char *name, enum log_level level)
{
	snprintf(log_name, sizeof(log_name), "%s", name);
	log_level = level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_tty = isatty(STDERR_FILENO);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static void log_emit(enum log_level, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
log_emit(enum log_level lvl, const char *fmt, va_list ap)
{
	/* syslog priorities: err, warning, info, debug */
	static const int prio[] = { 3, 4, 6, 7 };
	static const char *tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[2048];
	int n = 0, m, save = errno;

	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>", prio[lvl]);
	else if (!log_tty) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	m = snprintf(line + n, sizeof(line) - (size_t)n, "%s[%d]: %s", log_name,
	    (int)getpid(), tag[lvl]);
	if (m > 0)
		n += m;
	if ((size_t)n < sizeof(line)) {
		m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line so lines from several roles do not interleave. */
	(void)!write(STDERR_FILENO, line, (size_t)n);
	errno = save;
}

#define LOG_FN(fn, lvl)                              \
	void fn(const char *fmt, ...)                \
	{                                            \
		va_list ap;                          \
		if (log_level < (lvl))               \
			return;                      \
		va_start(ap, fmt);                   \
		log_emit((lvl), fmt, ap);            \
		va_end(ap);                          \
	}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	_exit(1);
}

void
log_access(const char *fmt, ...)
{
	va_list ap;

	/* Asked for with http.access_log, so not subject to the log level. */
	va_start(ap, fmt);
	log_emit(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}
