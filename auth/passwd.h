/*
 * passwd: password hashes for the auth role.  scrypt (OpenSSL 3's EVP_KDF
 * "SCRYPT"), stored as
 *
 *	$scrypt$ln=15,r=8,p=1$<salt>$<key>
 *
 * with salt and key in base64 without padding (the form passlib writes).
 * Each hash carries its own costs, so new hashes can be made dearer later
 * without breaking the old ones.
 */
#ifndef AIRLOCK_PASSWD_H
#define AIRLOCK_PASSWD_H

#include <stddef.h>

#define PASSWD_MAX 256	/* longest stored hash string, with its NUL */

/*
 * Hashes pw with N = 2^ln (passwd_set_cost), r = 8, p = 1, a 16-byte
 * random salt and a 32-byte key into out; 0, or -1.
 */
int passwd_hash(const char *pw, char *out, size_t outsz);
/*
 * 1 when pw matches stored, 0 when not, -1 when stored is malformed (or
 * scrypt failed).  The costs are read from stored: ln 1..20, r 1..32,
 * p 1..16.
 */
int passwd_verify(const char *pw, const char *stored);
/*
 * Costs what passwd_verify of a hash made now costs, and says nothing:
 * for unknown users and those without a password, so they take the same
 * time as the others.
 */
void passwd_verify_dummy(const char *pw);
/* The cost (ln) of new hashes, 1..20; 15 unless set.  Tests lower it. */
void passwd_set_cost(int ln);

#endif
