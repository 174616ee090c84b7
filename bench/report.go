//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// readingHeading starts the hand-written part of the report, which a new
// run keeps.
const readingHeading = "## Reading"

const defaultReading = readingHeading + `

(Hand-written: what the numbers above say. A new run keeps this section
when it writes the report again.)
`

type report struct {
	machine machine
	when    time.Time
	storm   time.Duration
	rounds  int
	configs []config
	results *results
	ladder  []rungResult
	sweep   []sweepPoint
	windows []windowCost
	plugin  []renderCost
}

// writeReport writes what render writes to path, keeping the Reading
// section of the file it replaces.
func writeReport(path string, render func(io.Writer)) error {
	reading := defaultReading
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		if i := bytes.Index(old, []byte("\n"+readingHeading+"\n")); i >= 0 {
			reading = string(old[i+1:])
		}
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read old report: %w", err)
	}
	var b bytes.Buffer
	render(&b)
	b.WriteString("\n" + reading)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (r report) render(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	m := r.machine
	p("# Drop-storm benchmark\n\n")
	p("<!-- Written by `make bench` (bench/). A new run replaces everything above %q; edit only that section. -->\n\n", readingHeading)
	p("What tracing TCP drops costs while the kernel drops packets as fast as a CPU can, in the shapes of load hosts see. ")
	p("In each storm a generator thread sends packets from a raw socket (`sendmmsg` batches) to the loopback address of a fresh network namespace for %v, pinned to CPU %d (to both CPUs in the last storm). ", r.storm, stormCPU)
	p("Each packet is exactly one drop of a known reason, in the softirq the sending CPU runs when the send returns, so whatever a probe costs per drop comes off the generator's rate. ")
	p("The tracer runs on CPU %d. Each of %d rounds runs every configuration once, in a rotating order; figures are medians over the rounds, with the range in parentheses; every ratio is against no tracer under the same storm in the same round.\n\n", tracerCPU, r.rounds)
	p("Measured %s on %s, kernel %s, %d CPUs (%s); %s, %s.\n\n", r.when.UTC().Format("2006-01-02 15:04 MST"), m.os, m.kernel, m.cpus, m.cpu, m.bpftrace, m.goVersion)

	sums := map[string]summary{}
	p("## Results\n\n")
	for _, st := range storms {
		var cs []config
		for _, c := range r.configs {
			if c.storm == st {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			continue
		}
		p("### %s\n\nThe storm: %s\n\n", st.name, st.about)
		p("| Configuration | Drops/s | vs no tracer | Storm's share of its CPUs | Per CPU-second vs no tracer | Kernel ns per drop | CPU s per M drops | CPU %% of a core, user / sys | Peak RSS | Exact count | Lost |\n")
		p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, c := range cs {
			s := r.results.summarize(c)
			sums[c.key] = s
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.name,
				fmtSpread(s.rate, fmtRate), fmtSpread(s.ratio, fmtRatio),
				fmtSpread(s.share, fmtPct), fmtSpread(s.cpuRatio, fmtRatio),
				traced(s, fmtSpread(s.nsPerDrop, fmtInt)), traced(s, fmtSpread(s.cpuPerM, fmtSig)),
				traced(s, fmt.Sprintf("%.2f / %.2f", s.userPct.median, s.sysPct.median)),
				traced(s, fmt.Sprintf("%.1f MB", s.rss/(1<<20))),
				fmtExact(s), fmtLost(s))
		}
		p("\n")
	}
	agree, runs := r.results.generatorExact()
	p("- **Drops/s**: packets sent over the storm's length; in %d of %d runs the namespaces' counter of the storm's drops grew by exactly the packets sent.\n", agree, runs)
	p("- **vs no tracer**: the rate over the same round's rate without a tracer under the same storm.\n")
	p("- **Storm's share of its CPUs**: run time (`schedstat`) of the generator threads, their softirqs included, and of their CPUs' `ksoftirqd`, which takes over softirqs that run long, over the storm's length and CPUs. Below 100%%, something else ran there (another process, the tracer when the storm uses CPU %d, or the hypervisor: steal), and the run was slower for reasons other than the probe.\n", tracerCPU)
	p("- **Per CPU-second vs no tracer**: drops per second of that run time, over the same round's without a tracer: the cost of tracing with the time lost to other work taken out. It equals the ratio before it when the storm had its CPUs to itself.\n")
	p("- **Kernel ns per drop**: the tracer's BPF programs, `run_time_ns / run_cnt`, over a second storm of %v run right after the main one with `BPF_ENABLE_STATS` on. The statistics cost every program run two clock reads, so the main storm, which gives the rates, runs without them, as production does. The second storm's drops are in the exact-count check too.\n", costStorm)
	p("- **CPU**: `utime + stime` of the tracer's process from the storm's start to %v after its end, so that work left queued counts, the window rendered after the storm included (resolution 10 ms); per million drops, and as a share of one core over that time.\n", drainTime)
	p("- **Peak RSS**: `VmHWM` of the tracer's process, the highest of all runs.\n")
	p("- **Exact count**: runs in which the tracer's count of the storm's drops equals the packets sent, those of a %v warm-up storm before the measured one included, and the namespaces' counter equals the measured storms' (for a UDP storm: counted none); the plugin: the sum of the windows' `drops` tagged with the bench namespaces (and the storm's reason, for a TCP storm); tcpdrop: the count in its summary; bpftrace printing: the storm's drops it printed; bpftrace counting: its map's count (host-wide, so another `TCP_CSUM` drop on the host meanwhile makes it inexact).\n", warmStorm)
	p("- **Lost**: summed over runs. The plugin: `tcpdrop_probe`'s `map_full + recursion_misses + lost + events_shed`; bpftrace: its \"Lost N events\".\n\n")

	p("### Configurations\n\n")
	for _, c := range r.configs {
		p("- **%s** (%s): %s\n", c.name, c.storm.name, c.about)
	}

	r.renderParts(p)

	p("\n## Targets\n\n| Target | Measured | Met |\n|---|---|---|\n")
	for _, t := range targets(sums) {
		p("| %s | %s | %s |\n", t.what, t.measured, t.met)
	}

	var failures []string
	for _, c := range r.configs {
		for _, err := range r.results.errs[c.key] {
			failures = append(failures, err.Error())
		}
	}
	if len(failures) > 0 {
		p("\n## Failed runs\n\n")
		for _, f := range failures {
			p("- %s\n", strings.ReplaceAll(f, "\n", " "))
		}
	}
}

// traced shows s only for configurations with a tracer.
func traced(sum summary, s string) string {
	if !sum.traced || sum.runs == 0 {
		return "–"
	}
	return s
}

func fmtSpread(s spread, f func(float64) string) string {
	if s.n == 0 {
		return "–"
	}
	if s.n == 1 {
		return f(s.median)
	}
	return fmt.Sprintf("%s (%s–%s)", f(s.median), f(s.min), f(s.max))
}

func fmtRate(x float64) string  { return fmt.Sprintf("%.0fk", x/1e3) }
func fmtRatio(x float64) string { return fmt.Sprintf("%.2f", x) }
func fmtInt(x float64) string   { return fmt.Sprintf("%.0f", x) }
func fmtPct(x float64) string   { return fmt.Sprintf("%.0f%%", 100*x) }
func fmtSig(x float64) string   { return fmt.Sprintf("%.3g", x) }

func fmtExact(s summary) string {
	if !s.counted {
		return "n/a"
	}
	return fmt.Sprintf("%d of %d", s.exactRuns, s.runs)
}

func fmtLost(s summary) string {
	if s.lost == unknown {
		return "n/a"
	}
	return fmt.Sprint(s.lost)
}
