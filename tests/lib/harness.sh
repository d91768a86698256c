# Sourced by the end-to-end tests: starts and stops a real airlockd on
# loopback, in a scratch directory, and prints TAP lines.
#   NAME=signals . "$TESTS/lib/harness.sh"
# SRCDIR and BUILDDIR come from tests/run.sh (default: the checkout).
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR}
AIRLOCKD=$BUILDDIR/airlockd
T=$(mktemp -d /tmp/airlock-test.XXXXXX)
chmod 755 "$T"
APID=
PORT=
URL=

FAILS=0
ok() { echo "ok - $NAME: $*"; }
nok() {
	FAILS=$((FAILS + 1))
	echo "not ok - $NAME: $*"
}
# check DESCRIPTION COMMAND...: one TAP line from a command's status.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else nok "$_d"; fi
}
diag() { echo "# $*"; }

# postmortem: after a failed check, how the master ended (if it did) and
# the end of its log, so that a failure seen only in CI can be read.
postmortem() {
	[ "$FAILS" -gt 0 ] && [ -f "$T/log" ] || return 0
	if [ -n "$APID" ] && ! kill -0 "$APID" 2>/dev/null; then
		wait "$APID" 2>/dev/null
		diag "airlockd (pid $APID) is gone: exit status $?"
	fi
	diag "last lines of the daemon's log:"
	tail -n "${POSTMORTEM_LINES:-40}" "$T/log" | sed 's/^/#   /'
}

cleanup() {
	postmortem
	if [ -n "$APID" ] && kill -0 "$APID" 2>/dev/null; then
		kill -TERM "$APID" 2>/dev/null
		sleep 0.5
		kill -KILL "$APID" 2>/dev/null
	fi
	pkill -KILL -f "airlockd -R .*" -P "$APID" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# write_conf [LINES...]: $T/airlock.conf with a fresh port and data dir;
# extra lines go inside the http group (http.*) via CONF_HTTP, inside
# server via CONF_SERVER, and whole other groups via CONF_EXTRA.
write_conf() {
	PORT=${PORT:-$(free_port)}
	URL=http://127.0.0.1:$PORT
	mkdir -p "$T/www" "$T/data"
	cat >"$T/airlock.conf" <<CONF
server = {
	data_dir = "$T/data";
	workers = ${WORKERS:-2};
	${CONF_SERVER:-}
};
http = {
	listen = ["127.0.0.1:$PORT"];
	static_dir = "$T/www";
	${CONF_HTTP:-}
};
${CONF_EXTRA:-}
CONF
}

# wait_log PATTERN [SECONDS]: until the daemon's log has a line matching.
wait_log() {
	_i=0
	while [ "$_i" -lt "$((${2:-10} * 20))" ]; do
		grep -q -- "$1" "$T/log" 2>/dev/null && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# all_up: the status API reports every configured worker up.
all_up() {
	curl -sf -m 2 "$URL/__api__/status" 2>/dev/null |
	    grep -q '"workers":{"up":\([0-9]*\),"configured":\1}'
}

# start_airlockd [ARGS...]: starts the master in the background and waits
# for its "ready:" line (READY_BY=status: for the status API instead, when
# the log level hides that line).
start_airlockd() {
	[ -f "$T/airlock.conf" ] || write_conf
	: >"$T/log"
	"$AIRLOCKD" -f "$T/airlock.conf" "$@" >>"$T/log" 2>&1 &
	APID=$!
	if [ "${READY_BY:-log}" = status ]; then
		wait_for 10 all_up && return 0
		diag "airlockd did not become ready; its log:"
		sed 's/^/# /' "$T/log"
		return 1
	fi
	if ! wait_log "ready:" 10; then
		diag "airlockd did not become ready; its log:"
		sed 's/^/# /' "$T/log"
		return 1
	fi
}

stop_airlockd() {
	[ -n "$APID" ] || return 0
	kill -TERM "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	_st=$?
	APID=
	return $_st
}

# role_pids ROLE: the pids of the master's children running that role.
role_pids() {
	for _p in $(pgrep -P "$APID" 2>/dev/null); do
		tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null |
		    grep -q -- "-R $1 " && echo "$_p"
	done
}

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}
