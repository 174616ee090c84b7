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

/* Sampling: 0 turns it off, and the verifier then prunes all of it. */
const volatile __u64 sample_interval_ns = 0;
const volatile __u64 sample_burst_ns = 0;
const volatile __u32 sample_clock_every = 1; /* see clock_due */
const volatile bool sample_stack = true;
/* Waking the reader per event costs about ten times counting the drop, so
 * events are submitted without a wake-up and read by a timed poll; only a
 * ring filled past this many bytes wakes the reader early. */
const volatile __u64 wakeup_bytes = 0;

/* One window's counts. The program reaches them only through windows. */
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
	__uint(max_entries, STAT_COUNT);
	__type(key, enum stat);
	__type(value, __u64);
} stats SEC(".maps");

/* The ring is untyped: this keeps struct drop_event in BTF for bpf2go. */
const struct drop_event *unused_drop_event __attribute__((unused));

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

/* READ(direct, p, a, b) is p->a->b. tp_btf programs know their arguments'
 * kernel types, so the verifier lets them load fields directly (a fault
 * reads 0), several times cheaper than the bpf_probe_read_kernel call per
 * hop that BPF_CORE_READ makes, which the classic tracepoint needs. Both
 * are CO-RE relocated. direct is a constant at every call, so each program
 * keeps one of the two. */
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

static __always_inline void stat_inc(enum stat stat)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &stat);

	if (v)
		*v += 1;
}

/* What one read at the network header gets: an IPv4 header without
 * options or an IPv6 header, and the start of a TCP header right behind
 * it. That is nearly every packet, and one helper call instead of two is
 * a tenth of the probe's cost under a drop storm. Bytes past a short
 * packet's end are read (the skb's buffer goes on) but not used. */
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
 * destination options, the first fragment), starting with next at off.
 * Returns 0 if there is none. */
static __always_inline __u32 ipv6_tcp_offset(unsigned char *head, __u32 off, __u8 next)
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
		if (bpf_probe_read_kernel(&ext, sizeof(ext), head + off))
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

/* Decides from the packet itself whether it is TCP, so drops before any
 * socket lookup (no socket, bad checksum, netfilter) count too. */
static __always_inline bool parse_tcp(struct sk_buff *skb, struct packet *pkt, bool direct)
{
	__be16 proto = READ(direct, skb, protocol);
	unsigned char *head = READ(direct, skb, head);
	__u32 data = READ(direct, skb, data) - head;
	__u32 nh = READ(direct, skb, network_header);
	struct headers h;
	struct tcphdr_min *tcp;
	__u32 l4 = 0;

	/* Drops before __netif_receive_skb_core (CPU backlog) come before the
	 * network header is reset; skb->data points at it already there. */
	if (nh == 0)
		nh = data;
	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return false;
	if (bpf_probe_read_kernel(&h, sizeof(h), head + nh))
		return false;
	if (proto == bpf_htons(ETH_P_IP)) {
		__u32 ihl = (h.v4.ip.version_ihl & 0xf) * 4;

		if ((h.v4.ip.version_ihl >> 4) != 4 || h.v4.ip.protocol != IPPROTO_TCP)
			return false;
		if (h.v4.ip.frag_off & bpf_htons(0x1fff))
			return false; /* a later fragment: no TCP header */
		tcp = &h.v4.tcp;
		if (ihl != 20)
			l4 = nh + ihl;
		pkt->family = 4;
	} else {
		if ((bpf_ntohl(h.v6.ip6.version_flow) >> 28) != 6)
			return false;
		tcp = &h.v6.tcp;
		if (h.v6.ip6.nexthdr != IPPROTO_TCP) {
			l4 = ipv6_tcp_offset(head, nh + 40, h.v6.ip6.nexthdr);
			if (!l4)
				return false;
		}
		pkt->family = 6;
	}
	/* IPv4 options or IPv6 extension headers: TCP is further on. */
	if (l4 && bpf_probe_read_kernel(tcp, sizeof(*tcp), head + l4))
		return false;
	pkt->head = head;
	pkt->nh = nh;
	pkt->flags = tcp->flags;
	pkt->sport = bpf_ntohs(tcp->source);
	pkt->dport = bpf_ntohs(tcp->dest);
	pkt->bytes = READ(direct, skb, len) + data - nh;
	return true;
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

static __always_inline void add(struct drop_key *key, __u32 bytes)
{
	__u32 zero = 0;
	struct drop_value *v, first = { .drops = 1, .bytes = bytes };
	void *counts = bpf_map_lookup_elem(&windows, &zero);

	if (!counts) {
		stat_inc(STAT_MAP_FULL);
		return;
	}
	v = bpf_map_lookup_elem(counts, key);
	if (!v) {
		if (!bpf_map_update_elem(counts, key, &first, BPF_NOEXIST))
			return;
		/* Another CPU may have added the key meanwhile; else it is full. */
		v = bpf_map_lookup_elem(counts, key);
		if (!v) {
			stat_inc(STAT_MAP_FULL);
			return;
		}
	}
	/* Per-CPU value, and the kernel runs this program at most once per
	 * CPU at a time: no atomics needed. */
	v->drops += 1;
	v->bytes += bytes;
}

static __always_inline __u32 netns_of(struct sk_buff *skb, struct sock *sk, bool direct)
{
	struct dst_entry *dst;
	__u32 inum = 0;

	if (sk)
		inum = READ(direct, sk, __sk_common.skc_net.net, ns.inum);
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

/* Sends one drop to user space if the CPU's bucket has a token. Only the
 * sampled drops pay for the event and the stack walk. */
static __always_inline void sample(void *ctx, struct sk_buff *skb, struct sock *sk,
				   struct packet *pkt, struct drop_key *key, bool direct)
{
	__u32 zero = 0;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &zero);
	struct drop_event *e;
	__u32 len = pkt->family == 4 ? 4 : 16;
	__u32 off = pkt->family == 4 ? 12 : 8;

	if (!b)
		return;
	/* Not the cheaper coarse clock: tracing programs may not call it. */
	if (clock_due(b, sample_clock_every))
		b->now = bpf_ktime_get_ns();
	if (!take_token(b, sample_interval_ns, sample_burst_ns)) {
		stat_inc(STAT_SUPPRESSED);
		return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(STAT_LOST);
		return;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->location = key->location;
	e->stack_bytes = sample_stack ? bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0) : 0;
	e->reason = key->reason;
	/* Looked up here unless a filter or the window needed it already:
	 * most drops of a storm are not sampled. */
	e->netns = key->netns ? key->netns : netns_of(skb, sk, direct);
	e->ifindex = READ(direct, skb, skb_iif);
	if (!e->ifindex)
		e->ifindex = READ(direct, skb, dev, ifindex);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->bytes = pkt->bytes;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	/* The IP header's addresses: saddr then daddr, adjacent in both. */
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

static __always_inline int count_drop(void *ctx, struct sk_buff *skb, __u64 location,
				      __u32 reason, struct sock *sk, bool direct)
{
	struct drop_key key = {};
	struct packet pkt = {};
	__u32 netns = 0;
	__u8 state = 0;

	if (!parse_tcp(skb, &pkt, direct))
		return 0;
	if (no_reason)
		reason = REASON_UNAVAILABLE;
	/* rx_sk where the kernel passes it (6.11+); else the socket the skb
	 * belongs to, which on receive is often already taken off it. */
	if (!sk)
		sk = READ(direct, skb, sk);
	if ((dims & DIM_NETNS) || filter_netns)
		netns = netns_of(skb, sk, direct);
	if (filtered(&pkt, netns, reason)) {
		stat_inc(STAT_FILTERED);
		return 0;
	}
	if (sk && ((dims & DIM_STATE) || sample_interval_ns))
		state = READ(direct, sk, __sk_common.skc_state);

	if (dims & DIM_REASON)
		key.reason = reason;
	if (dims & DIM_FRAME)
		key.location = location;
	if (dims & DIM_FLAGS)
		key.flags = pkt.flags;
	if (dims & DIM_FAMILY)
		key.family = pkt.family;
	if (dims & DIM_STATE)
		key.state = state;
	if (dims & DIM_LOCAL_PORT)
		/* Without a socket the drop is on receive: ours is the dport. */
		key.local_port = sk ? READ(direct, sk, __sk_common.skc_num) : pkt.dport;
	if (dims & DIM_NETNS)
		key.netns = netns;
	add(&key, pkt.bytes);

	if (sample_interval_ns) {
		/* The event carries every field, whatever the window's dims. */
		key.reason = reason;
		key.location = location;
		key.state = state;
		key.netns = netns;
		sample(ctx, skb, sk, &pkt, &key, direct);
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

SEC("tracepoint/skb/kfree_skb")
int drop_tp(struct trace_event_raw_kfree_skb *ctx)
{
	struct sock *rx_sk = 0;
	__u32 reason = REASON_UNAVAILABLE;

	if (bpf_core_field_exists(ctx->rx_sk))
		rx_sk = ctx->rx_sk;
	if (bpf_core_field_exists(ctx->reason))
		reason = ctx->reason;
	return count_drop(ctx, ctx->skbaddr, (__u64)ctx->location, reason, rx_sk, false);
}
