#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pkg.h"

int
pkg_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 2 || n > 128 || !isalpha((unsigned char)s[0]) ||
	    s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.')
			return 0;
	return (unsigned char)s[0] < 0x80;
}

int
pkg_version_valid(const char *s)
{
	size_t i, n = strlen(s), parts = 1;

	if (n < 3 || n > 64 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' || s[i] == '-') {
			if (!isdigit((unsigned char)s[i + 1]))
				return 0;
			parts++;
		} else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return parts >= 2;
}

/* Next numeric component of *p; leading zeros do not count. */
static int
component(const char **p, const char **start, size_t *len)
{
	const char *s = *p;

	if (*s == '\0')
		return 0;
	if (*s == '.' || *s == '-')
		s++;
	while (*s == '0' && isdigit((unsigned char)s[1]))
		s++;
	*start = s;
	while (isdigit((unsigned char)*s))
		s++;
	*len = (size_t)(s - *start);
	*p = s;
	return 1;
}

int
pkg_version_cmp(const char *a, const char *b)
{
	const char *sa, *sb;
	size_t la, lb;
	int ha, hb, c;

	for (;;) {
		ha = component(&a, &sa, &la);
		hb = component(&b, &sb, &lb);
		if (!ha || !hb)
			return ha - hb;
		/* Numbers of any length: longer is larger, else digits decide. */
		if (la != lb)
			return la < lb ? -1 : 1;
		if ((c = memcmp(sa, sb, la)) != 0)
			return c < 0 ? -1 : 1;
	}
}

static int
file_matches(const char *file, const char *package, const char *version,
    const char *ext)
{
	size_t np = strlen(package), nv = strlen(version);

	return strncmp(file, package, np) == 0 && file[np] == '_' &&
	    strncmp(file + np + 1, version, nv) == 0 &&
	    strcmp(file + np + 1 + nv, ext) == 0;
}

int
pkg_file_matches(const char *file, const char *package, const char *version)
{
	return file_matches(file, package, version, ".tar.gz");
}

/* "X.Y" with X and Y of 1 or 2 digits, no leading zero but "0". */
static int
r_version_valid(const char *s, size_t n)
{
	size_t i, dot = 0, digits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (dot++ || digits == 0)
				return 0;
			digits = 0;
		} else if (isdigit((unsigned char)s[i])) {
			if (digits == 1 && s[i - 1] == '0')
				return 0;
			if (++digits > 2)
				return 0;
		} else
			return 0;
	}
	return dot == 1 && digits > 0;
}

static int
sub_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 40 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* Fills tree and spec from kind, r and sub. */
static int
type_finish(struct pkg_type *t)
{
	int a, b;

	switch (t->kind) {
	case PKG_SOURCE:
		a = snprintf(t->tree, sizeof(t->tree), "%s", PKG_TREE_SOURCE);
		b = snprintf(t->spec, sizeof(t->spec), "source");
		break;
	case PKG_WIN_BINARY:
		a = snprintf(t->tree, sizeof(t->tree), "bin/windows/contrib/%s",
		    t->r);
		b = snprintf(t->spec, sizeof(t->spec), "win.binary:%s", t->r);
		break;
	default:
		if (t->sub[0] == '\0') {
			a = snprintf(t->tree, sizeof(t->tree),
			    "bin/macosx/contrib/%s", t->r);
			b = snprintf(t->spec, sizeof(t->spec), "mac.binary:%s",
			    t->r);
		} else {
			a = snprintf(t->tree, sizeof(t->tree),
			    "bin/macosx/%s/contrib/%s", t->sub, t->r);
			b = snprintf(t->spec, sizeof(t->spec),
			    "mac.binary.%s:%s", t->sub, t->r);
		}
		break;
	}
	if (a < 0 || (size_t)a >= sizeof(t->tree) || b < 0 ||
	    (size_t)b >= sizeof(t->spec)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
pkg_type_parse(const char *spec, struct pkg_type *t)
{
	const char *colon;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strcmp(spec, "source") == 0) {
		t->kind = PKG_SOURCE;
		return type_finish(t);
	}
	if ((colon = strrchr(spec, ':')) == NULL ||
	    !r_version_valid(colon + 1, strlen(colon + 1)))
		goto bad;
	memcpy(t->r, colon + 1, strlen(colon + 1) + 1);
	n = (size_t)(colon - spec);
	if (n == 10 && strncmp(spec, "win.binary", 10) == 0)
		t->kind = PKG_WIN_BINARY;
	else if (n == 10 && strncmp(spec, "mac.binary", 10) == 0)
		t->kind = PKG_MAC_BINARY;
	else if (n > 11 && strncmp(spec, "mac.binary.", 11) == 0 &&
	    sub_valid(spec + 11, n - 11)) {
		t->kind = PKG_MAC_BINARY;
		memcpy(t->sub, spec + 11, n - 11);
		t->sub[n - 11] = '\0';
	} else
		goto bad;
	return type_finish(t);
bad:
	memset(t, 0, sizeof(*t));
	errno = EINVAL;
	return -1;
}

int
pkg_type_from_tree(const char *tree, struct pkg_type *t)
{
	const char *p, *c;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strcmp(tree, PKG_TREE_SOURCE) == 0) {
		t->kind = PKG_SOURCE;
		return type_finish(t);
	}
	if (strncmp(tree, "bin/windows/contrib/", 20) == 0) {
		t->kind = PKG_WIN_BINARY;
		p = tree + 20;
	} else if (strncmp(tree, "bin/macosx/", 11) == 0) {
		t->kind = PKG_MAC_BINARY;
		p = tree + 11;
		if (strncmp(p, "contrib/", 8) == 0)
			p += 8;
		else {
			if ((c = strchr(p, '/')) == NULL ||
			    !sub_valid(p, (size_t)(c - p)) ||
			    strncmp(c, "/contrib/", 9) != 0)
				goto bad;
			n = (size_t)(c - p);
			memcpy(t->sub, p, n);
			t->sub[n] = '\0';
			p = c + 9;
		}
	} else
		goto bad;
	if (!r_version_valid(p, strlen(p)))
		goto bad;
	memcpy(t->r, p, strlen(p) + 1);
	return type_finish(t);
bad:
	memset(t, 0, sizeof(*t));
	errno = EINVAL;
	return -1;
}

const char *
pkg_type_ext(enum pkg_kind kind)
{
	return kind == PKG_WIN_BINARY ? ".zip" : kind == PKG_MAC_BINARY ?
	    ".tgz" : ".tar.gz";
}

int
pkg_type_file_matches(const struct pkg_type *t, const char *file,
    const char *package, const char *version)
{
	return file_matches(file, package, version, pkg_type_ext(t->kind));
}

/* The n-th ';'-separated part of s, blanks trimmed, into out. */
static int
built_part(const char *s, int n, char *out, size_t outsz)
{
	const char *e;
	size_t len;

	for (; n > 0; n--) {
		if ((s = strchr(s, ';')) == NULL)
			return -1;
		s++;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	e = s + strcspn(s, ";");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		e--;
	if ((len = (size_t)(e - s)) >= outsz)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
pkg_built_fits(const struct pkg_type *t, const char *built, char *err,
    size_t errlen)
{
	char r[64], platform[128], os[32];
	size_t n = strlen(t->r);

	if (t->kind == PKG_SOURCE) {
		snprintf(err, errlen, "a source package has no Built field");
		return 0;
	}
	if (built == NULL) {
		snprintf(err, errlen, "no Built field: not a binary package");
		return 0;
	}
	if (built_part(built, 0, r, sizeof(r)) != 0 ||
	    built_part(built, 1, platform, sizeof(platform)) != 0 ||
	    built_part(built, 3, os, sizeof(os)) != 0 ||
	    strncmp(r, "R ", 2) != 0) {
		snprintf(err, errlen, "Built '%.80s' is not \"R X.Y.Z; "
		    "platform; date; OS\"", built);
		return 0;
	}
	/* "R 4.4.1" for 4.4, not 4.40.0: the digits end at a dot. */
	if (strncmp(r + 2, t->r, n) != 0 || r[2 + n] != '.' ||
	    !isdigit((unsigned char)r[3 + n])) {
		snprintf(err, errlen, "built by %.40s, not for R %s (Built: "
		    "%.80s)", r, t->r, built);
		return 0;
	}
	if (t->kind == PKG_WIN_BINARY && strcmp(os, "windows") != 0) {
		snprintf(err, errlen, "built for '%.30s', not for Windows "
		    "(Built: %.80s)", os, built);
		return 0;
	}
	/* A package without compiled code has no platform: "R 4.4.0; ; ". */
	if (t->kind == PKG_MAC_BINARY && (strcmp(os, "unix") != 0 ||
	    (platform[0] != '\0' &&
	    strstr(platform, "-apple-darwin") == NULL))) {
		snprintf(err, errlen, "built for '%.60s', not for macOS "
		    "(Built: %.80s)", platform[0] ? platform : os, built);
		return 0;
	}
	if (t->kind == PKG_MAC_BINARY && platform[0] != '\0' &&
	    ((strstr(t->sub, "arm64") != NULL &&
	    strncmp(platform, "aarch64-", 8) != 0) ||
	    (strstr(t->sub, "x86_64") != NULL &&
	    strncmp(platform, "x86_64-", 7) != 0))) {
		snprintf(err, errlen, "built for '%.60s', not for %s (Built: "
		    "%.80s)", platform, t->sub, built);
		return 0;
	}
	return 1;
}

/* Primary weight of a name character, as ICU's root collation orders them. */
static int
primary(unsigned char ch)
{
	if (ch == '_')
		return 1;
	if (ch == '-')
		return 2;
	if (ch == '.')
		return 3;
	if (isdigit(ch))
		return 10 + (ch - '0');
	if (isalpha(ch))
		return 30 + (tolower(ch) - 'a');
	return 100 + ch;
}

int
pkg_name_collate(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	size_t i;
	int d;

	/* Letters ignoring case first, ... */
	for (i = 0; x[i] != '\0' && y[i] != '\0'; i++)
		if ((d = primary(x[i]) - primary(y[i])) != 0)
			return d < 0 ? -1 : 1;
	if (x[i] != y[i])
		return x[i] == '\0' ? -1 : 1;
	/* ... then, equal so, lower case before upper case. */
	for (i = 0; x[i] != '\0'; i++)
		if (x[i] != y[i])
			return islower(x[i]) ? -1 : 1;
	return 0;
}

int
pkg_repo_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '_' || s[0] == '-' ||
	    strcmp(s, "latest") == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}
