package tracer

// Cumulative turns a counter the kernel keeps since load into its growth
// per window. A read that failed forgets the baseline instead of zeroing
// it, so the window after it reports nothing rather than everything since
// load: no value ever spans more than one window.
type Cumulative struct {
	last uint64
	have bool
}

// Next takes this window's reading (ok false when it failed) and returns
// the growth since the previous one, known only if both were read.
func (c *Cumulative) Next(cur uint64, ok bool) (growth uint64, known bool) {
	prev, had := c.last, c.have
	c.last, c.have = cur, ok
	if !ok || !had {
		return 0, false
	}
	if cur < prev {
		return cur, true // reset: counts from zero
	}
	return cur - prev, true
}
