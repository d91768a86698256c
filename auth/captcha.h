/*
 * captcha: the login form's challenge (authentication.
 * challenge_response_enabled), as an image and, for those who cannot see
 * it, as sound.  Both are rendered inside the sandboxed auth role from a
 * built-in font and a seed, so they need no files, no fonts and no heap
 * beyond the output buffer.  The caller picks the answer and the seed at
 * random and keeps the answer; this module never sees anything secret
 * beyond the digits it draws.
 */
#ifndef AIRLOCK_CAPTCHA_H
#define AIRLOCK_CAPTCHA_H

#include <stdint.h>

struct buf;

#define CAPTCHA_LEN	5	/* decimal digits in an answer */
#define CAPTCHA_PNG_MAX	32768	/* the image always fits this */
#define CAPTCHA_WAV_MAX	60000	/* the audio always fits this */

#define CAPTCHA_PNG_WIDTH	200
#define CAPTCHA_PNG_HEIGHT	70
#define CAPTCHA_WAV_RATE	4000	/* samples per second */

/*
 * Appends a PNG (8-bit grayscale, CAPTCHA_PNG_WIDTH x CAPTCHA_PNG_HEIGHT)
 * of the digits, each moved, turned, sheared and sized at random, with
 * lines through them and speckles; the same digits and seed give the same
 * bytes.  Needs up to CAPTCHA_PNG_MAX bytes of room in out.  0, or -1 with
 * errno set (EINVAL: digits is not CAPTCHA_LEN digits; ENOBUFS: out is
 * full), in which case out is unchanged.
 */
int captcha_png(const char *digits, uint64_t seed, struct buf *out);

/*
 * Appends a WAV (PCM, 8-bit unsigned, mono, CAPTCHA_WAV_RATE Hz) of the
 * same answer for a listener to count: a lead-in tone, then per digit d
 * that many beeps (ten for 0) at a pitch picked for the digit, digits
 * apart by a long pause, over low noise.  Fits CAPTCHA_WAV_MAX for any
 * answer.  0 or -1 as captcha_png.
 */
int captcha_wav(const char *digits, uint64_t seed, struct buf *out);

#endif
