/*
 * dcf: R's read.dcf and write.dcf, as far as DESCRIPTION files and
 * PACKAGES entries need them.  Every rule here is R 4.2's (src/main/dcf.c,
 * Rconn_fgetc in connections.c, base::strwrap, formatDL and write.dcf),
 * quirks included, and was checked against R itself: a PACKAGES entry
 * that differs by one byte from R's is a different file to every mirror
 * and to every client's cache.  tests/unit/test_dcf.c holds R's output
 * for the cases that matter.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "dcf.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * write.dcf's formatDL(width = 0.9 * getOption("width"), indent = 0.1 *
 * getOption("width")) with R's default width of 80.
 */
#define WRAP_WIDTH	72
#define WRAP_INDENT	8

#define SCRATCH_MAX	((size_t)256 * 1024 * 1024)
#define VIS_MAX		24	/* bytes of a line quoted in a message */

/* tools:::.keep_white_description_fields */
static const char *const keep_white[] = {
	"Description", "Authors@R", "Author", "Built", "Packaged",
};

/*
 * The fields write_PACKAGES asks read.dcf for (tools:::
 * .get_standard_repository_db_fields("source")); read.dcf gives them
 * slightly differently from the other fields, see parse_cont.
 */
static const char *const index_fields[] = {
	"Package", "Version", "Priority", "Depends", "Imports", "LinkingTo",
	"Suggests", "Enhances", "License", "License_is_FOSS",
	"License_restricts_use", "OS_type", "Archs", "MD5sum",
	"NeedsCompilation",
};

/*
 * R's display width of the code points that are not one column wide
 * (nchar(type = "w") in a UTF-8 locale that is not CJK), generated from
 * R 4.2.2 itself over every code point; sorted, disjoint.
 */
static const struct {
	uint32_t lo, hi;
	uint8_t w;
} widths[] = {
	{ 0x1, 0x1f, 0 }, { 0x7f, 0x9f, 0 }, { 0x300, 0x36f, 0 },
	{ 0x483, 0x489, 0 }, { 0x591, 0x5bd, 0 }, { 0x5bf, 0x5bf, 0 },
	{ 0x5c1, 0x5c2, 0 }, { 0x5c4, 0x5c5, 0 }, { 0x5c7, 0x5c7, 0 },
	{ 0x600, 0x605, 0 }, { 0x610, 0x61a, 0 }, { 0x61c, 0x61c, 0 },
	{ 0x64b, 0x65f, 0 }, { 0x670, 0x670, 0 }, { 0x6d6, 0x6dd, 0 },
	{ 0x6df, 0x6e4, 0 }, { 0x6e7, 0x6e8, 0 }, { 0x6ea, 0x6ed, 0 },
	{ 0x70f, 0x70f, 0 }, { 0x711, 0x711, 0 }, { 0x730, 0x74a, 0 },
	{ 0x7a6, 0x7b0, 0 }, { 0x7eb, 0x7f3, 0 }, { 0x7fd, 0x7fd, 0 },
	{ 0x816, 0x819, 0 }, { 0x81b, 0x823, 0 }, { 0x825, 0x827, 0 },
	{ 0x829, 0x82d, 0 }, { 0x859, 0x85b, 0 }, { 0x8d3, 0x902, 0 },
	{ 0x93a, 0x93a, 0 }, { 0x93c, 0x93c, 0 }, { 0x941, 0x948, 0 },
	{ 0x94d, 0x94d, 0 }, { 0x951, 0x957, 0 }, { 0x962, 0x963, 0 },
	{ 0x981, 0x981, 0 }, { 0x9bc, 0x9bc, 0 }, { 0x9c1, 0x9c4, 0 },
	{ 0x9cd, 0x9cd, 0 }, { 0x9e2, 0x9e3, 0 }, { 0x9fe, 0x9fe, 0 },
	{ 0xa01, 0xa02, 0 }, { 0xa3c, 0xa3c, 0 }, { 0xa41, 0xa42, 0 },
	{ 0xa47, 0xa48, 0 }, { 0xa4b, 0xa4d, 0 }, { 0xa51, 0xa51, 0 },
	{ 0xa70, 0xa71, 0 }, { 0xa75, 0xa75, 0 }, { 0xa81, 0xa82, 0 },
	{ 0xabc, 0xabc, 0 }, { 0xac1, 0xac5, 0 }, { 0xac7, 0xac8, 0 },
	{ 0xacd, 0xacd, 0 }, { 0xae2, 0xae3, 0 }, { 0xafa, 0xaff, 0 },
	{ 0xb01, 0xb01, 0 }, { 0xb3c, 0xb3c, 0 }, { 0xb3f, 0xb3f, 0 },
	{ 0xb41, 0xb44, 0 }, { 0xb4d, 0xb4d, 0 }, { 0xb55, 0xb56, 0 },
	{ 0xb62, 0xb63, 0 }, { 0xb82, 0xb82, 0 }, { 0xbc0, 0xbc0, 0 },
	{ 0xbcd, 0xbcd, 0 }, { 0xc00, 0xc00, 0 }, { 0xc04, 0xc04, 0 },
	{ 0xc3e, 0xc40, 0 }, { 0xc46, 0xc48, 0 }, { 0xc4a, 0xc4d, 0 },
	{ 0xc55, 0xc56, 0 }, { 0xc62, 0xc63, 0 }, { 0xc81, 0xc81, 0 },
	{ 0xcbc, 0xcbc, 0 }, { 0xcbf, 0xcbf, 0 }, { 0xcc6, 0xcc6, 0 },
	{ 0xccc, 0xccd, 0 }, { 0xce2, 0xce3, 0 }, { 0xd00, 0xd01, 0 },
	{ 0xd3b, 0xd3c, 0 }, { 0xd41, 0xd44, 0 }, { 0xd4d, 0xd4d, 0 },
	{ 0xd62, 0xd63, 0 }, { 0xd81, 0xd81, 0 }, { 0xdca, 0xdca, 0 },
	{ 0xdd2, 0xdd4, 0 }, { 0xdd6, 0xdd6, 0 }, { 0xe31, 0xe31, 0 },
	{ 0xe34, 0xe3a, 0 }, { 0xe47, 0xe4e, 0 }, { 0xeb1, 0xeb1, 0 },
	{ 0xeb4, 0xebc, 0 }, { 0xec8, 0xecd, 0 }, { 0xf18, 0xf19, 0 },
	{ 0xf35, 0xf35, 0 }, { 0xf37, 0xf37, 0 }, { 0xf39, 0xf39, 0 },
	{ 0xf71, 0xf7e, 0 }, { 0xf80, 0xf84, 0 }, { 0xf86, 0xf87, 0 },
	{ 0xf8d, 0xf97, 0 }, { 0xf99, 0xfbc, 0 }, { 0xfc6, 0xfc6, 0 },
	{ 0x102d, 0x1030, 0 }, { 0x1032, 0x1037, 0 }, { 0x1039, 0x103a, 0 },
	{ 0x103d, 0x103e, 0 }, { 0x1058, 0x1059, 0 }, { 0x105e, 0x1060, 0 },
	{ 0x1071, 0x1074, 0 }, { 0x1082, 0x1082, 0 }, { 0x1085, 0x1086, 0 },
	{ 0x108d, 0x108d, 0 }, { 0x109d, 0x109d, 0 }, { 0x1100, 0x115f, 2 },
	{ 0x1160, 0x11ff, 0 }, { 0x135d, 0x135f, 0 }, { 0x1712, 0x1714, 0 },
	{ 0x1732, 0x1734, 0 }, { 0x1752, 0x1753, 0 }, { 0x1772, 0x1773, 0 },
	{ 0x17b4, 0x17b5, 0 }, { 0x17b7, 0x17bd, 0 }, { 0x17c6, 0x17c6, 0 },
	{ 0x17c9, 0x17d3, 0 }, { 0x17dd, 0x17dd, 0 }, { 0x180b, 0x180e, 0 },
	{ 0x1885, 0x1886, 0 }, { 0x18a9, 0x18a9, 0 }, { 0x1920, 0x1922, 0 },
	{ 0x1927, 0x1928, 0 }, { 0x1932, 0x1932, 0 }, { 0x1939, 0x193b, 0 },
	{ 0x1a17, 0x1a18, 0 }, { 0x1a1b, 0x1a1b, 0 }, { 0x1a56, 0x1a56, 0 },
	{ 0x1a58, 0x1a5e, 0 }, { 0x1a60, 0x1a60, 0 }, { 0x1a62, 0x1a62, 0 },
	{ 0x1a65, 0x1a6c, 0 }, { 0x1a73, 0x1a7c, 0 }, { 0x1a7f, 0x1a7f, 0 },
	{ 0x1ab0, 0x1ac0, 0 }, { 0x1b00, 0x1b03, 0 }, { 0x1b34, 0x1b34, 0 },
	{ 0x1b36, 0x1b3a, 0 }, { 0x1b3c, 0x1b3c, 0 }, { 0x1b42, 0x1b42, 0 },
	{ 0x1b6b, 0x1b73, 0 }, { 0x1b80, 0x1b81, 0 }, { 0x1ba2, 0x1ba5, 0 },
	{ 0x1ba8, 0x1ba9, 0 }, { 0x1bab, 0x1bad, 0 }, { 0x1be6, 0x1be6, 0 },
	{ 0x1be8, 0x1be9, 0 }, { 0x1bed, 0x1bed, 0 }, { 0x1bef, 0x1bf1, 0 },
	{ 0x1c2c, 0x1c33, 0 }, { 0x1c36, 0x1c37, 0 }, { 0x1cd0, 0x1cd2, 0 },
	{ 0x1cd4, 0x1ce0, 0 }, { 0x1ce2, 0x1ce8, 0 }, { 0x1ced, 0x1ced, 0 },
	{ 0x1cf4, 0x1cf4, 0 }, { 0x1cf8, 0x1cf9, 0 }, { 0x1dc0, 0x1df9, 0 },
	{ 0x1dfb, 0x1dff, 0 }, { 0x200b, 0x200f, 0 }, { 0x202a, 0x202e, 0 },
	{ 0x2060, 0x2064, 0 }, { 0x2066, 0x206f, 0 }, { 0x20d0, 0x20f0, 0 },
	{ 0x231a, 0x231b, 2 }, { 0x2329, 0x232a, 2 }, { 0x23e9, 0x23ec, 2 },
	{ 0x23f0, 0x23f0, 2 }, { 0x23f3, 0x23f3, 2 }, { 0x25fd, 0x25fe, 2 },
	{ 0x2614, 0x2615, 2 }, { 0x2648, 0x2653, 2 }, { 0x267f, 0x267f, 2 },
	{ 0x2693, 0x2693, 2 }, { 0x26a1, 0x26a1, 2 }, { 0x26aa, 0x26ab, 2 },
	{ 0x26bd, 0x26be, 2 }, { 0x26c4, 0x26c5, 2 }, { 0x26ce, 0x26ce, 2 },
	{ 0x26d4, 0x26d4, 2 }, { 0x26ea, 0x26ea, 2 }, { 0x26f2, 0x26f3, 2 },
	{ 0x26f5, 0x26f5, 2 }, { 0x26fa, 0x26fa, 2 }, { 0x26fd, 0x26fd, 2 },
	{ 0x2705, 0x2705, 2 }, { 0x270a, 0x270b, 2 }, { 0x2728, 0x2728, 2 },
	{ 0x274c, 0x274c, 2 }, { 0x274e, 0x274e, 2 }, { 0x2753, 0x2755, 2 },
	{ 0x2757, 0x2757, 2 }, { 0x2795, 0x2797, 2 }, { 0x27b0, 0x27b0, 2 },
	{ 0x27bf, 0x27bf, 2 }, { 0x2b1b, 0x2b1c, 2 }, { 0x2b50, 0x2b50, 2 },
	{ 0x2b55, 0x2b55, 2 }, { 0x2cef, 0x2cf1, 0 }, { 0x2d7f, 0x2d7f, 0 },
	{ 0x2de0, 0x2dff, 0 }, { 0x2e80, 0x2e99, 2 }, { 0x2e9b, 0x2ef3, 2 },
	{ 0x2f00, 0x2fd5, 2 }, { 0x2ff0, 0x2ffb, 2 }, { 0x3000, 0x3029, 2 },
	{ 0x302a, 0x302d, 0 }, { 0x302e, 0x303e, 2 }, { 0x3041, 0x3096, 2 },
	{ 0x3099, 0x309a, 0 }, { 0x309b, 0x30ff, 2 }, { 0x3105, 0x312f, 2 },
	{ 0x3131, 0x318e, 2 }, { 0x3190, 0x31e3, 2 }, { 0x31f0, 0x321e, 2 },
	{ 0x3220, 0x3247, 2 }, { 0x3250, 0x4dbf, 2 }, { 0x4e00, 0xa48c, 2 },
	{ 0xa490, 0xa4c6, 2 }, { 0xa66f, 0xa672, 0 }, { 0xa674, 0xa67d, 0 },
	{ 0xa69e, 0xa69f, 0 }, { 0xa6f0, 0xa6f1, 0 }, { 0xa802, 0xa802, 0 },
	{ 0xa806, 0xa806, 0 }, { 0xa80b, 0xa80b, 0 }, { 0xa825, 0xa826, 0 },
	{ 0xa82c, 0xa82c, 0 }, { 0xa8c4, 0xa8c5, 0 }, { 0xa8e0, 0xa8f1, 0 },
	{ 0xa8ff, 0xa8ff, 0 }, { 0xa926, 0xa92d, 0 }, { 0xa947, 0xa951, 0 },
	{ 0xa960, 0xa97c, 2 }, { 0xa980, 0xa982, 0 }, { 0xa9b3, 0xa9b3, 0 },
	{ 0xa9b6, 0xa9b9, 0 }, { 0xa9bc, 0xa9bd, 0 }, { 0xa9e5, 0xa9e5, 0 },
	{ 0xaa29, 0xaa2e, 0 }, { 0xaa31, 0xaa32, 0 }, { 0xaa35, 0xaa36, 0 },
	{ 0xaa43, 0xaa43, 0 }, { 0xaa4c, 0xaa4c, 0 }, { 0xaa7c, 0xaa7c, 0 },
	{ 0xaab0, 0xaab0, 0 }, { 0xaab2, 0xaab4, 0 }, { 0xaab7, 0xaab8, 0 },
	{ 0xaabe, 0xaabf, 0 }, { 0xaac1, 0xaac1, 0 }, { 0xaaec, 0xaaed, 0 },
	{ 0xaaf6, 0xaaf6, 0 }, { 0xabe5, 0xabe5, 0 }, { 0xabe8, 0xabe8, 0 },
	{ 0xabed, 0xabed, 0 }, { 0xac00, 0xd7a3, 2 }, { 0xf900, 0xfaff, 2 },
	{ 0xfb1e, 0xfb1e, 0 }, { 0xfe00, 0xfe0f, 0 }, { 0xfe10, 0xfe19, 2 },
	{ 0xfe20, 0xfe2f, 0 }, { 0xfe30, 0xfe52, 2 }, { 0xfe54, 0xfe66, 2 },
	{ 0xfe68, 0xfe6b, 2 }, { 0xfeff, 0xfeff, 0 }, { 0xff01, 0xff60, 2 },
	{ 0xffe0, 0xffe6, 2 }, { 0xfff9, 0xfffb, 0 }, { 0x101fd, 0x101fd, 0 },
	{ 0x102e0, 0x102e0, 0 }, { 0x10376, 0x1037a, 0 },
	{ 0x10a01, 0x10a03, 0 }, { 0x10a05, 0x10a06, 0 },
	{ 0x10a0c, 0x10a0f, 0 }, { 0x10a38, 0x10a3a, 0 },
	{ 0x10a3f, 0x10a3f, 0 }, { 0x10ae5, 0x10ae6, 0 },
	{ 0x10d24, 0x10d27, 0 }, { 0x10eab, 0x10eac, 0 },
	{ 0x10f46, 0x10f50, 0 }, { 0x11001, 0x11001, 0 },
	{ 0x11038, 0x11046, 0 }, { 0x1107f, 0x11081, 0 },
	{ 0x110b3, 0x110b6, 0 }, { 0x110b9, 0x110ba, 0 },
	{ 0x110bd, 0x110bd, 0 }, { 0x110cd, 0x110cd, 0 },
	{ 0x11100, 0x11102, 0 }, { 0x11127, 0x1112b, 0 },
	{ 0x1112d, 0x11134, 0 }, { 0x11173, 0x11173, 0 },
	{ 0x11180, 0x11181, 0 }, { 0x111b6, 0x111be, 0 },
	{ 0x111c9, 0x111cc, 0 }, { 0x111cf, 0x111cf, 0 },
	{ 0x1122f, 0x11231, 0 }, { 0x11234, 0x11234, 0 },
	{ 0x11236, 0x11237, 0 }, { 0x1123e, 0x1123e, 0 },
	{ 0x112df, 0x112df, 0 }, { 0x112e3, 0x112ea, 0 },
	{ 0x11300, 0x11301, 0 }, { 0x1133b, 0x1133c, 0 },
	{ 0x11340, 0x11340, 0 }, { 0x11366, 0x1136c, 0 },
	{ 0x11370, 0x11374, 0 }, { 0x11438, 0x1143f, 0 },
	{ 0x11442, 0x11444, 0 }, { 0x11446, 0x11446, 0 },
	{ 0x1145e, 0x1145e, 0 }, { 0x114b3, 0x114b8, 0 },
	{ 0x114ba, 0x114ba, 0 }, { 0x114bf, 0x114c0, 0 },
	{ 0x114c2, 0x114c3, 0 }, { 0x115b2, 0x115b5, 0 },
	{ 0x115bc, 0x115bd, 0 }, { 0x115bf, 0x115c0, 0 },
	{ 0x115dc, 0x115dd, 0 }, { 0x11633, 0x1163a, 0 },
	{ 0x1163d, 0x1163d, 0 }, { 0x1163f, 0x11640, 0 },
	{ 0x116ab, 0x116ab, 0 }, { 0x116ad, 0x116ad, 0 },
	{ 0x116b0, 0x116b5, 0 }, { 0x116b7, 0x116b7, 0 },
	{ 0x1171d, 0x1171f, 0 }, { 0x11722, 0x11725, 0 },
	{ 0x11727, 0x1172b, 0 }, { 0x1182f, 0x11837, 0 },
	{ 0x11839, 0x1183a, 0 }, { 0x1193b, 0x1193c, 0 },
	{ 0x1193e, 0x1193e, 0 }, { 0x11943, 0x11943, 0 },
	{ 0x119d4, 0x119d7, 0 }, { 0x119da, 0x119db, 0 },
	{ 0x119e0, 0x119e0, 0 }, { 0x11a01, 0x11a0a, 0 },
	{ 0x11a33, 0x11a38, 0 }, { 0x11a3b, 0x11a3e, 0 },
	{ 0x11a47, 0x11a47, 0 }, { 0x11a51, 0x11a56, 0 },
	{ 0x11a59, 0x11a5b, 0 }, { 0x11a8a, 0x11a96, 0 },
	{ 0x11a98, 0x11a99, 0 }, { 0x11c30, 0x11c36, 0 },
	{ 0x11c38, 0x11c3d, 0 }, { 0x11c3f, 0x11c3f, 0 },
	{ 0x11c92, 0x11ca7, 0 }, { 0x11caa, 0x11cb0, 0 },
	{ 0x11cb2, 0x11cb3, 0 }, { 0x11cb5, 0x11cb6, 0 },
	{ 0x11d31, 0x11d36, 0 }, { 0x11d3a, 0x11d3a, 0 },
	{ 0x11d3c, 0x11d3d, 0 }, { 0x11d3f, 0x11d45, 0 },
	{ 0x11d47, 0x11d47, 0 }, { 0x11d90, 0x11d91, 0 },
	{ 0x11d95, 0x11d95, 0 }, { 0x11d97, 0x11d97, 0 },
	{ 0x11ef3, 0x11ef4, 0 }, { 0x13430, 0x13438, 0 },
	{ 0x16af0, 0x16af4, 0 }, { 0x16b30, 0x16b36, 0 },
	{ 0x16f4f, 0x16f4f, 0 }, { 0x16f8f, 0x16f92, 0 },
	{ 0x16fe0, 0x16fe3, 2 }, { 0x16fe4, 0x16fe4, 0 },
	{ 0x16ff0, 0x16ff1, 2 }, { 0x17000, 0x187f7, 2 },
	{ 0x18800, 0x18cd5, 2 }, { 0x18d00, 0x18d08, 2 },
	{ 0x1b000, 0x1b11e, 2 }, { 0x1b150, 0x1b152, 2 },
	{ 0x1b164, 0x1b167, 2 }, { 0x1b170, 0x1b2fb, 2 },
	{ 0x1bc9d, 0x1bc9e, 0 }, { 0x1bca0, 0x1bca3, 0 },
	{ 0x1d167, 0x1d169, 0 }, { 0x1d173, 0x1d182, 0 },
	{ 0x1d185, 0x1d18b, 0 }, { 0x1d1aa, 0x1d1ad, 0 },
	{ 0x1d242, 0x1d244, 0 }, { 0x1da00, 0x1da36, 0 },
	{ 0x1da3b, 0x1da6c, 0 }, { 0x1da75, 0x1da75, 0 },
	{ 0x1da84, 0x1da84, 0 }, { 0x1da9b, 0x1da9f, 0 },
	{ 0x1daa1, 0x1daaf, 0 }, { 0x1e000, 0x1e006, 0 },
	{ 0x1e008, 0x1e018, 0 }, { 0x1e01b, 0x1e021, 0 },
	{ 0x1e023, 0x1e024, 0 }, { 0x1e026, 0x1e02a, 0 },
	{ 0x1e130, 0x1e136, 0 }, { 0x1e2ec, 0x1e2ef, 0 },
	{ 0x1e8d0, 0x1e8d6, 0 }, { 0x1e944, 0x1e94a, 0 },
	{ 0x1f004, 0x1f004, 2 }, { 0x1f0cf, 0x1f0cf, 2 },
	{ 0x1f18e, 0x1f18e, 2 }, { 0x1f191, 0x1f19a, 2 },
	{ 0x1f200, 0x1f202, 2 }, { 0x1f210, 0x1f23b, 2 },
	{ 0x1f240, 0x1f248, 2 }, { 0x1f250, 0x1f251, 2 },
	{ 0x1f260, 0x1f265, 2 }, { 0x1f300, 0x1f320, 2 },
	{ 0x1f32d, 0x1f335, 2 }, { 0x1f337, 0x1f37c, 2 },
	{ 0x1f37e, 0x1f393, 2 }, { 0x1f3a0, 0x1f3ca, 2 },
	{ 0x1f3cf, 0x1f3d3, 2 }, { 0x1f3e0, 0x1f3f0, 2 },
	{ 0x1f3f4, 0x1f3f4, 2 }, { 0x1f3f8, 0x1f43e, 2 },
	{ 0x1f440, 0x1f440, 2 }, { 0x1f442, 0x1f4fc, 2 },
	{ 0x1f4ff, 0x1f53d, 2 }, { 0x1f54b, 0x1f54e, 2 },
	{ 0x1f550, 0x1f567, 2 }, { 0x1f57a, 0x1f57a, 2 },
	{ 0x1f595, 0x1f596, 2 }, { 0x1f5a4, 0x1f5a4, 2 },
	{ 0x1f5fb, 0x1f64f, 2 }, { 0x1f680, 0x1f6c5, 2 },
	{ 0x1f6cc, 0x1f6cc, 2 }, { 0x1f6d0, 0x1f6d2, 2 },
	{ 0x1f6d5, 0x1f6d7, 2 }, { 0x1f6eb, 0x1f6ec, 2 },
	{ 0x1f6f4, 0x1f6fc, 2 }, { 0x1f7e0, 0x1f7eb, 2 },
	{ 0x1f90c, 0x1f93a, 2 }, { 0x1f93c, 0x1f945, 2 },
	{ 0x1f947, 0x1f978, 2 }, { 0x1f97a, 0x1f9cb, 2 },
	{ 0x1f9cd, 0x1f9ff, 2 }, { 0x1fa70, 0x1fa74, 2 },
	{ 0x1fa78, 0x1fa7a, 2 }, { 0x1fa80, 0x1fa86, 2 },
	{ 0x1fa90, 0x1faa8, 2 }, { 0x1fab0, 0x1fab6, 2 },
	{ 0x1fac0, 0x1fac2, 2 }, { 0x1fad0, 0x1fad6, 2 },
	{ 0x20000, 0x3ffff, 2 }, { 0xe0001, 0xe0001, 0 },
	{ 0xe0020, 0xe007f, 0 }, { 0xe0100, 0xe01ef, 0 },
};

struct pfield {
	char *name;
	struct buf v;
	size_t line;
	int index;	/* one of index_fields */
	int fold;	/* not one of keep_white */
};

struct parser {
	struct pfield *f;	/* DCF_MAX_FIELDS of them */
	size_t n;
	int cur;		/* the field being continued; -1: none */
	int in_record;		/* a non-blank line since the last blank one */
	int later;		/* past the first record: check, do not keep */
	size_t eb_idx, eb_all;	/* pending " ." lines, see parse_cont */
	size_t lineno;
	char *err;
	size_t errlen;
};

struct word {
	const uint8_t *p;
	size_t len;
	size_t w;		/* display width */
};

/* The start of a line, made safe to echo (the file is untrusted). */
static const char *
vis(char *dst, size_t dstlen, const uint8_t *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n && j + 1 < dstlen; i++)
		dst[j++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	dst[j] = '\0';
	if (i < n && dstlen > 4)
		memcpy(dst + dstlen - 4, "...", 4);
	return dst;
}

static int
in_list(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int
blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* [[:space:]] as R's regex engine sees a byte in a UTF-8 locale. */
static int
space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * R's file connections read CRLF and a lone CR as LF (Rconn_fgetc); a
 * CR followed by another CR is two line ends.  t has room for n bytes.
 */
size_t
dcf_map_cr(const uint8_t *s, size_t n, uint8_t *t)
{
	size_t i = 0, j = 0;

	while (i < n) {
		if (s[i] != '\r') {
			t[j++] = s[i++];
			continue;
		}
		t[j++] = '\n';
		if (++i == n)
			break;
		if (s[i] == '\n')
			i++;
		else if (s[i] == '\r') {
			t[j++] = '\n';
			i++;
		}
	}
	return j;
}

/*
 * read.dcf opens the file with gzfile(), which decompresses what starts
 * with these magic numbers: such a DESCRIPTION is not what R would read.
 */
static const char *
compressed(const uint8_t *s, size_t n)
{
	if (n >= 2 && s[0] == 0x1f && s[1] == 0x8b)
		return "gzip";
	if (n < 5)
		return NULL;
	if (memcmp(s, "BZh", 3) == 0)
		return "bzip2";
	if (memcmp(s, "\xfd" "7zXZ", 5) == 0)
		return "xz";
	if (memcmp(s, "\xff" "LZMA", 5) == 0 ||
	    memcmp(s, "]\0\0\x80\0", 5) == 0)
		return "lzma";
	if (memcmp(s, "\x89" "LZO", 4) == 0)
		return "lzop";
	return NULL;
}

/* The R regex "^[[:space:]]+\\.[[:space:]]*$": an escaped empty line. */
static int
eblank(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n && space(s[i]))
		i++;
	if (i == 0 || i == n || s[i] != '.')
		return 0;
	for (i++; i < n && space(s[i]); i++)
		;
	return i == n;
}

/* Appends to a value: a newline when nl, k more, then n bytes of s. */
static int
append(struct buf *v, int nl, size_t k, const uint8_t *s, size_t n)
{
	if (nl && buf_put_u8(v, '\n') != 0)
		return -1;
	for (; k > 0; k--)
		if (buf_put_u8(v, '\n') != 0)
			return -1;
	return buf_put(v, s, n);
}

static int
fail_errno(struct parser *p)
{
	errf(p->err, p->errlen, "line %zu: %s", p->lineno, strerror(errno));
	return -1;
}

/*
 * A continuation line.  R's read.dcf has two ways to read one: with a
 * list of fields (write_PACKAGES) it ignores the lines of every other
 * field; without (.read_description) it reads them all.  A " ." line is
 * held back and becomes an empty line only when another continuation
 * line follows, but the count is not reset when a new field starts, so
 * it may land in the next field; which lines were counted depends on the
 * way.  Index fields get write_PACKAGES' values, the others
 * .read_description's, whose keep-white fields keep each line whole.
 */
static int
parse_cont(struct parser *p, const uint8_t *s, size_t n)
{
	struct pfield *pf;
	const uint8_t *a = s, *e = s + n;
	char vb[VIS_MAX];
	int eb, r;

	if (p->cur == -1) {
		errf(p->err, p->errlen, "line %zu: \"%s\": a continuation "
		    "line at the start of a record", p->lineno,
		    vis(vb, sizeof(vb), s, n));
		return -1;
	}
	if (p->later)
		return 0;
	pf = &p->f[p->cur];
	eb = eblank(s, n);
	while (a < e && blank(*a))
		a++;
	while (e > a && blank(e[-1]))
		e--;
	if (pf->index) {
		if (eb) {
			p->eb_idx++;
			p->eb_all++;
			return 0;
		}
		r = append(&pf->v, pf->v.len > 0, p->eb_idx, a,
		    (size_t)(e - a));
		p->eb_idx = p->eb_all = 0;
	} else if (pf->fold) {
		if (eb) {
			p->eb_all++;
			return 0;
		}
		r = append(&pf->v, pf->v.len > 0, p->eb_all, a,
		    (size_t)(e - a));
		p->eb_all = 0;
	} else if (eb)
		r = append(&pf->v, 1, 0, NULL, 0);
	else {
		r = append(&pf->v, 1, p->eb_all, s, n);
		p->eb_all = 0;
	}
	return r == 0 ? 0 : fail_errno(p);
}

/* "Name: value", the name being everything before the first colon. */
static int
parse_field(struct parser *p, const uint8_t *s, size_t n, size_t namelen)
{
	struct pfield *pf;
	const uint8_t *a = s + namelen + 1, *e = s + n;
	char vb[VIS_MAX];
	size_t i;

	p->cur = 0;
	if (p->later)
		return 0;
	if (p->n == DCF_MAX_FIELDS) {
		errf(p->err, p->errlen, "line %zu: more than %d fields",
		    p->lineno, DCF_MAX_FIELDS);
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		if (strlen(p->f[i].name) == namelen &&
		    memcmp(p->f[i].name, s, namelen) == 0) {
			errf(p->err, p->errlen, "line %zu: field \"%s\" "
			    "repeated (first on line %zu)", p->lineno,
			    vis(vb, sizeof(vb), s, namelen), p->f[i].line);
			return -1;
		}
	}
	pf = &p->f[p->n];
	if ((pf->name = malloc(namelen + 1)) == NULL)
		return fail_errno(p);
	memcpy(pf->name, s, namelen);
	pf->name[namelen] = '\0';
	/* Values never outgrow the input; one more byte for the NUL. */
	buf_init(&pf->v, DCF_MAX_SIZE + 1);
	pf->line = p->lineno;
	pf->index = in_list(index_fields, nitems(index_fields), pf->name);
	pf->fold = !in_list(keep_white, nitems(keep_white), pf->name);
	p->cur = (int)p->n++;
	while (a < e && blank(*a))
		a++;
	if (pf->fold)
		while (e > a && blank(e[-1]))
			e--;
	return buf_put(&pf->v, a, (size_t)(e - a)) == 0 ? 0 : fail_errno(p);
}

static int
parse_line(struct parser *p, const uint8_t *s, size_t n)
{
	const uint8_t *colon;
	char vb[VIS_MAX];
	size_t i;

	if (memchr(s, '\0', n) != NULL) {
		errf(p->err, p->errlen, "line %zu: NUL byte", p->lineno);
		return -1;
	}
	for (i = 0; i < n && blank(s[i]); i++)
		;
	if (i == n) {
		/* The first blank line after a record ends it. */
		if (p->in_record) {
			p->in_record = 0;
			p->later = 1;
			p->cur = -1;
			p->eb_idx = p->eb_all = 0;
		}
		return 0;
	}
	p->in_record = 1;
	if (blank(s[0]))
		return parse_cont(p, s, n);
	if (s[0] == ':' || (colon = memchr(s, ':', n)) == NULL) {
		errf(p->err, p->errlen, "line %zu: \"%s\": neither a field "
		    "(Name: value) nor a continuation line", p->lineno,
		    vis(vb, sizeof(vb), s, n));
		return -1;
	}
	return parse_field(p, s, n, (size_t)(colon - s));
}

static void
parser_free(struct parser *p)
{
	size_t i;

	if (p->f == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->f[i].name);
		buf_release(&p->f[i].v);
	}
	free(p->f);
	p->f = NULL;
}

int
dcf_parse(const struct buf *in, struct dcf *d, char *err, size_t errlen)
{
	struct parser p;
	const uint8_t *nl;
	const char *z;
	uint8_t *t = NULL;
	size_t i, n = buf_avail(in), tn, off, len;

	memset(d, 0, sizeof(*d));
	memset(&p, 0, sizeof(p));
	p.cur = -1;
	p.err = err;
	p.errlen = errlen;
	if (n > DCF_MAX_SIZE) {
		errf(err, errlen, "%zu bytes, more than %d", n, DCF_MAX_SIZE);
		return -1;
	}
	if ((z = compressed(buf_ptr(in), n)) != NULL) {
		errf(err, errlen, "line 1: %s-compressed data, not text", z);
		return -1;
	}
	if ((t = malloc(n + 1)) == NULL ||
	    (p.f = calloc(DCF_MAX_FIELDS, sizeof(*p.f))) == NULL) {
		errf(err, errlen, "line 1: %s", strerror(errno));
		goto fail;
	}
	tn = dcf_map_cr(buf_ptr(in), n, t);
	for (off = 0; off < tn; off += len + (nl != NULL)) {
		nl = memchr(t + off, '\n', tn - off);
		len = nl != NULL ? (size_t)(nl - (t + off)) : tn - off;
		p.lineno++;
		if (parse_line(&p, t + off, len) != 0)
			goto fail;
	}
	if (p.n == 0) {
		errf(err, errlen, "line %zu: no field before the end of the "
		    "file", p.lineno > 0 ? p.lineno : 1);
		goto fail;
	}
	if ((d->fields = calloc(p.n, sizeof(*d->fields))) == NULL) {
		errf(err, errlen, "line %zu: %s", p.lineno, strerror(errno));
		goto fail;
	}
	for (i = 0; i < p.n; i++) {
		if (buf_put_u8(&p.f[i].v, '\0') != 0) {
			errf(err, errlen, "line %zu: %s", p.f[i].line,
			    strerror(errno));
			goto fail;
		}
	}
	/* Hand over the names and values. */
	for (i = 0; i < p.n; i++) {
		d->fields[i].name = p.f[i].name;
		d->fields[i].value = (char *)p.f[i].v.data;
		p.f[i].name = NULL;
		p.f[i].v.data = NULL;
	}
	d->n = p.n;
	parser_free(&p);
	free(t);
	return 0;
fail:
	free(d->fields);
	d->fields = NULL;
	parser_free(&p);
	free(t);
	return -1;
}

const char *
dcf_get(const struct dcf *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return d->fields[i].value;
	return NULL;
}

int
dcf_add(struct dcf *d, const char *name, const char *value)
{
	struct dcf_field *nf;
	char *n, *v;

	if (d->n >= DCF_MAX_FIELDS) {
		errno = E2BIG;
		return -1;
	}
	if ((nf = realloc(d->fields, (d->n + 1) * sizeof(*nf))) == NULL)
		return -1;
	d->fields = nf;
	if ((n = strdup(name)) == NULL || (v = strdup(value)) == NULL) {
		free(n);
		return -1;
	}
	nf[d->n].name = n;
	nf[d->n].value = v;
	d->n++;
	return 0;
}

int
dcf_set(struct dcf *d, const char *name, const char *value)
{
	char *v;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->fields[i].name, name) != 0)
			continue;
		if (value == NULL) {
			free(d->fields[i].name);
			free(d->fields[i].value);
			memmove(&d->fields[i], &d->fields[i + 1],
			    (d->n - i - 1) * sizeof(*d->fields));
			d->n--;
			return 0;
		}
		if ((v = strdup(value)) == NULL)
			return -1;
		free(d->fields[i].value);
		d->fields[i].value = v;
		return 0;
	}
	return value == NULL ? 0 : dcf_add(d, name, value);
}

void
dcf_free(struct dcf *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->fields[i].name);
		free(d->fields[i].value);
	}
	free(d->fields);
	memset(d, 0, sizeof(*d));
}

/*
 * One UTF-8 sequence at s as glibc's iconv decodes it (R converts with
 * iconv): its length, or 0 when s[0] starts none.  Unlike R's own
 * validity check, it takes 4- to 6-byte forms beyond U+10FFFF.
 */
static size_t
u8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t least[] = {
		0, 0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000,
	};
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] < 0xf8) {
		len = 4;
		c = s[0] & 0x07;
	} else if (s[0] < 0xfc) {
		len = 5;
		c = s[0] & 0x03;
	} else if (s[0] < 0xfe) {
		len = 6;
		c = s[0] & 0x01;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < least[len] || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * strwrap's first step: iconv(x, "UTF-8", "UTF-8", sub = "byte") writes
 * each byte that does not decode as "<xx>".  What decodes beyond U+10FFFF
 * passes iconv but not the PCRE split after it, and R writes "NA".
 */
static int
put_utf8(struct buf *b, const uint8_t *s, size_t n)
{
	size_t i, l;
	uint32_t cp;

	for (i = 0; i < n; i += l) {
		if ((l = u8_seq(s + i, n - i, &cp)) == 0) {
			if (buf_putf(b, "<%02x>", s[i]) != 0)
				return -1;
			l = 1;
			continue;
		}
		if (cp > 0x10ffff) {
			errno = EILSEQ;
			return -1;
		}
		if (buf_put(b, s + i, l) != 0)
			return -1;
	}
	return 0;
}

static size_t
cp_width(uint32_t c)
{
	size_t lo = 0, hi = nitems(widths), mid;

	if (c >= 0x20 && c < 0x7f)
		return 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < widths[mid].lo)
			hi = mid;
		else if (c > widths[mid].hi)
			lo = mid + 1;
		else
			return widths[mid].w;
	}
	return 1;
}

/* nchar(type = "w") of valid UTF-8. */
static size_t
u8_width(const uint8_t *s, size_t n)
{
	size_t i, l, w = 0;
	uint32_t cp;

	for (i = 0; i < n; i += l) {
		if ((l = u8_seq(s + i, n - i, &cp)) == 0) {
			l = 1;
			cp = s[i];
		}
		w += cp_width(cp);
	}
	return w;
}

/*
 * strwrap's paragraph separator, "\n[ \t\n]*\n" (greedy): the next match
 * at or after i, [*ms, *me).
 */
static int
next_para(const uint8_t *s, size_t n, size_t i, size_t *ms, size_t *me)
{
	size_t j, last;
	int found;

	for (; i < n; i++) {
		if (s[i] != '\n')
			continue;
		found = 0;
		last = 0;
		for (j = i + 1; j < n && (blank(s[j]) || s[j] == '\n'); j++) {
			if (s[j] == '\n') {
				found = 1;
				last = j;
			}
		}
		if (found) {
			*ms = i;
			*me = last + 1;
			return 1;
		}
	}
	return 0;
}

/* grep("[.?!][)\"']{0,1}$", word): a sentence ends with it. */
static int
sentence_end(const struct word *w)
{
	if (w->len >= 1 && memchr(".?!", w->p[w->len - 1], 3) != NULL)
		return 1;
	return w->len >= 2 && memchr(")\"'", w->p[w->len - 1], 3) != NULL &&
	    memchr(".?!", w->p[w->len - 2], 3) != NULL;
}

/* The element list strwrap returns, each element followed by "\n". */
struct lines {
	struct buf b;
	size_t last;		/* where the last element starts */
};

static void
line_start(struct lines *l)
{
	l->last = l->b.len;
}

static int
line_end(struct lines *l)
{
	return buf_put_u8(&l->b, '\n');
}

static int
push_empty(struct lines *l)
{
	line_start(l);
	return line_end(l);
}

/*
 * One paragraph as strwrap(width = 72, exdent = 8) fills it: words are
 * split at single spaces, tabs and newlines (so runs give empty words);
 * words of width 0 are dropped unless they follow a sentence end, which
 * is how a double space survives there; each line takes as many words
 * as fit in 71 columns (63 after the first), at least one; a line does
 * not end with, and the next does not start with, a kept empty word.
 */
static int
wrap_para(struct lines *l, const uint8_t *s, size_t n)
{
	struct word *w;
	size_t i, nw = 0, kw, start, cur, k, rem, acc, lo;
	size_t maxlen = WRAP_WIDTH, block = 0;
	long hi, j;
	int r = -1, sep;

	if ((w = calloc(n + 1, sizeof(*w))) == NULL)
		return -1;
	for (start = i = 0; i < n; i++) {
		if (blank(s[i]) || s[i] == '\n') {
			w[nw].p = s + start;
			w[nw++].len = i - start;
			start = i + 1;
		}
	}
	if (start < n) {
		w[nw].p = s + start;
		w[nw++].len = n - start;
	}
	for (i = 0; i < nw; i++)
		w[i].w = u8_width(w[i].p, w[i].len);
	/*
	 * In place: when w[i] is tested, w[i - 1] has at most been copied
	 * onto itself, so the test sees the word R's grep() saw.
	 */
	for (kw = i = 0; i < nw; i++)
		if (w[i].w > 0 || (i > 0 && sentence_end(&w[i - 1])))
			w[kw++] = w[i];
	nw = kw;
	if (nw == 0) {
		/* strwrap's "yi <- c(yi, "", initial)" for a wordless one. */
		if (push_empty(l) != 0 || push_empty(l) != 0)
			goto out;
		r = 0;
		goto out;
	}
	for (cur = lo = 0;;) {
		rem = nw - cur;
		for (k = 0, acc = 0, i = cur; i < nw; i++, k++)
			if ((acc += w[i].w + 1) > maxlen)
				break;
		if (k == 0)
			k = 1;
		maxlen = WRAP_WIDTH - WRAP_INDENT;
		cur += k;
		hi = (long)cur - (w[cur - 1].w == 0 ? 2 : 1);
		line_start(l);
		if (block++ > 0 && buf_put(&l->b, "        ", WRAP_INDENT) != 0)
			goto out;
		/*
		 * R's lower:upper counts down when upper < lower, and
		 * index 0 (here -1) selects nothing.
		 */
		for (sep = 0, j = (long)lo;; j += hi >= (long)lo ? 1 : -1) {
			if (j >= 0) {
				if (sep++ > 0 && buf_put_u8(&l->b, ' ') != 0)
					goto out;
				if (buf_put(&l->b, w[j].p, w[j].len) != 0)
					goto out;
			}
			if (j == hi)
				break;
		}
		if (line_end(l) != 0)
			goto out;
		if (rem > k) {
			if (w[cur].w == 0) {
				cur++;
				k++;
			}
			lo = cur;
		}
		if (rem <= k)
			break;
	}
	if (push_empty(l) != 0)
		goto out;
	r = 0;
out:
	free(w);
	return r;
}

/*
 * write.dcf's escape_paragraphs: an empty line becomes " ." and the next
 * line gains a leading space; then a line starting " ." followed by more
 * gains another, so that it does not read as an empty line.
 */
static int
put_escaped(struct buf *out, const uint8_t *s, size_t n)
{
	struct buf t;
	size_t i, j;
	int r = -1;

	buf_init(&t, SCRATCH_MAX);
	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			for (j = i + 1; j < n && blank(s[j]); j++)
				;
			if (j < n && s[j] == '\n') {
				if (buf_put(&t, "\n .\n ", 5) != 0)
					goto out;
				i = j;
				continue;
			}
		}
		if (buf_put_u8(&t, s[i]) != 0)
			goto out;
	}
	for (i = 0; i < t.len; i++) {
		if (t.data[i] == '\n' && i + 3 < t.len &&
		    t.data[i + 1] == ' ' && t.data[i + 2] == '.' &&
		    t.data[i + 3] != '\n') {
			if (buf_put(out, "\n  .", 4) != 0 ||
			    buf_put_u8(out, t.data[i + 3]) != 0)
				goto out;
			i += 3;
			continue;
		}
		if (buf_put_u8(out, t.data[i]) != 0)
			goto out;
	}
	r = 0;
out:
	buf_release(&t);
	return r;
}

int
dcf_put_field(struct buf *out, const char *name, const char *value)
{
	struct buf x;
	struct lines l;
	size_t p, ms, me, save = out->len;
	int r = -1;

	buf_init(&x, SCRATCH_MAX);
	memset(&l, 0, sizeof(l));
	buf_init(&l.b, SCRATCH_MAX);
	/* formatDL(style = "list") wraps paste0(name, ": ", value) whole. */
	if (put_utf8(&x, (const uint8_t *)name, strlen(name)) != 0 ||
	    buf_put(&x, ": ", 2) != 0 ||
	    put_utf8(&x, (const uint8_t *)value, strlen(value)) != 0)
		goto out;
	/* strsplit: no empty piece after a separator that ends the text. */
	for (p = 0;;) {
		if (!next_para(x.data, x.len, p, &ms, &me)) {
			if (wrap_para(&l, x.data + p, x.len - p) != 0)
				goto out;
			break;
		}
		if (wrap_para(&l, x.data + p, ms - p) != 0)
			goto out;
		if ((p = me) == x.len)
			break;
	}
	/* strwrap drops the separator after the last paragraph. */
	if (put_escaped(out, l.b.data, l.last > 0 ? l.last - 1 : 0) != 0 ||
	    buf_put_u8(out, '\n') != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		out->len = save;
	buf_release(&x);
	buf_release(&l.b);
	return r;
}

int
dcf_pack(const struct dcf *d, struct buf *b)
{
	size_t i;

	if (d->n > DCF_MAX_FIELDS || buf_put_u32(b, (uint32_t)d->n) != 0)
		return -1;
	for (i = 0; i < d->n; i++)
		if (buf_put_str(b, d->fields[i].name) != 0 ||
		    buf_put_str(b, d->fields[i].value) != 0)
			return -1;
	return 0;
}

int
dcf_unpack(struct buf *b, struct dcf *d)
{
	char *name = NULL, *value = NULL;
	uint32_t n, i;

	d->fields = NULL;
	d->n = 0;
	if (buf_get_u32(b, &n) != 0 || n > DCF_MAX_FIELDS)
		return -1;
	for (i = 0; i < n; i++) {
		if (buf_get_str(b, &name, 256) != 0 ||
		    buf_get_str(b, &value, 65536) != 0 || name[0] == '\0' ||
		    dcf_get(d, name) != NULL || dcf_add(d, name, value) != 0)
			goto fail;
		free(name);
		free(value);
		name = value = NULL;
	}
	return 0;
fail:
	free(name);
	free(value);
	dcf_free(d);
	return -1;
}
