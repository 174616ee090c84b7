package probe

import (
	"errors"
	"fmt"

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
	Sampling Sampling
}

// ReasonSlots bounds the reason values the kernel can filter
// (REASON_SLOTS in bpf/tcpdrop.h).
const ReasonSlots = 1024

// Probe is the loaded, attached probe. Its owner calls Close.
type Probe struct {
	mode    Mode
	skipped []error
	coll    *ebpf.Collection
	prog    *ebpf.Program
	link    link.Link
	events  *ringbuf.Reader // nil without sampling
	windows *ebpf.Map
	counts  [2]*ebpf.Map
	active  int // index into counts of the map in windows slot 0
	stats   *ebpf.Map
}

var programs = map[Mode]string{
	ModeBTFRxSk:    "drop_btf_rx_sk",
	ModeBTF:        "drop_btf",
	ModeTracepoint: "drop_tp",
}

// Open loads and attaches the probe, trying every mode in auto.
func Open(opts Options) (*Probe, error) {
	if err := checkCaps(); err != nil {
		return nil, err
	}
	if _, err := btf.LoadKernelSpec(); err != nil {
		return nil, fmt.Errorf("kernel BTF not available (needs /sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y): %w", err)
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock limit: %w", err)
	}
	spec, err := bpf.LoadTcpdrop()
	if err != nil {
		return nil, fmt.Errorf("read probe object: %w", err)
	}
	if err := configure(spec, opts); err != nil {
		return nil, err
	}
	modes := []Mode{opts.Mode}
	if opts.Mode == ModeAuto || opts.Mode == "" {
		modes = Modes
	}
	var failed []error
	for _, m := range modes {
		p, err := load(spec, m, opts.Sampling.Rate > 0)
		if err == nil {
			p.skipped = failed
			return p, nil
		}
		failed = append(failed, fmt.Errorf("%s: %w", m, err))
	}
	return nil, modeErrors(failed)
}

func configure(spec *ebpf.CollectionSpec, opts Options) error {
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
		bpf.TcpdropVarDims:             uint32(opts.Dims),
		bpf.TcpdropVarFilterMode:       mode,
		bpf.TcpdropVarReasonBits:       bits,
		bpf.TcpdropVarFilterFamily:     opts.Family,
		bpf.TcpdropVarFilterPort:       opts.Port,
		bpf.TcpdropVarFilterNetns:      opts.Netns,
		bpf.TcpdropVarNoReason:         opts.NoReason,
		bpf.TcpdropVarSampleIntervalNs: interval,
		bpf.TcpdropVarSampleBurstNs:    burst,
		bpf.TcpdropVarSampleClockEvery: opts.Sampling.clockEvery(),
		bpf.TcpdropVarSampleStack:      opts.Sampling.Stack,
		bpf.TcpdropVarWakeupBytes:      uint64(ring / 4),
	} {
		if err := spec.Variables[name].Set(v); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	for _, name := range []string{bpf.TcpdropMapCountsA, bpf.TcpdropMapCountsB} {
		spec.Maps[name].MaxEntries = opts.MaxKeys
	}
	spec.Maps[bpf.TcpdropMapWindows].InnerMap.MaxEntries = opts.MaxKeys
	spec.Maps[bpf.TcpdropMapEvents].MaxEntries = ring
	return nil
}

// load loads only mode's program: a program written for another kernel's
// tracepoint would fail verification and take the others down with it.
func load(spec *ebpf.CollectionSpec, mode Mode, sampling bool) (_ *Probe, err error) {
	spec = spec.Copy()
	for name := range spec.Programs {
		if name != programs[mode] {
			delete(spec.Programs, name)
		}
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	p := &Probe{
		mode:    mode,
		coll:    coll,
		prog:    coll.Programs[programs[mode]],
		windows: coll.Maps[bpf.TcpdropMapWindows],
		counts:  [2]*ebpf.Map{coll.Maps[bpf.TcpdropMapCountsA], coll.Maps[bpf.TcpdropMapCountsB]},
		stats:   coll.Maps[bpf.TcpdropMapStats],
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := p.windows.Update(uint32(0), p.counts[0], ebpf.UpdateAny); err != nil {
		return nil, fmt.Errorf("install first window: %w", err)
	}
	if sampling {
		if p.events, err = ringbuf.NewReader(coll.Maps[bpf.TcpdropMapEvents]); err != nil {
			return nil, fmt.Errorf("open event ring: %w", err)
		}
	}
	if mode == ModeTracepoint {
		p.link, err = link.Tracepoint("skb", "kfree_skb", p.prog, nil)
	} else {
		p.link, err = link.AttachTracing(link.TracingOptions{Program: p.prog, AttachType: ebpf.AttachTraceRawTp})
	}
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	return p, nil
}

// Mode is the attach mode in use.
func (p *Probe) Mode() Mode { return p.mode }

// Skipped lists why the modes tried before the one in use failed.
func (p *Probe) Skipped() []error { return p.skipped }

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
	if p.link != nil {
		err = errors.Join(err, p.link.Close())
		p.link = nil
	}
	if p.coll != nil {
		p.coll.Close()
		p.coll = nil
	}
	return err
}
