//go:build linux

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

const (
	// attachTimeout bounds a tracer's start until its programs run;
	// bpftrace compiles its script first.
	attachTimeout = 60 * time.Second
	// pollEvery paces the waits for a tracer.
	pollEvery = 100 * time.Millisecond
	// drainTime is how long after the storm a tracer's usage still counts.
	drainTime = time.Second
	// costStorm is the length of the second, short storm that measures the
	// tracer's programs with run-time statistics on. They add two clock
	// reads to every run, so the main storm, whose rate is the result,
	// runs without them, as a production host does.
	costStorm = time.Second
)

var (
	// stormSegment is dropped with reason TCP_CSUM, and answered by nothing.
	stormSegment = netnstest.Segment{Network: "tcp4", SrcPort: 40000, DstPort: 40001, Flags: netnstest.SYN, Window: 65535, BadChecksum: true}
	// warmSegment is a good SYN to a closed port: two NO_SOCKET drops (the
	// SYN and the RST answering it) that make a fresh probe run, without
	// adding to the storm's TCP_CSUM count.
	warmSegment = netnstest.Segment{Network: "tcp4", SrcPort: 40002, DstPort: 40003, Flags: netnstest.SYN, Window: 65535}
)

// sample is one run of one configuration.
type sample struct {
	storm      time.Duration
	sent       int64         // storm packets, each one TCP_CSUM drop
	costSent   int64         // packets of the short storm measuring programs
	csumErrors int64         // the namespace's Tcp InCsumErrors over both storms
	work       time.Duration // run time of the storm on stormCPU, see stormWork
	usage      usage         // the tracer's: CPU over the storm, BPF over the short storm
	rss        int64         // the tracer's peak resident memory, bytes
	tally      tally
}

func (s sample) rate() float64 { return float64(s.sent) / s.storm.Seconds() }

// cpuRate is drops per second of the storm's run time: unlike rate, it
// does not fall when something else takes stormCPU for a while.
func (s sample) cpuRate() float64 { return float64(s.sent) / s.work.Seconds() }

// share is the part of stormCPU the storm had: less than 1 means something
// else ran there too.
func (s sample) share() float64 { return s.work.Seconds() / s.storm.Seconds() }

// nsPerDrop is the run time of the tracer's programs per run.
func (s sample) nsPerDrop() float64 {
	if s.usage.bpfRuns == 0 {
		return 0
	}
	return float64(s.usage.bpfTime.Nanoseconds()) / float64(s.usage.bpfRuns)
}

// cpuPerMillion is the tracer's CPU seconds, user plus system, per
// million drops.
func (s sample) cpuPerMillion() float64 {
	return (s.usage.user + s.usage.sys).Seconds() / (float64(s.sent) / 1e6)
}

// exact tells whether the tracer counted every drop of the storm, and the
// namespace's own counter agrees.
func (s sample) exact() bool {
	all := s.sent + s.costSent
	return s.tally.counted == all && s.csumErrors == all
}

func (s sample) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.0f drops/s, storm had %.0f%% of its CPU, InCsumErrors %d of %d", s.rate(), 100*s.share(), s.csumErrors, s.sent+s.costSent)
	if s.usage.bpfRuns > 0 {
		fmt.Fprintf(&b, ", bpf %.0f ns/run, cpu user %v sys %v, peak rss %.1f MB",
			s.nsPerDrop(), s.usage.user, s.usage.sys, float64(s.rss)/(1<<20))
	}
	if s.tally.counted != unknown {
		fmt.Fprintf(&b, ", counted %d", s.tally.counted)
	}
	if s.tally.lost != unknown {
		fmt.Fprintf(&b, ", lost %d", s.tally.lost)
	}
	return b.String()
}

// runOnce runs one storm of length d in a fresh namespace under c.
func runOnce(ctx context.Context, e env, c config, d time.Duration) (sample, error) {
	s := sample{storm: d, tally: tally{counted: unknown, lost: unknown}}
	ns, err := netnstest.Open()
	if err != nil {
		return s, err
	}
	defer ns.Close()
	if err := pinStorm(ns); err != nil {
		return s, err
	}

	var t *tracer
	var before usage
	var sp spec
	if c.prepare != nil {
		if sp, err = c.prepare(e, ns.Inode()); err != nil {
			return s, err
		}
		if t, err = startTracer(sp); err != nil {
			return s, err
		}
		defer t.kill() // no-op once stopped
		if err := waitAttached(ctx, ns, t); err != nil {
			return s, err
		}
		if before, err = measure(t.pid()); err != nil {
			return s, err
		}
	}

	c0, err := ns.Counters()
	if err != nil {
		return s, err
	}
	work0, err := stormWork(ns, e.ksoftirqd)
	if err != nil {
		return s, err
	}
	sent, err := ns.Flood(stormSegment, d)
	if err != nil {
		return s, err
	}
	end := time.Now()
	work1, err := stormWork(ns, e.ksoftirqd)
	if err != nil {
		return s, err
	}
	s.sent, s.work = int64(sent), work1-work0
	if t == nil {
		c1, err := ns.Counters()
		s.csumErrors = c1.Delta(c0, "Tcp:InCsumErrors")
		return s, err
	}

	if sp.settled != nil {
		if err := waitSettled(ctx, sp, t, end); err != nil {
			return s, err
		}
	}
	// Work the storm left queued (events not read yet) is its cost too.
	time.Sleep(time.Until(end.Add(drainTime)))
	after, err := measure(t.pid())
	if err != nil {
		return s, err
	}
	s.usage = after.sub(before)
	if s.rss, err = peakRSS(t.pid()); err != nil {
		return s, err
	}
	costEnd, err := measureCost(ns, t, &s)
	if err != nil {
		return s, err
	}
	c1, err := ns.Counters()
	if err != nil {
		return s, err
	}
	s.csumErrors = c1.Delta(c0, "Tcp:InCsumErrors")
	if sp.settled != nil {
		if err := waitSettled(ctx, sp, t, costEnd); err != nil {
			return s, err
		}
	}
	if err := t.stop(sp.viaStdin); err != nil {
		return s, err
	}
	if sp.tally != nil {
		if s.tally, err = sp.tally(t.stderr.Bytes()); err != nil {
			return s, err
		}
	}
	return s, nil
}

// pinStorm moves the namespace thread, which sends the storm, to stormCPU,
// so that the drops, and the probes that run in them, happen there.
func pinStorm(ns *netnstest.NS) error {
	err := ns.Do(func() error {
		var set unix.CPUSet
		set.Set(stormCPU)
		return unix.SchedSetaffinity(0, &set)
	})
	if err != nil {
		return fmt.Errorf("pin storm thread: %w", err)
	}
	return nil
}

// measureCost runs the short storm with BPF run-time statistics on and
// puts the tracer's program time and runs over it into s.usage. It returns
// when the storm ended.
func measureCost(ns *netnstest.NS, t *tracer, s *sample) (time.Time, error) {
	// Closing the fd, or exiting however we do, turns them off again.
	stats, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME)
	if err != nil {
		return time.Time{}, fmt.Errorf("enable bpf stats: %w", err)
	}
	defer stats.Close()
	before, err := measure(t.pid())
	if err != nil {
		return time.Time{}, err
	}
	sent, err := ns.Flood(stormSegment, costStorm)
	if err != nil {
		return time.Time{}, err
	}
	end := time.Now()
	after, err := measure(t.pid())
	if err != nil {
		return time.Time{}, err
	}
	s.costSent = int64(sent)
	s.usage.bpfTime, s.usage.bpfRuns = after.bpfTime-before.bpfTime, after.bpfRuns-before.bpfRuns
	return end, nil
}

// stormWork returns the run time of the namespace thread, which sends the
// storm and receives it in its softirqs, plus that of ksoftirqd, which
// takes the softirqs over when they run long (a slow probe makes them
// longer).
func stormWork(ns *netnstest.NS, ksoftirqd int) (time.Duration, error) {
	var gen time.Duration
	err := ns.Do(func() error {
		var err error
		gen, err = taskCPU("/proc/thread-self/schedstat")
		return err
	})
	if err != nil {
		return 0, err
	}
	soft, err := taskCPU(fmt.Sprintf("/proc/%d/schedstat", ksoftirqd))
	return gen + soft, err
}

// waitAttached returns once the tracer's BPF programs run. Each poll makes
// two drops in the namespace (warmSegment) so that they run even on a quiet
// host.
func waitAttached(ctx context.Context, ns *netnstest.NS, t *tracer) error {
	// Runs are counted only with the statistics on.
	stats, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME)
	if err != nil {
		return fmt.Errorf("enable bpf stats: %w", err)
	}
	defer stats.Close()
	deadline := time.Now().Add(attachTimeout)
	for time.Now().Before(deadline) {
		if err := t.alive(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		held, err := heldObjects(t.pid())
		if err != nil {
			return err
		}
		if len(held.progs) > 0 {
			_, runs, err := progStats(held.progs)
			if err != nil {
				return err
			}
			if runs > 0 {
				return nil
			}
		}
		if err := ns.SendRaw(warmSegment, 1); err != nil {
			return err
		}
		time.Sleep(pollEvery)
	}
	return fmt.Errorf("tracer's programs did not run within %v: %s", attachTimeout, lastLines(t.stderr.Bytes(), 5))
}

// waitSettled waits until sp.settled says the tracer reported the storm.
func waitSettled(ctx context.Context, sp spec, t *tracer, end time.Time) error {
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		if err := t.alive(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ok, err := sp.settled(end)
		if err != nil || ok {
			return err
		}
		time.Sleep(pollEvery)
	}
	return fmt.Errorf("no report from after the storm within %v", settleTimeout)
}
