package tcpdrop

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/tracer"
)

func TestWindowFields(t *testing.T) {
	s := tracer.Snapshot{
		Counts: []drop.Count{{Drops: 5}, {Drops: 2}},
		Stats: tracer.Stats{MapFull: 1, Filtered: 2, Unparsed: 3, SkDrops: 4, Sampled: 5, Lost: 6, Suppressed: 7,
			NoWindow: 0, NoWindowKnown: true, BadRecords: 8, EventsShed: 9,
			Run: tracer.RunStats{RecursionMisses: 10, Known: true, Runtime: 2500 * time.Nanosecond, Count: 11, Measured: true}},
	}
	require.Equal(t, map[string]any{
		"map_full": int64(1), "filtered": int64(2), "unparsed": int64(3), "sk_drops": int64(4), "sampled": int64(5),
		"lost": int64(6), "suppressed": int64(7), "no_window": int64(0), "bad_records": int64(8), "events_shed": int64(9),
		"recursion_misses": int64(10), "run_time_ns": int64(2500), "run_count": int64(11), "map_keys": int64(2),
	}, windowFields(s))
}

// Counters the kernel keeps since load are left out of a window whose
// ends were not both read, and run_time_ns/run_count of a program the
// kernel never measured: absent, not zero.
func TestWindowFieldsLeaveOutWhatIsNotKnown(t *testing.T) {
	got := windowFields(tracer.Snapshot{})
	for _, f := range []string{"no_window", "recursion_misses", "run_time_ns", "run_count"} {
		require.NotContains(t, got, f)
	}
	require.Equal(t, int64(0), got["map_full"], "per-window counters are always there")
}
