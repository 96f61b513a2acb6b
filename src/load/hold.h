/* hold: --hold, many connections opened and kept open, and what the server did with them. */
#ifndef EF_LOAD_HOLD_H
#define EF_LOAD_HOLD_H

#include <stdio.h>

#include <event2/event.h>

#include "load/args.h"

#define HOLD_KEEP	1024	/* first bytes of each reply kept for the report */

enum hold_state {
	HOLD_CONNECTING = 0,
	HOLD_OPEN,
	HOLD_CLOSED,		/* the server closed or reset it */
	HOLD_REFUSED,		/* connect failed or timed out */
};

/* What one held connection saw; the counts in the report are made from these. */
struct hold_seen {
	enum hold_state	 hs_state;
	int		 hs_status;	/* 0 until a status line came */
	size_t		 hs_len;
	char		 hs_bytes[HOLD_KEEP];
};

/*
 * Open a->clients connections to a's target (sending req on each with --send),
 * print one report to out once they settle, keep them for a->hold seconds or
 * until SIGINT/SIGTERM. 0 when at least one connection opened, 1 if none did
 * or the run could not be set up (err says why).
 */
int	hold_run(struct event_base *, const struct load_args *a, const char *req,
	    size_t reqlen, FILE *out, char *err, size_t errlen);
/* Feed bytes a connection received into its record: status line, first bytes. */
void	hold_seen_input(struct hold_seen *, const char *, size_t);
/* The report: JSON (one line) or text, from every connection's record. */
int	hold_report(FILE *, int json, const struct hold_seen *, unsigned long n,
	    int interrupted);

#endif
