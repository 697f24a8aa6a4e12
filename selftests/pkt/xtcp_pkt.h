/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP packet-script tool: the C API. A context owns a TUN device in a
 * network namespace of its own and plays XTCP's only peer: it injects
 * hand-made segments and asserts what XTCP sends back and when, on its own
 * clock. Documentation/packet-scripts.rst describes the script language;
 * every line of it can also be run from C with pkt_line().
 *
 *	struct pkt_ctx *p = pkt_new();	(now in the new netns)
 *	pkt_line(p, "socket L");
 *	pkt_line(p, "bind L 0.0.0.0:8080");
 *	pkt_line(p, "listen L 16");
 *	pkt_line(p, "< S 0:0(0) win 65535 <mss 1460>");
 *	pkt_line(p, "> S. 0:0(0) ack 1 <mss *>");
 *	...
 *	pkt_free(p);
 *
 * Each call returns 0, or -1 with the reason in pkt_error().
 */
#ifndef XTCP_PKT_H
#define XTCP_PKT_H

#include <stdio.h>

struct pkt_ctx;

/*
 * Move the calling process into a new network namespace with lo up and a
 * TUN device "xpkt0" (XTCP side 10.77.0.1/24, peer 10.77.0.2). NULL (and a
 * message on stderr) when that fails.
 */
struct pkt_ctx *pkt_new(void);
void pkt_free(struct pkt_ctx *p);

/* Run one script line, a whole script text, or a script file. */
int pkt_line(struct pkt_ctx *p, const char *line);
int pkt_run_string(struct pkt_ctx *p, const char *name, const char *text);
int pkt_run_file(struct pkt_ctx *p, const char *path);

/* Why the last call failed ("file:line: ..."). */
const char *pkt_error(const struct pkt_ctx *p);

/* Print every segment in and out, in script syntax, to @out (NULL: off). */
void pkt_set_trace(struct pkt_ctx *p, FILE *out);

/* The descriptor of a socket the script named (-1 if none). */
int pkt_fd(const struct pkt_ctx *p, const char *name);

/* The TUN descriptor, for C tests that build their own packets. */
int pkt_tun_fd(const struct pkt_ctx *p);

#endif /* XTCP_PKT_H */
