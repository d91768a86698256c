/*
 * tarball.c: every rule, on archives built here with libarchive's writer
 * (zip ones too, for tarball_inspect_zip)
 * (or by hand, block by block, for what the writer will not produce), so
 * no binary fixture is checked in; and one package built by R CMD build.
 *
 *   test_tarball -w DIR   also saves each small archive it inspects in
 *                         DIR: how tests/fuzz/corpus/fuzz_tarball began.
 * TEST_VERBOSE=1 in the environment shows each verdict.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarball.h"
#include "test.h"

static char err[512];
static struct tar_result res;
static const char *corpus_dir;
static int corpus_n;

static const char DESC[] =
    "Package: pkg\nVersion: 1.0\nTitle: A Test\nLicense: GPL-2\n";

/* One member to write: type f(ile) d(ir) l(ink) h(ard link) c b p. */
struct ent {
	char type;
	const char *name;
	const char *arg;	/* contents, or link target */
	int64_t size;		/* header size when arg is shorter; 0: strlen */
};

enum { PAX, USTAR, GNU };

static int
memfd(void)
{
	int fd;

	if ((fd = memfd_create("test_tarball", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		exit(1);
	}
	return fd;
}

static int
bytes_fd(const void *p, size_t n)
{
	int fd = memfd();

	if (write(fd, p, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
		perror("write");
		exit(1);
	}
	return fd;
}

/* The whole of fd (caller frees); *n its length. */
static unsigned char *
fd_bytes(int fd, size_t *n)
{
	struct stat st;
	unsigned char *p;

	if (fstat(fd, &st) != 0 || (p = malloc((size_t)st.st_size + 1)) ==
	    NULL || pread(fd, p, (size_t)st.st_size, 0) != st.st_size) {
		perror("fd_bytes");
		exit(1);
	}
	*n = (size_t)st.st_size;
	return p;
}

static void
must(struct archive *a, int r, const char *what)
{
	if (r != ARCHIVE_OK) {
		fprintf(stderr, "%s: %s\n", what, archive_error_string(a));
		exit(1);
	}
}

/*
 * A writer into fd: filters is a string of g(zip), b(zip2), x(z), applied
 * in that order; fmt one of PAX, USTAR, GNU, or 'z' for zip, 'r' for raw.
 */
static struct archive *
writer(int fd, const char *filters, int fmt)
{
	struct archive *a = archive_write_new();

	for (; *filters != '\0'; filters++) {
		if (*filters == 'g')
			must(a, archive_write_add_filter_gzip(a), "gzip");
		else if (*filters == 'b')
			must(a, archive_write_add_filter_bzip2(a), "bzip2");
		else if (*filters == 'x')
			must(a, archive_write_add_filter_xz(a), "xz");
	}
	if (fmt == PAX)
		must(a, archive_write_set_format_pax_restricted(a), "pax");
	else if (fmt == USTAR)
		must(a, archive_write_set_format_ustar(a), "ustar");
	else if (fmt == GNU)
		must(a, archive_write_set_format_gnutar(a), "gnutar");
	else if (fmt == 'z')
		must(a, archive_write_set_format_zip(a), "zip");
	else
		must(a, archive_write_set_format_raw(a), "raw");
	/* Same bytes every run: no gzip timestamp, no padding. */
	(void)archive_write_set_options(a, "gzip:!timestamp");
	must(a, archive_write_set_bytes_in_last_block(a, 1), "block");
	must(a, archive_write_open_fd(a, fd), "open");
	return a;
}

static int
build_fmt(const struct ent *e, const char *filters, int fmt)
{
	struct archive_entry *ae;
	struct archive *a;
	int fd = memfd();
	size_t len;

	a = writer(fd, filters, fmt);
	for (; e->name != NULL; e++) {
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, e->name);
		archive_entry_set_mtime(ae, 1700000000, 0);
		archive_entry_set_uname(ae, "r");
		archive_entry_set_gname(ae, "r");
		len = e->arg != NULL && e->type == 'f' ? strlen(e->arg) : 0;
		switch (e->type) {
		case 'f':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_size(ae, e->size ? e->size :
			    (int64_t)len);
			break;
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, e->arg);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_hardlink(ae, e->arg);
			break;
		case 'c':
		case 'b':
		case 'p':
			archive_entry_set_filetype(ae, e->type == 'c' ?
			    AE_IFCHR : e->type == 'b' ? AE_IFBLK : AE_IFIFO);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_rdev(ae, 0x0101);
			break;
		}
		if (archive_write_header(a, ae) < ARCHIVE_WARN) {
			fprintf(stderr, "write_header %s: %s\n", e->name,
			    archive_error_string(a));
			exit(1);
		}
		if (len > 0 && archive_write_data(a, e->arg, len) !=
		    (la_ssize_t)len) {
			fprintf(stderr, "write_data: %s\n",
			    archive_error_string(a));
			exit(1);
		}
		archive_entry_free(ae);
	}
	must(a, archive_write_close(a), "close");
	archive_write_free(a);
	if (lseek(fd, 0, SEEK_SET) != 0)
		exit(1);
	return fd;
}

static int
build(const struct ent *e)
{
	return build_fmt(e, "g", PAX);
}

/* p through filters (see writer), with no archive format around it. */
static int
compress(const void *p, size_t n, const char *filters)
{
	struct archive_entry *ae;
	struct archive *a;
	int fd = memfd();

	a = writer(fd, filters, 'r');
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, "data");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_size(ae, (int64_t)n);
	must(a, archive_write_header(a, ae), "raw header");
	if (n > 0 && archive_write_data(a, p, n) != (la_ssize_t)n)
		exit(1);
	archive_entry_free(ae);
	must(a, archive_write_close(a), "close");
	archive_write_free(a);
	if (lseek(fd, 0, SEEK_SET) != 0)
		exit(1);
	return fd;
}

static void
save_corpus(int fd)
{
	unsigned char *p;
	char path[1024];
	size_t n;
	FILE *f;

	/* Numbered in the order of the TEST_VERBOSE lines; small ones kept. */
	p = fd_bytes(fd, &n);
	snprintf(path, sizeof(path), "%s/t%03d.tar.gz", corpus_dir,
	    corpus_n++);
	if (n <= 4096) {
		if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n ||
		    fclose(f) != 0)
			perror(path);
	}
	free(p);
}

/* tarball_inspect on fd (closed after), with the result in res and err. */
static int
inspect_lim(int fd, const struct tar_limits *lim)
{
	int r;

	if (corpus_dir != NULL)
		save_corpus(fd);
	tarball_result_free(&res);
	strcpy(err, "(untouched)");
	r = tarball_inspect(fd, lim, &res, err, sizeof(err));
	close(fd);
	if (getenv("TEST_VERBOSE") != NULL)
		fprintf(stderr, "  %s\n", r == 0 ? "accepted" : err);
	return r;
}

static int
inspect(int fd)
{
	struct tar_limits lim = { 0, 0, 0, 0 };

	return inspect_lim(fd, &lim);
}

/* Inspection fails with a message holding want. */
static int
refused_lim(int fd, const struct tar_limits *lim, const char *want)
{
	if (inspect_lim(fd, lim) == 0) {
		fprintf(stderr, "  accepted, expected \"%s\"\n", want);
		return 0;
	}
	if (strstr(err, want) == NULL) {
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
		return 0;
	}
	return 1;
}

static int
refused(int fd, const char *want)
{
	struct tar_limits lim = { 0, 0, 0, 0 };

	return refused_lim(fd, &lim, want);
}

static int
accepted(int fd)
{
	if (inspect(fd) != 0) {
		fprintf(stderr, "  refused: %s\n", err);
		return 0;
	}
	return 1;
}

/* A package's directory and DESCRIPTION, then the members given. */
#define PKG(...)							\
	((const struct ent[]){ { 'd', "pkg/", NULL, 0 },		\
	    { 'f', "pkg/DESCRIPTION", DESC, 0 }, __VA_ARGS__,		\
	    { 0, NULL, NULL, 0 } })
#define END	{ 0, NULL, NULL, 0 }

static void
test_good(void)
{
	CHECK(accepted(build(PKG({ 'f', "pkg/NAMESPACE", "export(f)\n", 0 },
	    { 'd', "pkg/R/", NULL, 0 },
	    { 'f', "pkg/R/f.R", "f <- function() 1\n", 0 }))));
	CHECK(res.pkgdir != NULL && strcmp(res.pkgdir, "pkg") == 0);
	CHECK(res.description != NULL && strcmp(res.description, DESC) == 0);
	CHECK(res.description_len == strlen(DESC));
	CHECK(res.members == 5);
	CHECK(res.unpacked == strlen(DESC) + 10 + 18);
	CHECK(res.has_src == 0);
	tarball_result_free(&res);
	CHECK(res.pkgdir == NULL && res.description == NULL);
	tarball_result_free(NULL);
}

/* What R CMD build's internal tar writes: no entry for the directory. */
static void
test_no_dir_entry(void)
{
	static const struct ent e[] = {
		{ 'f', "pkg/DESCRIPTION", DESC, 0 },
		{ 'f', "pkg/R/f.R", "f <- 1\n", 0 },
		END
	};

	CHECK(accepted(build(e)));
	CHECK(res.pkgdir != NULL && strcmp(res.pkgdir, "pkg") == 0);
	CHECK(res.members == 2);
}

static void
test_formats(void)
{
	static const char longname[] = "pkg/inst/a-directory-name-long-"
	    "enough/that-ustar-needs-its-prefix-field/or-gnu-its-L-header/"
	    "and-pax-a-path-record/file.txt";
	const struct ent e[] = {
		{ 'f', "pkg/DESCRIPTION", DESC, 0 },
		{ 'f', longname, "x\n", 0 },
		{ 'l', "pkg/l", "DESCRIPTION", 0 },
		END
	};
	int fmt;

	for (fmt = PAX; fmt <= GNU; fmt++) {
		CHECK(accepted(build_fmt(e, "g", fmt)));
		CHECK(res.members == 3);
	}
}

static void
test_has_src(void)
{
	/* R's rule: the directory entry in tar's listing, not files under it. */
	CHECK(accepted(build(PKG({ 'f', "pkg/src/init.c", "int x;\n", 0 }))));
	CHECK(res.has_src == 0);
	CHECK(accepted(build(PKG({ 'd', "pkg/src/", NULL, 0 }))));
	CHECK(res.has_src == 1);
	CHECK(accepted(build(PKG({ 'd', "pkg/SRC/", NULL, 0 }))));
	CHECK(res.has_src == 0);
	CHECK(accepted(build(PKG({ 'f', "pkg/srcs", "x", 0 },
	    { 'f', "pkg/inst/src/x.c", "x", 0 }))));
	CHECK(res.has_src == 0);
}

static void
test_missing_description(void)
{
	static const struct ent e[] = {
		{ 'd', "pkg/", NULL, 0 },
		{ 'f', "pkg/R/f.R", "f <- 1\n", 0 },
		{ 'f', "pkg/inst/DESCRIPTION", DESC, 0 },
		END
	};
	static const struct ent dir[] = {
		{ 'd', "pkg/", NULL, 0 },
		END
	};

	CHECK(refused(build(e), "no pkg/DESCRIPTION"));
	CHECK(refused(build(dir), "no pkg/DESCRIPTION"));
}

static void
test_description_forms(void)
{
	static const struct ent nul[] = {
		{ 'f', "pkg/DESCRIPTION", "Package: pkg\n", 20 },
		END
	};
	static const struct ent spelled[] = {
		{ 'f', "pkg/Description", DESC, 0 },
		END
	};

	CHECK(refused(build(PKG({ 'f', "pkg/DESCRIPTION", DESC, 0 })),
	    "member 'pkg/DESCRIPTION': more than one DESCRIPTION"));
	CHECK(refused(build(PKG({ 'f', "pkg/description", DESC, 0 })),
	    "member 'pkg/description': more than one DESCRIPTION"));
	CHECK(refused(build(PKG({ 'f', "pkg/DESCRIPTION. ", DESC, 0 })),
	    "more than one DESCRIPTION"));
	CHECK(refused(build(spelled), "DESCRIPTION must be spelled so"));
	CHECK(refused(build(nul), "NUL byte in DESCRIPTION"));
	CHECK(refused(build(PKG({ 'f', "pkg/DESCRIPTION/x", "x", 0 })),
	    "more than one DESCRIPTION"));
	{
		const struct ent e[] = {
			{ 'd', "pkg/DESCRIPTION/", NULL, 0 }, END
		};
		const struct ent l[] = {
			{ 'f', "pkg/D", DESC, 0 },
			{ 'l', "pkg/DESCRIPTION", "D", 0 }, END
		};
		const struct ent h[] = {
			{ 'f', "pkg/D", DESC, 0 },
			{ 'h', "pkg/DESCRIPTION", "pkg/D", 0 }, END
		};

		CHECK(refused(build(e), "DESCRIPTION is not a regular file"));
		CHECK(refused(build(l), "DESCRIPTION is not a regular file"));
		CHECK(refused(build(h), "DESCRIPTION is not a regular file"));
	}
	/* Empty is for the DESCRIPTION parser to refuse. */
	{
		const struct ent e[] = {
			{ 'f', "pkg/DESCRIPTION", "", 0 }, END
		};

		CHECK(accepted(build(e)));
		CHECK(res.description_len == 0 && res.description != NULL &&
		    res.description[0] == '\0');
	}
}

static void
test_top_level(void)
{
	static const struct ent file_first[] = {
		{ 'f', "README", "x", 0 },
		{ 'f', "pkg/DESCRIPTION", DESC, 0 },
		END
	};
	static const struct ent pkg_file[] = {
		{ 'f', "pkg", "x", 0 },
		END
	};

	CHECK(refused(build(PKG({ 'f', "other/x", "x", 0 })),
	    "member 'other/x': not under the package directory 'pkg'"));
	CHECK(refused(build(PKG({ 'd', "other/", NULL, 0 })),
	    "not under the package directory"));
	CHECK(refused(build(PKG({ 'f', "README", "x", 0 })),
	    "member 'README': not under the package directory"));
	CHECK(refused(build(PKG({ 'f', "Pkg/x", "x", 0 })),
	    "not under the package directory"));
	CHECK(refused(build(PKG({ 'f', "pkgx/x", "x", 0 })),
	    "not under the package directory"));
	CHECK(refused(build(file_first),
	    "member 'README': top-level member that is not a directory"));
	CHECK(refused(build(pkg_file), "top-level member"));
}

static void
test_names(void)
{
	char longname[5000];

	CHECK(refused(build(PKG({ 'f', "/etc/passwd", "x", 0 })),
	    "member '/etc/passwd': absolute path"));
	CHECK(refused(build(PKG({ 'f', "pkg/../../etc/passwd", "x", 0 })),
	    "member 'pkg/../../etc/passwd': path leaves the package"));
	CHECK(refused(build(PKG({ 'f', "pkg/R/../DESCRIPTION", "x", 0 })),
	    "'..' component"));
	CHECK(refused(build(PKG({ 'f', "pkg/..", "x", 0 })),
	    "'..' component"));
	CHECK(refused(build(PKG({ 'f', "pkg/./x", "x", 0 })),
	    "'.' path component"));
	CHECK(refused(build(PKG({ 'f', "pkg//x", "x", 0 })),
	    "empty path component"));
	CHECK(refused(build(PKG({ 'f', "pkg/R\\..\\..\\x", "x", 0 })),
	    "member 'pkg/R\\x5c..\\x5c..\\x5cx': backslash in name"));
	CHECK(refused(build(PKG({ 'f', "pkg/a\nb", "x", 0 })),
	    "member 'pkg/a\\x0ab': control character"));
	CHECK(refused(build(PKG({ 'f', "pkg/a\033[2J", "x", 0 })),
	    "control character"));
	CHECK(refused(build(PKG({ 'l', "pkg/l/", "x", 0 })),
	    "trailing '/' on a non-directory"));
	memset(longname, 'a', sizeof(longname) - 1);
	memcpy(longname, "pkg/", 4);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(refused(build(PKG({ 'f', longname, "x", 0 })),
	    "name too long"));
	/* Odd but harmless. */
	CHECK(accepted(build(PKG({ 'f', "pkg/inst/a b.txt", "x", 0 },
	    { 'f', "pkg/inst/..x", "x", 0 },
	    { 'f', "pkg/inst/x..", "x", 0 },
	    { 'f', "pkg/inst/.hidden", "x", 0 },
	    { 'f', "pkg/inst/caf\xc3\xa9", "x", 0 },
	    { 'f', "pkg/inst/latin1-caf\xe9", "x", 0 },
	    { 'f', "pkg/R/f.R", "x", 0 },
	    { 'f', "pkg/R/F.R", "x", 0 }))));
}

static void
test_symlinks(void)
{
	/* Inside, whatever the depth, even onto the package directory. */
	CHECK(accepted(build(PKG({ 'f', "pkg/src/x.h", "x", 0 },
	    { 'l', "pkg/inst/include/x.h", "../../src/x.h", 0 },
	    { 'l', "pkg/l", "src/x.h", 0 },
	    { 'l', "pkg/a/b", "..", 0 },
	    { 'l', "pkg/c", "./src/./x.h", 0 },
	    { 'l', "pkg/d", "a/c/../../src", 0 }))));

	CHECK(refused(build(PKG({ 'l', "pkg/l", "/etc/passwd", 0 })),
	    "member 'pkg/l': symbolic link target: absolute path"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "../x", 0 })),
	    "member 'pkg/l': symbolic link to '../x' leads out of the "
	    "package"));
	CHECK(refused(build(PKG({ 'l', "pkg/a/b/l", "../../../etc", 0 })),
	    "leads out of the package"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "../pkg/x", 0 })),
	    "leads out of the package"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "a/../../x", 0 })),
	    "leads out of the package"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "..\\..\\x", 0 })),
	    "symbolic link target: backslash"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "", 0 })),
	    "symbolic link"));

	/*
	 * Lexically inside, really outside: d is the package directory,
	 * so "d/../.." climbs two levels above it.
	 */
	CHECK(refused(build(PKG({ 'l', "pkg/a/b/d", "../..", 0 },
	    { 'l', "pkg/s", "a/b/d/../../..", 0 })),
	    "member 'pkg/s': symbolic link target 'a/b/d/../../..' climbs "
	    "out of another symbolic link"));
	/* Whatever the order, and in any case. */
	CHECK(refused(build(PKG({ 'l', "pkg/s", "a/b/D/../../..", 0 },
	    { 'l', "pkg/a/b/d", "../..", 0 })),
	    "climbs out of another symbolic link"));
	/* Through a link, but not followed by "..": stays inside. */
	CHECK(accepted(build(PKG({ 'l', "pkg/a/b/d", "../..", 0 },
	    { 'l', "pkg/a/s", "../a/b/d/R", 0 }))));
}

static void
test_through_symlink(void)
{
	CHECK(refused(build(PKG({ 'd', "pkg/R/", NULL, 0 },
	    { 'l', "pkg/l", "R", 0 },
	    { 'f', "pkg/l/DESCRIPTION", DESC, 0 })),
	    "member 'pkg/l/DESCRIPTION': written over or through a symbolic "
	    "link"));
	CHECK(refused(build(PKG({ 'l', "pkg/L", "R", 0 },
	    { 'f', "pkg/l/x", "x", 0 })),
	    "written over or through a symbolic link"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "DESCRIPTION", 0 },
	    { 'f', "pkg/l", "other", 0 })),
	    "member 'pkg/l': written over or through a symbolic link"));
	CHECK(refused(build(PKG({ 'l', "pkg/l", "R", 0 },
	    { 'd', "pkg/l/", NULL, 0 })),
	    "written over or through a symbolic link"));
}

static void
test_hardlinks(void)
{
	CHECK(accepted(build(PKG({ 'f', "pkg/R/f.R", "f <- 1\n", 0 },
	    { 'h', "pkg/R/g.R", "pkg/R/f.R", 0 }))));
	CHECK(res.members == 4);

	CHECK(refused(build(PKG({ 'h', "pkg/h", "etc/passwd", 0 })),
	    "member 'pkg/h': hard link to 'etc/passwd' outside the package"));
	CHECK(refused(build(PKG({ 'h', "pkg/h", "/etc/passwd", 0 })),
	    "member 'pkg/h': hard link target: absolute path"));
	CHECK(refused(build(PKG({ 'h', "pkg/h", "pkg/../../etc/passwd", 0 })),
	    "hard link target: path leaves the package"));
	CHECK(refused(build(PKG({ 'h', "pkg/h", "pkg", 0 })),
	    "outside the package"));
	CHECK(refused(build(PKG({ 'h', "pkg/h", "pkg/x", 0 })),
	    "hard link to 'pkg/x', not an earlier member"));
	CHECK(refused(build(PKG({ 'h', "pkg/h", "pkg/h", 0 })),
	    "not an earlier member"));
	CHECK(refused(build(PKG({ 'h', "pkg/h", "pkg/DESCRIPTION", 0 })),
	    "hard link to DESCRIPTION"));
	CHECK(refused(build(PKG({ 'l', "pkg/a/l", "../R", 0 },
	    { 'h', "pkg/h", "pkg/a/l", 0 })),
	    "hard link to 'pkg/a/l', a symbolic link or through one"));
	CHECK(refused(build(PKG({ 'f', "pkg/R/f.R", "x", 0 },
	    { 'l', "pkg/r2", "R", 0 },
	    { 'h', "pkg/h", "pkg/r2/f.R", 0 })),
	    "a symbolic link or through one"));
}

static void
test_special_files(void)
{
	CHECK(refused(build(PKG({ 'c', "pkg/null", NULL, 0 })),
	    "member 'pkg/null': character device"));
	CHECK(refused(build(PKG({ 'b', "pkg/sda", NULL, 0 })),
	    "member 'pkg/sda': block device"));
	CHECK(refused(build(PKG({ 'p', "pkg/fifo", NULL, 0 })),
	    "member 'pkg/fifo': fifo"));
}

static void
ustar_sum(unsigned char *h)
{
	unsigned sum = 0;
	size_t i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* A raw ustar header block for hand-made archives. */
static void
ustar_block(unsigned char *h, const char *name, char type, size_t size)
{

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011zo", size);
	memcpy(h + 136, "00000000000", 11);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	ustar_sum(h);
}

static void
test_limits(void)
{
	struct tar_limits lim;
	const struct ent *e = PKG({ 'f', "pkg/a", "0123456789", 0 },
	    { 'f', "pkg/b", "0123456789", 0 });
	uint64_t total = strlen(DESC) + 20;
	unsigned char *p;
	size_t n;
	int fd;

	memset(&lim, 0, sizeof(lim));
	lim.max_members = 4;
	CHECK(inspect_lim(build(e), &lim) == 0);
	lim.max_members = 3;
	CHECK(refused_lim(build(e), &lim, "more than 3 members"));

	memset(&lim, 0, sizeof(lim));
	lim.max_unpacked = total;
	CHECK(inspect_lim(build(e), &lim) == 0);
	CHECK(res.unpacked == total);
	lim.max_unpacked = total - 1;
	CHECK(refused_lim(build(e), &lim, "member 'pkg/b': unpacked size "
	    "exceeds"));

	memset(&lim, 0, sizeof(lim));
	lim.max_description = strlen(DESC);
	CHECK(inspect_lim(build(e), &lim) == 0);
	lim.max_description = strlen(DESC) - 1;
	CHECK(refused_lim(build(e), &lim, "member 'pkg/DESCRIPTION': "
	    "DESCRIPTION larger than"));

	/* A header claiming more than there is, beyond the limit. */
	{
		unsigned char t[4 * 512];

		memset(t, 0, sizeof(t));
		ustar_block(t, "pkg/big", '0', (size_t)3 << 30);
		CHECK(refused(compress(t, sizeof(t), "g"), "member 'pkg/big': "
		    "unpacked size exceeds 2147483648 bytes"));
	}

	/* Compressed size: incompressible data, so the file is large. */
	{
		static char noise[8192];
		uint32_t x = 2463534242u;
		const struct ent *ne;

		for (n = 0; n < sizeof(noise) - 1; n++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			noise[n] = (char)(' ' + x % 90);
		}
		ne = PKG({ 'f', "pkg/noise", noise, 0 });
		p = fd_bytes(fd = build(ne), &n);
		close(fd);
		memset(&lim, 0, sizeof(lim));
		lim.max_size = n;
		CHECK(inspect_lim(bytes_fd(p, n), &lim) == 0);
		lim.max_size = n - 1;
		CHECK(refused_lim(bytes_fd(p, n), &lim,
		    "archive larger than"));
		lim.max_size = 100;
		CHECK(refused_lim(bytes_fd(p, n), &lim,
		    "archive larger than 100 bytes"));
		free(p);
	}
}

static void
test_not_tgz(void)
{
	static const struct ent e[] = {
		{ 'f', "pkg/DESCRIPTION", DESC, 0 },
		END
	};
	static const char random[] = "\x8e\x13\xa7\x01\xff\x00\x42\x99"
	    "\x1f\x8b\x27\x11\x63\x90\x0a\xc4\x5d\x71\x02\xee";
	static const char text[] = "Package: pkg\nVersion: 1.0\n";
	const char *what = "not a gzip-compressed tar archive";

	CHECK(refused(build_fmt(e, "", PAX), what));
	CHECK(refused(build_fmt(e, "", 'z'), what));
	CHECK(refused(build_fmt(e, "g", 'z'), what));
	CHECK(refused(build_fmt(e, "b", PAX), what));
	CHECK(refused(build_fmt(e, "x", PAX), what));
	CHECK(refused(build_fmt(e, "gg", PAX), what));
	CHECK(refused(bytes_fd(random, sizeof(random) - 1), what));
	CHECK(refused(bytes_fd(text, sizeof(text) - 1), what));
	CHECK(refused(compress(random, sizeof(random) - 1, "g"), what));
	CHECK(refused(compress(text, sizeof(text) - 1, "g"), what));
	CHECK(refused(bytes_fd("", 0), "empty file"));
	CHECK(refused(bytes_fd("\x1f\x8b", 2), "not a gzip"));
	/* A tar with nothing in it. */
	{
		char zero[1024];

		memset(zero, 0, sizeof(zero));
		CHECK(refused(compress(zero, sizeof(zero), "g"),
		    "empty archive"));
		CHECK(refused(compress("", 0, "g"), "not a gzip"));
	}
}

static void
test_corrupt(void)
{
	const struct ent *e = PKG({ 'f', "pkg/R/f.R", "f <- function() 1\n", 0 },
	    { 'f', "pkg/NAMESPACE", "export(f)\n", 0 });
	unsigned char *p, *t;
	size_t n, tn;
	int fd;

	p = fd_bytes(fd = build(e), &n);
	close(fd);
	CHECK(refused(bytes_fd(p, n / 2), "corrupt archive"));
	CHECK(refused(bytes_fd(p, n - 4), "corrupt archive"));
	CHECK(refused(bytes_fd(p, n - 1), "corrupt archive"));
	/* Damaged deflate data. */
	p[n / 2] ^= 0x55;
	p[n / 2 + 1] ^= 0xaa;
	CHECK(refused(bytes_fd(p, n), "corrupt archive"));
	free(p);

	/* A bad tar header checksum in the third member's header. */
	t = fd_bytes(fd = build_fmt(e, "", PAX), &tn);
	close(fd);
	CHECK(tn > 3 * 512);
	if (tn > 3 * 512) {
		/* dir header, DESCRIPTION header + 1 block, then R/f.R */
		t[3 * 512 + 4] ^= 1;
		CHECK(refused(compress(t, tn, "g"), "corrupt archive after "
		    "member 'pkg/DESCRIPTION': Damaged tar archive"));
		/* Cut inside a member's data. */
		CHECK(refused(compress(t, 2 * 512 + 10, "g"),
		    "member 'pkg/DESCRIPTION': corrupt archive: Truncated"));
	}
	free(t);
}

/*
 * n special headers of type 'x' (pax) or 'L' (GNU long name), len bytes
 * each of noise, then a package: what libarchive must wade through before
 * the first member.
 */
static int
special_run(char type, int n, size_t len)
{
	size_t blocks = (len + 511) / 512, off = 0, i, total;
	unsigned char *t;
	uint32_t x = 88172645u;
	char rec[32];
	int fd, k, rl = 0;

	total = (size_t)n * (512 + blocks * 512) + 2 * 512 + 1024;
	if ((t = calloc(1, total)) == NULL)
		exit(1);
	for (k = 0; k < n; k++) {
		ustar_block(t + off, "././@LongLink", type, len);
		off += 512;
		/* A pax record counts its own length. */
		if (type == 'x') {
			rl = snprintf(rec, sizeof(rec), "%zu comment=", len);
			memcpy(t + off, rec, (size_t)rl);
		}
		for (i = (size_t)rl; i < len - 1; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			t[off + i] = (unsigned char)('a' + x % 26);
		}
		t[off + len - 1] = type == 'x' ? '\n' : '\0';
		off += blocks * 512;
	}
	ustar_block(t + off, "pkg/DESCRIPTION", '0', strlen(DESC));
	memcpy(t + off + 512, DESC, strlen(DESC));
	fd = compress(t, total, "g");
	free(t);
	return fd;
}

static void
test_special_headers(void)
{
	struct tar_limits lim;

	CHECK(accepted(special_run('x', 1, 1000)));
	CHECK(res.members == 1);
	/*
	 * libarchive returns these as mere warnings, with the entry half
	 * read: a second pax header garbles the first one's records, and
	 * it gives up after 32 headers in a row.
	 */
	CHECK(refused(special_run('x', 2, 100), "Ignoring malformed pax"));
	CHECK(refused(special_run('L', 40, 100), "Too many special headers"));
	/* Far more header than the members and limits account for. */
	memset(&lim, 0, sizeof(lim));
	lim.max_unpacked = 64 << 10;
	CHECK(refused_lim(special_run('L', 20, 100000), &lim,
	    "far more header data than members"));
	CHECK(refused(special_run('L', 1, (2 << 20) + 1),
	    "Special header too large"));
}

/*
 * A package whose second member, of ustar type, has a pax header setting
 * key to value over the ustar fields; a pax record counts its own length.
 */
static int
pax_member(const char *key, const char *value, char type,
    const char *ustar_name)
{
	unsigned char t[7 * 512];
	char rec[512];
	size_t n, len;

	n = strlen(key) + strlen(value) + 3;
	len = n + (size_t)snprintf(NULL, 0, "%zu", n);
	len = n + (size_t)snprintf(NULL, 0, "%zu", len);
	snprintf(rec, sizeof(rec), "%zu %s=%s\n", len, key, value);
	memset(t, 0, sizeof(t));
	ustar_block(t, "pkg/DESCRIPTION", '0', strlen(DESC));
	memcpy(t + 512, DESC, strlen(DESC));
	ustar_block(t + 1024, "PaxHeader/x", 'x', strlen(rec));
	memcpy(t + 1536, rec, strlen(rec));
	ustar_block(t + 2048, ustar_name, type, type == '0' ? 2 : 0);
	if (type == '0')
		memcpy(t + 2560, "x\n", 2);
	else {
		/* A harmless link name under the pax one. */
		memcpy(t + 2048 + 157, "pkg/DESCRIPTION", 15);
		ustar_sum(t + 2048);
	}
	return compress(t, sizeof(t), "g");
}

static void
test_pax_names(void)
{
	CHECK(accepted(pax_member("path", "pkg/R/f.R", '0', "pkg/x")));
	CHECK(res.members == 2);
	/* What pax says is what is checked, not the ustar name under it. */
	CHECK(refused(pax_member("path", "pkg/../../x", '0', "pkg/x"),
	    "member 'pkg/../../x': path leaves the package"));
	CHECK(refused(pax_member("path", "other/x", '0', "pkg/x"),
	    "member 'other/x': not under the package directory"));
	CHECK(refused(pax_member("linkpath", "/etc/passwd", '1', "pkg/x"),
	    "hard link target: absolute path"));
	CHECK(refused(pax_member("linkpath", "../../x", '2', "pkg/x"),
	    "leads out of the package"));
	/* Where the type says no link, linkpath is ignored, as by tar. */
	CHECK(accepted(pax_member("linkpath", "/etc/passwd", '0', "pkg/x")));
	/* UTF-8 the C locale cannot hold: refused, not half-read. */
	CHECK(refused(pax_member("path", "pkg/caf\xc3\xa9", '0', "pkg/x"),
	    "non-ASCII name or owner in a pax header"));
	CHECK(refused(pax_member("uname", "jos\xc3\xa9", '0', "pkg/x"),
	    "non-ASCII name or owner in a pax header"));
}

/* Enough members and links to grow every table more than once. */
static void
test_many(void)
{
	enum { NF = 3000, NL = 200 };
	static char names[NF + NL][32], targets[NL][32];
	struct ent *e;
	size_t i, k = 0;

	if ((e = calloc(NF + NL + 4, sizeof(*e))) == NULL)
		exit(1);
	e[k++] = (struct ent){ 'f', "pkg/DESCRIPTION", DESC, 0 };
	for (i = 0; i < NF; i++) {
		snprintf(names[i], sizeof(names[i]), "pkg/R/f%04zu.R", i);
		e[k++] = (struct ent){ 'f', names[i], "1\n", 0 };
	}
	for (i = 0; i < NL; i++) {
		snprintf(names[NF + i], sizeof(names[0]), "pkg/inst/l%03zu", i);
		snprintf(targets[i], sizeof(targets[i]), "./x//../../R/f%04zu.R",
		    i);
		e[k++] = (struct ent){ 'l', names[NF + i], targets[i], 0 };
	}
	e[k++] = (struct ent){ 'h', "pkg/first.R", "pkg/R/f0000.R", 0 };
	e[k++] = (struct ent){ 'h', "pkg/last.R", "pkg/R/f2999.R", 0 };
	e[k] = (struct ent){ 0, NULL, NULL, 0 };
	CHECK(accepted(build(e)));
	CHECK(res.members == NF + NL + 3);
	CHECK(res.unpacked == strlen(DESC) + 2 * NF);

	/* The last link climbs out of the first: found among them all. */
	e[NF + NL] = (struct ent){ 'l', "pkg/inst/z/s", "../l000/../..",
	    0 };
	e[NF + NL + 1] = (struct ent){ 0, NULL, NULL, 0 };
	CHECK(refused(build(e), "member 'pkg/inst/z/s': symbolic link "
	    "target '../l000/../..' climbs out of another symbolic link"));
	free(e);
}

/* Remembering links has a bound: 8 MiB, some 2300 such long links. */
static void
test_link_memory(void)
{
	enum { NL = 2600 };
	static char names[NL][32], target[4000];
	struct ent *e;
	size_t i, k = 0, n = 0;

	for (i = 0; i < 700; i++)
		n += (size_t)snprintf(target + n, sizeof(target) - n, "x/");
	for (i = 0; i < 700; i++)
		n += (size_t)snprintf(target + n, sizeof(target) - n, "../");
	if ((e = calloc(NL + 2, sizeof(*e))) == NULL)
		exit(1);
	e[k++] = (struct ent){ 'f', "pkg/DESCRIPTION", DESC, 0 };
	for (i = 0; i < NL; i++) {
		snprintf(names[i], sizeof(names[i]), "pkg/l%04zu", i);
		e[k++] = (struct ent){ 'l', names[i], target, 0 };
	}
	e[k] = (struct ent){ 0, NULL, NULL, 0 };
	CHECK(refused(build(e), "too many symbolic links"));
	e[2000] = (struct ent){ 0, NULL, NULL, 0 };
	CHECK(accepted(build(e)));
	free(e);
}

/* From where the fd is, not from its start. */
static void
test_offset(void)
{
	static const struct ent e[] = {
		{ 'f', "pkg/DESCRIPTION", DESC, 0 },
		END
	};
	unsigned char *p, *q;
	size_t n;
	int fd;

	p = fd_bytes(fd = build(e), &n);
	close(fd);
	if ((q = malloc(n + 100)) == NULL)
		exit(1);
	memset(q, 'j', 100);
	memcpy(q + 100, p, n);
	fd = bytes_fd(q, n + 100);
	lseek(fd, 100, SEEK_SET);
	CHECK(accepted(fd));
	free(p);
	free(q);
}

static void
test_error_buffer(void)
{
	struct tar_limits lim = { 0, 0, 0, 0 };
	char small[12];
	int fd;

	tarball_result_free(&res);
	fd = build(PKG({ 'f', "pkg/../../../../etc/passwd", "x", 0 }));
	memset(small, 'X', sizeof(small));
	CHECK(tarball_inspect(fd, &lim, &res, small, sizeof(small)) == -1);
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	close(fd);
	fd = build(PKG({ 'f', "pkg/../x", "x", 0 }));
	CHECK(tarball_inspect(fd, &lim, &res, NULL, 0) == -1);
	CHECK(res.pkgdir == NULL && res.description == NULL);
	close(fd);
}

/* R CMD build in a temporary directory; the archive it leaves. */
static int
r_build(const char *env, char *dir, size_t dirlen)
{
	static const char *files[][2] = {
		{ "DESCRIPTION", "Package: tinypkg\nVersion: 0.1\n"
		    "Title: Tiny\nDescription: A tiny package.\n"
		    "License: GPL-2\nAuthor: A\nMaintainer: A <a@b.c>\n" },
		{ "NAMESPACE", "export(f)\nuseDynLib(tinypkg)\n" },
		{ "R/f.R", "f <- function() 1\n" },
		{ "src/f.c", "int tinypkg_f(void) { return 1; }\n" },
		{ "inst/extdata/a-long-enough-directory-name/beyond-the-"
		    "hundred-bytes-of-ustar-name/data.txt", "x\n" },
	};
	char path[512], cmd[1024];
	size_t i;
	FILE *f;

	snprintf(dir, dirlen, "/tmp/test_tarball.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/tinypkg/%s", dir, files[i][0]);
		snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"",
		    path);
		if (system(cmd) != 0 || (f = fopen(path, "w")) == NULL)
			return -1;
		fputs(files[i][1], f);
		if (fclose(f) != 0)
			return -1;
	}
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s R CMD build --no-build-"
	    "vignettes --no-manual tinypkg >build.log 2>&1 || cat build.log "
	    ">&2", dir, env);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tinypkg_0.1.tar.gz", dir);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void
test_r_build(void)
{
	static const char *envs[] = { "", "R_BUILD_TAR=tar" };
	char dir[64], cmd[128];
	size_t i;
	int fd;

	if (system("command -v R >/dev/null") != 0) {
		fprintf(stderr, "  R is needed for this test\n");
		CHECK(0);
		return;
	}
	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		CHECK((fd = r_build(envs[i], dir, sizeof(dir))) != -1);
		if (fd != -1) {
			CHECK(accepted(fd));
			CHECK(res.pkgdir && strcmp(res.pkgdir, "tinypkg") == 0);
			CHECK(res.description && strstr(res.description,
			    "Package: tinypkg\n") != NULL);
			CHECK(res.has_src == 1);
			CHECK(res.members >= 5);
		}
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
}

/* tarball_inspect_zip on fd (closed after); the verdict as zip_ok. */
static int
zip_inspect(int fd)
{
	struct tar_limits lim = { 0, 0, 0, 0 };
	int r;

	tarball_result_free(&res);
	strcpy(err, "(untouched)");
	r = tarball_inspect_zip(fd, &lim, &res, err, sizeof(err));
	close(fd);
	if (getenv("TEST_VERBOSE") != NULL)
		fprintf(stderr, "  zip: %s\n", r == 0 ? "accepted" : err);
	return r;
}

static int
zip_refused(int fd, const char *want)
{
	if (zip_inspect(fd) == 0) {
		fprintf(stderr, "  zip accepted, expected \"%s\"\n", want);
		return 0;
	}
	if (strstr(err, want) == NULL) {
		fprintf(stderr, "  zip: got \"%s\", want \"%s\"\n", err, want);
		return 0;
	}
	return res.pkgdir == NULL && res.description == NULL;
}

static int
zip_accepted(int fd)
{
	if (zip_inspect(fd) != 0) {
		fprintf(stderr, "  zip refused: %s\n", err);
		return 0;
	}
	return 1;
}

/* A zip of e with its members stored, not deflated (bytes findable). */
static int
zip_stored(const struct ent *e)
{
	struct archive_entry *ae;
	struct archive *a = archive_write_new();
	int fd = memfd();
	size_t len;

	must(a, archive_write_set_format_zip(a), "zip");
	must(a, archive_write_set_options(a, "zip:compression=store"),
	    "store");
	must(a, archive_write_open_fd(a, fd), "open");
	for (; e->name != NULL; e++) {
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, e->name);
		archive_entry_set_mtime(ae, 1700000000, 0);
		len = e->type == 'f' ? strlen(e->arg) : 0;
		archive_entry_set_filetype(ae, e->type == 'f' ? AE_IFREG :
		    AE_IFDIR);
		archive_entry_set_perm(ae, e->type == 'f' ? 0644 : 0755);
		archive_entry_set_size(ae, (int64_t)len);
		must(a, archive_write_header(a, ae), "header");
		if (len > 0 && archive_write_data(a, e->arg, len) !=
		    (la_ssize_t)len)
			exit(1);
		archive_entry_free(ae);
	}
	must(a, archive_write_close(a), "close");
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* A Windows binary package: the rules of source ones, as zip. */
static void
test_zip(void)
{
	const struct ent *good = PKG({ 'd', "pkg/R/", NULL, 0 },
	    { 'f', "pkg/R/pkg.rdb", "rdb bytes", 0 },
	    { 'f', "pkg/NAMESPACE", "export(f)\n", 0 });
	unsigned char *p, *q, *hit;
	size_t n;
	int fd;

	CHECK(zip_accepted(build_fmt(good, "", 'z')));
	CHECK(res.pkgdir != NULL && strcmp(res.pkgdir, "pkg") == 0);
	CHECK(res.description != NULL && strcmp(res.description, DESC) == 0);
	CHECK(res.members == 5 && res.unpacked == strlen(DESC) + 9 + 10);
	CHECK(zip_accepted(zip_stored(good)));
	tarball_result_free(&res);

	/* What tar.gz's rules refuse, zip's do. */
	CHECK(zip_refused(build_fmt(PKG({ 'f', "pkg/../evil", "x", 0 }), "",
	    'z'), "'..' component"));
	CHECK(zip_refused(build_fmt(PKG({ 'f', "other/x", "x", 0 }), "",
	    'z'), "not under the package directory"));
	CHECK(zip_refused(build_fmt(PKG({ 'l', "pkg/up", "../../etc", 0 }),
	    "", 'z'), "leads out of the package"));
	CHECK(zip_refused(build_fmt(PKG({ 'f', "pkg/a\\..\\..\\x", "x",
	    0 }), "", 'z'), "backslash"));
	CHECK(zip_refused(build_fmt(PKG({ 'f', "pkg/description", "x", 0 }),
	    "", 'z'), "more than one DESCRIPTION"));
	{
		static const struct ent nodesc[] = {
			{ 'd', "pkg/", NULL, 0 },
			{ 'f', "pkg/NAMESPACE", "x", 0 },
			END
		};

		CHECK(zip_refused(build_fmt(nodesc, "", 'z'),
		    "no pkg/DESCRIPTION"));
	}
	/* Windows' own: a drive or an NTFS stream. */
	CHECK(zip_refused(build_fmt(PKG({ 'f', "pkg/R:stream", "x", 0 }), "",
	    'z'), "':' in name"));

	/* Not a zip: a tar.gz, text, nothing. */
	CHECK(zip_refused(build(good), "not a zip archive"));
	CHECK(zip_refused(bytes_fd("Package: pkg\n", 13), "not a zip"));
	CHECK(zip_refused(bytes_fd("", 0), "empty file"));
	CHECK(zip_refused(bytes_fd("PK\003\004", 4), "corrupt archive"));
	/* And a zip is not a source package. */
	CHECK(refused(build_fmt(good, "", 'z'), "not a gzip"));

	/* A stored member whose bytes changed: its CRC says so. */
	p = fd_bytes(fd = zip_stored(good), &n);
	close(fd);
	hit = memmem(p, n, "export(f)", 9);
	CHECK(hit != NULL);
	if (hit != NULL) {
		hit[0] = 'E';
		CHECK(zip_refused(bytes_fd(p, n), "corrupt archive"));
	}
	free(p);
	/* Cut short: no central directory. */
	p = fd_bytes(fd = build_fmt(good, "", 'z'), &n);
	close(fd);
	CHECK(zip_refused(bytes_fd(p, n - 30), "corrupt archive"));

	/* From where the fd is, as for tar.gz. */
	if ((q = malloc(n + 100)) == NULL)
		exit(1);
	memset(q, 'j', 100);
	memcpy(q + 100, p, n);
	fd = bytes_fd(q, n + 100);
	lseek(fd, 100, SEEK_SET);
	CHECK(zip_accepted(fd));
	tarball_result_free(&res);
	free(p);
	free(q);

	/*
	 * Larger than libarchive's reads: members' data is inflated while
	 * the compressed bytes stay where libarchive read them.
	 */
	{
		size_t bn = 300000, i;
		char *big = malloc(bn + 1);
		uint32_t x = 1;

		if (big == NULL)
			exit(1);
		for (i = 0; i < bn; i++) {
			x = x * 1103515245 + 12345;
			big[i] = (char)('a' + (x >> 16) % 26);
		}
		big[bn] = '\0';
		{
			const struct ent e[] = {
				{ 'd', "pkg/", NULL, 0 },
				{ 'f', "pkg/big1", big, 0 },
				{ 'f', "pkg/big2", big + 1000, 0 },
				{ 'f', "pkg/DESCRIPTION", DESC, 0 },
				END
			};

			CHECK(zip_accepted(build_fmt(e, "", 'z')));
			CHECK(res.description != NULL &&
			    strcmp(res.description, DESC) == 0);
			CHECK(res.unpacked == 2 * bn - 1000 + strlen(DESC));
			tarball_result_free(&res);
		}
		free(big);
	}

	/* Limits: the file's size, the members' sizes. */
	{
		struct tar_limits small = { 64, 0, 0, 0 };

		fd = build_fmt(good, "", 'z');
		CHECK(tarball_inspect_zip(fd, &small, &res, err,
		    sizeof(err)) == -1 && strstr(err, "larger than 64") !=
		    NULL);
		close(fd);
		small.max_size = 0;
		small.max_unpacked = 20;
		fd = build_fmt(good, "", 'z');
		CHECK(tarball_inspect_zip(fd, &small, &res, err,
		    sizeof(err)) == -1 && strstr(err, "unpacked size") !=
		    NULL);
		close(fd);
	}
}

/* An encrypted member is refused, whatever it holds. */
static void
test_zip_encrypted(void)
{
	struct archive_entry *ae;
	struct archive *a = archive_write_new();
	int fd = memfd();

	must(a, archive_write_set_format_zip(a), "zip");
	if (archive_write_set_options(a, "zip:encryption=zipcrypt") !=
	    ARCHIVE_OK || archive_write_set_passphrase(a, "secret") !=
	    ARCHIVE_OK) {
		/* This libarchive cannot write one: nothing to test. */
		archive_write_free(a);
		close(fd);
		return;
	}
	must(a, archive_write_open_fd(a, fd), "open");
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, "pkg/DESCRIPTION");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, (int64_t)strlen(DESC));
	must(a, archive_write_header(a, ae), "header");
	if (archive_write_data(a, DESC, strlen(DESC)) !=
	    (la_ssize_t)strlen(DESC))
		exit(1);
	archive_entry_free(ae);
	must(a, archive_write_close(a), "close");
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	CHECK(zip_refused(fd, "encrypted member"));
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-w") == 0)
		corpus_dir = argv[2];
	RUN(test_good);
	RUN(test_no_dir_entry);
	RUN(test_formats);
	RUN(test_has_src);
	RUN(test_missing_description);
	RUN(test_description_forms);
	RUN(test_top_level);
	RUN(test_names);
	RUN(test_symlinks);
	RUN(test_through_symlink);
	RUN(test_hardlinks);
	RUN(test_special_files);
	RUN(test_limits);
	RUN(test_not_tgz);
	RUN(test_corrupt);
	RUN(test_special_headers);
	RUN(test_pax_names);
	RUN(test_many);
	RUN(test_link_memory);
	RUN(test_offset);
	RUN(test_error_buffer);
	RUN(test_r_build);
	RUN(test_zip);
	RUN(test_zip_encrypted);
	tarball_result_free(&res);
	TEST_EXIT();
}
