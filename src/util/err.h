/* err: the one way a helper fills its caller's error buffer and fails. */
#ifndef EF_ERR_H
#define EF_ERR_H

#include <stddef.h>

/* printf into err (if any) and return -1, so an error path is one line. */
int	err_set(char *err, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* "what: strerror(saved_errno)" (just "what" for 0) into err; returns -1. */
int	err_set_errno(char *err, size_t len, const char *what, int saved_errno);

#endif
