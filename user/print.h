/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * print.h - one call site per printed field, producing either text or JSON
 * (iproute2 style):
 *
 *	print_string(PRINT_ANY, "dev", "dev %s ", name);
 *
 * prints "dev eth1 " in text mode and "dev":"eth1" in JSON mode, so the two
 * outputs can never drift apart.  PRINT_TEXT / PRINT_JSON limit a call to
 * one mode.  Output goes to stdout; JSON is written as it is produced (no
 * tree in memory) with commas and, with -p, indentation handled here.
 */
#ifndef VTA_PRINT_H
#define VTA_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum print_type {
	PRINT_TEXT = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_TEXT | PRINT_JSON,
};

/* Select the output mode; pretty indents JSON. */
void vta_print_init(bool json, bool pretty);
bool vta_print_is_json(void);
/* Write to f instead of stdout (unit tests); NULL restores stdout. */
void vta_print_set_file(FILE *f);

/* JSON containers; key is ignored inside arrays and may be NULL there. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum print_type t, const char *key, const char *fmt,
		  const char *val);
void print_uint(enum print_type t, const char *key, const char *fmt,
		uint64_t val);
void print_int(enum print_type t, const char *key, const char *fmt,
	       int64_t val);
void print_float(enum print_type t, const char *key, const char *fmt,
		 double val);
void print_bool(enum print_type t, const char *key, const char *fmt,
		bool val);
/* JSON null (text: fmt printed as is, e.g. "-"). */
void print_null(enum print_type t, const char *key, const char *fmt);
/* Free text, text mode only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Newline, text mode only. */
void print_nl(void);
/* End of a JSON document: closes nothing, prints the final newline. */
void vta_print_flush(void);

/*
 * Report a failed command: text mode "vtiaccel: <msg>" on stderr, JSON
 * mode {"error":"<msg>"} on stdout.  Returns 1 so callers can
 * `return vta_print_error(...)`.
 */
int vta_print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON string escaping into buf (always terminated); returns strlen. */
size_t vta_json_escape(char *buf, size_t len, const char *s);

#endif
