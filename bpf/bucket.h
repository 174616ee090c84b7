/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The token bucket that decides which drops are sampled, as a generic cell
 * rate algorithm: one 64-bit word of state per CPU and no division per drop. */
#ifndef TCPDROP_BUCKET_H
#define TCPDROP_BUCKET_H

/* take_token reports whether a drop at now (ns) may be sampled. *tat is the
 * theoretical arrival time of the next token; each sample moves it on by
 * interval ns, and a sample is allowed while it lies at most burst ns ahead
 * of now. So a full bucket allows burst / interval + 1 samples at once,
 * then one per interval. */
static __always_inline bool take_token(__u64 *tat, __u64 now, __u64 interval,
				       __u64 burst)
{
	__u64 t = *tat > now ? *tat : now;

	if (t - now > burst)
		return false;
	*tat = t + interval;
	return true;
}

#endif
