/* json: a small streaming JSON writer over a struct buf. */
#ifndef EF_JSON_H
#define EF_JSON_H

#include <stddef.h>

#include "util/buf.h"

#define JSON_MAX_DEPTH	16

/* Keeps just enough state to place commas; nesting past JSON_MAX_DEPTH sets out->oom. */
struct json {
	struct buf	*out;
	int		 depth;
	unsigned char	 has_items[JSON_MAX_DEPTH];
	int		 after_key;
	int		 pretty;	/* newline + two-space indent, as httpbin prints */
};

void	json_init(struct json *, struct buf *, int pretty);
void	json_object_begin(struct json *);
void	json_object_end(struct json *);
void	json_array_begin(struct json *);
void	json_array_end(struct json *);
void	json_key(struct json *, const char *);
void	json_key_bytes(struct json *, const char *, size_t);
/* Any bytes: valid UTF-8 passes, controls are escaped, invalid bytes become U+FFFD. */
void	json_string(struct json *, const char *, size_t);
void	json_cstring(struct json *, const char *);
void	json_int(struct json *, long long);
void	json_uint(struct json *, unsigned long long);
void	json_double(struct json *, double);
void	json_bool(struct json *, int);
void	json_null(struct json *);
/* Escape `len` bytes as a JSON string body (no quotes) onto a buf. */
void	json_escape(struct buf *, const char *, size_t);
/* 1 if the bytes are one valid JSON value (RFC 8259), else 0; used by /anything's "json". */
void	json_raw(struct json *, const char *, size_t);	/* already-valid JSON */
int	json_validate(const char *, size_t);
/* 1 if the bytes are well-formed UTF-8 (no overlongs, surrogates or past U+10FFFF). */
int	json_utf8_valid(const char *, size_t);

#endif
