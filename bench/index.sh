#!/bin/sh
# Benchmarks airlock's repository indexing against R's own, in one run:
#  1. N package tarballs (synthetic, bench/gen_packages.py) indexed by
#     R's tools::write_PACKAGES(type = "source", addFiles = TRUE), against
#     airlock importing the same directory (copy, hash, sandboxed
#     inspection, database) and publishing a snapshot (PACKAGES, .gz, .rds,
#     archive.rds, manifest, fsync'd); the ratio R / airlock;
#  2. republishing a repository of ROWS packages straight from the
#     database (rows generated), the time airlock reports.
# Figures, not a test.  Environment: N (default 1000), ROWS (24000).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
ROWS=${ROWS:-24000}
for tool in Rscript python3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "bench/index.sh: $tool is missing; run: sh scripts/deps test" >&2; exit 1; }
done
[ -x "$ROOT/airlockd" ] && [ -x "$ROOT/airlockctl" ] ||
    { echo "bench/index.sh: build first: sh scripts/build" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench/index.sh: run as root" >&2; exit 1; }
sh "$ROOT/scripts/ensure-user" >/dev/null
T=$(mktemp -d /tmp/airlock-bench.XXXXXX)
chmod 755 "$T"
APID=
trap '[ -n "$APID" ] && kill "$APID" 2>/dev/null; sleep 0.5; rm -rf "$T"' EXIT

now() { date +%s.%N; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/airlock.conf" <<CONF
server = { data_dir = "$T/data"; workers = 1; log_level = "warn"; };
http = { listen = ["127.0.0.1:$port"]; no_warning = true; };
CONF
"$ROOT/airlockd" -f "$T/airlock.conf" 2>"$T/log" &
APID=$!
i=0
until [ -S "$T/data/control.sock" ] || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
ctl() { "$ROOT/airlockctl" -f "$T/airlock.conf" "$@"; }

mkdir -p "$T/pkgs" "$T/r"
python3 "$ROOT/bench/gen_packages.py" tarballs "$T/pkgs" "$N"
cp "$T/pkgs"/*.tar.gz "$T/r/"
sync

echo "# airlock $("$ROOT/airlockd" -v | cut -d' ' -f2) vs $(Rscript --version 2>&1 | head -1); $(nproc) core(s)"
t0=$(now)
Rscript --vanilla -e "invisible(tools::write_PACKAGES('$T/r', type = 'source', addFiles = TRUE))"
t1=$(now)
r=$(echo "$t1 - $t0" | bc)

ctl repo create bench --kind cran >/dev/null
t0=$(now)
ctl import bench "$T/pkgs" >"$T/import.out" 2>&1 || cat "$T/import.out"
t1=$(now)
ctl --json publish bench >"$T/publish.out" 2>&1 || cat "$T/publish.out"
t2=$(now)
imp=$(echo "$t1 - $t0" | bc)
pub=$(echo "$t2 - $t1" | bc)
tot=$(echo "$t2 - $t0" | bc)
printf '\n%-44s %10s\n' "index of $N tarballs" "seconds"
printf '%-44s %10.3f\n' "R write_PACKAGES" "$r"
printf '%-44s %10.3f\n' "airlock import (copy, hash, inspect, store)" "$imp"
printf '%-44s %10.3f\n' "airlock publish (index files, fsync)" "$pub"
printf '%-44s %10.3f\n' "airlock import + publish" "$tot"
printf 'ratio R / airlock, import + publish: %.1fx; publish alone: %.1fx\n' \
    "$(echo "$r / $tot" | bc -l)" "$(echo "$r / $pub" | bc -l)"
cmp -s "$T/r/PACKAGES" "$T/data/store/repos/bench/1/src/contrib/PACKAGES" &&
    echo "(the two PACKAGES files are byte-identical)" ||
    echo "(NOTE: the two PACKAGES files differ)"

ctl repo create big --kind cran >/dev/null
python3 "$ROOT/bench/gen_packages.py" rows "$T/data/store.db" big "$ROWS"
ctl --json publish big >"$T/big.out" 2>&1
s=$(python3 -c "import json; print(json.load(open('$T/big.out'))['snapshot']['seconds'])")
ctl --json publish big >"$T/big.out" 2>&1
s2=$(python3 -c "import json; print(json.load(open('$T/big.out'))['snapshot']['seconds'])")
printf '\nrepublish of a %s-package repository from the database: %.3fs, again %.3fs (goal < 1s)\n' \
    "$ROWS" "$s" "$s2"
