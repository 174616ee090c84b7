package tcpdrop

import "github.com/tcpdrop/tcpdrop/internal/tracer"

// windowFields are tcpdrop_probe's counters of one snapshot. Those the
// kernel cuts per window are always there; the ones taken from cumulative
// sources only when they cover exactly this window.
func windowFields(s tracer.Snapshot) map[string]any {
	st := s.Stats
	f := map[string]any{
		"map_full":    int64(st.MapFull),
		"filtered":    int64(st.Filtered),
		"unparsed":    int64(st.Unparsed),
		"sampled":     int64(st.Sampled),
		"lost":        int64(st.Lost),
		"sk_drops":    int64(st.SkDrops),
		"map_keys":    int64(len(s.Counts)),
		"suppressed":  int64(st.Suppressed),
		"events_shed": int64(st.EventsShed),
		"bad_records": int64(st.BadRecords),
	}
	if st.NoWindowKnown {
		f["no_window"] = int64(st.NoWindow)
	}
	if st.Run.Known {
		f["recursion_misses"] = int64(st.Run.RecursionMisses)
	}
	if st.Run.Measured {
		f["run_time_ns"] = st.Run.Runtime.Nanoseconds()
		f["run_count"] = int64(st.Run.Count)
	}
	return f
}
