/*
 * captcha.c: the PNG is checked as a decoder would (every CRC, the
 * inflated size, the filter bytes) and then looked at: ink where each
 * digit should be.  The WAV is checked by doing what a listener does,
 * counting beeps, which must give back the answer.
 *
 * With CAPTCHA_EXAMPLE set in the environment, one example of each is
 * left in /tmp/captcha-example.png and /tmp/captcha-example.wav for a
 * person to judge.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "captcha.h"
#include "test.h"

#define W	CAPTCHA_PNG_WIDTH
#define H	CAPTCHA_PNG_HEIGHT
#define RAWLEN	(H * (1 + W))

/*
 * Where captcha.c centres digit i; how far either side its strokes are
 * sure to be, and how far they may reach.
 */
#define CELL_X(i)	(26 + (i) * 37)
#define BAND		12
#define REACH		27

#define DARK	100
#define LIGHT	180

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static unsigned int
le16(const uint8_t *p)
{
	return (unsigned int)p[1] << 8 | p[0];
}

static int
paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

/*
 * Decodes a PNG as captcha_png should write it into pix[H][W]; 0, or -1
 * with the reason on stderr.  Any filter is undone, not only the one
 * captcha.c uses, so that the test holds if it starts filtering.
 */
static int
png_decode(const uint8_t *p, size_t n, uint8_t *pix)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	uint8_t *idat = NULL, *raw = NULL;
	size_t off = 8, nidat = 0;
	uint32_t len;
	uLongf rawlen;
	int seen_ihdr = 0, seen_iend = 0, x, y, a, b, c, v, ret = -1;

	if (n < 8 || memcmp(p, sig, 8) != 0) {
		fprintf(stderr, "  bad signature\n");
		return -1;
	}
	if ((idat = malloc(n)) == NULL || (raw = malloc(RAWLEN + 1)) == NULL)
		goto out;
	while (off < n && !seen_iend) {
		if (n - off < 12 || (len = be32(p + off)) > n - off - 12) {
			fprintf(stderr, "  chunk at %zu overruns\n", off);
			goto out;
		}
		if (crc32(0, p + off + 4, 4 + len) != be32(p + off + 8 + len)) {
			fprintf(stderr, "  bad CRC on %.4s\n", p + off + 4);
			goto out;
		}
		if (memcmp(p + off + 4, "IHDR", 4) == 0) {
			const uint8_t *h = p + off + 8;

			if (off != 8 || len != 13 || be32(h) != W ||
			    be32(h + 4) != H || h[8] != 8 || h[9] != 0 ||
			    h[10] != 0 || h[11] != 0 || h[12] != 0) {
				fprintf(stderr, "  bad IHDR\n");
				goto out;
			}
			seen_ihdr = 1;
		} else if (memcmp(p + off + 4, "IDAT", 4) == 0) {
			memcpy(idat + nidat, p + off + 8, len);
			nidat += len;
		} else if (memcmp(p + off + 4, "IEND", 4) == 0) {
			if (len != 0) {
				fprintf(stderr, "  IEND with data\n");
				goto out;
			}
			seen_iend = 1;
		}
		off += 12 + len;
	}
	if (!seen_ihdr || !seen_iend || off != n || nidat == 0) {
		fprintf(stderr, "  IHDR %d, IEND %d, %zu of %zu bytes, "
		    "%zu of IDAT\n", seen_ihdr, seen_iend, off, n, nidat);
		goto out;
	}
	/* One byte more than needed, to see too much as well as too little. */
	rawlen = RAWLEN + 1;
	if (uncompress(raw, &rawlen, idat, nidat) != Z_OK ||
	    rawlen != RAWLEN) {
		fprintf(stderr, "  IDAT does not inflate to %d bytes\n",
		    RAWLEN);
		goto out;
	}
	for (y = 0; y < H; y++) {
		const uint8_t *row = raw + y * (1 + W);

		if (row[0] > 4) {
			fprintf(stderr, "  row %d: filter %d\n", y, row[0]);
			goto out;
		}
		for (x = 0; x < W; x++) {
			a = x > 0 ? pix[y * W + x - 1] : 0;
			b = y > 0 ? pix[(y - 1) * W + x] : 0;
			c = x > 0 && y > 0 ? pix[(y - 1) * W + x - 1] : 0;
			switch (row[0]) {
			case 0: v = 0; break;
			case 1: v = a; break;
			case 2: v = b; break;
			case 3: v = (a + b) / 2; break;
			default: v = paeth(a, b, c); break;
			}
			pix[y * W + x] = (uint8_t)(row[1 + x] + v);
		}
	}
	ret = 0;
 out:
	free(idat);
	free(raw);
	return ret;
}

static int
png(const char *digits, uint64_t seed, struct buf *b, uint8_t *pix)
{
	buf_init(b, CAPTCHA_PNG_MAX);
	if (captcha_png(digits, seed, b) != 0) {
		fprintf(stderr, "  captcha_png %s: %s\n", digits,
		    strerror(errno));
		return -1;
	}
	return png_decode(b->data, b->len, pix);
}

static void
test_png_format(void)
{
	static const char *answers[] = { "12345", "00000", "88888",
	    "90817", "64523" };
	uint8_t pix[W * H];
	struct buf b;
	size_t i;
	uint64_t seed;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		for (seed = 0; seed < 20; seed++) {
			CHECK(png(answers[i], seed * 0x9e3779b97f4a7c15ULL,
			    &b, pix) == 0);
			CHECK(b.len <= CAPTCHA_PNG_MAX);
			buf_release(&b);
		}
	}
}

static void
test_png_deterministic(void)
{
	struct buf a, b, c;

	buf_init(&a, CAPTCHA_PNG_MAX);
	buf_init(&b, CAPTCHA_PNG_MAX);
	buf_init(&c, CAPTCHA_PNG_MAX);
	CHECK(captcha_png("31415", 42, &a) == 0);
	CHECK(captcha_png("31415", 42, &b) == 0);
	CHECK(captcha_png("31415", 43, &c) == 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}

/* Dark ink and light paper in every digit's column band. */
static void
test_png_digits_drawn(void)
{
	static const char *answers[] = { "11111", "77777", "12345",
	    "67890" };
	uint8_t pix[W * H];
	struct buf b;
	size_t i;
	int d, x, y, dark, light;
	uint64_t seed;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		for (seed = 1; seed < 10; seed++) {
			if (png(answers[i], seed, &b, pix) != 0) {
				CHECK(0);
				continue;
			}
			for (d = 0; d < CAPTCHA_LEN; d++) {
				dark = light = 0;
				for (y = 0; y < H; y++) {
					for (x = CELL_X(d) - BAND;
					    x <= CELL_X(d) + BAND; x++) {
						dark += pix[y * W + x] < DARK;
						light += pix[y * W + x] > LIGHT;
					}
				}
				if (dark < 200 || light < 800)
					fprintf(stderr, "  %s seed %d digit "
					    "%d: %d dark, %d light\n",
					    answers[i], (int)seed, d, dark,
					    light);
				CHECK(dark >= 200 && light >= 800);
			}
			buf_release(&b);
		}
	}
}

/*
 * Changing one digit changes the image where that digit is and nowhere
 * else: the digit is drawn in its place, and the noise does not depend
 * on the answer.
 */
static void
test_png_digit_in_place(void)
{
	static const char *pairs[][2] = {
		{ "11111", "81111" }, { "11111", "11811" },
		{ "44444", "44440" }, { "23456", "23956" },
	};
	uint8_t pa[W * H], pb[W * H];
	struct buf a, b;
	size_t i;
	int d, x, y, inside, outside;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (d = 0; pairs[i][0][d] == pairs[i][1][d]; d++)
			;
		if (png(pairs[i][0], 7, &a, pa) != 0 ||
		    png(pairs[i][1], 7, &b, pb) != 0) {
			CHECK(0);
			continue;
		}
		inside = outside = 0;
		for (y = 0; y < H; y++) {
			for (x = 0; x < W; x++) {
				if (abs(pa[y * W + x] - pb[y * W + x]) < 64)
					continue;
				if (abs(x - CELL_X(d)) <= REACH)
					inside++;
				else
					outside++;
			}
		}
		CHECK(inside >= 50);
		CHECK(outside == 0);
		buf_release(&a);
		buf_release(&b);
	}
}

static void
test_png_full(void)
{
	struct buf b;

	/* No room: refused, and the buffer as it was. */
	buf_init(&b, 1000);
	CHECK(buf_put(&b, "xyz", 3) == 0);
	errno = 0;
	CHECK(captcha_png("12345", 1, &b) == -1);
	CHECK(errno == ENOBUFS);
	CHECK(b.len == 3);
	buf_release(&b);

	/* Appends after what is there. */
	buf_init(&b, 3 + CAPTCHA_PNG_MAX);
	CHECK(buf_put(&b, "xyz", 3) == 0);
	CHECK(captcha_png("12345", 1, &b) == 0);
	CHECK(b.len > 3 + 8 && memcmp(b.data, "xyz\x89PNG", 7) == 0);
	buf_release(&b);
}

/*
 * Checks the WAV header; on success *data and *n are the samples.
 */
static int
wav_parse(const struct buf *b, const uint8_t **data, size_t *n)
{
	const uint8_t *p = b->data;
	size_t len;

	if (b->len < 44 || memcmp(p, "RIFF", 4) != 0 ||
	    memcmp(p + 8, "WAVEfmt ", 8) != 0 || le32(p + 16) != 16 ||
	    memcmp(p + 36, "data", 4) != 0) {
		fprintf(stderr, "  not RIFF/WAVE/fmt/data\n");
		return -1;
	}
	if (le16(p + 20) != 1 || le16(p + 22) != 1 ||
	    le32(p + 24) != CAPTCHA_WAV_RATE ||
	    le32(p + 28) != CAPTCHA_WAV_RATE || le16(p + 32) != 1 ||
	    le16(p + 34) != 8) {
		fprintf(stderr, "  not PCM 8-bit mono at the rate\n");
		return -1;
	}
	len = le32(p + 40);
	if (le32(p + 4) != b->len - 8 || 44 + len + (len & 1) != b->len) {
		fprintf(stderr, "  sizes: RIFF %u, data %zu, file %zu\n",
		    (unsigned int)le32(p + 4), len, b->len);
		return -1;
	}
	*data = p + 44;
	*n = len;
	return 0;
}

#define BLOCK		20	/* samples: 5 ms */
#define LOUD		40
#define DIGIT_GAP	(CAPTCHA_WAV_RATE * 3 / 10)	/* 0.3 s */

/*
 * What a listener hears: a lead-in, then groups of beeps, the groups
 * apart by a long silence.  Writes the counts as digits into got and
 * each beep's frequency, by counting cycles, into hz.
 */
static int
count_beeps(const uint8_t *s, size_t n, char *got, size_t gotlen,
    int *hz_min, int *hz_max)
{
	size_t i, k, start = 0, end = 0, ndigits = 0;
	int loud, in_run = 0, runs = 0, beeps = 0, max, cycles, below, hz;

	*hz_min = 1 << 20;
	*hz_max = 0;
	for (i = 0; i <= n; i += BLOCK) {
		loud = 0;
		if (i + BLOCK <= n) {
			for (max = 0, k = i; k < i + BLOCK; k++)
				if (abs(s[k] - 128) > max)
					max = abs(s[k] - 128);
			loud = max > LOUD;
		}
		if (loud && !in_run) {
			if (runs > 1 && i - end >= DIGIT_GAP) {
				if (ndigits + 1 >= gotlen || beeps > 10)
					return -1;
				got[ndigits++] = (char)('0' + beeps % 10);
				beeps = 0;
			}
			start = i;
			in_run = 1;
		} else if (!loud && in_run) {
			end = i;
			in_run = 0;
			if (runs++ == 0)
				continue;	/* the lead-in */
			beeps++;
			/* Cycles by upward crossings, with hysteresis. */
			for (cycles = 0, below = 0, k = start; k < end; k++) {
				if (s[k] < 128 - 20)
					below = 1;
				else if (s[k] > 128 + 20 && below) {
					cycles++;
					below = 0;
				}
			}
			hz = (int)((size_t)cycles * CAPTCHA_WAV_RATE /
			    (end - start));
			if (hz < *hz_min)
				*hz_min = hz;
			if (hz > *hz_max)
				*hz_max = hz;
		}
	}
	if (beeps > 10 || ndigits + 1 >= gotlen)
		return -1;
	got[ndigits++] = (char)('0' + beeps % 10);
	got[ndigits] = '\0';
	return 0;
}

static void
test_wav(void)
{
	static const char *answers[] = { "12345", "00000", "90210",
	    "11111", "67890", "50505" };
	const uint8_t *s;
	struct buf b;
	size_t i, n;
	char got[16];
	int lo, hi;
	uint64_t seed;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		for (seed = 0; seed < 5; seed++) {
			buf_init(&b, CAPTCHA_WAV_MAX);
			CHECK(captcha_wav(answers[i], seed, &b) == 0);
			if (wav_parse(&b, &s, &n) != 0) {
				CHECK(0);
				buf_release(&b);
				continue;
			}
			CHECK(count_beeps(s, n, got, sizeof(got), &lo,
			    &hi) == 0);
			if (strcmp(got, answers[i]) != 0)
				fprintf(stderr, "  heard %s for %s\n", got,
				    answers[i]);
			CHECK(strcmp(got, answers[i]) == 0);
			/* 500-900 Hz, give or take a cycle per beep. */
			CHECK(lo >= 450 && hi <= 950);
			buf_release(&b);
		}
	}
}

static void
test_wav_longest(void)
{
	struct buf a, b, c;
	uint64_t seed;

	for (seed = 0; seed < 50; seed++) {
		buf_init(&a, CAPTCHA_WAV_MAX);
		CHECK(captcha_wav("00000", seed * 1000003, &a) == 0);
		CHECK(a.len <= CAPTCHA_WAV_MAX);
		buf_release(&a);
	}

	buf_init(&a, CAPTCHA_WAV_MAX);
	buf_init(&b, CAPTCHA_WAV_MAX);
	buf_init(&c, CAPTCHA_WAV_MAX);
	CHECK(captcha_wav("27182", 9, &a) == 0);
	CHECK(captcha_wav("27182", 9, &b) == 0);
	CHECK(captcha_wav("27182", 10, &c) == 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);

	buf_init(&a, 20000);
	errno = 0;
	CHECK(captcha_wav("00000", 1, &a) == -1);
	CHECK(errno == ENOBUFS && a.len == 0);
	buf_release(&a);
}

static void
test_bad_input(void)
{
	static const char *bad[] = { "1234", "12a45", "123456", "",
	    " 1234", "1234 ", "-1234", "1 345" };
	struct buf b;
	size_t i;

	buf_init(&b, CAPTCHA_WAV_MAX + CAPTCHA_PNG_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(captcha_png(bad[i], 1, &b) == -1 && errno == EINVAL);
		errno = 0;
		CHECK(captcha_wav(bad[i], 1, &b) == -1 && errno == EINVAL);
	}
	CHECK(captcha_png(NULL, 1, &b) == -1);
	CHECK(captcha_wav(NULL, 1, &b) == -1);
	CHECK(b.len == 0);
	buf_release(&b);
}

static void
write_file(const char *path, const struct buf *b)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		return;
	}
	if (fwrite(b->data, 1, b->len, f) != b->len)
		perror(path);
	fclose(f);
}

static void
write_example(void)
{
	struct buf b;

	if (getenv("CAPTCHA_EXAMPLE") == NULL)
		return;
	buf_init(&b, CAPTCHA_PNG_MAX);
	if (captcha_png("40719", 0x5eed, &b) == 0)
		write_file("/tmp/captcha-example.png", &b);
	buf_release(&b);
	buf_init(&b, CAPTCHA_WAV_MAX);
	if (captcha_wav("40719", 0x5eed, &b) == 0)
		write_file("/tmp/captcha-example.wav", &b);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_png_format);
	RUN(test_png_deterministic);
	RUN(test_png_digits_drawn);
	RUN(test_png_digit_in_place);
	RUN(test_png_full);
	RUN(test_wav);
	RUN(test_wav_longest);
	RUN(test_bad_input);
	write_example();
	TEST_EXIT();
}
