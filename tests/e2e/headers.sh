# Browser security headers, on package files and on the dashboard/API:
# nosniff unless server.content_type_sniffing, X-Frame-Options per class,
# a CSP without inline script for the dashboard, custom headers that the
# built-in ones override, and the Server header's name and version.
NAME=headers
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
ctl() { "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
hdrs() { curl -s -D - -o /dev/null "$1" | tr -d '\r'; }
has() { printf '%s\n' "$1" | grep -qi -- "^$2"; }
hasnt() { ! has "$1" "$2"; }

write_conf
echo '<p>hi</p>' >"$T/www/index.html"
mkpkg_tar "$T" tiny 1.0
start_airlockd || exit 1
ctl repo create r --kind local >/dev/null && ctl add r "$T/tiny_1.0.tar.gz" >/dev/null &&
    ctl publish r >/dev/null
pkg=$(hdrs "$URL/r/latest/src/contrib/tiny_1.0.tar.gz")
idx=$(hdrs "$URL/r/latest/src/contrib/PACKAGES")
api=$(hdrs "$URL/__api__/status")
page=$(hdrs "$URL/index.html")
check "defaults: package files say nosniff" has "$pkg" "X-Content-Type-Options: nosniff"
check "defaults: so do index files" has "$idx" "X-Content-Type-Options: nosniff"
check "defaults: package files have no X-Frame-Options (NONE)" hasnt "$pkg" "X-Frame-Options"
check "defaults: package files have no CSP" hasnt "$pkg" "Content-Security-Policy"
check "defaults: the API says nosniff" has "$api" "X-Content-Type-Options: nosniff"
check "defaults: the API is X-Frame-Options: DENY" has "$api" "X-Frame-Options: DENY"
check "defaults: pages are X-Frame-Options: DENY" has "$page" "X-Frame-Options: DENY"
check "defaults: pages have a CSP with script-src 'self'" \
    has "$page" "Content-Security-Policy: .*script-src 'self';"
check "defaults: …and no inline script" sh -c "! printf '%s' \"$page\" | grep -qi unsafe-inline"
check "defaults: Server names airlock and its version" has "$api" "Server: airlock/[0-9]"
check "defaults: the status API gives the version" \
    sh -c "curl -s '$URL/__api__/status' | grep -q '\"version\"'"
stop_airlockd

CONF_SERVER='content_type_sniffing = true; frame_options_content = "SAMEORIGIN";
	frame_options_dashboard = "NONE"; server_name = "repo"; hide_version = true;
	custom_header = ["X-Site: hardened", "X-Frame-Options: ALLOWALL",
	    "Server: evil", "Content-Length: 0", "Content-Security-Policy: none"];' write_conf
start_airlockd || exit 1
pkg=$(hdrs "$URL/r/latest/src/contrib/tiny_1.0.tar.gz")
api=$(hdrs "$URL/__api__/status")
check "sniffing allowed: no nosniff" hasnt "$pkg" "X-Content-Type-Options"
check "frame_options_content = SAMEORIGIN on package files" has "$pkg" "X-Frame-Options: SAMEORIGIN"
check "…and the custom X-Frame-Options loses to it" hasnt "$pkg" "X-Frame-Options: ALLOWALL"
check "a custom header is on package files" has "$pkg" "X-Site: hardened"
check "…and on the API" has "$api" "X-Site: hardened"
check "a custom header cannot replace Server" hasnt "$pkg" "Server: evil"
check "…nor Content-Length" has "$pkg" "Content-Length: [1-9]"
check "frame_options_dashboard = NONE: the custom X-Frame-Options stands" \
    has "$api" "X-Frame-Options: ALLOWALL"
check "the dashboard CSP wins over a custom one" sh -c \
    "printf '%s\n' \"$api\" | grep -i '^Content-Security-Policy' | grep -qv ': none'"
check "server_name and hide_version: Server: repo" has "$api" "Server: repo$"
check "hide_version: the status API leaves the version out" \
    sh -c "! curl -s '$URL/__api__/status' | grep -q '\"version\"'"
stop_airlockd

printf 'server = { custom_header = ["Bad Header: x"]; };\n' >"$T/bad.conf"
"$AIRLOCKD" -t -f "$T/bad.conf" >"$T/out" 2>&1
check "a malformed custom header is refused with its line" \
    grep -q "bad.conf:1: server.custom_header" "$T/out"
printf 'server = { frame_options_content = "ALLOW"; };\n' >"$T/bad.conf"
"$AIRLOCKD" -t -f "$T/bad.conf" >"$T/out" 2>&1
check "a bad frame option is refused" grep -q "expected DENY, SAMEORIGIN or NONE" "$T/out"
