// SPDX-License-Identifier: GPL-2.0
/*
 * Answers to invalid segments: RFC 5961 challenge ACKs under a per-netns
 * budget, and the per-socket limit on answers to out-of-window segments
 * (Linux: tcp_send_challenge_ack(), tcp_oow_rate_limited()).
 */
#include <linux/random.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/**
 * xtcp_oow_limited() - one answer per net.xtcp.invalid_ratelimit
 * @net: namespace whose sysctl and counter apply
 * @mib: counter of the answers held back
 * @last: the socket's (request's, mini sock's) time of its last answer,
 *	in tcp_jiffies32; 0 for none yet. Read and written locklessly: two
 *	CPUs answering at once may both send, as TCP's may.
 *
 * __tcp_oow_rate_limited(): an ACK loop between two desynchronised ends
 * (or an attacker's stream of invalid segments) gets at most one answer
 * per interval from each socket.
 *
 * Return: true to stay silent (counted in @mib).
 */
bool xtcp_oow_limited(struct net *net, int mib, u32 *last)
{
	u32 val = READ_ONCE(*last);

	if (val) {
		s32 elapsed = (s32)(tcp_jiffies32 - val);
		u32 limit = msecs_to_jiffies(READ_ONCE(xtcp_pernet(net)->invalid_ratelimit));

		if (elapsed >= 0 && elapsed < limit) {
			XTCP_INC_STATS(net, mib);
			return true;
		}
	}
	/* 0 means "never": a zero stamp would skip the next check. */
	WRITE_ONCE(*last, tcp_jiffies32 ? : 1);
	return false;
}

/**
 * xtcp_oow_rate_limited() - rate limit the answer to @skb
 * @net: namespace
 * @skb: the invalid segment (skb->data at the header)
 * @mib: counter of the answers held back
 * @last: see xtcp_oow_limited()
 *
 * tcp_oow_rate_limited(): a segment carrying data or a FIN, but no SYN,
 * is not part of an ACK loop and is always answered.
 *
 * Return: true to stay silent.
 */
bool xtcp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			   int mib, u32 *last)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (!th->syn && (th->fin || skb->len > th->doff * 4))
		return false;
	return xtcp_oow_limited(net, mib, last);
}

/**
 * xtcp_send_challenge_ack() - RFC 5961 challenge ACK (tcp_send_challenge_ack())
 * @sk: synchronised socket; the owner's lock or bh_lock_sock held
 *
 * First the socket's own limit (TCPACKSkippedChallenge), then the
 * namespace's budget of net.xtcp.challenge_ack_limit per second, drawn at
 * random each second between half and one and a half times the limit so
 * that an off-path attacker cannot count the budget down to learn which
 * 4-tuple is live (CVE-2016-5696); INT_MAX, the default as in TCP since
 * 6.0, leaves only the per-socket limit. Counted in TCPChallengeACK.
 */
void xtcp_send_challenge_ack(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 count, now, limit;

	sock_owned_by_me(sk);
	if (xtcp_oow_limited(net, XTCP_MIB_ACKSKIPPEDCHALLENGE,
			     &xp->last_oow_ack_time))
		return;
	limit = READ_ONCE(xn->challenge_ack_limit);
	if (limit != INT_MAX) {
		now = jiffies / HZ;
		if (now != READ_ONCE(xn->challenge_timestamp)) {
			u32 half = (limit + 1) >> 1;

			WRITE_ONCE(xn->challenge_timestamp, now);
			/* 0: none at all (TCP's draw would be any u32). */
			WRITE_ONCE(xn->challenge_count, limit ?
				   half + get_random_u32_below(limit) : 0);
		}
		count = READ_ONCE(xn->challenge_count);
		if (!count)
			return;
		WRITE_ONCE(xn->challenge_count, count - 1);
	}
	XTCP_INC_STATS(net, XTCP_MIB_CHALLENGEACK);
	xtcp_send_ack(sk);
}
