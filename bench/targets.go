//go:build linux

package main

import "fmt"

// The targets for the storm.
const (
	minRatioDefaults = 0.90 // of the baseline drop rate, defaults
	minRatioEvents   = 0.85 // with event_metrics on
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
	def, ev := sums["plugin"], sums["plugin-events"]
	ts := []target{
		row(fmt.Sprintf("defaults keep ≥ %.2f of the baseline drop rate", minRatioDefaults), []string{baselineKey, "plugin"}, func() (string, bool) {
			return fmtRatio(def.ratio.median), def.ratio.median >= minRatioDefaults
		}),
		row("defaults: exact window counts, nothing lost", []string{"plugin"}, func() (string, bool) {
			return fmt.Sprintf("exact in %d of %d runs, lost %d", def.exactRuns, def.runs, def.lost),
				def.exactRuns == def.runs && def.failed == 0 && def.lost == 0
		}),
		row(fmt.Sprintf("defaults: the plugin's user CPU < %.0f%% of a core", maxUserPct), []string{"plugin"}, func() (string, bool) {
			return fmt.Sprintf("%.2f%% (max %.2f%%)", def.userPct.median, def.userPct.max), def.userPct.median < maxUserPct
		}),
		row(fmt.Sprintf("defaults: peak RSS < %d MB", maxRSS>>20), []string{"plugin"}, func() (string, bool) {
			return fmt.Sprintf("%.1f MB", def.rss/(1<<20)), def.rss < maxRSS
		}),
		row(fmt.Sprintf("events + stacks keep ≥ %.2f of the baseline drop rate", minRatioEvents), []string{baselineKey, "plugin-events"}, func() (string, bool) {
			return fmtRatio(ev.ratio.median), ev.ratio.median >= minRatioEvents
		}),
	}
	bt := sums["bpftrace-print"]
	for _, k := range []string{"plugin", "plugin-events", "tcpdrop"} {
		s := sums[k]
		ts = append(ts, row(fmt.Sprintf("%s beats bpftrace printing each drop in every figure", configName(k)), []string{baselineKey, k, "bpftrace-print"}, func() (string, bool) {
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
