#!/bin/sh
# Benchmarks airlock's static file serving against nginx on this machine:
# both serve the same files from a scratch directory, under the same
# conditions, and wrk measures each in turn.  Prints figures; it is not a
# test and does not judge them.  See bench/README.md.
#   sh bench/http.sh
# Environment:
#   DURATION     each measured wrk run (default 10s)
#   WARMUP       the wrk run before each measured one (default 2s)
#   CONNECTIONS  wrk connections (default 50)
#   THREADS      wrk threads (default 1)
#   WORKERS      worker processes of each server (default 2)
#   ROUNDS       measured runs per server and file, order alternating;
#                the median req/s (and its run's p99) is reported (default 3)
#   AIRLOCKD     the daemon (default: airlockd in the checkout)
#   SCHEME       http (default) or https: both servers with the same
#                ECDSA P-256 certificate, TLS 1.2-1.3, the same ciphers
#   KEEP=1       keep the scratch directory (configs, logs, wrk output)
# shellcheck disable=SC2317 # stop and cleanup run from the EXIT trap
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AIRLOCKD=${AIRLOCKD:-$ROOT/airlockd}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-1}
WORKERS=${WORKERS:-2}
ROUNDS=${ROUNDS:-3}
SCHEME=${SCHEME:-http}

die() {
	echo "bench/http.sh: $*" >&2
	exit 1
}

for tool in nginx wrk curl python3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "$tool is missing; run: sh scripts/deps bench"
done
[ -x "$AIRLOCKD" ] || die "$AIRLOCKD is missing; run: sh scripts/build"
[ "$(id -u)" -eq 0 ] ||
    die "run as root (airlockd drops to user airlock; nginx to nobody)"
sh "$ROOT/scripts/ensure-user" >/dev/null || die "cannot create user airlock"

T=$(mktemp -d /tmp/airlock-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$T"
APID=
NPID=
WPID=

# stop PID SECONDS: TERM, wait up to SECONDS, then KILL the process and
# the children it had (by their ids).
stop() {
	_pid=$1
	kill -0 "$_pid" 2>/dev/null || return 0
	_kids=$(pgrep -P "$_pid" 2>/dev/null | tr '\n' ' ')
	kill -TERM "$_pid" 2>/dev/null
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ "$_i" -lt "$(($2 * 10))" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	for _k in $_kids; do
		kill -0 "$_k" 2>/dev/null && kill -KILL "$_k" 2>/dev/null
	done
	return 0
}

cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$WPID" ] && kill -TERM "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	[ -n "$NPID" ] && stop "$NPID" 5
	[ -n "$APID" ] && stop "$APID" 12
	if [ "${KEEP:-0}" = 1 ]; then
		echo "scratch directory kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The files: random bytes, so nothing compresses or is special-cased.
mkdir -p "$T/www" "$T/data" "$T/nginx/tmp"
head -c 20480 /dev/urandom >"$T/www/20k.bin"
head -c 102400 /dev/urandom >"$T/www/100k.bin"
chmod 755 "$T/www"
chmod 644 "$T/www"/*.bin

APORT=$(free_port)
NPORT=$(free_port)
while [ "$NPORT" = "$APORT" ]; do NPORT=$(free_port); done

# HTTPS: one certificate for both, from a throwaway CA.
CIPHERS="ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1"
alisten="listen = [\"127.0.0.1:$APORT\"];"
nlisten="listen 127.0.0.1:$NPORT;"
https_conf=
if [ "$SCHEME" = https ]; then
	(cd "$T" &&
	    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=bench-ca &&
	    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&
	    printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
	    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out srv.pem -days 2 -extfile ext) \
	    >/dev/null 2>&1 || die "cannot make a certificate"
	chmod 644 "$T/srv.pem" "$T/srv.key"
	alisten="listen = [];"
	https_conf="https = { listen = [\"127.0.0.1:$APORT\"];
	certificate = \"$T/srv.pem\"; key = \"$T/srv.key\"; };"
	nlisten="listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $T/srv.pem;
		ssl_certificate_key $T/srv.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers $CIPHERS;
		ssl_prefer_server_ciphers on;
		ssl_session_cache shared:SSL:10m;"
fi
CURL="curl --cacert $T/ca.pem"

# airlock: http.access_log is false by default; it always uses sendfile
# and keep-alive.
cat >"$T/airlock.conf" <<EOF
server = {
	data_dir = "$T/data";
	workers = $WORKERS;
};
http = {
	$alisten
	static_dir = "$T/www";
	no_warning = true;
};
$https_conf
EOF

# nginx: the same worker count, no access log, keep-alive with airlock's
# idle timeout and (like airlock) no cap on requests per connection,
# worker_connections = airlock's http.max_connections; and what a
# production nginx serving static files sets: sendfile with tcp_nopush
# (head and file in full packets, as airlock's MSG_MORE), and an open file
# cache revalidated after 1 s like airlock's (workers/fcache.h).  Over TLS
# nginx keeps its default ssl_buffer_size (16k: full records).
tmp_paths="client_body_temp_path $T/nginx/tmp/body;"
for m in proxy fastcgi uwsgi scgi; do
	nginx -V 2>&1 | grep -q -- "--without-http_${m}_module" ||
	    tmp_paths="$tmp_paths
	${m}_temp_path $T/nginx/tmp/$m;"
done
if getent group nogroup >/dev/null 2>&1; then
	nuser="nobody nogroup"
else
	nuser="root"
fi
cat >"$T/nginx/nginx.conf" <<EOF
user $nuser;
worker_processes $WORKERS;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	open_file_cache max=1000 inactive=60s;
	open_file_cache_valid 1s;
	keepalive_timeout 60s;
	keepalive_requests 100000000;
	default_type application/octet-stream;
	$tmp_paths
	server {
		$nlisten
		server_name localhost;
		root $T/www;
	}
}
EOF

# wait_200 URL SECONDS: until URL answers 200.
wait_200() {
	_i=0
	while [ "$_i" -lt "$(($2 * 20))" ]; do
		[ "$($CURL -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] &&
		    return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" \
    -g 'daemon off;' >"$T/nginx/stderr" 2>&1 &
NPID=$!
if ! wait_200 "$SCHEME://127.0.0.1:$NPORT/20k.bin" 10; then
	cat "$T/nginx/stderr" "$T/nginx/error.log" >&2 2>/dev/null
	die "nginx did not start"
fi

"$AIRLOCKD" -f "$T/airlock.conf" >"$T/airlock.log" 2>&1 &
APID=$!
_i=0
until grep -q "ready:" "$T/airlock.log" 2>/dev/null; do
	if [ "$_i" -ge 200 ] || ! kill -0 "$APID" 2>/dev/null; then
		cat "$T/airlock.log" >&2
		die "airlockd did not become ready"
	fi
	sleep 0.05
	_i=$((_i + 1))
done
wait_200 "$SCHEME://127.0.0.1:$APORT/20k.bin" 10 || die "airlock does not answer"

# Both must return 200, the right Content-Length and the right bytes.
for f in 20k 100k; do
	size=$(wc -c <"$T/www/$f.bin" | tr -d ' ')
	for s in nginx airlock; do
		if [ "$s" = nginx ]; then port=$NPORT; else port=$APORT; fi
		url=$SCHEME://127.0.0.1:$port/$f.bin
		code=$($CURL -sS -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$url")
		len=$(tr -d '\r' <"$T/hdr" |
		    awk 'tolower($1) == "content-length:" { print $2 }')
		[ "$code" = 200 ] || die "$s: $url: status $code, not 200"
		[ "$len" = "$size" ] ||
		    die "$s: $url: Content-Length '$len', not $size"
		cmp -s "$T/body" "$T/www/$f.bin" || die "$s: $url: wrong body"
		grep -qi '^connection: close' "$T/hdr" &&
		    die "$s: $url: no keep-alive"
	done
done

# negotiated PORT: "protocol cipher, key exchange, signature" over TLS.
negotiated() {
	openssl s_client -connect "127.0.0.1:$1" -CAfile "$T/ca.pem" \
	    </dev/null 2>/dev/null | awk '
		/^New, / { sub(/^New, /, ""); sub(/, Cipher is /, " "); p = $0 }
		/^Server Temp Key:/ { sub(/^Server Temp Key: /, ""); k = $0 }
		/^Peer signature type:/ { g = $4 }
		END { print p ", " k ", " g }'
}

# Over TLS both must negotiate the same protocol, cipher and key
# exchange (wrk and s_client use the same OpenSSL defaults).
tls_line=
if [ "$SCHEME" = https ]; then
	neg_nginx=$(negotiated "$NPORT")
	neg_airlock=$(negotiated "$APORT")
	[ "$neg_nginx" = "$neg_airlock" ] ||
	    die "TLS differs: nginx $neg_nginx, airlock $neg_airlock"
	tls_line="# TLS negotiated by both: $neg_nginx"
fi

ncores=$(nproc)
nver=$(nginx -v 2>&1 | sed 's/^nginx version: //')
aver=$("$AIRLOCKD" -v 2>&1 | head -n 1)
echo "# $nver vs $aver over $SCHEME; $ncores core(s), $(uname -sr); $WORKERS worker(s) each"
echo "# wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency" \
    "(warm-up $WARMUP before each run, $ROUNDS round(s), median req/s)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(anything else running skews the figures)"
[ -n "$tls_line" ] && echo "$tls_line"
[ "$ncores" -le 2 ] &&
    echo "# note: wrk shares the $ncores core(s) with the servers"

notes=
# measure SERVER FILE ROUND: one warm-up and one measured wrk run;
# appends "server file rps p99ms" to $T/results.
measure() {
	if [ "$1" = nginx ]; then port=$NPORT; else port=$APORT; fi
	url=$SCHEME://127.0.0.1:$port/$2.bin
	# wrk runs in the background so that a signal stops the script at
	# once (the exit trap stops wrk too).
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null 2>&1 &
	WPID=$!
	wait "$WPID"
	out=$T/wrk-$2-$1-$3.txt
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" \
	    >"$out" 2>&1 &
	WPID=$!
	wait "$WPID"
	WPID=
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
	p99=$(awk '$1 == "99%" {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v) }
		else if (v ~ /m$/) { sub(/m$/, "", v); v = v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }
		printf "%.3f", v
	}' "$out")
	if [ -z "$rps" ] || [ -z "$p99" ]; then
		cat "$out" >&2
		die "$1 $2: cannot read wrk's output"
	fi
	errs=$(grep -E 'Non-2xx|Socket errors' "$out")
	[ -n "$errs" ] && notes="$notes
$2 $1 round $3: $(echo "$errs" | sed 's/^ *//' | tr '\n' ';')"
	echo "$1 $2 $rps $p99" >>"$T/results"
}

: >"$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# The order alternates between files and between rounds.
	if [ $((r % 2)) -eq 1 ]; then
		measure nginx 20k "$r"; measure airlock 20k "$r"
		measure airlock 100k "$r"; measure nginx 100k "$r"
	else
		measure airlock 20k "$r"; measure nginx 20k "$r"
		measure nginx 100k "$r"; measure airlock 100k "$r"
	fi
	r=$((r + 1))
done

echo
awk '
	# The median of each server and file: sorted by req/s, the middle
	# run (the lower middle for an even count), with the p99 of that run.
	{ k = $2 " " $1; n[k]++; r[k, n[k]] = $3; l[k, n[k]] = $4 }
	END {
		for (k in n) {
			for (i = 2; i <= n[k]; i++)
				for (j = i; j > 1 && r[k, j - 1] + 0 > r[k, j] + 0; j--) {
					t = r[k, j]; r[k, j] = r[k, j - 1]; r[k, j - 1] = t
					t = l[k, j]; l[k, j] = l[k, j - 1]; l[k, j - 1] = t
				}
			m = int((n[k] + 1) / 2)
			rps[k] = r[k, m]; p99[k] = l[k, m]
			all[k] = ""
			for (i = 1; i <= n[k]; i++)
				all[k] = all[k] (i > 1 ? " " : "") r[k, i]
		}
		printf "%-7s %-8s %12s %10s   %s\n", "file", "server", "req/s",
		    "p99(ms)", "(every round, sorted)"
		split("20k 100k", files, " ")
		for (i = 1; i <= 2; i++) {
			f = files[i]
			for (j = 0; j < 2; j++) {
				s = j ? "airlock" : "nginx"
				printf "%-7s %-8s %12.0f %10.2f   %s\n", f, s,
				    rps[f " " s], p99[f " " s], all[f " " s]
			}
			q = rps[f " nginx"] + 0
			printf "%-7s ratio airlock/nginx: %s\n", f,
			    (q > 0) ? sprintf("%.2fx", rps[f " airlock"] / q) : "n/a"
		}
	}' "$T/results"

if [ -n "$notes" ]; then
	echo
	echo "# wrk reported errors:$notes"
fi
# Stop both now, so that what they log when stopping shows too.
stop "$NPID" 5
stop "$APID" 12
NPID=
APID=
grep -iE 'error|warn' "$T/airlock.log" | grep -v 'audit:' |
    sed 's/^/# airlock log: /'
[ -s "$T/nginx/error.log" ] && sed 's/^/# nginx error.log: /' "$T/nginx/error.log"
exit 0
