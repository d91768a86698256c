/*
 * fuzz_zip: tarball_inspect_zip (a Windows binary package) on any bytes,
 * in a memfd as the roles get them, under small limits.  Whatever is
 * accepted must keep the result's promises; whatever is refused must say
 * why.  Zip headers are not compressed, so the bytes are used as they
 * are.  Seeds in tests/fuzz/corpus/fuzz_zip: two installed packages
 * zipped with zip -r (one with a shared object), and small archives of
 * libarchive's zip writer as test_tarball makes them.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tarball.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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

	if (fd == -1 && (fd = memfd_create("fuzz_zip", MFD_CLOEXEC)) == -1)
		abort();
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (tarball_inspect_zip(fd, &lim, &res, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL ||
		    res.pkgdir != NULL || res.description != NULL)
			abort();
		return 0;
	}
	if (res.pkgdir == NULL || res.pkgdir[0] == '\0' ||
	    strchr(res.pkgdir, '/') != NULL || strchr(res.pkgdir, ':') !=
	    NULL || res.description == NULL ||
	    res.description_len > lim.max_description ||
	    res.description[res.description_len] != '\0' ||
	    strlen(res.description) != res.description_len ||
	    res.members == 0 || res.members > lim.max_members ||
	    res.unpacked > lim.max_unpacked)
		abort();
	tarball_result_free(&res);
	return 0;
}
