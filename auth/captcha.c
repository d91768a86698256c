/*
 * captcha: the login challenge drawn as a PNG and spoken as beeps in a
 * WAV, for the sandboxed auth role.  Everything comes from this file and
 * the seed: a stroke font for the digits, a sine table for turning them
 * and for the tones, and splitmix64 for every random choice, so the same
 * answer and seed give the same bytes.  The only memory besides the
 * caller's buffer is about 40 KB of stack: the canvas, and a fixed arena
 * that zlib's deflate allocates from, so the role needs no malloc here.
 *
 * Output is written in one buf_reserve and one buf_commit, so a failure
 * leaves the caller's buffer as it was.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "captcha.h"

/*
 * splitmix64: enough to vary shapes and noise.  Nothing here needs to be
 * unpredictable but the answer, which the caller draws from a real
 * source; the seed only keeps the distortions from repeating.
 */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z;

	z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]; the modulo's bias, span / 2^64, is of no matter. */
static int
rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* sin(2 pi i / 256) * 16384 over a quarter turn, as libm is not linked. */
static const int16_t quarter_sine[65] = {
	0, 402, 804, 1205, 1606, 2006, 2404, 2801,
	3196, 3590, 3981, 4370, 4756, 5139, 5520, 5897,
	6270, 6639, 7005, 7366, 7723, 8076, 8423, 8765,
	9102, 9434, 9760, 10080, 10394, 10702, 11003, 11297,
	11585, 11866, 12140, 12406, 12665, 12916, 13160, 13395,
	13623, 13842, 14053, 14256, 14449, 14635, 14811, 14978,
	15137, 15286, 15426, 15557, 15679, 15791, 15893, 15986,
	16069, 16143, 16207, 16261, 16305, 16340, 16364, 16379,
	16384
};

/* The sine of i/256 of a turn, times 16384. */
static int
isin(unsigned int i)
{
	unsigned int q = i & 63;

	switch ((i >> 6) & 3) {
	case 0:
		return quarter_sine[q];
	case 1:
		return quarter_sine[64 - q];
	case 2:
		return -quarter_sine[q];
	default:
		return -quarter_sine[64 - q];
	}
}

static int
check_digits(const char *digits)
{
	int i;

	if (digits == NULL)
		goto bad;
	for (i = 0; i < CAPTCHA_LEN; i++)
		if (digits[i] < '0' || digits[i] > '9')
			goto bad;
	if (digits[CAPTCHA_LEN] != '\0')
		goto bad;
	return 0;
 bad:
	errno = EINVAL;
	return -1;
}

/*
 * The digits as strokes on a FONT_W x FONT_H grid, y down: polylines of
 * x, y pairs, PEN_UP between two, FONT_END after the last.  Strokes
 * rather than a bitmap, so that a turned and sheared digit keeps smooth
 * edges at any size.  The shapes are plain on purpose (a 1 with a foot,
 * a 7 without a bar) so that no digit looks like another once distorted.
 */
#define FONT_W		16
#define FONT_H		24
#define PEN_UP		-1
#define FONT_END	-2
#define FONT_MAX	40

static const int8_t font[10][FONT_MAX] = {
	{ 16, 12, 15, 6, 12, 2, 8, 0, 4, 2, 1, 6, 0, 12, 1, 18, 4, 22,
	  8, 24, 12, 22, 15, 18, 16, 12, FONT_END },
	{ 3, 5, 9, 0, 9, 24, PEN_UP, 3, 24, 15, 24, FONT_END },
	{ 1, 5, 3, 1, 8, 0, 13, 1, 15, 5, 14, 9, 10, 13, 0, 24, 16, 24,
	  FONT_END },
	{ 1, 3, 5, 0, 11, 0, 15, 3, 15, 8, 11, 11, 6, 11, PEN_UP,
	  11, 11, 16, 15, 16, 20, 12, 24, 4, 24, 0, 21, FONT_END },
	{ 11, 24, 11, 0, 0, 16, 16, 16, FONT_END },
	{ 15, 0, 2, 0, 1, 10, 5, 8, 11, 8, 15, 11, 16, 16, 14, 21, 9, 24,
	  4, 24, 0, 21, FONT_END },
	{ 14, 1, 10, 0, 5, 1, 2, 5, 0, 12, 0, 18, 3, 23, 8, 24, 13, 23,
	  16, 19, 15, 14, 12, 11, 8, 10, 4, 11, 1, 15, FONT_END },
	{ 0, 0, 16, 0, 5, 24, FONT_END },
	{ 8, 11, 3, 9, 1, 5, 3, 1, 8, 0, 13, 1, 15, 5, 13, 9, 8, 11,
	  3, 13, 0, 18, 2, 22, 8, 24, 14, 22, 16, 18, 13, 13, 8, 11,
	  FONT_END },
	{ 2, 23, 6, 24, 11, 23, 14, 19, 16, 12, 16, 6, 13, 1, 8, 0, 3, 1,
	  0, 5, 1, 10, 4, 13, 8, 14, 12, 13, 15, 9, FONT_END },
};

#define W	CAPTCHA_PNG_WIDTH
#define H	CAPTCHA_PNG_HEIGHT
#define ROW	(1 + W)		/* PNG's filter byte, then the pixels */
#define SUB	16		/* canvas coordinates are in 1/16 pixel */

/* Where digit i is centred, in pixels; the rest of the width is margin. */
#define CELL_X(i)	(26 + (i) * 37)
#define CELL_Y		(H / 2)

/* Enough lines to cross every digit, thin enough not to hide one. */
#define NLINES		3
#define LINE_STEPS	20
#define NSPECKLES	300

/*
 * The image as PNG's filtered scanlines, filter 0 (none), so it can be
 * deflated as it stands.  Drawing first puts ink (0 none, 255 full) in
 * the pixels; shading then turns it into gray.
 */
struct canvas {
	uint8_t raw[H][ROW];
};

/* Maps a font point to the canvas: m in 1/256 pixel per font unit. */
struct placement {
	int m00, m01, m10, m11;
	int cx, cy;	/* the glyph's centre, in 1/SUB pixel */
	int r;		/* half the stroke width, in 1/SUB pixel */
};

static unsigned int
isqrt(uint32_t v)
{
	uint32_t r = 0, bit = UINT32_C(1) << 30;

	while (bit > v)
		bit >>= 2;
	while (bit != 0) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else
			r >>= 1;
		bit >>= 2;
	}
	return r;
}

static int
clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Ink within r of the segment (x0, y0)-(x1, y1), all in 1/SUB pixel,
 * fading to nothing over one more pixel so that edges are smoothed, not
 * stepped.  Round ends, so the segments of a stroke join without gaps.
 * Where strokes overlap the darker ink wins.
 */
static void
ink_segment(struct canvas *c, int x0, int y0, int x1, int y1, int r)
{
	int64_t dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
	int64_t ex, ey, t, d2, k;
	int reach = r + SUB / 2, x, y, xa, xb, ya, yb, a;

	xa = clamp(((x0 < x1 ? x0 : x1) - reach) / SUB, 0, W - 1);
	xb = clamp(((x0 > x1 ? x0 : x1) + reach) / SUB, 0, W - 1);
	ya = clamp(((y0 < y1 ? y0 : y1) - reach) / SUB, 0, H - 1);
	yb = clamp(((y0 > y1 ? y0 : y1) + reach) / SUB, 0, H - 1);
	for (y = ya; y <= yb; y++) {
		for (x = xa; x <= xb; x++) {
			ex = x * SUB + SUB / 2 - x0;
			ey = y * SUB + SUB / 2 - y0;
			t = ex * dx + ey * dy;
			if (t <= 0 || len2 == 0)
				d2 = ex * ex + ey * ey;
			else if (t >= len2)
				d2 = (ex - dx) * (ex - dx) +
				    (ey - dy) * (ey - dy);
			else {
				k = ex * dy - ey * dx;
				d2 = k * k / len2;
			}
			if (d2 >= (int64_t)reach * reach)
				continue;
			a = (reach - (int)isqrt((uint32_t)d2)) * 255 / SUB;
			if (a > 255)
				a = 255;
			if (a > c->raw[y][1 + x])
				c->raw[y][1 + x] = (uint8_t)a;
		}
	}
}

/* Font point (fx, fy) on the canvas. */
static void
place(const struct placement *p, int fx, int fy, int *x, int *y)
{
	/* Half font units about the centre keep the glyph's middle exact. */
	int hx = 2 * fx - FONT_W, hy = 2 * fy - FONT_H;

	/* m is 1/256 pixel per unit, so 1/512 per half unit: /32 to 1/16. */
	*x = p->cx + (p->m00 * hx + p->m01 * hy) / 32;
	*y = p->cy + (p->m10 * hx + p->m11 * hy) / 32;
}

static void
draw_glyph(struct canvas *c, const int8_t *g, const struct placement *p)
{
	int x0 = 0, y0 = 0, x1, y1, pen = 0, i = 0;

	while (i + 1 < FONT_MAX && g[i] != FONT_END) {
		if (g[i] == PEN_UP) {
			pen = 0;
			i++;
			continue;
		}
		place(p, g[i], g[i + 1], &x1, &y1);
		if (pen)
			ink_segment(c, x0, y0, x1, y1, p->r);
		x0 = x1;
		y0 = y1;
		pen = 1;
		i += 2;
	}
}

/*
 * Digit i at a random place, angle (up to 14 degrees either way), shear,
 * height (37 to 45 pixels), width and stroke.  Each digit draws the same
 * number of random values whatever its shape, so the rest of the image
 * does not depend on which digits it shows.
 */
static void
draw_digit(struct canvas *c, int i, int d, struct rng *rng)
{
	struct placement p;
	int a, sin_a, cos_a, shear, sx, sy;

	a = rng_range(rng, -10, 10);			/* 1/256 turn */
	shear = rng_range(rng, -56, 56);		/* 1/256 */
	sy = rng_range(rng, 400, 480);			/* 1/256 px per unit */
	sx = rng_range(rng, 360, 430);
	p.r = rng_range(rng, 24, 32);
	p.cx = CELL_X(i) * SUB + rng_range(rng, -2 * SUB, 2 * SUB);
	p.cy = CELL_Y * SUB + rng_range(rng, -3 * SUB, 3 * SUB);

	/* Rotation times shear times scale, in 1/256 pixel per unit. */
	sin_a = isin((unsigned int)(a + 256));
	cos_a = isin((unsigned int)(a + 256 + 64));
	p.m00 = (int)((int64_t)cos_a * sx / 16384);
	p.m01 = (int)(((int64_t)cos_a * shear * sy / 256 -
	    (int64_t)sin_a * sy) / 16384);
	p.m10 = (int)((int64_t)sin_a * sx / 16384);
	p.m11 = (int)(((int64_t)sin_a * shear * sy / 256 +
	    (int64_t)cos_a * sy) / 16384);
	draw_glyph(c, font[d], &p);
}

/*
 * A thin curve (a quadratic Bezier) from beyond the left edge to beyond
 * the right one, bowing up or down through the text.  It joins the
 * digits, which a person reads through and a program must first undo to
 * cut them apart.
 */
static void
draw_line(struct canvas *c, struct rng *rng)
{
	int x[3], y[3], r, k, u, px, py, qx = 0, qy = 0;
	const int n2 = LINE_STEPS * LINE_STEPS;

	x[0] = rng_range(rng, -10, 10) * SUB;
	y[0] = rng_range(rng, 8, H - 8) * SUB;
	x[1] = rng_range(rng, 60, W - 60) * SUB;
	y[1] = rng_range(rng, -20, H + 20) * SUB;
	x[2] = rng_range(rng, W - 10, W + 10) * SUB;
	y[2] = rng_range(rng, 8, H - 8) * SUB;
	r = rng_range(rng, 10, 18);
	for (k = 0; k <= LINE_STEPS; k++) {
		u = LINE_STEPS - k;
		px = (u * u * x[0] + 2 * u * k * x[1] + k * k * x[2]) / n2;
		py = (u * u * y[0] + 2 * u * k * y[1] + k * k * y[2]) / n2;
		if (k > 0)
			ink_segment(c, qx, qy, px, py, r);
		qx = px;
		qy = py;
	}
}

/* Ink to gray over a noisy paper, then salt and pepper. */
static void
shade(struct canvas *c, struct rng *rng)
{
	int x, y, k, paper, ink, bg, v;

	paper = rng_range(rng, 220, 240);
	ink = rng_range(rng, 20, 60);
	for (y = 0; y < H; y++) {
		c->raw[y][0] = 0;	/* filter: none */
		for (x = 0; x < W; x++) {
			bg = paper + rng_range(rng, -12, 12);
			v = bg - (bg - ink) * c->raw[y][1 + x] / 255;
			c->raw[y][1 + x] = (uint8_t)v;
		}
	}
	for (k = 0; k < NSPECKLES; k++) {
		x = rng_range(rng, 0, W - 1);
		y = rng_range(rng, 0, H - 1);
		v = rng_range(rng, 0, 1) ? rng_range(rng, 0, 70) :
		    rng_range(rng, 190, 255);
		c->raw[y][1 + x] = (uint8_t)v;
	}
}

static void
render(struct canvas *c, const char *digits, uint64_t seed)
{
	struct rng rng = { seed };
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CAPTCHA_LEN; i++)
		draw_digit(c, i, digits[i] - '0', &rng);
	for (i = 0; i < NLINES; i++)
		draw_line(c, &rng);
	shade(c, &rng);
}

/*
 * zlib allocates from here rather than from the heap.  A small window
 * and hash (1 KB, memLevel 4) bring deflate's state to about 18 KB, and
 * cost little: speckled rows a few hundred bytes long leave long matches
 * rare whatever the window.
 */
#define Z_WBITS		10
#define Z_MEMLEVEL	4
#define Z_ARENA		(24 * 1024)

struct zarena {
	size_t used;
	union {
		max_align_t align;
		unsigned char b[Z_ARENA];
	} mem;
};

static voidpf
zarena_alloc(voidpf opaque, uInt items, uInt size)
{
	struct zarena *za = opaque;
	size_t n = (size_t)items * size;
	void *p;

	if (size != 0 && n / size != items)
		return Z_NULL;
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (n > sizeof(za->mem) - za->used)
		return Z_NULL;
	p = za->mem.b + za->used;
	za->used += n;
	return p;
}

/* The arena goes with the stack frame. */
static void
zarena_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	(void)p;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Completes the chunk at ch, whose type and n bytes of data are in
 * place: its length before them, its CRC after.  Returns its end.
 */
static uint8_t *
png_seal(uint8_t *ch, uint32_t n)
{
	put_be32(ch, n);
	put_be32(ch + 8 + n, (uint32_t)crc32(0, ch + 4, 4 + n));
	return ch + 12 + n;
}

#define PNG_SIG_LEN	8
#define PNG_IHDR_LEN	13
/* All but the IDAT data: signature, IHDR, and the framing of two more. */
#define PNG_OVERHEAD	(PNG_SIG_LEN + 12 + PNG_IHDR_LEN + 12 + 12)

int
captcha_png(const char *digits, uint64_t seed, struct buf *out)
{
	static const uint8_t sig[PNG_SIG_LEN] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};
	struct canvas c;
	struct zarena za;
	z_stream z;
	uint8_t *start, *p;
	uLong bound;
	int r;

	if (check_digits(digits) != 0)
		return -1;
	render(&c, digits, seed);

	memset(&z, 0, sizeof(z));
	za.used = 0;
	z.zalloc = zarena_alloc;
	z.zfree = zarena_free;
	z.opaque = &za;
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, Z_WBITS,
	    Z_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		errno = ENOMEM;
		return -1;
	}
	bound = deflateBound(&z, sizeof(c.raw));
	if (buf_reserve(out, PNG_OVERHEAD + bound, &start) != 0) {
		deflateEnd(&z);
		return -1;
	}

	p = start;
	memcpy(p, sig, sizeof(sig));
	p += sizeof(sig);

	memcpy(p + 4, "IHDR", 4);
	put_be32(p + 8, W);
	put_be32(p + 12, H);
	p[16] = 8;	/* bits per sample */
	p[17] = 0;	/* grayscale */
	p[18] = 0;	/* deflate */
	p[19] = 0;	/* adaptive filtering, though every row uses none */
	p[20] = 0;	/* not interlaced */
	p = png_seal(p, PNG_IHDR_LEN);

	memcpy(p + 4, "IDAT", 4);
	z.next_in = &c.raw[0][0];
	z.avail_in = sizeof(c.raw);
	z.next_out = p + 8;
	z.avail_out = (uInt)bound;
	r = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	/* deflateBound promises room; anything else is zlib's fault. */
	if (r != Z_STREAM_END) {
		errno = EIO;
		return -1;
	}
	p = png_seal(p, (uint32_t)z.total_out);

	memcpy(p + 4, "IEND", 4);
	p = png_seal(p, 0);

	return buf_commit(out, (size_t)(p - start));
}

/*
 * The audio: every length in samples.  Beeps and gaps only ever shorten
 * from their longest, so the worst case ("00000", everything at its
 * longest) is known here and checked against CAPTCHA_WAV_MAX below.
 * The lead-in is longer and lower than any beep so that it is not
 * counted, and the pause between digits is several gaps long so that
 * the groups are heard apart.
 */
#define RATE		CAPTCHA_WAV_RATE
#define MS(ms)		((ms) * RATE / 1000)
#define LEAD_TONE	MS(200)
#define LEAD_GAP	MS(400)
#define LEAD_HZ		400
#define BEEP_MIN	MS(110)
#define BEEP_MAX	MS(120)
#define GAP_MIN		MS(100)
#define GAP_MAX		MS(120)
#define PAUSE_MIN	MS(650)
#define PAUSE_MAX	MS(700)
#define TAIL		MS(100)
#define HZ_MIN		500
#define HZ_MAX		900
#define RAMP		32	/* samples of fade in and out: no clicks */
#define NOISE		4	/* background, in steps of 1/128 */

#define WAV_HEADER_LEN	44
#define WAV_WORST	(WAV_HEADER_LEN + LEAD_TONE + LEAD_GAP + \
	CAPTCHA_LEN * (10 * BEEP_MAX + 9 * GAP_MAX) + \
	(CAPTCHA_LEN - 1) * PAUSE_MAX + TAIL + 1 /* RIFF's pad byte */)

_Static_assert(WAV_WORST <= CAPTCHA_WAV_MAX,
    "the longest answer no longer fits CAPTCHA_WAV_MAX");

/* One stretch of sound: a tone, or silence (hz 0). */
struct tone {
	int len;
	int hz;
	int amp;	/* peak, in steps of 1/128 */
};

/* Lead-in, beeps and the gaps after all but the last, tail. */
#define MAX_TONES	(2 + CAPTCHA_LEN * 20 + 1)

/* Lays out the answer as tones; returns how many. */
static int
plan(const char *digits, struct rng *rng, struct tone *t)
{
	int n = 0, i, k, beeps, hz;

	t[n++] = (struct tone){ LEAD_TONE, LEAD_HZ, 100 };
	t[n++] = (struct tone){ LEAD_GAP, 0, 0 };
	for (i = 0; i < CAPTCHA_LEN; i++) {
		beeps = digits[i] == '0' ? 10 : digits[i] - '0';
		hz = rng_range(rng, HZ_MIN, HZ_MAX);
		for (k = 0; k < beeps; k++) {
			t[n++] = (struct tone){ rng_range(rng, BEEP_MIN,
			    BEEP_MAX), hz, rng_range(rng, 85, 110) };
			if (k + 1 < beeps)
				t[n++] = (struct tone){ rng_range(rng,
				    GAP_MIN, GAP_MAX), 0, 0 };
		}
		if (i + 1 < CAPTCHA_LEN)
			t[n++] = (struct tone){ rng_range(rng, PAUSE_MIN,
			    PAUSE_MAX), 0, 0 };
	}
	t[n++] = (struct tone){ TAIL, 0, 0 };
	return n;
}

static uint8_t *
put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *
put_le32(uint8_t *p, uint32_t v)
{
	p = put_le16(p, (uint16_t)v);
	return put_le16(p, (uint16_t)(v >> 16));
}

/* Samples of one tone over the noise, as unsigned 8-bit (128 silent). */
static uint8_t *
sound(uint8_t *p, const struct tone *t, struct rng *rng)
{
	uint32_t phase = 0, step;
	int k, env, v;

	/* The phase counts 2^32 to a turn; its top byte indexes isin. */
	step = (uint32_t)(((uint64_t)t->hz << 32) / RATE);
	for (k = 0; k < t->len; k++) {
		v = 128 + rng_range(rng, -NOISE, NOISE);
		if (t->hz != 0) {
			env = k < t->len - 1 - k ? k : t->len - 1 - k;
			if (env > RAMP)
				env = RAMP;
			v += t->amp * isin(phase >> 24) * env / (16384 * RAMP);
			phase += step;
		}
		*p++ = (uint8_t)clamp(v, 0, 255);
	}
	return p;
}

int
captcha_wav(const char *digits, uint64_t seed, struct buf *out)
{
	struct tone t[MAX_TONES];
	struct rng rng = { seed };
	uint8_t *start, *p;
	size_t data, pad;
	int n, i;

	if (check_digits(digits) != 0)
		return -1;
	n = plan(digits, &rng, t);
	for (data = 0, i = 0; i < n; i++)
		data += (size_t)t[i].len;
	/* RIFF chunks start on even offsets. */
	pad = data & 1;
	if (buf_reserve(out, WAV_HEADER_LEN + data + pad, &start) != 0)
		return -1;

	p = start;
	memcpy(p, "RIFF", 4);
	p = put_le32(p + 4, (uint32_t)(WAV_HEADER_LEN - 8 + data + pad));
	memcpy(p, "WAVEfmt ", 8);
	p = put_le32(p + 8, 16);
	p = put_le16(p, 1);		/* PCM */
	p = put_le16(p, 1);		/* mono */
	p = put_le32(p, RATE);
	p = put_le32(p, RATE);		/* bytes per second */
	p = put_le16(p, 1);		/* bytes per sample */
	p = put_le16(p, 8);		/* bits per sample */
	memcpy(p, "data", 4);
	p = put_le32(p + 4, (uint32_t)data);

	for (i = 0; i < n; i++)
		p = sound(p, &t[i], &rng);
	if (pad)
		*p++ = 0;
	return buf_commit(out, (size_t)(p - start));
}
