# A mirror's sync settings, end to end, with real servers: an nginx
# upstream over HTTPS with auth_basic (mirrored only with the right
# credentials; the wrong ones are reported for the index and publish
# nothing), then with ssl_verify_client on (mirrored only with the client
# certificate), reached through a real forward proxy (tinyproxy, with
# BasicAuth: its log shows the pass went through it); --concurrency 1 is
# one connection in nginx's log; --max-rate makes the pass take at least
# size/rate.  repo edit changes and clears each setting, refuses a bad
# value or a local repository with nothing changed, and is audited.
# Sealed values copied to another mirror's row do not open there, and a
# sync key that is not root's 0600 is refused.
# Afterwards no password, and no line of the client key, is in store.db,
# the daemon's log, the audit trail, repo list --json, or the sync
# process's argv and environment; the sync key is 0600 root in a 0700
# directory.
NAME=sync_opts
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/upstream.sh"
. "$SRCDIR/tests/lib/synctest.sh"
LC_ALL=C.UTF-8
export LC_ALL
C=$T/up/src/contrib
POOL=$T/pool
R=opts
# sync_json EXPR: a Python expression over st (sync status --json) and p
# (the mirror's progress).
sync_json() {
	ctl --json sync status 2>/dev/null | python3 -c '
import json, sys
try:
    st = json.load(sys.stdin)
except Exception:
    st = {}
p = (st.get("progress") or {}).get(sys.argv[2]) or {}
print(eval(sys.argv[1]))' "$1" "$R"
}
# repo_json EXPR: over s, the mirror's "sync" object in repo list --json.
repo_json() {
	ctl --json repo list 2>/dev/null | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin)["repos"] if x["name"] == sys.argv[2]]
s = r[0].get("sync") if r else None
print(eval(sys.argv[1]))' "$1" "$R"
}
# add_pkgs NAME...: from the pool into the upstream, indexed again.
add_pkgs() {
	for _p in "$@"; do cp "$POOL/$_p"_1.0.tar.gz "$C/"; done
	chmod 644 "$C"/*.tar.gz
	upstream_index "$T/up"
}
# window: opens one, waits for the mirror's pass to end, closes it.
WIN=0
window() {
	WIN=$((WIN + 1))
	ctl sync open --for 30m --reason "$1" >"$T/out" 2>&1 ||
	    sed 's/^/# open: /' "$T/out"
	wait_log "window $WIN: the pass of $R is" 90 ||
	    diag "window $WIN: no end of pass in the log"
	wait_for 10 no_sync
	ctl sync status >"$T/status" 2>&1
	ctl sync close >/dev/null 2>&1
}
pass_of() { grep "window $WIN: the pass of $R is" "$T/log" | tail -n 1; }

for t in Rscript nginx tinyproxy openssl; do
	if ! command -v $t >/dev/null 2>&1; then
		nok "$t is not installed (scripts/deps test)"
		exit 1
	fi
done

# 1. Packages, credentials, a client certificate from the upstream's CA.
mkdir -p "$C" "$POOL"
for p in alpha beta gamma delta eps1 eps2 eps3; do mkpkg "$POOL" $p 1.0; done
mkdir -p "$T/big/ratepkg/inst"
printf 'Package: ratepkg\nVersion: 1.0\nTitle: Rate\nDescription: Rate.\nLicense: MIT\nNeedsCompilation: no\n' \
    >"$T/big/ratepkg/DESCRIPTION"
head -c 1500000 /dev/urandom >"$T/big/ratepkg/inst/blob"
tar -C "$T/big" -czf "$POOL/ratepkg_1.0.tar.gz" ratepkg
rm -rf "$T/big"
check "eight packages built" test "$(ls "$POOL" | wc -l)" -eq 8
UPASS="Up-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PPASS="Px-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf 'mirror:%s\n' "$UPASS" >"$T/creds.right"
printf 'mirror:wrong-%s\n' "$UPASS" >"$T/creds.wrong"
printf 'proxyuser:%s\n' "$PPASS" >"$T/pcreds"
chmod 600 "$T"/creds.* "$T/pcreds"
printf 'mirror:%s\n' "$(openssl passwd -apr1 "$UPASS")" >"$T/htpasswd"
chmod 644 "$T/htpasswd"
upstream_certs
(cd "$T" &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout cli.key -out cli.csr -subj /CN=airlock-mirror &&
    openssl x509 -req -in cli.csr -CA upca.pem -CAkey upca.key \
    -CAcreateserial -out cli.pem -days 2) >"$T/cli.log" 2>&1
check "a client certificate signed by the test CA" test -s "$T/cli.pem"
KEYLINE=$(sed -n 2p "$T/cli.key")

# 2. nginx with auth_basic; a mirror with the wrong credentials.
add_pkgs alpha beta
UP_SERVER="auth_basic \"airlock test\"; auth_basic_user_file $T/htpasswd;"
UP_CHECK="-u mirror:$UPASS"
upstream_start "$T/up"
check "the upstream wants Basic credentials" test "$(curl -s -o /dev/null \
    -w '%{http_code}' --cacert "$UPCA" "$UPURL/src/contrib/PACKAGES")" = 401
write_conf
start_airlockd || exit 1
ctl repo create $R --kind cran --upstream "$UPURL" --ca-file "$UPCA" \
    --credentials-file "$T/creds.wrong" >"$T/out" 2>&1
check "repo create --credentials-file" test $? -eq 0
check "the sync key is made: 32 bytes, 0600, root" test \
    "$(stat -c '%a %U %s' "$T/data/keys/sync.key" 2>/dev/null)" = "600 root 32"
check "…in a 0700 directory owned by root" test \
    "$(stat -c '%a %U' "$T/data/keys" 2>/dev/null)" = "700 root"
check "repo list --json: credentials set, concurrency 8, no proxy" test \
    "$(repo_json '(s["credentials"], s["proxy_credentials"], s["concurrency"], s.get("proxy"), s["ca_file"])')" = \
    "('set', 'none', 8, None, 'set')"
ctl repo list >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "repo list: credentials: set" grep -q "^$R: .*credentials: set" "$T/out"

window "wrong credentials"
checkl "the pass with the wrong credentials is incomplete" sh -c \
    "echo '$(pass_of)' | grep -q incomplete"
sed 's/^/# /' "$T/status"
check "sync status reports the index: HTTP 401" grep -q '^  (index): .*401' \
    "$T/status"
check "…and nothing is published" test "$(snap_latest $R)" = 0

# 3. The right credentials: mirrored.
ctl repo edit $R --credentials-file - <"$T/creds.right" >"$T/out" 2>&1
check "repo edit --credentials-file - (stdin)" grep -q "^edited $R: credentials set" "$T/out"
window "right credentials"
checkl "with the right credentials the pass is complete" sh -c \
    "echo '$(pass_of)' | grep -q complete && ! echo '$(pass_of)' | grep -q incomplete"
check "…and published alpha and beta ($(served $R))" test "$(served $R)" = "alpha beta "
CONNS=$(grep -E 'GET /src/contrib/(alpha|beta)_' "$T/nginx/access.log" |
    sed -n 's/.* conn=\([0-9]*\).*/\1/p' | sort -u | wc -l)
diag "at the default concurrency the two files came over $CONNS connection(s)"

# 4. ssl_verify_client on: refused without the client certificate.
add_pkgs gamma
UP_SERVER="$UP_SERVER ssl_client_certificate $T/upca.pem; ssl_verify_client on;"
UP_CHECK="$UP_CHECK --cert $T/cli.pem --key $T/cli.key"
upstream_start "$T/up"
check "the upstream refuses a client without a certificate" test \
    "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$UPCA" \
    -u "mirror:$UPASS" "$UPURL/src/contrib/PACKAGES")" = 400
S1=$(snap_latest $R)
window "no client certificate"
checkl "without the client certificate the pass is incomplete" sh -c \
    "echo '$(pass_of)' | grep -q incomplete"
sed 's/^/# /' "$T/status"
check "…reported for the index, nothing published" sh -c \
    "grep -q '^  (index): .*HTTP 400' '$T/status' && test $(snap_latest $R) = $S1"
ctl repo edit $R --client-cert "$T/cli.pem" --client-key "$T/upsrv.key" >"$T/out" 2>&1
check "repo edit refuses a key that is not the certificate's" grep -q \
    "not the key of --client-cert" "$T/out"
ctl repo edit $R --client-cert "$T/cli.pem" --client-key "$T/cli.key" >"$T/out" 2>&1
check "repo edit --client-cert --client-key" grep -q "client certificate set" "$T/out"
window "client certificate"
checkl "with the client certificate the pass is complete" sh -c \
    "echo '$(pass_of)' | grep -q 'is complete'"
check "…and gamma is published ($(served $R))" test "$(served $R)" = "alpha beta gamma "

# 5. Through tinyproxy, which wants its own credentials.
PPORT=$(free_port)
mkdir -p "$T/proxy"
: >"$T/proxy/log"
chown nobody "$T/proxy/log" 2>/dev/null
cat >"$T/proxy/conf" <<EOF
User nobody
Group nogroup
Port $PPORT
Listen 127.0.0.1
Timeout 60
LogFile "$T/proxy/log"
LogLevel Info
MaxClients 50
BasicAuth proxyuser $PPASS
Allow 127.0.0.1
EOF
tinyproxy -d -c "$T/proxy/conf" >"$T/proxy/stderr" 2>&1 &
TPID=$!
trap 'kill $TPID 2>/dev/null; upstream_stop; cleanup' EXIT
proxy_up() { grep -q 'Starting main loop' "$T/proxy/log"; }
checkl "tinyproxy listens on 127.0.0.1:$PPORT" wait_for 10 proxy_up
add_pkgs delta
ctl repo edit $R --proxy "http://127.0.0.1:$PPORT" >"$T/out" 2>&1
check "repo edit --proxy" grep -q "proxy http://127.0.0.1:$PPORT" "$T/out"
window "proxy without its credentials"
sed 's/^/# /' "$T/status"
check "without the proxy's credentials: incomplete, the index says 407" sh -c \
    "echo '$(pass_of)' | grep -q incomplete && grep -q '^  (index): .*407' '$T/status'"
ctl repo edit $R --proxy-credentials-file "$T/pcreds" >"$T/out" 2>&1
check "repo edit --proxy-credentials-file" grep -q "proxy credentials set" "$T/out"
N0=$(wc -l <"$T/nginx/access.log")
window "through the proxy"
checkl "through the proxy the pass is complete" sh -c \
    "echo '$(pass_of)' | grep -q 'is complete'"
check "…and delta is published ($(served $R))" test "$(served $R)" = "alpha beta delta gamma "
grep 'CONNECT 127' "$T/proxy/log" | tail -n 3 | sed 's/^/# proxy: /'
check "tinyproxy's log has the pass's CONNECT to the upstream" \
    grep -q "Request (file descriptor [0-9]*): CONNECT 127.0.0.1:$UPORT " "$T/proxy/log"
check "…and nginx saw delta's download" sh -c \
    "tail -n +$((N0 + 1)) '$T/nginx/access.log' | grep -q 'GET /src/contrib/delta_1.0.tar.gz.* 200 '"

# 6. --concurrency 1: one connection for every file of the pass.
add_pkgs eps1 eps2 eps3
ctl repo edit $R --concurrency 1 >"$T/out" 2>&1
check "repo edit --concurrency 1" grep -q "concurrency 1" "$T/out"
N0=$(wc -l <"$T/nginx/access.log")
window "concurrency 1"
checkl "the pass at concurrency 1 is complete" sh -c \
    "echo '$(pass_of)' | grep -q 'is complete'"
tail -n +$((N0 + 1)) "$T/nginx/access.log" | grep 'eps[123]_' >"$T/eps.log"
sed 's/^/# upstream: /' "$T/eps.log"
check "three files fetched, all over one connection" test \
    "$(wc -l <"$T/eps.log") $(sed -n 's/.* conn=\([0-9]*\).*/\1/p' "$T/eps.log" | sort -u | wc -l)" = "3 1"

# 7. --max-rate: the pass takes at least size/rate.
add_pkgs ratepkg
SIZE=$(wc -c <"$C/ratepkg_1.0.tar.gz" | tr -d ' ')
ctl repo edit $R --max-rate 300k >"$T/out" 2>&1
check "repo edit --max-rate 300k" grep -q "max rate 307200 B/s" "$T/out"
check "repo list --json: max_rate 307200, concurrency 1, proxy, both credentials set" test \
    "$(repo_json '(s.get("max_rate"), s["concurrency"], s.get("proxy") is not None, s["credentials"], s["proxy_credentials"], s.get("client_cert"))')" = \
    "(307200, 1, True, 'set', 'set', 'set')"
WIN=$((WIN + 1))
t0=$(date +%s.%N)
ctl sync open --for 30m --reason "rate limit" >/dev/null 2>&1
# While it runs: the secrets are in neither its argv nor its environment.
wait_for 10 sh -c "test -n \"\$(pgrep -P $APID -f 'airlockd -R sync')\""
SP=$(sync_pid)
if [ -n "$SP" ]; then
	tr '\0' '\n' <"/proc/$SP/cmdline" >"$T/sync.argv"
	tr '\0' '\n' <"/proc/$SP/environ" >"$T/sync.env"
	check "the running sync process's argv and environment hold no password" \
	    sh -c "! grep -qF -e '$UPASS' -e '$PPASS' '$T/sync.argv' '$T/sync.env'"
else
	nok "no sync process seen during the rate-limited pass"
fi
wait_log "window $WIN: the pass of $R is" 90
t1=$(date +%s.%N)
wait_for 10 no_sync
ctl sync close >/dev/null 2>&1
checkl "the rate-limited pass is complete" sh -c "echo '$(pass_of)' | grep -q 'is complete'"
MIN=$(python3 -c "print('%.2f' % ($SIZE / 307200.0))")
TOOK=$(python3 -c "print('%.2f' % ($t1 - $t0))")
check "a $SIZE-byte file at 300 KiB/s took ${TOOK}s, at least size/rate = ${MIN}s" \
    python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= $SIZE / 307200.0 else 1)"
check "…and ratepkg is published with the upstream's bytes" test \
    "$(curl -s "$URL/$R/latest/src/contrib/ratepkg_1.0.tar.gz" | sha256sum)" = \
    "$(sha256sum <"$C/ratepkg_1.0.tar.gz")"

# 8. Clearing, refusals, and the audit trail.
ctl repo create plain --kind local >/dev/null 2>&1
BEFORE=$(ctl --json repo list)
for bad in "--proxy ftp://127.0.0.1:1" "--proxy http://u:p@127.0.0.1:1" \
    "--upstream ftp://x" "--max-rate 0"; do
	# shellcheck disable=SC2086
	ctl repo edit $R $bad >"$T/out" 2>&1
	check "repo edit $bad is refused" test $? -ne 0
done
printf 'nocolon\n' >"$T/bad.creds"
ctl repo edit $R --credentials-file "$T/bad.creds" >"$T/out" 2>&1
check "credentials without a ':' are refused" grep -q "user:password" "$T/out"
ctl repo edit $R --concurrency 65 >"$T/out" 2>&1
check "--concurrency 65 is refused" grep -q "1 to 64" "$T/out"
ctl repo edit plain --proxy "http://127.0.0.1:$PPORT" >"$T/out" 2>&1
check "repo edit of a local repository is refused" grep -q "only a cran mirror" "$T/out"
ctl repo edit $R --access public >"$T/out" 2>&1
check "repo edit --access points to repo access" grep -q "repo access $R" "$T/out"
check "…and nothing changed" test "$(ctl --json repo list)" = "$BEFORE"
ctl repo edit $R --no-proxy --no-proxy-credentials --no-max-rate --no-concurrency >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "repo edit --no-proxy --no-proxy-credentials --no-max-rate --no-concurrency" test \
    "$(repo_json '(s.get("proxy"), s["proxy_credentials"], s.get("max_rate"), s["concurrency"], s["credentials"])')" = \
    "(None, 'none', None, 8, 'set')"
ctl audit dump --csvlog >"$T/audit"
check "audit: repo edit recorded, without secrets" sh -c \
    "grep -q ',edit_repository,.*edited repository $R: credentials set' '$T/audit' &&
    grep -q ',edit_repository,.*proxy credentials removed' '$T/audit'"

# 9. A sealed value moved to another mirror does not open there; a key
# file that is not root's 0600 is refused.
ctl repo create moved --kind cran --upstream "$UPURL" --ca-file "$UPCA" >/dev/null 2>&1
python3 -c "
import sqlite3
db = sqlite3.connect('$T/data/store.db', timeout=10)
db.execute(\"UPDATE repos SET sync_secret = (SELECT sync_secret FROM repos WHERE name = '$R') WHERE name = 'moved'\")
db.commit()"
ctl repo list >"$T/out" 2>&1
check "repo list: moved now claims credentials (its row has opts's sealed values)" \
    grep -q '^moved: .*credentials: set' "$T/out"
window "moved credentials"
sed 's/^/# /' "$T/status"
ctl --json package list moved >"$T/out" 2>&1
check "the moved values do not open: reported for moved's index, nothing fetched" sh -c \
    "grep -q 'the pass of moved is incomplete' '$T/log' &&
    sed -n '/^moved:/,/^[a-z]/p' '$T/status' | grep -q 'cannot open the stored' &&
    grep -q '\"packages\": \\[\\]' '$T/out'"
check "…while opts's own pass is complete" sh -c "echo '$(pass_of)' | grep -q 'is complete'"
ctl repo edit moved --no-credentials --no-client-cert >/dev/null 2>&1
chmod 644 "$T/data/keys/sync.key"
ctl repo edit $R --credentials-file "$T/creds.right" >"$T/out" 2>&1
check "a sync key of mode 0644 is refused by repo edit" grep -q "must be a 32-byte file owned by root, mode 0600" "$T/out"
window "key with a bad mode"
sed 's/^/# /' "$T/status"
check "…and in a window the mirror says it has credentials but no key" \
    grep -q "master sent no key" "$T/status"
chmod 600 "$T/data/keys/sync.key"

# 10. No secret anywhere it must not be.
ctl --json repo list >"$T/list.json"
ls "$T/data"/store.db* | sed 's/^/# /'
check "no password and no line of the client key anywhere under the data directory (store.db, its WAL ...)" \
    sh -c "! grep -raqF -e '$UPASS' -e '$PPASS' -e '$KEYLINE' '$T/data'"
for f in "$T/log" "$T/audit" "$T/list.json"; do
	check "no password and no line of the client key in $(basename "$f")" \
	    sh -c "! grep -aqF -e '$UPASS' -e '$PPASS' -e '$KEYLINE' '$f'"
done
check "the store holds the credentials sealed (repos.sync_secret)" python3 -c "
import sqlite3, sys, json
db = sqlite3.connect('$T/data/store.db')
row = db.execute(\"SELECT sync_secret FROM repos WHERE name = '$R'\").fetchone()
s = json.loads(row[0])
sys.exit(0 if set(s) == {'userpwd', 'client_key_pem'} and all(len(v) > 64 for v in s.values()) else 1)"
check "the sync key is still 0600 root" test \
    "$(stat -c '%a %U' "$T/data/keys/sync.key")" = "600 root"
