# HTTPS end to end, with real clients: openssl s_client at each TLS
# version against each https.minimum_tls (refused below, accepted at or
# above); curl; RSA and ECDSA certificates signed by the keys role; HSTS
# and Secure cookies only when https.permanent (or over TLS);
# X-Forwarded-For/-Proto believed from trusted proxies only; certificate
# rotation by SIGHUP while a download is in flight; R's install.packages
# over HTTPS with a test CA; no private key in a worker's memory; and the
# send path byte for byte (tls_stream.py: pipelining, a stalled reader, a
# request head in pieces).
NAME=tls
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
ctl() { "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
LC_ALL=C.UTF-8
export LC_ALL

# A test CA and server certificates for 127.0.0.1.
cd "$T" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -days 2 -subj /CN=airlock-test-ca >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
mkcert() {	# mkcert NAME KEYTYPE-ARGS...
	_n=$1
	shift
	openssl req -new -newkey "$@" -nodes -keyout "$_n.key" -out "$_n.csr" \
	    -subj "/CN=127.0.0.1 $_n" >/dev/null 2>&1 &&
	    openssl x509 -req -in "$_n.csr" -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out "$_n.pem" -days 2 -extfile ext >/dev/null 2>&1
}
mkcert rsa rsa:2048 && mkcert rsa2 rsa:2048 &&
    mkcert ec ec -pkeyopt ec_paramgen_curve:P-256
check "test CA and certificates made" test -s ec.pem
cd - >/dev/null || exit 1
chmod 600 "$T"/*.key
cp "$T/rsa.pem" "$T/srv.pem"
cp "$T/rsa.key" "$T/srv.key"

HP=$(free_port)
H=https://127.0.0.1:$HP
conf() {
	CONF_HTTP="no_warning = true; access_log = true;
	    trusted_proxies = [${TRUSTED:-}];"
	CONF_EXTRA="https = { listen = [\"127.0.0.1:$HP\"];
	    certificate = \"$T/srv.pem\"; key = \"$T/srv.key\";
	    minimum_tls = \"${MINTLS:-1.2}\"; permanent = ${PERMANENT:-false}; };"
	write_conf
}
gen=0
reload() {
	conf
	gen=$((gen + 1))
	kill -HUP "$APID"
	wait_log "reload complete (generation $gen)" 10 ||
	    diag "reload $gen did not complete"
	sleep 0.3
}
conf
start_airlockd || exit 1
check "airlockd says it is ready with https.listen" true

# A repository with a small package and a large one (for the rotation).
mkdir -p "$T/p" "$T/big/bigpkg/inst" "$T/lib"
mkpkg "$T/p" tlspkg 1.0
printf 'Package: bigpkg\nVersion: 1.0\nTitle: Big\nDescription: Big.\nLicense: MIT\nNeedsCompilation: no\n' \
    >"$T/big/bigpkg/DESCRIPTION"
head -c 24000000 /dev/urandom >"$T/big/bigpkg/inst/blob"
tar -C "$T/big" -czf "$T/p/bigpkg_1.0.tar.gz" bigpkg
ctl repo create secure --kind local >/dev/null &&
    ctl add secure "$T/p/tlspkg_1.0.tar.gz" "$T/p/bigpkg_1.0.tar.gz" >/dev/null &&
    ctl publish secure >/dev/null
check "repository made" test $? -eq 0
P=$H/secure/latest/src/contrib/PACKAGES

check "curl over HTTPS with the test CA: 200" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" "$P")" = 200
check "without the CA, curl refuses the certificate" \
    sh -c "! curl -s -o /dev/null '$P'"
B=$H/secure/latest/src/contrib/bigpkg_1.0.tar.gz
curl -s --cacert "$T/ca.pem" -r 1000000-1999999 -o "$T/range" "$B"
check "a range over HTTPS: the right million bytes" \
    test "$(sha256sum <"$T/range")" = "$(tail -c +1000001 "$T/p/bigpkg_1.0.tar.gz" | head -c 1000000 | sha256sum)"
curl -s --cacert "$T/ca.pem" -o "$T/whole" "$B"
check "the whole 24 MB file over HTTPS, byte for byte" cmp -s "$T/whole" "$T/p/bigpkg_1.0.tar.gz"
check "HEAD over HTTPS, then a GET on the same connection" sh -c \
    "curl -s --cacert '$T/ca.pem' -I '$P' -o /dev/null --next --cacert '$T/ca.pem' -s -o '$T/pk' '$P' && grep -q '^Package: tlspkg' '$T/pk'"
# Pipelined requests, a stalled reader, a head in pieces (TLS 1.2 and 1.3).
python3 "$SRCDIR/tests/e2e/tls_stream.py" "$HP" "$T/ca.pem" \
    /secure/latest/src/contrib/bigpkg_1.0.tar.gz "$T/p/bigpkg_1.0.tar.gz" \
    /secure/latest/src/contrib/tlspkg_1.0.tar.gz "$T/p/tlspkg_1.0.tar.gz"
check "tls_stream.py ran to its end" test $? -le 1
check "plain HTTP still answers on http.listen" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/secure/latest/src/contrib/PACKAGES")" = 200

# --- protocol versions: each client version against each minimum ---
sclient() {	# sclient VERSION-FLAG: prints the negotiated protocol or FAIL
	_c=
	[ "$1" = tls1_3 ] || _c="-cipher DEFAULT:@SECLEVEL=0"
	# shellcheck disable=SC2086
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$HP" -"$1" $_c \
	    -CAfile "$T/ca.pem" -brief 2>&1 |
	    sed -n 's/^Protocol version: //p' | grep . || echo FAIL
}
for min in 1.0 1.1 1.2 1.3; do
	MINTLS=$min reload
	for v in 1 1_1 1_2 1_3; do
		got=$(sclient "tls$v")
		want=$(echo "$v" | tr _ .)
		case $want in 1) want=1.0 ;; esac
		if [ "$(printf '%s\n%s\n' "$min" "$want" | sort -V | head -n1)" = "$min" ]; then
			check "minimum $min, client TLS $want: accepted ($got)" \
			    test "$got" = "TLSv$(echo "$want" | sed 's/^1.0$/1/')"
		else
			check "minimum $min, client TLS $want: refused ($got)" \
			    test "$got" = FAIL
		fi
	done
done
MINTLS=1.2 reload
check "curl --tlsv1.3: 200" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --tlsv1.3 --cacert "$T/ca.pem" "$P")" = 200
check "curl --tls-max 1.1 against the default minimum 1.2: refused" \
    sh -c "! curl -s -o /dev/null --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' --cacert '$T/ca.pem' '$P'"

# --- headers over HTTPS; HSTS only when permanent ---
curl -s -D "$T/h1" -o /dev/null --cacert "$T/ca.pem" "$P"
curl -s -D "$T/h2" -o /dev/null --cacert "$T/ca.pem" "$H/__login__"
check "package file over HTTPS: nosniff" grep -qi '^X-Content-Type-Options: nosniff' "$T/h1"
check "login page over HTTPS: X-Frame-Options DENY and the CSP" \
    sh -c "grep -qi '^X-Frame-Options: DENY' '$T/h2' && grep -qi '^Content-Security-Policy:' '$T/h2'"
check "no Strict-Transport-Security unless https.permanent" \
    sh -c "! grep -qi '^Strict-Transport-Security' '$T/h1' '$T/h2'"

# --- cookies: Secure over TLS, not over plain HTTP ---
echo 'pw-of-carol' | ctl user add carol --password-stdin >/dev/null
cookie() {	# cookie URL [CURL-ARGS]: the Set-Cookie of a login
	_u=$1
	shift
	curl -s -o /dev/null -D - --cacert "$T/ca.pem" "$@" \
	    --data 'username=carol&password=pw-of-carol' "$_u/__login__" |
	    grep -i '^Set-Cookie: airlock_session='
}
c=$(cookie "$H")
check "login over HTTPS: the session cookie is Secure ($c)" sh -c "echo '$c' | grep -qi '; Secure'"
sleep 1.1
c=$(cookie "$URL")
check "login over plain HTTP: not Secure ($c)" sh -c "echo '$c' | grep -q . && ! echo '$c' | grep -qi secure"
sleep 1.1
c=$(cookie "$URL" -H 'X-Forwarded-Proto: https')
check "X-Forwarded-Proto from an untrusted peer is ignored ($c)" \
    sh -c "echo '$c' | grep -q . && ! echo '$c' | grep -qi secure"
curl -s -o /dev/null -H 'X-Forwarded-For: 203.0.113.9' "$URL/secure/latest/src/contrib/PACKAGES"
check "X-Forwarded-For from an untrusted peer is not logged as the client" \
    sh -c "! grep -q '203.0.113.9' '$T/log'"
TRUSTED='"127.0.0.0/8"' reload
sleep 1.1
c=$(cookie "$URL" -H 'X-Forwarded-Proto: https')
check "X-Forwarded-Proto: https from a trusted proxy: Secure ($c)" sh -c "echo '$c' | grep -qi '; Secure'"
curl -s -o /dev/null -H 'X-Forwarded-For: 198.51.100.7, 203.0.113.9' "$URL/secure/latest/src/contrib/PACKAGES"
check "X-Forwarded-For from a trusted proxy: the client is its rightmost untrusted address" \
    wait_log '203.0.113.9 "GET /secure/latest/src/contrib/PACKAGES' 3

PERMANENT=true reload
curl -s -D "$T/h1" -o /dev/null --cacert "$T/ca.pem" "$P"
curl -s -D "$T/h2" -o /dev/null --cacert "$T/ca.pem" "$H/__login__"
check "https.permanent: Strict-Transport-Security: max-age=2592000 on package files" \
    grep -qi '^Strict-Transport-Security: max-age=2592000' "$T/h1"
check "…and on the dashboard" grep -qi '^Strict-Transport-Security: max-age=2592000' "$T/h2"
sleep 1.1
c=$(cookie "$URL")
check "https.permanent: Secure cookies even over plain HTTP ($c)" sh -c "echo '$c' | grep -qi '; Secure'"

# --- R over HTTPS with the test CA ---
out=$(CURL_CA_BUNDLE="$T/ca.pem" Rscript --vanilla -e "install.packages('tlspkg', repos = '$H/secure/latest', lib = '$T/lib', quiet = TRUE); cat(requireNamespace('tlspkg', lib.loc = '$T/lib', quietly = TRUE))" 2>&1)
check "R install.packages over HTTPS (CURL_CA_BUNDLE)" sh -c "echo '$out' | tail -n1 | grep -q TRUE"

# --- ECDSA, then certificate rotation during a download ---
serial() {
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$HP" -CAfile "$T/ca.pem" 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null
}
cp "$T/ec.pem" "$T/srv.pem"
cp "$T/ec.key" "$T/srv.key"
reload
check "an ECDSA certificate: TLS 1.3 handshake ($(sclient tls1_3))" test "$(sclient tls1_3)" = TLSv1.3
check "…and TLS 1.2" test "$(sclient tls1_2)" = TLSv1.2
check "…serving its certificate" test "$(serial)" = "$(openssl x509 -noout -serial -in "$T/ec.pem")"

big=$H/secure/latest/src/contrib/bigpkg_1.0.tar.gz
curl -s --cacert "$T/ca.pem" --limit-rate 6M -o "$T/big.out" "$big" &
cpid=$!
sleep 1
cp "$T/rsa2.pem" "$T/srv.pem"
cp "$T/rsa2.key" "$T/srv.key"
reload
check "after SIGHUP new connections get the new certificate" \
    test "$(serial)" = "$(openssl x509 -noout -serial -in "$T/rsa2.pem")"
wait $cpid
check "the download in flight finished (exit $?)" test $? -eq 0
check "…with the right bytes" \
    test "$(sha256sum <"$T/big.out")" = "$(sha256sum <"$T/p/bigpkg_1.0.tar.gz")"
check "a bad key at reload is refused and changes nothing" sh -c "
    cp '$T/rsa.key' '$T/srv.key'; kill -HUP $APID; sleep 1;
    grep -q 'reload failed: .*key' '$T/log' &&
    test \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/ca.pem' '$P')\" = 200"
cp "$T/rsa2.key" "$T/srv.key"

# --- no private key in a worker ---
cat >"$T/scan.py" <<'PY'
import re, sys
pid, needles = sys.argv[1], [bytes.fromhex(n) for n in sys.argv[2:]]
found = 0
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
        found += sum(1 for n in needles if n in data)
print(found)
PY
# The secret prime of the key in use, as bytes in either order (OpenSSL
# keeps big numbers little-endian), a piece of the DER past the public
# modulus (in the private exponent), and the PEM text.
p1=$(openssl rsa -in "$T/srv.key" -noout -text 2>/dev/null |
    sed -n '/^prime1:/,/^prime2:/p' | sed '1d;$d' | tr -d ' :\n' | sed 's/^00//')
p1le=$(echo "$p1" | python3 -c "import sys; print(bytes.fromhex(sys.stdin.read().strip())[::-1].hex())")
der=$(openssl pkey -in "$T/srv.key" -outform DER 2>/dev/null | od -An -tx1 | tr -d ' \n' | cut -c 801-864)
pem=$(sed -n 2p "$T/srv.key" | od -An -tx1 | tr -d ' \n')
for w in $(role_pids worker); do
	check "worker $w: no private key in its memory" \
	    test "$(python3 "$T/scan.py" "$w" "$p1" "$p1le" "$der" "$pem")" = 0
done
k=$(role_pids keys)
check "(the scan works: the keys role holds the key)" \
    sh -c "test \"\$(python3 '$T/scan.py' $k '$p1' '$p1le')\" -gt 0"
check "keys role: seccomp on, chrooted in an empty directory" \
    sh -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$k/status && test \"\$(readlink /proc/$k/root)\" = '$T/data/empty'"
