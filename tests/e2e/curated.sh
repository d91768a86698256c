# Validated package sets end to end, with real R: a mirror built in the
# test (a three-deep Imports chain, and a package not on the list); a
# curated repository of it serves the listed package and its
# dependencies only; the dry run changes nothing; --commit publishes; a
# mirror update reaches the curated repository only through an approved
# --update --commit; unresolvable sets are refused naming the chain;
# block rules take versions out of PACKAGES, answer 403 on their URLs,
# and make the resolver route around them or refuse.
NAME=curated
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
ctl() { "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
LC_ALL=C.UTF-8
export LC_ALL
rq() { Rscript --vanilla -e "$1" 2>&1; }
sql() {
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
print('\n'.join('|'.join(str(x) for x in r) for r in c.execute(sys.argv[2])))" "$@"
}

if ! command -v Rscript >/dev/null 2>&1; then
	nok "R is not installed (apt-get install r-base-core)"
	exit 1
fi
mkdir -p "$T/p1" "$T/p2" "$T/lib"
mkpkg "$T/p1" lowpkg 1.0 && mkpkg "$T/p1" lowpkg 1.1 &&
    mkpkg "$T/p1" midpkg 1.0 "lowpkg" &&
    mkpkg "$T/p1" toppkg 1.0 "midpkg (>= 1.0)" &&
    mkpkg "$T/p1" extrapkg 1.0 &&
    mkpkg "$T/p2" toppkg 2.0 "midpkg (>= 1.0)"
check "test packages built" test -f "$T/p2/toppkg_2.0.tar.gz"

write_conf
start_airlockd || exit 1
ctl repo create mirror --kind cran >/dev/null &&
    ctl import mirror "$T/p1" >/dev/null && ctl publish mirror >/dev/null
check "the mirror: five versions, published" test $? -eq 0
ctl repo create validated --kind curated --from nosuch >"$T/out" 2>&1
check "--from must name a repository" grep -q "no repository named 'nosuch'" "$T/out"
ctl repo create validated --kind curated --from mirror >"$T/out" 2>&1
check "repo create --kind curated --from mirror" grep -q "created curated repository validated" "$T/out"

printf '# what the analysis team may use\ntoppkg\n' >"$T/req.txt"
ctl curate validated --file "$T/req.txt" >"$T/out" 2>&1
check "dry run: exit 0" test $? -eq 0
sed 's/^/# /' "$T/out"
check "dry run: toppkg 1.0 added, requested" grep -q "^added *toppkg *- *1.0 *requested" "$T/out"
check "dry run: midpkg added, and why" grep -Eq "^added *midpkg *- *1.0 .*toppkg" "$T/out"
check "dry run: lowpkg 1.1 (the newest) added, and why" grep -Eq "^added *lowpkg *- *1.1 .*midpkg" "$T/out"
check "dry run: extrapkg is not in it" sh -c "! grep -q extrapkg '$T/out'"
check "dry run: says nothing changed" grep -q "dry run: nothing changed" "$T/out"
check "…and nothing did: no snapshot of validated" \
    test "$(sql "$T/data/store.db" "SELECT COUNT(*) FROM snapshots s JOIN repos r ON r.id = s.repo_id WHERE r.name = 'validated'")" = 0
check "…no set recorded" test "$(sql "$T/data/store.db" "SELECT COUNT(*) FROM curated_versions")" = 0

ctl curate validated --file "$T/req.txt" --commit >"$T/out" 2>&1
check "--commit publishes a snapshot" grep -q "committed: published snapshot" "$T/out"
V=$URL/validated/latest
out=$(curl -s "$V/src/contrib/PACKAGES" | sed -n 's/^Package: //p' | tr '\n' ' ')
check "the curated PACKAGES: exactly the listed package and its dependencies ($out)" \
    test "$out" = "lowpkg midpkg toppkg "
out=$(rq "install.packages('toppkg', repos = '$V', lib = '$T/lib', quiet = TRUE); cat(requireNamespace('toppkg', lib.loc = '$T/lib', quietly = TRUE))")
check "R installs the listed package with its chain" sh -c "echo '$out' | tail -n1 | grep -q TRUE"
out=$(rq "install.packages('extrapkg', repos = '$V', lib = '$T/lib')")
check "R: a package not on the list is not available" \
    sh -c "echo '$out' | grep -q 'not available'"
check "the commit is audited with who approved it" \
    sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --csvlog | grep -q ',curate_commit,.*approved a change of validated'"

# The mirror moves on; the curated repository does not, until approved.
ctl add mirror "$T/p2/toppkg_2.0.tar.gz" >/dev/null && ctl publish mirror >/dev/null
check "the mirror now has toppkg 2.0" \
    sh -c "curl -s '$URL/mirror/latest/src/contrib/PACKAGES' | grep -A1 '^Package: toppkg' | grep -q 'Version: 2.0'"
check "the curated repository still serves toppkg 1.0" \
    sh -c "curl -s '$V/src/contrib/PACKAGES' | grep -A1 '^Package: toppkg' | grep -q 'Version: 1.0'"
ctl curate validated --update >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "--update shows the upgrade for approval" grep -q "^upgraded *toppkg *1.0 *2.0" "$T/out"
check "…without applying it" \
    sh -c "curl -s '$V/src/contrib/PACKAGES' | grep -A1 '^Package: toppkg' | grep -q 'Version: 1.0'"
ctl curate validated --update --commit >"$T/out" 2>&1
check "--update --commit applies it" \
    sh -c "curl -s '$V/src/contrib/PACKAGES' | grep -A1 '^Package: toppkg' | grep -q 'Version: 2.0'"
check "the first snapshot still serves toppkg 1.0" \
    sh -c "curl -s '$URL/validated/$(sql "$T/data/store.db" "SELECT MIN(s.id) FROM snapshots s JOIN repos r ON r.id = s.repo_id WHERE r.name = 'validated'")/src/contrib/PACKAGES' | grep -A1 '^Package: toppkg' | grep -q 'Version: 1.0'"

# Unresolvable sets are refused, naming what fails.
printf 'toppkg == 9.9\n' >"$T/bad.txt"
ctl curate validated --file "$T/bad.txt" >"$T/out" 2>&1
check "a pin the mirror lacks: exit 1" test $? -eq 1
check "…naming it ($(head -c 200 "$T/out"))" grep -q "toppkg" "$T/out"
printf 'toppkg\nmidpkg == 0.5\n' >"$T/bad.txt"
ctl curate validated --file "$T/bad.txt" >"$T/out" 2>&1
check "a conflicting pin: refused naming midpkg ($(head -c 200 "$T/out"))" \
    sh -c "grep -q midpkg '$T/out' && ! grep -q committed '$T/out'"
printf 'toppkg\nnosuchpkg\n' >"$T/bad.txt"
ctl curate validated --file "$T/bad.txt" >"$T/out" 2>&1
check "a missing package: refused naming it" grep -q nosuchpkg "$T/out"
printf 'toppkg >= \n' >"$T/bad.txt"
ctl curate validated --file "$T/bad.txt" >"$T/out" 2>&1
check "a malformed line: refused naming the line ($(head -c 120 "$T/out"))" grep -q "line 1" "$T/out"

# Blocklists.
ctl block add --package extrapkg --versions '== 1.0' --repo mirror --reason "CVE-2026-0001" >"$T/out" 2>&1
check "block add" grep -q "block rule 1" "$T/out"
E=$URL/mirror/latest/src/contrib/extrapkg_1.0.tar.gz
check "a blocked version's URL answers 403 at once" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$E")" = 403
check "…with a plain reason" sh -c "curl -s '$E' | grep -q 'blocked.*CVE-2026-0001'"
check "…in older snapshots too" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/mirror/1/src/contrib/extrapkg_1.0.tar.gz")" = 403
ctl publish mirror >/dev/null
check "the next snapshot's PACKAGES no longer lists it" \
    sh -c "! curl -s '$URL/mirror/latest/src/contrib/PACKAGES' | grep -q '^Package: extrapkg'"
check "block test: blocked" sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' block test extrapkg 1.0 | grep -q 'blocked by rule 1'"
check "block test: another version is not" sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' block test extrapkg 1.1 | grep -q 'not blocked'"
ctl block add --package lowpkg --versions '>= 1.1' --repo validated --reason "regression in 1.1" >/dev/null
ctl curate validated --update >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "the resolver routes around a blocked version, and says so" \
    sh -c "grep -q '^downgraded *lowpkg *1.1 *1.0' '$T/out' && grep -q 'lowpkg.*blocked' '$T/out'"
printf 'toppkg\nlowpkg == 1.1\n' >"$T/bad.txt"
ctl curate validated --file "$T/bad.txt" >"$T/out" 2>&1
check "…and refuses a pin on a blocked version, naming the rule ($(head -c 200 "$T/out"))" \
    sh -c "grep -q 'regression in 1.1\|rule 2' '$T/out' && ! grep -q committed '$T/out'"
ctl block list >"$T/out" 2>&1
check "block list" sh -c "grep -q '^1 *extrapkg *== 1.0 *mirror' '$T/out' && grep -q '^2 *lowpkg' '$T/out'"
ctl block remove 1 >/dev/null
check "block remove: the URL answers again" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/mirror/1/src/contrib/extrapkg_1.0.tar.gz")" = 200
for a in add_block remove_block curate_commit; do
	check "audit: $a" sh -c "'$BUILDDIR/airlockctl' -f '$T/airlock.conf' audit dump --csvlog | grep -q ',$a,'"
done
check "the history keeps each committed diff" \
    test "$(sql "$T/data/store.db" "SELECT COUNT(*) FROM curate_history")" = 2
