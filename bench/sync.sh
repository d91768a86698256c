#!/bin/sh
# Benchmarks a sync pass against curl on this machine: a scratch CRAN-like
# upstream of N fake but valid source packages (a DESCRIPTION and S random
# bytes each, indexed by R's write_PACKAGES) served by nginx over HTTPS
# (tests/lib/upstream.sh), fetched (1) by curl --parallel and (2) by an
# airlockd with a cran mirror of it, from "sync open" until the pass's
# snapshot appears (downloads, MD5 checks, the master's ingest of each
# file and the publish).  Prints figures; it is not a test and does not
# judge them.
#   sh bench/sync.sh
# Environment:
#   N            packages (default 200)
#   SIZE         random bytes in each, with an optional k or m suffix
#                (default 200k)
#   PARALLEL     curl's --parallel-max (default 8, as sync's transfers)
#   RATE         nginx's limit_rate per connection (e.g. 2m), to stand for
#                a real link rather than loopback (default: none)
#   WORKERS      airlockd's worker processes (default 2)
#   SRCDIR       the checkout (default: this script's parent directory)
#   BUILDDIR     where airlockd and airlockctl are (default: SRCDIR)
#   KEEP=1       keep the scratch directory (configs, logs, nginx's log)
#   PERF=FILE    record the sync pass with perf (perf record -a -g) into
#                FILE, for perf report; the figures then include its cost
# shellcheck disable=SC2317 # cleanup runs from the EXIT trap
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR}
AIRLOCKD=$BUILDDIR/airlockd
AIRLOCKCTL=$BUILDDIR/airlockctl
N=${N:-200}
SIZE=${SIZE:-200k}
PARALLEL=${PARALLEL:-8}
WORKERS=${WORKERS:-2}
RATE=${RATE:-}
UP_RATE=$RATE

die() {
	echo "bench/sync.sh: $*" >&2
	exit 1
}

case $SIZE in
*[kK]) bytes=$((${SIZE%?} * 1024)) ;;
*[mM]) bytes=$((${SIZE%?} * 1024 * 1024)) ;;
*) bytes=$SIZE ;;
esac
[ "$bytes" -gt 0 ] 2>/dev/null || die "SIZE '$SIZE' is not a size"
[ "$N" -gt 0 ] 2>/dev/null || die "N '$N' is not a count"

for tool in nginx curl openssl python3 Rscript; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "$tool is missing; run: sh scripts/deps bench"
done
curl --help all 2>/dev/null | grep -q -- '--parallel-max' ||
    die "this curl has no --parallel (7.66 or later is needed)"
if [ ! -x "$AIRLOCKD" ] || [ ! -x "$AIRLOCKCTL" ]; then
	die "$AIRLOCKD or $AIRLOCKCTL is missing; run: sh scripts/build"
fi
[ "$(id -u)" -eq 0 ] ||
    die "run as root (airlockd drops to user airlock; nginx to nobody)"
sh "$SRCDIR/scripts/ensure-user" >/dev/null || die "cannot create user airlock"

T=$(mktemp -d /tmp/airlock-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$T"
APID=

# What tests/lib/upstream.sh expects of tests/lib/harness.sh.
nok() { echo "bench/sync.sh: $*" >&2; }
diag() { echo "# $*" >&2; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for() {
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}
# Called by upstream.sh's EXIT trap, after it stopped nginx.
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$APID" ] && kill -0 "$APID" 2>/dev/null; then
		_kids=$(pgrep -P "$APID" 2>/dev/null | tr '\n' ' ')
		kill -TERM "$APID" 2>/dev/null
		_i=0
		while kill -0 "$APID" 2>/dev/null && [ "$_i" -lt 120 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$APID" 2>/dev/null
		wait "$APID" 2>/dev/null
		for _k in $_kids; do
			kill -0 "$_k" 2>/dev/null && kill -KILL "$_k" 2>/dev/null
		done
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "scratch directory kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
. "$SRCDIR/tests/lib/upstream.sh"

now() { date +%s.%N; }
ctl() { SUDO_USER=root LOGNAME=root "$AIRLOCKCTL" -f "$T/airlock.conf" "$@"; }

# The upstream: N packages of random bytes (nothing compresses).
C=$T/up/src/contrib
mkdir -p "$C" "$T/pkgsrc"
i=1
while [ "$i" -le "$N" ]; do
	p=$(printf 'benchpkg%05d' "$i")
	mkdir -p "$T/pkgsrc/$p/inst"
	printf 'Package: %s\nVersion: 1.0\nTitle: Bench\nDescription: Bench.\nLicense: MIT\nNeedsCompilation: no\n' \
	    "$p" >"$T/pkgsrc/$p/DESCRIPTION"
	head -c "$bytes" /dev/urandom >"$T/pkgsrc/$p/inst/blob"
	tar -C "$T/pkgsrc" -czf "$C/${p}_1.0.tar.gz" "$p" ||
	    die "cannot make $p"
	rm -rf "${T:?}/pkgsrc/$p"
	i=$((i + 1))
done
chmod 644 "$C"/*.tar.gz
upstream_index "$T/up" || die "write_PACKAGES failed"
total=$(cat "$C"/*.tar.gz | wc -c | tr -d ' ')
upstream_start "$T/up"

# (1) curl: every file, PARALLEL at a time, over one curl process.
mkdir -p "$T/curl"
for f in "$C"/*.tar.gz; do
	b=$(basename "$f")
	printf 'url = "%s/src/contrib/%s"\noutput = "%s/curl/%s"\n' \
	    "$UPURL" "$b" "$T" "$b"
done >"$T/curl.cfg"
runcurl() {
	rm -f "$T/curl"/*
	curl -sS --fail --parallel --parallel-max "$PARALLEL" --cacert "$UPCA" \
	    -K "$T/curl.cfg" 2>"$T/curl.err" || {
		cat "$T/curl.err" >&2
		die "curl failed"
	}
}
# CPU seconds (user + system) of the processes this shell waited for, from
# what times wrote to the file $1 (in this shell: $(times) would not do).
kids_cpu() {
	sed -n 2p "$1" | awk '{
		n = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, "m"); sub("s", "", a[2]); n += a[1] * 60 + a[2]
		}
		print n }'
}
# CPU seconds of airlockd: the master with what it reaped (the sync role)
# and the roles still running (workers, auth, inspect).
tree_cpu() {
	_hz=$(getconf CLK_TCK)
	{
		cut -d' ' -f14-17 "/proc/$APID/stat"
		for _p in $(pgrep -P "$APID"); do
			cut -d' ' -f14-15 "/proc/$_p/stat" 2>/dev/null
		done
	} | awk -v hz="$_hz" '{ for (i = 1; i <= NF; i++) n += $i }
	    END { printf "%.2f\n", n / hz }'
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
runcurl		# warms the page cache and nginx, not counted
# Each timed part starts with no dirty pages of the one before it to write.
sync
times >"$T/times0"
t0=$(now)
runcurl
t1=$(now)
times >"$T/times1"
k0=$(kids_cpu "$T/times0")
k1=$(kids_cpu "$T/times1")
got=$(cat "$T/curl"/*.tar.gz | wc -c | tr -d ' ')
[ "$got" = "$total" ] || die "curl fetched $got bytes, not $total"
rm -rf "$T/curl"

# (2) airlock: a cran mirror of the upstream, one window's pass.
APORT=$(free_port)
mkdir -p "$T/www" "$T/data"
cat >"$T/airlock.conf" <<EOF
server = {
	data_dir = "$T/data";
	workers = $WORKERS;
};
http = {
	listen = ["127.0.0.1:$APORT"];
	static_dir = "$T/www";
	no_warning = true;
};
EOF
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
ctl repo create benchmirror --kind cran --upstream "$UPURL" --ca-file "$UPCA" \
    >"$T/ctl.out" 2>&1 || {
	cat "$T/ctl.out" >&2
	die "repo create failed"
}
# The end is read from airlockd's log by one follower that reads only what
# is appended (a grep of the whole log every 20 ms took about 0.45 CPU s
# of the cores measured at N=1000; polling sync status through airlockctl
# would take more).  "fetched": the sync role's line once its last download
# is verified; "snapshot": the master's once the pass's snapshot is
# published (every file stored by then).  It prints the two times, or
# "failed" with the line.
# The system's python3 when there is one: a pyenv shim in front of it
# is a shell script, run on the cores measured.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
follow() {
	"$PY" - "$T/airlock.log" "$(wc -c <"$T/airlock.log")" <<'PY'
import re, sys, time
log, pos = sys.argv[1], int(sys.argv[2])
done = "sync benchmirror: pass complete, published snapshot"
fetched = re.compile(r"benchmirror: [0-9]+ of [0-9]+ fetched in")
bad = ("pass of benchmirror is incomplete", "sync benchmirror: publish:")
tf = None
start = time.time()
with open(log, "rb") as f:
    f.seek(pos)
    part = b""
    while True:
        chunk = f.readline()
        if not chunk:
            if time.time() - start > 600:
                print("failed no snapshot after 600 s", flush=True)
                sys.exit(0)
            time.sleep(0.01)
            continue
        part += chunk
        if not part.endswith(b"\n"):
            continue
        line, part = part.decode("utf-8", "replace"), b""
        now = time.time()
        if tf is None and fetched.search(line):
            tf = now
        if done in line:
            print("%.6f %.6f" % (tf if tf is not None else now, now),
                  flush=True)
            sys.exit(0)
        if any(b in line for b in bad):
            print("failed " + line.strip(), flush=True)
            sys.exit(0)
PY
}
sync
a0=$(tree_cpu)
follow >"$T/follow" &
fpid=$!
ppid=
if [ -n "${PERF:-}" ]; then
	perf record -q -a -g -o "$PERF" >/dev/null 2>&1 &
	ppid=$!
	sleep 0.5
fi
t2=$(now)
ctl sync open --for 30m --reason "bench/sync.sh" >"$T/ctl.out" 2>&1 || {
	cat "$T/ctl.out" >&2
	die "sync open failed"
}
wait "$fpid"
if [ -n "$ppid" ]; then
	kill -INT "$ppid"
	wait "$ppid"
fi
read -r tf t3 <"$T/follow" || die "the log follower printed nothing"
if [ "$tf" = failed ]; then
	ctl sync status >&2
	die "the sync pass did not complete: $t3"
fi
sleep 0.2	# the sync role's exit, reaped
a1=$(tree_cpu)
ctl sync status >"$T/status" 2>&1
ctl sync close >/dev/null 2>&1
listed=$(curl -s "http://127.0.0.1:$APORT/benchmirror/latest/src/contrib/PACKAGES" |
    grep -c '^Package: ')
[ "$listed" = "$N" ] ||
    die "the mirror's PACKAGES lists $listed packages, not $N"

echo "# $(nginx -v 2>&1 | sed 's/^nginx version: //') over HTTPS (TLS, test CA) vs" \
    "$("$AIRLOCKD" -v 2>&1 | head -n 1); $(nproc) core(s), $(uname -sr)"
echo "# $N packages of $bytes random bytes, $total bytes in all;" \
    "curl --parallel-max $PARALLEL; airlockd with $WORKERS worker(s);" \
    "nginx limit_rate ${RATE:-none} per connection"
echo "# load average before: $load, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(anything else running skews the figures)"
sed -n 's/^benchmirror: /# sync status: /p' "$T/status"
echo
awk -v total="$total" -v c0="$t0" -v c1="$t1" -v s0="$t2" -v s1="$t3" \
    -v ccpu="$(echo "$k1 $k0" | awk '{print $1 - $2}')" \
    -v acpu="$(echo "$a1 $a0" | awk '{print $1 - $2}')" \
    -v sf="$tf" 'BEGIN {
	c = c1 - c0; s = s1 - s0; f = sf - s0
	printf "%-34s %9s %9s %9s\n", "client", "seconds", "MB/s", "CPU s"
	printf "%-34s %9.2f %9.1f %9.2f\n", "curl --parallel", c, total / c / 1e6,
	    ccpu
	printf "%-34s %9.2f %9.1f %9s\n", "airlock sync (open to all fetched)",
	    f, total / f / 1e6, "-"
	printf "%-34s %9.2f %9.1f %9.2f\n", "airlock sync (open to snapshot)", s,
	    total / s / 1e6, acpu
	printf "ratio sync/curl: %.2fx (goal: 0.80x or more); CPU: %.1fx curl\n",
	    c / s, (ccpu > 0 ? acpu / ccpu : 0)
}'
grep -iE 'error|warn' "$T/airlock.log" | grep -v 'audit:' |
    sed 's/^/# airlock log: /'
[ -s "$T/nginx/error.log" ] && sed 's/^/# nginx error.log: /' "$T/nginx/error.log"
exit 0
