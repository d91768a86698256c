# Schema migrations of store.db keep what the store holds: a store made
# by this airlockd is taken back to schema 6 (versions without a tree,
# UNIQUE (repo, package, version)), as an airlockd before binary packages
# left it; the next start migrates it to 7, and every version, field,
# snapshot row and curated row is still there, under the same ids, with
# no dangling reference; the store publishes and serves as before.
NAME=migrate
. "$(dirname "$0")/../lib/harness.sh"
. "$SRCDIR/tests/lib/mkpkg.sh"
ctl() { SUDO_USER=root LOGNAME=root "$BUILDDIR/airlockctl" -f "$T/airlock.conf" "$@"; }
DB=$T/data/store.db
sql() { python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]):
    print("|".join(str(x) for x in r))
c.commit()' "$DB" "$1"; }

mkdir -p "$T/p"
mkpkg_tar "$T/p" aa 1.0 && mkpkg_tar "$T/p" aa 1.1 && mkpkg_tar "$T/p" bb 2.0
write_conf
start_airlockd || exit 1
ctl repo create loc --kind local >/dev/null 2>&1
ctl add loc "$T"/p/*.tar.gz >/dev/null 2>&1
ctl publish loc >/dev/null 2>&1
stop_airlockd
before=$(sql "SELECT v.id, v.package, v.version, v.file, v.sha256,
    (SELECT COUNT(*) FROM fields f WHERE f.version_id = v.id),
    (SELECT COUNT(*) FROM snapshot_versions s WHERE s.version_id = v.id)
    FROM versions v ORDER BY v.id")
check "a store of 3 versions, published" test "$(echo "$before" | wc -l)" = 3

# Back to schema 6: the table as it was, the same rows.
python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript("""
PRAGMA foreign_keys = OFF;
BEGIN;
DROP INDEX versions_pkg;
CREATE TABLE versions_old (
  id INTEGER PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repos(id),
  package TEXT NOT NULL, version TEXT NOT NULL, file TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  added_at INTEGER NOT NULL,
  UNIQUE (repo_id, package, version));
INSERT INTO versions_old SELECT id, repo_id, package, version, file, sha256,
  added_at FROM versions;
DROP TABLE versions;
ALTER TABLE versions_old RENAME TO versions;
PRAGMA user_version = 6;
COMMIT;
""")
PY
check "the store is at schema 6" test "$(sql 'PRAGMA user_version')" = 6

start_airlockd || exit 1
check "the start migrates it to schema 7" \
    grep -q "store.db migrated to schema version 7" "$T/log"
check "schema 7" test "$(sql 'PRAGMA user_version')" = 7
after=$(sql "SELECT v.id, v.package, v.version, v.file, v.sha256,
    (SELECT COUNT(*) FROM fields f WHERE f.version_id = v.id),
    (SELECT COUNT(*) FROM snapshot_versions s WHERE s.version_id = v.id)
    FROM versions v ORDER BY v.id")
check "every version, its fields and snapshot rows, under the same ids" \
    test "$after" = "$before"
check "each in the source tree" test \
    "$(sql "SELECT COUNT(*) FROM versions WHERE tree = 'src/contrib'")" = 3
check "no dangling reference (foreign_key_check)" \
    test -z "$(sql 'PRAGMA foreign_key_check')"
check "the new uniqueness: (repo, tree, package, version)" sh -c \
    "python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT sql FROM sqlite_master WHERE name = ?\", (\"versions\",)).fetchone()[0])' '$DB' |
    grep -q 'UNIQUE (repo_id, tree, package, version)'"
ctl publish loc >"$T/out" 2>&1
check "the migrated store publishes: $(cat "$T/out")" \
    grep -q '2 package(s), 1 archived' "$T/out"
check "…and serves it" sh -c "curl -s '$URL/loc/latest/src/contrib/PACKAGES' |
    grep -q '^Package: bb'"
check "…with the archived version" test "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/loc/latest/src/contrib/Archive/aa/aa_1.0.tar.gz")" = 200
ctl add loc "$T/p/aa_1.0.tar.gz" >"$T/out" 2>&1
check "a version already there is still recognised" grep -q '1 already present' "$T/out"
stop_airlockd
start_airlockd || exit 1
check "a second start has nothing to migrate" sh -c \
    "! grep -q 'migrated to schema' '$T/log'"
stop_airlockd
