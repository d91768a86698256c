/*
 * packages_gen: the test driver of tests/e2e/packages_identical.sh, the
 * repository index made by dcf.c and packages.c from DESCRIPTION files.
 *   packages_gen -f DESCRIPTION
 *	prints "Package Version" (the script orders the files), or fails
 *	when the file does not parse (R leaves such a package out)
 *   packages_gen -c
 *	prints the columns, one a line
 *   packages_gen [-r] DESCRIPTION MD5 FILE HAS_SRC ...
 *	writes PACKAGES for these entries, in this order; with -r, each
 *	row instead, cells in hex separated by tabs, NA for NA, as the
 *	script prints R's PACKAGES.rds
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dcf.h"
#include "packages.h"

static int
load(const char *path, struct dcf *d)
{
	static uint8_t data[DCF_MAX_SIZE + 1];
	struct buf in;
	char err[512];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "packages_gen: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	buf_view(&in, data, n);
	if (dcf_parse(&in, d, err, sizeof(err)) != 0) {
		fprintf(stderr, "packages_gen: %s: %s\n", path, err);
		return -1;
	}
	return 0;
}

static void
put_hex(const char *s)
{
	for (; *s != '\0'; s++)
		printf("%02x", (unsigned char)*s);
}

int
main(int argc, char **argv)
{
	const char *row[PACKAGES_NFIELDS];
	struct dcf d, rec;
	struct buf out;
	char err[512];
	const char *v;
	size_t j;
	int i, rows = 0;

	if (argc == 3 && strcmp(argv[1], "-f") == 0) {
		if (load(argv[2], &d) != 0)
			return 1;
		v = dcf_get(&d, "Version");
		printf("%s %s\n", dcf_get(&d, "Package") ?
		    dcf_get(&d, "Package") : "NA", v ? v : "NA");
		dcf_free(&d);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "-c") == 0) {
		for (j = 0; j < packages_nfields; j++)
			printf("%s\n", packages_fields[j]);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-r") == 0) {
		rows = 1;
		argc--;
		argv++;
	}
	if (argc < 5 || (argc - 1) % 4 != 0) {
		fprintf(stderr, "usage: packages_gen [-r] DESCRIPTION MD5 FILE "
		    "HAS_SRC ...\n");
		return 2;
	}
	buf_init(&out, 64 * 1024 * 1024);
	for (i = 1; i < argc; i += 4) {
		if (load(argv[i], &d) != 0)
			return 1;
		if (packages_prepare(&d, strcmp(argv[i + 3], "1") == 0, &rec,
		    err, sizeof(err)) != 0) {
			fprintf(stderr, "packages_gen: %s: %s\n", argv[i], err);
			return 1;
		}
		if (packages_row(&rec, argv[i + 1], argv[i + 2], row) != 0 ||
		    (!rows && packages_put_entry(&out, row) != 0)) {
			fprintf(stderr, "packages_gen: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		for (j = 0; rows && j < PACKAGES_NFIELDS; j++) {
			if (row[j] == NULL)
				printf("NA");
			else
				put_hex(row[j]);
			printf(j + 1 < PACKAGES_NFIELDS ? "\t" : "\n");
		}
		dcf_free(&rec);
		dcf_free(&d);
	}
	if (!rows && fwrite(out.data, 1, out.len, stdout) != out.len)
		return 1;
	buf_release(&out);
	return fflush(stdout) == 0 ? 0 : 1;
}
