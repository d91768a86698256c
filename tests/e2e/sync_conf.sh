# Mirrors declared in airlock.conf (sync.mirrors): created at start with
# the entry's settings (a CA file, a package list, a concurrency limit,
# credentials from a file), audited as airlock.conf's; a window mirrors
# the list's closure from a real nginx over HTTPS with auth_basic; repo
# edit of a declared mirror is refused; a changed entry is applied at
# SIGHUP (and audited), an unchanged one is left alone at a restart; a
# bad entry is refused at start with the line that is wrong; the
# credentials are in neither store.db nor the log in clear.
NAME=sync_conf
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/upstream.sh"
. "$SRCDIR/tests/lib/synctest.sh"
LC_ALL=C.UTF-8
export LC_ALL
C=$T/up/src/contrib
# repo_json EXPR: over s (cfg's "sync" object) and r (its repo list row).
repo_json() {
	ctl --json repo list 2>/dev/null | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin)["repos"] if x["name"] == "cfg"]
r = r[0] if r else {}
s = r.get("sync") or {}
print(eval(sys.argv[1]))' "$1"
}
audits() { ctl audit dump --csvlog 2>/dev/null | grep -c "$1"; }
mirrors_conf() {
	CONF_EXTRA="sync = { mirrors = [\"$1\"]; };"
	write_conf
}

mkdir -p "$C"
mkpkg "$C" lowpkg 1.0 && mkpkg "$C" midpkg 1.0 "lowpkg" &&
    mkpkg "$C" toppkg 1.0 "midpkg" && mkpkg "$C" otherpkg 1.0
check "four upstream packages" test "$(ls "$C"/*.tar.gz | wc -l)" = 4
upstream_index "$T/up"
UPASS="Cf-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf 'mirror:%s\n' "$(openssl passwd -apr1 "$UPASS")" >"$T/htpasswd"
chmod 644 "$T/htpasswd"
printf 'mirror:%s\n' "$UPASS" >"$T/creds"
chmod 600 "$T/creds"
printf '# what we use\ntoppkg\n' >"$T/list"
upstream_certs
UP_SERVER="auth_basic \"airlock test\"; auth_basic_user_file $T/htpasswd;"
UP_CHECK="-u mirror:$UPASS"
upstream_start "$T/up"
check "the upstream answers with the credentials" upstream_up

# 1. A bad entry: airlockd refuses to start and says which.
mirrors_conf "cfg ftp://nowhere concurrency=2"
"$BUILDDIR/airlockd" -f "$T/airlock.conf" -t >"$T/out" 2>&1
check "airlockd -t refuses a bad sync.mirrors entry" test $? -ne 0
sed 's/^/# /' "$T/out" | head -n 3
check "…naming it" grep -q 'sync.mirrors.*ftp://nowhere' "$T/out"

# 2. A good one: created at start, as the entry says.
SPEC="cfg $UPURL ca=$UPCA packages=$T/list concurrency=2 credentials=$T/creds"
mirrors_conf "$SPEC"
start_airlockd || exit 1
check "the declared mirror exists at start, kind cran" test \
    "$(repo_json 'r.get("kind")')" = cran
check "…with concurrency 2, the CA, the credentials and a list of 1" test \
    "$(repo_json '(s.get("concurrency"), s.get("ca_file"), s.get("credentials"), r.get("package_list"), s.get("declared_in_config"))')" = \
    "(2, 'set', 'set', {'size': 1, 'suggests': False}, True)"
check "audit: created by airlock.conf" test \
    "$(audits ',add_repository,.*airlock.conf (sync.mirrors) created repository cfg')" = 1
ctl repo edit cfg --concurrency 4 >"$T/out" 2>&1
check "repo edit of a declared mirror is refused" sh -c \
    "test $? -ne 0 && grep -q 'declared in airlock.conf' '$T/out'"

# 3. A window mirrors the list's closure with the credentials.
ctl sync open --for 30m --reason "declared" >/dev/null 2>&1
wait_log "the pass of cfg is" 90 || diag "no end of pass in the log"
wait_for 10 no_sync
ctl sync close >/dev/null 2>&1
check "the closure of the list is served: $(served cfg)" test \
    "$(served cfg)" = "lowpkg midpkg toppkg "

# 4. A restart with the same entry changes nothing.
stop_airlockd
start_airlockd || exit 1
check "a restart with the entry unchanged: no new record" test \
    "$(audits ',edit_repository,.*cfg')" = 0

# 5. A changed entry is applied at SIGHUP: the others are cleared.
mirrors_conf "cfg $UPURL ca=$UPCA concurrency=3 credentials=$T/creds binaries=win.binary:4.2,mac.binary.big-sur-arm64:4.3"
kill -HUP "$APID"
wait_log "sync.mirrors: cfg set" 20
check "after SIGHUP: concurrency 3, no package list, the two binary trees" test \
    "$(repo_json '(s.get("concurrency"), r.get("package_list"), s.get("credentials"), s.get("binaries"))')" = \
    "(3, None, 'set', ['win.binary:4.2', 'mac.binary.big-sur-arm64:4.3'])"
check "audit: the edit, as airlock.conf's" test \
    "$(audits ',edit_repository,.*airlock.conf (sync.mirrors) edited repository cfg')" = 1

# 6. The credentials are nowhere in clear.
ctl audit dump --csvlog >"$T/audit" 2>&1
check "the audit trail is there to search" test -s "$T/audit"
check "the password is not in store.db, the log or the audit trail" sh -c \
    "! grep -q -a '$UPASS' '$T/data/store.db' '$T/log' '$T/audit'"
