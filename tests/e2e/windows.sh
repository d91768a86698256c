# Connectivity windows: no sync process and no socket beyond loopback
# outside a window; an admin's window starts the sync role (sandboxed,
# chrooted in the quarantine) and closing it or its end kills it; the
# two-person rule; windows from sync.schedule; every step audited.
# The mirror's upstream here accepts connections and never answers, so
# the sync role is busy for the whole window (tests/e2e/sync.sh mirrors a
# real one).
NAME=windows
. "$(dirname "$0")/../lib/harness.sh"
ctl() { SUDO_USER=${AS:-root} LOGNAME=${AS:-root} "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
sql() {
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
print('\n'.join('|'.join(str(x) for x in r) for r in c.execute(sys.argv[2]))); c.commit()" "$@"
}
sync_pid() { pgrep -P "$APID" -f 'airlockd -R sync' 2>/dev/null; }
# Sockets of airlockd's processes bound or connected beyond loopback.
outside() {
	python3 - "$APID" <<'PY'
import os, sys, re
master = sys.argv[1]
def ppid(p):
    # A process may end between listdir and open (other tests run too).
    try:
        return open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return None
pids = [master] + [p for p in os.listdir("/proc") if p.isdigit() and
    ppid(p) == master]
inodes = set()
for p in pids:
    try:
        for fd in os.listdir(f"/proc/{p}/fd"):
            m = re.match(r"socket:\[(\d+)\]", os.readlink(f"/proc/{p}/fd/{fd}"))
            if m:
                inodes.add(m.group(1))
    except OSError:
        pass
bad = 0
for f, loop in (("/proc/net/tcp", ("0100007F",)), ("/proc/net/tcp6",
    ("00000000000000000000000001000000", "0000000000000000FFFF00000100007F"))):
    for line in open(f).readlines()[1:]:
        x = line.split()
        if x[9] not in inodes:
            continue
        for addr in (x[1], x[2]):
            ip = addr.split(":")[0]
            if set(ip) != {"0"} and ip not in loop:
                bad += 1
print(bad)
PY
}

SILENT=$(free_port)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $SILENT)); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)
" &
SPID=$!
trap 'kill $SPID 2>/dev/null; cleanup' EXIT
CONF_EXTRA="sync = { max_window = \"1h\"; };"
write_conf
start_airlockd || exit 1
# By name: the sync role resolves it through the files copied into its
# chroot (/etc/hosts here).
ctl repo create slow --kind cran --upstream "http://localhost:$SILENT/" >/dev/null
check "no window: no sync process" test -z "$(sync_pid)"
check "no window: no airlockd socket beyond loopback ($(outside))" test "$(outside)" = 0
ctl sync open --for 2h --reason x >"$T/out" 2>&1
check "a window longer than sync.max_window is refused" grep -q "sync.max_window" "$T/out"
ctl sync open --for 30m --reason "monthly CRAN update" >"$T/out" 2>&1
check "sync open: the window opens" grep -q "window 1 open" "$T/out"
check "…and the sync role starts" wait_for 3 sh -c "pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
s=$(sync_pid)
check "sync: Seccomp 2, user airlock, chrooted in the quarantine" sh -c "
    grep -q '^Seccomp:[[:space:]]*2' /proc/$s/status &&
    grep -q \"^Uid:[[:space:]]*$(id -u airlock)\" /proc/$s/status &&
    test \"\$(readlink /proc/$s/root)\" = '$T/data/quarantine'"
ctl sync status >"$T/out" 2>&1
check "the resolver's files are in the sync role's chroot" sh -c '
    for f in resolv.conf hosts nsswitch.conf; do
	[ -e /etc/$f ] || continue
	cmp -s /etc/$f "$1/$f" || exit 1
    done' - "$T/data/quarantine/etc"
check "sync status: running, window 1 open" \
    sh -c "grep -q 'sync process: running' '$T/out' && grep -q '^1 *open' '$T/out'"
ctl sync close >"$T/out" 2>&1
check "sync close" grep -q "closed window 1" "$T/out"
check "…kills the sync role" wait_for 3 sh -c "! pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
check "…and the window is closed" test "$(sql "$T/data/store.db" "SELECT state FROM sync_windows WHERE id = 1")" = closed

# A window ends on time, whatever its sync is doing.
ctl sync open --for 30m --reason "ends by itself" >/dev/null
check "window 2 open" wait_for 3 sh -c "pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
sql "$T/data/store.db" "UPDATE sync_windows SET end_at = strftime('%s', 'now') + 1 WHERE id = 2" >/dev/null
check "at its end the sync role is killed" wait_for 5 sh -c "! pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
check "…and the window has expired" test "$(sql "$T/data/store.db" "SELECT state FROM sync_windows WHERE id = 2")" = expired
check "no window: no socket beyond loopback again" test "$(outside)" = 0

# Two people.
CONF_EXTRA="sync = { max_window = \"1h\"; require_approval = true; };"
write_conf
kill -HUP "$APID"
wait_log "reload complete (generation 1)" 10
AS=alice ctl sync open --for 30m --reason "needs two" >"$T/out" 2>&1
check "with sync.require_approval the window waits" grep -q "waiting for another admin" "$T/out"
sleep 1.5
check "…and no sync process starts" test -z "$(sync_pid)"
AS=alice ctl sync approve 3 >"$T/out" 2>&1
check "the opener cannot approve their own window" grep -q "another admin must approve" "$T/out"
AS=bob ctl sync approve 3 >"$T/out" 2>&1
check "another admin approves it" grep -q "approved window 3" "$T/out"
check "…and the sync role starts" wait_for 3 sh -c "pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
AS=bob ctl sync close >/dev/null
AS=alice ctl sync open --for 30m --reason "never approved" >/dev/null
sql "$T/data/store.db" "UPDATE sync_windows SET end_at = strftime('%s', 'now') WHERE id = 4" >/dev/null
check "an unapproved window expires at its end" wait_for 3 sh -c \
    "test \"\$(python3 -c \"import sqlite3; print(sqlite3.connect('$T/data/store.db').execute('SELECT state FROM sync_windows WHERE id = 4').fetchone()[0])\")\" = expired"

# The clock: a window from sync.schedule, in this very minute.
now=$(date -u +%H:%M)
CONF_EXTRA="sync = { schedule = [\"daily $now 5m\"]; };"
write_conf
kill -HUP "$APID"
wait_log "reload complete (generation 2)" 10
check "sync.schedule opens a window" wait_for 4 sh -c "pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
ctl sync history >"$T/out" 2>&1
check "sync history lists it, opened by the schedule" grep -q "^5 *open .*schedule" "$T/out"
sed 's/^/# /' "$T/out"
ctl sync close >/dev/null
check "closed" wait_for 3 sh -c "! pgrep -P $APID -f 'airlockd -R sync' >/dev/null"
ctl audit dump --csvlog >"$T/audit"
for a in sync_open sync_approve sync_start sync_end sync_kill sync_close sync_expire; do
	check "audit: $a" grep -q ",$a," "$T/audit"
done
