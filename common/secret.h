/*
 * secret: a small value (a password, a private key) sealed with a server
 * key, for storage at rest: AES-256-GCM through OpenSSL's EVP, a random
 * 96-bit nonce per value, and associated data that binds the value to
 * where it belongs (a mirror's name and the setting), so a sealed value
 * moved to another repository or setting does not open.
 *
 * Sealed text: hex of  u8 version (1) | nonce (12) | ciphertext | tag (16).
 */
#ifndef AIRLOCK_SECRET_H
#define AIRLOCK_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define SECRET_KEY_LEN	32
#define SECRET_MAX	65536		/* bytes of plaintext */

/*
 * Seals n bytes of p under key with aad.  Returns the sealed text (the
 * caller frees), or NULL (n too large, out of memory, OpenSSL failure).
 */
char *secret_seal(const uint8_t key[SECRET_KEY_LEN], const char *aad,
    const void *p, size_t n);

/*
 * Opens sealed text (of text: a value holding a NUL is refused): 0 with *out the plaintext, NUL-terminated, *outlen
 * its length (the caller wipes and frees it: secret_free); -1 when the
 * text is malformed, the key or aad is not the one it was sealed with, or
 * it was changed.  Nothing is returned on failure.
 */
int secret_open(const uint8_t key[SECRET_KEY_LEN], const char *aad,
    const char *sealed, char **out, size_t *outlen);

/*
 * The associated data that binds a mirror's sealed setting to the mirror
 * and the setting: "airlock sync secret: REPO/NAME" into out.
 */
void secret_aad(const char *repo, const char *name, char *out, size_t n);

/* Wipes and frees a plaintext from secret_open; NULL ok. */
void secret_free(char *p);

/* 2n hex digits into n bytes: 0, or -1 when s is not exactly that. */
int secret_unhex(const char *s, uint8_t *out, size_t n);
/* n bytes as 2n hex digits and a NUL into out (2n + 1 bytes). */
void secret_hex(const uint8_t *p, size_t n, char *out);

#endif
