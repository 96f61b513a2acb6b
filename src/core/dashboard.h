/* dashboard: the /dashboard page, compiled in from dashboard.html at build time. */
#ifndef EF_DASHBOARD_H
#define EF_DASHBOARD_H

#include <stddef.h>

extern const char	dashboard_html[];
extern const size_t	dashboard_html_len;

/* Headers /events and /dashboard send: any page may watch, nothing is cached. */
#define DASHBOARD_EXTRA	"Cache-Control: no-cache\r\nAccess-Control-Allow-Origin: *\r\n"

#endif
