/* args: echofetch-load's command line, parsed into one struct without side effects. */
#ifndef EF_LOAD_ARGS_H
#define EF_LOAD_ARGS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#define ARGS_ERR_LEN		256
#define ARGS_HOST_LEN		64
#define ARGS_MAX_CLIENTS	1000000UL
#define ARGS_MAX_PAYLOAD	(64UL * 1024 * 1024)
#define ARGS_MAX_BODY		(64UL * 1024 * 1024)
#define ARGS_MAX_SECONDS	(7.0 * 24 * 3600)
#define ARGS_SETTLE_DEFAULT	1.0	/* --settle when not given */

#define ARGS_MAX_TARGETS	64
#define ARGS_MAX_THREADS	64
#define ARGS_MAX_PROCS		64

enum args_proto {
	ARGS_HTTP = 0,		/* http:// and https:// */
	ARGS_TCP,
	ARGS_WS,		/* ws:// and wss:// */
};

/* One front end; clients take them round-robin. */
struct load_target {
	char			*url;		/* as given */
	enum args_proto		 proto;
	int			 tls;		/* https://, wss:// */
	char			 host[ARGS_HOST_LEN];	/* as written, v6 in brackets */
	char			 name[ARGS_HOST_LEN];	/* without brackets: SNI, cert check */
	unsigned int		 port;
	char			*path;		/* path and query, at least "/" */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
};

struct load_args {
	/* Targets: the positional URL and every --target, all of one proto. */
	struct load_target	*targets;
	size_t			 ntargets;
	const char		*url;		/* the first target's, for reports */
	enum args_proto		 proto;
	int			 tls;		/* some target uses TLS */
	char			*cacert;	/* --cacert file */
	int			 insecure;	/* --insecure: no certificate check */
	unsigned long		 threads;	/* event loops, 1 by default */
	unsigned long		 procs;		/* processes, 1 by default */
	unsigned long long	 messages;	/* ws: messages per connection, 0: use -n/-d */

	/* How much load. */
	unsigned long		 clients;
	unsigned long long	 requests;	/* 0 when duration is used */
	double			 duration;	/* seconds, 0 when requests is used */
	int			 keepalive;
	double			 rate;		/* requests/s in total, 0 = closed loop */
	size_t			 payload;	/* tcp echo bytes; generated http body if set */
	int			 payload_set;
	double			 slow_send;	/* bytes/s per client, 0 = all at once */
	double			 connect_timeout;
	double			 timeout;

	/* HTTP request. */
	char			*method;	/* NULL: GET, or POST with a body */
	char			**headers;	/* "Name: value" */
	size_t			 nheaders;
	char			*body;
	size_t			 body_len;
	int			 has_body;

	/* --hold: keep the connections open instead of running requests. */
	int			 hold_set;
	double			 hold;		/* seconds to keep them once settled, may be 0 */
	int			 send;		/* send the request once on each */
	double			 settle;	/* seconds without news that mean settled; 0: default */

	/* Output and thresholds. */
	int			 latency;	/* the percentile table */
	double			 max_p99_ms;	/* 0: no threshold */
	int			 max_errors_set;
	unsigned long long	 max_errors;
	int			 json;
	char			*timeline;
	int			 quiet;
	int			 help;
	int			 version;
};

/* Fill a from argv (argv[0] is the program); -1 and a message in err on any bad input. */
int	args_parse(struct load_args *a, int argc, char *const argv[], char *err, size_t errlen);
void	args_free(struct load_args *a);
/* The method that will be sent. */
const char *args_method(const struct load_args *a);
/* The usage text, for -h and for errors. */
const char *args_usage(void);

#endif
