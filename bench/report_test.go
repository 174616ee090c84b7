//go:build linux

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSpreadOf(t *testing.T) {
	require.Equal(t, spread{n: 3, median: 2, min: 1, max: 5}, spreadOf([]float64{5, 1, 2}))
	require.Equal(t, spread{n: 4, median: 2.5, min: 1, max: 5}, spreadOf([]float64{5, 1, 2, 3}))
	require.Equal(t, spread{}, spreadOf(nil))
}

// fakeRun makes a sample of a 1 s storm at rate with the tracer's figures.
func fakeRun(rate int64, bpfNs int64, userMs, sysMs int, rssMB int64, counted, lost int64) sample {
	return sample{
		storm:  time.Second,
		sent:   rate,
		caused: rate,
		tcp:    true,
		work:   time.Second,
		usage: usage{
			user:    time.Duration(userMs) * time.Millisecond,
			sys:     time.Duration(sysMs) * time.Millisecond,
			bpfTime: time.Duration(bpfNs*rate) * time.Nanosecond,
			bpfRuns: uint64(rate),
		},
		rss:       rssMB << 20,
		usageTime: time.Second,
		tally:     tally{counted: counted, lost: lost},
	}
}

func testResults() *results {
	r := newResults(configs)
	for round := range 3 {
		base := int64(1_000_000 + 1000*round)
		r.add("none", round, sample{storm: time.Second, sent: base, caused: base, tcp: true, work: 900 * time.Millisecond, tally: tally{counted: unknown, lost: unknown}})
		r.add("plugin", round, fakeRun(base*95/100, 400, 5, 20, 30, base*95/100, 0))
		// Events: one run lost a count.
		r.add("plugin-events", round, fakeRun(base*80/100, 450, 10, 20, 40, base*80/100-int64(round/2), 0))
		r.add("bpftrace-print", round, fakeRun(base*10/100, 9000, 500, 300, 120, 1000, 5000))
	}
	r.fail("tcpdrop", errors.New("tcpdrop printed no summary"))
	return r
}

func TestSummarize(t *testing.T) {
	r := testResults()
	s := r.summarize(configs[2]) // plugin
	require.Equal(t, 3, s.runs)
	require.InDelta(t, 0.95, s.ratio.median, 1e-3)
	require.InDelta(t, 400, s.nsPerDrop.median, 1e-9)
	require.InDelta(t, 0.5, s.userPct.median, 1e-9)
	require.Equal(t, 3, s.exactRuns)
	require.Zero(t, s.lost)

	ev := r.summarize(configs[3])
	require.Equal(t, 2, ev.exactRuns)

	base := r.summarize(configs[0])
	require.False(t, base.traced)
	require.False(t, base.counted)
	require.EqualValues(t, unknown, base.lost)
}

func TestTargets(t *testing.T) {
	r := testResults()
	sums := map[string]summary{}
	for _, c := range configs {
		sums[c.key] = r.summarize(c)
	}
	met := map[string]string{}
	for _, tg := range targets(sums) {
		met[tg.what] = tg.met
	}
	require.Equal(t, map[string]string{
		"TCP storm: defaults keep ≥ 0.93 of the baseline drop rate":                           "yes",
		"TCP storm: defaults count exactly, lose nothing":                                     "yes",
		"TCP storm: events + stacks keep ≥ 0.85 of the baseline drop rate":                    "**no**",
		"UDP storm over IPv4, one CPU: defaults within 0.02 of the empty program":             "not measured",
		"UDP storm over IPv4, one CPU: defaults count none of its drops, lose nothing":        "not measured",
		"UDP storm over IPv6, one CPU: defaults within 0.02 of the empty program":             "not measured",
		"UDP storm over IPv6, one CPU: defaults count none of its drops, lose nothing":        "not measured",
		"High cardinality: 4,096 series keep ≥ 0.85 of the baseline drop rate":                "not measured",
		"High cardinality: counts exact, nothing lost":                                        "not measured",
		"Both CPUs: counts exact, nothing lost":                                               "not measured",
		"the plugin's user CPU < 1% of a core, every configuration":                           "**no**",
		"the plugin's peak RSS < 50 MB, every configuration":                                  "yes",
		"telegraf-tcpdrop, defaults beats bpftrace printing each drop in every figure":        "yes",
		"telegraf-tcpdrop, events + stacks beats bpftrace printing each drop in every figure": "yes",
		"tcpdrop > /dev/null beats bpftrace printing each drop in every figure":               "not measured",
	}, met)
}

func TestWriteReportKeepsReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs", "benchmarks.md")
	rep := report{
		machine: machine{cpu: "Test CPU", os: "Test OS", kernel: "6.18 x86_64", bpftrace: "bpftrace v0.17.0", goVersion: "go1.26", cpus: 2},
		when:    time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC),
		storm:   time.Second,
		rounds:  3,
		configs: configs,
		results: testResults(),
	}
	require.NoError(t, writeReport(path, rep.render))
	first, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(first), "| no tracer | 1001k (1000k–1002k) | 1.00 (1.00–1.00) | 90% (90%–90%) | 1.00 (1.00–1.00) | – |")
	require.Contains(t, string(first), "| telegraf-tcpdrop, defaults | 951k (950k–952k) | 0.95 (0.95–0.95) | 100% (100%–100%) | 0.86 (0.85–0.86) | 400 (400–400) |")
	require.Contains(t, string(first), "| tcpdrop > /dev/null | – | – | – | – | – | – | – | – | n/a | n/a |")
	require.Contains(t, string(first), "## Failed runs\n\n- tcpdrop printed no summary\n")
	require.True(t, strings.HasSuffix(string(first), defaultReading))

	// A hand-written Reading survives the next run, the rest is replaced.
	edited := strings.Replace(string(first), defaultReading, readingHeading+"\n\nThe plugin is cheap.\n", 1)
	edited = strings.Replace(edited, "Test OS", "Old OS", 1)
	require.NoError(t, os.WriteFile(path, []byte(edited), 0o644))
	require.NoError(t, writeReport(path, rep.render))
	second, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(second), "\n"+readingHeading+"\n\nThe plugin is cheap.\n"))
	require.Equal(t, string(first[:len(first)-len(defaultReading)]), string(second[:len(second)-len("## Reading\n\nThe plugin is cheap.\n")]))
	require.NotContains(t, string(second), "Old OS")
}
