# Supervision: a killed role is back within a second while requests keep
# being answered; a role that makes a forbidden system call dies by
# SIGSYS and the master logs and audits a sandbox violation; a crash loop
# is cut off and said so.
NAME=supervise
. "$(dirname "$0")/../lib/harness.sh"

write_conf
echo hello >"$T/www/index.html"
start_airlockd || exit 1

# Requests in the background for the whole time a worker is killed.
load() {
	n=0 bad=0
	end=$(($(date +%s) + 3))
	while [ "$(date +%s)" -lt "$end" ]; do
		curl -sf -m 2 -o /dev/null "$URL/index.html" || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad" >"$T/load"
}
load &
lp=$!
sleep 0.5
old=$(role_pids worker | head -n 1)
kill -KILL "$old"
new_worker() { [ "$(role_pids worker | grep -vc "^$old\$")" -ge 2 ]; }
check "kill -9 worker: a new worker within 1 s" wait_for 1 new_worker
wait "$lp"
read -r n bad <"$T/load"
diag "requests during the kill: $n, failed: $bad"
# At most the one connection the dead worker held may be lost.
check "requests kept being answered during the restart ($bad of $n failed)" \
    test "$n" -gt 10 -a "$bad" -le 1
check "the death is logged with its signal" wait_log "worker\[$old\] killed by signal 9"

old=$(role_pids auth)
kill -KILL "$old"
new_auth() { a=$(role_pids auth); [ -n "$a" ] && [ "$a" != "$old" ]; }
check "kill -9 auth: a new auth within 1 s" wait_for 1 new_auth
check "serving while auth restarts" curl -sf -m 2 -o /dev/null "$URL/"

# A forbidden call made inside a live worker (injected with gdb).
w=$(role_pids worker | head -n 1)
if command -v gdb >/dev/null 2>&1; then
	timeout 30 gdb -p "$w" -batch -ex 'print (int)socket(2, 1, 0)' \
	    >"$T/gdb.out" 2>&1
	check "socket() in a worker: killed by SIGSYS, logged as sandbox violation" \
	    wait_log "worker\[$w\]: sandbox violation" 5
	check "the violation is in the audit trail" sh -c \
	    "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --csvlog | grep -q ',sandbox_violation,\"*worker\\[$w\\]'"
	check "the worker was replaced" wait_for 2 sh -c \
	    "[ \$(pgrep -P $APID | wc -l) -eq 3 ]"
else
	nok "gdb is not installed: cannot inject a forbidden call"
fi
stop_airlockd

# Crash loop: one worker, killed each time it comes back.
rm -f "$T/airlock.conf"
WORKERS=1 write_conf
start_airlockd || exit 1
i=0
while [ $i -lt 5 ]; do
	p=
	wait_for 15 sh -c "pgrep -P $APID -f 'R worker' >/dev/null" &&
	    p=$(role_pids worker)
	[ -n "$p" ] && kill -KILL $p
	sleep 0.05
	i=$((i + 1))
done
check "five deaths within a minute: the master gives up and says so" \
    wait_log "died 5 times in 60s: not restarting it" 5
check "the crash loop is audited" sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --csvlog | grep -q ',crash_loop,'"
sleep 1
check "no worker is restarted after that" test -z "$(role_pids worker)"
check "the master itself keeps running" kill -0 "$APID"
