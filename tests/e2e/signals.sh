# SIGHUP re-reads the configuration and replaces the workers without
# dropping a download in flight; a bad file on reload changes nothing;
# SIGTERM stops accepting, lets the download finish, and exits 0.
NAME=signals
. "$(dirname "$0")/../lib/harness.sh"

write_conf
head -c 8000000 /dev/urandom >"$T/www/big.bin"
want=$(sha256sum <"$T/www/big.bin" | cut -d' ' -f1)
echo hi >"$T/www/index.html"
start_airlockd || exit 1

before=$(role_pids worker | sort | tr '\n' ' ')
curl -sf --limit-rate 3M -o "$T/dl1" "$URL/big.bin" &
cp=$!
sleep 0.7
CONF_SERVER='server_name = "reloaded";' write_conf
kill -HUP "$APID"
check "SIGHUP: reload completes" wait_log "reload complete" 5
check "the new configuration is in force" \
    sh -c "curl -sI '$URL/' | grep -q '^Server: reloaded/'"
after=$(role_pids worker | sort | tr '\n' ' ')
diag "workers before: $before after: $after"
check "the workers were replaced" test "$before" != "$after"
wait "$cp"
check "the download in flight during SIGHUP completed" test $? -eq 0
check "…with every byte right" test "$(sha256sum <"$T/dl1" | cut -d' ' -f1)" = "$want"
old_gone() { for p in $before; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
check "the old workers exited once done" wait_for 3 old_gone

CONF_HTTP='no_such_key = 1;' write_conf
kill -HUP "$APID"
check "a bad file on SIGHUP is refused with file, line and key" \
    wait_log "airlock.conf:[0-9]*: http.no_such_key: unknown setting" 5
check "…and the running configuration is kept" wait_log "keeping the running configuration" 5
check "still serving after a refused reload" curl -sf -o /dev/null "$URL/"
CONF_SERVER='server_name = "reloaded";' write_conf

roles="$(role_pids worker) $(role_pids auth)"
curl -sf --limit-rate 3M -o "$T/dl2" "$URL/big.bin" &
cp=$!
sleep 0.7
kill -TERM "$APID"
sleep 0.3
check "SIGTERM: new connections are refused" \
    sh -c "! curl -s -m 2 -o /dev/null '$URL/'"
wait "$cp"
check "SIGTERM: the download in flight completed" test $? -eq 0
check "…with every byte right" test "$(sha256sum <"$T/dl2" | cut -d' ' -f1)" = "$want"
wait "$APID"
check "SIGTERM: the master exits 0" test $? -eq 0
APID=
alive=
for p in $roles; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
check "no role outlives the master (left:$alive)" test -z "$alive"
