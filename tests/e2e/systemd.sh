# systemd integration without systemd running: socket activation through
# systemd-socket-activate, and the sd_notify protocol (READY, RELOADING,
# STOPPING, WATCHDOG) against a stand-in notify socket.
NAME=systemd
. "$(dirname "$0")/../lib/harness.sh"

write_conf
echo activated >"$T/www/index.html"

if command -v systemd-socket-activate >/dev/null 2>&1; then
	: >"$T/log"
	systemd-socket-activate -l "127.0.0.1:$PORT" "$AIRLOCKD" \
	    -f "$T/airlock.conf" -o 'http.listen=' >>"$T/log" 2>&1 &
	APID=$!
	sleep 0.3
	# The first connection starts airlockd, which takes over the socket.
	check "socket activation: a request through systemd's socket" \
	    sh -c "curl -sf -m 10 '$URL/index.html' | grep -q activated"
	check "the master says it uses systemd's socket" \
	    wait_log "using 1 socket(s) from systemd" 2
	check "it bound nothing itself" sh -c "! grep -q 'listening on' '$T/log'"
	check "workers serve later connections too" \
	    sh -c "curl -sf -m 5 '$URL/index.html' | grep -q activated"
	stop_airlockd
	check "SIGTERM under socket activation: exit 0" test $? -eq 0
else
	nok "systemd-socket-activate is not installed (apt-get install systemd)"
fi

python3 "$SRCDIR/tests/lib/notify_listen.py" "$T/notify.sock" "$T/notify" 20 &
np=$!
check "the stand-in notify socket is up" wait_for 10 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 start_airlockd || exit 1
check "READY=1 once every role is up" wait_for 3 grep -q '^READY=1' "$T/notify"
sleep 1.6
check "WATCHDOG=1 at half the interval" \
    test "$(grep -c '^WATCHDOG=1' "$T/notify")" -ge 2
kill -HUP "$APID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" \
    wait_for 3 grep -q '^RELOADING=1 MONOTONIC_USEC=[0-9]' "$T/notify"
check "…then READY=1 again" wait_for 3 sh -c \
    "[ \$(grep -c '^READY=1' '$T/notify') -ge 2 ]"
check "roles do not see NOTIFY_SOCKET" sh -c \
    "! tr '\0' '\n' </proc/$(role_pids worker | head -n 1)/environ | grep -q NOTIFY"
stop_airlockd
check "SIGTERM: STOPPING=1" grep -q '^STOPPING=1' "$T/notify"
kill "$np" 2>/dev/null
