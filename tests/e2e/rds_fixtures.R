# Prints, as C arrays, the bytes R writes (saveRDS, uncompressed) for the
# objects tests/unit/test_rds.c builds with rds.c; paste them there when
# a case is added.  Run: Rscript tests/e2e/rds_fixtures.R
rds_bytes <- function(x) {
	con <- rawConnection(raw(0), "wb")
	on.exit(close(con))
	saveRDS(x, con)		# connections are never compressed
	rawConnectionValue(con)
}
emit <- function(name, x) {
	v <- rds_bytes(x)
	hex <- sprintf("0x%s", as.character(v))
	lines <- vapply(split(hex, ceiling(seq_along(hex) / 10)),
	    function(h) paste0("\t", paste(h, collapse = ", "), ","), "")
	cat(sprintf("static const uint8_t %s[] = {\n", name))
	writeLines(lines)
	cat("};\n")
}

emit("r_null", NULL)
emit("r_str", c("a", NA, "\u00e9"))
emit("r_int", c(1L, NA, 3L))
emit("r_real", c(1.5, NA, -Inf))
emit("r_lgl", c(TRUE, NA, FALSE))
emit("r_named_list", list(a = 1L, b = "x"))
emit("r_matrix", matrix(c("x", "y", "z", "w"), 2,
    dimnames = list(NULL, c("a", "b"))))
emit("r_symref", list(list(a = 1L), list(b = 2L)))
emit("r_nested", list(first = list(a = 1L),
    second = structure(list(b = "x"), class = "k")))

# tools:::.write_repository_package_db: rownames(db) <- db[, "Package"]
db <- matrix(c("alpha", "1.0", NA, "beta", "2.1-3", "abc"), 2, byrow = TRUE,
    dimnames = list(NULL, c("Package", "Version", "MD5sum")))
rownames(db) <- db[, "Package"]
emit("r_packages", db)

# archive.rds as split(file.info(...), package) makes it.
mt <- c(1700000000, 1700003600, 1600000000)
paths <- c("alpha/alpha_1.0.tar.gz", "alpha/alpha_1.1.tar.gz",
    "beta/beta_0.1.tar.gz")
fi <- structure(list(size = c(100, 2048, 7), isdir = rep(FALSE, 3),
    mode = as.octmode(rep(420L, 3)), mtime = .POSIXct(mt),
    ctime = .POSIXct(mt), atime = .POSIXct(mt), uid = rep(0L, 3),
    gid = rep(0L, 3), uname = rep("root", 3), grname = rep("root", 3)),
    row.names = paths, class = "data.frame")
emit("r_archive", split(fi, c("alpha", "alpha", "beta")))
emit("r_archive_empty", split(fi[0, ], character(0)))
