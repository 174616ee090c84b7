//go:build linux

package main

import "fmt"

// The targets for the storms.
const (
	minRatioDefaults = 0.93 // of the baseline drop rate, defaults, TCP storm
	minRatioEvents   = 0.85 // with event_metrics on
	minRatioPorts    = 0.85 // high cardinality
	maxBelowEmpty    = 0.02 // non-TCP storms: the plugin's ratio below the empty program's
	maxUserPct       = 1.0  // the plugin's user CPU, percent of a core
	maxRSS           = 50 << 20
)

// target is one row of the Targets table.
type target struct{ what, measured, met string }

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// pluginKeys are the configurations that run the plugin.
var pluginKeys = []string{"plugin", "plugin-events", "plugin-udp4", "plugin-udp6", "plugin-ports", "plugin-both"}

// targets checks the summaries against the targets; a target whose
// configurations did not run is "not measured".
func targets(sums map[string]summary) []target {
	ran := func(keys ...string) bool {
		for _, k := range keys {
			if sums[k].runs == 0 {
				return false
			}
		}
		return true
	}
	row := func(what string, keys []string, check func() (string, bool)) target {
		if !ran(keys...) {
			return target{what, "–", "not measured"}
		}
		measured, ok := check()
		return target{what, measured, verdict(ok)}
	}
	ratio := func(what, key string, least float64) target {
		return row(fmt.Sprintf("%s keep ≥ %.2f of the baseline drop rate", what, least), []string{key}, func() (string, bool) {
			return fmtRatio(sums[key].ratio.median), sums[key].ratio.median >= least
		})
	}
	exact := func(what, key string) target {
		return row(what, []string{key}, func() (string, bool) {
			s := sums[key]
			return fmt.Sprintf("exact in %d of %d runs, lost %d", s.exactRuns, s.runs, s.lost),
				s.exactRuns == s.runs && s.failed == 0 && s.lost == 0
		})
	}
	ts := []target{
		ratio("TCP storm: defaults", "plugin", minRatioDefaults),
		exact("TCP storm: defaults count exactly, lose nothing", "plugin"),
		ratio("TCP storm: events + stacks", "plugin-events", minRatioEvents),
	}
	for _, st := range []*storm{udp4Storm, udp6Storm} {
		plugin, empty := "plugin-"+st.key, "empty-"+st.key
		ts = append(ts, row(fmt.Sprintf("%s: defaults within %.2f of the empty program", st.name, maxBelowEmpty), []string{plugin, empty}, func() (string, bool) {
			p, e := sums[plugin].ratio.median, sums[empty].ratio.median
			return fmt.Sprintf("%s vs %s", fmtRatio(p), fmtRatio(e)), p >= e-maxBelowEmpty
		}), exact(st.name+": defaults count none of its drops, lose nothing", plugin))
	}
	ts = append(ts, ratio("High cardinality: 4,096 series", "plugin-ports", minRatioPorts),
		exact("High cardinality: counts exact, nothing lost", "plugin-ports"),
		exact("Both CPUs: counts exact, nothing lost", "plugin-both"))
	var measured []string
	for _, k := range pluginKeys {
		if sums[k].runs > 0 {
			measured = append(measured, k)
		}
	}
	if len(measured) == 0 {
		measured = pluginKeys // not measured
	}
	ts = append(ts, row(fmt.Sprintf("the plugin's user CPU < %.0f%% of a core, every configuration", maxUserPct), measured, func() (string, bool) {
		worst, ok := 0.0, len(measured) > 0
		for _, k := range measured {
			worst = max(worst, sums[k].userPct.median)
		}
		return fmt.Sprintf("at most %.2f%% (median of a configuration)", worst), ok && worst < maxUserPct
	}), row(fmt.Sprintf("the plugin's peak RSS < %d MB, every configuration", maxRSS>>20), measured, func() (string, bool) {
		worst := 0.0
		for _, k := range measured {
			worst = max(worst, sums[k].rss)
		}
		return fmt.Sprintf("at most %.1f MB", worst/(1<<20)), len(measured) > 0 && worst < maxRSS
	}))
	bt := sums["bpftrace-print"]
	for _, k := range []string{"plugin", "plugin-events", "tcpdrop"} {
		s := sums[k]
		ts = append(ts, row(fmt.Sprintf("%s beats bpftrace printing each drop in every figure", configName(k)), []string{k, "bpftrace-print"}, func() (string, bool) {
			return fmt.Sprintf("rate %s vs %s, %s vs %s ns/drop, %s vs %s CPU s/M, %.1f vs %.1f MB",
					fmtRatio(s.ratio.median), fmtRatio(bt.ratio.median),
					fmtInt(s.nsPerDrop.median), fmtInt(bt.nsPerDrop.median),
					fmtSig(s.cpuPerM.median), fmtSig(bt.cpuPerM.median),
					s.rss/(1<<20), bt.rss/(1<<20)),
				s.ratio.median > bt.ratio.median && s.nsPerDrop.median < bt.nsPerDrop.median &&
					s.cpuPerM.median < bt.cpuPerM.median && s.rss < bt.rss
		}))
	}
	return ts
}

func configName(key string) string {
	for _, c := range configs {
		if c.key == key {
			return c.name
		}
	}
	return key
}
