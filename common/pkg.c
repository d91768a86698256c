#include "config.h"

#include <ctype.h>
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

int
pkg_file_matches(const char *file, const char *package, const char *version)
{
	size_t np = strlen(package), nv = strlen(version);

	return strncmp(file, package, np) == 0 && file[np] == '_' &&
	    strncmp(file + np + 1, version, nv) == 0 &&
	    strcmp(file + np + 1 + nv, ".tar.gz") == 0;
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
