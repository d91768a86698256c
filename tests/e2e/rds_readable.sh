# What common/rds.c writes, R reads as the objects R itself would save:
# a character matrix, archive.rds (plain and gzipped), more attribute
# names than the writer's symbol table holds, and the PACKAGES.rds that
# tools::write_PACKAGES makes for two packages built with R CMD build.
# Needs R (Rscript) and a C compiler; skips without them.
set -u
NAME=rds
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CC:-cc}
T=$(mktemp -d /tmp/airlock-rds.XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $NAME: $*"; }
nok() { echo "not ok - $NAME: $*"; }

if ! command -v Rscript >/dev/null 2>&1; then
	ok "# SKIP R is not installed"
	exit 0
fi
if ! command -v "$CC" >/dev/null 2>&1; then
	ok "# SKIP no C compiler ($CC)"
	exit 0
fi

# ---------------------------------------------------------- the driver
# config.h comes from configure; a build directory may hold it instead.
if "$CC" -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings -Wcast-qual \
    -Wpointer-arith -Wundef -Wno-unused-parameter -Werror \
    -I"${BUILDDIR:-$SRCDIR}" -I"$SRCDIR" -I"$SRCDIR/common" \
    -o "$T/rds_gen" "$SRCDIR/tests/e2e/rds_gen.c" "$SRCDIR/common/rds.c" \
    "$SRCDIR/common/buf.c" "$SRCDIR/common/log.c" 2>"$T/cc.err"; then
	ok "the driver builds against common/rds.c"
else
	sed 's/^/# /' "$T/cc.err"
	nok "the driver builds against common/rds.c"
	exit 0
fi

# --------------------------------------- two packages, as R indexes them
mkdir -p "$T/src" "$T/repo"
for p in alpha beta; do
	mkdir -p "$T/src/$p/R"
	cat >"$T/src/$p/DESCRIPTION" <<EOF
Package: $p
Version: 1.0.${#p}
Title: A Tiny Package
Description: Exists to be indexed.
Author: A. Person
Maintainer: A. Person <a@example.org>
License: GPL-2
Imports: stats
EOF
	echo 'f <- function() 1' >"$T/src/$p/R/f.R"
	echo 'export(f)' >"$T/src/$p/NAMESPACE"
	(cd "$T/repo" && R CMD build --no-build-vignettes --no-manual \
	    "$T/src/$p") >>"$T/build.log" 2>&1
done
# The cells of R's PACKAGES.rds, one a line, hex so any byte survives.
Rscript - "$T/repo" "$T/cells" >"$T/R.out" 2>&1 <<'EOF'
a <- commandArgs(TRUE)
tools::write_PACKAGES(a[1], type = "source")
db <- readRDS(file.path(a[1], "PACKAGES.rds"))
enc <- function(x) ifelse(is.na(x), "NA", paste0("x", vapply(x,
    function(s) paste(as.character(charToRaw(enc2utf8(s))), collapse = ""),
    "")))
writeLines(c(paste(nrow(db), ncol(db)), enc(colnames(db)),
    enc(as.vector(t(db)))), a[2])
EOF
if [ -s "$T/cells" ]; then
	cells=$T/cells
else
	sed 's/^/# /' "$T/build.log" "$T/R.out"
	cells=
fi

if ! "$T/rds_gen" "$T" $cells 2>"$T/gen.err"; then
	sed 's/^/# /' "$T/gen.err"
	nok "the driver writes its objects"
	exit 0
fi
gzip -c "$T/archive.rds" >"$T/archive.rds.gz"
# A repository whose only index is ours.
if [ -f "$T/packages.rds" ]; then
	mkdir "$T/ours"
	cp "$T/packages.rds" "$T/ours/PACKAGES.rds"
fi

# ------------------------------------------------------------- R reads
Rscript - "$T" "$NAME" <<'EOF' 2>"$T/check.err"
a <- commandArgs(TRUE)
dir <- a[1]
check <- function(what, expr) {
	r <- tryCatch(isTRUE(expr), error = function(e) {
		cat("# ", conditionMessage(e), "\n", sep = "")
		FALSE
	})
	cat(if (r) "ok" else "not ok", " - ", a[2], ": ", what, "\n", sep = "")
}
f <- function(name) file.path(dir, name)
saved <- function(x) {
	con <- rawConnection(raw(0), "wb")
	on.exit(close(con))
	saveRDS(x, con)
	rawConnectionValue(con)
}
same_bytes <- function(name, x)
	identical(readBin(f(name), "raw", file.size(f(name))), saved(x))

m <- matrix(c("alpha", "beta", "1.0", "2.0-1", NA, "M\u00fcller"), 2,
    dimnames = list(NULL, c("Package", "Version", "Author")))
rownames(m) <- m[, "Package"]
check("a character matrix reads identical() to R's",
    identical(readRDS(f("matrix.rds")), m))
check("a character matrix has the bytes saveRDS writes",
    same_bytes("matrix.rds", m))

mt <- c(1600000000, 1650000000, 1500000000, 1700000000)
paths <- c("alpha/alpha_0.9.tar.gz", "alpha/alpha_1.0.tar.gz",
    "beta/beta_0.1.tar.gz", "beta/beta_0.2.tar.gz")
fi <- structure(list(size = c(1234, 2345, 99, 1e10),
    isdir = rep(FALSE, 4), mode = as.octmode(rep(420L, 4)),
    mtime = .POSIXct(mt), ctime = .POSIXct(mt), atime = .POSIXct(mt),
    uid = rep(0L, 4), gid = rep(0L, 4), uname = rep("root", 4),
    grname = rep("root", 4)), row.names = paths, class = "data.frame")
want <- split(fi, c("alpha", "alpha", "beta", "beta"))
ar <- readRDS(f("archive.rds"))
check("archive.rds is a list of data.frames named by package",
    is.list(ar) && identical(names(ar), c("alpha", "beta")) &&
    all(vapply(ar, is.data.frame, NA)))
check("archive.rds row names are the paths, as remotes reads them",
    identical(rownames(ar[["beta"]]), paths[3:4]) &&
    identical(rownames(ar$alpha[order(ar$alpha$mtime), ]), paths[1:2]))
check("archive.rds columns are file.info()'s",
    identical(names(ar$alpha), names(file.info(f("archive.rds")))) &&
    identical(lapply(ar$alpha, class),
        lapply(file.info(f("archive.rds")), class)) &&
    format(ar$alpha$mode[1]) == "644" && !ar$beta$isdir[2] &&
    ar$beta$size[2] == 1e10)
check("archive.rds reads identical() to split(file.info-like, package)",
    identical(ar, want))
check("archive.rds has the bytes saveRDS writes", same_bytes("archive.rds",
    want))
check("a gzipped stream reads the same",
    identical(readRDS(f("archive.rds.gz")), ar))

s1 <- 1L
for (i in 0:39) attr(s1, sprintf("a%02d", i)) <- 1L
s2 <- structure(2L, a39 = 2L, a00 = 2L, a31 = 2L)
check("symbols past the writer's table read back identical()",
    identical(readRDS(f("symbols.rds")), list(s1, s2)))

if (file.exists(f("packages.rds"))) {
	theirs <- readRDS(f("repo/PACKAGES.rds"))
	check("PACKAGES.rds of two built packages: identical() to R's",
	    identical(readRDS(f("packages.rds")), theirs) &&
	    nrow(theirs) == 2)
	check("PACKAGES.rds has the bytes saveRDS writes (uncompressed)",
	    same_bytes("packages.rds", theirs))
	ap <- available.packages(contriburl = paste0("file://", f("ours")),
	    filters = list())
	check("available.packages() reads a repository indexed by it alone",
	    identical(unname(ap[, "Package"]), c("alpha", "beta")) &&
	    identical(unname(ap[, "MD5sum"]), unname(theirs[, "MD5sum"])))
} else {
	check("R CMD build and write_PACKAGES made a repository", FALSE)
}
EOF
status=$?
if [ "$status" -ne 0 ]; then
	sed 's/^/# /' "$T/check.err"
	nok "R ran the checks (status $status)"
fi
