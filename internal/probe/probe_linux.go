package probe

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"

	"github.com/tcpdrop/tcpdrop/bpf"
	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// Options fix what the probe counts; they become read-only globals and map
// sizes at load, so nothing is decided per drop that could be decided once.
type Options struct {
	Mode Mode
	Dims drop.Dims
	// Include, when not empty, counts only these reasons; Exclude skips
	// these. Values are the running kernel's, below ReasonSlots.
	Include []uint32
	Exclude []uint32
	// MaxKeys bounds the series of one window; drops beyond are map_full.
	MaxKeys uint32
	// Family (4 or 6), Port (either end of the packet) and Netns (inode),
	// when not zero, restrict what is counted and sampled; drops they skip
	// are counted as filtered.
	Family uint8
	Port   uint16
	Netns  uint32
	// NoReason reports every drop with drop.ReasonUnavailable, as a kernel
	// before 5.17 does; it lets tests take that path on a newer kernel.
	NoReason bool
	// ReceiveHooks attaches to TCP's receive functions where the
	// tracepoint does not pass the socket (before 6.11), to know it, and
	// where tcp_drop() is out of its sight (before 5.18), to count those
	// drops. Where they cannot attach, the probe goes on without them:
	// Info says so.
	ReceiveHooks bool
	Sampling     Sampling
	// BTF caches the kernel's BTF for every load; shared with the reason
	// names, vmlinux is parsed once. nil: a cache of Open's own.
	BTF *btf.Cache
}

// ReasonSlots bounds the reason values the kernel can filter
// (REASON_SLOTS in bpf/tcpdrop.h).
const ReasonSlots = 1024

// Probe is the loaded, attached probe. Its owner calls Close.
type Probe struct {
	info    Info
	coll    *ebpf.Collection
	prog    *ebpf.Program
	links   []link.Link
	events  *ringbuf.Reader // nil without sampling
	windows *ebpf.Map
	counts  [2]*ebpf.Map
	active  int    // index into counts of the map in windows slot 0
	number  uint64 // of the window in slot 0
	global  *ebpf.Map
	cpus    int
}

var programs = map[Mode]string{
	ModeBTFRxSk: bpf.TcpdropProgDropBtfRxSk,
	ModeBTF:     bpf.TcpdropProgDropBtf,
	ModeRaw:     bpf.TcpdropProgDropRaw,
}

// Open loads and attaches the probe, trying every mode in auto.
func Open(opts Options) (*Probe, error) {
	if err := checkCaps(); err != nil {
		return nil, err
	}
	if opts.BTF == nil {
		opts.BTF = btf.NewCache()
	}
	kspec, err := opts.BTF.Kernel()
	if err != nil {
		return nil, fmt.Errorf("kernel BTF not available (needs /sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y): %w", err)
	}
	k, err := readKernel(kspec)
	if err != nil {
		return nil, err
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock limit: %w", err)
	}
	spec, err := bpf.LoadTcpdrop()
	if err != nil {
		return nil, fmt.Errorf("read probe object: %w", err)
	}
	if err := configure(spec, opts, k); err != nil {
		return nil, err
	}
	modes := []Mode{opts.Mode}
	if opts.Mode == ModeAuto || opts.Mode == "" {
		modes = Modes
	}
	var failed []error
	for _, m := range modes {
		p, err := loadMode(spec, m, opts, k)
		if err == nil {
			p.info.Skipped = append(failed, p.info.Skipped...)
			return p, nil
		}
		failed = append(failed, fmt.Errorf("%s: %w", m, err))
	}
	return nil, modeErrors(failed)
}

func configure(spec *ebpf.CollectionSpec, opts Options, k kernel) error {
	if opts.MaxKeys == 0 {
		return errors.New("max keys must be positive")
	}
	var bits [ReasonSlots / 64]uint64
	mode := bpf.TcpdropReasonFilterFILTER_NONE
	reasons := opts.Exclude
	if len(opts.Include) > 0 {
		mode, reasons = bpf.TcpdropReasonFilterFILTER_INCLUDE, opts.Include
	} else if len(opts.Exclude) > 0 {
		mode = bpf.TcpdropReasonFilterFILTER_EXCLUDE
	}
	for _, r := range reasons {
		if r >= ReasonSlots {
			return fmt.Errorf("reason %d cannot be filtered in the kernel", r)
		}
		bits[r/64] |= 1 << (r % 64)
	}
	if opts.Family != 0 && opts.Family != 4 && opts.Family != 6 {
		return fmt.Errorf("family %d is neither 4 nor 6", opts.Family)
	}
	interval, burst := opts.Sampling.bucket()
	ring := ringSize(opts.Sampling)
	for name, v := range map[string]any{
		bpf.TcpdropVarDims:             uint32(opts.Dims.Kernel()),
		bpf.TcpdropVarFilterMode:       mode,
		bpf.TcpdropVarReasonBits:       bits,
		bpf.TcpdropVarFilterFamily:     opts.Family,
		bpf.TcpdropVarFilterPort:       opts.Port,
		bpf.TcpdropVarFilterNetns:      opts.Netns,
		bpf.TcpdropVarNoReason:         opts.NoReason,
		bpf.TcpdropVarRawArgs:          uint32(k.rawArgs),
		bpf.TcpdropVarSampleIntervalNs: interval,
		bpf.TcpdropVarSampleBurstNs:    burst,
		bpf.TcpdropVarSampleStack:      opts.Sampling.Stack,
		bpf.TcpdropVarWakeupBytes:      uint64(ring / 4),
	} {
		if err := spec.Variables[name].Set(v); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	// The stat keys take their slots besides the series.
	keys := opts.MaxKeys + uint32(bpf.TcpdropStatSTAT_KEYS)
	for _, name := range []string{bpf.TcpdropMapCountsA, bpf.TcpdropMapCountsB} {
		spec.Maps[name].MaxEntries = keys
	}
	spec.Maps[bpf.TcpdropMapWindows].InnerMap.MaxEntries = keys
	spec.Maps[bpf.TcpdropMapEvents].MaxEntries = ring
	return nil
}

// hooks are the receive hooks mode wants on kernel k, by program name in
// the spec and the function each attaches to.
func hooks(mode Mode, opts Options, k kernel) map[string]string {
	if !opts.ReceiveHooks || mode == ModeBTFRxSk || (mode == ModeRaw && k.rawArgs >= 4) {
		return nil
	}
	want := map[string]string{}
	for _, fn := range k.sockHooks {
		want[bpf.TcpdropProgRxEnterSock+"/"+fn] = fn
		want[bpf.TcpdropProgRxExitSock+"/"+fn] = fn
	}
	for _, fn := range k.twHooks {
		want[bpf.TcpdropProgRxEnterTw+"/"+fn] = fn
	}
	return want
}

// loadMode loads mode's program, with the receive hooks it wants if they
// load and attach, else without them.
func loadMode(spec *ebpf.CollectionSpec, mode Mode, opts Options, k kernel) (*Probe, error) {
	info := Info{Mode: mode, StateFrom: StateFromSkb, TCPDrop: TCPDropTracepoint}
	if mode == ModeBTFRxSk || (mode == ModeRaw && k.rawArgs >= 4) {
		info.StateFrom = StateFromRxSk
	}
	if !k.tcpDropTraced {
		info.TCPDrop = TCPDropMissed
	}
	if want := hooks(mode, opts, k); len(want) > 0 {
		hooked := info
		hooked.StateFrom = StateFromHooks
		if !k.tcpDropTraced {
			hooked.TCPDrop = TCPDropSkDrops
		}
		p, err := load(spec, hooked, want, opts.Sampling.Rate > 0, opts.BTF)
		if err == nil {
			return p, nil
		}
		info.Skipped = append(info.Skipped, fmt.Errorf("receive hooks: %w", err))
	}
	return load(spec, info, nil, opts.Sampling.Rate > 0, opts.BTF)
}

// load loads only info.Mode's program and the hooks given: a program
// written for another kernel's tracepoint would fail verification and take
// the others down with it.
func load(spec *ebpf.CollectionSpec, info Info, hooks map[string]string, sampling bool, cache *btf.Cache) (_ *Probe, err error) {
	spec = spec.Copy()
	for name, v := range map[string]bool{
		bpf.TcpdropVarCountSkDrops: info.TCPDrop == TCPDropSkDrops,
		bpf.TcpdropVarRxHooks:      len(hooks) > 0,
	} {
		if err := spec.Variables[name].Set(v); err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
	}
	for name, fn := range hooks {
		prog, _, _ := strings.Cut(name, "/")
		ps := spec.Programs[prog].Copy()
		ps.AttachTo = fn
		spec.Programs[name] = ps
	}
	for name := range spec.Programs {
		if _, hook := hooks[name]; name != programs[info.Mode] && !hook {
			delete(spec.Programs, name)
		}
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{Cache: cache})
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		coll.Close()
		return nil, fmt.Errorf("possible CPUs: %w", err)
	}
	p := &Probe{
		info:    info,
		coll:    coll,
		prog:    coll.Programs[programs[info.Mode]],
		windows: coll.Maps[bpf.TcpdropMapWindows],
		counts:  [2]*ebpf.Map{coll.Maps[bpf.TcpdropMapCountsA], coll.Maps[bpf.TcpdropMapCountsB]},
		global:  coll.Maps[bpf.TcpdropMapGlobalStats],
		number:  1,
		cpus:    cpus,
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := p.install(0, p.number); err != nil {
		return nil, fmt.Errorf("install first window: %w", err)
	}
	if sampling {
		if p.events, err = ringbuf.NewReader(coll.Maps[bpf.TcpdropMapEvents]); err != nil {
			return nil, fmt.Errorf("open event ring: %w", err)
		}
	}
	// Hooks first: a drop the tracepoint sees finds its frame.
	for name := range hooks {
		l, err := link.AttachTracing(link.TracingOptions{Program: coll.Programs[name]})
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", name, err)
		}
		p.links = append(p.links, l)
	}
	var l link.Link
	if info.Mode == ModeRaw {
		l, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: "kfree_skb", Program: p.prog})
	} else {
		l, err = link.AttachTracing(link.TracingOptions{Program: p.prog, AttachType: ebpf.AttachTraceRawTp})
	}
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	p.links = append(p.links, l)
	return p, nil
}

// closeAll detaches links at once: taking a trampoline off a function
// waits for a grace period, and one after the other they add up.
func closeAll(links []link.Link) error {
	errs := make([]error, len(links))
	var wg sync.WaitGroup
	for i, l := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Info says what the probe in use can see.
func (p *Probe) Info() Info { return p.info }

// Mode is the attach mode in use.
func (p *Probe) Mode() Mode { return p.info.Mode }

// Close detaches and frees everything; it is safe on nil and twice.
func (p *Probe) Close() error {
	if p == nil {
		return nil
	}
	var err error
	if p.events != nil {
		// Ends ReadEvents; the reader's Close may run twice.
		err = p.events.Close()
	}
	err = errors.Join(err, closeAll(p.links))
	p.links = nil
	if p.coll != nil {
		p.coll.Close()
		p.coll = nil
	}
	return err
}
