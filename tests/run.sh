#!/bin/sh
# Runs every test: unit binaries, fuzz targets (briefly, under ASan/UBSan)
# and the end-to-end scripts against a real airlockd.  Each prints TAP
# lines; this counts them and ends with "N passed, N failed".
#   tests/run.sh [PATTERN]   only tests whose name contains PATTERN
# Environment: BUILDDIR (default: current directory), FUZZ_SMOKE_SECONDS.
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-$(pwd)}
export SRCDIR BUILDDIR
FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-20}
only=${1:-}
out=$BUILDDIR/tests/out
mkdir -p "$out"
passed=0
failed=0
failures=

# run_tap NAME COMMAND...: runs a TAP producer, echoes its lines, counts.
run_tap() {
	name=$1
	shift
	case $name in *"$only"*) ;; *) return 0 ;; esac
	echo "# $name"
	start=$(date +%s)
	"$@" >"$out/$name.out" 2>"$out/$name.err"
	status=$?
	cat "$out/$name.out"
	p=$(grep -c '^ok' "$out/$name.out")
	f=$(grep -c '^not ok' "$out/$name.out")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exited with status $status"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: ran no test"
		f=1
	fi
	if [ "$f" -gt 0 ]; then
		echo "# $name stderr (last 40 lines):"
		tail -n 40 "$out/$name.err" | sed 's/^/#   /'
		failures="$failures $name"
	fi
	echo "# $name: $p passed, $f failed in $(($(date +%s) - start))s"
	passed=$((passed + p))
	failed=$((failed + f))
}

# A fuzz target as one test: a clean run over its corpus and for a while.
fuzz_smoke() {
	t=$1
	corpus=$out/corpus-$t
	mkdir -p "$corpus"
	if "$BUILDDIR/tests/fuzz/$t" -max_total_time="$FUZZ_SMOKE_SECONDS" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    "$corpus" "$SRCDIR/tests/fuzz/corpus/$t" >&2; then
		echo "ok - $t: ${FUZZ_SMOKE_SECONDS}s under ASan/UBSan, no finding"
	else
		echo "not ok - $t: the fuzzer found a crash (see stderr)"
	fi
}

for t in test_buf test_ipc test_http test_conf test_sandbox test_pkg test_dcf \
    test_rds test_tarball test_authdb test_authparse test_captcha test_audit test_tlskey \
    test_upstream test_fetch test_bundle test_resolve test_secret test_syncopt \
    test_synclist test_store; do
	run_tap "$t" "$BUILDDIR/tests/unit/$t"
done

if command -v clang >/dev/null 2>&1; then
	if make -C "$BUILDDIR" -s check-clang >"$out/clang.log" 2>&1; then
		echo "ok - clang: the tree builds with -Werror under clang too"
		passed=$((passed + 1))
	else
		sed 's/^/# /' "$out/clang.log" | tail -n 40
		echo "not ok - clang: warnings or errors under clang"
		failed=$((failed + 1))
	fi
	if make -C "$BUILDDIR" -s fuzz-build >"$out/fuzz-build.log" 2>&1; then
		for t in fuzz_http fuzz_ipc fuzz_conf fuzz_dcf fuzz_tarball fuzz_cookie \
		    fuzz_authz fuzz_form fuzz_upstream fuzz_bundle fuzz_resolve fuzz_zip; do
			run_tap "$t" fuzz_smoke "$t"
		done
	else
		cat "$out/fuzz-build.log"
		echo "not ok - fuzz-build: the fuzz targets do not build"
		failed=$((failed + 1))
	fi
else
	echo "not ok - fuzz: clang is not installed (apt-get install clang)"
	failed=$((failed + 1))
fi

for t in "$SRCDIR"/tests/e2e/*.sh; do
	run_tap "e2e-$(basename "$t" .sh)" sh "$t"
done

[ -z "$failures" ] || echo "# failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
