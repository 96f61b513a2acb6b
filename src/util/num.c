/* Strict decimal numbers: digits only, no sign, no spaces, no overflow. */
#include "autoconfig.h"

#include <string.h>

#include "util/num.h"

/*
 * The `len` bytes at s as a decimal at most `max`. "+5", " 5", "5x", ""
 * and anything past max are refused (-1) rather than guessed at.
 */
int
num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	 v = 0, d;
	size_t		 i;

	if (len == 0)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		d = (uint64_t)(s[i] - '0');
		if (v > (max - d) / 10 || v * 10 + d > max)
			return (-1);
		v = v * 10 + d;
	}
	*out = v;
	return (0);
}

/* Decimal digits without printf, for heads and logs written per request. */
size_t
num_format_u64(char *out, unsigned long long v)
{
	char	 tmp[24];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(out, tmp + i, sizeof(tmp) - i);
	return (sizeof(tmp) - i);
}
