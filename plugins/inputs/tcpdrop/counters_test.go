package tcpdrop

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDelta(t *testing.T) {
	require.Equal(t, int64(0), delta(5, 5))
	require.Equal(t, int64(7), delta(3, 10))
	// Reset (probe reloaded, namespace counters new): count from zero.
	require.Equal(t, int64(4), delta(100, 4))
	require.Equal(t, int64(1), delta(math.MaxUint64-1, math.MaxUint64))
}

func TestCountersSince(t *testing.T) {
	prev := counters{noWindow: 1, eventsShed: 7, recursionMisses: 2,
		listenOverflows: 5, listenDrops: 6, runTimeNs: 1000, runCount: 10, haveNetstat: true, haveRunStats: true}
	cur := counters{noWindow: 4, eventsShed: 7, recursionMisses: 2,
		listenOverflows: 9, listenDrops: 11, runTimeNs: 3500, runCount: 20, haveNetstat: true, haveRunStats: true}
	require.Equal(t, map[string]any{
		"no_window": int64(3), "recursion_misses": int64(0), "events_shed": int64(0),
		"listen_overflows": int64(4), "listen_drops": int64(5),
		"run_time_ns": int64(2500), "run_count": int64(10),
	}, cur.since(prev))
}

func TestCountersSinceLeavesOutWhatWasNotReadTwice(t *testing.T) {
	// bpf_stats_enabled was switched on during the window: no run fields
	// yet, since the window's start has no value to subtract.
	prev := counters{haveNetstat: true}
	cur := counters{noWindow: 2, runTimeNs: 500, runCount: 5, haveNetstat: true, haveRunStats: true}
	got := cur.since(prev)
	require.NotContains(t, got, "run_time_ns")
	require.NotContains(t, got, "run_count")
	require.Equal(t, int64(2), got["no_window"])
	require.Contains(t, got, "listen_overflows")

	got = counters{}.since(counters{})
	require.NotContains(t, got, "listen_overflows")
	require.NotContains(t, got, "listen_drops")
}
