package tcpdrop

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/influxdata/telegraf"
)

// maxTotalsSeriesLimit keeps a typo from letting the totals grow without
// a useful bound (about 0.8 KB a series with five tags).
const maxTotalsSeriesLimit = 10_000_000

// gauges are the fields of the totalled measurements that are readings,
// not counts: they keep their window's value and are left out of a line
// of a window in which the series had none. Every other integer field of
// these measurements is a count summed since start; a field of another
// type is taken as a reading too, as nothing can sum it.
var gauges = map[string][]string{
	"tcpdrop":        nil,
	"tcpdrop_listen": {"accept_queue", "accept_queue_max"},
	"tcpdrop_netns":  nil,
	"tcpdrop_probe":  {"map_keys"},
}

// evictedIn is the measurement whose line carries totals_evicted: the
// probe's own health, in every window.
const evictedIn = "tcpdrop_probe"

// totals turns per-window lines into running totals per series
// (measurement and tag set), monotonic since the plugin started, so that
// Prometheus' rate() and increase() read them as counters. A series keeps
// its line in later windows without counts. It holds at most max series
// between windows: beyond, those whose last line is oldest are forgotten,
// and a forgotten series that comes back starts again from zero, which
// rate() reads as a counter reset.
type totals struct {
	max     int
	seq     uint64 // orders the lines by arrival, for "unseen longest"
	start   uint64 // seq before the window in progress
	series  map[string]*total
	evicted uint64
}

type total struct {
	measurement string
	tags        map[string]string
	counts      map[string]int64
	gauges      map[string]any // this window's; nil in a window without a line
	seen        uint64         // seq of the series' last line
}

func newTotals(max int) *totals {
	return &totals{max: max, series: map[string]*total{}}
}

// add takes one per-window line; it reports false for a measurement that
// is not totalled, which passes through as it is.
func (ts *totals) add(measurement string, fields map[string]any, tags map[string]string) bool {
	gaugeNames, ok := gauges[measurement]
	if !ok {
		return false
	}
	id := measurement + "\x00" + tagID(tags)
	s := ts.series[id]
	if s == nil {
		s = &total{measurement: measurement, tags: maps.Clone(tags), counts: map[string]int64{}}
		ts.series[id] = s
	}
	ts.seq++
	s.seen = ts.seq
	s.gauges = nil
	for name, v := range fields {
		n, ok := v.(int64)
		if !ok || slices.Contains(gaugeNames, name) {
			if s.gauges == nil {
				s.gauges = map[string]any{}
			}
			s.gauges[name] = v
			continue
		}
		s.counts[name] += n
	}
	return true
}

// flush ends a window: it forgets the series unseen longest beyond max,
// never one of this window, emits every series held at time now, and
// clears this window's gauges.
func (ts *totals) flush(acc telegraf.Accumulator, now time.Time) {
	ts.evict()
	ids := slices.Sorted(maps.Keys(ts.series))
	for _, id := range ids {
		s := ts.series[id]
		fields := make(map[string]any, len(s.counts)+len(s.gauges)+1)
		for name, v := range s.counts {
			fields[name] = v
		}
		for name, v := range s.gauges {
			fields[name] = v
		}
		if s.measurement == evictedIn {
			fields["totals_evicted"] = int64(ts.evicted)
		}
		acc.AddFields(s.measurement, fields, s.tags, now)
		s.gauges = nil
	}
}

// evict forgets the series unseen longest until at most max remain, of
// those without a line in this window: a window's own series are always
// kept, so a window with more series than max is emitted whole.
func (ts *totals) evict() {
	over := len(ts.series) - ts.max
	if over <= 0 {
		return
	}
	var old []string
	for id, s := range ts.series {
		if s.seen <= ts.start {
			old = append(old, id)
		}
	}
	slices.SortFunc(old, func(a, b string) int { return cmp.Compare(ts.series[a].seen, ts.series[b].seen) })
	for _, id := range old[:min(over, len(old))] {
		delete(ts.series, id)
		ts.evicted++
	}
}

// totalsAcc is the accumulator of one window in running-totals mode: the
// lines of totalled measurements go to the totals, the others through.
type totalsAcc struct {
	telegraf.Accumulator
	totals *totals
}

// window starts a window whose lines go to acc.
func (ts *totals) window(acc telegraf.Accumulator) *totalsAcc {
	ts.start = ts.seq
	return &totalsAcc{Accumulator: acc, totals: ts}
}

func (a *totalsAcc) AddFields(measurement string, fields map[string]any, tags map[string]string, t ...time.Time) {
	if !a.totals.add(measurement, fields, tags) {
		a.Accumulator.AddFields(measurement, fields, tags, t...)
	}
}

// flush emits the window's totals at now.
func (a *totalsAcc) flush(now time.Time) {
	a.totals.flush(a.Accumulator, now)
}
