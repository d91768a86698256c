# Binary packages in cran mirrors, end to end: an upstream (nginx over
# HTTPS) with source packages and real binaries made from them by
# R CMD INSTALL (tests/lib/mkbin.sh) for win.binary and
# mac.binary.big-sur-arm64 under R 4.2, indexed by R's write_PACKAGES
# (with MD5sum, as CRAN's are).  One window mirrors it with --binaries:
# each tree is served with PACKAGES{,.gz,.rds} and the upstream's bytes,
# and real R lists and downloads the binaries (and installs a source
# package) with the upstream stopped.  A package list limits the binaries
# to its closure; a corrupted binary, a binary built for another R and a
# tree missing upstream are each reported, and their mirrors publish
# nothing.  repo edit adds a tree: the next window fetches its files
# only.  A curated repository of the mirror carries the chosen binaries.
NAME=sync_bin
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/mkbin.sh"
. "$SRCDIR/tests/lib/upstream.sh"
. "$SRCDIR/tests/lib/synctest.sh"
LC_ALL=C.UTF-8
export LC_ALL

# What sync status says of a refused file is not fixed yet: each error
# line ("FILE: ERROR" from sync status --json) must match, case
# insensitively, the file pattern and every pattern of its list.
CORRUPT_FILE='beta_1\.0\.tgz'
CORRUPT_RES='md5'
WRONG_R_FILE='alpha_1\.0\.zip'
WRONG_R_RES='built 4\.1'
NOTREE_FILE='bin/windows/contrib/4\.0\|win\.binary:4\.0'
NOTREE_RES='404'

# R CMD INSTALL leaves Built's platform empty for a package without C
# code ("R 4.2.3; ; DATE; windows"), and so do CRAN's binaries of such
# packages: the binaries of alpha, beta and delta here say so too; gamma's
# (C code) name their platform.  PURE_R_PLATFORM=default gives them
# mkbin's platform as well.
PURE_R_PLATFORM=${PURE_R_PLATFORM-}

W=bin/windows/contrib/4.2
M=bin/macosx/big-sur-arm64/contrib/4.2
X=bin/macosx/big-sur-x86_64/contrib/4.2
U=$T/up
B=$T/up/bad
C=$U/src/contrib

# pure COMMAND...: a mkbin command for a package without C code.
pure() {
	[ "$PURE_R_PLATFORM" = default ] || MKBIN_PLATFORM=$PURE_R_PLATFORM
	"$@"
	_st=$?
	unset MKBIN_PLATFORM
	return $_st
}
# errs REPO: its pass's errors, "FILE: ERROR" a line.
errs() {
	progress "$1" '"\n".join("%s: %s" % (e.get("file"), e.get("error")) for e in p.get("errors") or [])'
}
# err_has REPO FILE_RE RES: an error line of REPO matches FILE_RE and
# each of the blank-separated patterns RES (grep -i).
err_has() {
	errs "$1" | grep -i -- "$2" >"$T/errl" || return 1
	for _re in $3; do
		grep -i -- "$_re" "$T/errl" >"$T/errl2" || return 1
		mv "$T/errl2" "$T/errl"
	done
}
# pkgs_of FILE: the Package fields of a PACKAGES file, sorted, one line.
pkgs_of() { sed -n 's/^Package: //p' "$1" | sort | tr '\n' ' '; }
# fetch_tree BASE TREE DEST: BASE/TREE's PACKAGES, .gz, .rds and every
# file PACKAGES lists into DEST (curl, with the upstream's CA for https).
fetch_tree() {
	rm -rf "$3"
	mkdir -p "$3" || return 1
	for _f in PACKAGES PACKAGES.gz PACKAGES.rds; do
		curl -sf --cacert "$UPCA" -o "$3/$_f" "$1/$2/$_f" || return 1
	done
	case $2 in bin/windows/*) _x=zip ;; *) _x=tgz ;; esac
	for _f in $(awk '/^Package: /{p=$2} /^Version: /{print p "_" $2}' \
	    "$3/PACKAGES"); do
		curl -sf --cacert "$UPCA" -o "$3/$_f.$_x" "$1/$2/$_f.$_x" || return 1
	done
}
# index_ok DIR: every record of DIR/PACKAGES has an MD5sum, that of its
# file in DIR; PACKAGES.gz has the same records; PACKAGES.rds (by R) the
# same packages, versions and MD5sums, with the packages as row names.
index_ok() {
	python3 - "$1" <<'PY' || return 1
import gzip, hashlib, os, sys
d = sys.argv[1]
def recs(text):
    out = []
    for para in text.strip().split("\n\n"):
        r, k = {}, None
        for line in para.split("\n"):
            if line[:1] in (" ", "\t") and k:
                r[k] += "\n" + line
            elif ":" in line:
                k, v = line.split(":", 1)
                r[k] = v.strip()
        out.append(r)
    return out
plain = recs(open(os.path.join(d, "PACKAGES"), encoding="utf-8").read())
gz = recs(gzip.open(os.path.join(d, "PACKAGES.gz")).read().decode("utf-8"))
bad = []
if plain != gz:
    bad.append("PACKAGES.gz differs from PACKAGES")
for r in plain:
    f = [x for x in os.listdir(d)
         if x in (r["Package"] + "_" + r["Version"] + ".zip",
                  r["Package"] + "_" + r["Version"] + ".tgz")]
    if not f:
        bad.append("no file for " + r["Package"])
    elif r.get("MD5sum") != hashlib.md5(open(os.path.join(d, f[0]), "rb").read()).hexdigest():
        bad.append("%s: MD5sum %s is not its file's" % (f[0], r.get("MD5sum")))
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)
PY
	_r=$(rq "db <- readRDS('$1/PACKAGES.rds'); p <- read.dcf('$1/PACKAGES');
stopifnot(identical(rownames(db), unname(db[, 'Package'])),
identical(unname(db[, c('Package', 'Version', 'MD5sum')]), unname(p[, c('Package', 'Version', 'MD5sum')])));
cat('rds ok')")
	test "$_r" = "rds ok" && return 0
	printf '%s\n' "$_r" | sed 's/^/# R: /'
	return 1
}
# same_files DIR1 DIR2 EXT: DIR1's *.EXT are byte for byte DIR2's.
same_files() {
	_n=0
	for _f in "$1"/*."$3"; do
		cmp -s "$_f" "$2/$(basename "$_f")" || return 1
		_n=$((_n + 1))
	done
	test "$_n" -gt 0
}
# desc_built FILE NAME: the Built line of NAME/DESCRIPTION in a zip or tgz.
desc_built() {
	case $1 in
	*.zip) python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2] + "/DESCRIPTION").decode())' "$1" "$2" ;;
	*) tar -xzOf "$1" "$2/DESCRIPTION" ;;
	esac | sed -n 's/^Built: //p'
}
# r_avail BASE TYPE: "pkg version" for what R's available.packages lists
# at contrib.url(BASE, TYPE), sorted, one line.
r_avail() {
	CURL_CA_BUNDLE=$UPCA Rscript --vanilla -e "ap <- available.packages(contriburl = contrib.url('$1', '$2'));
writeLines(paste0('AP ', ap[, 'Package'], ' ', ap[, 'Version']))" 2>&1 |
	    sed -n 's/^AP //p' | sort | tr '\n' ' '
}
# r_download BASE TYPE DEST PKG...: download.packages of the PKGs into
# DEST; prints the names of the files it says it downloaded.
r_download() {
	_b=$1 _t=$2 _d=$3
	shift 3
	rm -rf "$_d"
	mkdir -p "$_d"
	_p=$(printf "'%s'," "$@" | sed 's/,$//')
	CURL_CA_BUNDLE=$UPCA Rscript --vanilla -e "r <- download.packages(c($_p), destdir = '$_d', repos = '$_b', type = '$_t', quiet = TRUE);
writeLines(paste('DL', basename(r[, 2])))" 2>&1 | sed -n 's/^DL //p' | sort |
	    tr '\n' ' '
}
# dl_is OUT WANT DLDIR REFDIR EXT: r_download printed WANT, and what it
# downloaded is byte for byte REFDIR's.
dl_is() { test "$1" = "$2" && same_files "$3" "$4" "$5"; }
# corrupted FILE GOOD: same size as GOOD, other bytes, and not what its
# directory's index says.
corrupted() {
	test "$(wc -c <"$1")" = "$(wc -c <"$2")" && ! cmp -s "$1" "$2" &&
	    ! index_ok "$(dirname "$1")" >/dev/null 2>&1
}
# bins_of REPO: its sync object's "binaries", as Python prints it.
bins_of() {
	ctl --json repo list 2>/dev/null | python3 -c '
import json, sys
r = {x["name"]: x for x in json.load(sys.stdin)["repos"]}
print((r[sys.argv[1]].get("sync") or {}).get("binaries"))' "$1"
}
# gets RE: how many GETs nginx logged of paths matching RE.
gets() { grep -c "\"GET $1 " "$T/nginx/access.log" 2>/dev/null; }
# first: the first line of $T/out, for a test's description.
first() { head -n 1 "$T/out" | cut -c 1-160; }

if ! command -v Rscript >/dev/null 2>&1; then
	nok "R is not installed (apt-get install r-base-core)"
	exit 1
fi

# 1. The upstream.  alpha (R only), beta (Imports alpha), gamma (C code)
# each have a binary in the three 4.2 trees; delta has one for Windows
# only, which is no error.  $U/bad, for the mirrors that must fail,
# holds copies of the sources and of the two good trees, and:
# bin/macosx/contrib/4.2 (mac.binary:4.2) with beta's tgz corrupted
# after indexing (same size, the index's MD5 unchanged), and
# bin/windows/contrib/4.1 with alpha's zip as built for R 4.2.
mkdir -p "$C" "$U/$W" "$U/$M" "$U/$X" "$T/lib"
MKPKG_SUGGESTS=
MKBIN_SRC=$C
export MKPKG_SUGGESTS MKBIN_SRC
mkpkg "$C" alpha 1.0 && mkpkg "$C" beta 1.0 "alpha" &&
    mkpkg "$C" gamma 1.0 "" 1 && mkpkg "$C" delta 1.0
check "upstream source packages built (4)" test "$(ls "$C"/*.tar.gz | wc -l)" = 4
for p in alpha beta gamma delta; do
	pc=pure
	[ $p = gamma ] && pc=
	$pc mkbin_win "$U/$W" $p 1.0 4.2 || nok "mkbin_win $p"
	[ $p = delta ] && continue
	$pc mkbin_mac "$U/$M" $p 1.0 4.2 big-sur-arm64 || nok "mkbin_mac $p"
	$pc mkbin_mac "$U/$X" $p 1.0 4.2 big-sur-x86_64 || nok "mkbin_mac $p (x86_64)"
done
check "binaries built: 4 zip, 3 tgz for arm64, 3 for x86_64" test \
    "$(ls "$U/$W"/*.zip "$U/$M"/*.tgz "$U/$X"/*.tgz 2>/dev/null | wc -l)" = 10
check "a zip's Built: R 4.2.0, x86_64-w64-mingw32, windows" sh -c \
    "echo '$(desc_built "$U/$W/gamma_1.0.zip" gamma)' | grep -q '^R 4\.2\.0; x86_64-w64-mingw32; [0-9-]* [0-9:]* UTC; windows\$'"
check "an arm64 tgz's Built: R 4.2.0, aarch64-apple-darwin20, unix" sh -c \
    "echo '$(desc_built "$U/$M/gamma_1.0.tgz" gamma)' | grep -q '^R 4\.2\.0; aarch64-apple-darwin20; .*; unix\$'"
check "an x86_64 tgz's Built: x86_64-apple-darwin17.0" sh -c \
    "echo '$(desc_built "$U/$X/gamma_1.0.tgz" gamma)' | grep -q '^R 4\.2\.0; x86_64-apple-darwin17\.0; .*; unix\$'"
check "a package without C code: Built's platform is '$PURE_R_PLATFORM' ($(desc_built "$U/$M/beta_1.0.tgz" beta))" \
    sh -c "test '$PURE_R_PLATFORM' = default || echo '$(desc_built "$U/$M/beta_1.0.tgz" beta)' | grep -q '^R 4\.2\.0; $PURE_R_PLATFORM; .*; unix\$'"
upstream_index "$U" || nok "the upstream's source index"
upstream_index_bin "$U" "$W" win.binary &&
    upstream_index_bin "$U" "$M" mac.binary.big-sur-arm64 &&
    upstream_index_bin "$U" "$X" mac.binary.big-sur-x86_64
check "the binary trees indexed by write_PACKAGES" test $? -eq 0
check "$W/PACKAGES: alpha beta delta gamma" test "$(pkgs_of "$U/$W/PACKAGES")" = \
    "alpha beta delta gamma "
check "$M/PACKAGES: alpha beta gamma" test "$(pkgs_of "$U/$M/PACKAGES")" = \
    "alpha beta gamma "
check "the win.binary index has MD5sums (R writes none), its files', in .gz and .rds too" \
    index_ok "$U/$W"
check "the mac index: the same" index_ok "$U/$M"

mkdir -p "$B/bin/windows/contrib/4.1" "$B/bin/macosx/contrib/4.2" "$B/bin/macosx/big-sur-arm64/contrib" \
    "$B/bin/windows/contrib" &&
    cp -a "$U/src" "$B/" && cp -a "$U/$W" "$B/$W" && cp -a "$U/$M" "$B/$M" &&
    cp -a "$U/$M"/* "$B/bin/macosx/contrib/4.2/" &&
    cp -a "$U/$W/alpha_1.0.zip" "$B/bin/windows/contrib/4.1/" &&
    upstream_index_bin "$B" bin/windows/contrib/4.1 win.binary
check "the bad upstream's trees" test $? -eq 0
f=$B/bin/macosx/contrib/4.2/beta_1.0.tgz
python3 -c '
import sys
f = open(sys.argv[1], "r+b")
n = f.seek(0, 2)
f.seek(n // 2); b = f.read(1); f.seek(n // 2); f.write(bytes([b[0] ^ 0xff]))' "$f"
check "beta's tgz corrupted in bad/bin/macosx/contrib/4.2: same size, other MD5 than its index's" \
    corrupted "$f" "$U/$M/beta_1.0.tgz"
upstream_start "$U"
check "the upstream answers over HTTPS with the test CA" upstream_up
fetch_tree "$UPURL" "$W" "$T/got-up"
st=$?
check "the upstream's $W by HTTPS: an index of its files' MD5sums, the files" sh -c \
    "test $st -eq 0 && test \$(ls '$T/got-up' | wc -l) = 7"
check "…(the checks of the served trees, tried on the upstream's)" index_ok "$T/got-up"
check "…byte for byte" same_files "$T/got-up" "$U/$W" zip

# The fixtures as R sees them, straight from the upstream.
check "R 4.2's contrib.url: bin/windows/contrib/4.2, bin/macosx/big-sur-arm64/contrib/4.2, bin/macosx/contrib/4.2" \
    test "$(rq "cat(contrib.url('U', 'win.binary'), contrib.url('U', 'mac.binary.big-sur-arm64'), contrib.url('U', 'mac.binary'))")" = \
    "U/$W U/$M U/bin/macosx/contrib/4.2"
out=$(r_avail "$UPURL" win.binary)
check "R lists the upstream's win.binary packages: $out" test "$out" = \
    "alpha 1.0 beta 1.0 delta 1.0 gamma 1.0 "
out=$(r_avail "$UPURL" mac.binary.big-sur-arm64)
check "R lists the upstream's mac.binary.big-sur-arm64 packages: $out" test "$out" = \
    "alpha 1.0 beta 1.0 gamma 1.0 "
out=$(r_download "$UPURL" win.binary "$T/dl" alpha gamma)
check "R downloads win.binary files from the upstream: $out" \
    dl_is "$out" "alpha_1.0.zip gamma_1.0.zip " "$T/dl" "$U/$W" zip
out=$(r_download "$UPURL" mac.binary.big-sur-arm64 "$T/dl" beta)
check "R downloads mac.binary.big-sur-arm64 files from the upstream: $out" \
    dl_is "$out" "beta_1.0.tgz " "$T/dl" "$U/$M" tgz

# 2. airlockd, and what repo create accepts and refuses.
write_conf
start_airlockd || exit 1
ctl repo create binmirror --kind cran --upstream "$UPURL" --ca-file "$UPCA" \
    --binaries "win.binary:4.2,mac.binary.big-sur-arm64:4.2" >"$T/out" 2>&1
st=$?
head -n 5 "$T/out" | sed 's/^/# /'
check "repo create binmirror --binaries win.binary:4.2,mac.binary.big-sur-arm64:4.2" test $st -eq 0
if [ $st -ne 0 ]; then
	nok "no mirror with binaries: the rest cannot run"
	exit 1
fi
ctl repo create listbin --kind cran --upstream "$UPURL/bad" --ca-file "$UPCA" \
    --packages beta --binaries "win.binary:4.2  mac.binary.big-sur-arm64:4.2" >"$T/out" 2>&1
check "repo create listbin --packages beta --binaries (blank-separated)" test $? -eq 0
ctl repo create corruptbin --kind cran --upstream "$UPURL/bad" --ca-file "$UPCA" \
    --binaries mac.binary:4.2 >"$T/out" 2>&1
check "repo create corruptbin --binaries mac.binary:4.2" test $? -eq 0
ctl repo create wrongrbin --kind cran --upstream "$UPURL/bad" --ca-file "$UPCA" \
    --binaries win.binary:4.1 >"$T/out" 2>&1
check "repo create wrongrbin --binaries win.binary:4.1" test $? -eq 0
ctl repo create notreebin --kind cran --upstream "$UPURL/bad" --ca-file "$UPCA" \
    --binaries win.binary:4.0 >"$T/out" 2>&1
check "repo create notreebin --binaries win.binary:4.0" test $? -eq 0
ctl repo create x1 --kind cran --upstream "$UPURL" --binaries "win.binary:4.2,bogus" >"$T/out" 2>&1
st=$?
check "an unknown type is refused, naming it: $(first)" sh -c \
    "test $st -ne 0 && grep -q bogus '$T/out'"
ctl repo create x2 --kind cran --upstream "$UPURL" --binaries win.binary >"$T/out" 2>&1
st=$?
check "a type without an R version is refused: $(first)" sh -c \
    "test $st -ne 0 && grep -q 'win\.binary' '$T/out'"
ctl repo create x3 --kind local --binaries win.binary:4.2 >"$T/out" 2>&1
check "binaries for a local repository are refused" test $? -ne 0
ctl repo list >"$T/out" 2>&1
check "…and none of the refused repositories exists" sh -c "! grep -q '^x[1-3] ' '$T/out'"
check "repo list --json: sync.binaries of binmirror" test "$(bins_of binmirror)" = \
    "['win.binary:4.2', 'mac.binary.big-sur-arm64:4.2']"

# 3. One window mirrors them all.
ctl sync open --for 30m --reason "test binaries" >/dev/null 2>&1
check "sync open" test $? -eq 0
checkl "binmirror publishes a snapshot" wait_for 90 has_snap binmirror
checkl "listbin publishes a snapshot" wait_for 30 has_snap listbin
check "the pass ends and the sync process exits" wait_for 30 no_sync
ctl sync status >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
check "sync status: binmirror complete (delta has no mac binary: no error)" \
    grep -q '^binmirror: complete' "$T/out"
check "binmirror's sources as ever: $(served binmirror src/contrib)" \
    test "$(served binmirror src/contrib)" = "alpha beta delta gamma "
check "binmirror's $W: $(served binmirror $W)" \
    test "$(served binmirror $W)" = "alpha beta delta gamma "
check "binmirror's $M: $(served binmirror $M)" \
    test "$(served binmirror $M)" = "alpha beta gamma "
fetch_tree "$URL/binmirror/latest" "$W" "$T/got-w"
check "$W: PACKAGES, .gz, .rds and every listed file served" test $? -eq 0
check "…MD5sum in every record, its file's; .gz and .rds agree" index_ok "$T/got-w"
check "…each zip byte for byte the upstream's" same_files "$T/got-w" "$U/$W" zip
fetch_tree "$URL/binmirror/latest" "$M" "$T/got-m"
check "$M: PACKAGES, .gz, .rds and every listed file served" test $? -eq 0
check "…MD5sum in every record, its file's; .gz and .rds agree" index_ok "$T/got-m"
check "…each tgz byte for byte the upstream's" same_files "$T/got-m" "$U/$M" tgz
check "no tree that was not asked for ($X: 404)" test \
    "$(curl -s -o /dev/null -w '%{http_code}' "$URL/binmirror/latest/$X/PACKAGES")" = 404
check "listbin (--packages beta): sources of the closure only: $(served listbin src/contrib)" \
    test "$(served listbin src/contrib)" = "alpha beta "
check "listbin: binaries of the closure only: $(served listbin $W)/ $(served listbin $M)" \
    test "$(served listbin $W)/$(served listbin $M)" = "alpha beta /alpha beta "
check "nothing else was fetched for listbin (no gamma or delta binary from its trees)" \
    test "$(gets '/bad/\(bin/windows/contrib/4\.2\|bin/macosx/big-sur-arm64/contrib/4\.2\)/\(gamma\|delta\)_[^ ]*')" = 0

for r in corruptbin wrongrbin notreebin; do
	diag "$r: $(progress $r 'p.get("state")')"
	errs $r | sed 's/^/#   /'
	check "$r's pass is incomplete" test "$(progress $r 'p.get("state")')" = incomplete
	check "$r published nothing" test "$(snap_latest $r)" = 0
done
check "corruptbin: beta_1.0.tgz reported, its MD5 not the index's" \
    err_has corruptbin "$CORRUPT_FILE" "$CORRUPT_RES"
check "wrongrbin: alpha_1.0.zip reported, Built for R 4.2 in the 4.1 tree" \
    err_has wrongrbin "$WRONG_R_FILE" "$WRONG_R_RES"
check "notreebin: the tree missing upstream (404) reported" \
    err_has notreebin "$NOTREE_FILE" "$NOTREE_RES"
ctl sync close >/dev/null 2>&1

# 4. R with the upstream stopped: the binaries as R asks for them, and a
# source package still installs.
upstream_stop
check "the upstream is down" sh -c "! curl -s -m 2 -o /dev/null --cacert '$UPCA' '$UPURL/src/contrib/PACKAGES'"
L=$URL/binmirror/latest
out=$(r_avail "$L" win.binary)
check "R: available.packages(contrib.url(mirror, 'win.binary')): $out" \
    test "$out" = "alpha 1.0 beta 1.0 delta 1.0 gamma 1.0 "
out=$(r_download "$L" win.binary "$T/dl" alpha beta gamma delta)
check "R: download.packages(type = 'win.binary'): $out" dl_is "$out" \
    "alpha_1.0.zip beta_1.0.zip delta_1.0.zip gamma_1.0.zip " "$T/dl" "$U/$W" zip
out=$(r_avail "$L" mac.binary.big-sur-arm64)
check "R: available.packages(contrib.url(mirror, 'mac.binary.big-sur-arm64')): $out" \
    test "$out" = "alpha 1.0 beta 1.0 gamma 1.0 "
out=$(r_download "$L" mac.binary.big-sur-arm64 "$T/dl" alpha beta gamma)
check "R: download.packages(type = 'mac.binary.big-sur-arm64'): $out" dl_is "$out" \
    "alpha_1.0.tgz beta_1.0.tgz gamma_1.0.tgz " "$T/dl" "$U/$M" tgz
out=$(rq "install.packages('beta', repos = '$L', lib = '$T/lib', type = 'source', quiet = TRUE); library(beta, lib.loc = '$T/lib'); writeLines(beta_hello())")
printf '%s\n' "$out" | tail -n 3 | sed 's/^/# R: /'
check "R installs the source package beta (and alpha) from the mirror" \
    sh -c "printf '%s\n' \"\$1\" | grep -qx 'beta 1.0 > alpha 1.0'" - "$out"

# 5. A curated repository of the mirror: the binaries of its versions.
ctl repo create bincur --kind curated --from binmirror >/dev/null 2>&1
printf 'beta\n' >"$T/req.txt"
ctl curate bincur --file "$T/req.txt" --commit >"$T/out" 2>&1
check "curated bincur (beta) committed" grep -q "committed: published snapshot" "$T/out"
check "bincur's sources and binaries: beta and alpha only" test \
    "$(served bincur src/contrib)/$(served bincur $W)/$(served bincur $M)" = \
    "alpha beta /alpha beta /alpha beta "
check "…with the upstream's bytes" sh -c \
    "curl -s '$URL/bincur/latest/$W/beta_1.0.zip' | cmp -s - '$U/$W/beta_1.0.zip'"

# 6. repo edit adds a tree; the next window fetches that tree's files and
# none it has.
OLD='/\(src/contrib\|bin/windows/contrib/4\.2\|bin/macosx/big-sur-arm64/contrib/4\.2\)/[^ ]*\.\(tar\.gz\|zip\|tgz\)'
NEW='/bin/macosx/big-sur-x86_64/contrib/4\.2/[^ ]*\.tgz'
before=$(gets "$OLD")
diag "GETs of binmirror's files so far: $before"
upstream_start "$U"
ctl repo edit binmirror --binaries "win.binary:4.2,mac.binary.big-sur-arm64:4.2,mac.binary.big-sur-x86_64:4.2" >"$T/out" 2>&1
st=$?
check "repo edit binmirror --binaries (three trees): $(first)" test $st -eq 0
check "repo list --json shows the three" test "$(bins_of binmirror)" = \
    "['win.binary:4.2', 'mac.binary.big-sur-arm64:4.2', 'mac.binary.big-sur-x86_64:4.2']"
snap=$(snap_latest binmirror)
ctl sync open --for 30m --reason "test binaries, again" >/dev/null 2>&1
checkl "a second window: binmirror publishes a new snapshot" wait_for 60 snap_after binmirror "$snap"
check "the pass ends" wait_for 30 no_sync
ctl sync close >/dev/null 2>&1
check "binmirror's $X: $(served binmirror $X)" \
    test "$(served binmirror $X)" = "alpha beta gamma "
fetch_tree "$URL/binmirror/latest" "$X" "$T/got-x"
check "…its index right" index_ok "$T/got-x"
check "…its files the upstream's" same_files "$T/got-x" "$U/$X" tgz
check "the new tree's files were fetched ($(gets "$NEW") GETs)" test "$(gets "$NEW")" -ge 3
check "…and none of the files it had again ($before GETs before, $(gets "$OLD") now)" \
    test "$(gets "$OLD")" = "$before"
check "the other trees are still served" test \
    "$(served binmirror $W)/$(served binmirror $M)" = "alpha beta delta gamma /alpha beta gamma "

# 7. repo edit: a bad list changes nothing; --no-binaries clears it.
ctl repo edit binmirror --binaries bogus >"$T/out" 2>&1
st=$?
check "repo edit --binaries bogus is refused, naming it: $(first)" sh -c \
    "test $st -ne 0 && grep -q bogus '$T/out'"
check "…and changes nothing" test "$(bins_of binmirror)" = \
    "['win.binary:4.2', 'mac.binary.big-sur-arm64:4.2', 'mac.binary.big-sur-x86_64:4.2']"
ctl repo edit binmirror --no-binaries >"$T/out" 2>&1
st=$?
check "repo edit --no-binaries: $(first)" test $st -eq 0
out=$(bins_of binmirror)
check "…repo list --json: no binaries ($out)" sh -c 'test "$1" = "[]" || test "$1" = None' - "$out"
