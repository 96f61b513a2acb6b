/* Strict decimal numbers: digits only, no sign, no spaces, no overflow. */
#ifndef EF_NUM_H
#define EF_NUM_H

#include <stddef.h>
#include <stdint.h>

#define NUM_DIGITS	"0123456789"

int	num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* v in decimal at out, which has room for NUM_U64_DIGITS; no NUL. The length. */
#define NUM_U64_DIGITS	20
size_t	num_format_u64(char *out, unsigned long long v);

#endif /* EF_NUM_H */
