// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_pkt: run one XTCP packet script (Documentation/packet-scripts.rst).
 *
 *	xtcp_pkt [-v] SCRIPT.pkt
 *
 * Exit 0 when every line held, 1 with "FILE:LINE: reason" on stderr when
 * one did not, 2 when the environment (netns, TUN) could not be set up.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xtcp_pkt.h"

int main(int argc, char **argv)
{
	struct pkt_ctx *p;
	int opt, ret;
	bool verbose = false;

	while ((opt = getopt(argc, argv, "vh")) != -1) {
		switch (opt) {
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-v] SCRIPT.pkt\n", argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s [-v] SCRIPT.pkt\n", argv[0]);
		return 2;
	}
	p = pkt_new();
	if (!p)
		return 2;
	if (verbose)
		pkt_set_trace(p, stdout);
	ret = pkt_run_file(p, argv[optind]);
	if (ret) {
		fflush(stdout);
		fprintf(stderr, "%s\n", pkt_error(p));
	}
	pkt_free(p);
	return ret ? 1 : 0;
}
