/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the probe shares with user space: bpf2go turns these types into Go
 * (-type), so both sides agree on every byte. */
#ifndef TCPDROP_H
#define TCPDROP_H

/* One series of a window. Explicit padding: the kernel hashes all 32 bytes,
 * so no byte may be left to the compiler. Fields of dimensions that are not
 * grouped by stay zero. */
struct drop_key {
	__u64 location; /* drop site: the tracepoint's return address */
	__u64 cgroup;   /* the socket's cgroup v2 id, 0 without a socket */
	__u32 reason;   /* enum skb_drop_reason, or REASON_UNAVAILABLE */
	__u32 netns;    /* network namespace inode */
	__u16 local_port;
	__u8 state;     /* TCP state of the socket, 0 when none is known */
	__u8 flags;     /* TCP header flags byte */
	__u8 family;    /* 4 or 6 */
	__u8 pad[3];
};

struct drop_value {
	__u64 drops;
	__u64 bytes;
};

/* Dimensions a window is grouped by, fixed at load as a read-only global. */
enum dimension {
	DIM_REASON = 1 << 0,
	DIM_STATE = 1 << 1,
	DIM_FLAGS = 1 << 2,
	DIM_FRAME = 1 << 3,
	DIM_FAMILY = 1 << 4,
	DIM_NETNS = 1 << 5,
	DIM_LOCAL_PORT = 1 << 6,
	DIM_CGROUP = 1 << 7,
};

enum reason_filter {
	FILTER_NONE = 0,
	FILTER_INCLUDE = 1,
	FILTER_EXCLUDE = 2,
};

/* Reasons below this can be filtered in the kernel (6.18 has 130). */
#define REASON_SLOTS 1024

/* Reported for kernels whose tracepoint has no reason (before 5.17). */
#define REASON_UNAVAILABLE 0xffffffff

/* The probe's own counters of a window. They live in the window's map
 * under keys of family STAT_FAMILY, which user space puts in every map
 * before installing it, so they are cut at the same swap as the counts. */
enum stat {
	STAT_MAP_FULL = 0, /* drops whose key did not fit in the window map */
	STAT_FILTERED = 1, /* TCP drops skipped by the load-time filters */
	STAT_SAMPLED = 2,  /* drops sent to the event ring */
	STAT_LOST = 3,     /* drops sampled that the full ring refused */
	STAT_UNPARSED = 4, /* IP packets whose TCP header could not be read */
	STAT_SK_DROPS = 5, /* drops counted from sk_drops growth, never sampled */
	STAT_WINDOW = 6,   /* not a counter: drops holds the window's number */
	STAT_KEYS = 7,
};

/* drop_key.family of the stat keys: no packet has it. */
#define STAT_FAMILY 0xff

/* Counted outside the windows (per-CPU array), for what cannot reach one. */
enum global_stat {
	GLOBAL_NO_WINDOW = 0, /* drops seen while no window map was installed */
	GLOBAL_COUNT = 1,
};

/* drop_key.location of drops counted from a socket's sk_drops growth on
 * kernels whose tcp_drop() frees with __kfree_skb, out of sight of the
 * tracepoint: no return address, so a value no code has. */
#define LOCATION_TCP_DROP 1

/* drop_key.cgroup of sockets that count as cgroup v2's root: the id of
 * the root of the cgroup2 mount. */
#define ROOT_CGROUP 1

/* Return addresses kept per sampled drop: the tracing frames and the drop
 * helper take about five, a softirq receive path from a syscall about 35. */
#define STACK_DEPTH 64

/* One sampled drop, as it crosses the ring buffer. Addresses and ports are
 * the packet's (source, destination), in network byte order for addresses
 * and host order for ports. Explicit padding keeps the layout the same for
 * clang and Go. */
struct drop_event {
	__u64 time_ns;  /* CLOCK_MONOTONIC */
	__u64 window;   /* number of the window the drop was counted in */
	__u64 location; /* drop site: the tracepoint's return address */
	__u64 cgroup;   /* the socket's cgroup v2 id, 0 without a socket */
	__u64 stack[STACK_DEPTH];
	__s32 stack_bytes; /* bytes of stack filled, negative on error */
	__u32 reason;
	__u32 netns;
	__u32 ifindex;
	__u32 pid;
	__u32 bytes;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 state;
	__u8 flags;
	__u8 family;
	__u8 pad;
	char comm[16];
};

#endif
