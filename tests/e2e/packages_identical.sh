#!/bin/sh
# src/contrib/PACKAGES byte for byte as R writes it.  Source packages are
# built with R CMD build (and a few tarballs made by hand, for what R CMD
# build would normalize away: CRLF line ends, a missing NeedsCompilation,
# " ." lines, a DESCRIPTION R cannot read), indexed by R's
# tools::write_PACKAGES(type = "source", addFiles = TRUE) and by dcf.c
# and packages.c through packages_gen.c.  PACKAGES must be the same bytes
# and our rows the cells of R's PACKAGES.rds.  R decides the order of the
# files and which version of a package is the newest: that code lives
# elsewhere in airlock.
#   KEEP=1 tests/e2e/packages_identical.sh   keeps the scratch directory
NAME=packages
. "$(dirname "$0")/../lib/harness.sh"
# dcf FILE EOL LINE...: writes a DESCRIPTION, each line a printf format
# (octal escapes for the bytes that matter, no '%') ended by EOL.
dcf() {
	_f=$1
	_e=$2
	shift 2
	: >"$_f"
	for _l; do
		# shellcheck disable=SC2059 # the line is the format, on purpose
		printf "$_l$_e" >>"$_f"
	done
}

if ! command -v Rscript >/dev/null 2>&1; then
	ok "# SKIP R is not installed"
	exit 0
fi
# The reference: R in a UTF-8 locale, whose list.files() sorts with ICU.
LC_ALL=C.UTF-8
LANGUAGE=en
export LC_ALL LANGUAGE

GEN=$T/packages_gen
if ! ${CC:-cc} -std=gnu11 -O1 -I"$BUILDDIR" -I"$SRCDIR" -I"$SRCDIR/common" \
    -o "$GEN" "$SRCDIR/tests/e2e/packages_gen.c" "$SRCDIR/common/dcf.c" \
    "$SRCDIR/common/packages.c" "$SRCDIR/common/buf.c" \
    "$SRCDIR/common/log.c" "$SRCDIR/common/util.c" 2>"$T/cc.err"; then
	sed 's/^/# /' "$T/cc.err"
	nok "packages_gen does not build"
	exit 1
fi

mkdir -p "$T/src" "$T/repo" "$T/hand" "$T/desc"

# --- Packages R CMD build makes -------------------------------------------

# alpha, twice: only 1.10 (newer than 1.9) may be indexed.  Long fields
# that fold, version constraints over several lines, Authors@R, UTF-8.
alpha() {
	d=$T/src/alpha-$1
	mkdir -p "$d/R"
	cat >"$d/DESCRIPTION" <<EOF
Package: alpha
Type: Package
Title: First of the Test Packages, with a Title Long Enough to Need
    Folding
Version: $1
Authors@R: c(person("Ada", "Lovelace", email = "ada@example.org",
        role = c("aut", "cre")), person("Zoë", "Müller", role = "ctb"))
Description: A package whose index entry has long fields.  Its Imports
    run past the 71 columns R allows a line, so R folds them; its
    Depends spans three lines in the DESCRIPTION and fits on one in
    PACKAGES.  Zoë wrote none of it.
Depends: R (>= 3.5.0),
    methods,
    stats
Imports: utils (>= 3.0.0), tools (>= 3.0.0), graphics (>= 3.0.0),
  grDevices (>= 3.0.0), parallel (>= 3.0.0), splines
Suggests: testthat (>= 3.0.0), knitr, rmarkdown (>=
    2.0)
License: GPL (>=2)
Encoding: UTF-8
EOF
	echo 'hello <- function() "hello"' >"$d/R/hello.R"
}
alpha 1.9
alpha 1.10

# C code: R CMD build writes NeedsCompilation: yes.
d=$T/src/withc
mkdir -p "$d/src" "$d/R"
cat >"$d/DESCRIPTION" <<'EOF'
Package: withc
Version: 0.1-3
Title: Compiled Code
Description: Has a C file in src.
License: MIT+file LICENSE
LinkingTo: Rcpp (>= 1.0.0),
    RcppArmadillo
Enhances: parallel
OS_type: unix
Author: A. Coder
Maintainer: A. Coder <coder@example.org>
EOF
printf 'YEAR: 2024\nCOPYRIGHT HOLDER: A. Coder\n' >"$d/LICENSE"
printf '#include <R.h>\nvoid hello(int *x) { *x = 1; }\n' >"$d/src/hello.c"
echo 'hello <- function() 1L' >"$d/R/hello.R"

# latin1: R writes no byte of it to PACKAGES, but reads it all.
d=$T/src/lat
mkdir -p "$d"
dcf "$d/DESCRIPTION" '\n' 'Package: lat' 'Version: 1.0' 'Title: Latin-1' \
    'Description: Caf\351 cr\350me.' 'Encoding: latin1' \
    'License: GPL version 2 | GPL 3' 'Author: Fran\347ois' \
    'Maintainer: Fran\347ois <f@example.org>' 'Depends: R (>= 2.10)'

# Names that sort differently in C and in ICU; Licenses R drops or rewrites.
for p in Beta:2.0-1:'X11 (http://www.x.org/Downloads_terms.html)' \
    alpha.ext:0.1:Proprietary alpha2:0.1:'GPL-2 | GPL-3'; do
	n=${p%%:*}
	r=${p#*:}
	v=${r%%:*}
	l=${r#*:}
	mkdir -p "$T/src/$n"
	dcf "$T/src/$n/DESCRIPTION" '\n' "Package: $n" "Version: $v" \
	    'Title: Order' 'Description: Sorts.' "License: $l" 'Author: x' \
	    'Maintainer: x <x@example.org>' 'Imports: alpha'
done

(
	cd "$T/repo" || exit 1
	for d in "$T"/src/*; do
		R CMD build --no-build-vignettes --no-manual "$d" || exit 1
	done
) >"$T/build.log" 2>&1
st=$?
if [ "$st" -ne 0 ]; then
	tail -n 20 "$T/build.log" | sed 's/^/# /'
fi
check "R CMD build made the packages" test "$st" -eq 0

# --- Tarballs made by hand ------------------------------------------------

# CRLF line ends, no NeedsCompilation but a src/ directory member, " ."
# lines (R carries one into the next field), empty fields, and the rarer
# index fields.
d=$T/hand/crlf
mkdir -p "$d/src"
dcf "$d/DESCRIPTION" '\r\n' 'Package: crlf' 'Version: 0.5' 'Title: CRLF' \
    'Priority: optional' 'Depends: R' ' .' 'Imports: utils,' '  tools' \
    'Suggests:' 'Enhances:   ' 'License: MIT+file LICENSE' \
    'License_is_FOSS: yes' 'Archs: x64' 'OS_type: unix' \
    'MD5sum: 00000000000000000000000000000000' \
    'Description: Written elsewhere.'
echo 'int x;' >"$d/src/x.c"
# Files under src/ but no "nosrc/src/" member: R says NeedsCompilation: no.
d=$T/hand/nosrc
mkdir -p "$d/src"
# Depends: 14 pairs of CJK characters, two columns each, so 12 on the
# first line; Suggests: latin1 bytes, written as <xx>.  Enhances at the
# fold's edges: a first line of 71 columns (the most R puts on one), then
# one of 70 that a word of one letter does not join.
zh='\344\270\255\346\226\207'
zh14="$zh $zh $zh $zh $zh $zh $zh $zh $zh $zh $zh $zh $zh $zh"
w1=abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy
w2=${w1}z
dcf "$d/DESCRIPTION" '\n' 'Package: nosrc' 'Version: 1.0' \
    'Title: No src member' 'License: GPL-2' 'Suggests: na\357ve, caf\351' \
    "Depends: $zh14" "Enhances: $w1 $w2 x"
echo 'int y;' >"$d/src/y.c"
# R cannot read this DESCRIPTION and leaves the package out.
d=$T/hand/broken
mkdir -p "$d"
dcf "$d/DESCRIPTION" '\n' 'Package: broken' 'Version: 1.0' \
    'this line has no colon'
(
	cd "$T/hand" &&
	    tar czf "$T/repo/crlf_0.5.tar.gz" crlf &&
	    tar czf "$T/repo/nosrc_1.0.tar.gz" nosrc/DESCRIPTION \
	    nosrc/src/y.c &&
	    tar czf "$T/repo/broken_1.0.tar.gz" broken
) || nok "tar made the hand-made tarballs"

# --- R's index ------------------------------------------------------------

Rscript -e 'tools::write_PACKAGES(commandArgs(TRUE)[1], type = "source",
    addFiles = TRUE)' "$T/repo" >"$T/r.log" 2>&1
check "R's write_PACKAGES wrote PACKAGES" test -s "$T/repo/PACKAGES"
check "R left out the DESCRIPTION it cannot read" \
    grep -q "reading DESCRIPTION for package .broken. failed" "$T/r.log"

# --- Ours -----------------------------------------------------------------

# The files in list.files() order, each with its DESCRIPTION's Package and
# Version (files whose DESCRIPTION we cannot parse left out, as R does).
Rscript -e 'cat(list.files(commandArgs(TRUE)[1],
    pattern = tools:::.get_pkg_file_pattern("source")), sep = "\n")' \
    "$T/repo" >"$T/files"
: >"$T/pv"
while read -r f; do
	p=${f%%_*}
	tar -xzOf "$T/repo/$f" "$p/DESCRIPTION" >"$T/desc/$f" 2>/dev/null
	if pv=$("$GEN" -f "$T/desc/$f" 2>>"$T/gen.log"); then
		echo "$f $pv" >>"$T/pv"
	fi
done <"$T/files"
left_out() {
	! grep -q '^broken_' "$T/pv" &&
	    grep -q 'broken_1.0.tar.gz: line 3: ' "$T/gen.log"
}
check "our parser left out the same DESCRIPTION" left_out
# The newest version of each package, as R's own .remove_stale_dups picks.
Rscript -e 'x <- as.matrix(read.table(file("stdin"), colClasses = "character",
    col.names = c("File", "Package", "Version")))
    cat(tools:::.remove_stale_dups(x)[, "File"], sep = "\n")' \
    <"$T/pv" >"$T/keep"

set --
while read -r f; do
	p=${f%%_*}
	md5=$(md5sum "$T/repo/$f" | cut -d' ' -f1)
	src=0
	tar -tzf "$T/repo/$f" | grep -qx "$p/src/" && src=1
	set -- "$@" "$T/desc/$f" "$md5" "$f" "$src"
done <"$T/keep"
"$GEN" "$@" >"$T/PACKAGES" 2>>"$T/gen.log"
check "packages_gen wrote an index" test -s "$T/PACKAGES"

if cmp -s "$T/repo/PACKAGES" "$T/PACKAGES"; then
	ok "PACKAGES is byte-identical to R's ($(grep -c '^Package:' \
	    "$T/PACKAGES") entries, $(wc -c <"$T/PACKAGES") bytes)"
else
	nok "PACKAGES is byte-identical to R's"
	diag "diff -u R ours (\$ ends a line):"
	sed 's/$/$/' "$T/repo/PACKAGES" >"$T/r.show"
	sed 's/$/$/' "$T/PACKAGES" >"$T/ours.show"
	diff -u "$T/r.show" "$T/ours.show" | sed 's/^/# /'
	sed 's/^/# /' "$T/gen.log"
fi

# The cells R saved in PACKAGES.rds, raw (newlines and all), as our rows.
Rscript -e 'db <- readRDS(file.path(commandArgs(TRUE)[1], "PACKAGES.rds"))
    writeLines(colnames(db))' "$T/repo" >"$T/r.cols"
"$GEN" -c >"$T/cols"
check "our columns are PACKAGES.rds's" cmp -s "$T/r.cols" "$T/cols"
Rscript -e 'db <- readRDS(file.path(commandArgs(TRUE)[1], "PACKAGES.rds"))
    hx <- function(s) if (is.na(s)) "NA" else
        paste(as.character(charToRaw(s)), collapse = "")
    for (i in seq_len(nrow(db)))
        cat(paste(vapply(db[i, ], hx, ""), collapse = "\t"), "\n", sep = "")' \
    "$T/repo" >"$T/r.rows"
"$GEN" -r "$@" >"$T/rows" 2>>"$T/gen.log"
if cmp -s "$T/r.rows" "$T/rows"; then
	ok "our rows are the cells of PACKAGES.rds"
else
	nok "our rows are the cells of PACKAGES.rds"
	diff "$T/r.rows" "$T/rows" | sed 's/^/# /'
fi

# What the comparison covered, read from R's own file.
P=$T/repo/PACKAGES
# entry NAME: the record of a package in R's PACKAGES.
entry() {
	awk -v RS= -v p="Package: $1" 'index($0, p "\n") == 1' "$P"
}
check "covered: a field R folds" grep -q '^        ' "$P"
check "covered: lines of exactly 71 and 70 columns" \
    sh -c "grep -qx 'Enhances: $w1' '$P' && grep -qx '        $w2' '$P'"
check "covered: lines joined (Depends over three lines)" \
    grep -qx 'Depends: R (>= 3.5.0), methods, stats' "$P"
newest() {
	[ "$(grep -c '^Package: alpha$' "$P")" = 1 ] &&
	    entry alpha | grep -qx 'Version: 1.10'
}
check "covered: only the newest alpha (1.10, not 1.9)" newest
check "covered: NeedsCompilation from R CMD build and from src/" \
    sh -c "[ \$(grep -c '^NeedsCompilation: yes' '$P') = 2 ]"
entry nosrc >"$T/e.nosrc"
check "covered: no src/ member, NeedsCompilation: no" \
    grep -qx 'NeedsCompilation: no' "$T/e.nosrc"
check "covered: License standardized" grep -qx 'License: GPL (>= 2)' "$P"
entry alpha.ext >"$T/e.ext"
check "covered: License R cannot standardize left out" \
    sh -c "grep -q . '$T/e.ext' && ! grep -q '^License' '$T/e.ext'"
check "covered: a \" .\" line R carried into Imports" grep -qx ' \.' "$P"
check "covered: bytes that are not UTF-8 as <xx>" grep -q 'na<ef>ve' "$P"
check "covered: MD5sum computed, not taken from the DESCRIPTION" \
    sh -c "! grep -q 'MD5sum: 0000' '$P'"
grep '^Package:' "$P" >"$T/order"
check "covered: R's order is not C's" \
    sh -c "! LC_ALL=C sort -c '$T/order' 2>/dev/null"
exit 0
