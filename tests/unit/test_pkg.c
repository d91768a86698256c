#include "config.h"

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

int
main(void)
{
	RUN(test_names);
	RUN(test_versions);
	RUN(test_order);
	RUN(test_file);
	RUN(test_collate);
	TEST_EXIT();
}
