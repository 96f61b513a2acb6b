/* dashboard: the /dashboard page, compiled in from dashboard.html at build time. */
#ifndef EF_DASHBOARD_H
#define EF_DASHBOARD_H

#include <stddef.h>

extern const char	dashboard_html[];
extern const size_t	dashboard_html_len;

/* Headers /events and /dashboard add: nothing is cached (CORS, which lets any
 * page watch, comes with every endpoint answer). */
#define DASHBOARD_EXTRA	"Cache-Control: no-cache\r\n"

#endif
