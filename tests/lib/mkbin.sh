# Binary packages for the sync tests, made by real R from source packages
# built by mkpkg (sourced after mkpkg.sh):
#   mkbin_win DIR NAME VERSION RVER            DIR/NAME_VERSION.zip
#   mkbin_mac DIR NAME VERSION RVER [SUBARCH]  DIR/NAME_VERSION.tgz
#   upstream_index_bin DIR TREE TYPE           DIR/TREE/PACKAGES{,.gz,.rds}
# The source is $MKBIN_SRC/NAME_VERSION.tar.gz (default: DIR).  It is
# installed once with R CMD INSTALL into $MKBIN_LIB (default $T/mkbin-lib),
# where its Imports must already be installed (make their binaries
# first); no network is used.  The binary is that installed directory,
# as CRAN ships one: one top-level directory named after the package,
# DESCRIPTION as R CMD INSTALL wrote it except the Built line, which
# says the target's R (RVER, x.y), platform and OS type:
#   win  R RVER.0; x86_64-w64-mingw32; DATE; windows
#   mac  R RVER.0; aarch64-apple-darwin20; DATE; unix
#        (x86_64-apple-darwin17.0 for a SUBARCH without "arm64")
# DATE is R's own stamp.  MKBIN_PLATFORM, when set (even empty), replaces
# the platform: CRAN's binaries of packages without C code have an empty
# one ("R 4.2.3; ; DATE; windows"), as R CMD INSTALL writes it for them.
# Meta/package.rds is left as R wrote it (it still says Linux).

# _mkbin_installed NAME VERSION: prints the cached installed directory,
# installing the source the first time.
_mkbin_installed() {
	_mb_lib=${MKBIN_LIB:-${T:?MKBIN_LIB or T must be set}/mkbin-lib}
	_mb_keep=$_mb_lib/.built/$1_$2
	if [ ! -f "$_mb_keep/$1/DESCRIPTION" ]; then
		_mb_tgz=${MKBIN_SRC:-$_mb_dir}/$1_$2.tar.gz
		if [ ! -f "$_mb_tgz" ]; then
			echo "mkbin: no source package $_mb_tgz" >&2
			return 1
		fi
		mkdir -p "$_mb_lib" "$_mb_keep" || return 1
		if ! R_LIBS=$_mb_lib R CMD INSTALL -l "$_mb_lib" \
		    "$_mb_tgz" >"$_mb_keep.log" 2>&1; then
			echo "mkbin: R CMD INSTALL $_mb_tgz failed:" >&2
			sed 's/^/mkbin:   /' "$_mb_keep.log" >&2
			return 1
		fi
		rm -rf "${_mb_keep:?}/$1"
		cp -a "$_mb_lib/$1" "$_mb_keep/$1" || return 1
	fi
	echo "$_mb_keep"
}

# _mkbin_stage NAME VERSION RVER PLATFORM OSTYPE: a copy of the installed
# directory with the Built line rewritten; prints the staging directory.
_mkbin_stage() {
	_mb_from=$(_mkbin_installed "$1" "$2") || return 1
	_mb_st=$(mktemp -d) || return 1
	cp -a "$_mb_from/$1" "$_mb_st/$1" || return 1
	case $3 in
	*.*.*) _mb_r=$3 ;;
	*) _mb_r=$3.0 ;;
	esac
	_mb_date=$(sed -n 's/^Built: [^;]*;[^;]*; *\([^;]*\);.*/\1/p' \
	    "$_mb_st/$1/DESCRIPTION")
	sed "s/^Built: .*/Built: R $_mb_r; $4; $_mb_date; $5/" \
	    "$_mb_st/$1/DESCRIPTION" >"$_mb_st/DESCRIPTION" &&
	    cat "$_mb_st/DESCRIPTION" >"$_mb_st/$1/DESCRIPTION" &&
	    rm -f "$_mb_st/DESCRIPTION" || return 1
	grep -q "^Built: R $_mb_r; $4; .*; $5\$" "$_mb_st/$1/DESCRIPTION" ||
	    return 1
	echo "$_mb_st"
}

# mkbin_win DIR NAME VERSION RVER: DIR/NAME_VERSION.zip, zipped as R CMD
# INSTALL --build does on Windows (zip -r9D: deflated, no directory
# entries), by python3's zipfile since zip may not be installed.
mkbin_win() {
	_mb_dir=$1
	_mb_plat=${MKBIN_PLATFORM-x86_64-w64-mingw32}
	_mb_s=$(_mkbin_stage "$2" "$3" "$4" "$_mb_plat" windows) || return 1
	python3 - "$_mb_s" "$2" "$1/$2_$3.zip" <<'PY'
import os, sys, zipfile
top, name, out = sys.argv[1:]
paths = []
for d, dirs, files in os.walk(os.path.join(top, name)):
    dirs.sort()
    for f in sorted(files):
        paths.append(os.path.join(d, f))
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED,
                     compresslevel=9) as z:
    for p in paths:
        z.write(p, os.path.relpath(p, top))
os.rename(out + ".tmp", out)
PY
	_mb_st=$?
	rm -rf "$_mb_s"
	return $_mb_st
}

# mkbin_mac DIR NAME VERSION RVER [SUBARCH]: DIR/NAME_VERSION.tgz, the
# installed directory by tar czf (SUBARCH as in the R type's suffix,
# big-sur-arm64 by default, picks the platform).
mkbin_mac() {
	_mb_dir=$1
	case ${5:-big-sur-arm64} in
	*arm64*) _mb_plat=aarch64-apple-darwin20 ;;
	*) _mb_plat=x86_64-apple-darwin17.0 ;;
	esac
	_mb_plat=${MKBIN_PLATFORM-$_mb_plat}
	_mb_s=$(_mkbin_stage "$2" "$3" "$4" "$_mb_plat" unix) || return 1
	tar -C "$_mb_s" --owner=0 --group=0 --numeric-owner -czf \
	    "$1/$2_$3.tgz" "$2"
	_mb_st=$?
	rm -rf "$_mb_s"
	return $_mb_st
}

# upstream_index_bin DIR TREE TYPE: R's index of the binaries in
# DIR/TREE (TYPE win.binary, mac.binary or mac.binary.SUBARCH), by
# tools::write_PACKAGES, then with an MD5sum in every record as CRAN's
# indexes have (R writes none for win.binary), rewritten the way
# write_PACKAGES writes the three files.
upstream_index_bin() {
	if ! command -v Rscript >/dev/null 2>&1; then
		echo "mkbin: R is not installed (apt-get install r-base-core)" >&2
		return 1
	fi
	case $3 in
	win.binary) _mb_t=win.binary _mb_ext=zip ;;
	mac.binary*) _mb_t=mac.binary _mb_ext=tgz ;;
	*) echo "mkbin: unknown binary type $3" >&2; return 1 ;;
	esac
	_mb_log=$(mktemp)
	Rscript --vanilla - "$1/$2" "$_mb_t" "$_mb_ext" >"$_mb_log" 2>&1 <<'R'
a <- commandArgs(TRUE)
d <- a[1]; type <- a[2]; ext <- a[3]
n <- tools::write_PACKAGES(d, type = type)
if (!n) stop("no package in ", d)
db <- readRDS(file.path(d, "PACKAGES.rds"))
f <- file.path(d, paste0(db[, "Package"], "_", db[, "Version"], ".", ext))
db[, "MD5sum"] <- unname(tools::md5sum(f))
if (anyNA(db[, "MD5sum"])) stop("a file of the index is missing")
# As tools:::.write_repository_package_db writes them.
rownames(db) <- NULL
db[!is.na(db) & (db == "")] <- NA_character_
con <- file(file.path(d, "PACKAGES"), "wt"); write.dcf(db, con); close(con)
con <- gzfile(file.path(d, "PACKAGES.gz"), "wt"); write.dcf(db, con); close(con)
rownames(db) <- db[, "Package"]
saveRDS(db, file.path(d, "PACKAGES.rds"), compress = "xz")
R
	_mb_st=$?
	if [ "$_mb_st" -ne 0 ]; then
		echo "mkbin: indexing $1/$2 failed:" >&2
		sed 's/^/mkbin:   /' "$_mb_log" >&2
	fi
	rm -f "$_mb_log"
	return $_mb_st
}
