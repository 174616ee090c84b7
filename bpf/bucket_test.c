//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Runs bucket.h on arguments from a test, so the arithmetic the probe uses
 * is tested as the kernel executes it, not a Go copy of it. */

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include "bucket.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The arguments and the state, set and read by the test between runs. */
struct bucket_args {
	struct bucket b;
	__u64 clock;    /* what the clock reads if read */
	__u64 tick;     /* what jiffies read */
	__u64 interval;
	__u64 burst;
	__u32 reads;    /* clock reads so far */
	__u32 pad;
} args;

/* One drop, as the probe's sample() takes it. A raw tracepoint program,
 * which BPF_PROG_TEST_RUN runs since 5.10, the oldest kernel tested. */
SEC("raw_tp")
int run_take_token(void *ctx)
{
	if (clock_due(&args.b, args.tick)) {
		args.b.now = args.clock;
		args.reads++;
	}
	return take_token(&args.b, args.interval, args.burst);
}
