// SPDX-License-Identifier: GPL-2.0
/*
 * B2: connect / request / response / close rate with the client and the
 * server in separate processes (neper tcp_crr style), over loopback.
 *
 * --clients N client processes each run --txns transactions back to back
 * against N server processes blocked in accept() on one listener. A
 * transaction: the client connects, writes a 1-byte request, reads the
 * 1-byte response and closes; the server accepts, reads, writes, waits for
 * the client's close (read returns 0 or ECONNRESET) and closes, so the
 * client is always the active closer. --cc drops the request and response
 * (connect/accept/close only; the server closes right after accept), which
 * needs no data path.
 *
 * Output: txn_per_s (all clients), ns_per_txn (elapsed / transactions;
 * guest instructions per transaction under -icount with one vCPU).
 */
#include "bench.h"

static long txns = 5000, clients = 1;
static bool cc;
static const char *variant = "crr";

static void help_exit(void)
{
	fprintf(stderr,
		"usage: b2_crr [--family inet|xtcp] [--clients N] [--txns N]\n"
		"              [--cc] [--close abort|graceful]\n");
	exit(2);
}

static void server(int l)
{
	char b;
	int s;

	for (;;) {
		s = accept(l, NULL, NULL);
		if (s < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		if (!cc) {
			if (read(s, &b, 1) == 1 && write(s, &b, 1) == 1)
				while (read(s, &b, 1) > 0)
					;
		}
		bclose(s);
	}
}

/* Exit status: 0 ok, 10 + errno-ish step on failure (stderr says why). */
static int client(uint16_t port)
{
	char b = 'q';
	long i;
	int c;

	for (i = 0; i < txns; i++) {
		c = bsock();
		if (c < 0) {
			perror("b2: socket");
			return 10;
		}
		/*
		 * --cc with the abort close: the server's RST may beat the
		 * return from connect() on one vCPU; the connection was made.
		 */
		if (bconnect(c, LOOPBACK, port) && !(cc && errno == ECONNRESET)) {
			perror("b2: connect");
			return 11;
		}
		if (!cc) {
			if (write(c, &b, 1) != 1) {
				perror("b2: write");
				return 12;
			}
			if (read(c, &b, 1) != 1) {
				perror("b2: read");
				return 13;
			}
		}
		bclose(c);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "clients", required_argument, NULL, 'C' },
		{ "txns", required_argument, NULL, 'n' },
		{ "cc", no_argument, NULL, 'x' },
		{ "close", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	pid_t *srv, *cli;
	int opt, l, st, go[2], bad = 0;
	char why[256];
	uint64_t t0, t1;
	uint16_t port;
	long i;
	char b;

	bench_name = "b2";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'C':
			clients = arg_long(optarg);
			break;
		case 'n':
			txns = arg_long(optarg);
			break;
		case 'x':
			cc = true; variant = "cc";
			break;
		case 'c':
			set_close_mode(optarg);
			break;
		default:
			help_exit();
		}
	}
	watchdog(variant, 1200);

	l = blisten(LOOPBACK, 0, 1024);
	if (l < 0)
		BFAIL_ERRNO(variant, "listen");
	port = local_port(l);
	if (!cc && data_path_check(why, sizeof(why)))
		bfail(variant, "%s", why);

	srv = calloc(clients, sizeof(*srv));
	cli = calloc(clients, sizeof(*cli));
	if (!srv || !cli || pipe(go))
		BFAIL_ERRNO(variant, "setup");
	for (i = 0; i < clients; i++) {
		srv[i] = fork();
		if (srv[i] == 0) {
			alarm(0);
			close(go[0]);
			close(go[1]);
			server(l);
		}
	}
	for (i = 0; i < clients; i++) {
		cli[i] = fork();
		if (cli[i] == 0) {
			alarm(0);
			close(go[1]);
			if (read(go[0], &b, 1) < 0)
				_exit(9);
			_exit(client(port));
		}
	}
	close(go[0]);
	/* Let every child reach its blocking call before the clock starts. */
	usleep(100000);
	t0 = now_ns();
	close(go[1]);
	for (i = 0; i < clients; i++) {
		if (waitpid(cli[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			bad = 1;
	}
	t1 = now_ns();
	for (i = 0; i < clients; i++) {
		kill(srv[i], SIGKILL);
		waitpid(srv[i], NULL, 0);
	}
	close(l);
	if (bad)
		bfail(variant, "a client failed (see stderr)");

	jbegin(variant, "ok");
	jnum("clients", clients);
	jnum("txns", txns * clients);
	jnum("txn_per_s", txns * clients * 1e9 / (t1 - t0));
	jnum("ns_per_txn", (double)(t1 - t0) / (txns * clients));
	jend();
	return 0;
}
