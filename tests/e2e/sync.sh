# Mirroring in a connectivity window, end to end: a CRAN-like upstream
# served by nginx over HTTPS with a test CA; a cran mirror of it; a
# window's sync pass downloads what the mirror lacks, the master ingests
# it and publishes a snapshot, and the sync process exits; real R installs
# a three-deep Imports chain from the mirror with the upstream down; a
# pass cut short by closing its window publishes nothing, though the files
# it had handed over are in the store already, leaves a .part and resumes
# it with a Range request in the next window, which does not fetch the
# stored files again and publishes them all; a file whose
# bytes do not match the index's MD5sum is reported, not stored, and its
# pass publishes nothing.
NAME=sync
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/upstream.sh"
. "$SRCDIR/tests/lib/synctest.sh"
LC_ALL=C.UTF-8
export LC_ALL
C=$T/up/src/contrib

part_size() {	# the bytes of bigpkg's .part in the quarantine (0: none)
	_f=$(find "$T/data/quarantine/cranmirror" -name 'bigpkg_1.0.tar.gz.part' 2>/dev/null | head -n1)
	if [ -n "$_f" ]; then wc -c <"$_f" | tr -d ' '; else echo 0; fi
}
part_started() { test "$(part_size)" -gt 0; }

if ! command -v Rscript >/dev/null 2>&1; then
	nok "R is not installed (apt-get install r-base-core)"
	exit 1
fi

# 1. The upstream: a three-deep Imports chain and one more, indexed by R.
mkdir -p "$C" "$T/lib"
mkpkg "$C" lowpkg 1.0 && mkpkg "$C" midpkg 1.0 "lowpkg" &&
    mkpkg "$C" toppkg 1.0 "midpkg (>= 1.0)" && mkpkg "$C" extrapkg 1.0
check "upstream packages built" test -f "$C/extrapkg_1.0.tar.gz"
upstream_index "$T/up"
check "upstream indexed by write_PACKAGES: PACKAGES, PACKAGES.gz and PACKAGES.rds, with MD5sum" \
    sh -c "test -s '$C/PACKAGES.gz' && test -s '$C/PACKAGES.rds' && test \"\$(grep -c '^MD5sum:' '$C/PACKAGES')\" = 4"
upstream_start "$T/up"
check "the upstream answers over HTTPS with the test CA ($UPURL)" upstream_up

# 2. airlockd and the mirror; no sync process before any window.
write_conf
M=$URL/cranmirror/latest/src/contrib
start_airlockd || exit 1
ctl repo create cranmirror --kind cran --upstream "$UPURL" --ca-file "$UPCA" >"$T/out" 2>&1
check "repo create cranmirror --kind cran --upstream --ca-file" test $? -eq 0
sed 's/^/# /' "$T/out"
ctl sync status >"$T/out" 2>&1
check "before any window: sync status says no sync process" grep -q '^sync process: none' "$T/out"
check "…and there is none" no_sync
check "…and the mirror has no snapshot" test "$(snap_latest cranmirror)" = 0

# 3. A window: one pass, a snapshot, and the sync process exits.
ctl sync open --for 30m --reason "test" >"$T/out" 2>&1
check "sync open" test $? -eq 0
checkl "a pass publishes a snapshot of the mirror" wait_for 60 snap_after cranmirror 0
S1=$(snap_latest cranmirror)
check "the published PACKAGES lists the four packages ($(served cranmirror))" \
    test "$(served cranmirror)" = "extrapkg lowpkg midpkg toppkg "
check "…with the upstream's bytes" sh -c \
    "curl -s '$M/toppkg_1.0.tar.gz' | cmp -s - '$C/toppkg_1.0.tar.gz'"
check "after the pass the sync process exits" wait_for 10 no_sync
ctl sync status >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "sync status: cranmirror 4/4 files" grep -q '^cranmirror: .*4/4 files' "$T/out"
check "sync status --json: complete, no error, not running" test \
    "$(progress cranmirror '(p.get("state"), len(p.get("errors") or []), st.get("sync_running"))')" = \
    "('complete', 0, False)"
check "…and the window stays open" grep -q '^1 *open' "$T/out"
ctl package list cranmirror latest >"$T/out" 2>&1
check "package list cranmirror latest: toppkg 1.0" grep -q '^toppkg *1.0 ' "$T/out"
ctl audit dump --csvlog >"$T/audit"
for a in sync_start sync_pass publish_snapshot; do
	check "audit: $a" grep -q ",$a," "$T/audit"
done
ctl sync close >"$T/out" 2>&1
check "sync close" grep -q "closed window 1" "$T/out"

# 4. Real R installs the chain from the mirror, with the upstream down.
upstream_stop
up_down() { ! curl -s -m 2 -o /dev/null --cacert "$UPCA" "$UPURL/src/contrib/PACKAGES"; }
check "the upstream is down" up_down
out=$(rq "install.packages('toppkg', repos = '$URL/cranmirror/latest', lib = '$T/lib', quiet = TRUE); library(toppkg, lib.loc = '$T/lib'); writeLines(toppkg_hello())")
last=$(printf '%s\n' "$out" | tail -n1)
check "R installs toppkg and its chain from the mirror ($last)" \
    test "$last" = "toppkg 1.0 > midpkg 1.0 > lowpkg 1.0"
[ "$last" = "toppkg 1.0 > midpkg 1.0 > lowpkg 1.0" ] || printf '%s\n' "$out" | sed 's/^/# R: /'

# 5. A pass cut short: a large package, a slow upstream, the window closed.
mkdir -p "$T/big/bigpkg/inst"
printf 'Package: bigpkg\nVersion: 1.0\nTitle: Big\nDescription: Big.\nLicense: MIT\nNeedsCompilation: no\n' \
    >"$T/big/bigpkg/DESCRIPTION"
head -c 40000000 /dev/urandom >"$T/big/bigpkg/inst/blob"
tar -C "$T/big" -czf "$C/bigpkg_1.0.tar.gz" bigpkg
chmod 644 "$C/bigpkg_1.0.tar.gz"
rm -rf "$T/big"
# Small ones beside it: more than a batch (16), all done long before it.
i=1
while [ "$i" -le 20 ]; do
	mkpkg "$C" "$(printf 'earlypkg%02d' "$i")" 1.0 || nok "mkpkg earlypkg$i"
	i=$((i + 1))
done
upstream_index "$T/up"
check "bigpkg (40 MB) in the upstream's index" grep -q '^Package: bigpkg' "$C/PACKAGES"
# How many of the earlypkg versions the mirror holds (published or not).
early_stored() {
	ctl package list cranmirror 2>/dev/null | grep -c '^earlypkg'
}
early_all_stored() { test "$(early_stored)" -eq 20; }
UP_RATE=2m
upstream_start "$T/up"
UP_RATE=
ctl sync open --for 30m --reason "test, cut short" >/dev/null 2>&1
check "the slow download of bigpkg starts (a .part in the quarantine)" wait_for 8 part_started
sleep 1
b=$(progress cranmirror 'p.get("bytes_done", 0)')
check "sync status --json: bytes_done > 0 ($b, .part $(part_size) bytes)" test "${b:-0}" -gt 0
checkl "the 20 small packages are handed over and stored while bigpkg downloads" \
    wait_for 10 early_all_stored
# The sync role hears of it at its next look at the master (< 0.3 s).
check "…and leave the quarantine" wait_for 3 sh -c \
    "! find '$T/data/quarantine/cranmirror' -name 'earlypkg*' | grep -q ."
ctl sync close >"$T/out" 2>&1
check "sync close in the middle of the pass" grep -q "closed window 2" "$T/out"
check "…kills the sync process" wait_for 5 no_sync
sleep 0.5
check "no snapshot published for the cut pass (latest still $S1)" test "$(snap_latest cranmirror)" = "$S1"
check "bigpkg is not in the mirror's PACKAGES" sh -c "! curl -s '$M/PACKAGES' | grep -q '^Package: bigpkg'"
check "…nor are the stored small ones" sh -c "! curl -s '$M/PACKAGES' | grep -q '^Package: earlypkg'"
check "…nor is anything of them served" test \
    "$(curl -s -o /dev/null -w '%{http_code}' "$M/earlypkg01_1.0.tar.gz")" = 404
P1=$(part_size)
check "a .part stays under quarantine/cranmirror ($P1 bytes)" sh -c \
    "find '$T/data/quarantine/cranmirror' -name '*.part' | grep -q . && test '$P1' -gt 0 && test '$P1' -lt 40000000"
ctl sync status >"$T/out" 2>&1
sed 's/^/# /' "$T/out"

upstream_stop
upstream_start "$T/up"
ctl sync open --for 30m --reason "test, resume" >/dev/null 2>&1
checkl "the next window's pass publishes a new snapshot" wait_for 60 snap_after cranmirror "$S1"
S2=$(snap_latest cranmirror)
check "bigpkg is now in the mirror's PACKAGES" sh -c "curl -s '$M/PACKAGES' | grep -q '^Package: bigpkg'"
check "…with the upstream's bytes" test \
    "$(curl -s "$M/bigpkg_1.0.tar.gz" | sha256sum)" = "$(sha256sum <"$C/bigpkg_1.0.tar.gz")"
grep bigpkg "$T/nginx/access.log" | sed 's/^/# upstream: /'
check "the download was resumed: a Range request for bigpkg" \
    grep -Eq 'GET /src/contrib/bigpkg_1\.0\.tar\.gz HTTP/[0-9.]+" 206 .*range="bytes=[1-9][0-9]*-' "$T/nginx/access.log"
check "the .part is gone" sh -c "! find '$T/data/quarantine/cranmirror' -name 'bigpkg*.part' | grep -q ."
check "the stored small packages are in the new snapshot's PACKAGES" test \
    "$(curl -s "$M/PACKAGES" | grep -c '^Package: earlypkg')" = 20
check "…and served with the upstream's bytes" test \
    "$(curl -s "$M/earlypkg07_1.0.tar.gz" | sha256sum)" = "$(sha256sum <"$C/earlypkg07_1.0.tar.gz")"
check "…and were not fetched again: one GET each in nginx's log" test \
    "$(grep -c 'GET /src/contrib/earlypkg[0-9]*_1\.0\.tar\.gz' "$T/nginx/access.log")" = 20
check "the pass ends and the sync process exits" wait_for 10 no_sync
ctl sync close >/dev/null 2>&1

# 6. A corrupted upstream file: the index's MD5sum does not match.
mkpkg "$C" badpkg 1.0 && upstream_index "$T/up"
printf 'x' >>"$C/badpkg_1.0.tar.gz"
check "badpkg in the index, its tarball one byte longer than indexed" \
    sh -c "grep -q '^Package: badpkg' '$C/PACKAGES' &&
    ! grep -q \"\$(md5sum <'$C/badpkg_1.0.tar.gz' | cut -d' ' -f1)\" '$C/PACKAGES'"
ctl sync open --for 30m --reason "test, corrupt upstream" >/dev/null 2>&1
failed() {
	test "$(progress cranmirror '(st.get("sync_running"), p.get("state"), any("badpkg_1.0.tar.gz" in (e.get("file") or "") for e in p.get("errors") or []))')" = \
	    "(False, 'incomplete', True)"
}
checkl "the pass ends incomplete, naming badpkg_1.0.tar.gz" wait_for 60 failed
check "…and the sync process exits" wait_for 10 no_sync
ctl sync status >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "sync status: badpkg_1.0.tar.gz with an MD5 or size mismatch" \
    grep -Eiq 'badpkg_1\.0\.tar\.gz.*(md5|size).*mismatch' "$T/out"
ctl package list cranmirror >"$T/out" 2>&1
check "badpkg is not in the store" sh -c "grep -q '^toppkg' '$T/out' && ! grep -q '^badpkg' '$T/out'"
check "nothing by that name in the quarantine" sh -c \
    "! find '$T/data/quarantine/cranmirror' -name 'badpkg_1.0.tar.gz*' | grep -q ."
check "no snapshot published for the incomplete pass (latest still $S2)" test "$(snap_latest cranmirror)" = "$S2"
check "the mirror's PACKAGES does not list badpkg" sh -c "! curl -s '$M/PACKAGES' | grep -q '^Package: badpkg'"
ctl audit dump --csvlog >"$T/audit"
check "audit: the incomplete pass" grep -q ',sync_pass,.*incomplete' "$T/audit"
ctl sync close >"$T/out" 2>&1
check "sync close" grep -q "closed window" "$T/out"
