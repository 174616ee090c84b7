//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
)

// windowCost is what one part of Window took: the swap (series 0) or the
// read of a window with that many series.
type windowCost struct {
	cpus     int
	emulated bool
	series   int
	ns       float64 // per window
}

// windowLineRE matches BenchmarkWindow's result lines.
var windowLineRE = regexp.MustCompile(`^BenchmarkWindow/cpus=(\d+)/emulated=(true|false)/(swap|read/series=(\d+))\S*\s+\d+\s+(\d+(?:\.\d+)?) ns/op`)

// windowRuns is how many windows each size of BenchmarkWindow swaps.
const windowRuns = 30

// measureWindows runs internal/probe's BenchmarkWindow, which needs the
// probe package's own code, so it runs as go test; this program runs from
// the module's root (make bench).
func measureWindows(ctx context.Context) ([]windowCost, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^$", "-bench", "^BenchmarkWindow$",
		"-benchtime", fmt.Sprintf("%dx", windowRuns), "./internal/probe")
	cmd.Env = append(os.Environ(), "TCPDROP_REQUIRE_PRIVILEGED=1", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("BenchmarkWindow: %w: %s", err, lastLines(out, 5))
	}
	return parseWindowCosts(out)
}

func parseWindowCosts(out []byte) ([]windowCost, error) {
	var costs []windowCost
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := windowLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		c := windowCost{emulated: m[2] == "true"}
		var err error
		if c.cpus, err = strconv.Atoi(m[1]); err != nil {
			return nil, err
		}
		if m[3] != "swap" {
			if c.series, err = strconv.Atoi(m[4]); err != nil {
				return nil, err
			}
		}
		if c.ns, err = strconv.ParseFloat(m[5], 64); err != nil {
			return nil, err
		}
		costs = append(costs, c)
	}
	if len(costs) == 0 {
		return nil, fmt.Errorf("BenchmarkWindow printed no results")
	}
	return costs, sc.Err()
}

// measureParts measures where a drop's nanoseconds go, how they grow with
// the series, and what a window costs, into r, and draws the plots next to
// the report.
func measureParts(ctx context.Context, o options, r *report) error {
	var err error
	if r.ladder, err = runLadder(ctx, o.rounds); err != nil {
		return err
	}
	if r.sweep, err = runSweep(ctx, o.rounds); err != nil {
		return err
	}
	if r.windows, err = measureWindows(ctx); err != nil {
		return err
	}
	if r.plugin, err = measureRender(ctx, []int{1, 1000, 4096}); err != nil {
		return err
	}
	dir := filepath.Dir(o.out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	if err := plotNsPerDrop(filepath.Join(dir, nsPlotFile), r.sweep); err != nil {
		return err
	}
	return plotWindows(filepath.Join(dir, windowPlotFile), r.windows, r.plugin)
}

// windowTotals adds this machine's swap to each read: what a window of that
// many series costs in all. The swap cannot be emulated, so the emulated
// reads get this machine's.
func windowTotals(costs []windowCost) []windowCost {
	var swap float64
	for _, c := range costs {
		if c.series == 0 && !c.emulated {
			swap = c.ns
		}
	}
	var out []windowCost
	for _, c := range costs {
		if c.series != 0 {
			c.ns += swap
			out = append(out, c)
		}
	}
	return out
}
