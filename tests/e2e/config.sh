# The configuration as an admin meets it: -t checks a file, errors name the
# file, line and key, -o overrides, -T prints the effective settings; the
# privilege-separation user must exist; a non-root start is said plainly.
NAME=config
. "$(dirname "$0")/../lib/harness.sh"

write_conf
check "-t: a good file is OK, exit 0" "$AIRLOCKD" -t -f "$T/airlock.conf"
check "the shipped example config is valid" \
    "$AIRLOCKD" -t -f "$SRCDIR/docs/airlock.conf.example"

bad() {  # bad NAME CONTENT PATTERN
	printf '%s\n' "$2" >"$T/bad.conf"
	"$AIRLOCKD" -t -f "$T/bad.conf" >"$T/out" 2>&1
	st=$?
	check "$1: refused (exit $st)" test "$st" -ne 0
	check "$1: the message says where and what" grep -q -- "$3" "$T/out"
}
bad "unknown key" 'server = {
  workers = 2;
  wrokers = 3;
};' "bad.conf:3: server.wrokers: unknown setting"
bad "unknown group" 'htp = { listen = []; };' "bad.conf:1: htp"
bad "wrong type" 'server = { workers = "two"; };' "bad.conf:1: server.workers"
bad "out of range" 'server = { workers = 0; };' "bad.conf:1: server.workers"
bad "bad duration" 'http = { idle_timeout = "5 parsecs"; };' "bad.conf:1: http.idle_timeout"
bad "bad listen address" 'http = { listen = ["localhost"]; };' "bad.conf:1: http.listen"
bad "syntax error" 'server = { workers = ; };' "bad.conf:1: syntax error"
"$AIRLOCKD" -t -f "$T/nonexistent.conf" >"$T/out" 2>&1
check "a missing file is an error naming it" grep -q "nonexistent.conf" "$T/out"

"$AIRLOCKD" -T -f "$T/airlock.conf" -o server.workers=5 \
    -o 'http.listen=127.0.0.1:1,[::1]:2' >"$T/dump" 2>&1
check "-o overrides the file (-T shows workers = 5)" grep -q 'workers = 5;' "$T/dump"
check "-o takes lists" grep -q '"\[::1\]:2"' "$T/dump"
check "-T output is itself a valid config" "$AIRLOCKD" -t -f "$T/dump"
"$AIRLOCKD" -t -f "$T/airlock.conf" -o server.workerz=5 >"$T/out" 2>&1
check "-o with an unknown key is refused" grep -q "server.workerz" "$T/out"

"$AIRLOCKD" -f "$T/airlock.conf" -o server.user=no-such-user >"$T/out" 2>&1
check "a missing server.user: refused, with how to create it" \
    grep -q "server.user 'no-such-user' does not exist; create it with: useradd" "$T/out"

# Started as an unprivileged user: everything runs as that user.
if command -v setpriv >/dev/null 2>&1; then
	mkdir -p "$T/nr"
	chown nobody "$T/nr"
	sed -i "s|data_dir = .*|data_dir = \"$T/nr/data\";|" "$T/airlock.conf"
	echo nr >"$T/www/index.html"
	: >"$T/log"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$AIRLOCKD" -f "$T/airlock.conf" >>"$T/log" 2>&1 &
	APID=$!
	check "non-root start: ready" wait_log "ready:" 10
	check "non-root start: the log says so" wait_log "not root: every role runs as this user"
	check "non-root start: serving" sh -c "curl -sf '$URL/index.html' | grep -q nr"
	w=$(role_pids worker | head -n 1)
	check "non-root start: workers still under seccomp" \
	    grep -q '^Seccomp:[[:space:]]*2' "/proc/$w/status"
	stop_airlockd
else
	nok "setpriv is missing (util-linux)"
fi
