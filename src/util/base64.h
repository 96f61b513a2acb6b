/* base64: RFC 4648 encoding and decoding onto a struct buf. */
#ifndef EF_BASE64_H
#define EF_BASE64_H

#include <stddef.h>

#include "util/buf.h"

/* Standard alphabet, padded. */
void	base64_encode(struct buf *, const void *, size_t);
/*
 * Either alphabet ("+/" or "-_"), padding optional; -1 on any other byte,
 * a lone trailing character, or bits left over.
 */
int	base64_decode(struct buf *, const char *, size_t);

#endif
