# Host names resolve inside the sync role's chroot: the whole test runs
# in a network namespace of its own, whose /etc/hosts (bind-mounted by
# "ip netns exec" from /etc/netns/NS/hosts) names the upstream
# mirror.airlock.test, and whose resolv.conf points at a loopback address
# where nothing answers, so that no query leaves the machine.  A mirror
# configured by that name is fetched and published: glibc's resolver ran
# in the chroot on the files the master copied there.  A name that no
# file knows is reported per mirror in sync status as a DNS failure, the
# pass publishes nothing, and the master lives on.
NAME=sync_dns
NS=${AIRLOCK_NETNS:-}
if [ -z "$NS" ]; then
	# Outside: make the namespace, run this script inside it, clean up.
	NS=airlock-dns-$$
	# "ip netns exec" makes / a slave mount in a new mount namespace,
	# for its /etc/netns bind mounts; where / is not a mount point (a
	# chroot) that cannot be done, and nothing here can stand in for it
	# without touching the machine's /etc/hosts.
	if ! unshare --mount --propagation slave true 2>/dev/null; then
		echo "ok - $NAME: # SKIP no mount namespace with / as a slave" \
		    "mount here (a chroot?): ip netns exec cannot run"
		exit 0
	fi
	if ! ip netns add "$NS" 2>/dev/null; then
		echo "not ok - $NAME: cannot make a network namespace (ip netns add)"
		exit 1
	fi
	trap 'ip netns del "$NS" 2>/dev/null; rm -rf "/etc/netns/$NS"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "/etc/netns/$NS"
	printf '127.0.0.1\tlocalhost\n127.0.0.1\tmirror.airlock.test\n' \
	    >"/etc/netns/$NS/hosts"
	printf 'nameserver 127.0.0.53\noptions timeout:1 attempts:1\n' \
	    >"/etc/netns/$NS/resolv.conf"
	ip netns exec "$NS" ip link set lo up
	AIRLOCK_NETNS=$NS ip netns exec "$NS" sh "$0"
	exit $?
fi

. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/upstream.sh"
. "$SRCDIR/tests/lib/synctest.sh"
LC_ALL=C.UTF-8
export LC_ALL
C=$T/up/src/contrib
snap_of() { test "$(snap_latest "$1")" -gt 0; }
# state REPO: its pass's state and whether an index error names DNS.
state() {
	ctl --json sync status 2>/dev/null | python3 -c '
import json, sys
try:
    st = json.load(sys.stdin)
except Exception:
    st = {}
p = (st.get("progress") or {}).get(sys.argv[1]) or {}
e = " ".join((x.get("error") or "") for x in p.get("errors") or [])
print(st.get("sync_running"), p.get("state"),
      "resolve" in e.lower() or "dns" in e.lower())' "$1"
}
ended_unresolved() { test "$(state nosuchmirror)" = "False incomplete True"; }

check "inside network namespace $NS" sh -c "ip netns identify \$\$ | grep -qx '$NS'"
check "…whose hosts file names mirror.airlock.test" \
    grep -q 'mirror\.airlock\.test' /etc/hosts
check "…and which has no address but loopback" sh -c \
    "! ip -o addr show | grep -v ' lo ' | grep -q inet"

# The upstream's certificate names the host; upstream_start keeps it.
(cd "$T" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout upca.key -out upca.pem -days 2 -subj /CN=airlock-dns-test-ca &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout upsrv.key -out upsrv.csr -subj /CN=mirror.airlock.test &&
    printf 'subjectAltName=DNS:mirror.airlock.test,IP:127.0.0.1\n' >upext &&
    openssl x509 -req -in upsrv.csr -CA upca.pem -CAkey upca.key \
    -CAcreateserial -out upsrv.pem -days 2 -extfile upext) >"$T/certs.log" 2>&1
check "a test CA and a certificate for mirror.airlock.test" test -s "$T/upsrv.pem"
mkdir -p "$C"
mkpkg "$C" dnspkg 1.0
upstream_index "$T/up"
upstream_start "$T/up"
NAMED=https://mirror.airlock.test:$UPORT
check "the upstream answers by name ($NAMED)" test \
    "$(curl -s -o /dev/null -w '%{http_code}' -m 2 --cacert "$UPCA" "$NAMED/src/contrib/PACKAGES")" = 200

write_conf
start_airlockd || exit 1
ctl repo create named --kind cran --upstream "$NAMED" --ca-file "$UPCA" >"$T/out" 2>&1
check "repo create named --upstream $NAMED" test $? -eq 0
ctl repo create nosuchmirror --kind cran --upstream "https://nosuch.airlock.test:$UPORT" \
    --ca-file "$UPCA" >"$T/out" 2>&1
check "repo create nosuchmirror --upstream https://nosuch.airlock.test" test $? -eq 0
ctl sync open --for 30m --reason "dns test" >"$T/out" 2>&1
check "sync open" test $? -eq 0
check "the mirror named by host name publishes a snapshot" wait_for 30 snap_of named
check "…serving the upstream's bytes" sh -c \
    "curl -s '$URL/named/latest/src/contrib/dnspkg_1.0.tar.gz' | cmp -s - '$C/dnspkg_1.0.tar.gz'"
check "the mirror whose host name resolves nowhere ends incomplete, with a resolver error" \
    wait_for 30 ended_unresolved
ctl sync status >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "sync status names the host that did not resolve" grep -q 'nosuch\.airlock\.test' "$T/out"
check "…and nosuchmirror has no snapshot" test "$(snap_latest nosuchmirror)" = 0
check "the sync process is gone after the pass" wait_for 10 no_sync
check "the master lives on" kill -0 "$APID"
ctl sync close >/dev/null 2>&1
