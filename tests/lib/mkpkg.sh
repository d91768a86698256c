# mkpkg DIR NAME VERSION [IMPORTS] [C]: an R source package built with
# R CMD build into DIR (IMPORTS: a comma-separated Imports field; C=1 adds
# a C function, so NeedsCompilation: yes; MKPKG_LICENSE: its License).
# MKPKG_SUGGESTS: its Suggests field (default "testthat (>= 3.0.0)"; set
# and empty: none); MKPKG_DEPENDS: a Depends field; MKPKG_HEADER=1: an
# inst/include/NAME.h defining AIRLOCK_FACTOR as 2; MKPKG_LINKINGTO=P: a
# LinkingTo field naming P, whose P.h the C function (C=1) then uses.
mkpkg() {
	_out=$1 _name=$2 _ver=$3 _imp=${4:-} _c=${5:-0}
	_src=$(mktemp -d)
	mkdir -p "$_src/$_name/R"
	{
		echo "Package: $_name"
		echo "Version: $_ver"
		echo "Title: Test Package $_name for airlock"
		echo "Description: A package made by airlock's tests to check that"
		echo "    repositories serve what R expects, including long fields"
		echo "    that R folds when it writes its index."
		echo "License: ${MKPKG_LICENSE:-MIT + file LICENSE}"
		echo "Authors@R: person(\"Air\", \"Lock\", email = \"a@example.org\","
		echo "    role = c(\"aut\", \"cre\"))"
		echo "Encoding: UTF-8"
		[ -n "${MKPKG_DEPENDS:-}" ] && echo "Depends: $MKPKG_DEPENDS"
		[ -n "$_imp" ] && echo "Imports: $_imp"
		[ -n "${MKPKG_LINKINGTO:-}" ] && echo "LinkingTo: $MKPKG_LINKINGTO"
		_sug=${MKPKG_SUGGESTS-testthat (>= 3.0.0)}
		[ -n "$_sug" ] && echo "Suggests: $_sug"
	} >"$_src/$_name/DESCRIPTION"
	echo "YEAR: 2026" >"$_src/$_name/LICENSE"
	echo "COPYRIGHT HOLDER: airlock" >>"$_src/$_name/LICENSE"
	echo "export(${_name}_hello)" >"$_src/$_name/NAMESPACE"
	_body="\"$_name $_ver\""
	if [ -n "$_imp" ]; then
		_dep=$(echo "$_imp" | cut -d, -f1 | sed 's/ *(.*//; s/ //g')
		echo "importFrom($_dep, ${_dep}_hello)" >>"$_src/$_name/NAMESPACE"
		_body="paste(\"$_name $_ver >\", ${_dep}_hello())"
	fi
	if [ "${MKPKG_HEADER:-0}" = 1 ]; then
		mkdir -p "$_src/$_name/inst/include"
		echo "#define AIRLOCK_FACTOR 2" >"$_src/$_name/inst/include/$_name.h"
	fi
	if [ "$_c" = 1 ]; then
		mkdir -p "$_src/$_name/src"
		_hdr= _factor=2
		if [ -n "${MKPKG_LINKINGTO:-}" ]; then
			_hdr="#include <$MKPKG_LINKINGTO.h>"
			_factor=AIRLOCK_FACTOR
		fi
		cat >"$_src/$_name/src/twice.c" <<C
#include <R.h>
#include <Rinternals.h>
$_hdr
SEXP twice(SEXP x) { return Rf_ScalarInteger($_factor * Rf_asInteger(x)); }
C
		echo "useDynLib($_name, twice)" >>"$_src/$_name/NAMESPACE"
		_body="paste(\"$_name $_ver\", .Call(twice, 21L))"
	fi
	echo "${_name}_hello <- function() $_body" >"$_src/$_name/R/hello.R"
	(cd "$_out" && R CMD build --no-build-vignettes --no-manual \
	    "$_src/$_name" >/dev/null 2>&1)
	_st=$?
	rm -rf "$_src"
	return $_st
}

# mkpkg_tar DIR NAME VERSION: a minimal source package made with tar
# alone (no R needed), as valid as R CMD build's for airlock's checks.
mkpkg_tar() {
	_src=$(mktemp -d)
	mkdir -p "$_src/$2/R"
	printf 'Package: %s\nVersion: %s\nTitle: Test\nDescription: Test.\nLicense: MIT\nNeedsCompilation: no\n' \
	    "$2" "$3" >"$_src/$2/DESCRIPTION"
	echo "f <- function() 1" >"$_src/$2/R/f.R"
	tar -C "$_src" -czf "$1/$2_$3.tar.gz" "$2"
	rm -rf "$_src"
}
