/*
 * fuzz_tarball: tarball_inspect on any bytes, handed over as the roles get
 * them (a file descriptor, here a memfd), under small limits so that each
 * run stays fast.  Whatever is accepted must keep the result's promises;
 * whatever is refused must say why.
 *
 * Mutating deflate data rarely yields a tar header, and libarchive is not
 * instrumented to guide it there, so input not starting like gzip (0x1f)
 * is gzip-compressed here first: the mutations then land in the tar.
 *
 * The seeds in tests/fuzz/corpus/fuzz_tarball came from
 * "test_tarball -w DIR" and from R CMD build; the .tar ones are the same
 * archives uncompressed, for the second way in.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarball.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* data gzip-compressed into fd, from its start. */
static void
gzip_into(int fd, const uint8_t *data, size_t size)
{
	struct archive_entry *e;
	struct archive *a;

	if ((a = archive_write_new()) == NULL ||
	    (e = archive_entry_new()) == NULL)
		abort();
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (int64_t)size);
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "gzip:compression-level=1") !=
	    ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK ||
	    archive_write_header(a, e) != ARCHIVE_OK ||
	    (size > 0 && archive_write_data(a, data, size) != (la_ssize_t)size) ||
	    archive_write_close(a) != ARCHIVE_OK)
		abort();
	archive_entry_free(e);
	archive_write_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tar_limits lim = {
		.max_size = 1 << 20,
		.max_unpacked = 4 << 20,
		.max_members = 1000,
		.max_description = 64 << 10,
	};
	static int fd = -1;
	struct tar_result res;
	char err[512];

	if (fd == -1 && (fd = memfd_create("fuzz_tarball", MFD_CLOEXEC)) == -1)
		abort();
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (size > 0 && data[0] == 0x1f) {
		if (write(fd, data, size) != (ssize_t)size)
			abort();
	} else
		gzip_into(fd, data, size);
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();

	if (tarball_inspect(fd, &lim, &res, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL ||
		    res.pkgdir != NULL || res.description != NULL)
			abort();
		return 0;
	}
	if (res.pkgdir == NULL || res.pkgdir[0] == '\0' ||
	    strchr(res.pkgdir, '/') != NULL ||
	    res.description == NULL ||
	    res.description_len > lim.max_description ||
	    res.description[res.description_len] != '\0' ||
	    strlen(res.description) != res.description_len ||
	    res.members == 0 || res.members > lim.max_members ||
	    res.unpacked > lim.max_unpacked)
		abort();
	tarball_result_free(&res);
	return 0;
}
