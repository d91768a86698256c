/*
 * tlskey: TLS private-key operations done in another process, as OpenBSD
 * relayd's ca process does them.  A worker terminates TLS with the
 * certificate and a key object holding only the public half; each private
 * operation of a handshake becomes one request (KEY_REQ) to the keys role,
 * which alone holds the private key and answers with the result (KEY_REP).
 * The keys role parses requests from workers, which it does not trust: the
 * parser and the operation are bounded, and only the three operations a
 * handshake needs are done.
 *
 * Keys: RSA of 2048 to 8192 bits, ECDSA on P-256 and P-384.
 */
#ifndef AIRLOCK_TLSKEY_H
#define AIRLOCK_TLSKEY_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"

/* The largest request input and answer output: one RSA-8192 block. */
#define TLSKEY_MAX_IN	1024
#define TLSKEY_MAX_OUT	1024

/* What the worker asks the key holder: one private-key operation. */
enum tlskey_op {
	TLSKEY_RSA_PRIV_ENC = 1,	/* a signature: padded block or raw */
	TLSKEY_RSA_PRIV_DEC = 2,	/* a decryption: see tlskey.c */
	TLSKEY_ECDSA_SIGN = 3,		/* a digest -> DER ECDSA-Sig-Value */
};

/*
 * The signer the worker side calls, synchronously inside SSL_do_handshake:
 * in is the operation's input (RSA: the block and its padding, an RSA_*
 * constant; ECDSA: the digest, padding 0), out receives the result (RSA:
 * the output block; ECDSA: a DER signature).  Returns the output length,
 * or -1.  arg is the caller's.
 */
typedef int (*tlskey_signer)(void *arg, enum tlskey_op op, int padding,
    const unsigned char *in, size_t inlen, unsigned char *out,
    size_t outmax);

/*
 * Worker side: a key with only the public half of cert's key, whose
 * private operations call signer(arg, ...).  The key keeps signer and arg
 * until its last reference goes (SSL_CTX_free): arg must live as long.
 * NULL with err set on failure (a key type or size not supported).
 */
EVP_PKEY *tlskey_remote(X509 *cert, tlskey_signer signer, void *arg,
    char *err, size_t errlen);

/*
 * Key-holder side: performs op with the private key.  RSA: private
 * encryption (a signature) or decryption of in with padding
 * RSA_PKCS1_PADDING or RSA_NO_PADDING; ECDSA: a signature of the digest
 * in, DER-encoded.  Anything else, and any input or output length that
 * does not fit the key, is refused.  Returns the output length or -1.
 */
int tlskey_perform(EVP_PKEY *key, enum tlskey_op op, int padding,
    const unsigned char *in, size_t inlen, unsigned char *out,
    size_t outmax);

/*
 * The request (KEY_REQ): u8 op, i32 padding, u32 length, the bytes.
 * Parsing refuses an unknown op, an input longer than TLSKEY_MAX_IN and
 * any short or trailing byte; *in then points into b, whose read offset
 * is left where it was.  0 or -1 (errno EBADMSG when malformed).
 */
int tlskey_pack_request(struct buf *b, enum tlskey_op op, int padding,
    const unsigned char *in, size_t inlen);
int tlskey_parse_request(struct buf *b, enum tlskey_op *op, int *padding,
    const unsigned char **in, size_t *inlen);

/*
 * The answer (KEY_REP): i32 result length (-1: refused), then the bytes.
 * Parsing returns the length (the bytes copied to out) or -1 for a refusal,
 * a malformed answer or one longer than outmax.
 */
int tlskey_pack_answer(struct buf *b, int n, const unsigned char *out);
int tlskey_parse_answer(struct buf *b, unsigned char *out, size_t outmax);

/*
 * Whether key is the private key of cert, of a type and size supported:
 * 0, or -1 with err set.
 */
int tlskey_match(X509 *cert, EVP_PKEY *key, char *err, size_t errlen);

#endif
