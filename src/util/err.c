/* err: the one way a helper fills its caller's error buffer and fails. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

/* printf into err (if any) and return -1, so an error path is one line. */
int
err_set(char *err, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* "what: strerror(saved_errno)" (just "what" for 0) into err; returns -1. */
int
err_set_errno(char *err, size_t len, const char *what, int saved_errno)
{
	if (saved_errno != 0)
		return (err_set(err, len, "%s: %s", what, strerror(saved_errno)));
	return (err_set(err, len, "%s", what));
}
