// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's sock_diag handler (AF_XTCP): socket dumps, exact lookups and
 * SOCK_DESTROY in inet_diag's format (net/ipv4/inet_diag.c, tcp_diag.c).
 *
 * Requests are struct inet_diag_req_v2 with sdiag_family AF_XTCP and
 * sdiag_protocol IPPROTO_XTCP; replies are struct inet_diag_msg with
 * idiag_family AF_XTCP. Only the requesting netlink socket's netns is seen.
 * The bytecode filter (INET_DIAG_REQ_BYTECODE) is refused with EOPNOTSUPP;
 * the state mask and the id's non-zero ports and addresses filter instead
 * (include/uapi/linux/xtcp.h, Documentation/observability.rst).
 */
#include <linux/inet_diag.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "xtcp.h"

/* Entries referenced per bucket lock hold (inet_diag_dump_icsk's SKARR_SZ). */
#define XTCP_DIAG_BATCH	16

/* XTCP's only congestion control (xtcp_cong.c's NewReno, TCP's name). */
#define XTCP_DIAG_CONG	"reno"

/**
 * struct xtcp_diag_ctx - where and how one reply message is written
 * @skb: reply skb
 * @r: the request
 * @portid: requester's netlink port
 * @seq: request's sequence number
 * @flags: NLM_F_MULTI in a dump, 0 for an exact lookup
 * @user_ns: user namespace uids are reported in (the requester's)
 * @net_admin: the requester has CAP_NET_ADMIN in the netns (INET_DIAG_MARK)
 */
struct xtcp_diag_ctx {
	struct sk_buff			*skb;
	const struct inet_diag_req_v2	*r;
	u32				portid;
	u32				seq;
	u16				flags;
	struct user_namespace		*user_ns;
	bool				net_admin;
};

/* State for the mask: a mini sock's substate (inet_diag_dump_icsk()). */
static int xtcp_diag_state(const struct sock_common *skc)
{
	if (skc->skc_state == TCP_TIME_WAIT)
		return READ_ONCE(((const struct xtcp_tw_sock *)skc)->substate);
	return inet_sk_state_load((const struct sock *)skc);
}

/*
 * The dump filter, under the bucket lock: state mask (SYN_RECV selects
 * request socks too, as in inet_diag_dump_icsk()), then the id's local
 * and remote port and address where they are not zero.
 */
static bool xtcp_diag_match(const struct sock_common *skc, void *arg)
{
	const struct inet_diag_req_v2 *r = arg;
	u32 states = r->idiag_states;

	if (states & TCPF_SYN_RECV)
		states |= TCPF_NEW_SYN_RECV;
	if (!(states & (1 << xtcp_diag_state(skc))))
		return false;
	if (r->id.idiag_sport && r->id.idiag_sport != htons(skc->skc_num))
		return false;
	if (r->id.idiag_dport && r->id.idiag_dport != skc->skc_dport)
		return false;
	if (r->id.idiag_src[0] && r->id.idiag_src[0] != skc->skc_rcv_saddr)
		return false;
	if (r->id.idiag_dst[0] && r->id.idiag_dst[0] != skc->skc_daddr)
		return false;
	return true;
}

/* inet_diag_msg_common_fill(): addresses, ports, device, cookie. */
static void xtcp_diag_common_fill(struct inet_diag_msg *m,
				  struct sock_common *skc)
{
	memset(m, 0, sizeof(*m));
	m->idiag_family = AF_XTCP;
	m->id.idiag_sport = htons(skc->skc_num);
	m->id.idiag_dport = skc->skc_dport;
	m->id.idiag_src[0] = skc->skc_rcv_saddr;
	m->id.idiag_dst[0] = skc->skc_daddr;
	m->id.idiag_if = READ_ONCE(skc->skc_bound_dev_if);
	sock_diag_save_cookie((struct sock *)skc, m->id.idiag_cookie);
}

static struct inet_diag_msg *xtcp_diag_put(struct xtcp_diag_ctx *c,
					   struct nlmsghdr **nlhp)
{
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(c->skb, c->portid, c->seq, SOCK_DIAG_BY_FAMILY,
			sizeof(struct inet_diag_msg), c->flags);
	if (!nlh)
		return NULL;
	*nlhp = nlh;
	return nlmsg_data(nlh);
}

/*
 * inet_req_diag_fill(): a request sock reads as SYN_RECV with its SYN-ACK
 * timer (idiag_timer 1) and the SYN-ACKs it retransmitted.
 */
static int xtcp_diag_fill_req(struct xtcp_diag_ctx *c,
			      struct xtcp_request_sock *req)
{
	long left = READ_ONCE(req->timer.expires) - jiffies;
	struct inet_diag_msg *m;
	struct nlmsghdr *nlh;

	m = xtcp_diag_put(c, &nlh);
	if (!m)
		return -EMSGSIZE;
	xtcp_diag_common_fill(m, &req->common);
	m->idiag_state = TCP_SYN_RECV;
	m->idiag_timer = 1;
	m->idiag_retrans = READ_ONCE(req->retrans);
	m->idiag_expires = jiffies_delta_to_msecs(left);
	if ((c->net_admin &&
	     nla_put_u32(c->skb, INET_DIAG_MARK,
			 READ_ONCE(req->listener->sk_mark))) ||
	    xtcp_tl_diag_put(c->skb, XTCP_DIAG_TIMELINE, &req->tl)) {
		nlmsg_cancel(c->skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(c->skb, nlh);
	return 0;
}

/* inet_twsk_diag_fill(): substate, timer 3, time left. */
static int xtcp_diag_fill_tw(struct xtcp_diag_ctx *c, struct xtcp_tw_sock *tw)
{
	long left = READ_ONCE(tw->timer.expires) - jiffies;
	struct inet_diag_msg *m;
	struct nlmsghdr *nlh;

	m = xtcp_diag_put(c, &nlh);
	if (!m)
		return -EMSGSIZE;
	xtcp_diag_common_fill(m, &tw->common);
	m->idiag_state = READ_ONCE(tw->substate);
	m->idiag_timer = 3;
	m->idiag_expires = jiffies_delta_to_msecs(left);
	nlmsg_end(c->skb, nlh);
	return 0;
}

/*
 * inet_sk_diag_fill() with tcp_diag_get_info(): a full socket, with the
 * attributes idiag_ext asks for. Called with no lock held: xtcp_get_info()
 * takes the socket lock (lock_sock_fast(), which may sleep).
 */
static int xtcp_diag_fill_sk(struct xtcp_diag_ctx *c, struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	int ext = c->r->idiag_ext;
	struct inet_diag_msg *m;
	struct nlmsghdr *nlh;
	struct nlattr *attr;
	int state;

	m = xtcp_diag_put(c, &nlh);
	if (!m)
		return -EMSGSIZE;
	xtcp_diag_common_fill(m, &sk->__sk_common);
	state = inet_sk_state_load(sk);
	m->idiag_state = state;

	if (timer_pending(&xp->rtx_timer)) {
		m->idiag_timer = 1;
		m->idiag_retrans = state == TCP_SYN_SENT ?
				   READ_ONCE(xp->syn_retries) :
				   READ_ONCE(xp->retransmits);
		m->idiag_expires =
			jiffies_delta_to_msecs(READ_ONCE(xp->rtx_timer.expires) -
					       jiffies);
	} else if (timer_pending(&sk->sk_timer)) {
		m->idiag_timer = 2;	/* keepalive */
		m->idiag_retrans = READ_ONCE(xp->probes_out);
		m->idiag_expires =
			jiffies_delta_to_msecs(READ_ONCE(sk->sk_timer.expires) -
					       jiffies);
	}
	/* tcp_diag_get_info(): queue lengths, a listener's accept queue. */
	if (state == TCP_LISTEN) {
		m->idiag_rqueue = READ_ONCE(sk->sk_ack_backlog);
		m->idiag_wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		m->idiag_rqueue = READ_ONCE(xp->rcv_queued);
		m->idiag_wqueue = READ_ONCE(xp->write_seq) -
				  READ_ONCE(xp->snd_una);
	}
	m->idiag_uid = from_kuid_munged(c->user_ns, xtcp_sk_uid(sk));
	m->idiag_inode = sock_i_ino(sk);

	/* inet_diag_msg_attrs_fill() */
	if (nla_put_u8(c->skb, INET_DIAG_SHUTDOWN, READ_ONCE(sk->sk_shutdown)))
		goto errout;
	if (c->net_admin &&
	    nla_put_u32(c->skb, INET_DIAG_MARK, READ_ONCE(sk->sk_mark)))
		goto errout;
	/* TCP reports it for raw sockets only; XTCP's is the wire number. */
	if (nla_put_u8(c->skb, INET_DIAG_PROTOCOL, sk->sk_protocol))
		goto errout;
	if (ext & (1 << (INET_DIAG_MEMINFO - 1))) {
		/*
		 * sk_forward_alloc_get() (gone in 7.x) reads the field unless
		 * the protocol has a forward_alloc_get(), which XTCP has not.
		 */
		struct inet_diag_meminfo minfo = {
			.idiag_rmem = sk_rmem_alloc_get(sk),
			.idiag_wmem = READ_ONCE(sk->sk_wmem_queued),
			.idiag_fmem = READ_ONCE(sk->sk_forward_alloc),
			.idiag_tmem = sk_wmem_alloc_get(sk),
		};

		if (nla_put(c->skb, INET_DIAG_MEMINFO, sizeof(minfo), &minfo))
			goto errout;
	}
	if ((ext & (1 << (INET_DIAG_SKMEMINFO - 1))) &&
	    sock_diag_put_meminfo(sk, c->skb, INET_DIAG_SKMEMINFO))
		goto errout;
	if ((ext & (1 << (INET_DIAG_CONG - 1))) &&
	    nla_put_string(c->skb, INET_DIAG_CONG, XTCP_DIAG_CONG))
		goto errout;
	if (ext & (1 << (INET_DIAG_INFO - 1))) {
		attr = nla_reserve_64bit(c->skb, INET_DIAG_INFO,
					 sizeof(struct tcp_info), INET_DIAG_PAD);
		if (!attr)
			goto errout;
		xtcp_get_info(sk, nla_data(attr));
	}
	/* XTCP's own: a connection's handshake, a listener's failed ones. */
	if (xtcp_tl_diag_put(c->skb, XTCP_DIAG_TIMELINE, &xp->tl))
		goto errout;
	if (state == TCP_LISTEN && xtcp_tl_diag_put_dropped(c->skb, sk))
		goto errout;
	nlmsg_end(c->skb, nlh);
	return 0;

errout:
	nlmsg_cancel(c->skb, nlh);
	return -EMSGSIZE;
}

/* sk_diag_fill(): by kind of entry. */
static int xtcp_diag_fill(struct xtcp_diag_ctx *c, struct sock_common *skc)
{
	if (skc->skc_state == TCP_NEW_SYN_RECV)
		return xtcp_diag_fill_req(c, (struct xtcp_request_sock *)skc);
	if (skc->skc_state == TCP_TIME_WAIT)
		return xtcp_diag_fill_tw(c, (struct xtcp_tw_sock *)skc);
	return xtcp_diag_fill_sk(c, (struct sock *)skc);
}

/* inet_sk_attr_size() for XTCP's attributes. */
static size_t xtcp_diag_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct inet_diag_msg))
		+ nla_total_size(1)	/* INET_DIAG_SHUTDOWN */
		+ nla_total_size(1)	/* INET_DIAG_PROTOCOL */
		+ nla_total_size(4)	/* INET_DIAG_MARK */
		+ nla_total_size(sizeof(struct inet_diag_meminfo))
		+ nla_total_size(SK_MEMINFO_VARS * sizeof(u32))
		+ nla_total_size(sizeof(XTCP_DIAG_CONG))
		+ nla_total_size_64bit(sizeof(struct tcp_info))
		+ xtcp_tl_diag_size()
		+ 64;
}

/*
 * The dump (inet_diag_dump_icsk()): listening table, then established
 * table; each bucket in chunks of XTCP_DIAG_BATCH entries referenced under
 * the bucket's protection and filled after it is dropped. A full skb
 * stops the walk; cb->args[] (table, bucket, entries of the netns done in
 * that bucket) resume it at the next recvmsg().
 */
static int xtcp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct inet_diag_req_v2 *r = nlmsg_data(cb->nlh);
	struct sock_common *arr[XTCP_DIAG_BATCH];
	struct net *net = sock_net(skb->sk);
	u32 pos[XTCP_DIAG_BATCH];
	struct xtcp_diag_ctx c = {
		.skb		= skb,
		.r		= r,
		.portid		= NETLINK_CB(cb->skb).portid,
		.seq		= cb->nlh->nlmsg_seq,
		.flags		= NLM_F_MULTI,
		.user_ns	= sk_user_ns(NETLINK_CB(cb->skb).sk),
		.net_admin	= netlink_net_capable(cb->skb, CAP_NET_ADMIN),
	};
	int table = cb->args[0];
	u32 bucket = cb->args[1];
	u32 skip = cb->args[2];
	int err = 0;

	for (; table < XTCP_TABLE_END; table++, bucket = 0, skip = 0) {
		/* Listeners only when asked, and never with a peer port. */
		if (table == XTCP_TABLE_LISTEN &&
		    (!(r->idiag_states & TCPF_LISTEN) || r->id.idiag_dport))
			continue;
		if (table == XTCP_TABLE_ESTABLISHED &&
		    !(r->idiag_states & ~TCPF_LISTEN))
			continue;
		for (; bucket < xtcp_table_buckets(table); bucket++, skip = 0) {
			int n, i;
again:
			n = xtcp_table_collect(net, table, bucket, skip,
					       xtcp_diag_match, (void *)r,
					       arr, pos, XTCP_DIAG_BATCH);
			for (i = 0; i < n; i++) {
				if (!err) {
					err = xtcp_diag_fill(&c, arr[i]);
					if (err)
						skip = pos[i];
				}
				xtcp_skc_put(arr[i]);
			}
			if (err)
				goto out;
			if (n == XTCP_DIAG_BATCH) {
				skip = pos[n - 1] + 1;
				goto again;
			}
			cond_resched();
		}
	}
out:
	cb->args[0] = table;
	cb->args[1] = bucket;
	cb->args[2] = skip;
	return skb->len;
}

/*
 * inet_diag_find_one_icsk(): the established table by 4-tuple (request
 * socks and mini socks included), then the listening table, then the
 * cookie. Return: a referenced entry or an ERR_PTR.
 */
static struct sock_common *
xtcp_diag_find_one(struct net *net, const struct inet_diag_req_v2 *r)
{
	const struct inet_diag_sockid *id = &r->id;
	struct sock *sk;

	sk = xtcp_ehash_lookup(net, id->idiag_dst[0], id->idiag_dport,
			       id->idiag_src[0], ntohs(id->idiag_sport),
			       id->idiag_if, 0);
	if (!sk)
		sk = xtcp_listener_lookup(net, NULL, id->idiag_dst[0],
					  id->idiag_dport, id->idiag_src[0],
					  ntohs(id->idiag_sport),
					  id->idiag_if, 0);
	if (!sk)
		return ERR_PTR(-ENOENT);
	if (sock_diag_check_cookie(sk, id->idiag_cookie)) {
		xtcp_skc_put(&sk->__sk_common);
		return ERR_PTR(-ENOENT);
	}
	return &sk->__sk_common;
}

/* inet_diag_dump_one_icsk(): one entry, answered with a single message. */
static int xtcp_diag_get_one(struct sk_buff *in_skb,
			     const struct nlmsghdr *nlh,
			     const struct inet_diag_req_v2 *r)
{
	struct net *net = sock_net(in_skb->sk);
	struct xtcp_diag_ctx c = {
		.r		= r,
		.portid		= NETLINK_CB(in_skb).portid,
		.seq		= nlh->nlmsg_seq,
		.flags		= 0,
		.user_ns	= sk_user_ns(NETLINK_CB(in_skb).sk),
		.net_admin	= netlink_net_capable(in_skb, CAP_NET_ADMIN),
	};
	struct sock_common *skc;
	int err;

	skc = xtcp_diag_find_one(net, r);
	if (IS_ERR(skc))
		return PTR_ERR(skc);
	c.skb = nlmsg_new(xtcp_diag_msg_size(), GFP_KERNEL);
	if (!c.skb) {
		err = -ENOMEM;
		goto out;
	}
	err = xtcp_diag_fill(&c, skc);
	if (err) {
		/* The size above is wrong if this happens. */
		WARN_ON_ONCE(err == -EMSGSIZE);
		kfree_skb(c.skb);
		goto out;
	}
	err = nlmsg_unicast(net->diag_nlsk, c.skb, c.portid);
out:
	xtcp_skc_put(skc);
	return err;
}

/**
 * xtcp_abort() - SOCK_DESTROY of a full socket (tcp_abort())
 * @sk: referenced XTCP socket, no lock held
 * @err: error for the application, ECONNABORTED from sock_diag
 *
 * xtcp_prot.diag_destroy; sock_diag_destroy() checked CAP_NET_ADMIN in
 * the socket's netns. A listener stops listening (its requests and
 * queued children are reset, as at close()). A connection that TCP would
 * reset at close (tcp_need_reset()) sends an RST; the socket then gets
 * @err, is woken and closes. An orphan is ended too, as 6.12's TCP does;
 * its last reference is then the caller's.
 *
 * Return: 0, or -ENOENT if the socket was closed already.
 */
int xtcp_abort(struct sock *sk, int err)
{
	/* The owner lock keeps a concurrent close() or listen() out. */
	lock_sock(sk);
	if (sk->sk_state == TCP_CLOSE) {
		release_sock(sk);
		return -ENOENT;
	}
	if (sk->sk_state == TCP_LISTEN)
		xtcp_listen_stop(sk);

	/* bh_lock_sock() keeps the input path and the timers out. */
	local_bh_disable();
	bh_lock_sock(sk);
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				   TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				   TCPF_SYN_RECV))
		xtcp_send_active_reset(sk);
	/* tcp_done_with_error() */
	WRITE_ONCE(sk->sk_err, err);
	/* Paired with the smp_rmb() in xtcp_poll(). */
	smp_wmb();
	sk_error_report(sk);
	xtcp_done(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
	release_sock(sk);
	return 0;
}

/*
 * inet_diag_destroy() with tcp_abort()'s handling of the mini entries: a
 * full socket goes through sock_diag_destroy() (its CAP_NET_ADMIN check,
 * then xtcp_abort()); a request sock is dropped without an RST
 * (inet_csk_reqsk_queue_drop()) and a mini sock ended
 * (inet_twsk_deschedule_put()) after the same check.
 */
static int xtcp_diag_destroy_one(struct sk_buff *in_skb,
				 const struct inet_diag_req_v2 *r)
{
	struct net *net = sock_net(in_skb->sk);
	struct sock_common *skc;
	int err = 0;

	skc = xtcp_diag_find_one(net, r);
	if (IS_ERR(skc))
		return PTR_ERR(skc);
	if (skc->skc_state != TCP_NEW_SYN_RECV &&
	    skc->skc_state != TCP_TIME_WAIT) {
		err = sock_diag_destroy((struct sock *)skc, ECONNABORTED);
	} else if (!ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		err = -EPERM;
	} else if (skc->skc_state == TCP_NEW_SYN_RECV) {
		xtcp_reqsk_kill((struct xtcp_request_sock *)skc, false);
	} else {
		xtcp_tw_kill((struct xtcp_tw_sock *)skc, true);
	}
	xtcp_skc_put(skc);
	return err;
}

/* Checks of inet_diag_handler_cmd(), and the protocol XTCP answers to. */
static int xtcp_diag_parse(const struct nlmsghdr *nlh,
			   const struct inet_diag_req_v2 **rp)
{
	const struct inet_diag_req_v2 *r;
	int hdrlen = sizeof(*r);

	if (nlmsg_len(nlh) < hdrlen)
		return -EINVAL;
	r = nlmsg_data(nlh);
	if (r->sdiag_protocol != IPPROTO_XTCP &&
	    r->sdiag_protocol != xtcp_ip_proto)
		return -ENOENT;
	if (nlmsg_find_attr(nlh, hdrlen, INET_DIAG_REQ_BYTECODE) ||
	    nlmsg_find_attr(nlh, hdrlen, INET_DIAG_REQ_SK_BPF_STORAGES))
		return -EOPNOTSUPP;
	*rp = r;
	return 0;
}

/* sock_diag_handler.dump: SOCK_DIAG_BY_FAMILY, a dump or one lookup. */
static int xtcp_diag_cmd(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	const struct inet_diag_req_v2 *r;
	struct net *net = sock_net(skb->sk);
	int err;

	err = xtcp_diag_parse(nlh, &r);
	if (err)
		return err;
	if (nlh->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = {
			.dump = xtcp_diag_dump,
		};

		/* Pins this module until the dump is done (control.module). */
		return netlink_dump_start(net->diag_nlsk, skb, nlh, &c);
	}
	return xtcp_diag_get_one(skb, nlh, r);
}

/* sock_diag_handler.destroy: SOCK_DESTROY of one entry. */
static int xtcp_diag_destroy(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	const struct inet_diag_req_v2 *r;
	int err;

	err = xtcp_diag_parse(nlh, &r);
	if (err)
		return err;
	return xtcp_diag_destroy_one(skb, r);
}

static const struct sock_diag_handler xtcp_diag_handler = {
	.owner		= THIS_MODULE,
	.family		= AF_XTCP,
	.dump		= xtcp_diag_cmd,
	.destroy	= xtcp_diag_destroy,
};

/**
 * xtcp_diag_init() - register the AF_XTCP sock_diag handler
 *
 * Return: 0, or sock_diag_register()'s error (-EBUSY: family taken).
 */
int xtcp_diag_init(void)
{
	return sock_diag_register(&xtcp_diag_handler);
}

/**
 * xtcp_diag_exit() - unregister it; no request runs afterwards, as each
 *	holds a reference on this module (the handler's .owner, or the
 *	dump's netlink_dump_control.module)
 */
void xtcp_diag_exit(void)
{
	sock_diag_unregister(&xtcp_diag_handler);
}

/* sock_diag's request_module("net-pf-16-proto-4-type-25") loads xtcp.ko. */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_NETLINK, NETLINK_SOCK_DIAG, AF_XTCP);
