# Identity end to end: users, groups and tokens made with airlockctl;
# real R installing from a group-restricted repository with a token in
# the URL (401 without one, 404 with a token of a user outside the
# group) and from a public one without; browser sessions with curl's
# cookie jar (login, logout, expiry by inactivity and by lifetime, the
# sweep, SameSite and the -legacy cookie, Secure with force_secure); web
# sudo; lockout; the CAPTCHA; revocation within authentication.cache; the
# audit trail in the database, the CSV and JSON files, dump and verify;
# the start refused on a contradicting audit file; and no credential in
# a worker's memory.
NAME=auth
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
ctl() { "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
LC_ALL=C.UTF-8
export LC_ALL
rq() { Rscript --vanilla -e "$1" 2>&1; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
sql() {
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
print('\n'.join('|'.join(str(x) for x in r) for r in c.execute(sys.argv[2]))); c.commit()" "$@"
}

if ! command -v Rscript >/dev/null 2>&1; then
	nok "R is not installed (apt-get install r-base-core)"
	exit 1
fi
mkdir -p "$T/p" "$T/lib1" "$T/lib2"
mkpkg "$T/p" secretpkg 1.0 && mkpkg "$T/p" openpkg 2.0
check "test packages built" test -f "$T/p/openpkg_2.0.tar.gz"

conf() {
	CONF_SERVER="same_site = \"${SAMESITE:-None}\"; web_sudo_mode_duration = \"2s\";"
	CONF_HTTP="no_warning = true; force_secure = ${SECURE:-false};"
	CONF_EXTRA="authentication = { cache = \"1s\"; lifetime = \"${LIFETIME:-1h}\";
	    inactivity = \"${INACTIVE:-5s}\"; cookie_sweep_duration = \"1s\";
	    delay_after = 2; delay_max = \"1s\"; lockout_after = 4;
	    lockout_duration = \"30s\";
	    challenge_response_enabled = ${CAPTCHA:-false}; };
	audit = { format = \"${AFORMAT:-CSV}\"; file = \"${AFILE:-$T/audit.csv}\"; };"
	write_conf
}
reload() {
	conf
	kill -HUP "$APID"
	wait_log "reload complete (generation $1)" 10 ||
	    diag "reload $1 did not complete"
	sleep 0.5	# the new auth is linked to the new workers
}
conf
start_airlockd || exit 1

# --- users, groups, tokens, repositories ---
echo 'alice-pw-1' | ctl user add alice --password-stdin >"$T/out" 2>&1
check "user add alice (password from stdin)" grep -q "added user alice" "$T/out"
echo 'bob-pw-2' | ctl user add bob --password-stdin >/dev/null 2>&1
ctl user add admin1 --admin </dev/null >/dev/null 2>&1
check "user add admin1 --admin (no terminal: no password)" \
    sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' user list | grep -q '^3 *admin1 *admin'"
ctl user add alice </dev/null >"$T/out" 2>&1
check "a second alice is refused" test $? -eq 1
ctl group add science >/dev/null && ctl group add-member science alice >/dev/null
check "group members" sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' group members science | grep -qx alice"
ctl repo create priv --kind local --access group:science >/dev/null &&
    ctl repo create pub --kind local >/dev/null &&
    ctl add priv "$T/p/secretpkg_1.0.tar.gz" >/dev/null &&
    ctl add pub "$T/p/openpkg_2.0.tar.gz" >/dev/null &&
    ctl publish priv >/dev/null && ctl publish pub >/dev/null
check "repositories made: priv (group:science) and pub (public by default)" \
    sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' repo list | grep -q '^pub *local *public'"
ctl repo access pub 'group:' >"$T/out" 2>&1
check "a bad access rule is refused" test $? -eq 1
TA=$(ctl token create --user alice --expires 30d --label laptop 2>/dev/null)
TB=$(ctl token create --user bob 2>/dev/null)
TA2=$(ctl token create --user alice --repo pub 2>/dev/null)
check "tokens are shown once, al_ + 43 characters" \
    sh -c "echo '$TA' | grep -Eqx 'al_[A-Za-z0-9_-]{43}'"
ctl token list >"$T/out"
check "token list never shows a token" sh -c "! grep -q '$TA' '$T/out'"

# --- R and curl against the access rules ---
H=127.0.0.1:$PORT
out=$(rq "install.packages('openpkg', repos = 'http://$H/pub/latest', lib = '$T/lib1', quiet = TRUE); cat(requireNamespace('openpkg', lib.loc = '$T/lib1', quietly = TRUE))")
check "R installs from a public repository without credentials ($out)" \
    sh -c "echo '$out' | tail -n1 | grep -q TRUE"
out=$(rq "install.packages('secretpkg', repos = 'http://alice:$TA@$H/priv/latest', lib = '$T/lib2', quiet = TRUE); cat(requireNamespace('secretpkg', lib.loc = '$T/lib2', quietly = TRUE))")
check "R installs from a group repository with a token in the URL" \
    sh -c "echo '$out' | tail -n1 | grep -q TRUE"
out=$(rq "ap <- available.packages(repos = 'http://$H/priv/latest'); cat(nrow(ap))")
check "R without a token sees nothing there ($(echo "$out" | tail -n1))" \
    sh -c "echo '$out' | tail -n1 | grep -qx 0"
P=$URL/priv/latest/src/contrib/PACKAGES
check "no credentials: 401" test "$(code "$P")" = 401
check "…with WWW-Authenticate: Basic realm=\"airlock\"" \
    sh -c "curl -sI '$P' | grep -qi '^WWW-Authenticate: Basic realm=\"airlock\"'"
check "alice's token (Basic): 200" test "$(code -u "alice:$TA" "$P")" = 200
check "alice's token (Bearer): 200" test "$(code -H "Authorization: Bearer $TA" "$P")" = 200
check "alice's token with bob's name: 401" test "$(code -u "bob:$TA" "$P")" = 401
check "bob's token (not in science): 404" test "$(code -u "bob:$TB" "$P")" = 404
check "…the same 404 as a repository that does not exist" \
    test "$(code -u "bob:$TB" "$URL/nosuch/latest/src/contrib/PACKAGES")" = 404
check "a token limited to pub: 404 on priv" test "$(code -u "alice:$TA2" "$P")" = 404
check "…and 200 on pub" test "$(code -u "alice:$TA2" "$URL/pub/latest/src/contrib/PACKAGES")" = 200
check "a made-up token: 401" test "$(code -u "alice:al_0000000000000000000000000000000000000000000" "$P")" = 401
check "garbage in Authorization: 401" test "$(code -H 'Authorization: Basic !!!' "$P")" = 401

# Revocation and removal act within authentication.cache (1s here).
id2=$(ctl --json token list --user alice | python3 -c "import json,sys; print([t['id'] for t in json.load(sys.stdin)['tokens'] if t['repos']=='pub'][0])")
ctl token revoke "$id2" >"$T/out" 2>&1
check "token revoke $id2" grep -q "revoked token $id2" "$T/out"
sleep 1.2
check "a revoked token stops working within authentication.cache (404 -> 401)" \
    test "$(code -u "alice:$TA2" "$P")" = 401
check "alice's other token still works" test "$(code -u "alice:$TA" "$P")" = 200
ctl group remove-member science alice >/dev/null
sleep 1.2
check "a removed member gets 404 within authentication.cache" \
    test "$(code -u "alice:$TA" "$P")" = 404
ctl group add-member science alice >/dev/null
sleep 1.2
check "…and 200 again once added back" test "$(code -u "alice:$TA" "$P")" = 200

# --- browser sessions ---
J=$T/jar
login() {
	curl -s -o /dev/null -D "$T/hdr" -c "$J" -b "$J" \
	    --data-urlencode "username=$1" --data-urlencode "password=$2" \
	    --data-urlencode "next=${3:-/}" -w '%{http_code} %{redirect_url}' \
	    "$URL/__login__"
}
me() { code -b "$J" "$URL/__api__/me"; }
check "the login page is a form" sh -c "curl -s '$URL/__login__' | grep -q '<form method=\"post\" action=\"/__login__\">'"
check "…with the dashboard's headers (CSP, DENY)" \
    sh -c "curl -sI '$URL/__login__' | grep -qi '^Content-Security-Policy: .*script-src .self.'"
r=$(login alice wrong-pw)
check "a wrong password: 303 back to the form with error=bad ($r)" \
    sh -c "echo '$r' | grep -q '^303 .*/__login__?error=bad'"
sleep 1.1	# delays start after delay_after (2) failures from one address
r=$(login nosuchuser whatever)
check "an unknown user: the same answer ($r)" \
    sh -c "echo '$r' | grep -q '^303 .*/__login__?error=bad'"
sleep 1.1
rm -f "$J"
r=$(login alice alice-pw-1 /priv/latest/src/contrib/PACKAGES)
check "login: 303 to where it was going ($r)" \
    sh -c "echo '$r' | grep -q '^303 .*/priv/latest/src/contrib/PACKAGES$'"
check "session cookie: HttpOnly, SameSite=None, no Secure over plain HTTP" \
    sh -c "grep -i '^Set-Cookie: airlock_session=s_' '$T/hdr' | grep -i 'HttpOnly' | grep -i 'SameSite=None' | grep -vqi secure"
check "…and the -legacy cookie without SameSite" \
    sh -c "grep -i '^Set-Cookie: airlock_session-legacy=s_' '$T/hdr' | grep -vqi samesite"
check "an open redirect is not followed" \
    sh -c "rm -f '$J'; curl -s -o /dev/null -w '%{redirect_url}' -c '$J' --data 'username=alice&password=alice-pw-1&next=//evil.example/' '$URL/__login__' | grep -q '/__api__/me$'"
check "the session reads the group repository" test "$(code -b "$J" "$P")" = 200
check "/__api__/me knows alice" sh -c "curl -s -b '$J' '$URL/__api__/me' | grep -q '\"user\":\"alice\"'"
check "a cross-site login post is refused" \
    test "$(code -H 'Origin: http://evil.example' --data 'username=alice&password=x' "$URL/__login__")" = 403

# Web sudo: an API key from the web needs the password again.
tok() { curl -s -o "$T/tok" -w '%{http_code}' -b "$J" --data 'label=web&expires=3600' "$URL/__api__/tokens"; }
check "POST /__api__/tokens without web sudo: 403" test "$(tok)" = 403
check "…saying sudo_required" grep -q sudo_required "$T/tok"
check "web sudo with a wrong password: 401" \
    test "$(code -b "$J" --data 'password=nope' "$URL/__api__/sudo")" = 401
check "web sudo with the password: 200" \
    test "$(code -b "$J" --data 'password=alice-pw-1' "$URL/__api__/sudo")" = 200
check "then POST /__api__/tokens: 201" test "$(tok)" = 201
TW=$(python3 -c "import json; print(json.load(open('$T/tok'))['token'])")
check "the web-made key reads the group repository" test "$(code -u "alice:$TW" "$P")" = 200
check "within web_sudo_mode_duration no password is asked again" test "$(tok)" = 201
sleep 2.2
check "after web_sudo_mode_duration (2s) it is asked again" test "$(tok)" = 403

# Logout ends the session on the server.
cp "$J" "$T/jar.copy"
check "logout: 303" test "$(code -b "$J" -c "$J" -X POST "$URL/__logout__")" = 303
sleep 1.2
check "the old cookie no longer works" test "$(code -b "$T/jar.copy" "$URL/__api__/me")" = 401

# Inactivity (5s): a session left alone ends.
rm -f "$J"; login alice alice-pw-1 >/dev/null
check "logged in again" test "$(me)" = 200
n0=$(sql "$T/data/db/auth.db" "SELECT COUNT(*) FROM sessions")
sleep 6.5
check "after authentication.inactivity the session is gone" test "$(me)" = 401
check "the sweep removed expired sessions from the database ($n0 -> $(sql "$T/data/db/auth.db" "SELECT COUNT(*) FROM sessions"))" \
    test "$(sql "$T/data/db/auth.db" "SELECT COUNT(*) FROM sessions")" -lt "$n0"

# Lifetime (3s), SameSite=Lax, force_secure: a reload.
LIFETIME=3s INACTIVE=1h SAMESITE=Lax SECURE=true reload 1
rm -f "$J"; r=$(login alice alice-pw-1)
check "SameSite=Lax: one cookie, Lax, and Secure with force_secure" \
    sh -c "grep -i '^Set-Cookie: airlock_session=' '$T/hdr' | grep -i 'SameSite=Lax' | grep -qi '; Secure' && ! grep -qi 'airlock_session-legacy' '$T/hdr'"
sed -i 's/^#HttpOnly_//; s/\tTRUE\t\/\tTRUE\t/\tTRUE\t\/\tFALSE\t/' "$J" 2>/dev/null
check "used within its lifetime: 200" test "$(me)" = 200
sleep 1.5
check "…still, while in use" test "$(me)" = 200
sleep 2
check "after authentication.lifetime (3s) it ends, however active" test "$(me)" = 401

# Lockout: delays after 2 failures, locked after 4.
for i in 1 2 3 4 5 6; do
	r=$(login bob wrong)
	sleep 1.1
done
check "repeated failures end in a lockout ($r)" sh -c "echo '$r' | grep -q 'error=locked'"
r=$(login bob bob-pw-2)
check "…during which even the right password is refused ($r)" \
    sh -c "echo '$r' | grep -q 'error=locked'"

# CAPTCHA.
CAPTCHA=true reload 2
curl -s "$URL/__login__" >"$T/page"
check "with challenge_response_enabled the form has an image challenge" \
    grep -q '<img src="/__captcha__/[0-9a-f]*\.png"' "$T/page"
check "…and an audio one" grep -q '<audio controls src="/__captcha__/[0-9a-f]*\.wav"' "$T/page"
cid=$(sed -n 's/.*name="captcha_id" value="\([0-9a-f]*\)".*/\1/p' "$T/page")
curl -s -D "$T/hdr" -o "$T/c.png" "$URL/__captcha__/$cid.png"
check "the image is a PNG" sh -c "head -c 8 '$T/c.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
check "…served as image/png, not cached" sh -c "grep -qi '^Content-Type: image/png' '$T/hdr' && grep -qi '^Cache-Control: no-store' '$T/hdr'"
curl -s -o "$T/c.wav" "$URL/__captcha__/$cid.wav"
check "the sound is a WAV" sh -c "head -c 4 '$T/c.wav' | grep -q RIFF"
check "an unknown challenge: 404" test "$(code "$URL/__captcha__/00000000000000000000000000000000.png")" = 404
r=$(curl -s -o /dev/null -w '%{redirect_url}' --data "username=admin1&password=x&captcha_id=$cid&captcha=00000" "$URL/__login__")
check "a wrong answer is refused before the password is looked at ($r)" \
    sh -c "echo '$r' | grep -q 'error=captcha'"

# --- the rest of the audited actions ---
ctl user edit bob --role publisher >/dev/null && ctl user lock bob >/dev/null &&
    ctl user unlock bob >/dev/null && ctl user remove bob >/dev/null &&
    ctl group add tmp >/dev/null && ctl group remove tmp >/dev/null &&
    ctl repo access pub authenticated >/dev/null
check "edit, lock, unlock, remove, group add/remove, repo access" test $? -eq 0
check "pub is now for signed-in users only" \
    test "$(code "$URL/pub/latest/src/contrib/PACKAGES")" = 401

# --- worker memory: no credential there ---
hash=$(sql "$T/data/db/auth.db" "SELECT hash FROM users WHERE name = 'alice'")
cat >"$T/scan.py" <<'PY'
import re, sys
pid, needles = sys.argv[1], [n.encode() for n in sys.argv[2:] if n]
found = []
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        if "r" not in m.group(3) or "vvar" in line or "vsyscall" in line:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        try:
            mem.seek(a)
            data = mem.read(b - a)
        except OSError:
            continue
        for n in needles:
            if n in data:
                found.append(n.decode()[:12])
print(" ".join(sorted(set(found))) or "clean")
PY
for w in $(role_pids worker); do
	r=$(python3 "$T/scan.py" "$w" "$TA" "$TW" "alice-pw-1" "$hash")
	check "worker $w: no token, password or hash in its memory ($r)" test "$r" = clean
done
a=$(role_pids auth)
check "(the scan works: auth's memory does hold the hash)" \
    sh -c "python3 '$T/scan.py' $a '$hash' | grep -vq clean"

# --- the audit trail ---
for a in add_user edit_user remove_user update_lock_user add_group remove_group \
    add_group_member remove_group_member add_api_key remove_api_key \
    activate_token user_login user_logout web_sudo login_failure lockout \
    add_repository upload_package publish_snapshot edit_repository_access; do
	check "audit: $a in the database, the CSV file and both dumps" \
	    sh -c "test -n \"\$(python3 -c \"import sqlite3; print(sqlite3.connect('$T/data/store.db').execute(\\\"SELECT id FROM audit WHERE action = '$a'\\\").fetchone() or '')\")\" &&
	    grep -q ',$a,' '$T/audit.csv' &&
	    '$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --csvlog | grep -q ',$a,' &&
	    '$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --jsonlog | grep -q '\"action\":\"$a\"'"
done
check "the CSV file: id, RFC 3339 time, user id, user, action, event" \
    grep -Eq '^[0-9]+,20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z,1,alice,user_login,' "$T/audit.csv"
check "dump --since tomorrow: nothing" \
    test "$(ctl audit dump --csvlog --since "$(date -u -d tomorrow +%Y-%m-%d)" | wc -l)" -le 1
check "dump --until 2000-01-01: nothing" \
    test "$(ctl audit dump --jsonlog --until 2000-01-01 | wc -l)" -eq 0
n=$(ctl audit dump --jsonlog --since "$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)" | wc -l)
check "dump --jsonlog --since an hour ago: every record ($n)" \
    test "$n" -eq "$(sql "$T/data/store.db" "SELECT COUNT(*) FROM audit")"
check "dump --jsonlog: one object per line, keys in order" \
    sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --jsonlog | head -n1 | grep -q '^{\"id\":1,\"time\":\"[^\"]*\",\"user_id\":0,\"user_description\":\"[^\"]*\",\"action\":\"start\",\"event_description\":'"
ctl audit verify >"$T/out" 2>&1
check "audit verify: intact" grep -q "intact" "$T/out"
sql "$T/data/store.db" "UPDATE audit SET event_description = 'nothing happened' WHERE action = 'remove_user'" >/dev/null
rid=$(sql "$T/data/store.db" "SELECT id FROM audit WHERE action = 'remove_user'")
ctl audit verify >"$T/out" 2>&1
check "audit verify catches an edited record: exit 1" test $? -eq 1
check "…naming it (record $rid)" grep -q "record $rid" "$T/out"
sed 's/^/# /' "$T/out"

# JSON: a new file; the CSV one cannot be reused as JSON.
cp "$T/log" "$T/log.1"
stop_airlockd
AFORMAT=JSON AFILE=$T/audit.json conf
start_airlockd || exit 1
ctl group add json-era >/dev/null
check "audit.format = JSON: one object per line in the file" \
    sh -c "grep -q '\"action\":\"add_group\",\"event_description\":\"[^\"]*json-era' '$T/audit.json'"
stop_airlockd
AFORMAT=JSON AFILE=$T/audit.csv conf
: >"$T/log"
"$AIRLOCKD" -f "$T/airlock.conf" >>"$T/log" 2>&1
check "airlockd refuses to start on a CSV file named as JSON (exit $?)" test $? -ne 0
check "…saying why" grep -qi "audit.*csv" "$T/log"
sed 's/^/# /' "$T/log" | tail -n 3
