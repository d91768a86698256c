#!/bin/sh
# End-to-end HTTP conformance: a real airlockd (one worker, short limits and
# timeouts) serving a small static tree, probed with curl and with the raw
# socket client in http_conformance.py.  Prints TAP lines; exits 1 when a
# case failed.
#   sh tests/e2e/http.sh        (KEEP=1 keeps the scratch directory)
NAME=http
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/lib/harness.sh"

FAILED=0
# case_ DESCRIPTION COMMAND...: one TAP line, counting failures.
case_() {
	_d=$1
	shift
	if "$@"; then
		ok "$_d"
	else
		nok "$_d"
		FAILED=$((FAILED + 1))
	fi
}

# The limits http_conformance.py assumes; the timeouts and max_connections
# are also passed to it.
HEADER_TIMEOUT=2
IDLE_TIMEOUT=2
BODY_TIMEOUT=2
MAX_CONNECTIONS=20
WORKERS=1
CONF_HTTP="header_timeout = \"${HEADER_TIMEOUT}s\";
	idle_timeout = \"${IDLE_TIMEOUT}s\";
	body_timeout = \"${BODY_TIMEOUT}s\";
	max_connections = $MAX_CONNECTIONS;
	max_request_line = 1024;
	max_header_size = 4096;
	max_headers = 20;
	max_body_size = 1000;"

write_conf

# The static tree.
umask 022
W=$T/www
mkdir -p "$W/sub" "$W/noindex"
cat >"$W/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>airlock test</title></head>
<body><p>The top index.</p></body></html>
EOF
cat >"$W/sub/index.html" <<'EOF'
<!DOCTYPE html>
<html><body><p>The sub index.</p></body></html>
EOF
printf 'just a file\n' >"$W/noindex/a.txt"
cat >"$W/PACKAGES" <<'EOF'
Package: airlocktest
Version: 1.0
Depends: R (>= 3.5)
NeedsCompilation: no

EOF
head -c 20000 /dev/urandom >"$W/rand.bin"
head -c 1048576 /dev/urandom >"$W/big.bin"
head -c 3000 /dev/urandom >"$W/pkg_1.0.tar.gz"
# Old enough that If-Modified-Since "now" is after it.
touch -d '2020-01-02 03:04:05 UTC' "$W"/*.bin "$W"/*.html "$W/PACKAGES"

if ! start_airlockd; then
	nok "airlockd starts"
	exit 1
fi
ok "airlockd starts"
WPIDS=$(role_pids worker)

# ------------------------------------------------------------ curl cases
C="curl -s --max-time 10"

curl_get() {
	$C -f -o "$T/got" "$URL/rand.bin" && cmp -s "$T/got" "$W/rand.bin"
}
case_ "curl -sf of a file: same bytes" curl_get

curl_big() {
	$C -f -o "$T/got" "$URL/big.bin" && cmp -s "$T/got" "$W/big.bin"
}
case_ "curl -sf of the 1 MiB file: same bytes" curl_big

curl_range() {
	_c=$($C -o "$T/got" -w '%{http_code}' --range 0-99 "$URL/rand.bin")
	head -c 100 "$W/rand.bin" >"$T/want"
	[ "$_c" = 206 ] && cmp -s "$T/got" "$T/want" || {
		diag "code $_c, $(wc -c <"$T/got") bytes"
		return 1
	}
}
case_ "curl --range 0-99: 206 and the first 100 bytes" curl_range

curl_range_mid() {
	_c=$($C -o "$T/got" -w '%{http_code}' --range 1000-1999 \
	    "$URL/rand.bin")
	dd if="$W/rand.bin" of="$T/want" bs=1000 skip=1 count=1 2>/dev/null
	[ "$_c" = 206 ] && cmp -s "$T/got" "$T/want" || {
		diag "code $_c, $(wc -c <"$T/got") bytes"
		return 1
	}
}
case_ "curl --range 1000-1999: 206 and those bytes" curl_range_mid

curl_head() {
	$C -I -D "$T/h" -o /dev/null "$URL/rand.bin" || return 1
	tr -d '\r' <"$T/h" >"$T/hh"
	head -n 1 "$T/hh" | grep -q '^HTTP/1\.1 200' &&
	    grep -qi '^content-length: 20000$' "$T/hh" &&
	    grep -qi '^etag: "' "$T/hh" &&
	    grep -qi '^last-modified: ' "$T/hh" &&
	    grep -qi '^accept-ranges: bytes$' "$T/hh" &&
	    grep -qi '^content-type: application/octet-stream' "$T/hh" || {
		sed 's/^/# /' "$T/hh"
		return 1
	}
}
case_ "curl -I (HEAD): 200 with Content-Length, ETag, Last-Modified" curl_head

curl_inm() {
	_e=$($C -I "$URL/rand.bin" | tr -d '\r' |
	    sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
	[ -n "$_e" ] || { diag "no ETag"; return 1; }
	_r=$($C -o "$T/got" -w '%{http_code} %{size_download}' \
	    -H "If-None-Match: $_e" "$URL/rand.bin")
	[ "$_r" = "304 0" ] || { diag "ETag $_e: got '$_r'"; return 1; }
}
case_ "curl -H If-None-Match: <ETag>: 304 without body" curl_inm

curl_http10() {
	_r=$($C --http1.0 -f -D "$T/h" -o "$T/got" -w '%{http_code}' \
	    "$URL/index.html")
	[ "$_r" = 200 ] && cmp -s "$T/got" "$W/index.html" || {
		diag "code $_r"
		return 1
	}
}
case_ "curl --http1.0: 200 and the file" curl_http10

curl_reuse() {
	_r=$($C -o /dev/null -o /dev/null -w '%{http_code}:%{num_connects} ' \
	    "$URL/index.html" "$URL/PACKAGES")
	[ "$_r" = "200:1 200:0 " ] || { diag "got '$_r'"; return 1; }
}
case_ "curl: two URLs reuse one keep-alive connection" curl_reuse

curl_redirect() {
	_r=$($C -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/sub")
	[ "$_r" = "301 $URL/sub/" ] || { diag "got '$_r'"; return 1; }
	$C -fL -o "$T/got" "$URL/sub" && cmp -s "$T/got" "$W/sub/index.html"
}
case_ "curl: /sub redirects to /sub/, -L gets its index" curl_redirect

curl_404() {
	_r=$($C -o /dev/null -w '%{http_code}' "$URL/nope/nothing.txt")
	[ "$_r" = 404 ] || { diag "got '$_r'"; return 1; }
}
case_ "curl: missing file is 404" curl_404

curl_status() {
	_r=$($C -f "$URL/__api__/status") || return 1
	case $_r in
	*'"status":"ok"'*'"workers"'*) return 0 ;;
	esac
	diag "got $_r"
	return 1
}
case_ "curl: /__api__/status" curl_status

# ------------------------------------------------- the raw socket cases
python3 "$TESTS/e2e/http_conformance.py" "$PORT" "$W" "$HEADER_TIMEOUT" \
    "$IDLE_TIMEOUT" "$BODY_TIMEOUT" "$MAX_CONNECTIONS" >"$T/py.out" 2>&1
_st=$?
cat "$T/py.out"
_n=$(grep -c '^not ok' "$T/py.out")
FAILED=$((FAILED + _n))
if [ "$_st" != 0 ] && [ "$_n" = 0 ]; then
	nok "http_conformance.py ran (exit $_st)"
	FAILED=$((FAILED + 1))
fi

# ----------------------------------------------------------- afterwards
same_workers() {
	_now=$(role_pids worker)
	[ -n "$_now" ] && [ "$_now" = "$WPIDS" ] || {
		diag "worker pids before '$WPIDS', after '$_now'"
		return 1
	}
}
case_ "the worker survived every case (same pid)" same_workers

no_crash_log() {
	if grep -Eiq 'signal|crash|abort|fatal|segv' "$T/log"; then
		sed 's/^/# /' "$T/log" | tail -n 20
		return 1
	fi
}
case_ "no crash in the log" no_crash_log

case_ "airlockd stops cleanly" stop_airlockd

[ "$FAILED" = 0 ] || { diag "$FAILED case(s) failed"; exit 1; }
exit 0
