//go:build linux

package main

import (
	"fmt"
)

// renderParts writes the ladder, the sweep and the window cost, if measured.
func (r report) renderParts(p func(string, ...any)) {
	if len(r.ladder) > 0 {
		p("\n## Where the nanoseconds go\n\n")
		p("The probe loaded by the bench itself with one more part of its work turned on per row by its load-time constants, each row under a short storm of %v with `BPF_ENABLE_STATS` on, %d rounds in a rotating order: `run_time_ns / run_cnt`, median (range). ", costStorm, r.rounds)
		p("The statistics' own two clock reads are in every row, the empty program's included; the differences between rows are what each part costs a drop.\n\n")
		p("| Probe | Storm | ns per drop | Added by the row |\n|---|---|--:|--:|\n")
		for i, rr := range r.ladder {
			s := spreadOf(rr.ns)
			added := "–"
			if i > 0 && r.ladder[i-1].storm == rr.storm {
				added = fmt.Sprintf("%+.0f", s.median-spreadOf(r.ladder[i-1].ns).median)
			}
			p("| %s | %s | %s | %s |\n", rr.name, rr.storm.name, fmtSpread(s, fmtInt), added)
		}
	}
	if len(r.sweep) > 0 {
		p("\n## Cost as work grows\n\n")
		p("### Per drop, by series\n\n")
		p("The probe with the defaults plus `netns` and `local_port`, under TCP storms spread over 1 to %d destination ports, so that a window holds that many series (`max_keys` %d); a storm of %v each with `BPF_ENABLE_STATS` on, %d rounds.\n\n", sweepSeries[len(sweepSeries)-1], sweepMaxKeys, costStorm, r.rounds)
		p("![Probe run time per drop against series](%s)\n\n| Series | ns per drop |\n|--:|--:|\n", nsPlotFile)
		for _, pt := range r.sweep {
			p("| %d | %s |\n", pt.series, fmtSpread(spreadOf(pt.ns), fmtInt))
		}
	}
	if len(r.windows) > 0 {
		r.renderWindows(p)
	}
}

// renderWindows writes the window cost table: this machine's, and with
// the read emulated for 128 possible CPUs.
func (r report) renderWindows(p func(string, ...any)) {
	var local, emulated []windowCost
	for _, c := range r.windows {
		if c.emulated {
			emulated = append(emulated, c)
		} else {
			local = append(local, c)
		}
	}
	p("\n### Per window, by series\n\n")
	p("`probe.Window` in two parts, measured by `internal/probe`'s `BenchmarkWindow` (%d windows each, mean): the **swap**, which installs the empty map and waits for an RCU grace period so that no program still writes to the old one, and the **read** of the old map, every key with one value per possible CPU, read and deleted a batch of keys per system call. The plot adds the two. ", windowRuns)
	p("Per-CPU maps are sized by the kernel's possible CPUs, which a running machine cannot change. The emulation reads an ordinary hash map whose values hold one slot per CPU for 128 CPUs, so that the kernel copies out, and Go sums, what it would on such a machine. ")
	p("It cannot emulate the kernel's walk over each CPU's per-CPU area (one copy per CPU instead of one copy of the whole value) nor how much longer a grace period takes with more CPUs to pass through one: the totals take this machine's swap for both. ")
	p("The plugin's whole window is `Gather` of the plugin run in the bench's process (defaults plus `netns` and `local_port`, listener scan off: it costs per namespace, not per series) and Telegraf's line-protocol serializer on what it gathered, median (range) of %d windows each filled by a storm over as many ports: swap, read, naming, and rendering.\n\n", renderRuns)
	p("![Window time against series](%s)\n\n", windowPlotFile)
	cpus := 0
	if len(local) > 0 {
		cpus = local[0].cpus
	}
	p("| Part | %d possible CPUs (this machine) | 128 possible CPUs (read emulated) |\n|---|--:|--:|\n", cpus)
	ms := func(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }
	for _, c := range local {
		if c.series == 0 {
			p("| swap | %s | (this machine's) |\n", ms(c.ns))
			continue
		}
		other := "–"
		for _, e := range emulated {
			if e.series == c.series {
				other = ms(e.ns)
			}
		}
		p("| read, %d series | %s | %s |\n", c.series, ms(c.ns), other)
	}
	for _, rc := range r.plugin {
		p("| the plugin's whole window, %d series | %s | |\n", rc.series, fmtSpread(spreadOf(rc.ns), func(x float64) string { return ms(x) }))
	}
}
