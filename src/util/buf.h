/* buf: a growable byte buffer with a sticky out-of-memory flag. */
#ifndef EF_BUF_H
#define EF_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Appends never fail loudly: on allocation failure the buffer sets `oom` and
 * ignores further appends, so a caller building a response checks once at
 * the end instead of after every piece.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_reserve(struct buf *, size_t);
void	buf_append(struct buf *, const void *, size_t);
void	buf_append_str(struct buf *, const char *);
/* A string literal, its length known at compile time. */
#define buf_append_lit(b, lit)	buf_append((b), "" lit, sizeof(lit) - 1)
void	buf_append_char(struct buf *, char);
void	buf_append_uint(struct buf *, unsigned long long);
void	buf_appendf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_vappendf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
char	*buf_cstr(struct buf *);

#endif
