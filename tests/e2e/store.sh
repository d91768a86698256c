# The store end to end, with real R: packages made with R CMD build (one
# with C code, an Imports chain three deep, two versions of one package)
# are imported with airlockctl, published, and installed by
# install.packages from /REPO/latest; dated and numbered snapshot URLs
# keep serving what they served; Archive/ and Meta/archive.rds work as
# remotes expects; our PACKAGES is byte-identical to write_PACKAGES';
# bad files are refused and change nothing.
NAME=store
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
AIRLOCKCTL=$BUILDDIR/airlockctl
ctl() { "$AIRLOCKCTL" -f "$T/airlock.conf" "$@"; }
# R in a UTF-8 locale, as a server's R runs: its sort order and line
# folding are what write_PACKAGES writes, and what airlock writes.
LC_ALL=C.UTF-8
export LC_ALL
rq() { Rscript --vanilla -e "$1" 2>&1; }

if ! command -v Rscript >/dev/null 2>&1; then
	nok "R is not installed (apt-get install r-base-core)"
	exit 1
fi
mkdir -p "$T/p1" "$T/p2" "$T/lib" "$T/lib2"
mkpkg "$T/p1" alpha 1.0 &&
    mkpkg "$T/p1" beta 0.5 "alpha" &&
    mkpkg "$T/p1" gamma 2.1-3 "beta (>= 0.5)" &&
    mkpkg "$T/p1" compiled 0.1 "" 1 &&
    MKPKG_LICENSE="GPL (>=2)" mkpkg "$T/p1" Zed 3.0 &&
    mkpkg "$T/p2" alpha 1.1
check "test packages built with R CMD build" test -f "$T/p2/alpha_1.1.tar.gz"

write_conf
start_airlockd || exit 1

ctl repo create internal --kind local >"$T/out" 2>&1
check "repo create" grep -q "created local repository internal" "$T/out"
ctl repo create internal --kind local >"$T/out" 2>&1
check "a second repo create of the same name: exit 1" test $? -eq 1
check "…saying why" grep -q "exists already" "$T/out"
ctl repo create ../evil --kind local >"$T/out" 2>&1
check "an unsafe repository name is refused" test $? -eq 1

ctl import internal "$T/p1" >"$T/out" 2>&1
check "import: exit 0" test $? -eq 0
check "import: 5 added" grep -q "5 file(s): 5 added, 0 already present, 0 refused" "$T/out"
i=$(role_pids inspect)
check "the inspect role is up after an import" test -n "$i"
for p in $i; do
	check "inspect: Seccomp: 2" grep -q '^Seccomp:[[:space:]]*2' "/proc/$p/status"
	check "inspect: runs as airlock" grep -q "^Uid:[[:space:]]*$(id -u airlock)" "/proc/$p/status"
	check "inspect: chrooted into an empty directory" \
	    test "$(readlink /proc/$p/root)" = "$T/data/empty"
done
ctl import internal "$T/p1" >"$T/out" 2>&1
check "import again: already present, not an error" \
    grep -q "5 file(s): 0 added, 5 already present, 0 refused" "$T/out"
ctl publish internal >"$T/out" 2>&1
check "publish: snapshot 1 with 5 packages" \
    grep -q "published internal: snapshot 1 .*, 5 package(s), 0 archived" "$T/out"
sed 's/^/# /' "$T/out"

L=$URL/internal/latest
check "PACKAGES served" sh -c "curl -sf '$L/src/contrib/PACKAGES' | grep -q '^Package: gamma'"
out=$(rq "ap <- available.packages(repos = '$L'); cat(sort(rownames(ap)), ap['alpha', 'Version'])")
check "available.packages() sees them ($out)" test "$out" = "alpha beta compiled gamma Zed 1.0"
rq "install.packages(c('gamma', 'compiled'), repos = '$L', lib = '$T/lib', quiet = TRUE)" >"$T/r.out"
out=$(rq ".libPaths('$T/lib'); library(gamma); library(compiled); cat(gamma_hello(), '|', compiled_hello())")
check "install.packages with an Imports chain three deep and C code ($out)" \
    test "$out" = "gamma 2.1-3 > beta 0.5 > alpha 1.0 | compiled 0.1 42"
[ "$out" = "gamma 2.1-3 > beta 0.5 > alpha 1.0 | compiled 0.1 42" ] || sed 's/^/# /' "$T/r.out"

# A day passes (the first snapshot is moved to yesterday in the database,
# as if it had been published then), and alpha 1.1 arrives.
yesterday=$(date -u -d yesterday +%Y-%m-%d)
python3 -c "
import sqlite3, time
db = sqlite3.connect('$T/data/store.db')
db.execute('UPDATE snapshots SET created_at = created_at - 86400 WHERE id = 1')
db.commit()"
ctl add internal "$T/p2/alpha_1.1.tar.gz" >"$T/out" 2>&1
check "add one file" grep -q "1 file(s): 1 added" "$T/out"
ctl publish internal >"$T/out" 2>&1
check "publish: snapshot 2, alpha 1.0 archived" \
    grep -q "snapshot 2 .*, 5 package(s), 1 archived" "$T/out"
v=$(rq "cat(available.packages(repos = '$L')['alpha', 'Version'])")
check "latest now has alpha 1.1 ($v)" test "$v" = 1.1
v=$(rq "cat(available.packages(repos = '$URL/internal/$yesterday')['alpha', 'Version'])")
check "the dated URL $yesterday still has alpha 1.0 ($v)" test "$v" = 1.0
v=$(rq "cat(available.packages(repos = '$URL/internal/1')['alpha', 'Version'])")
check "the snapshot id URL /internal/1 still has alpha 1.0 ($v)" test "$v" = 1.0
rq "install.packages('alpha', repos = '$URL/internal/$yesterday', lib = '$T/lib2', quiet = TRUE)" >/dev/null
v=$(rq "cat(as.character(packageVersion('alpha', lib.loc = '$T/lib2')))")
check "install.packages from the dated URL installs the older version ($v)" test "$v" = 1.0

curl -sf -o "$T/arch.tgz" "$L/src/contrib/Archive/alpha/alpha_1.0.tar.gz"
check "Archive/alpha/alpha_1.0.tar.gz is served, byte for byte" cmp -s "$T/arch.tgz" "$T/p1/alpha_1.0.tar.gz"
out=$(rq "a <- readRDS(gzcon(url('$L/src/contrib/Meta/archive.rds'))); cat(names(a), rownames(a[['alpha']]))")
check "Meta/archive.rds lists the archived version as remotes reads it ($out)" \
    test "$out" = "alpha alpha/alpha_1.0.tar.gz"
rq "install.packages('$L/src/contrib/Archive/alpha/alpha_1.0.tar.gz', repos = NULL, type = 'source', lib = '$T/lib2', quiet = TRUE)" >/dev/null
check "an install from the Archive URL works" test -f "$T/lib2/alpha/DESCRIPTION"
check "a snapshot by id is cacheable for good" sh -c \
    "curl -sI '$URL/internal/1/src/contrib/PACKAGES' | grep -qi '^Cache-Control: public, max-age=31536000, immutable'"
check "latest must be revalidated" sh -c \
    "curl -sI '$L/src/contrib/PACKAGES' | grep -qi '^Cache-Control: no-cache'"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/internal/99/src/contrib/PACKAGES")
check "an unknown snapshot is 404 ($code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' "$L/manifest")
check "the manifest is not served ($code)" test "$code" = 404

# Our index against R's own, on the same files.
mkdir -p "$T/cmp"
cp "$T/p1"/*.tar.gz "$T/p2"/*.tar.gz "$T/cmp/"
rq "tools::write_PACKAGES('$T/cmp', type = 'source', addFiles = TRUE)" >/dev/null
curl -sf -o "$T/PACKAGES" "$L/src/contrib/PACKAGES"
check "PACKAGES is byte-identical to write_PACKAGES' (order, License standardised)" \
    cmp "$T/PACKAGES" "$T/cmp/PACKAGES"
check "…with R's License standardisation (GPL (>=2) → GPL (>= 2))" \
    grep -q "^License: GPL (>= 2)$" "$T/PACKAGES"
cmp -s "$T/PACKAGES" "$T/cmp/PACKAGES" || diff "$T/PACKAGES" "$T/cmp/PACKAGES" | head -20 | sed 's/^/# /'
curl -sf -o "$T/PACKAGES.rds" "$L/src/contrib/PACKAGES.rds"
out=$(rq "cat(identical(readRDS('$T/PACKAGES.rds'), readRDS('$T/cmp/PACKAGES.rds')))")
check "readRDS(PACKAGES.rds) is identical to R's ($out)" test "$out" = TRUE
curl -sf "$L/src/contrib/PACKAGES.gz" | gunzip >"$T/PACKAGES.fromgz"
check "PACKAGES.gz holds the same text" cmp -s "$T/PACKAGES.fromgz" "$T/PACKAGES"

# Bad files: refused with a reason, and nothing changes.
blobs() { find "$T/data/store/blobs" -type f | wc -l; }
before=$(blobs)
head -c 5000 /dev/urandom >"$T/junk_1.0.tar.gz"
cp "$T/p2/alpha_1.1.tar.gz" "$T/alpha_9.9.tar.gz"
mkdir -p "$T/evil/evil" && echo x >"$T/evil/evil/DESCRIPTION"
tar -C "$T/evil" -czf "$T/evil_1.0.tar.gz" evil/DESCRIPTION --transform 's|^evil/DESCRIPTION|evil/../../etc/x|'
ctl add internal "$T/junk_1.0.tar.gz" "$T/alpha_9.9.tar.gz" "$T/evil_1.0.tar.gz" >"$T/out" 2>&1
check "bad files: exit 1" test $? -eq 1
check "not a tarball: refused, saying so" grep -q "refused .*junk_1.0.tar.gz: .*gzip" "$T/out"
check "file name and DESCRIPTION disagree: refused" grep -q "refused .*alpha_9.9.tar.gz: .*should be alpha_1.1.tar.gz" "$T/out"
check "a member climbing out: refused" grep -q "refused .*evil_1.0.tar.gz: .*\.\." "$T/out"
sed 's/^/# /' "$T/out"
check "nothing was stored" test "$(blobs)" = "$before"
check "nothing is left in the ingest directory" test -z "$(ls "$T/data/ingest")"
check "the inspector ran sandboxed and was not killed" sh -c "! grep -q 'inspect.*killed' '$T/log'"

ctl snapshot list internal >"$T/out" 2>&1
check "snapshot list shows both" test "$(grep -c '^[12] ' "$T/out")" = 2
ctl --json package list internal latest >"$T/out" 2>&1
check "package list --json of latest" python3 -c "
import json; d = json.load(open('$T/out'))
assert sorted((p['package'], p['version'], p['latest']) for p in d['packages']) == [
  ('Zed', '3.0', True), ('alpha', '1.0', False), ('alpha', '1.1', True),
  ('beta', '0.5', True), ('compiled', '0.1', True), ('gamma', '2.1-3', True)], d"
ctl repo list >"$T/out" 2>&1
check "repo list" grep -q "^internal  local  public  5 *6 *2 *2 " "$T/out"

# An interrupted publish leaves nothing: simulate one and restart.
python3 -c "
import sqlite3
db = sqlite3.connect('$T/data/store.db')
db.execute(\"INSERT INTO snapshots (id, repo_id, created_at, state) VALUES (77, 1, 0, 'building')\")
db.commit()"
mkdir -p "$T/data/store/repos/internal/.tmp-77/src"
stop_airlockd
start_airlockd || exit 1
check "after a restart the half-built snapshot's directory is gone" \
    test ! -e "$T/data/store/repos/internal/.tmp-77"
out=$(python3 -c "
import sqlite3; print(sqlite3.connect('$T/data/store.db').execute('SELECT COUNT(*) FROM snapshots WHERE id = 77').fetchone()[0])")
check "…and so is its row" test "$out" = 0
v=$(rq "cat(available.packages(repos = '$L')['alpha', 'Version'])")
check "latest is still served after the restart ($v)" test "$v" = 1.1

ctl snapshot prune internal --keep 1 >"$T/out" 2>&1
check "prune --keep 1 removes one" grep -q "pruned 1 snapshot" "$T/out"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/internal/1/src/contrib/PACKAGES")
check "a pruned snapshot is 404 ($code)" test "$code" = 404
check "its directory is gone" test ! -e "$T/data/store/repos/internal/1"
ctl snapshot prune internal --keep 0 >"$T/out" 2>&1
check "prune --keep 0 is refused" test $? -eq 1

check "airlockctl as non-root cannot reach airlockd (exit 3)" sh -c \
    "setpriv --reuid=nobody --regid=nogroup --clear-groups '$AIRLOCKCTL' -f '$T/airlock.conf' repo list >/dev/null 2>&1; [ \$? -eq 3 ]"

# The inspect role ends when idle, and a new one takes the next file.
gone() { [ -z "$(role_pids inspect)" ]; }
check "an idle inspect role ends by itself" wait_for 15 gone
mkdir -p "$T/p3" && mkpkg_tar "$T/p3" later 1.0
ctl add internal "$T/p3/later_1.0.tar.gz" >"$T/out" 2>&1
check "…and a new one inspects the next file" grep -q "1 file(s): 1 added" "$T/out"

# An import killed part way (SIGKILL, so airlockctl says nothing): what
# the master had taken is stored and recorded whole, even a batch it was
# still placing, and nothing else is left; the next import adds the rest.
# 1000 small packages (16 to an add request), written by Python's
# tarfile as mkpkg_tar would, and the kill as soon as the log shows the
# first one added.
K=1000
mkdir -p "$T/p4"
python3 -c "
import io, tarfile
for i in range($K):
    name = 'many%d' % i
    with tarfile.open('$T/p4/%s_1.0.tar.gz' % name, 'w:gz') as t:
        for path, text in (('DESCRIPTION', 'Package: %s\\nVersion: 1.0\\nTitle: Test\\n'
            'Description: Test.\\nLicense: MIT\\nNeedsCompilation: no\\n' % name),
            ('R/f.R', 'f <- function() %d\\n' % i)):
            data = text.encode()
            ti = tarfile.TarInfo('%s/%s' % (name, path))
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1700000000
            t.addfile(ti, io.BytesIO(data))
" 2>"$T/out" || sed 's/^/# /' "$T/out"
check "$K packages made" test "$(ls "$T/p4" | wc -l)" = $K
base=$(python3 -c "
import sqlite3; print(sqlite3.connect('$T/data/store.db').execute('SELECT COUNT(*) FROM versions').fetchone()[0])")
# Not through ctl: $! must be airlockctl itself, not a subshell.
"$AIRLOCKCTL" -f "$T/airlock.conf" import internal "$T/p4" >"$T/out" 2>&1 &
imp=$!
i=0
while ! grep -q 'add internal: many' "$T/log" && [ $i -lt 30000 ]; do
	i=$((i + 1))
done
kill -KILL "$imp" 2>/dev/null
wait "$imp" 2>/dev/null
check "the import was killed before it ended" sh -c "! grep -q 'file(s):' '$T/out'"
check "airlockd goes on serving" sh -c "curl -sf '$L/src/contrib/PACKAGES' | grep -q '^Package: gamma'"
settled() { [ -z "$(ls "$T/data/ingest")" ]; }
check "nothing is left in the ingest directory" wait_for 10 settled
check "every recorded version has its blob, of the recorded size and digest; no blob is unrecorded" python3 -c "
import hashlib, os, sqlite3
db = sqlite3.connect('file:$T/data/store.db?mode=ro', uri=True)
rows = db.execute('SELECT b.sha256, b.size FROM blobs b').fetchall()
assert db.execute('SELECT COUNT(*) FROM versions v LEFT JOIN blobs b ON b.sha256 = v.sha256 WHERE b.sha256 IS NULL').fetchone()[0] == 0
on_disk = set()
for d, _, fs in os.walk('$T/data/store/blobs'):
    on_disk.update(fs)
for sha, size in rows:
    p = '$T/data/store/blobs/sha256/%s/%s' % (sha[:2], sha)
    data = open(p, 'rb').read()
    assert len(data) == size and hashlib.sha256(data).hexdigest() == sha, sha
assert on_disk == {r[0] for r in rows}, on_disk ^ {r[0] for r in rows}
"
taken=$(python3 -c "
import sqlite3; print(sqlite3.connect('$T/data/store.db').execute('SELECT COUNT(*) FROM versions').fetchone()[0] - $base)")
check "some but not all of the $K were taken ($taken)" test "$taken" -gt 0 -a "$taken" -lt $K
ctl import internal "$T/p4" >"$T/out" 2>&1
check "the next import adds the rest" grep -q "$K file(s): $((K - taken)) added, $taken already present, 0 refused" "$T/out"
sed 's/^/# /' "$T/out"
