/*
 * Logging for every role: one line per event on stderr, which the master
 * shares with its children (systemd's journal, or the terminal).  Under
 * journald (JOURNAL_STREAM set) lines carry a <N> priority prefix.
 * fatal() is for the top of a role only; libraries return errors.
 */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* name: the role ("master", "worker"…), shown on every line. */
void log_init(const char *name, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error" | "warn" | "info" | "debug"; -1 when unknown. */
int log_level_parse(const char *s);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* An access-log line, whatever the log level. */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
