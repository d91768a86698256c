/*
 * rds_gen: writes objects with common/rds.c for tests/e2e/rds_readable.sh
 * to read back with R.
 *   rds_gen OUTDIR [CELLS]
 * OUTDIR gets matrix.rds, archive.rds and symbols.rds; with CELLS (a
 * matrix as rds_readable.sh has R dump it: "nrow ncol", the column
 * names, then the cells row by row, one a line, each "NA" or "x" and
 * its bytes in hex) also packages.rds, that matrix as PACKAGES.rds.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rds.h"

#define MAX_RDS		(64 * 1024 * 1024)

static const char *outdir;

static void
die(const char *what)
{
	fprintf(stderr, "rds_gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Ends the stream in b and saves it as OUTDIR/name. */
static void
save(struct buf *b, const char *name)
{
	char path[4096];
	FILE *f;

	if (rds_end(b) != 0)
		die(name);
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0)
		die(path);
	buf_release(b);
}

/* A PACKAGES-like matrix with an NA, a non-ASCII cell, and row names. */
static void
gen_matrix(void)
{
	static const char *const cells[] = {
		"alpha", "1.0", NULL,
		"beta", "2.0-1", "M\xc3\xbcller",
	};
	static const char *const cn[] = { "Package", "Version", "Author" };
	struct buf b;

	buf_init(&b, MAX_RDS);
	if (rds_header(&b) != 0 || rds_char_matrix(&b, cells, 2, 3, cn) != 0)
		die("matrix");
	save(&b, "matrix.rds");
}

static void
gen_archive(void)
{
	static const struct rds_archive_file files[] = {
		{ "alpha", "alpha/alpha_0.9.tar.gz", 1234, 1600000000 },
		{ "alpha", "alpha/alpha_1.0.tar.gz", 2345, 1650000000 },
		{ "beta", "beta/beta_0.1.tar.gz", 99, 1500000000 },
		{ "beta", "beta/beta_0.2.tar.gz", 1e10, 1700000000 },
	};
	struct buf b;

	buf_init(&b, MAX_RDS);
	if (rds_header(&b) != 0 || rds_archive(&b, files, 4) != 0)
		die("archive");
	save(&b, "archive.rds");
}

/*
 * More attribute names than the writer remembers, then some again:
 * list(structure(1L, a00 = 1L, ..., a39 = 1L),
 *      structure(2L, a39 = 2L, a00 = 2L, a31 = 2L)).
 */
static void
gen_symbols(void)
{
	static const int32_t one = 1, two = 2;
	static const char *const again[] = { "a39", "a00", "a31" };
	char name[8];
	struct buf b;
	size_t i;
	int bad = 0;

	buf_init(&b, MAX_RDS);
	bad |= rds_header(&b);
	bad |= rds_begin_list(&b, 2, 0);
	bad |= rds_int_vec(&b, &one, 1, RDS_ATTR);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "a%02zu", i);
		bad |= rds_attr(&b, name);
		bad |= rds_int_vec(&b, &one, 1, 0);
	}
	bad |= rds_attr_end(&b);
	bad |= rds_int_vec(&b, &two, 1, RDS_ATTR);
	for (i = 0; i < 3; i++) {
		bad |= rds_attr(&b, again[i]);
		bad |= rds_int_vec(&b, &two, 1, 0);
	}
	bad |= rds_attr_end(&b);
	if (bad)
		die("symbols");
	save(&b, "symbols.rds");
}

/* A line of CELLS: NULL for NA, else the decoded bytes (caller frees). */
static char *
read_cell(FILE *f, int *eof)
{
	char line[65536], *s;
	size_t i, n;
	unsigned int c;

	*eof = 0;
	if (fgets(line, sizeof(line), f) == NULL) {
		*eof = 1;
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, "NA") == 0)
		return NULL;
	if (line[0] != 'x' || (n = strlen(line + 1)) % 2 != 0) {
		*eof = 1;
		return NULL;
	}
	if ((s = malloc(n / 2 + 1)) == NULL)
		die("malloc");
	for (i = 0; i < n / 2; i++) {
		if (sscanf(line + 1 + 2 * i, "%2x", &c) != 1)
			die("bad hex in cells");
		s[i] = (char)c;
	}
	s[n / 2] = '\0';
	return s;
}

static void
gen_packages(const char *cellsfile)
{
	FILE *f;
	char **cn, **cells;
	size_t nrow, ncol, i;
	struct buf b;
	int eof;

	if ((f = fopen(cellsfile, "r")) == NULL)
		die(cellsfile);
	if (fscanf(f, "%zu %zu\n", &nrow, &ncol) != 2 || ncol == 0 ||
	    nrow > 100000 || ncol > 1000) {
		errno = EINVAL;
		die(cellsfile);
	}
	if ((cn = calloc(ncol, sizeof(*cn))) == NULL ||
	    (cells = calloc(nrow * ncol + 1, sizeof(*cells))) == NULL)
		die("calloc");
	for (i = 0; i < ncol; i++)
		if ((cn[i] = read_cell(f, &eof)) == NULL)
			die("column names");
	for (i = 0; i < nrow * ncol; i++) {
		cells[i] = read_cell(f, &eof);
		if (eof)
			die("cells");
	}
	fclose(f);

	buf_init(&b, MAX_RDS);
	if (rds_header(&b) != 0 ||
	    rds_char_matrix(&b, (const char *const *)cells, nrow, ncol,
	    (const char *const *)cn) != 0)
		die("packages");
	save(&b, "packages.rds");
	for (i = 0; i < ncol; i++)
		free(cn[i]);
	for (i = 0; i < nrow * ncol; i++)
		free(cells[i]);
	free(cn);
	free(cells);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: rds_gen OUTDIR [CELLS]\n");
		return 2;
	}
	outdir = argv[1];
	gen_matrix();
	gen_archive();
	gen_symbols();
	if (argc == 3)
		gen_packages(argv[2]);
	return 0;
}
