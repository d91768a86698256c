/*
 * tarball: inspection of an R source package (<pkg>_<ver>.tar.gz), or a
 * binary one (.zip, .tgz), read from an fd with libarchive.  Untrusted: only ever called inside a
 * sandboxed role (inspect, sync, a worker taking an upload).
 */
#ifndef AIRLOCK_TARBALL_H
#define AIRLOCK_TARBALL_H

#include <stddef.h>
#include <stdint.h>

/* What a zero in struct tar_limits stands for. */
#define TAR_DEFAULT_MAX_SIZE		((uint64_t)512 << 20)
#define TAR_DEFAULT_MAX_UNPACKED	((uint64_t)2 << 30)
#define TAR_DEFAULT_MAX_MEMBERS		100000
#define TAR_DEFAULT_MAX_DESCRIPTION	((size_t)1 << 20)

/* Each limit is inclusive; 0 means the default above. */
struct tar_limits {
	uint64_t max_size;		/* compressed bytes read */
	uint64_t max_unpacked;		/* sum of member sizes in headers */
	uint64_t max_members;
	size_t max_description;		/* bytes of DESCRIPTION */
};

struct tar_result {
	char *pkgdir;		/* the single top-level directory */
	char *description;	/* <pkgdir>/DESCRIPTION, NUL-terminated */
	size_t description_len;
	uint64_t members;
	uint64_t unpacked;	/* sum of member sizes in headers */
	int has_src;		/* a directory member <pkgdir>/src/, as R looks */
};

/*
 * Reads the whole archive from fd (from where the fd is, up to the tar
 * end-of-archive marker) and checks it is gzip-compressed tar whose
 * members all lie under one top-level directory: no absolute paths, no
 * "..", no hard or symbolic links leading out of the package, no device,
 * fifo or socket members, within the limits; tarball.c lists every rule.
 * Returns 0 with *res filled (free with tarball_result_free), or -1 with a
 * message in err naming the member at fault and *res empty; *res is
 * overwritten, not freed.  fd is not closed.  Uses getrandom(2).
 */
int tarball_inspect(int fd, const struct tar_limits *lim,
    struct tar_result *res, char *err, size_t errlen);
/*
 * The same for a Windows binary package (<pkg>_<ver>.zip: an installed
 * package's directory, zipped), read from where fd is to its end, which
 * must be seekable.  Every rule above applies, as extractors on Windows
 * see them, and also: no ':' in a name (a drive, or an NTFS stream), no
 * encrypted member; every member is inflated, so its CRC and real size
 * are checked, not only DESCRIPTION's.  A macOS binary (.tgz) is gzip
 * around tar: tarball_inspect takes it.  Neither checks what makes a
 * package a binary (a Built field); that is the caller's.
 */
int tarball_inspect_zip(int fd, const struct tar_limits *lim,
    struct tar_result *res, char *err, size_t errlen);
void tarball_result_free(struct tar_result *res);

#endif
