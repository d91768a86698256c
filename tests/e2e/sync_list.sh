# Mirrors with a package list, end to end: an upstream (nginx over HTTPS,
# packages built and indexed by real R) with a dependency chain over
# Imports, LinkingTo and a Suggests-only branch; one window mirrors three
# cran repositories of it: --packages toppkg gets exactly the closure,
# --package-file with --suggests also the suggested branch, and a list
# naming a package upstream lacks (and one whose Imports upstream lacks)
# reports each name in sync status and publishes nothing.  Real R then
# installs toppkg (compiled against the LinkingTo headers) from the mirror
# with the upstream stopped.
NAME=sync_list
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/upstream.sh"
. "$SRCDIR/tests/lib/synctest.sh"
LC_ALL=C.UTF-8
export LC_ALL
C=$T/up/src/contrib


if ! command -v Rscript >/dev/null 2>&1; then
	nok "R is not installed (apt-get install r-base-core)"
	exit 1
fi

# 1. The upstream.  toppkg: Imports midpkg, LinkingTo hdrpkg (its C code
# includes hdrpkg.h), Suggests suggpkg and MASS (recommended, not
# upstream); midpkg: Depends R and methods, Imports lowpkg and stats;
# suggpkg: Imports sdeppkg, Suggests nowherepkg (not upstream, and not
# followed: only the listed packages' Suggests are); brokenpkg: Imports
# gonepkg, which upstream lacks; otherpkg: nobody needs it.
mkdir -p "$C" "$T/lib"
MKPKG_SUGGESTS=
export MKPKG_SUGGESTS
mkpkg "$C" lowpkg 1.0 && mkpkg "$C" sdeppkg 1.0 && mkpkg "$C" otherpkg 1.0 &&
    MKPKG_HEADER=1 mkpkg "$C" hdrpkg 1.0 &&
    MKPKG_DEPENDS="R (>= 3.5.0), methods" mkpkg "$C" midpkg 1.0 "lowpkg, stats" &&
    MKPKG_SUGGESTS=nowherepkg mkpkg "$C" suggpkg 1.0 "sdeppkg" &&
    mkpkg "$C" brokenpkg 1.0 "gonepkg" &&
    MKPKG_LINKINGTO=hdrpkg MKPKG_SUGGESTS="suggpkg, MASS (>= 7.3)" \
    mkpkg "$C" toppkg 1.0 "midpkg (>= 1.0)" 1
check "upstream packages built (8)" test "$(ls "$C"/*.tar.gz | wc -l)" = 8
upstream_index "$T/up"
check "toppkg's index record: Imports, LinkingTo and Suggests" sh -c \
    "sed -n '/^Package: toppkg/,/^\$/p' '$C/PACKAGES' | grep -q '^LinkingTo: hdrpkg' &&
    sed -n '/^Package: toppkg/,/^\$/p' '$C/PACKAGES' | grep -q '^Suggests: suggpkg'"
upstream_start "$T/up"
check "the upstream answers over HTTPS with the test CA" upstream_up

# 2. airlockd, and what repo create accepts and refuses.
write_conf
start_airlockd || exit 1
ctl repo create listmirror --kind cran --upstream "$UPURL" --ca-file "$UPCA" \
    --packages toppkg >"$T/out" 2>&1
check "repo create listmirror --packages toppkg" test $? -eq 0
check "…says it mirrors a list of 1 package" grep -q 'a list of 1 package' "$T/out"
printf '# what the suggmirror mirrors\ntoppkg\n\n  toppkg # twice\n' >"$T/list"
ctl repo create suggmirror --kind cran --upstream "$UPURL" --ca-file "$UPCA" \
    --package-file "$T/list" --suggests >"$T/out" 2>&1
check "repo create suggmirror --package-file (comments, a duplicate) --suggests" \
    grep -q 'a list of 1 package(s) with their Suggests' "$T/out"
ctl repo create badmirror --kind cran --upstream "$UPURL" --ca-file "$UPCA" \
    --packages "toppkg, nosuchpkg,brokenpkg" >"$T/out" 2>&1
check "repo create badmirror --packages 'toppkg, nosuchpkg,brokenpkg'" \
    grep -q 'a list of 3 package' "$T/out"
ctl repo create fullmirror --kind cran >/dev/null 2>&1
ctl repo create x1 --kind cran --upstream "$UPURL" --packages 'top;pkg' >"$T/out" 2>&1
check "an invalid name in the list is refused, naming it" sh -c \
    "test $? -ne 0 && grep -q \"'top;pkg' in the package list is not a package name\" '$T/out'"
ctl repo create x2 --kind cran --upstream "$UPURL" --suggests >"$T/out" 2>&1
check "--suggests without a list is refused" sh -c \
    "test $? -ne 0 && grep -q 'applies to a package list' '$T/out'"
ctl repo create x3 --kind local --packages toppkg >"$T/out" 2>&1
check "a list for a local repository is refused" sh -c \
    "test $? -ne 0 && grep -q 'for a cran mirror' '$T/out'"
ctl repo create x4 --kind cran --upstream "$UPURL" --packages ' , ' >"$T/out" 2>&1
check "an empty list is refused" sh -c \
    "test $? -ne 0 && grep -q 'empty package list' '$T/out'"
python3 -c "print('\n'.join('pkg%05d' % i for i in range(9000)))" >"$T/biglist"
ctl repo create x5 --kind cran --upstream "$UPURL" --package-file "$T/biglist" >"$T/out" 2>&1
check "a list too long for one request is refused, saying so" sh -c \
    "test $? -ne 0 && grep -q 'package list of 9000 names is too long' '$T/out'"
ctl repo list >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "…and none of the refused repositories exists" sh -c "! grep -q '^x[1-5] ' '$T/out'"
check "repo list: MIRRORS column, 1 for listmirror, 1+Suggests for suggmirror, all for fullmirror" \
    sh -c "grep -q '^listmirror .* 1 ' '$T/out' && grep -q '^suggmirror .* 1+Suggests ' '$T/out' &&
    grep -q '^fullmirror .* all ' '$T/out' && grep -q '^badmirror .* 3 ' '$T/out'"
check "repo list --json: package_list {size, suggests}" test "$(ctl --json repo list |
    python3 -c 'import json,sys; r={x["name"]: x["package_list"] for x in json.load(sys.stdin)["repos"]}; print(r["suggmirror"], r["fullmirror"])')" = \
    "{'size': 1, 'suggests': True} None"

# 3. One window mirrors the three lists.
ctl sync open --for 30m --reason "test lists" >/dev/null 2>&1
check "sync open" test $? -eq 0
checkl "listmirror publishes a snapshot" wait_for 90 has_snap listmirror
checkl "suggmirror publishes a snapshot" wait_for 30 has_snap suggmirror
check "the pass ends and the sync process exits" wait_for 20 no_sync
check "listmirror serves exactly toppkg's closure: $(served listmirror)" \
    test "$(served listmirror)" = "hdrpkg lowpkg midpkg toppkg "
check "suggmirror serves the closure and the suggested branch: $(served suggmirror)" \
    test "$(served suggmirror)" = "hdrpkg lowpkg midpkg sdeppkg suggpkg toppkg "
check "…with the upstream's bytes" sh -c \
    "curl -s '$URL/suggmirror/latest/src/contrib/suggpkg_1.0.tar.gz' | cmp -s - '$C/suggpkg_1.0.tar.gz'"
check "nothing else was fetched for listmirror (no otherpkg request for it)" \
    test "$(grep -c 'GET /src/contrib/otherpkg' "$T/nginx/access.log")" = 0
ctl sync status >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "sync status: listmirror complete, 4/4 files" grep -q '^listmirror: complete, 4/4 files' "$T/out"
check "sync status: suggmirror complete, 6/6 files" grep -q '^suggmirror: complete, 6/6 files' "$T/out"
check "badmirror's pass is incomplete, with the two missing names only" test \
    "$(progress badmirror '(p.get("state"), sorted(e["file"] for e in p.get("errors") or []))')" = \
    "('incomplete', ['gonepkg', 'nosuchpkg'])"
check "sync status: nosuchpkg is in the list but not upstream" \
    grep -q '^  nosuchpkg: in the mirror.s package list, but not in the upstream index' "$T/out"
check "sync status: gonepkg is needed by brokenpkg 1.0 (Imports)" \
    grep -q '^  gonepkg: needed by brokenpkg 1.0 (Imports), but not in the upstream index' "$T/out"
check "badmirror published nothing" test "$(snap_latest badmirror)" = 0
ctl package list badmirror >"$T/out" 2>&1
check "…but what resolved is held for the next pass (toppkg, brokenpkg)" sh -c \
    "grep -q '^toppkg' '$T/out' && grep -q '^brokenpkg' '$T/out'"
ctl audit dump --csvlog >"$T/audit"
check "audit: the lists given at create" sh -c \
    "grep -q ',sync_list,.*listmirror a package list of 1 name' '$T/audit' &&
    grep -q ',sync_list,.*suggmirror a package list of 1 name(s), with their Suggests' '$T/audit'"
check "audit: badmirror's pass incomplete" grep -q ',sync_pass,.*badmirror is incomplete' "$T/audit"
ctl sync close >/dev/null 2>&1

# 4. R installs toppkg from listmirror with the upstream stopped: hdrpkg
# only at build time (LinkingTo), midpkg and lowpkg at run time.
upstream_stop
check "the upstream is down" sh -c "! curl -s -m 2 -o /dev/null --cacert '$UPCA' '$UPURL/src/contrib/PACKAGES'"
out=$(rq "install.packages('toppkg', repos = '$URL/listmirror/latest', lib = '$T/lib', quiet = TRUE); library(toppkg, lib.loc = '$T/lib'); writeLines(toppkg_hello()); writeLines(sort(rownames(installed.packages(lib.loc = '$T/lib'))))")
printf '%s\n' "$out" | tail -n 6 | sed 's/^/# R: /'
check "R installs toppkg, compiled with hdrpkg.h (21 * AIRLOCK_FACTOR)" \
    sh -c "printf '%s\n' \"\$1\" | grep -qx 'toppkg 1.0 42'" - "$out"
check "…with midpkg, lowpkg and hdrpkg from the mirror, nothing else" test \
    "$(printf '%s\n' "$out" | tail -n 4 | tr '\n' ' ')" = "hdrpkg lowpkg midpkg toppkg "

# 5. repo edit changes the list; each change is audited; a bad one
# changes nothing.
list_of() {
	ctl --json repo list | python3 -c '
import json, sys
r = {x["name"]: x["package_list"] for x in json.load(sys.stdin)["repos"]}
print(r[sys.argv[1]])' "$1"
}
ctl repo edit badmirror --packages toppkg >"$T/out" 2>&1
check "repo edit --packages: $(cat "$T/out")" \
    grep -q '^edited badmirror: package list of 1 name(s)' "$T/out"
check "…repo list shows the new list" test "$(list_of badmirror)" = \
    "{'size': 1, 'suggests': False}"
ctl repo edit badmirror --suggests >"$T/out" 2>&1
check "repo edit --suggests" test "$(list_of badmirror)" = \
    "{'size': 1, 'suggests': True}"
ctl repo edit fullmirror --suggests >"$T/out" 2>&1
check "repo edit --suggests without a list is refused" sh -c \
    "test $? -ne 0 && grep -q 'applies to a package list' '$T/out'"
ctl repo edit badmirror --no-packages --packages toppkg >"$T/out" 2>&1
check "--no-packages with --packages is a usage error" test $? -ne 0
check "…and changes nothing" test "$(list_of badmirror)" = \
    "{'size': 1, 'suggests': True}"
ctl repo edit badmirror --no-packages >"$T/out" 2>&1
check "repo edit --no-packages: $(cat "$T/out")" \
    grep -q 'package list removed' "$T/out"
check "…the mirror takes everything again" test "$(list_of badmirror)" = None
ctl audit dump --csvlog >"$T/audit"
check "audit: each edit of the list" sh -c \
    "grep -q ',edit_repository,.*badmirror: package list of 1 name(s)' '$T/audit' &&
    grep -q ',edit_repository,.*badmirror: package list removed' '$T/audit'"
