// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unit tests of the pure parts of the CLI: the text/JSON printer, JSON
 * escaping, and command lookup by unique prefix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "print.h"

static char *capture(bool json, bool pretty, void (*fn)(void))
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	vta_print_init(json, pretty);
	vta_print_set_file(f);
	fn();
	fclose(f);
	vta_print_set_file(NULL);
	return buf;
}

static void sample(void)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "dev", "dev %s ", "eth1");
	print_uint(PRINT_ANY, "mtu", "mtu %llu", 1500);
	print_text(" text-only");
	open_json_array("flags");
	print_string(PRINT_JSON, NULL, NULL, "UP");
	print_string(PRINT_JSON, NULL, NULL, "L2");
	close_json_array();
	print_bool(PRINT_ANY, "up", " up %s", true);
	print_null(PRINT_ANY, "share", " -");
	print_float(PRINT_JSON, "nan", NULL, 0.0 / 0.0);
	print_nl();
	close_json_object();
}

static void test_text(void **state)
{
	assert_string_equal(capture(false, false, sample),
			    "dev eth1 mtu 1500 text-only up yes -\n");
}

static void test_json(void **state)
{
	assert_string_equal(capture(true, false, sample),
			    "{\"dev\":\"eth1\",\"mtu\":1500,\"flags\":[\"UP\",\"L2\"],"
			    "\"up\":true,\"share\":null,\"nan\":null}\n");
}

static void test_json_pretty(void **state)
{
	assert_string_equal(capture(true, true, sample),
			    "{\n  \"dev\": \"eth1\",\n  \"mtu\": 1500,\n"
			    "  \"flags\": [\n    \"UP\",\n    \"L2\"\n  ],\n"
			    "  \"up\": true,\n  \"share\": null,\n  \"nan\": null\n}\n");
}

static void test_escape(void **state)
{
	char buf[64];

	vta_json_escape(buf, sizeof(buf), "a\"b\\c\nd\x01");
	assert_string_equal(buf, "a\\\"b\\\\c\\nd\\u0001");
	/* Never cut an escape in half. */
	vta_json_escape(buf, 4, "a\"b");
	assert_string_equal(buf, "a\\\"");
	vta_json_escape(buf, 3, "a\"b");
	assert_string_equal(buf, "a");
}

static void error_mid_object(void)
{
	open_json_object(NULL);
	open_json_array("routes");
	open_json_object(NULL);
	print_string(PRINT_ANY, "dst", "%s", "10.0.0.0/8");
	vta_print_error("read %s: %s", "vta_fib4", "boom \"x\"");
}

static void test_error_keeps_json_valid(void **state)
{
	assert_string_equal(capture(true, false, error_mid_object),
			    "{\"routes\":[{\"dst\":\"10.0.0.0/8\"}],"
			    "\"error\":\"read vta_fib4: boom \\\"x\\\"\"}\n");
}

static void test_prefix(void **state)
{
	char amb[128];
	const struct vta_cmd *c;

	assert_null(vta_cmd_find("st", amb, sizeof(amb)));
	assert_string_equal(amb, "status, stats");
	c = vta_cmd_find("ro", amb, sizeof(amb));
	assert_non_null(c);
	assert_string_equal(c->name, "routes");
	c = vta_cmd_find("stats", amb, sizeof(amb));
	assert_string_equal(c->name, "stats");
	c = vta_cmd_find("stat", amb, sizeof(amb));
	assert_null(c);
	assert_string_equal(amb, "status, stats");
	c = vta_cmd_find("statu", amb, sizeof(amb));
	assert_string_equal(c->name, "status");
	assert_null(vta_cmd_find("x", amb, sizeof(amb)));
	assert_string_equal(amb, "");
	assert_null(vta_cmd_find("", amb, sizeof(amb)));
	/* Every command has a summary and an entry point. */
	for (int i = 0; vta_cmd_at(i); i++) {
		assert_non_null(vta_cmd_at(i)->fn);
		assert_non_null(vta_cmd_at(i)->summary);
	}
}

static void test_flags_str(void **state)
{
	char buf[128];

	vta_if_flags_str(VTA_IF_F_UP | VTA_IF_F_L2 | (1U << 20), buf, sizeof(buf));
	assert_string_equal(buf, "UP,L2,0x100000");
	vta_if_flags_str(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	vta_cfg_flags_str(VTA_CFG_F_FORWARD | VTA_CFG_F_XDP_GUARD, buf, sizeof(buf));
	assert_string_equal(buf, "FORWARD,XDP_GUARD");
	vta_cfg_flags_str(VTA_CFG_F_FORWARD | VTA_CFG_F_XDP, buf, sizeof(buf));
	assert_string_equal(buf, "FORWARD,XDP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_error_keeps_json_valid),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_flags_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
