"""Writes synthetic R source packages (or their database rows) for bench/.
  gen_packages.py tarballs DIR N      N package tarballs, as R CMD build lays them out
  gen_packages.py rows DB REPO N      N packages straight into airlockd's store.db
Names, versions, dependencies and DESCRIPTION sizes vary like CRAN's."""
import hashlib
import io
import random
import sqlite3
import sys
import tarfile
import time

WORDS = ("data model fast tidy plot stat geo text web api sql graph "
         "bayes tree spatial time series cluster matrix string utils").split()


def description(i, rnd):
    name = "%s%s%d" % (rnd.choice(WORDS), rnd.choice(WORDS).capitalize(), i)
    version = "%d.%d.%d" % (rnd.randint(0, 4), rnd.randint(0, 20), rnd.randint(0, 9))
    deps = ["pkg%d" % rnd.randint(0, max(i - 1, 1)) for _ in range(rnd.randint(0, 6))]
    fields = [
        ("Package", name),
        ("Type", "Package"),
        ("Title", "Synthetic Package Number %d for Benchmarks" % i),
        ("Version", version),
        ("Authors@R", 'c(person("Ada", "Lovelace", email = "ada@example.org",\n'
                      '    role = c("aut", "cre")))'),
        ("Description", " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(10, 80)))),
        ("License", rnd.choice(["MIT + file LICENSE", "GPL-3", "GPL (>= 2)", "Apache License 2.0"])),
        ("Depends", "R (>= 3.5.0)"),
        ("Encoding", "UTF-8"),
        ("RoxygenNote", "7.2.3"),
        ("NeedsCompilation", rnd.choice(["yes", "no"])),
        ("Packaged", "2026-11-01 12:00:00 UTC; bench"),
        ("Author", "Ada Lovelace [aut, cre]"),
        ("Maintainer", "Ada Lovelace <ada@example.org>"),
    ]
    if deps:
        fields.insert(8, ("Imports", ", ".join(sorted(set(deps)))))
    if rnd.random() < 0.5:
        fields.insert(9, ("Suggests", "testthat (>= 3.0.0), knitr, rmarkdown"))
    return name, version, fields


def dcf(fields):
    out = []
    for k, v in fields:
        lines = v.split("\n")
        out.append("%s: %s" % (k, lines[0]))
        out.extend(lines[1:])
    return "\n".join(out) + "\n"


def tarballs(d, n):
    rnd = random.Random(42)
    for i in range(n):
        name, version, fields = description(i, rnd)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.USTAR_FORMAT) as t:
            for path, data in (("DESCRIPTION", dcf(fields)),
                               ("NAMESPACE", "export(f)\n"),
                               ("R/f.R", "f <- function() %d\n" % i)):
                b = data.encode()
                ti = tarfile.TarInfo("%s/%s" % (name, path))
                ti.size = len(b)
                ti.mtime = 1790000000
                t.addfile(ti, io.BytesIO(b))
        with open("%s/%s_%s.tar.gz" % (d, name, version), "wb") as f:
            f.write(buf.getvalue())


def rows(dbpath, repo, n):
    rnd = random.Random(7)
    db = sqlite3.connect(dbpath)
    now = int(time.time())
    cur = db.execute("SELECT id FROM repos WHERE name = ?", (repo,))
    rid = cur.fetchone()[0]
    with db:
        for i in range(n):
            name, version, fields = description(i, rnd)
            sha = hashlib.sha256(name.encode()).hexdigest()
            md5 = hashlib.md5(name.encode()).hexdigest()
            db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?)", (sha, 10000 + i, md5, now))
            vid = db.execute("INSERT INTO versions (repo_id, package, version, file, sha256, added_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (rid, name, version, "%s_%s.tar.gz" % (name, version), sha, now)).lastrowid
            db.executemany("INSERT INTO fields VALUES (?, ?, ?, ?)",
                           [(vid, p, k, v) for p, (k, v) in enumerate(fields)])


if __name__ == "__main__":
    if sys.argv[1] == "tarballs":
        tarballs(sys.argv[2], int(sys.argv[3]))
    else:
        rows(sys.argv[2], sys.argv[3], int(sys.argv[4]))
