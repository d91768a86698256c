# Each running role is confined as the design says, read from /proc:
# seccomp filter mode, no_new_privs, a non-root uid and gid, no
# capabilities, and its chroot.
NAME=proc
. "$(dirname "$0")/../lib/harness.sh"

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

write_conf
start_airlockd || exit 1
uid=$(id -u airlock)

for role in worker auth; do
	pids=$(role_pids $role)
	check "a $role is running" test -n "$pids"
	for p in $pids; do
		check "$role $p: Seccomp: 2 (filter)" test "$(status_field $p Seccomp)" = 2
		check "$role $p: NoNewPrivs: 1" test "$(status_field $p NoNewPrivs)" = 1
		check "$role $p: runs as airlock (uid $uid)" \
		    test "$(status_field $p Uid)" = "$uid"
		check "$role $p: no capabilities" \
		    test "$(status_field $p CapEff)" = 0000000000000000
		check "$role $p: not dumpable (no core, no ptrace by peers)" \
		    test "$(stat -c %U /proc/$p/status 2>/dev/null)" = root
	done
done
w=$(role_pids worker | head -n 1)
a=$(role_pids auth | head -n 1)
check "worker is chrooted into the store" \
    test "$(readlink /proc/$w/root)" = "$T/data/store"
check "worker holds the static dir open, read-only" \
    sh -c "ls -l /proc/$w/fd | grep -q -- '-> $T/www\$'"
check "auth is chrooted into the database dir" \
    test "$(readlink /proc/$a/root)" = "$T/data/db"
check "auth created its database under its sandbox" \
    test -s "$T/data/db/auth.db"
check "the master is the only root process" \
    test "$(status_field $APID Uid)" = 0
check "roles were exec'd (fresh address space): cmdline says -R" \
    grep -q -- "-R" "/proc/$w/cmdline"
check "roles inherit no environment from the master" \
    test "$(tr '\0' '\n' <"/proc/$w/environ" | grep -vc '^PATH=\|^JOURNAL_STREAM=')" = 0
check "roles hold no listening fd but the shared ones and no stray fds" \
    test "$(ls /proc/$a/fd | wc -l)" -lt 12
stop_airlockd
check "SIGTERM: the master exits 0" test $? -eq 0
