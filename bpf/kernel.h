/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The few kernel types the probe reads, each with only the fields it reads.
 * preserve_access_index makes clang emit CO-RE relocations, so the loader
 * moves every field access to the offset the running kernel's BTF gives:
 * one object file for every kernel from 5.17 on, without a generated
 * vmlinux.h of a single kernel. */
#ifndef TCPDROP_KERNEL_H
#define TCPDROP_KERNEL_H

/* The integer types libbpf's helper declarations are written in. */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

/* UAPI constants of include/uapi/linux/bpf.h that the probe uses. */
enum bpf_map_type {
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};
enum {
	BPF_RB_NO_WAKEUP = 1 << 0,
	BPF_RB_FORCE_WAKEUP = 1 << 1,
};
enum {
	BPF_RB_AVAIL_DATA = 0,
};

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	possible_net_t nd_net;
	int ifindex;
} __attribute__((preserve_access_index));

/* Only struct sock_common is read, never the rest of struct sock: request
 * and TIME_WAIT sockets are sock_common too, and nothing more. */
struct sock_common {
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct sock *skc_listener; /* of a request socket (NEW_SYN_RECV) */
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} atomic_t;

struct kernfs_node {
	__u64 id; /* a cgroup's id: its directory's inode in the cgroup2 mount */
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

/* The cgroup v2 the socket was created in. */
struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

/* sk_drops is read only on kernels that count tcp_drop() through it. */
struct sock {
	struct sock_common __sk_common;
	atomic_t sk_drops;
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

struct dst_entry {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct sk_buff {
	struct net_device *dev;
	unsigned long _skb_refdst; /* struct dst_entry *, low bit: no reference */
	struct sock *sk;
	unsigned int len;
	int skb_iif;
	__be16 protocol;
	__u16 network_header;
	unsigned int tail; /* offset from head: the end of the linear data */
	unsigned char *head;
	unsigned char *data;
} __attribute__((preserve_access_index));

/* Declared for the name only: CO-RE matches enum members by enum name, and
 * the values come from the running kernel through user space's BTF decoder. */
enum skb_drop_reason {
	__SKB_DROP_REASON_ANY,
};

struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

/* TCP states the probe tells apart (include/net/tcp_states.h). */
#define TCP_TIME_WAIT 6
#define TCP_NEW_SYN_RECV 12

#endif
