/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The token bucket that decides which drops are sampled, as a generic cell
 * rate algorithm: per CPU, a few words of state and no division per drop. */
#ifndef TCPDROP_BUCKET_H
#define TCPDROP_BUCKET_H

struct bucket {
	__u64 tat;  /* theoretical arrival time of the next token, ns */
	__u64 now;  /* the clock when last read, ns */
	__u64 tick; /* jiffies when it was read */
};

/* clock_due tells whether the caller must read the clock into b->now
 * before take_token: when the jiffies counter, tick, moved since the last
 * read. Jiffies cost one load the verifier inlines, the clock a helper
 * call: under a drop storm the clock is read a few hundred times a second
 * per CPU, not at every drop. Within a tick the bucket takes time to stand
 * still, which can only refuse or delay a sample, by less than a tick,
 * never allow one early; a CPU that drops rarely reads the clock at every
 * drop. */
static __always_inline bool clock_due(struct bucket *b, __u64 tick)
{
	if (b->tick == tick)
		return false;
	b->tick = tick;
	return true;
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
