//go:build linux

// Command bench measures what tracing TCP drops costs while the kernel drops
// packets as fast as the CPUs can, in several shapes of load (storms.go): a
// generator pinned to CPU 0 floods a fresh network namespace on loopback
// with packets that are each one drop in the generator's own softirq
// (bad-checksum TCP SYNs, to one port or to 4,096; bad-checksum UDP over
// IPv4 and IPv6; TCP from both CPUs at once), while the tracer under test
// runs on CPU 1. Every configuration, no tracer included, runs in every
// round, and the tables in docs/benchmarks.md give medians over the rounds.
// Then it measures where a drop's nanoseconds go, how they grow with the
// series, and what a window costs, and plots the last two.
//
// It needs root, at least two CPUs, bpftrace, Go (for BenchmarkWindow) and
// the binaries of make build.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cilium/ebpf/btf"

	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// CPUs of the storm and of everything else, the tracers and this program.
const (
	stormCPU  = 0
	tracerCPU = 1
)

func main() {
	var o options
	flag.DurationVar(&o.storm, "storm", 4*time.Second, "length of one storm")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds; each runs every configuration once")
	flag.StringVar(&o.bin, "bin", "bin", "directory with telegraf-tcpdrop and tcpdrop")
	flag.StringVar(&o.out, "out", "docs/benchmarks.md", "report to write (its Reading section is kept)")
	flag.BoolVar(&o.parts, "parts", true, "also measure the probe's parts (ladder), the series sweep and the window cost, and plot them")
	only := flag.String("only", "", "comma-separated configuration keys to run (default all): "+strings.Join(configKeys(), ","))
	var so soakOptions
	flag.DurationVar(&so.storm, "soak", 0, "instead of the benchmark, soak the plugin: a storm this long with a slow reader, then -restarts restarts")
	flag.DurationVar(&so.every, "soak_every", time.Minute, "how often the soak samples the plugin")
	flag.IntVar(&so.restarts, "restarts", 50, "restarts of the plugin in the soak")
	emptyProbe := flag.Bool("empty_probe", false, "attach an empty tp_btf program to skb:kfree_skb until stdin closes (the bench runs itself so)")
	flag.Parse()
	if *emptyProbe {
		if err := runEmpty(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *only != "" {
		o.only = strings.Split(*only, ",")
	}
	so.bin, so.out = o.bin, o.out
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if so.storm > 0 {
		err = runSoak(ctx, so)
	} else {
		err = run(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	storm  time.Duration
	rounds int
	bin    string
	out    string
	only   []string
	parts  bool
}

func run(ctx context.Context, o options) error {
	if o.rounds < 1 || o.storm <= 0 {
		return errors.New("rounds and storm must be positive")
	}
	selected, err := selectConfigs(o.only)
	if err != nil {
		return err
	}
	// Fails at once if bpftrace is missing.
	m, err := describeMachine()
	if err != nil {
		return err
	}
	unmount, err := mountTracefs()
	if err != nil {
		return err
	}
	defer unmount()
	if _, err := exec.LookPath("taskset"); err != nil {
		return err
	}
	if err := pinProcess(tracerCPU); err != nil {
		return err
	}
	dec, err := reasons.NewKernel(btf.NewCache())
	if err != nil {
		return err
	}
	csum, ok := dec.Value("TCP_CSUM")
	if !ok {
		return errors.New("kernel has no TCP_CSUM drop reason")
	}
	tmp, err := os.MkdirTemp(memDir(), "tcpdrop-bench-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	e := env{bin: o.bin, tmp: tmp, csumReason: csum, ksoftirqd: map[int]int{}}
	for _, cpu := range []int{stormCPU, tracerCPU} {
		if e.ksoftirqd[cpu], err = findKsoftirqd(cpu); err != nil {
			return err
		}
	}
	if e.self, err = os.Executable(); err != nil {
		return err
	}

	results := newResults(selected)
	var failed []error
	for round := range o.rounds {
		// A different order each round, so that slow drift of the machine
		// does not always hit the same configuration.
		for i := range selected {
			c := selected[(i+round)%len(selected)]
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := runOnce(ctx, e, c, o.storm)
			if err != nil {
				err = fmt.Errorf("round %d, %s: %w", round+1, c.key, err)
				fmt.Fprintln(os.Stderr, "bench:", err)
				failed = append(failed, err)
				results.fail(c.key, err)
				continue
			}
			fmt.Fprintf(os.Stderr, "bench: round %d/%d %-14s %s\n", round+1, o.rounds, c.key, s)
			results.add(c.key, round, s)
		}
	}
	r := report{machine: m, when: time.Now(), storm: o.storm, rounds: o.rounds, configs: selected, results: results}
	if o.parts {
		if err := measureParts(ctx, o, &r); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			failed = append(failed, err)
		}
	}
	if err := writeReport(o.out, r.render); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "bench: wrote", o.out)
	return errors.Join(failed...)
}

// memDir is where tracers' output goes: in memory if the machine has a
// tmpfs at /dev/shm, so writing it costs them no more than a copy.
func memDir() string {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err == nil && st.Type == unix.TMPFS_MAGIC {
		return "/dev/shm"
	}
	return ""
}

// pinProcess moves every thread of this process to cpu. Threads created
// later inherit it, children too; the storm thread pins itself elsewhere.
func pinProcess(cpu int) error {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return fmt.Errorf("get affinity: %w", err)
	}
	if !set.IsSet(stormCPU) || !set.IsSet(tracerCPU) {
		return fmt.Errorf("need CPUs %d and %d, may use %d CPUs", stormCPU, tracerCPU, set.Count())
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list threads: %w", err)
	}
	set.Zero()
	set.Set(cpu)
	for _, t := range tasks {
		var tid int
		if _, err := fmt.Sscan(t.Name(), &tid); err != nil {
			return fmt.Errorf("thread %q: %w", t.Name(), err)
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("pin thread %d: %w", tid, err)
		}
	}
	return nil
}
