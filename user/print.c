// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * print.c - text or JSON output from the same call sites (see print.h).
 * A streaming JSON writer: a small stack remembers, per open container,
 * whether it is an array and whether a member was already written (for
 * the comma).
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "print.h"

#define JSON_MAX_DEPTH	32

static struct {
	bool json, pretty;
	FILE *f;
	int depth;
	struct {
		bool array;
		unsigned int count;
	} st[JSON_MAX_DEPTH];
} P;

void vta_print_init(bool json, bool pretty)
{
	P.json = json;
	P.pretty = pretty;
	P.depth = 0;
}

bool vta_print_is_json(void)
{
	return P.json;
}

void vta_print_set_file(FILE *f)
{
	P.f = f;
}

static FILE *out(void)
{
	return P.f ? P.f : stdout;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when it is not one.
 */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

size_t vta_json_escape(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (!len)
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char tmp[8];
		const char *rep = NULL;
		size_t rl;

		switch (ch) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		default:
			if (ch < 0x20 || (ch >= 0x80 &&
					  !utf8_len((const unsigned char *)s))) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", ch);
				rep = tmp;
			} else if (ch >= 0x80) {
				/* a whole UTF-8 sequence, never cut */
				rl = utf8_len((const unsigned char *)s);
				memcpy(tmp, s, rl);
				tmp[rl] = '\0';
				rep = tmp;
				s += rl - 1;
			}
		}
		if (!rep) {
			tmp[0] = ch;
			tmp[1] = '\0';
			rep = tmp;
		}
		rl = strlen(rep);
		/* Never cut an escape sequence in half. */
		if (n + rl >= len)
			break;
		memcpy(buf + n, rep, rl);
		n += rl;
	}
	buf[n] = '\0';
	return n;
}

/* A JSON string: RFC 8259 escapes; valid UTF-8 passes as it is, any
 * other byte >= 0x80 (an interface name may hold any byte) becomes the
 * code point of that byte (\u00XX), so the document stays UTF-8. */
static void json_puts_escaped(const char *s)
{
	FILE *f = out();

	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x80) {
			int n = utf8_len((const unsigned char *)s);

			if (!n) {
				fprintf(f, "\\u%04x", ch);
				continue;
			}
			fwrite(s, 1, n, f);
			s += n - 1;
			continue;
		}

		switch (ch) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (ch < 0x20)
				fprintf(f, "\\u%04x", ch);
			else
				fputc(ch, f);
		}
	}
	fputc('"', f);
}

static void json_indent(int depth)
{
	int i;

	fputc('\n', out());
	for (i = 0; i < depth; i++)
		fputs("  ", out());
}

/* Separator, indentation and key before a new member at the current level. */
static void json_member(const char *key)
{
	if (P.depth > 0) {
		if (P.st[P.depth - 1].count++)
			fputc(',', out());
		if (P.pretty)
			json_indent(P.depth);
		if (!P.st[P.depth - 1].array) {
			json_puts_escaped(key ? key : "");
			fputs(P.pretty ? ": " : ":", out());
		}
	}
}

static void json_open(const char *key, bool array)
{
	json_member(key);
	fputc(array ? '[' : '{', out());
	if (P.depth < JSON_MAX_DEPTH) {
		P.st[P.depth].array = array;
		P.st[P.depth].count = 0;
	}
	P.depth++;
}

static void json_close(bool array)
{
	if (P.depth <= 0)
		return;
	P.depth--;
	if (P.pretty && P.depth < JSON_MAX_DEPTH && P.st[P.depth].count)
		json_indent(P.depth);
	fputc(array ? ']' : '}', out());
	if (P.depth == 0)
		fputc('\n', out());
}

void open_json_object(const char *key)
{
	if (P.json)
		json_open(key, false);
}

void close_json_object(void)
{
	if (P.json)
		json_close(false);
}

void open_json_array(const char *key)
{
	if (P.json)
		json_open(key, true);
}

void close_json_array(void)
{
	if (P.json)
		json_close(true);
}

/* The text half of every print_*: fmt takes exactly one argument. */
#define TEXT_OUT(t, fmt, val)					\
	do {							\
		if (!P.json && ((t) & PRINT_TEXT) && (fmt))	\
			fprintf(out(), fmt, val);		\
	} while (0)

void print_string(enum print_type t, const char *key, const char *fmt,
		  const char *val)
{
	if (P.json) {
		if (!(t & PRINT_JSON))
			return;
		json_member(key);
		if (val)
			json_puts_escaped(val);
		else
			fputs("null", out());
		return;
	}
	TEXT_OUT(t, fmt, val ? val : "");
}

void print_uint(enum print_type t, const char *key, const char *fmt,
		uint64_t val)
{
	if (P.json) {
		if (!(t & PRINT_JSON))
			return;
		json_member(key);
		fprintf(out(), "%llu", (unsigned long long)val);
		return;
	}
	TEXT_OUT(t, fmt, val);
}

void print_int(enum print_type t, const char *key, const char *fmt,
	       int64_t val)
{
	if (P.json) {
		if (!(t & PRINT_JSON))
			return;
		json_member(key);
		fprintf(out(), "%lld", (long long)val);
		return;
	}
	TEXT_OUT(t, fmt, val);
}

void print_float(enum print_type t, const char *key, const char *fmt,
		 double val)
{
	if (P.json) {
		if (!(t & PRINT_JSON))
			return;
		json_member(key);
		/* JSON has no NaN or infinity. */
		if (isfinite(val))
			fprintf(out(), "%.6g", val);
		else
			fputs("null", out());
		return;
	}
	TEXT_OUT(t, fmt, val);
}

void print_bool(enum print_type t, const char *key, const char *fmt,
		bool val)
{
	if (P.json) {
		if (!(t & PRINT_JSON))
			return;
		json_member(key);
		fputs(val ? "true" : "false", out());
		return;
	}
	TEXT_OUT(t, fmt, val ? "yes" : "no");
}

void print_null(enum print_type t, const char *key, const char *fmt)
{
	if (P.json) {
		if (!(t & PRINT_JSON))
			return;
		json_member(key);
		fputs("null", out());
		return;
	}
	if ((t & PRINT_TEXT) && fmt)
		fputs(fmt, out());
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (P.json)
		return;
	va_start(ap, fmt);
	vfprintf(out(), fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!P.json)
		fputc('\n', out());
}

void vta_print_flush(void)
{
	fflush(out());
}

int vta_print_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Strip the trailing newline pr_warn-style callers may pass. */
	if (msg[0] && msg[strlen(msg) - 1] == '\n')
		msg[strlen(msg) - 1] = '\0';
	if (P.json) {
		/* Close whatever a failing command left open, so stdout
		 * stays one parsable document per command. */
		while (P.depth > 1)
			json_close(P.st[P.depth - 1].array);
		if (P.depth == 1 && P.st[0].array) {
			/* a top-level array (a stream of records): the
			 * error is its last element, an object */
			json_member(NULL);
			fputs("{\"error\":", out());
			json_puts_escaped(msg);
			fputc('}', out());
			json_close(true);
		} else if (P.depth == 1) {
			json_member("error");
			json_puts_escaped(msg);
			json_close(P.st[0].array);
		} else {
			fputs(P.pretty ? "{\n  \"error\": " : "{\"error\":", out());
			json_puts_escaped(msg);
			fputs(P.pretty ? "\n}\n" : "}\n", out());
		}
		fflush(out());
	} else {
		fprintf(stderr, "vtiaccel: %s\n", msg);
	}
	return 1;
}
