package tcpdrop

// counters are the cumulative sources of tcpdrop_probe; each window reports
// how much they grew.
type counters struct {
	noWindow        uint64
	eventsShed      uint64
	recursionMisses uint64
	listenOverflows uint64
	listenDrops     uint64
	runTimeNs       uint64
	runCount        uint64
	haveNetstat     bool // /proc/net/netstat could be read
	haveRunStats    bool // kernel.bpf_stats_enabled was on
}

// since returns the fields of one window: the growth of every counter both
// snapshots have.
func (c counters) since(prev counters) map[string]any {
	f := map[string]any{
		"no_window":        delta(prev.noWindow, c.noWindow),
		"events_shed":      delta(prev.eventsShed, c.eventsShed),
		"recursion_misses": delta(prev.recursionMisses, c.recursionMisses),
	}
	if c.haveNetstat && prev.haveNetstat {
		f["listen_overflows"] = delta(prev.listenOverflows, c.listenOverflows)
		f["listen_drops"] = delta(prev.listenDrops, c.listenDrops)
	}
	if c.haveRunStats && prev.haveRunStats {
		f["run_time_ns"] = delta(prev.runTimeNs, c.runTimeNs)
		f["run_count"] = delta(prev.runCount, c.runCount)
	}
	return f
}

// delta is how much a cumulative counter grew, as a line protocol integer.
// A counter that went back was reset (the probe or a namespace came anew)
// and counts from zero.
func delta(prev, cur uint64) int64 {
	if cur < prev {
		return int64(cur)
	}
	return int64(cur - prev)
}
