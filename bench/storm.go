//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
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
	// warmStorm comes before the measured storm, followed by a window, so
	// that the tracer has met the storm's drop sites and stacks: naming
	// new addresses reads all of kallsyms, once in a long-running
	// tracer's life, once per run in the bench's.
	warmStorm = 200 * time.Millisecond
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
	storm     time.Duration
	sent      int64         // storm packets, each one drop
	costSent  int64         // packets of the short storm measuring programs
	warmSent  int64         // packets of the warm-up storm, which tracers count too
	caused    int64         // the storm's SNMP counter over both storms, all namespaces
	tcp       bool          // whether the drops are TCP drops, which a tracer must count
	work      time.Duration // run time of the storm on its CPUs, see stormNS.work
	usage     usage         // the tracer's: CPU over usageTime, BPF over the short storm
	usageTime time.Duration // from before the storm to the CPU's measurement after it
	rss       int64         // the tracer's peak resident memory, bytes
	tally     tally
}

func (s sample) rate() float64 { return float64(s.sent) / s.storm.Seconds() }

// cpuRate is drops per second of the storm's run time: unlike rate, it
// does not fall when something else takes the storm's CPUs for a while.
func (s sample) cpuRate() float64 { return float64(s.sent) / s.work.Seconds() }

// share is the part of its CPUs the storm had, 1 for all of them: less
// means something else ran there too.
func (s sample) share(cpus int) float64 { return s.work.Seconds() / s.storm.Seconds() / float64(cpus) }

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

// exact tells whether the tracer counted every drop of a TCP storm, the
// warm-up's included, or none of another, and the namespaces' own counter
// agrees with the packets sent.
func (s sample) exact() bool {
	all := s.sent + s.costSent
	want := all + s.warmSent
	if !s.tcp {
		want = 0
	}
	return s.tally.counted == want && s.caused == all
}

func (s sample) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.0f drops/s, storm ran %.2f s a second, counter %d of %d", s.rate(), s.work.Seconds()/s.storm.Seconds(), s.caused, s.sent+s.costSent)
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

// stormNS are the namespaces of one storm, one per CPU that sends it.
type stormNS []*netnstest.NS

func openStorm(st *storm) (stormNS, error) {
	var nss stormNS
	for _, cpu := range st.cpus {
		ns, err := netnstest.Open()
		if err != nil {
			nss.Close()
			return nil, err
		}
		nss = append(nss, ns)
		if err := pinStorm(ns, cpu); err != nil {
			nss.Close()
			return nil, err
		}
	}
	return nss, nil
}

func (nss stormNS) Close() {
	for _, ns := range nss {
		ns.Close()
	}
}

func (nss stormNS) inodes() []uint64 {
	out := make([]uint64, len(nss))
	for i, ns := range nss {
		out[i] = ns.Inode()
	}
	return out
}

// flood sends st's packets from every namespace at once for d.
func (nss stormNS) flood(st *storm, d time.Duration) (int64, error) {
	sent := make([]int, len(nss))
	errs := make([]error, len(nss))
	var wg sync.WaitGroup
	for i, ns := range nss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i], errs[i] = ns.Flood(d, st.packets...)
		}()
	}
	wg.Wait()
	var all int64
	for _, n := range sent {
		all += int64(n)
	}
	return all, errors.Join(errs...)
}

// counter sums st's counter over the namespaces.
func (nss stormNS) counter(st *storm) (int64, error) {
	var sum int64
	for _, ns := range nss {
		c, err := ns.Counters()
		if err != nil {
			return 0, err
		}
		sum += c[st.counter]
	}
	return sum, nil
}

// work returns the run time of the namespace threads, which send the storm
// and receive it in their softirqs, plus that of their CPUs' ksoftirqd,
// which takes the softirqs over when they run long (a slow probe makes
// them longer).
func (nss stormNS) work(st *storm, ksoftirqd map[int]int) (time.Duration, error) {
	var sum time.Duration
	for i, ns := range nss {
		err := ns.Do(func() error {
			gen, err := taskCPU("/proc/thread-self/schedstat")
			sum += gen
			return err
		})
		if err != nil {
			return 0, err
		}
		soft, err := taskCPU(fmt.Sprintf("/proc/%d/schedstat", ksoftirqd[st.cpus[i]]))
		if err != nil {
			return 0, err
		}
		sum += soft
	}
	return sum, nil
}

// runOnce runs one storm of length d in fresh namespaces under c.
func runOnce(ctx context.Context, e env, c config, d time.Duration) (sample, error) {
	st := c.storm
	s := sample{storm: d, tcp: st.tcp, tally: tally{counted: unknown, lost: unknown}}
	nss, err := openStorm(st)
	if err != nil {
		return s, err
	}
	defer nss.Close()

	var t *tracer
	var before usage
	var sp spec
	if c.prepare != nil {
		if sp, err = c.prepare(e, nss.inodes()); err != nil {
			return s, err
		}
		if t, err = startTracer(sp); err != nil {
			return s, err
		}
		defer t.kill() // no-op once stopped
		if err := waitAttached(ctx, nss[0], t); err != nil {
			return s, err
		}
		if s.warmSent, err = nss.flood(st, warmStorm); err != nil {
			return s, err
		}
		warmEnd := time.Now()
		if err := endWindow(sp, t); err != nil {
			return s, err
		}
		if sp.settled != nil {
			if err := waitSettled(ctx, sp, t, warmEnd); err != nil {
				return s, err
			}
		}
		if before, err = measure(t.pid()); err != nil {
			return s, err
		}
	}
	start := time.Now()

	c0, err := nss.counter(st)
	if err != nil {
		return s, err
	}
	work0, err := nss.work(st, e.ksoftirqd)
	if err != nil {
		return s, err
	}
	if s.sent, err = nss.flood(st, d); err != nil {
		return s, err
	}
	end := time.Now()
	if err := endWindow(sp, t); err != nil {
		return s, err
	}
	work1, err := nss.work(st, e.ksoftirqd)
	if err != nil {
		return s, err
	}
	s.work = work1 - work0
	if t == nil {
		c1, err := nss.counter(st)
		s.caused = c1 - c0
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
	s.usage, s.usageTime = after.sub(before), time.Since(start)
	if s.rss, err = peakRSS(t.pid()); err != nil {
		return s, err
	}
	costEnd, err := measureCost(nss, st, t, &s)
	if err != nil {
		return s, err
	}
	if err := endWindow(sp, t); err != nil {
		return s, err
	}
	c1, err := nss.counter(st)
	if err != nil {
		return s, err
	}
	s.caused = c1 - c0
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

// endWindow asks a tracer that ends windows on a line of stdin for one.
func endWindow(sp spec, t *tracer) error {
	if t == nil || !sp.windowOnLine {
		return nil
	}
	if _, err := io.WriteString(t.stdin, "\n"); err != nil {
		return fmt.Errorf("end window: %w", err)
	}
	return nil
}

// pinStorm moves the namespace thread, which sends the storm, to cpu, so
// that the drops, and the probes that run in them, happen there.
func pinStorm(ns *netnstest.NS, cpu int) error {
	err := ns.Do(func() error {
		var set unix.CPUSet
		set.Set(cpu)
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
func measureCost(nss stormNS, st *storm, t *tracer, s *sample) (time.Time, error) {
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
	sent, err := nss.flood(st, costStorm)
	if err != nil {
		return time.Time{}, err
	}
	end := time.Now()
	after, err := measure(t.pid())
	if err != nil {
		return time.Time{}, err
	}
	s.costSent = sent
	s.usage.bpfTime, s.usage.bpfRuns = after.bpfTime-before.bpfTime, after.bpfRuns-before.bpfRuns
	return end, nil
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
