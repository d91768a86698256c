/*
 * authparse: the parsers the HTTP workers apply to credentials and form
 * bytes a client controls (Cookie, Authorization, urlencoded bodies and
 * query strings), and the encoders for what goes back out.  Inputs are
 * pointer and length, never NUL-terminated; nothing here allocates or
 * reads past len.  Outputs are NUL-terminated whenever a function returns
 * 1 or 0, and set to "" when it returns -1, so a caller that ignores an
 * error still holds an empty string rather than half a secret.
 */
#ifndef AIRLOCK_AUTHPARSE_H
#define AIRLOCK_AUTHPARSE_H

#include <stddef.h>

struct buf;

/*
 * Finds the first cookie called name in a Cookie header value (RFC 6265
 * 5.4 cookie-string "a=b; c=d"; missing spaces are tolerated, pairs
 * without '=' skipped) and copies its value, without one pair of
 * surrounding DQUOTEs, into out.  1 found, 0 absent, -1 when the value
 * does not fit outsz or holds bytes outside cookie-octet (RFC 6265 4.1.1).
 * outsz 0 is -1 with out untouched.
 */
int cookie_find(const char *hdr, size_t len, const char *name, char *out,
    size_t outsz);

enum authz_kind { AUTHZ_NONE = 0, AUTHZ_BASIC, AUTHZ_BEARER };

/* Sizes with the NUL: a user of at most 255 bytes, a secret of 511. */
#define AUTHZ_USER_MAX		256
#define AUTHZ_SECRET_MAX	512

struct authz {
	enum authz_kind kind;
	char user[AUTHZ_USER_MAX];	/* Basic only */
	char secret[AUTHZ_SECRET_MAX];	/* Basic: password; Bearer: token */
};

/*
 * An Authorization header value: "Basic <base64 of user:password>"
 * (RFC 7617: split at the first ':'; strict base64 with padding; NUL and
 * control characters refused in the user and the password, which may be
 * empty) or "Bearer <token>" (RFC 6750 b64token).  Schemes are
 * case-insensitive.  0 with *a filled; -1 with *a zeroed when malformed,
 * of another scheme or too long.  Wipe *a with secret_wipe after use.
 */
int authz_parse(const char *hdr, size_t len, struct authz *a);
/*
 * Writes "Basic <base64 of user:password>", an Authorization value that
 * authz_parse reads back, for tests and fuzz round trips.  0, or -1 (out
 * set to "") when it does not fit or user holds a ':'.
 */
int authz_basic_encode(const char *user, const char *password, char *out,
    size_t outsz);

/*
 * application/x-www-form-urlencoded, also a URL query string: the value
 * of the first field called name, decoded ('+' is a space, %XX).  Field
 * names are decoded the same way before they are compared.  1 found,
 * 0 absent, -1 when any escape in the body is malformed (so the answer
 * does not depend on the order of the fields), the value holds a NUL,
 * raw or %00, or it does not fit outsz.  outsz 0 is -1 with out untouched.
 */
int form_field(const char *body, size_t len, const char *name, char *out,
    size_t outsz);
/*
 * Appends s percent-encoded for use inside a query string value (only
 * RFC 3986 unreserved characters stay; NULL appends nothing).  0, or -1
 * with b unchanged when it is full.
 */
int url_encode(struct buf *b, const char *s);
/*
 * Appends s escaped for HTML text and quoted attribute values (& < > " ';
 * NULL appends nothing).  0, or -1 with b unchanged when it is full.
 */
int html_escape(struct buf *b, const char *s);
/* Wipes a secret in a way the compiler cannot drop; NULL ok. */
void secret_wipe(void *p, size_t n);

#endif
