# Offline bundles: an export signed with an Ed25519 key imports on a host
# that trusts it (ingested and published as a sync would, real R installs
# from it); a tampered bundle, one signed by an unknown key and one
# without a signature are refused with nothing changed; --since exports
# only what is new; a binary travels as TREE/FILE in a format 2 bundle and
# is served from its tree after the import.
NAME=bundle
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
. "$SRCDIR/tests/lib/mkbin.sh"
ctl() { "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
LC_ALL=C.UTF-8
export LC_ALL

mkdir -p "$T/p" "$T/p2" "$T/b" "$T/lib"
mkpkg "$T/p" bunlow 1.0 && mkpkg "$T/p" buntop 1.0 "bunlow" &&
    mkpkg "$T/p2" bunnew 0.1
check "packages built" test -f "$T/p2/bunnew_0.1.tar.gz"
"$BUILDDIR/airlockctl" bundle keygen "$T/sign.pem" "$T/sign.pub" >"$T/out" 2>&1
check "bundle keygen needs no airlockd" grep -q "wrote" "$T/out"
check "…the private key is 0600" test "$(stat -c %a "$T/sign.pem")" = 600
"$BUILDDIR/airlockctl" bundle keygen "$T/other.pem" "$T/other.pub" >/dev/null 2>&1

CONF_EXTRA="bundle = { signing_key = \"$T/sign.pem\"; trusted_keys = [\"$T/sign.pub\"]; };"
write_conf
start_airlockd || exit 1
ctl repo create origin --kind local >/dev/null && ctl import origin "$T/p" >/dev/null &&
    ctl publish origin >/dev/null
ctl bundle export origin "$T/b/full.bundle" >"$T/out" 2>&1
check "bundle export: 2 files" grep -q "exported 2 file(s) of origin snapshot 1" "$T/out"
ctl add origin "$T/p2/bunnew_0.1.tar.gz" >/dev/null && ctl publish origin >/dev/null
ctl bundle export origin --since 1 "$T/b/delta.bundle" >"$T/out" 2>&1
check "bundle export --since 1: only the new file" grep -q "exported 1 file(s)" "$T/out"

ctl repo create airgapped --kind local >/dev/null
ctl bundle import "$T/b/full.bundle" --repo airgapped >"$T/out" 2>&1
check "bundle import: verified, ingested, published" \
    grep -q "imported into airgapped: 2 added, 0 already present; published snapshot" "$T/out"
ctl bundle import "$T/b/delta.bundle" --repo airgapped >"$T/out" 2>&1
check "the delta bundle adds the new one" grep -q "1 added" "$T/out"
out=$(Rscript --vanilla -e "install.packages('buntop', repos = '$URL/airgapped/latest', lib = '$T/lib', quiet = TRUE); cat(requireNamespace('buntop', lib.loc = '$T/lib', quietly = TRUE))" 2>&1)
check "R installs from what the bundles brought" sh -c "echo '$out' | tail -n1 | grep -q TRUE"

ctl repo create victim --kind local >/dev/null
snaps() { ctl snapshot list victim | wc -l; }
before=$(snaps)
# A byte of a package file changed (past the index and its signature).
cp "$T/b/full.bundle" "$T/b/tampered.bundle"
size=$(stat -c %s "$T/b/tampered.bundle")
printf 'X' | dd of="$T/b/tampered.bundle" bs=1 seek=$((size - 2000)) conv=notrunc 2>/dev/null
ctl bundle import "$T/b/tampered.bundle" --repo victim >"$T/out" 2>&1
check "a tampered bundle is refused (exit 1)" test $? -eq 1
check "…saying so ($(head -c 160 "$T/out"))" grep -q "bundle refused, nothing changed" "$T/out"
# Signed by a key the host does not trust.
CONF_EXTRA="bundle = { signing_key = \"$T/other.pem\"; trusted_keys = [\"$T/sign.pub\"]; };"
write_conf
kill -HUP "$APID"
wait_log "reload complete (generation 1)" 10
ctl bundle export origin "$T/b/foreign.bundle" >/dev/null 2>&1
ctl bundle import "$T/b/foreign.bundle" --repo victim >"$T/out" 2>&1
check "a bundle signed by an unknown key is refused ($(head -c 160 "$T/out"))" \
    grep -q "unknown key" "$T/out"
# No signature at all: the same tar without INDEX.sig.
mkdir -p "$T/x" && tar -C "$T/x" -xf "$T/b/full.bundle" &&
    rm "$T/x/airlock-bundle/INDEX.sig" &&
    tar -C "$T/x" -cf "$T/b/unsigned.bundle" airlock-bundle/INDEX.json \
    $(cd "$T/x" && ls airlock-bundle/files/* | sed 's/^//')
ctl bundle import "$T/b/unsigned.bundle" --repo victim >"$T/out" 2>&1
check "an unsigned bundle is refused ($(head -c 160 "$T/out"))" \
    grep -q "bundle refused" "$T/out"
check "nothing changed: no snapshot, no version in victim" \
    sh -c "test '$(snaps)' = '$before' && test -z \"\$('$BUILDDIR/airlockctl' -f '$T/airlock.conf' package list victim | sed 1d)\""
# Binaries travel too: a Windows binary added to origin is exported as
# bin/windows/contrib/4.2/FILE in a format 2 bundle and served from that
# tree after the import; a bundle of sources only stays format 1.
check "a bundle of sources only says format 1" sh -c \
    "tar -xOf '$T/b/full.bundle' airlock-bundle/INDEX.json | grep -q '\"format\":1,'"
W=bin/windows/contrib/4.2
mkdir -p "$T/bin"
MKBIN_SRC=$T/p mkbin_win "$T/bin" bunlow 1.0 4.2 || nok "mkbin_win bunlow"
CONF_EXTRA="bundle = { signing_key = \"$T/sign.pem\"; trusted_keys = [\"$T/sign.pub\"]; };"
write_conf
kill -HUP "$APID"
wait_log "reload complete (generation 2)" 10
ctl add origin --type win.binary:4.2 "$T/bin/bunlow_1.0.zip" >"$T/out" 2>&1
check "a Windows binary added to origin" grep -q "1 added" "$T/out"
ctl publish origin >/dev/null 2>&1
ctl bundle export origin "$T/b/bin.bundle" >"$T/out" 2>&1
check "bundle export with the binary: 4 files ($(head -c 120 "$T/out"))" \
    grep -q "exported 4 file(s)" "$T/out"
check "…format 2, the binary named $W/bunlow_1.0.zip" sh -c \
    "tar -xOf '$T/b/bin.bundle' airlock-bundle/INDEX.json | grep -q '\"format\":2,' &&
    tar -xOf '$T/b/bin.bundle' airlock-bundle/INDEX.json | grep -q '\"name\":\"$W/bunlow_1.0.zip\"' &&
    tar -tf '$T/b/bin.bundle' | grep -qx 'airlock-bundle/files/$W/bunlow_1.0.zip'"
ctl repo create withbin --kind local >/dev/null
ctl bundle import "$T/b/bin.bundle" --repo withbin >"$T/out" 2>&1
check "bundle import with the binary: 4 added ($(head -c 120 "$T/out"))" \
    grep -q "4 added" "$T/out"
check "…the binary is served from $W, byte for byte" sh -c \
    "curl -sf '$URL/withbin/latest/$W/PACKAGES' | grep -qx 'Package: bunlow' &&
    curl -sf '$URL/withbin/latest/$W/bunlow_1.0.zip' | cmp -s - '$T/bin/bunlow_1.0.zip'"
ctl package list withbin latest >"$T/out" 2>&1
check "…listed as a win.binary:4.2 version" grep -q "bunlow.*win.binary:4.2" "$T/out"

ctl audit dump --csvlog >"$T/audit"
check "audit: bundle_export" grep -q ",bundle_export," "$T/audit"
check "audit: bundle_import, refusals included" \
    sh -c "grep -c ',bundle_import,' '$T/audit' | grep -q '^[5-9]'"
