//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Counts TCP packet drops at skb:kfree_skb in the kernel, by the dimensions
 * user space chose at load. User space swaps the window map each interval. */

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tcpdrop.h"
#include "bucket.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Typed by the enums so bpf2go exports their values to Go. */
const volatile enum dimension dims = 0xffffffff;
const volatile enum reason_filter filter_mode = FILTER_NONE;
const volatile __u64 reason_bits[REASON_SLOTS / 64];
/* Further filters, 0 for any: a drop that fails one is neither counted nor
 * sampled, so a narrow filter keeps its whole sampling budget. */
const volatile __u8 filter_family = 0;
const volatile __u16 filter_port = 0; /* either end of the packet */
const volatile __u32 filter_netns = 0;
/* Behave as on a kernel whose tracepoint has no reason (before 5.17). */
const volatile bool no_reason = false;
/* The raw tracepoint's arguments on this kernel: skb and location, then
 * reason (5.17) and rx_sk (6.11). A program that reads past them does not
 * attach, so the loader sets this from the kernel's BTF. */
const volatile __u32 raw_args = 2;
/* Count the growth of sk_drops in the receive hooks: on kernels whose
 * tcp_drop() frees with __kfree_skb those drops never reach kfree_skb. */
const volatile bool count_sk_drops = false;
/* Whether the receive hooks are attached: without them their stacks stay
 * empty, and looking there would cost every drop for nothing. */
const volatile bool rx_hooks = false;

/* Sampling: 0 turns it off, and the verifier then prunes all of it. */
const volatile __u64 sample_interval_ns = 0;
const volatile __u64 sample_burst_ns = 0;
const volatile bool sample_stack = true;
/* Waking the reader per event costs about ten times counting the drop, so
 * events are submitted without a wake-up and read by a timed poll; only a
 * ring filled past this many bytes wakes the reader early. */
const volatile __u64 wakeup_bytes = 0;

/* One window's counts, and its stat keys (see enum stat). The program
 * reaches them only through windows. */
struct counts {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct drop_key);
	__type(value, struct drop_value);
} counts_a SEC(".maps"), counts_b SEC(".maps");

/* Slot 0 holds the window being filled. Replacing it from user space makes
 * the kernel wait for every program still running (synchronize_rcu), so the
 * map that was swapped out is complete and still when user space reads it:
 * exact windows without deleting keys under a running program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct counts);
} windows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GLOBAL_COUNT);
	__type(key, enum global_stat);
	__type(value, __u64);
} global_stats SEC(".maps");

/* The ring and the stat keys are untyped: these keep struct drop_event
 * and enum stat in BTF for bpf2go. */
const struct drop_event *unused_drop_event __attribute__((unused));
const enum stat *unused_stat __attribute__((unused));

/* Sampled drops; user space sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Each CPU's token bucket state (see bucket.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bucket);
} buckets SEC(".maps");

/* The receive calls in progress on a CPU, innermost last: which socket
 * TCP is processing each packet for. Before 6.11 the tracepoint does not
 * pass that socket and TCP has taken it off the skb. A softirq that
 * interrupts a process-context receive nests inside it, so a stack. */
#define RX_DEPTH 8

struct rx_frame {
	__u64 skb;
	__u64 sk;
	__s32 drops; /* sk_drops at entry, less what inner frames counted */
	/* The packet, read at entry: by the exit it may be freed. */
	__u16 sport;
	__u16 dport;
	__u8 flags;
	__u8 family;
	__u8 pad[6];
};

struct rx_stack {
	__u32 depth; /* may exceed RX_DEPTH: the frames above are not kept */
	__u32 pad;
	struct rx_frame f[RX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_stack);
} rx_stacks SEC(".maps");

/* The last packet a TIME_WAIT socket processed on a CPU. TCP frees it
 * after tcp_timewait_state_process returns, so no frame holds it then; the
 * drop program takes the socket only if the packet is on its 4-tuple. */
struct tw_seen {
	__u64 skb;
	__u64 sk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_seen);
} tw_last SEC(".maps");

/* READ(direct, p, a, b) is p->a->b. tp_btf programs know their arguments'
 * kernel types, so the verifier lets them load fields directly (a fault
 * reads 0), several times cheaper than the bpf_probe_read_kernel call per
 * hop that BPF_CORE_READ makes, which the raw tracepoint needs. Both are
 * CO-RE relocated. direct is a constant at every call, so each program
 * keeps one of the two. The socket's fields are always read the slow way:
 * a socket a receive hook kept is an integer to the verifier. */
#define ARROW_(_1, _2, _3, _4, N, ...) N
#define ARROW1(a) a
#define ARROW2(a, b) a->b
#define ARROW3(a, b, c) a->b->c
#define ARROW4(a, b, c, d) a->b->c->d
#define ARROW(...) ARROW_(__VA_ARGS__, ARROW4, ARROW3, ARROW2, ARROW1)(__VA_ARGS__)
#define READ(direct, ...) ((direct) ? ARROW(__VA_ARGS__) : BPF_CORE_READ(__VA_ARGS__))

/* Header prefixes: only the fields read, in wire order. */
struct iphdr_min {
	__u8 version_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
};

struct ipv6hdr_min {
	__be32 version_flow;
	__be16 payload_len;
	__u8 nexthdr;
};

struct tcphdr_min {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff;
	__u8 flags;
};

struct packet {
	unsigned char *head;
	__u32 nh;    /* offset of the IP header from head */
	__u32 bytes; /* from the IP header to the end */
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 flags;
};

/* The window being filled, or NULL (counted) if none is installed. */
static __always_inline void *window(void)
{
	__u32 zero = 0;
	void *counts = bpf_map_lookup_elem(&windows, &zero);

	if (!counts) {
		enum global_stat which = GLOBAL_NO_WINDOW;
		__u64 *v = bpf_map_lookup_elem(&global_stats, &which);

		if (v)
			*v += 1;
	}
	return counts;
}

static __always_inline struct drop_value *stat_of(void *counts, enum stat stat)
{
	struct drop_key key = { .reason = stat, .family = STAT_FAMILY };

	return bpf_map_lookup_elem(counts, &key);
}

static __always_inline void stat_inc(void *counts, enum stat stat)
{
	struct drop_value *v = stat_of(counts, stat);

	if (v)
		v->drops += 1;
}

/* What one read at the network header gets: an IPv4 header without
 * options or an IPv6 header, and the start of a TCP header right behind
 * it. That is nearly every packet, and one helper call instead of two is
 * a tenth of the probe's cost under a drop storm. */
struct headers {
	union {
		struct {
			struct iphdr_min ip;
			__u8 options[20 - sizeof(struct iphdr_min)];
			struct tcphdr_min tcp;
		} v4;
		struct {
			struct ipv6hdr_min ip6;
			__u8 addrs[40 - sizeof(struct ipv6hdr_min)];
			struct tcphdr_min tcp;
		} v6;
	};
};

/* Finds the TCP header behind IPv6 extension headers (hop-by-hop, routing,
 * destination options, the first fragment), starting with next at off,
 * inside the linear data up to end. Returns 0 if there is none. */
static __always_inline __u32 ipv6_tcp_offset(unsigned char *head, __u32 off, __u32 end, __u8 next)
{
#pragma unroll
	for (int i = 0; i < 4; i++) {
		struct {
			__u8 next;
			__u8 len;
			__be16 frag_off;
		} ext;

		if (next == IPPROTO_TCP)
			return off;
		if (next != 0 && next != 43 && next != 60 && next != 44)
			return 0;
		if (off + sizeof(ext) > end || bpf_probe_read_kernel(&ext, sizeof(ext), head + off))
			return 0;
		if (next == 44) {
			if (ext.frag_off & bpf_htons(0xfff8))
				return 0; /* a later fragment: no TCP header */
			off += 8;
		} else {
			off += (ext.len + 1) * 8;
		}
		next = ext.next;
	}
	return next == IPPROTO_TCP ? off : 0;
}

enum parsed {
	NOT_TCP,
	TCP,
	UNPARSED, /* TCP, or maybe TCP, but its header is not all there */
};

/* Decides from the packet itself whether it is TCP, so drops before any
 * socket lookup (no socket, bad checksum, netfilter) count too. Only bytes
 * of the linear data are trusted: past its end the buffer holds whatever
 * an earlier packet left. */
static __always_inline enum parsed parse_tcp(struct sk_buff *skb, struct packet *pkt, bool direct)
{
	__be16 proto = READ(direct, skb, protocol);
	unsigned char *head = READ(direct, skb, head);
	__u32 data = READ(direct, skb, data) - head;
	__u32 nh = READ(direct, skb, network_header);
	__u32 end = READ(direct, skb, tail);
	struct headers h;
	struct tcphdr_min *tcp;
	__u32 l4 = 0;

	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return NOT_TCP;
	/* Drops before __netif_receive_skb_core (CPU backlog) come before the
	 * network header is reset; skb->data points at it already there. */
	if (nh == 0)
		nh = data;
	if (nh + sizeof(struct iphdr_min) > end || bpf_probe_read_kernel(&h, sizeof(h), head + nh))
		return UNPARSED;
	if (proto == bpf_htons(ETH_P_IP)) {
		__u32 ihl = (h.v4.ip.version_ihl & 0xf) * 4;

		if ((h.v4.ip.version_ihl >> 4) != 4 || h.v4.ip.protocol != IPPROTO_TCP)
			return NOT_TCP;
		if (h.v4.ip.frag_off & bpf_htons(0x1fff))
			return NOT_TCP; /* a later fragment: no TCP header */
		if (ihl < 20)
			return UNPARSED;
		tcp = &h.v4.tcp;
		l4 = nh + ihl;
		pkt->family = 4;
	} else {
		if (nh + sizeof(struct ipv6hdr_min) + 37 > end)
			return UNPARSED; /* the addresses must be there too */
		if ((bpf_ntohl(h.v6.ip6.version_flow) >> 28) != 6)
			return NOT_TCP;
		tcp = &h.v6.tcp;
		l4 = nh + 40;
		if (h.v6.ip6.nexthdr != IPPROTO_TCP) {
			l4 = ipv6_tcp_offset(head, l4, end, h.v6.ip6.nexthdr);
			if (!l4)
				return NOT_TCP;
		}
		pkt->family = 6;
	}
	if (l4 + sizeof(struct tcphdr_min) > end)
		return UNPARSED;
	/* IPv4 options or IPv6 extension headers: TCP is further on. */
	if (l4 != nh + (pkt->family == 4 ? 20 : 40) &&
	    bpf_probe_read_kernel(tcp, sizeof(*tcp), head + l4))
		return UNPARSED;
	pkt->head = head;
	pkt->nh = nh;
	pkt->flags = tcp->flags;
	pkt->sport = bpf_ntohs(tcp->source);
	pkt->dport = bpf_ntohs(tcp->dest);
	pkt->bytes = READ(direct, skb, len) + data - nh;
	return TCP;
}

static __always_inline bool reason_skipped(__u32 reason)
{
	__u32 slot = reason / 64;
	bool listed = false;

	if (filter_mode == FILTER_NONE)
		return false;
	/* clang drops a mask it can prove redundant and may then test the
	 * bound on another register than the one indexing: the barrier
	 * keeps the mask, which is what the verifier checks. */
	barrier_var(slot);
	if (reason < REASON_SLOTS)
		listed = (reason_bits[slot & (REASON_SLOTS / 64 - 1)] >> (reason % 64)) & 1;
	return filter_mode == FILTER_INCLUDE ? !listed : listed;
}

static __always_inline void add(void *counts, struct drop_key *key, __u32 drops, __u32 bytes)
{
	struct drop_value *v, first = { .drops = drops, .bytes = bytes };

	v = bpf_map_lookup_elem(counts, key);
	if (!v) {
		if (!bpf_map_update_elem(counts, key, &first, BPF_NOEXIST))
			return;
		/* Another CPU may have added the key meanwhile; else it is full. */
		v = bpf_map_lookup_elem(counts, key);
		if (!v) {
			struct drop_value *full = stat_of(counts, STAT_MAP_FULL);

			if (full)
				full->drops += drops;
			return;
		}
	}
	/* Per-CPU value, and the kernel runs this program at most once per
	 * CPU at a time: no atomics needed. */
	v->drops += drops;
	v->bytes += bytes;
}

static __always_inline __u32 netns_of(struct sk_buff *skb, struct sock *sk, bool direct)
{
	struct dst_entry *dst;
	__u32 inum = 0;

	if (sk)
		inum = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (!inum)
		inum = READ(direct, skb, dev, nd_net.net, ns.inum);
	if (inum)
		return inum;
	/* TCP clears skb->dev once it owns the packet; the route the packet
	 * came in by still names the device. Read the slow way: the verifier
	 * sees an address in an integer, not a pointer. */
	dst = (void *)(READ(direct, skb, _skb_refdst) & ~1UL);
	return BPF_CORE_READ(dst, dev, nd_net.net, ns.inum);
}

/* The id of the cgroup v2 a socket was created in, 0 if it has none: a
 * TIME_WAIT socket keeps no cgroup, a request socket is its listener's.
 * User space names the cgroup and the container it belongs to. */
static __always_inline __u64 cgroup_of(struct sock *sk)
{
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	__u64 word = 0;

	if (state == TCP_TIME_WAIT)
		return 0;
	if (state == TCP_NEW_SYN_RECV)
		sk = BPF_CORE_READ(sk, __sk_common.skc_listener);
	if (!bpf_core_field_exists(sk->sk_cgrp_data))
		return 0;
	/* The first word of sock_cgroup_data is the cgroup pointer on every
	 * kernel; before 5.15 its bit 0, when set, says it holds cgroup v1
	 * net_prio and net_cls data instead, and the socket counts as the
	 * root cgroup's. */
	bpf_probe_read_kernel(&word, sizeof(word), (void *)sk + bpf_core_field_offset(sk->sk_cgrp_data));
	if (word & 1)
		return ROOT_CGROUP;
	return BPF_CORE_READ((struct cgroup *)word, kn, id);
}

/* Sends one drop to user space if the CPU's bucket has a token. Only the
 * sampled drops pay for the event and the stack walk. */
static __always_inline void sample(void *ctx, void *counts, struct sk_buff *skb, struct sock *sk,
				   struct packet *pkt, struct drop_key *key, bool direct)
{
	__u32 zero = 0;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &zero);
	struct drop_value *nr;
	struct drop_event *e;
	__u32 len = pkt->family == 4 ? 4 : 16;
	__u32 off = pkt->family == 4 ? 12 : 8;

	if (!b)
		return;
	/* Not the coarse clock: tracing programs may not call it. Jiffies
	 * they may, and the verifier inlines them. */
	if (clock_due(b, bpf_jiffies64()))
		b->now = bpf_ktime_get_ns();
	/* Refused drops are not counted here: user space derives them. */
	if (!take_token(b, sample_interval_ns, sample_burst_ns))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(counts, STAT_LOST);
		return;
	}
	stat_inc(counts, STAT_SAMPLED);
	nr = stat_of(counts, STAT_WINDOW);
	e->window = nr ? nr->drops : 0;
	e->time_ns = bpf_ktime_get_ns();
	e->location = key->location;
	e->stack_bytes = sample_stack ? bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0) : 0;
	e->reason = key->reason;
	/* Looked up here unless a filter or the window needed it already:
	 * most drops of a storm are not sampled. */
	e->netns = key->netns ? key->netns : netns_of(skb, sk, direct);
	e->cgroup = key->cgroup;
	if (!e->cgroup && sk)
		e->cgroup = cgroup_of(sk);
	e->ifindex = READ(direct, skb, skb_iif);
	if (!e->ifindex)
		e->ifindex = READ(direct, skb, dev, ifindex);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->bytes = pkt->bytes;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	/* The IP header's addresses: saddr then daddr, adjacent in both, and
	 * inside the linear data (parse_tcp checked). */
	bpf_probe_read_kernel(e->saddr, len, pkt->head + pkt->nh + off);
	bpf_probe_read_kernel(e->daddr, len, pkt->head + pkt->nh + off + len);
	e->sport = pkt->sport;
	e->dport = pkt->dport;
	e->state = key->state;
	e->flags = pkt->flags;
	e->family = pkt->family;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
				      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline bool filtered(struct packet *pkt, __u32 netns, __u32 reason)
{
	if (filter_family && pkt->family != filter_family)
		return true;
	if (filter_port && pkt->sport != filter_port && pkt->dport != filter_port)
		return true;
	if (filter_netns && netns != filter_netns)
		return true;
	return reason_skipped(reason);
}

/* The socket a receive hook says TCP was processing skb for, or NULL. */
static __always_inline struct sock *rx_sock(struct sk_buff *skb, struct packet *pkt)
{
	__u32 zero = 0;
	struct rx_stack *s = bpf_map_lookup_elem(&rx_stacks, &zero);
	struct tw_seen *tw = bpf_map_lookup_elem(&tw_last, &zero);
	struct sock *sk;

	if (s) {
#pragma unroll
		for (int i = RX_DEPTH - 1; i >= 0; i--) {
			if (i < s->depth && s->f[i].skb == (__u64)skb)
				return (struct sock *)s->f[i].sk;
		}
	}
	if (!tw || tw->skb != (__u64)skb)
		return 0;
	/* The packet may be a later one in the same memory. */
	sk = (struct sock *)tw->sk;
	tw->skb = 0;
	if (BPF_CORE_READ(sk, __sk_common.skc_num) != pkt->dport ||
	    bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) != pkt->sport)
		return 0;
	return sk;
}

/* The key of a drop from the dimensions user space chose. */
static __always_inline void fill_key(struct drop_key *key, struct packet *pkt, struct sock *sk,
				     __u64 location, __u32 reason, __u32 netns, __u8 state)
{
	if (dims & DIM_REASON)
		key->reason = reason;
	if (dims & DIM_FRAME)
		key->location = location;
	if (dims & DIM_FLAGS)
		key->flags = pkt->flags;
	if (dims & DIM_FAMILY)
		key->family = pkt->family;
	if (dims & DIM_STATE)
		key->state = state;
	if (dims & DIM_LOCAL_PORT)
		/* Without a socket the drop is on receive: ours is the dport. */
		key->local_port = sk ? BPF_CORE_READ(sk, __sk_common.skc_num) : pkt->dport;
	if (dims & DIM_NETNS)
		key->netns = netns;
	if ((dims & DIM_CGROUP) && sk)
		key->cgroup = cgroup_of(sk);
}

static __always_inline int count_drop(void *ctx, struct sk_buff *skb, __u64 location,
				      __u32 reason, struct sock *sk, bool direct)
{
	struct drop_key key = {};
	struct packet pkt = {};
	enum parsed parsed = parse_tcp(skb, &pkt, direct);
	void *counts;
	__u32 netns = 0;
	__u8 state = 0;

	if (parsed == NOT_TCP)
		return 0;
	counts = window();
	if (!counts)
		return 0;
	if (parsed == UNPARSED) {
		stat_inc(counts, STAT_UNPARSED);
		return 0;
	}
	if (no_reason)
		reason = REASON_UNAVAILABLE;
	/* rx_sk where the kernel passes it (6.11+); else the socket the skb
	 * belongs to, which on receive is often already taken off it; else
	 * the one a receive hook saw TCP take the packet for. */
	if (!sk)
		sk = READ(direct, skb, sk);
	if (!sk && rx_hooks)
		sk = rx_sock(skb, &pkt);
	if ((dims & DIM_NETNS) || filter_netns)
		netns = netns_of(skb, sk, direct);
	if (filtered(&pkt, netns, reason)) {
		stat_inc(counts, STAT_FILTERED);
		return 0;
	}
	if (sk && ((dims & DIM_STATE) || sample_interval_ns))
		state = BPF_CORE_READ(sk, __sk_common.skc_state);

	fill_key(&key, &pkt, sk, location, reason, netns, state);
	add(counts, &key, 1, pkt.bytes);

	if (sample_interval_ns) {
		/* The event carries every field, whatever the window's dims. */
		key.reason = reason;
		key.location = location;
		key.state = state;
		key.netns = netns;
		sample(ctx, counts, skb, sk, &pkt, &key, direct);
	}
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_btf_rx_sk, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason, struct sock *rx_sk)
{
	return count_drop(ctx, skb, (__u64)location, reason, rx_sk, true);
}

/* 5.17 to 6.10: the tracepoint has no rx_sk argument, and a program that
 * reads a fourth one does not load. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_btf, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return count_drop(ctx, skb, (__u64)location, reason, 0, true);
}

/* Any kernel, without tracefs: the raw tracepoint's untyped arguments,
 * as many as raw_args says the kernel has. */
SEC("raw_tp/kfree_skb")
int drop_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *rx_sk = 0;
	__u32 reason = REASON_UNAVAILABLE;

	if (raw_args >= 3)
		reason = ctx->args[2];
	if (raw_args >= 4)
		rx_sk = (struct sock *)ctx->args[3];
	return count_drop(ctx, (struct sk_buff *)ctx->args[0], ctx->args[1], reason, rx_sk, false);
}

/* Receive hooks: entry pushes a frame for (sk, skb), exit pops it. The
 * loader attaches copies of these to tcp_v4_do_rcv, tcp_v6_do_rcv and
 * tcp_rcv_state_process, and rx_enter_tw to tcp_timewait_state_process. */
static __always_inline void rx_enter(struct sock *sk, struct sk_buff *skb)
{
	__u32 zero = 0;
	struct rx_stack *s = bpf_map_lookup_elem(&rx_stacks, &zero);
	__u32 d;

	if (!s)
		return;
	d = s->depth;
	if (d < RX_DEPTH) {
		struct rx_frame *f = &s->f[d & (RX_DEPTH - 1)];

		f->skb = (__u64)skb;
		f->sk = (__u64)sk;
		f->drops = 0;
		f->family = 0;
		if (count_sk_drops) {
			struct packet pkt = {};

			f->drops = sk->sk_drops.counter;
			if (parse_tcp(skb, &pkt, true) == TCP) {
				f->sport = pkt.sport;
				f->dport = pkt.dport;
				f->flags = pkt.flags;
				f->family = pkt.family;
			}
		}
	}
	if (d < 0xffff)
		s->depth = d + 1;
}

/* Counts what a frame's socket dropped through tcp_drop() while TCP
 * processed the packet: the growth of its sk_drops, which the frames
 * around it then do not count again. */
static __always_inline void count_sk_drops_of(struct rx_stack *s, __u32 i, struct sock *sk,
					      struct sk_buff *skb)
{
	struct rx_frame *f = &s->f[i & (RX_DEPTH - 1)];
	__s32 grown = sk->sk_drops.counter - f->drops;
	struct drop_key key = {};
	struct packet pkt = {};
	struct drop_value *v;
	void *counts;
	__u32 netns;

	if (grown <= 0)
		return;
	/* Frames further out must not count these again. */
#pragma unroll
	for (int j = 0; j < RX_DEPTH; j++) {
		if (j < i && s->f[j].sk == (__u64)sk)
			s->f[j].drops += grown;
	}
	if (!f->family)
		return; /* not a TCP packet entry could read */
	pkt.sport = f->sport;
	pkt.dport = f->dport;
	pkt.flags = f->flags;
	pkt.family = f->family;
	counts = window();
	if (!counts)
		return;
	netns = netns_of(skb, sk, true);
	if (filtered(&pkt, netns, REASON_UNAVAILABLE)) {
		stat_inc(counts, STAT_FILTERED);
		return;
	}
	fill_key(&key, &pkt, sk, LOCATION_TCP_DROP, REASON_UNAVAILABLE, netns,
		 sk->__sk_common.skc_state);
	/* The bytes of what was dropped are not known: it need not be skb. */
	add(counts, &key, grown, 0);
	v = stat_of(counts, STAT_SK_DROPS);
	if (v)
		v->drops += grown;
}

static __always_inline void rx_exit(struct sock *sk, struct sk_buff *skb)
{
	__u32 zero = 0;
	struct rx_stack *s = bpf_map_lookup_elem(&rx_stacks, &zero);
	__u32 d;

	if (!s)
		return;
	d = s->depth;
	if (d > RX_DEPTH) {
		s->depth = d - 1;
		return;
	}
	/* The innermost frame is ours unless the kernel skipped the entry
	 * program (another BPF program ran on the CPU), or frames above ours
	 * lost their exit: then ours is further down, or not there. */
#pragma unroll
	for (int i = RX_DEPTH - 1; i >= 0; i--) {
		if (i < d && s->f[i].skb == (__u64)skb && s->f[i].sk == (__u64)sk) {
			if (count_sk_drops)
				count_sk_drops_of(s, i, sk, skb);
			s->depth = i;
			return;
		}
	}
}

SEC("fentry/tcp_v4_do_rcv")
int BPF_PROG(rx_enter_sock, struct sock *sk, struct sk_buff *skb)
{
	rx_enter(sk, skb);
	return 0;
}

SEC("fexit/tcp_v4_do_rcv")
int BPF_PROG(rx_exit_sock, struct sock *sk, struct sk_buff *skb)
{
	rx_exit(sk, skb);
	return 0;
}

/* A TIME_WAIT socket drops nothing itself, and it is only a sock_common:
 * no sk_drops to read. */
SEC("fentry/tcp_timewait_state_process")
int BPF_PROG(rx_enter_tw, struct sock *sk, struct sk_buff *skb)
{
	__u32 zero = 0;
	struct tw_seen *tw = bpf_map_lookup_elem(&tw_last, &zero);

	if (tw) {
		tw->skb = (__u64)skb;
		tw->sk = (__u64)sk;
	}
	return 0;
}
