package tcpdrop

import (
	"testing"
	"time"

	"github.com/influxdata/telegraf/testutil"
	"github.com/stretchr/testify/require"
)

// line is what a test compares of an emitted line.
type line struct {
	measurement string
	tags        map[string]string
	fields      map[string]any
}

// window runs one window of lines through ts and returns what it emits.
func window(ts *totals, now time.Time, lines ...line) []line {
	acc := &testutil.Accumulator{}
	w := ts.window(acc)
	for _, l := range lines {
		w.AddFields(l.measurement, l.fields, l.tags, now)
	}
	w.flush(now)
	var out []line
	for _, m := range acc.GetTelegrafMetrics() {
		if m.Time() != now {
			panic("line at another time")
		}
		out = append(out, line{m.Name(), m.Tags(), m.Fields()})
	}
	return out
}

func drops(reason string, n int64) line {
	return line{"tcpdrop", map[string]string{"reason": reason}, map[string]any{"drops": n, "bytes": 60 * n}}
}

func TestTotalsSumPerSeriesAndKeepQuietSeries(t *testing.T) {
	ts := newTotals(100)
	t0 := time.Unix(1796221742, 0)
	require.Equal(t, []line{drops("NO_SOCKET", 5), drops("TCP_CSUM", 2)},
		window(ts, t0, drops("TCP_CSUM", 2), drops("NO_SOCKET", 5)))
	require.Equal(t, []line{drops("NO_SOCKET", 8), drops("TCP_CSUM", 2)},
		window(ts, t0.Add(time.Second), drops("NO_SOCKET", 3)), "TCP_CSUM had no drops: still there")
	require.Equal(t, []line{drops("NO_SOCKET", 8), drops("TCP_CSUM", 2)},
		window(ts, t0.Add(2*time.Second)), "a window without drops")
}

func TestTotalsGaugesOnlyInTheirWindow(t *testing.T) {
	ts := newTotals(100)
	tags := map[string]string{"netns": "1", "address": "0.0.0.0", "port": "80"}
	listen := func(d, q int64) line {
		return line{"tcpdrop_listen", tags, map[string]any{"drops": d, "accept_queue": q, "accept_queue_max": int64(1)}}
	}
	now := time.Unix(1796221742, 0)
	require.Equal(t, []line{listen(6, 2)}, window(ts, now, listen(6, 2)))
	require.Equal(t, []line{listen(9, 2)}, window(ts, now, listen(3, 2)))
	require.Equal(t, []line{{"tcpdrop_listen", tags, map[string]any{"drops": int64(9)}}}, window(ts, now),
		"a queue length of an earlier window is not this window's")
}

func TestTotalsTakeOtherTypesAsReadings(t *testing.T) {
	ts := newTotals(100)
	probe := func(v any) line {
		return line{"tcpdrop_probe", map[string]string{}, map[string]any{"sampled": int64(2), "note": v}}
	}
	now := time.Unix(1796221742, 0)
	window(ts, now, probe("a"))
	got := window(ts, now, probe("b"))
	require.Equal(t, []line{{"tcpdrop_probe", map[string]string{}, map[string]any{"sampled": int64(4), "note": "b", "totals_evicted": int64(0)}}}, got)
}

func TestTotalsPassOtherMeasurementsThrough(t *testing.T) {
	ts := newTotals(100)
	stack := line{"tcpdrop_stack", map[string]string{"stack_id": "1ae114e27dc38236"}, map[string]any{"samples": int64(3), "stack": "a;b"}}
	now := time.Unix(1796221742, 0)
	require.Equal(t, []line{stack}, window(ts, now, stack))
	require.Empty(t, window(ts, now), "per window: gone without samples")
}

func TestTotalsEvictTheSeriesUnseenLongest(t *testing.T) {
	ts := newTotals(3)
	probe := func(evicted int64) line {
		return line{"tcpdrop_probe", map[string]string{"probe": "tp_btf"},
			map[string]any{"map_full": int64(0), "map_keys": int64(1), "totals_evicted": evicted}}
	}
	probeIn := line{"tcpdrop_probe", map[string]string{"probe": "tp_btf"}, map[string]any{"map_full": int64(0), "map_keys": int64(1)}}
	now := time.Unix(1796221742, 0)
	window(ts, now, drops("A", 1), drops("B", 1), probeIn)
	window(ts, now, drops("B", 1), probeIn)
	require.Equal(t, []line{drops("B", 3), drops("C", 1), probe(1)}, window(ts, now, drops("C", 1), drops("B", 1), probeIn),
		"A, unseen longest, is forgotten")
	require.Equal(t, []line{drops("A", 4), drops("D", 1), probe(3)}, window(ts, now, drops("A", 4), drops("D", 1), probeIn),
		"A starts again from zero; B and C, unseen longest, make room")
	require.Equal(t, []line{drops("E", 1), drops("F", 1), drops("G", 1), probe(5)},
		window(ts, now, drops("E", 1), drops("F", 1), drops("G", 1), probeIn),
		"a window's own series stay, beyond the cap")
}

func TestTotalsKeepTheirOwnTags(t *testing.T) {
	ts := newTotals(100)
	tags := map[string]string{"reason": "NO_SOCKET"}
	now := time.Unix(1796221742, 0)
	window(ts, now, line{"tcpdrop", tags, map[string]any{"drops": int64(1), "bytes": int64(60)}})
	tags["reason"] = "changed"
	require.Equal(t, []line{drops("NO_SOCKET", 1)}, window(ts, now))
}

func TestInitRejectsTotalsCap(t *testing.T) {
	for _, n := range []int{0, -1, maxTotalsSeriesLimit + 1} {
		p := New()
		p.Log = testutil.Logger{}
		p.TotalsMaxSeries = n
		require.ErrorContains(t, p.Init(), "running_totals_max_series must be between 1 and")
	}
}
