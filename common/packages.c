/*
 * packages: one entry of src/contrib/PACKAGES as R's
 * tools::write_PACKAGES(type = "source", addFiles = TRUE) writes it.
 * The fields are read.dcf's (dcf_parse), the formatting write.dcf's
 * (dcf_put_field); what write_PACKAGES adds in between lives here: its
 * columns, MD5sum and File, NeedsCompilation for packages that lack it,
 * and the rewriting of License by tools:::analyze_license, which keeps
 * only licenses it can standardize.  All of it is R 4.2's, read from its
 * sources and checked against R (tests/e2e/packages_identical.sh).
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "dcf.h"
#include "packages.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* A License as it grows through the rewriting (" + " for "+"). */
#define LICENSE_MAX	((size_t)16 << 20)
#define VIS_MAX		48

const char *const packages_fields[PACKAGES_NFIELDS] = {
	/* tools:::.get_standard_repository_db_fields("source") */
	"Package", "Version", "Priority", "Depends", "Imports", "LinkingTo",
	"Suggests", "Enhances", "License", "License_is_FOSS",
	"License_restricts_use", "OS_type", "Archs", "MD5sum",
	"NeedsCompilation",
	/* cbind(desc, File = ...) for addFiles = TRUE */
	"File",
};
const size_t packages_nfields = PACKAGES_NFIELDS;

/*
 * The license names of R's license database, as tools:::
 * R_license_db_vars() turns them into the regular expression a canonical
 * License component must match (re_component).  R writes their dots
 * unescaped, so that "LGPL-2x1" matches too; see license_regex.
 */
static const char *const lic_sss[] = {
	"GPL-2", "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3", "AGPL-3",
	"Artistic-1.0", "Artistic-2.0",
};

static const char *const lic_unversioned[] = {
	"FreeBSD License", "MIT License", "Modified BSD License",
	"BSD 2-clause License", "BSD 3-clause License",
	"Creative Commons Attribution 4.0 International License",
	"Creative Commons Attribution-ShareAlike 4.0 International License",
	"Creative Commons Attribution-NonCommercial 4.0 International License",
	"Creative Commons Attribution-NonCommercial-ShareAlike 4.0 "
	    "International License",
	"Creative Commons Attribution-NonCommercial-NoDerivs 4.0 "
	    "International License",
	"CC0", "zlib License", "FreeBSD", "MIT", "BSD", "BSD_2_clause",
	"BSD_3_clause", "CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0",
	"CC BY-NC-SA 4.0", "CC BY-NC-ND 4.0", "Zlib",
};

/* Names that take version constraints: "GPL (>= 2)". */
static const char *const lic_style_a[] = {
	"ACM Software License Agreement", "Apache License", "Artistic License",
	"Boost Software License", "CeCILL", "Common Public License",
	"Eclipse Public License", "European Union Public License",
	"GNU Affero General Public License", "GNU General Public License",
	"GNU Lesser General Public License",
	"GNU Library General Public License", "Lucent Public License",
	"Mozilla Public License", "ACM", "AGPL", "BSL", "CPL", "CeCILL", "EPL",
	"EUPL", "GPL", "LGPL", "MPL",
};

/* Name and version: "GNU General Public License version 2". */
static const char *const lic_style_b[][2] = {
	{ "GNU General Public License", "2" },
	{ "GNU General Public License", "3" },
	{ "GNU Library General Public License", "2" },
	{ "GNU Lesser General Public License", "2.1" },
	{ "GNU Lesser General Public License", "3" },
	{ "GNU Affero General Public License", "3" },
	{ "Apache License", "1.1" },
	{ "Apache License", "2.0" },
	{ "Artistic License", "1.0" },
	{ "Artistic License", "2.0" },
	{ "CeCILL", "2" },
	{ "Mozilla Public License", "1.0" },
	{ "Mozilla Public License", "1.1" },
	{ "Mozilla Public License", "2.0" },
	{ "Common Public License", "1.0" },
	{ "Eclipse Public License", "1.0" },
	{ "Lucent Public License", "1.02" },
	{ "European Union Public License", "1.1" },
	{ "Boost Software License", "1.0" },
	{ "ACM Software License Agreement", "1998" },
};

static const char *const lic_style_c[] = {
	"GPL-2", "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3", "AGPL-3", "CeCILL-2",
	"MPL-1.0", "MPL-1.1", "MPL-2.0", "CPL-1.0", "EPL-1.0", "EUPL-1.1",
	"BSL-1.0", "ACM-1998",
};

/* One version constraint: re_single_version_spec. */
#define RE_SPEC	"[[:space:]]*(<|<=|>|>=|==|!=)[[:space:]]*" \
		"(([[:digit:]]+[.-])*[[:digit:]]+)[[:space:]]*"

/*
 * tools:::.standardizable_license_specs_db: License components R is
 * told how to rewrite, compared as whole strings.
 */
static const char *const lic_specs[][2] = {
	{ "The Artistic License, Version 2.0", "Artistic-2.0" },
	{ "Artistic 2.0", "Artistic-2.0" },
	{ "Artistic-2.0, see "
	    "https://opensource.org/licenses/artistic-license-2.0.php",
	    "Artistic-2.0" },
	{ "Boost Software License", "BSL" },
	{ "Boost Software License 1.0", "BSL" },
	{ "BSL 1.0", "BSL" },
	{ "CeCILL-2.0", "CeCILL-2" },
	{ "GNU Public License", "GPL" },
	{ "Gnu GPL", "GPL" },
	{ "GNU GPL", "GPL" },
	{ "GPL (https://www.gnu.org/copyleft/gpl.html)", "GPL" },
	{ "GNU General Public License 2.0.", "GPL-2" },
	{ "GPL 2.0", "GPL-2" },
	{ "GPL version 2.0", "GPL-2" },
	{ "GPL2.0", "GPL-2" },
	{ "GPL Version 2", "GPL-2" },
	{ "GNU GPL Version 2", "GPL-2" },
	{ "GNU GPL version 2", "GPL-2" },
	{ "GNU GPL version 2.", "GPL-2" },
	{ "GPL (version 2)", "GPL-2" },
	{ "GPL 2", "GPL-2" },
	{ "GPL 2.", "GPL-2" },
	{ "GPL version 2", "GPL-2" },
	{ "GPL version 2 (June, 1991)", "GPL-2" },
	{ "GPL version 2.", "GPL-2" },
	{ "GPL2", "GPL-2" },
	{ "GPL V2", "GPL-2" },
	{ "GPL, version 2", "GPL-2" },
	{ "GPL Version 3", "GPL-3" },
	{ "GPL version 3", "GPL-3" },
	{ "GNU General Public Licence (GPLv3)", "GPL-3" },
	{ "GPL 3", "GPL-3" },
	{ "GPL v3", "GPL-3" },
	{ "GNU GPL v2.0 or greater", "GPL (>= 2)" },
	{ "GPL 2.0 or higher", "GPL (>= 2)" },
	{ "GPL 2.0 or newer", "GPL (>= 2)" },
	{ "GPL version 2.0 or later", "GPL (>= 2)" },
	{ "GPL version 2.0 or newer", "GPL (>= 2)" },
	{ "GNU GPL (version 2 or later)", "GPL (>= 2)" },
	{ "GNU GPL (version 2 or later); see the file COPYING for details",
	    "GPL (>= 2)" },
	{ "GNU GPL version 2 or newer", "GPL (>= 2)" },
	{ "GNU General Public License version 2 or newer", "GPL (>= 2)" },
	{ "GPL version 2 or later", "GPL (>= 2)" },
	{ "GPL ( version 2 or later)", "GPL (>= 2)" },
	{ "GPL (Version 2 or above)", "GPL (>= 2)" },
	{ "GPL (Version 2 or later)", "GPL (>= 2)" },
	{ "GPL (version 2 or higher)", "GPL (>= 2)" },
	{ "GPL (version 2 or later)", "GPL (>= 2)" },
	{ "GPL (version 2 or later, see the included file GPL)",
	    "GPL (>= 2)" },
	{ "GPL (version 2 or newer)", "GPL (>= 2)" },
	{ "GPL 2 or later", "GPL (>= 2)" },
	{ "GPL 2 or newer", "GPL (>= 2)" },
	{ "GPL version 2 or any later version", "GPL (>= 2)" },
	{ "GPL Version 2 or later", "GPL (>= 2)" },
	{ "GPL Version 2 or later.", "GPL (>= 2)" },
	{ "GPL Version 2 or newer", "GPL (>= 2)" },
	{ "GPL Version 2 or newer.", "GPL (>= 2)" },
	{ "GPL version 2 (June, 1991) or later", "GPL (>= 2)" },
	{ "GPL version 2 (or newer)", "GPL (>= 2)" },
	{ "GPL version 2 or later.", "GPL (>= 2)" },
	{ "GPL version 2 or newer", "GPL (>= 2)" },
	{ "GPL version 2 or newer (https://www.gnu.org/copyleft/gpl.html)",
	    "GPL (>= 2)" },
	{ "GPL version 2 or newer (see README).", "GPL (>= 2)" },
	{ "GPL version 2 or newer.", "GPL (>= 2)" },
	{ "GPL version 2 or newer. https://www.gnu.org/copyleft/gpl.html",
	    "GPL (>= 2)" },
	{ "GPL version 2, or, at your option, any newer version.",
	    "GPL (>= 2)" },
	{ "GPL Version 2 (or later)", "GPL (>= 2)" },
	{ "GPL version 2 (or later)", "GPL (>= 2)" },
	{ "GPL version 2 or higher", "GPL (>= 2)" },
	{ "GPL2 or later", "GPL (>= 2)" },
	{ "GPL>=2", "GPL (>= 2)" },
	{ "GNU General Public License (version 2 or later)", "GPL (>= 2)" },
	{ "GPL (version 3 or later)", "GPL (>= 3)" },
	{ "GPL >=3", "GPL (>= 3)" },
	{ "GPL or LGPL by your choice", "GPL | LGPL" },
	{ "GPL, BSD", "GPL | BSD" },
	{ "use under GPL2, or see file LICENCE", "GPL-2 | file LICENSE" },
	{ "LGPL (see <https://opensource.org/licenses/lgpl-license.php>).",
	    "LGPL" },
	{ "GNU LGPL (same as wxWidgets).", "LGPL" },
	{ "LGPL2", "LGPL-2" },
	{ "LGPL2.0", "LGPL-2" },
	{ "LGPL version 2.1", "LGPL-2.1" },
	{ "LGPL-v3", "LGPL-3" },
	{ "LGPL >= 2.0", "LGPL (>= 2.0)" },
	{ "LGPL Version 2 or later.", "LGPL (>= 2.0)" },
	{ "LGPL version 2 or newer", "LGPL (>= 2.0)" },
	{ "LGPL (version 2 or later)", "LGPL (>= 2.0)" },
	{ "LGPL version 2 or later", "LGPL (>= 2.0)" },
	{ "LGPL version 2.1 or later", "LGPL (>= 2.1)" },
	{ "LGPL >=3", "LGPL (>= 3.0)" },
	{ "X11 (http://www.x.org/Downloads_terms.html)", "X11" },
	{ "Unlimited use and distribution.", "Unlimited" },
};

/* trimws()'s whitespace, "[ \t\r\n]", narrower than [[:space:]]. */
static int
trim_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trimws(s) as a new string. */
static char *
trimws(const char *s)
{
	const char *e = s + strlen(s);
	char *t;

	while (trim_ws(*s))
		s++;
	while (e > s && trim_ws(e[-1]))
		e--;
	if ((t = malloc((size_t)(e - s) + 1)) == NULL)
		return NULL;
	memcpy(t, s, (size_t)(e - s));
	t[e - s] = '\0';
	return t;
}

/* The string in b, NUL-terminated, handed to the caller. */
static char *
buf_string(struct buf *b)
{
	char *s;

	if (buf_put_u8(b, '\0') != 0) {
		buf_release(b);
		return NULL;
	}
	s = (char *)b->data;
	b->data = NULL;
	buf_release(b);
	return s;
}

/* [[:space:]] to R's regex engine, for ASCII (see shadow for the rest). */
static int
rspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * R's gsub() (sub() when !global) of "[[:space:]]*C[[:space:]]*" (the
 * trailing part only with trail) by repl, written out because glibc's
 * regexec takes quadratic time on long runs of spaces.  POSIX matches
 * leftmost-longest: a match starts where the run of spaces before C
 * starts, though not before the end of the previous match.
 */
static int
sub_around(struct buf *b, const char *s, char c, int trail, const char *repl,
    int global)
{
	const char *cur = s, *p, *a, *e;

	while ((p = strchr(cur, c)) != NULL) {
		for (a = p; a > cur && rspace(a[-1]); a--)
			;
		for (e = p + 1; trail && rspace(*e); e++)
			;
		if (buf_put(b, cur, (size_t)(a - cur)) != 0 ||
		    buf_put(b, repl, strlen(repl)) != 0)
			return -1;
		cur = e;
		if (!global)
			break;
	}
	return buf_put(b, cur, strlen(cur) + 1);
}

/* The operator "<=?|>=?|==|!=" at p, longest first: its length or 0. */
static size_t
op_len(const char *p)
{
	if (p[0] == '<' || p[0] == '>')
		return p[1] == '=' ? 2 : 1;
	return (p[0] == '=' || p[0] == '!') && p[1] == '=' ? 2 : 0;
}

/* gsub("[[:space:]]+(<=?|>=?|==|!=)", " \\1"): one space before each. */
static int
sub_ops(struct buf *b, const char *s)
{
	const char *cur = s, *p = s, *q;
	size_t n;

	while (*p != '\0') {
		if (!rspace(*p)) {
			p++;
			continue;
		}
		for (q = p; rspace(*q); q++)
			;
		if ((n = op_len(q)) > 0) {
			if (buf_put(b, cur, (size_t)(p - cur)) != 0 ||
			    buf_put_u8(b, ' ') != 0 || buf_put(b, q, n) != 0)
				return -1;
			cur = q + n;
		}
		p = q + n;
	}
	return buf_put(b, cur, strlen(cur) + 1);
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * gsub("[[:space:]]*(([[:digit:]]+[.-])*[[:digit:]]+)", " \\1"): one
 * space before each version number (.standard_regexps()$
 * valid_numeric_version), taken whole.
 */
static int
sub_versions(struct buf *b, const char *s)
{
	const char *cur = s, *d, *a, *e;

	for (d = s; *d != '\0'; d++) {
		if (!digit(*d))
			continue;
		for (a = d; a > cur && rspace(a[-1]); a--)
			;
		for (e = d; digit(*e); e++)
			;
		while ((*e == '.' || *e == '-') && digit(e[1]))
			for (e++; digit(*e); e++)
				;
		if (buf_put(b, cur, (size_t)(a - cur)) != 0 ||
		    buf_put_u8(b, ' ') != 0 || buf_put(b, d, (size_t)(e - d)) != 0)
			return -1;
		cur = e;
		d = e - 1;
	}
	return buf_put(b, cur, strlen(cur) + 1);
}

static int
put_name(struct buf *b, const char *s, int strict)
{
	for (; *s != '\0'; s++)
		if ((*s == '.' && strict && buf_put_u8(b, '\\') != 0) ||
		    buf_put_u8(b, (uint8_t)*s) != 0)
			return -1;
	return 0;
}

static int
put_names(struct buf *b, const char *const *names, size_t n, int strict)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((i > 0 && buf_put_u8(b, '|') != 0) ||
		    put_name(b, names[i], strict) != 0)
			return -1;
	return 0;
}

/*
 * re_component, compiled: what R calls a canonical License component.
 * With strict, the dots of the names match only dots.  A component
 * that matches R's pattern but not the strict one names no license R
 * knows; R's analysis then looks it up in vain, and depending on the
 * other components stops with "missing value where TRUE/FALSE needed"
 * (tools:::analyze_license), taking all of write_PACKAGES with it.
 */
static int
license_regex(regex_t *re, int strict)
{
	struct buf b;
	size_t i;
	int r;

	buf_init(&b, 16384);
	r = buf_putf(&b, "^(((") != 0 ||
	    put_names(&b, lic_sss, nitems(lic_sss), strict) != 0 ||
	    buf_putf(&b, ")|(") != 0 ||
	    put_names(&b, lic_unversioned, nitems(lic_unversioned),
	    strict) != 0 ||
	    buf_putf(&b, ")|(") != 0 ||
	    put_names(&b, lic_style_a, nitems(lic_style_a), strict) != 0 ||
	    buf_putf(&b, ")[[:space:]]*(\\((%s,)*%s\\))*|(", RE_SPEC,
	    RE_SPEC) != 0;
	for (i = 0; !r && i < nitems(lic_style_b); i++)
		r = (i > 0 && buf_put_u8(&b, '|') != 0) ||
		    put_name(&b, lic_style_b[i][0], strict) != 0 ||
		    buf_putf(&b, "[[:space:]]+([Vv]ersion[[:space:]]+)?")
		    != 0 ||
		    put_name(&b, lic_style_b[i][1], strict) != 0;
	r = r || buf_putf(&b, ")|(") != 0 ||
	    put_names(&b, lic_style_c, nitems(lic_style_c), strict) != 0 ||
	    buf_putf(&b, "))([[:space:]]*\\+[[:space:]]*file LICEN[CS]E)?"
	    "|file LICEN[CS]E|Unlimited)$") != 0 ||
	    buf_put_u8(&b, '\0') != 0;
	if (!r)
		r = regcomp(re, (const char *)b.data, REG_EXTENDED | REG_NOSUB);
	buf_release(&b);
	if (r)
		errno = ENOMEM;
	return r ? -1 : 0;
}

/*
 * The two regexes, compiled at first use and kept: compiling them costs
 * far more than matching, and an import asks for them once per package.
 */
static regex_t *
license_regex_cached(int strict)
{
	static regex_t re[2];
	static int have[2];

	if (!have[strict]) {
		if (license_regex(&re[strict], strict) != 0)
			return NULL;
		have[strict] = 1;
	}
	return &re[strict];
}

/* s starts with name up to the first '.' of name (a wildcard in R). */
static int
starts_like(const char *s, const char *name)
{
	size_t n = strcspn(name, ".");

	return strncmp(s, name, n) == 0;
}

static int
starts_like_any(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (starts_like(s, names[i]))
			return 1;
	return 0;
}

/*
 * Whether c could match re_component at all: it must start with a
 * license name, literal up to its first dot.  Saves compiling the
 * regex for the many Licenses R leaves NA.
 */
static int
maybe_canonical(const char *c)
{
	size_t i;

	for (i = 0; i < nitems(lic_style_b); i++)
		if (starts_like(c, lic_style_b[i][0]))
			return 1;
	return starts_like_any(c, lic_sss, nitems(lic_sss)) ||
	    starts_like_any(c, lic_unversioned, nitems(lic_unversioned)) ||
	    starts_like_any(c, lic_style_a, nitems(lic_style_a)) ||
	    starts_like_any(c, lic_style_c, nitems(lic_style_c)) ||
	    strncmp(c, "file LICEN", 10) == 0 || strcmp(c, "Unlimited") == 0;
}

/* One sequence of R's (PCRE's) valid UTF-8: its length, or 0. */
static size_t
utf8_seq(const uint8_t *s, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* [[:space:]] beyond ASCII in glibc's UTF-8 locales, which R's regex uses. */
static int
unicode_space(uint32_t c)
{
	return c == 0x1680 || (c >= 0x2000 && c <= 0x2006) ||
	    (c >= 0x2008 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x205f || c == 0x3000;
}

/*
 * R matches non-ASCII text a character at a time, glibc's regex in the C
 * locale a byte at a time.  Each character as one byte that behaves the
 * same in every step gives the same answers: '\v' for what glibc's
 * UTF-8 locales call a space (a [[:space:]] that trimws keeps), '\x01'
 * for the rest (matched by '.' only).  *subst says whether any was.
 */
static char *
shadow(const char *s, int *subst)
{
	char *t, *q;
	uint32_t cp;
	size_t l;

	*subst = 0;
	if ((t = q = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (; *s != '\0'; s += l) {
		l = utf8_seq((const uint8_t *)s, &cp);
		if (cp < 0x80)
			*q++ = *s;
		else {
			*q++ = unicode_space(cp) ? '\v' : '\x01';
			*subst = 1;
		}
	}
	*q = '\0';
	return t;
}

static int
utf8_valid(const char *s)
{
	uint32_t cp;
	size_t l;

	for (; *s != '\0'; s += l)
		if ((l = utf8_seq((const uint8_t *)s, &cp)) == 0)
			return 0;
	return 1;
}

/*
 * The spacing analyze_license gives a canonical component with "(", one
 * sub() or gsub() after the other (the buffers take turns).
 */
static char *
reformat(const char *c)
{
	struct buf a, b;
	char *r = NULL;

	buf_init(&a, LICENSE_MAX);
	buf_init(&b, LICENSE_MAX);
	if (sub_around(&a, c, '(', 1, " (", 0) != 0 ||
	    sub_around(&b, (const char *)a.data, ')', 0, ")", 0) != 0)
		goto out;
	buf_reset(&a);
	if (sub_around(&a, (const char *)b.data, ',', 1, ", ", 1) != 0)
		goto out;
	buf_reset(&b);
	if (sub_ops(&b, (const char *)a.data) != 0)
		goto out;
	buf_reset(&a);
	if (sub_versions(&a, (const char *)b.data) != 0)
		goto out;
	r = (char *)a.data;
	a.data = NULL;
out:
	buf_release(&a);
	buf_release(&b);
	return r;
}

static const char *
lookup_spec(const char *c)
{
	size_t i;

	for (i = 0; i < nitems(lic_specs); i++)
		if (strcmp(lic_specs[i][0], c) == 0)
			return lic_specs[i][1];
	return NULL;
}

/*
 * tools:::analyze_license's standardization: components are the pieces
 * between '|' after "+" gets one space either side; a canonical one
 * matches re_component, a standardizable one is in lic_specs.  When all
 * are canonical or all standardizable, the result joins them with " | ",
 * standardizable ones rewritten, canonical ones with "(" respaced;
 * otherwise the License column is NA.
 */
int
packages_license(const char *license, char **std, char *err, size_t errlen)
{
	regex_t *loose = NULL, *strict = NULL;
	struct buf out, plus;
	char **comp = NULL, *sh = NULL, *x = NULL, *y = NULL, *t, *p, *q;
	char vb[VIS_MAX];
	const char *spec, *wild = NULL, *odd = NULL;
	size_t i, n = 0, len;
	int compiled = 0, canonical = 1, standardizable = 1, subst, r = -1;
	int *ok = NULL;

	*std = NULL;
	buf_init(&out, LICENSE_MAX);
	if (!utf8_valid(license)) {
		/*
		 * trimws() and the gsub() of " + " turn bytes that are not
		 * UTF-8 into "<xx>" when they replace anything, and no
		 * component with "<xx>" is canonical or standardizable.  When
		 * neither does, strsplit() gives NA and the analysis stops.
		 */
		len = strlen(license);
		if (strchr(license, '+') != NULL || (len > 0 &&
		    (trim_ws(license[0]) || trim_ws(license[len - 1]))))
			return 0;
		errf(err, errlen, "License: not UTF-8, which R's license "
		    "analysis stops on");
		return -1;
	}
	if ((sh = shadow(license, &subst)) == NULL || (x = trimws(sh)) == NULL)
		goto fail;
	if (*x == '\0') {
		r = 0;
		goto done;
	}
	buf_init(&plus, LICENSE_MAX);
	if (sub_around(&plus, x, '+', 1, " + ", 1) != 0) {
		buf_release(&plus);
		goto fail;
	}
	y = (char *)plus.data;
	/* strsplit(fixed = TRUE): no empty piece after a final '|'. */
	if ((comp = calloc(strlen(y) + 1, sizeof(*comp))) == NULL ||
	    (ok = calloc(strlen(y) + 1, sizeof(*ok))) == NULL)
		goto fail;
	for (p = y;;) {
		if ((q = strchr(p, '|')) != NULL)
			*q = '\0';
		if ((comp[n++] = trimws(p)) == NULL)
			goto fail;
		if (q == NULL || q[1] == '\0')
			break;
		p = q + 1;
	}
	/* The regexes only when a component may be canonical. */
	for (i = 0; i < n; i++) {
		if (maybe_canonical(comp[i]) && compiled == 0) {
			if ((loose = license_regex_cached(0)) == NULL)
				goto fail;
			compiled = 1;
		}
		ok[i] = compiled > 0 && maybe_canonical(comp[i]) &&
		    regexec(loose, comp[i], 0, NULL, 0) == 0;
		if (ok[i] && compiled == 1) {
			if ((strict = license_regex_cached(1)) == NULL)
				goto fail;
			compiled = 2;
		}
		if (ok[i] && wild == NULL &&
		    regexec(strict, comp[i], 0, NULL, 0) != 0)
			wild = comp[i];
		if (ok[i] && subst && odd == NULL &&
		    strpbrk(comp[i], "\v\x01") != NULL)
			odd = comp[i];
		canonical &= ok[i];
		standardizable &= lookup_spec(comp[i]) != NULL;
	}
	if (!canonical && !standardizable) {
		r = 0;
		goto done;
	}
	/* Only a standardizable License goes on to the lookups. */
	if (wild != NULL) {
		errf(err, errlen, "License: \"%s\": not a license R knows, "
		    "though its pattern matches; R's license analysis may stop "
		    "on it", str_vis(vb, sizeof(vb), wild));
		goto done;
	}
	/* Non-ASCII that would be kept: only Unicode spaces get here. */
	if (odd != NULL) {
		errf(err, errlen, "License: \"%s\": a Unicode space in a "
		    "license R standardizes, which is not reproduced",
		    str_vis(vb, sizeof(vb), odd));
		goto done;
	}
	for (i = 0; i < n; i++) {
		t = NULL;
		if (!ok[i])
			spec = lookup_spec(comp[i]);
		else if (strchr(comp[i], '(') != NULL) {
			if ((t = reformat(comp[i])) == NULL)
				goto fail;
			spec = t;
		} else
			spec = comp[i];
		if ((i > 0 && buf_put(&out, " | ", 3) != 0) ||
		    buf_put(&out, spec, strlen(spec)) != 0) {
			free(t);
			goto fail;
		}
		free(t);
	}
	if ((*std = buf_string(&out)) == NULL)
		goto fail;
	r = 0;
	goto done;
fail:
	errf(err, errlen, "License: %s", strerror(errno));
	r = -1;
done:
	for (i = 0; i < n; i++)
		free(comp[i]);
	free(comp);
	free(ok);
	free(sh);
	free(x);
	free(y);
	buf_release(&out);
	return r;
}

/*
 * A field as dcf_put_field wrote it reads back as one field: every line
 * after the first continues it.  Not so when R writes a paragraph of
 * nothing but zero-width characters (a line of one space, which ends
 * the record), or a CR from a value that did not come from dcf_parse.
 */
static int
reads_back(const struct buf *b)
{
	size_t i, start;
	int seen;

	if (memchr(b->data, '\r', b->len) != NULL)
		return 0;
	for (start = 0; start < b->len; start = i + 1) {
		for (seen = 0, i = start; i < b->len && b->data[i] != '\n'; i++)
			seen |= b->data[i] != ' ' && b->data[i] != '\t';
		if (start > 0 && (b->data[start] != ' ' || !seen))
			return 0;
	}
	return 1;
}

int
packages_prepare(const struct dcf *desc, int has_src, struct dcf *rec,
    char *err, size_t errlen)
{
	struct buf scratch;
	const char *name, *v;
	char *std = NULL;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	buf_init(&scratch, (size_t)64 * 1024 * 1024);
	for (i = 0; i < PACKAGES_NFIELDS; i++) {
		name = packages_fields[i];
		/* write_PACKAGES computes these two. */
		if (strcmp(name, "MD5sum") == 0 || strcmp(name, "File") == 0)
			continue;
		v = dcf_get(desc, name);
		if (v == NULL && has_src >= 0 &&
		    strcmp(name, "NeedsCompilation") == 0)
			v = has_src ? "yes" : "no";
		if (v == NULL)
			continue;
		if (strcmp(name, "License") == 0) {
			if (packages_license(v, &std, err, errlen) != 0)
				goto fail;
			if ((v = std) == NULL)
				continue;
		}
		/* Refuse what R would write broken, such as a bare "NA". */
		buf_reset(&scratch);
		if (dcf_put_field(&scratch, name, v) != 0) {
			if (errno == EILSEQ)
				errf(err, errlen, "%s: a byte sequence "
				    "beyond Unicode, which R writes as a bare "
				    "\"NA\" line", name);
			else
				errf(err, errlen, "%s: %s", name,
				    strerror(errno));
			goto fail;
		}
		if (!reads_back(&scratch)) {
			errf(err, errlen, "%s: R would write it so that it "
			    "does not read back (a blank line, a CR)", name);
			goto fail;
		}
		if (dcf_add(rec, name, v) != 0) {
			errf(err, errlen, "%s: %s", name, strerror(errno));
			goto fail;
		}
		free(std);
		std = NULL;
	}
	buf_release(&scratch);
	return 0;
fail:
	free(std);
	buf_release(&scratch);
	dcf_free(rec);
	return -1;
}

int
packages_normalize(struct dcf *d, int has_src, char *err, size_t errlen)
{
	struct dcf rec;
	int r = 0;

	if (packages_prepare(d, has_src, &rec, err, errlen) != 0)
		return -1;
	if (dcf_set(d, "License", dcf_get(&rec, "License")) != 0 ||
	    (has_src >= 0 && dcf_get(d, "NeedsCompilation") == NULL && dcf_set(d,
	    "NeedsCompilation", dcf_get(&rec, "NeedsCompilation")) != 0)) {
		errf(err, errlen, "%s", strerror(errno));
		r = -1;
	}
	dcf_free(&rec);
	return r;
}

int
packages_row(const struct dcf *desc, const char *md5, const char *file,
    const char **row)
{
	const char *v;
	size_t i;

	if (md5 == NULL || *md5 == '\0' || file == NULL || *file == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < PACKAGES_NFIELDS; i++) {
		if (strcmp(packages_fields[i], "MD5sum") == 0)
			v = md5;
		else if (strcmp(packages_fields[i], "File") == 0)
			v = file;
		else
			v = dcf_get(desc, packages_fields[i]);
		/* .write_repository_package_db: db[db == ""] <- NA */
		row[i] = v != NULL && *v != '\0' ? v : NULL;
	}
	return 0;
}

int
packages_put_entry(struct buf *out, const char *const *row)
{
	size_t i, save = out->len;

	/* write.dcf ends each record but the last with an empty line. */
	if (out->len > 0 && buf_put_u8(out, '\n') != 0)
		return -1;
	for (i = 0; i < PACKAGES_NFIELDS; i++) {
		if (row[i] != NULL &&
		    dcf_put_field(out, packages_fields[i], row[i]) != 0) {
			out->len = save;
			return -1;
		}
	}
	return 0;
}
