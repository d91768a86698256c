# Plain HTTP as an admin meets it: a start-up warning (unless
# http.no_warning), and http_redirect.listen, a listener that only
# answers 301 to the same path and query over https, at server.address
# when set or at the host asked for.
NAME=redirect
. "$(dirname "$0")/../lib/harness.sh"

RPORT=$(free_port)
CONF_HTTP='' write_conf
cat >>"$T/airlock.conf" <<CONF
http_redirect = { listen = ["127.0.0.1:$RPORT"]; };
CONF
echo hi >"$T/www/index.html"
start_airlockd || exit 1
check "plain HTTP: a start-up warning" wait_log "serving plain HTTP" 2
loc() { curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$@"; }
out=$(loc "http://127.0.0.1:$RPORT/a/b/c.tar.gz?x=1&y=2")
check "redirect listener: 301 to https, same path and query ($out)" \
    test "$out" = "301 https://127.0.0.1/a/b/c.tar.gz?x=1&y=2"
out=$(loc -H "Host: repo.example.org:8080" "http://127.0.0.1:$RPORT/x")
check "…to the Host asked for, without its port ($out)" \
    test "$out" = "301 https://repo.example.org/x"
out=$(loc -I "http://127.0.0.1:$RPORT/x")
check "HEAD is redirected too ($out)" test "$out" = "301 https://127.0.0.1/x"
out=$(loc "$URL/index.html")
check "the normal listener still serves ($out)" test "$out" = "200 "
stop_airlockd

CONF_SERVER='address = "https://airlock.example.org/";' CONF_HTTP='no_warning = true;' write_conf
cat >>"$T/airlock.conf" <<CONF
http_redirect = { listen = ["127.0.0.1:$RPORT"]; };
CONF
start_airlockd || exit 1
out=$(loc -H "Host: elsewhere" "http://127.0.0.1:$RPORT/r/latest/src/contrib/PACKAGES")
check "with server.address, redirects go there ($out)" \
    test "$out" = "301 https://airlock.example.org/r/latest/src/contrib/PACKAGES"
check "http.no_warning silences the warning" sh -c "! grep -q 'serving plain HTTP' '$T/log'"
