/* http_form: request bodies that are HTML forms, parsed without I/O. */
#ifndef EF_HTTP_FORM_H
#define EF_HTTP_FORM_H

#include <stddef.h>

enum http_form_kind {
	HTTP_FORM_NONE = 0,		/* not a form: the body is data */
	HTTP_FORM_URLENCODED,		/* application/x-www-form-urlencoded */
	HTTP_FORM_MULTIPART,		/* multipart/form-data with a boundary */
};

#define HTTP_FORM_BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */

/* One part of a multipart body; every pointer is into the body. */
struct http_form_part {
	const char	*name;
	size_t		 name_len;
	int		 is_file;	/* Content-Disposition had a filename */
	const char	*type;		/* the part's Content-Type, or NULL */
	size_t		 type_len;
	const char	*data;
	size_t		 data_len;
};

/*
 * What a Content-Type value (NULL: none) says the body is; for multipart the
 * boundary is copied into `boundary` (HTTP_FORM_BOUNDARY_MAX + 1 bytes).
 * -1 with why for multipart without a usable boundary.
 */
int	http_form_kind(const char *ctype, size_t len, enum http_form_kind *,
	    char *boundary, const char **why);
/*
 * Split a multipart/form-data body into at most `max` parts. -1 with why
 * when it is not well formed or has more parts.
 */
int	http_form_multipart(const char *body, size_t len, const char *boundary,
	    struct http_form_part *, unsigned int max, unsigned int *nparts,
	    const char **why);

#endif
