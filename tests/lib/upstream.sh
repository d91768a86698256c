# A CRAN-like upstream for the sync tests: a directory served by a real
# nginx over HTTPS with a test CA, in the test's scratch directory.
# Sourced after harness.sh (it uses $T, free_port, wait_for, nok, diag
# and chains the harness's cleanup):
#   . "$SRCDIR/tests/lib/upstream.sh"
#   upstream_index DIR     DIR/src/contrib/PACKAGES{,.gz,.rds} by R
#   upstream_start DIR     serve DIR; sets UPORT, UPURL, UPCA
#   upstream_stop
# UP_RATE (e.g. 2m): nginx's limit_rate per connection, read by
# upstream_start; UP_SERVER: more directives for its server block
# (auth_basic, ssl_verify_client ...), and UP_CHECK: curl options that
# make upstream_up's request pass them.  A restart keeps the port (and so UPURL), the CA and the
# certificate; the access log ($T/nginx/access.log) is appended to and
# logs each request's Range header as range="...", its connection's serial
# number as conn=N and its time as rt=SECONDS.
UPPID=
UPORT=${UPORT:-}
UPURL=
UPCA=

# upstream_stop: TERM nginx's master, wait, then KILL it and the workers
# it had, by their ids.
upstream_stop() {
	[ -n "$UPPID" ] || return 0
	_up_kids=$(pgrep -P "$UPPID" 2>/dev/null | tr '\n' ' ')
	kill -TERM "$UPPID" 2>/dev/null
	_up_i=0
	while kill -0 "$UPPID" 2>/dev/null && [ "$_up_i" -lt 50 ]; do
		sleep 0.1
		_up_i=$((_up_i + 1))
	done
	kill -KILL "$UPPID" 2>/dev/null
	wait "$UPPID" 2>/dev/null
	for _up_k in $_up_kids; do
		kill -0 "$_up_k" 2>/dev/null && kill -KILL "$_up_k" 2>/dev/null
	done
	UPPID=
	return 0
}

# The harness's EXIT trap is "cleanup"; stop nginx before it removes $T.
# A signal exits, so that the EXIT trap runs (dash skips it otherwise).
trap 'upstream_stop; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# upstream_index DIR: R's own index of DIR/src/contrib (with MD5sum).
upstream_index() {
	if ! command -v Rscript >/dev/null 2>&1; then
		nok "R is not installed (apt-get install r-base-core)"
		exit 1
	fi
	Rscript --vanilla -e "tools::write_PACKAGES('$1/src/contrib', type = 'source')" \
	    >"$T/upstream-index.log" 2>&1 &&
	    test -s "$1/src/contrib/PACKAGES" &&
	    test -s "$1/src/contrib/PACKAGES.gz" &&
	    test -s "$1/src/contrib/PACKAGES.rds" && return 0
	diag "write_PACKAGES failed:"
	sed 's/^/# /' "$T/upstream-index.log"
	return 1
}

# upstream_certs: a test CA ($T/upca.pem) and a certificate for
# 127.0.0.1 signed by it, once per test.
upstream_certs() {
	[ -s "$T/upca.pem" ] && [ -s "$T/upsrv.pem" ] && return 0
	(cd "$T" &&
	    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout upca.key -out upca.pem -days 2 \
	    -subj /CN=airlock-upstream-test-ca &&
	    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout upsrv.key -out upsrv.csr -subj /CN=127.0.0.1 &&
	    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >upext &&
	    openssl x509 -req -in upsrv.csr -CA upca.pem -CAkey upca.key \
	    -CAcreateserial -out upsrv.pem -days 2 -extfile upext) \
	    >"$T/upstream-certs.log" 2>&1 && return 0
	sed 's/^/# /' "$T/upstream-certs.log"
	return 1
}

# upstream_up: the index answers 200 over HTTPS with the test CA.
upstream_up() {
	# shellcheck disable=SC2086
	test "$(curl -s -o /dev/null -w '%{http_code}' -m 2 --cacert "$UPCA" \
	    ${UP_CHECK:-} "$UPURL/src/contrib/PACKAGES")" = 200
}

# upstream_start DIR: nginx serving DIR over HTTPS on 127.0.0.1:$UPORT.
upstream_start() {
	if ! command -v nginx >/dev/null 2>&1; then
		nok "nginx is not installed (apt-get install nginx-light)"
		exit 1
	fi
	upstream_stop
	if ! upstream_certs; then
		nok "cannot make the upstream's test CA and certificate"
		exit 1
	fi
	UPORT=${UPORT:-$(free_port)}
	UPURL=https://127.0.0.1:$UPORT
	UPCA=$T/upca.pem
	mkdir -p "$T/nginx/tmp"
	_up_tmp="client_body_temp_path $T/nginx/tmp/body;"
	for _up_m in proxy fastcgi uwsgi scgi; do
		nginx -V 2>&1 | grep -q -- "--without-http_${_up_m}_module" ||
		    _up_tmp="$_up_tmp
	${_up_m}_temp_path $T/nginx/tmp/$_up_m;"
	done
	# As root nginx's workers drop to nobody: $T and DIR are 755, the
	# files 644.
	_up_user=
	if [ "$(id -u)" -eq 0 ]; then
		if getent group nogroup >/dev/null 2>&1; then
			_up_user="user nobody nogroup;"
		else
			_up_user="user root;"
		fi
	fi
	_up_rate=
	[ -n "${UP_RATE:-}" ] && _up_rate="limit_rate $UP_RATE;"
	cat >"$T/nginx/nginx.conf" <<EOF
$_up_user
worker_processes 2;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events {
	worker_connections 1024;
}
http {
	log_format upstream '\$remote_addr [\$time_local] "\$request" \$status '
	    '\$body_bytes_sent range="\$http_range" "\$http_user_agent" '
	    'conn=\$connection rt=\$request_time';
	access_log $T/nginx/access.log upstream;
	sendfile on;
	keepalive_timeout 60s;
	default_type application/octet-stream;
	$_up_tmp
	server {
		listen 127.0.0.1:$UPORT ssl;
		server_name localhost;
		ssl_certificate $T/upsrv.pem;
		ssl_certificate_key $T/upsrv.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $1;
		$_up_rate
		${UP_SERVER:-}
	}
}
EOF
	nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" \
	    -g 'daemon off;' >>"$T/nginx/stderr" 2>&1 &
	UPPID=$!
	if ! wait_for 10 upstream_up; then
		diag "nginx (upstream) did not answer $UPURL/src/contrib/PACKAGES:"
		cat "$T/nginx/stderr" "$T/nginx/error.log" 2>/dev/null |
		    sed 's/^/# /'
		upstream_stop
		nok "the upstream (nginx) did not start"
		exit 1
	fi
	return 0
}
