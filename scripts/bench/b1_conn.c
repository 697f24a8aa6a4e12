// SPDX-License-Identifier: GPL-2.0
/*
 * B1 (and B6): the cost of a whole connection in one thread on loopback:
 * socket + connect + accept + close x2, optionally with a 1-byte request and
 * response (--rr). Guest nanoseconds per iteration; under -icount
 * shift=0,sleep=off that is guest instructions per iteration.
 *
 * B6 (--extra-listeners N): measure B1 with the one listener, then open N
 * more listeners (socket+bind+listen on N other ports, timing bind() and
 * listen() separately), measure B1 again and report both and their ratio.
 *
 * Output (one JSON line): ns_per_iter [, ns_per_iter_many, own_ratio,
 * listen_ns, bind_ns, socket_bind_listen_ns].
 */
#include "bench.h"

static long iters = 20000, warmup = -1;
static bool rr;

static void help_exit(void)
{
	fprintf(stderr,
		"usage: b1_conn [--family inet|xtcp] [--iters N] [--warmup N]\n"
		"               [--rr] [--close abort|graceful] [--port P]\n"
		"               [--extra-listeners N] [--listener-base PORT]\n");
	exit(2);
}

/* One connection: returns 0, or bails out through bfail(). */
static void one(const char *variant, int l, uint16_t port)
{
	char b = 'q';
	int c, s;

	c = bsock();
	if (c < 0)
		BFAIL_ERRNO(variant, "socket");
	if (bconnect(c, LOOPBACK, port))
		BFAIL_ERRNO(variant, "connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		BFAIL_ERRNO(variant, "accept");
	if (rr) {
		if (write(c, &b, 1) != 1)
			BFAIL_ERRNO(variant, "request write");
		if (read(s, &b, 1) != 1)
			BFAIL_ERRNO(variant, "request read");
		if (write(s, &b, 1) != 1)
			BFAIL_ERRNO(variant, "response write");
		if (read(c, &b, 1) != 1)
			BFAIL_ERRNO(variant, "response read");
	}
	bclose(c);
	bclose(s);
}

static double loop(const char *variant, int l, uint16_t port)
{
	uint64_t t0;
	long i;

	for (i = 0; i < warmup; i++)
		one(variant, l, port);
	t0 = now_ns();
	for (i = 0; i < iters; i++)
		one(variant, l, port);
	return (double)(now_ns() - t0) / iters;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "iters", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "rr", no_argument, NULL, 'r' },
		{ "close", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "extra-listeners", required_argument, NULL, 'L' },
		{ "listener-base", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	long extra = 0, base = 20000, i;
	uint64_t t_bind = 0, t_listen = 0, t0, t1, t2;
	const char *variant;
	char why[256];
	double one_l, many_l;
	int *fds = NULL;
	int opt, l, port = 0;
	char vbuf[64];

	bench_name = "b1";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'n':
			iters = arg_long(optarg);
			break;
		case 'w':
			warmup = arg_long(optarg);
			break;
		case 'r':
			rr = true;
			break;
		case 'c':
			set_close_mode(optarg);
			break;
		case 'p':
			port = arg_long(optarg);
			break;
		case 'L':
			extra = arg_long(optarg);
			break;
		case 'B':
			base = arg_long(optarg);
			break;
		default:
			help_exit();
		}
	}
	if (warmup < 0)
		warmup = iters / 10;
	if (extra) {
		bench_name = "b6";
		snprintf(vbuf, sizeof(vbuf), "listeners_%ld", extra + 1);
		variant = vbuf;
	} else {
		variant = rr ? "connect_rr" : "connect";
	}
	watchdog(variant, 1200);
	raise_nofile(extra + 1024);

	l = blisten(LOOPBACK, port, 1024);
	if (l < 0)
		BFAIL_ERRNO(variant, "listen");
	port = local_port(l);
	if (rr && data_path_check(why, sizeof(why)))
		bfail(variant, "%s", why);

	one_l = loop(variant, l, port);
	if (!extra) {
		jbegin(variant, "ok");
		jnum("iters", iters);
		jnum("ns_per_iter", one_l);
		jend();
		return 0;
	}

	fds = calloc(extra, sizeof(*fds));
	if (!fds)
		BFAIL_ERRNO(variant, "calloc");
	for (i = 0; i < extra; i++) {
		uint16_t p = base + i;

		if (p == port)
			p = base + extra;
		fds[i] = bsock();
		if (fds[i] < 0)
			BFAIL_ERRNO(variant, "socket (listeners)");
		setint(fds[i], SOL_SOCKET, SO_REUSEADDR, 1);
		t0 = now_ns();
		if (bbind(fds[i], LOOPBACK, p))
			BFAIL_ERRNO(variant, "bind (listeners)");
		t1 = now_ns();
		if (listen(fds[i], 128))
			BFAIL_ERRNO(variant, "listen (listeners)");
		t2 = now_ns();
		t_bind += t1 - t0;
		t_listen += t2 - t1;
	}
	many_l = loop(variant, l, port);

	jbegin(variant, "ok");
	jnum("iters", iters);
	jnum("listeners", extra + 1);
	jnum("ns_per_iter_1", one_l);
	jnum("ns_per_iter_many", many_l);
	jnum("own_ratio", many_l / one_l);
	jnum("bind_ns", (double)t_bind / extra);
	jnum("listen_ns", (double)t_listen / extra);
	jend();

	t0 = now_ns();
	for (i = 0; i < extra; i++)
		close(fds[i]);
	fprintf(stderr, "b6: closing %ld listeners took %llu ns\n", extra,
		(unsigned long long)(now_ns() - t0));
	free(fds);
	close(l);
	return 0;
}
