# Sourced by the sync tests after harness.sh: what they all ask of a
# running airlockd with cran mirrors.
#   . "$SRCDIR/tests/lib/synctest.sh"

# ctl ARGS...: airlockctl on this test's configuration, as an admin.
ctl() { SUDO_USER=root LOGNAME=root "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
# rq CODE: R's output (and errors) for one expression.
rq() { Rscript --vanilla -e "$1" 2>&1; }
sync_pid() { pgrep -P "$APID" -f 'airlockd -R sync' 2>/dev/null; }
no_sync() { test -z "$(sync_pid)"; }

# snap_latest REPO: the id of its newest snapshot (0: none).
snap_latest() {
	ctl --json snapshot list "$1" 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin).get("snapshots") or []
    print(max([int(x["id"]) for x in s] or [0]))
except Exception:
    print(0)'
}
has_snap() { test "$(snap_latest "$1")" -gt 0; }
# snap_after REPO ID: it has a snapshot newer than ID.
snap_after() { test "$(snap_latest "$1")" -gt "$2"; }

# progress REPO EXPR: a Python expression over p, the mirror's progress
# in sync status --json (and st, the whole of it).
progress() {
	ctl --json sync status 2>/dev/null | python3 -c '
import json, sys
try:
    st = json.load(sys.stdin)
except Exception:
    st = {}
p = (st.get("progress") or {}).get(sys.argv[1]) or {}
print(eval(sys.argv[2]))' "$1" "$2"
}

# served REPO [TREE]: the packages its latest snapshot lists, sorted, on
# one line.
served() {
	curl -s "$URL/$1/latest/${2:-src/contrib}/PACKAGES" |
	    sed -n 's/^Package: //p' | sort | tr '\n' ' '
}

# log_tail: what the daemon said about sync, when a check failed.
log_tail() { grep -i 'sync' "$T/log" | tail -n 15 | sed 's/^/# log: /'; }
# checkl DESCRIPTION COMMAND...: check, with log_tail after a failure.
checkl() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else nok "$_d"; log_tail; fi
}
