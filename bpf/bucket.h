/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The token bucket that decides which drops are sampled, as a generic cell
 * rate algorithm: per CPU, a few words of state and no division per drop. */
#ifndef TCPDROP_BUCKET_H
#define TCPDROP_BUCKET_H

struct bucket {
	__u64 tat;    /* theoretical arrival time of the next token, ns */
	__u64 now;    /* the clock when last read, ns */
	__u32 unread; /* drops since then */
	__u32 pad;
};

/* clock_due tells whether the caller must read the clock into b->now
 * before take_token: at the first drop and then at every every-th. Reading
 * it costs about 50 ns on a VM, a fifth of the probe's run under a storm.
 * In between the bucket takes time to stand still, which can only refuse
 * a sample, never allow one early; with every at most the burst, a CPU
 * that drops rarely is still never refused wrongly. */
static __always_inline bool clock_due(struct bucket *b, __u32 every)
{
	bool due = b->unread == 0;

	if (++b->unread >= every)
		b->unread = 0;
	return due;
}

/* take_token reports whether a drop at b->now may be sampled. Each sample
 * moves b->tat on by interval ns, and a sample is allowed while tat lies
 * at most burst ns ahead of now. So a full bucket allows
 * burst / interval + 1 samples at once, then one per interval. */
static __always_inline bool take_token(struct bucket *b, __u64 interval, __u64 burst)
{
	__u64 t = b->tat > b->now ? b->tat : b->now;

	if (t - b->now > burst)
		return false;
	b->tat = t + interval;
	return true;
}

#endif
