// SPDX-License-Identifier: GPL-2.0
/*
 * B7: bulk stream throughput and 1-byte request/response rate over
 * loopback, sender and receiver in separate processes.
 *
 *   bulk  the client writes --bytes in --chunk writes; the server reads
 *         them all and answers one byte; elapsed = first write to that
 *         byte. mb_per_s (MiB/s), ns_per_kib.
 *   rr    --count 1-byte ping-pongs between the two processes:
 *         txn_per_s, ns_per_txn.
 *
 * Needs a data path: until XTCP carries bytes the run reports n/a with
 * what failed (found at run time by data_path_check()), never a number.
 */
#include "bench.h"

static long bytes = 256L << 20, chunk = 64 << 10, count = 20000;

static void help_exit(void)
{
	fprintf(stderr,
		"usage: b7_stream [--family inet|xtcp] [--bytes N] [--chunk N]\n"
		"                 [--count N] [--only bulk|rr]\n");
	exit(2);
}

static void server(int l, bool bulk)
{
	char *buf = malloc(chunk);
	long left;
	ssize_t r;
	char b;
	int s;

	s = accept(l, NULL, NULL);
	if (s < 0 || !buf)
		_exit(1);
	if (bulk) {
		for (left = bytes; left > 0; left -= r) {
			r = read(s, buf, left < chunk ? left : chunk);
			if (r <= 0)
				_exit(2);
		}
		if (write(s, "k", 1) != 1)
			_exit(3);
	} else {
		setint(s, IPPROTO_TCP, TCP_NODELAY, 1);
		for (left = count; left > 0; left--)
			if (read(s, &b, 1) != 1 || write(s, &b, 1) != 1)
				_exit(4);
	}
	/* Wait for the client's close. */
	while (read(s, &b, 1) > 0)
		;
	bclose(s);
	_exit(0);
}

static void run(bool bulk)
{
	const char *variant = bulk ? "bulk" : "rr";
	char *buf = calloc(1, chunk);
	uint64_t t0, t1;
	int l, c, st;
	long left;
	pid_t pid;
	char b = 'q';

	watchdog_variant = variant;
	l = blisten(LOOPBACK, 0, 16);
	if (l < 0 || !buf)
		BFAIL_ERRNO(variant, "listen");
	pid = fork();
	if (pid == 0) {
		alarm(0);
		server(l, bulk);
	}
	c = bsock();
	if (c < 0 || bconnect(c, LOOPBACK, local_port(l)))
		BFAIL_ERRNO(variant, "connect");
	if (!bulk)
		setint(c, IPPROTO_TCP, TCP_NODELAY, 1);
	t0 = now_ns();
	if (bulk) {
		for (left = bytes; left > 0; left -= chunk)
			if (write_full(c, buf, left < chunk ? left : chunk))
				BFAIL_ERRNO(variant, "write");
		if (read(c, &b, 1) != 1)
			BFAIL_ERRNO(variant, "read ack");
	} else {
		for (left = count; left > 0; left--)
			if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1)
				BFAIL_ERRNO(variant, "ping-pong");
	}
	t1 = now_ns();
	bclose(c);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		bfail(variant, "server failed (status %d)", st);
	close(l);
	free(buf);

	jbegin(variant, "ok");
	if (bulk) {
		jnum("bytes", bytes);
		jnum("chunk", chunk);
		jnum("mb_per_s", bytes / 1048576.0 / ((t1 - t0) / 1e9));
		jnum("ns_per_kib", (double)(t1 - t0) / (bytes / 1024.0));
	} else {
		jnum("count", count);
		jnum("txn_per_s", count * 1e9 / (t1 - t0));
		jnum("ns_per_txn", (double)(t1 - t0) / count);
	}
	jend();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *only = NULL;
	char why[256];
	int opt;

	bench_name = "b7";
	close_mode = CLOSE_GRACEFUL;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'b':
			bytes = arg_long(optarg);
			break;
		case 'c':
			chunk = arg_long(optarg);
			break;
		case 'n':
			count = arg_long(optarg);
			break;
		case 'o':
			only = optarg;
			break;
		default:
			help_exit();
		}
	}
	watchdog("data", 1200);
	if (data_path_check(why, sizeof(why))) {
		if (!only) {
			/* Both lines, as bfail() exits after one. */
			jbegin("bulk", is_xtcp() ? "na" : "error");
			jstr("reason", why);
			jend();
			only = "rr";
		}
		bfail(only, "%s", why);
	}
	if (!only || !strcmp(only, "bulk"))
		run(true);
	if (!only || !strcmp(only, "rr"))
		run(false);
	return 0;
}
