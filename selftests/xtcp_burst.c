// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for xtcp_teardown.sh (not a test itself):
 *
 *   xtcp_burst tcp|xtcp N PORT
 *
 * In the current netns: a listener on 127.0.0.1:PORT takes N connections,
 * each moves a few bytes both ways, and the connecting end closes first,
 * so N TIME_WAIT entries are left behind (and the FIN exchange of each has
 * run to the end). Prints "timewait K" with the number of entries seen in
 * /proc and exits 0 when K >= N, 1 otherwise (or at once when a step,
 * the accepted end's EOF included, fails).
 */
#include "xtcp_lib.h"

int main(int argc, char **argv)
{
	struct xfam tcp = XFAM_TCP, xtcp = XFAM_XTCP;
	struct timeval tv = { .tv_sec = 20 };
	const struct xfam *f;
	int n, port, l, i, seen = -1;
	double end;
	char b[16];

	if (argc != 4) {
		fprintf(stderr, "usage: %s tcp|xtcp N PORT\n", argv[0]);
		return 2;
	}
	f = strcmp(argv[1], "tcp") ? &xtcp : &tcp;
	n = atoi(argv[2]);
	port = atoi(argv[3]);
	lo_up();
	l = xsock(f, 0);
	if (l < 0 || xbind(f, l, "127.0.0.1", port) || listen(l, 128)) {
		fprintf(stderr, "listener: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		int c, s;

		c = xsock(f, 0);
		if (c < 0 || connect_wait(f, c, "127.0.0.1", port, 10000)) {
			fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
			return 1;
		}
		s = (poll1(l, POLLIN, 10000) & POLLIN) ? accept(l, NULL, NULL) : -1;
		if (s < 0) {
			fprintf(stderr, "accept %d failed\n", i);
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (send(c, "ping", 4, 0) != 4 || recv(s, b, 4, MSG_WAITALL) != 4 ||
		    send(s, "pong", 4, 0) != 4 || recv(c, b, 4, MSG_WAITALL) != 4) {
			fprintf(stderr, "exchange %d: %s\n", i, strerror(errno));
			return 1;
		}
		/* active close by the connecting end; the accepted end follows */
		close(c);
		if (recv(s, b, 1, 0) != 0) {
			fprintf(stderr, "conn %d: no EOF at the accepted end\n", i);
			return 1;
		}
		close(s);
	}
	close(l);
	end = now_s() + 20;
	while (now_s() < end) {
		seen = proc_count(f, ST_TIME_WAIT, 0, NULL);
		if (seen >= n)
			break;
		sleep_ms(50);
	}
	printf("timewait %d\n", seen);
	return seen >= n ? 0 : 1;
}
