//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// A rung is one probe configuration of the ladder: the probe's run time
// per drop with one more part of its work turned on by its load-time
// constants, loaded by this process, so that nothing else differs between
// rungs. It says where the nanoseconds of a drop go.
type rung struct {
	name string
	// attach loads and attaches the program; stats reads its cumulative
	// run time and runs.
	attach func() (stats func() (time.Duration, uint64, error), close func() error, err error)
}

var defaultDims = drop.DimReason | drop.DimState | drop.DimFlags | drop.DimFrame

func probeRung(name string, dims drop.Dims, rate uint32) rung {
	return rung{name: name, attach: func() (func() (time.Duration, uint64, error), func() error, error) {
		p, err := probe.Open(probe.Options{Mode: probe.ModeAuto, Dims: dims, MaxKeys: sweepMaxKeys,
			Sampling: probe.Sampling{Rate: rate, Stack: true}})
		if err != nil {
			return nil, nil, err
		}
		// Sampled drops must be read, as the plugin does, or the ring
		// fills and later ones cost less than they would.
		go func() { _ = p.ReadEvents(100*time.Millisecond, func(probe.Batch) {}) }()
		return func() (time.Duration, uint64, error) {
			s, err := p.ProgStats()
			return s.Runtime, s.RunCount, err
		}, p.Close, nil
	}}
}

var emptyRung = rung{name: "empty tp_btf program", attach: func() (func() (time.Duration, uint64, error), func() error, error) {
	e, err := attachEmpty()
	if err != nil {
		return nil, nil, err
	}
	return func() (time.Duration, uint64, error) {
		s, err := e.prog.Stats()
		if err != nil {
			return 0, 0, err
		}
		return s.Runtime, s.RunCount, nil
	}, e.Close, nil
}}

// ladder is measured under the TCP storm; the UDP storm takes its first
// and its defaults' rungs.
var ladder = []rung{
	emptyRung,
	probeRung("probe: count by no dimension, no sampling", 0, 0),
	probeRung("+ reason, state, flags, frame", defaultDims, 0),
	probeRung("+ sampling 100/s with stacks: the defaults", defaultDims, 100),
	probeRung("+ netns: the bench's plugin rows", defaultDims|drop.DimNetns, 100),
	probeRung("+ local_port", defaultDims|drop.DimNetns|drop.DimLocalPort, 100),
}

var udpLadder = []rung{emptyRung, ladder[3]}

// rungResult is one rung's run time per drop over the rounds.
type rungResult struct {
	storm *storm
	name  string
	ns    []float64
}

// runLadder measures every rung rounds times, a short storm each, in a
// rotating order.
func runLadder(ctx context.Context, rounds int) ([]rungResult, error) {
	var out []rungResult
	for _, part := range []struct {
		st    *storm
		rungs []rung
	}{{tcpStorm, ladder}, {udp4Storm, udpLadder}} {
		res := make([]rungResult, len(part.rungs))
		for round := range rounds {
			for i := range part.rungs {
				j := (i + round) % len(part.rungs)
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				ns, err := measureRung(part.rungs[j], part.st)
				if err != nil {
					return nil, fmt.Errorf("ladder, %s: %w", part.rungs[j].name, err)
				}
				res[j].storm, res[j].name = part.st, part.rungs[j].name
				res[j].ns = append(res[j].ns, ns)
				fmt.Fprintf(os.Stderr, "bench: ladder %d/%d %s: %s %.0f ns/run\n", round+1, rounds, part.st.key, part.rungs[j].name, ns)
			}
		}
		out = append(out, res...)
	}
	return out, nil
}

// measureRung returns r's run time per run over one short storm st.
func measureRung(r rung, st *storm) (float64, error) {
	nss, err := openStorm(st)
	if err != nil {
		return 0, err
	}
	defer nss.Close()
	stats, closeProg, err := r.attach()
	if err != nil {
		return 0, err
	}
	defer closeProg()
	fd, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME)
	if err != nil {
		return 0, fmt.Errorf("enable bpf stats: %w", err)
	}
	defer fd.Close()
	t0, n0, err := stats()
	if err != nil {
		return 0, err
	}
	if _, err := nss.flood(st, costStorm); err != nil {
		return 0, err
	}
	t1, n1, err := stats()
	if err != nil {
		return 0, err
	}
	if n1 == n0 {
		return 0, fmt.Errorf("program did not run")
	}
	return float64(t1-t0) / float64(n1-n0), nil
}

// sweepSeries are the series counts of the sweep, up to the plugin's
// default max_keys.
var sweepSeries = []int{1, 64, 512, 1000, 2048, 4096}

// sweepMaxKeys leaves room for the host's own drops besides the series.
const sweepMaxKeys = 4096 + 256

// sweepPoint is the probe's run time per drop with the storm's drops
// spread over that many series.
type sweepPoint struct {
	series int
	ns     []float64
}

// runSweep measures the defaults plus netns and local_port under TCP
// storms over each of sweepSeries destination ports, rounds times.
func runSweep(ctx context.Context, rounds int) ([]sweepPoint, error) {
	r := probeRung("sweep", defaultDims|drop.DimNetns|drop.DimLocalPort, 100)
	out := make([]sweepPoint, len(sweepSeries))
	for round := range rounds {
		for i, n := range sweepSeries {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			st := &storm{key: "sweep", cpus: []int{stormCPU}, packets: spreadPorts(stormSegment, n)}
			ns, err := measureRung(r, st)
			if err != nil {
				return nil, fmt.Errorf("sweep, %d series: %w", n, err)
			}
			out[i].series = n
			out[i].ns = append(out[i].ns, ns)
			fmt.Fprintf(os.Stderr, "bench: sweep %d/%d %d series: %.0f ns/run\n", round+1, rounds, n, ns)
		}
	}
	return out, nil
}
