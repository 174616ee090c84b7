package tracer

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/owner"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// Config is what to trace.
type Config struct {
	// Probe fixes what the kernel counts and samples; Start fills in its
	// reason filters from Include and Exclude.
	Probe            probe.Options
	Include, Exclude reasons.List
	// Window is how long windows are expected to be until one was
	// measured; it sizes the first window's sample store. 0 means 10 s.
	Window time.Duration
	// KernelReasons replaces reasons.NewKernel in tests, which take the
	// path of a kernel without drop reasons with it.
	KernelReasons func(*btf.Cache) (*reasons.Decoder, error)
	// Owners, when set, has each snapshot say whose its drops are: the
	// cgroups and containers of its keys (if grouped by cgroup or
	// container) and of its samples.
	Owners *owner.Config
	Log    owner.Logger
}

// Tracer is a running probe with its naming and its ring reader. It is the
// one owner of the probe: Close detaches it.
type Tracer struct {
	probe    *probe.Probe
	info     probe.Info
	names    *drop.Namer
	naming   error // why names could not be read at start
	named    error // the last naming outcome, for snapshots without addresses
	dims     drop.Dims
	sampling probe.Sampling
	cpus     int
	maxKeys  uint32

	owners *owner.Resolver // nil unless Config.Owners

	store   *store        // nil without sampling
	flushed chan struct{} // the reader handed over a flush
	reading chan struct{} // closed when the reader ends
	readErr error         // why the reader ended, once reading is closed

	mu    sync.Mutex // one snapshot at a time, and Close
	start time.Time  // of the window in progress
	// The probe's counters kept since load, turned into growth per window.
	runtime, runs, misses, noWindow Cumulative
}

// poll is how often the ring of sampled drops is read between snapshots.
// The probe wakes the reader early only when the ring fills up.
const poll = 100 * time.Millisecond

// flushWait bounds how long a snapshot waits for the reader to hand over
// the ring; the reader only decodes what is there, so this is generous.
const flushWait = 2 * time.Second

// ErrClosed is returned by Snapshot after Close.
var ErrClosed = errors.New("tracer closed")

// ErrWindow wraps the errors of a snapshot whose window could not be cut
// or read: it has no counts and no per-window counters to report.
var ErrWindow = errors.New("window not read")

// Start reads the running kernel's drop reasons, turns the reason names
// into filters, opens the probe and starts reading its samples. Naming
// drop sites is optional: when kallsyms hides addresses, Start succeeds and
// Naming says why; the names return by themselves once they can be read.
func Start(cfg Config) (_ *Tracer, err error) {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("possible cpus: %w", err)
	}
	if err := CheckMapMemory(cfg.Probe.MaxKeys, cpus); err != nil {
		return nil, err
	}
	kernelReasons := cfg.KernelReasons
	if kernelReasons == nil {
		kernelReasons = reasons.NewKernel
	}
	// One cache for the reasons and every load the probe tries: vmlinux's
	// BTF is parsed once.
	cache := btf.NewCache()
	names := &drop.Namer{Symbols: kallsyms.NewProc()}
	names.Reasons, err = kernelReasons(cache)
	if err != nil && !errors.Is(err, reasons.ErrNoReasons) {
		return nil, err
	}
	opts := cfg.Probe
	if opts.Include, opts.Exclude, err = reasons.Filter(names.Reasons, cfg.Include, cfg.Exclude); err != nil {
		return nil, err
	}
	opts.NoReason = names.Reasons == nil
	opts.BTF = cache
	p, err := probe.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("attach to skb:kfree_skb: %w", err)
	}
	t := &Tracer{probe: p, info: p.Info(), names: names, dims: opts.Dims, sampling: opts.Sampling, cpus: cpus,
		maxKeys: opts.MaxKeys, start: time.Now()}
	if cfg.Owners != nil {
		if t.owners, err = owner.New(*cfg.Owners, cfg.Log); err != nil {
			return nil, errors.Join(fmt.Errorf("owners: %w", err), p.Close())
		}
	}
	t.progStats(&Stats{}) // the baseline of the first window
	if err := names.Symbols.Check(); err != nil {
		t.naming = explainNaming(err)
	}
	t.named = t.naming
	if opts.Sampling.Rate > 0 {
		window := cfg.Window
		if window <= 0 {
			window = 10 * time.Second
		}
		t.store = newStore(sampleBudget(opts.Sampling, cpus, window), rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
		t.flushed = make(chan struct{}, 1)
		t.reading = make(chan struct{})
		go t.read()
	}
	return t, nil
}

// read moves sampled drops into the store until the probe closes.
func (t *Tracer) read() {
	defer close(t.reading)
	t.readErr = t.probe.ReadEvents(poll, func(b probe.Batch) {
		t.store.push(b)
		if b.Flushed {
			select {
			case t.flushed <- struct{}{}:
			default:
			}
		}
	})
}

// Snapshot ends the window in progress and returns it. The counts and the
// probe's counters are cut at the same swap; the ring is then drained, so
// every sample of the window is in it and samples of the next wait there.
// With an error from the swap the snapshot has no counts: a swap that
// failed leaves them to the next window, a read that failed loses them
// (the probe empties the map, so the next window starts clean).
func (t *Tracer) Snapshot() (Snapshot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.probe == nil {
		return Snapshot{}, ErrClosed
	}
	s := Snapshot{Start: t.start, End: time.Now()}
	t.start = s.End
	gen, err := t.window(&s)
	t.progStats(&s.Stats) // also on error: no later value spans two windows
	if err != nil {
		return s, err
	}
	if t.store != nil {
		err = t.drain()
		size := sampleBudget(t.sampling, t.cpus, s.End.Sub(s.Start))
		s.Samples, s.Stats.EventsShed, s.Stats.BadRecords = t.store.take(gen, size)
	}
	s.Naming = t.prepareNames(s)
	s.Owners = t.resolveOwners(s)
	return s, err
}

// resolveOwners finds whose the snapshot's keys and samples are, once for
// each distinct cgroup and namespace, nil without an owner resolver.
func (t *Tracer) resolveOwners(s Snapshot) map[owner.Ref]owner.Owner {
	if t.owners == nil {
		return nil
	}
	var refs []owner.Ref
	if t.dims.Kernel().Has(drop.DimCgroup) {
		for _, c := range s.Counts {
			refs = append(refs, owner.Ref{Cgroup: c.Key.Cgroup, Netns: c.Key.Netns})
		}
	}
	for _, e := range s.Samples {
		refs = append(refs, owner.Ref{Cgroup: e.Cgroup, Netns: e.Netns})
	}
	return t.owners.Resolve(refs)
}

// NetnsOwners finds the owners of network namespaces by inode, as it
// finds those of drops without a socket: the listener scan's. It returns
// nil without an owner resolver.
func (t *Tracer) NetnsOwners(inodes []uint64) map[uint64]owner.Owner {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.owners == nil || t.probe == nil {
		return nil
	}
	refs := make([]owner.Ref, len(inodes))
	for i, ino := range inodes {
		refs[i] = owner.Ref{Netns: uint32(ino)}
	}
	out := make(map[uint64]owner.Owner, len(refs))
	for ref, o := range t.owners.Resolve(refs) {
		out[uint64(ref.Netns)] = o
	}
	return out
}

// OwnersMissing says what the owner resolver cannot see and what would
// let it, one sentence each; nil without one.
func (t *Tracer) OwnersMissing() []string {
	if t.owners == nil {
		return nil
	}
	return t.owners.Missing()
}

// drain has the reader hand over everything in the ring now. Every drop
// of the ended window was submitted before the swap returned, so after
// this the store holds all of its samples.
func (t *Tracer) drain() error {
	select {
	case <-t.flushed: // a late answer to an earlier drain
	default:
	}
	if err := t.probe.FlushEvents(); err != nil {
		return fmt.Errorf("drain samples: %w", err)
	}
	select {
	case <-t.flushed:
		return nil
	case <-t.reading:
		return fmt.Errorf("read samples: %w", t.readErr)
	case <-time.After(flushWait):
		return errors.New("drain samples: the ring reader did not answer")
	}
}

// prepareNames symbolizes the snapshot's drop sites (if grouped by frame)
// and its samples' stacks in one pass over kallsyms. A snapshot without
// addresses keeps the last outcome.
func (t *Tracer) prepareNames(s Snapshot) error {
	var addrs []uint64
	if t.dims.Has(drop.DimFrame) {
		for _, c := range s.Counts {
			addrs = append(addrs, c.Key.Location)
		}
	}
	for _, e := range s.Samples {
		addrs = append(addrs, e.Location)
		addrs = append(addrs, e.Stack...)
	}
	if len(addrs) == 0 {
		return t.named
	}
	t.named = nil
	if err := t.names.Symbols.Resolve(addrs); err != nil {
		t.named = explainNaming(err)
	}
	return t.named
}

// progStats reads the probe's counters that the kernel keeps since load
// and puts their growth in this window into st: the one place these are
// subtracted.
func (t *Tracer) progStats(st *Stats) {
	ps, err := t.probe.ProgStats()
	ok := err == nil
	st.NoWindow, st.NoWindowKnown = t.noWindow.Next(ps.NoWindow, ok)
	misses, known := t.misses.Next(ps.RecursionMisses, ok)
	runtime, measured := t.runtime.Next(uint64(ps.Runtime), ok)
	runs, _ := t.runs.Next(ps.RunCount, ok)
	st.Run = RunStats{RecursionMisses: misses, Known: known}
	// Zero counters mean the kernel never measured this program: neither
	// the sysctl nor a BPF_ENABLE_STATS descriptor was on since load.
	if measured && ps.RunCount > 0 {
		st.Run.Runtime, st.Run.Count, st.Run.Measured = time.Duration(runtime), runs, true
	}
}

// Names names reasons, drop sites and stacks of this tracer's snapshots.
func (t *Tracer) Names() *drop.Namer { return t.names }

// Info says what the probe in use can see.
func (t *Tracer) Info() probe.Info { return t.info }

// PossibleCPUs is the host's possible CPUs, which size the maps and the
// sample store.
func (t *Tracer) PossibleCPUs() int { return t.cpus }

// MapMemory is the kernel memory of the window maps.
func (t *Tracer) MapMemory() uint64 { return MapMemory(t.maxKeys, t.cpus) }

// Close detaches the probe and ends the reader; it is safe on nil and
// more than once.
func (t *Tracer) Close() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.probe == nil {
		return nil
	}
	err := t.probe.Close()
	if t.owners != nil {
		err = errors.Join(err, t.owners.Close())
	}
	if t.reading != nil {
		<-t.reading
	}
	t.probe = nil
	return err
}
