/*
 * notify: the systemd readiness protocol (sd_notify) without libsystemd:
 * one datagram to $NOTIFY_SOCKET per state change, and the watchdog
 * interval from $WATCHDOG_USEC.  Everything is a no-op outside systemd.
 */
#ifndef AIRLOCK_NOTIFY_H
#define AIRLOCK_NOTIFY_H

#include <stdint.h>

void notify_init(void);
/* Sends "READY=1", "STOPPING=1"…; failures are logged once, not fatal. */
void notify_send(const char *state);
/* RELOADING=1 with MONOTONIC_USEC, as systemd's Type=notify-reload wants. */
void notify_reloading(void);
/* Half the watchdog interval in ms, or 0 when no watchdog is asked for. */
int64_t notify_watchdog_ms(void);
#endif
