/*
 * audit: the master's security events (sandbox violations, crash loops,
 * reloads, start and stop).  Until the auth role owns the audit trail
 * (its database table, hash-chained), each event is a log line and a JSON
 * line appended and fsync'd to DATA_DIR/audit.log, readable by root only.
 */
#ifndef AIRLOCK_AUDIT_H
#define AIRLOCK_AUDIT_H

#include <sys/types.h>

int audit_open(const char *data_dir);
void audit_event(const char *event, const char *role, pid_t pid,
    const char *detail);
void audit_close(void);

#endif
