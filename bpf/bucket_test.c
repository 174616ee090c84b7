//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Runs bucket.h's take_token on arguments from a test, so the arithmetic the
 * probe uses is tested as the kernel executes it, not a Go copy of it. */

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include "bucket.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bucket_args {
	__u64 tat;
	__u64 now;
	__u64 interval;
	__u64 burst;
};

SEC("syscall")
int run_take_token(struct bucket_args *args)
{
	__u64 tat = args->tat;
	bool ok = take_token(&tat, args->now, args->interval, args->burst);

	args->tat = tat;
	return ok;
}
