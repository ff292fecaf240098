// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * json.c - streaming JSON writer (see json.h for the layouts).
 *
 * State machine: @sep is the separator owed before the next element of the
 * current level. A key pays it and then clears it, so the value that follows
 * the key does not print a second comma. Closing a container makes it an
 * element of its parent, so @sep becomes ',' again.
 *
 * In pretty mode a newline and indentation precede every key and every closing
 * '}' of a non-empty object; nothing precedes array elements. That asymmetry is
 * what gives iproute2's "[ {" and "},{" shapes.
 */
#include "json.h"

void json_init(struct json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->pretty = pretty;
	j->depth = 0;
	j->sep = 0;
}

/* Pay the separator owed for the element about to be written. */
static void json_elem(struct json *j)
{
	if (j->sep)
		putc_unlocked(j->sep, j->out);
	j->sep = ',';
}

static void json_newline(struct json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	putc_unlocked('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs_unlocked("    ", j->out);
}

static void json_open(struct json *j, char c)
{
	json_elem(j);
	putc_unlocked(c, j->out);
	j->depth++;
	j->sep = 0;
}

static void json_close(struct json *j, char c)
{
	if (j->depth)
		j->depth--;
	/* Only a non-empty container gets its closer on a new line. */
	if (j->sep)
		json_newline(j);
	putc_unlocked(c, j->out);
	j->sep = ',';
}

void json_obj_begin(struct json *j)
{
	json_open(j, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j)
{
	json_open(j, '[');
	if (j->pretty)
		putc_unlocked(' ', j->out);
}

void json_arr_end(struct json *j)
{
	/* Arrays close on the same line: "[ 1,2 ]", "[ ]", "} ]". */
	if (j->pretty && j->sep)
		putc_unlocked(' ', j->out);
	j->sep = 0;
	json_close(j, ']');
}

/*
 * Escape what JSON requires. iproute2 also turns ' into \' (invalid JSON) and
 * passes other control characters raw; we emit valid JSON instead.
 */
static void json_quote(struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;

	putc_unlocked('"', j->out);
	for (;;) {
		/* Runs of plain characters go out in one write: keys and values
		 * are mostly nothing else, and -j -batch prints millions. */
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\'; p++)
			;
		if (p > run)
			fwrite_unlocked(run, 1, (size_t)(p - run), j->out);
		if (!*p)
			break;
		switch (*p) {
		case '"':
			fputs_unlocked("\\\"", j->out);
			break;
		case '\\':
			fputs_unlocked("\\\\", j->out);
			break;
		case '\n':
			fputs_unlocked("\\n", j->out);
			break;
		case '\t':
			fputs_unlocked("\\t", j->out);
			break;
		case '\r':
			fputs_unlocked("\\r", j->out);
			break;
		case '\b':
			fputs_unlocked("\\b", j->out);
			break;
		case '\f':
			fputs_unlocked("\\f", j->out);
			break;
		default:
			fprintf(j->out, "\\u%04x", *p);
		}
		p++;
	}
	putc_unlocked('"', j->out);
}

void json_key(struct json *j, const char *key)
{
	json_elem(j);
	json_newline(j);
	j->sep = 0; /* the value that follows owes no comma */
	json_quote(j, key);
	fputs_unlocked(j->pretty ? ": " : ":", j->out);
}

void json_str(struct json *j, const char *s)
{
	json_elem(j);
	json_quote(j, s);
}

/* Decimal digits of @v, with a '-' before them when @neg. */
static void put_dec(struct json *j, uint64_t v, bool neg)
{
	char b[21], *p = b + sizeof(b);

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	if (neg)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(b + sizeof(b) - p), j->out);
}

void json_int(struct json *j, int64_t v)
{
	json_elem(j);
	put_dec(j, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void json_uint(struct json *j, uint64_t v)
{
	json_elem(j);
	put_dec(j, v, false);
}

void json_bool(struct json *j, bool v)
{
	json_elem(j);
	fputs_unlocked(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	json_elem(j);
	fputs_unlocked("null", j->out);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

void json_kv_obj_begin(struct json *j, const char *key)
{
	json_key(j, key);
	json_obj_begin(j);
}

void json_kv_arr_begin(struct json *j, const char *key)
{
	json_key(j, key);
	json_arr_begin(j);
}
