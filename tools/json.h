/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json.h - a tiny streaming JSON writer for the fibmirror CLI.
 *
 * The writer emits tokens straight to a FILE* and keeps only a depth and a
 * pending separator, so it never buffers a document. Its two layouts are
 * byte-compatible with iproute2's `-j` (compact) and `-j -p` (pretty) output,
 * so scripts written against `ip` parse ours unchanged:
 *
 *   compact: [{"dst":"10.0.0.0/24","flags":[]}]
 *   pretty:  [ {
 *                    "dst": "10.0.0.0/24",
 *                    "flags": [ ]
 *                } ]
 *
 * Pretty mode breaks the line before each key (indent 4 spaces per level), pads
 * the inside of arrays with one space, and keeps array elements and "},{" on
 * one line, exactly as iproute2 does.
 *
 * The caller is responsible for well-formedness (a key before each value in an
 * object, none in an array); the writer does not validate.
 */
#ifndef FM_TOOLS_JSON_H
#define FM_TOOLS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	bool pretty;
	unsigned int depth; /* open objects and arrays */
	char sep;	    /* ',' once an element was written at this level, else 0 */
};

/* json_init() - start a document on @out; nothing is written yet. */
void json_init(struct json *j, FILE *out, bool pretty);

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);

/* json_key() - the name of the next value (inside an object only). */
void json_key(struct json *j, const char *key);

/* Values: inside an array they are elements, inside an object they follow json_key(). */
void json_str(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Shorthands for json_key() followed by a value or an opening bracket. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);
void json_kv_obj_begin(struct json *j, const char *key);
void json_kv_arr_begin(struct json *j, const char *key);

#endif /* FM_TOOLS_JSON_H */
