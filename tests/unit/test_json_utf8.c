// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * JSON output stays a valid UTF-8 JSON document whatever the bytes
 * (user/print.c): well-formed UTF-8 passes, any other byte >= 0x80
 * becomes \u00XX; and an error inside a top-level array is an element
 * {"error": ...}, not a bare string.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "print.h"

static const char *arg;

static char *capture(void (*fn)(void))
{
	static char buf[1024];
	FILE *f;

	memset(buf, 0, sizeof(buf));
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	vta_print_init(true, false);
	vta_print_set_file(f);
	fn();
	fclose(f);
	vta_print_set_file(NULL);
	return buf;
}

static void one_name(void)
{
	open_json_object(NULL);
	print_string(PRINT_JSON, "name", NULL, arg);
	close_json_object();
}

static const char *json_name(const char *s)
{
	arg = s;
	return capture(one_name);
}

static void test_utf8_valid_passes(void **state)
{
	/* é, €, U+1F600 */
	assert_string_equal(
		json_name("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		"{\"name\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}\n");
}

static void test_invalid_bytes_escaped(void **state)
{
	/* a lone byte, a truncated sequence at the end, an overlong '/',
	 * a UTF-16 surrogate, above U+10FFFF */
	assert_string_equal(json_name("a\xff"), "{\"name\":\"a\\u00ff\"}\n");
	assert_string_equal(json_name("b\xc3"), "{\"name\":\"b\\u00c3\"}\n");
	assert_string_equal(json_name("\xc0\xaf"),
			    "{\"name\":\"\\u00c0\\u00af\"}\n");
	assert_string_equal(json_name("\xed\xa0\x80"),
			    "{\"name\":\"\\u00ed\\u00a0\\u0080\"}\n");
	assert_string_equal(json_name("\xf4\x90\x80\x80"),
			    "{\"name\":\"\\u00f4\\u0090\\u0080\\u0080\"}\n");
}

static void test_escape_buffer(void **state)
{
	char buf[64];

	vta_json_escape(buf, sizeof(buf), "v\xffi\xc3\xa9");
	assert_string_equal(buf, "v\\u00ffi\xc3\xa9");
	/* a multi-byte sequence is never cut: "x" + 2 bytes needs 4 */
	vta_json_escape(buf, 3, "x\xc3\xa9");
	assert_string_equal(buf, "x");
}

static void error_in_array(void)
{
	open_json_array(NULL);
	print_string(PRINT_JSON, NULL, NULL, "a");
	vta_print_error("boom");
}

static void test_error_in_top_level_array(void **state)
{
	assert_string_equal(capture(error_in_array),
			    "[\"a\",{\"error\":\"boom\"}]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid_passes),
		cmocka_unit_test(test_invalid_bytes_escaped),
		cmocka_unit_test(test_escape_buffer),
		cmocka_unit_test(test_error_in_top_level_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
