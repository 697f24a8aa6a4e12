// SPDX-License-Identifier: GPL-2.0
/*
 * The packet-script tool's C API from a kselftest program: script lines
 * mixed with the test's own syscalls on the sockets the script named.
 * XTCP only (the tool is XTCP's peer on a TUN device); each TEST runs in
 * the harness's forked child, which pkt_new() moves into a fresh netns.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xtcp_pkt.h"

static const char established[] =
	"socket L\n"
	"bind L 0.0.0.0:8080\n"
	"listen L 16\n"
	"< S 0:0(0) win 65535 <mss 1460,nop,wscale 7>\n"
	"> S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>\n"
	"< . 1:1(0) ack 1 win 1024\n"
	"accept L C\n";

/* shutdown(SHUT_WR) from C: XTCP's FIN, then the peer's ACK and FIN. */
TEST(c_shutdown_fin)
{
	struct pkt_ctx *p = pkt_new();
	char buf[8];

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pkt_run_string(p, "established", established))
		TH_LOG("%s", pkt_error(p));
	ASSERT_LE(0, pkt_fd(p, "C"));
	ASSERT_EQ(0, shutdown(pkt_fd(p, "C"), SHUT_WR));
	ASSERT_EQ(0, pkt_line(p, "+0 > F. 1:1(0) ack 1 win *"))
		TH_LOG("%s", pkt_error(p));
	ASSERT_EQ(0, pkt_line(p, "+0.05 < F. 1:1(0) ack 2 win 1024"))
		TH_LOG("%s", pkt_error(p));
	ASSERT_EQ(0, pkt_line(p, "+0 > . 2:2(0) ack 2 win *"))
		TH_LOG("%s", pkt_error(p));
	ASSERT_EQ(0, read(pkt_fd(p, "C"), buf, sizeof(buf)));
	ASSERT_EQ(0, pkt_line(p, "counter CurrEstab = 0"))
		TH_LOG("%s", pkt_error(p));
	pkt_free(p);
}

/* A failing line fails with its reason, and the wrong answer is named. */
TEST(failure_is_reported)
{
	struct pkt_ctx *p = pkt_new();

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pkt_run_string(p, "established", established))
		TH_LOG("%s", pkt_error(p));
	/* XTCP ACKs data at once; expecting silence must fail. */
	ASSERT_EQ(0, pkt_line(p, "< P. 1:11(10) ack 1 win 1024"))
		TH_LOG("%s", pkt_error(p));
	ASSERT_EQ(-1, pkt_line(p, "nothing 0.5"));
	ASSERT_NE(NULL, strstr(pkt_error(p), "unexpected segment"))
		TH_LOG("%s", pkt_error(p));
	/* A wrong expectation names what came instead. */
	ASSERT_EQ(0, pkt_line(p, "write C 5"))
		TH_LOG("%s", pkt_error(p));
	ASSERT_EQ(-1, pkt_line(p, "> P. 1:6(5) ack 99 win *"));
	ASSERT_NE(NULL, strstr(pkt_error(p), "ack 11, expected 99"))
		TH_LOG("%s", pkt_error(p));
	/* A bad line is a clear error, not a crash. */
	ASSERT_EQ(-1, pkt_line(p, "< Q 0:0(0)"));
	ASSERT_NE(NULL, strstr(pkt_error(p), "unknown flag 'Q'"))
		TH_LOG("%s", pkt_error(p));
	ASSERT_EQ(-1, pkt_line(p, "< S 0:5(0)"));
	pkt_free(p);
}

TEST_HARNESS_MAIN
