#include "config.h"

#include <string.h>

#include "pkg.h"
#include "test.h"

static void
test_names(void)
{
	CHECK(pkg_name_valid("ggplot2"));
	CHECK(pkg_name_valid("data.table"));
	CHECK(pkg_name_valid("R6"));
	CHECK(!pkg_name_valid("a"));
	CHECK(!pkg_name_valid("2pkg"));
	CHECK(!pkg_name_valid("pkg."));
	CHECK(!pkg_name_valid("my_pkg"));
	CHECK(!pkg_name_valid("../x"));
	CHECK(!pkg_name_valid(""));
}

static void
test_versions(void)
{
	CHECK(pkg_version_valid("1.0"));
	CHECK(pkg_version_valid("1.0-1"));
	CHECK(pkg_version_valid("0.10.3.9000"));
	CHECK(!pkg_version_valid("1"));
	CHECK(!pkg_version_valid("1."));
	CHECK(!pkg_version_valid("1..0"));
	CHECK(!pkg_version_valid("1.0a"));
	CHECK(!pkg_version_valid("v1.0"));
	CHECK(!pkg_version_valid("1.0-"));
}

static void
test_order(void)
{
	/* As R's package_version orders them. */
	CHECK(pkg_version_cmp("1.10", "1.9") > 0);
	CHECK(pkg_version_cmp("1.0-1", "1.0.1") == 0);
	CHECK(pkg_version_cmp("1.0", "1.0.1") < 0);
	CHECK(pkg_version_cmp("1.01", "1.1") == 0);
	CHECK(pkg_version_cmp("2.0", "10.0") < 0);
	CHECK(pkg_version_cmp("1.2.3", "1.2.3") == 0);
	CHECK(pkg_version_cmp("123456789012345678901.0",
	    "123456789012345678900.0") > 0);
}

static void
test_file(void)
{
	CHECK(pkg_file_matches("foo_1.0.tar.gz", "foo", "1.0"));
	CHECK(!pkg_file_matches("foo_1.0.tgz", "foo", "1.0"));
	CHECK(!pkg_file_matches("foo_1.0.1.tar.gz", "foo", "1.0"));
	CHECK(!pkg_file_matches("foobar_1.0.tar.gz", "foo", "1.0"));
	CHECK(!pkg_file_matches("fo_1.0.tar.gz", "foo", "1.0"));
}

static void
test_collate(void)
{
	/* As R sorts list.files() in a UTF-8 locale. */
	CHECK(pkg_name_collate("abind", "Rcpp") < 0);
	CHECK(pkg_name_collate("Rcpp", "rcpp") > 0);
	CHECK(pkg_name_collate("data.table", "dataverse") < 0);
	CHECK(pkg_name_collate("A3", "AalenJohansen") < 0);
	CHECK(pkg_name_collate("foo", "foo.bar") < 0);
	CHECK(pkg_name_collate("ab", "Ac") < 0);
	CHECK(pkg_name_collate("R6", "R6") == 0);
}

/* R's contrib.url trees, both ways, and what is refused. */
static void
test_types(void)
{
	struct pkg_type t, u;
	static const char *const bad[] = {
		"", "win.binary", "win.binary:", "win.binary:4", "win.binary:4.",
		"win.binary:04.2", "win.binary:4.123", "win.binary:4.2.1",
		"win.binary:a.b", "mac.binary.:4.2", "mac.binary.Big:4.2",
		"mac.binary.-x:4.2", "mac.binary.a/b:4.2", "mac.binary.a..b:4.2x",
		"linux.binary:4.2", "source:4.2", "win.binary:4.2 ",
		"mac.binary.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:4.2",
	};
	static const char *const badtree[] = {
		"", "src", "src/contrib/", "bin/windows/contrib/", "bin/windows/contrib/4",
		"bin/windows/contrib/4.2/", "bin/windows/contrib/../4.2",
		"bin/macosx/contrib", "bin/macosx/x/y/contrib/4.2",
		"bin/macosx//contrib/4.2", "bin/macosx/../contrib/4.2",
		"bin/linux/contrib/4.2", "/src/contrib",
	};
	size_t i;

	CHECK(pkg_type_parse("source", &t) == 0 && t.kind == PKG_SOURCE);
	CHECK(strcmp(t.tree, "src/contrib") == 0);
	CHECK(pkg_type_parse("win.binary:4.4", &t) == 0);
	CHECK(t.kind == PKG_WIN_BINARY && strcmp(t.r, "4.4") == 0);
	CHECK(strcmp(t.tree, "bin/windows/contrib/4.4") == 0);
	CHECK(strcmp(t.spec, "win.binary:4.4") == 0);
	CHECK(pkg_type_parse("mac.binary:4.2", &t) == 0);
	CHECK(strcmp(t.tree, "bin/macosx/contrib/4.2") == 0);
	CHECK(pkg_type_parse("mac.binary.big-sur-arm64:4.10", &t) == 0);
	CHECK(t.kind == PKG_MAC_BINARY && strcmp(t.sub, "big-sur-arm64") == 0);
	CHECK(strcmp(t.tree, "bin/macosx/big-sur-arm64/contrib/4.10") == 0);
	CHECK(strcmp(t.spec, "mac.binary.big-sur-arm64:4.10") == 0);
	CHECK(pkg_type_from_tree(t.tree, &u) == 0 &&
	    strcmp(u.spec, t.spec) == 0 && u.kind == t.kind);
	CHECK(pkg_type_from_tree("bin/macosx/contrib/4.2", &u) == 0 &&
	    strcmp(u.spec, "mac.binary:4.2") == 0);
	CHECK(pkg_type_from_tree("bin/windows/contrib/4.0", &u) == 0 &&
	    strcmp(u.spec, "win.binary:4.0") == 0);
	CHECK(pkg_type_from_tree("src/contrib", &u) == 0 &&
	    u.kind == PKG_SOURCE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(pkg_type_parse(bad[i], &t) == -1);
	for (i = 0; i < sizeof(badtree) / sizeof(badtree[0]); i++)
		CHECK(pkg_type_from_tree(badtree[i], &t) == -1);
	CHECK(pkg_type_parse("win.binary:4.2", &t) == 0);
	CHECK(pkg_type_file_matches(&t, "A3_1.0.zip", "A3", "1.0"));
	CHECK(!pkg_type_file_matches(&t, "A3_1.0.tar.gz", "A3", "1.0"));
	CHECK(pkg_type_parse("mac.binary:4.2", &t) == 0);
	CHECK(pkg_type_file_matches(&t, "A3_1.0.tgz", "A3", "1.0"));
	CHECK(strcmp(pkg_type_ext(PKG_SOURCE), ".tar.gz") == 0);
}

static void
test_built(void)
{
	struct pkg_type w, m, a, x;
	char err[256];

	CHECK(pkg_type_parse("win.binary:4.4", &w) == 0);
	CHECK(pkg_type_parse("mac.binary:4.4", &m) == 0);
	CHECK(pkg_type_parse("mac.binary.big-sur-arm64:4.4", &a) == 0);
	CHECK(pkg_type_parse("mac.binary.big-sur-x86_64:4.4", &x) == 0);
	CHECK(pkg_built_fits(&w, "R 4.4.1; x86_64-w64-mingw32; 2024-06-14 "
	    "12:00:00 UTC; windows", err, sizeof(err)));
	CHECK(pkg_built_fits(&w, "R 4.4.0; ; 2024-06-14; windows", err,
	    sizeof(err)));
	CHECK(!pkg_built_fits(&w, "R 4.3.3; x86_64-w64-mingw32; 2024; windows",
	    err, sizeof(err)) && strstr(err, "not for R 4.4") != NULL);
	CHECK(!pkg_built_fits(&w, "R 4.40.1; x; 2024; windows", err,
	    sizeof(err)));
	CHECK(!pkg_built_fits(&w, "R 4.4.1; x86_64-pc-linux-gnu; 2024; unix",
	    err, sizeof(err)) && strstr(err, "not for Windows") != NULL);
	CHECK(!pkg_built_fits(&w, NULL, err, sizeof(err)) &&
	    strstr(err, "no Built field") != NULL);
	CHECK(!pkg_built_fits(&w, "4.4.1; x; y; windows", err, sizeof(err)));
	CHECK(!pkg_built_fits(&w, "R 4.4.1; x", err, sizeof(err)));
	CHECK(pkg_built_fits(&m, "R 4.4.1; x86_64-apple-darwin20; 2024; unix",
	    err, sizeof(err)));
	CHECK(!pkg_built_fits(&m, "R 4.4.1; x86_64-pc-linux-gnu; 2024; unix",
	    err, sizeof(err)) && strstr(err, "not for macOS") != NULL);
	CHECK(pkg_built_fits(&a, "R 4.4.1; aarch64-apple-darwin20; 2024; unix",
	    err, sizeof(err)));
	CHECK(!pkg_built_fits(&a, "R 4.4.1; x86_64-apple-darwin20; 2024; unix",
	    err, sizeof(err)) && strstr(err, "big-sur-arm64") != NULL);
	CHECK(pkg_built_fits(&a, "R 4.4.0; ; 2024-04-24 12:00:00 UTC; unix",
	    err, sizeof(err)));
	CHECK(!pkg_built_fits(&a, "R 4.4.0; ; 2024-04-24; windows", err,
	    sizeof(err)));
	CHECK(pkg_built_fits(&x, "R 4.4.1; x86_64-apple-darwin20; 2024; unix",
	    err, sizeof(err)));
	CHECK(!pkg_built_fits(&x, "R 4.4.1; aarch64-apple-darwin20; 2024; unix",
	    err, sizeof(err)));
}

int
main(void)
{
	RUN(test_names);
	RUN(test_versions);
	RUN(test_order);
	RUN(test_file);
	RUN(test_collate);
	RUN(test_types);
	RUN(test_built);
	TEST_EXIT();
}
