package probe

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"

	"github.com/tcpdrop/tcpdrop/bpf"
	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// Window is one finished window: its counts and the probe's counters,
// cut by the same swap.
type Window struct {
	// Number counts windows from 1; sampled drops carry the number of
	// the window that counted them (drop.Event.Window).
	Number uint64
	Counts []drop.Count
	Stats  WindowStats
}

// WindowStats are the probe's counters of one window.
type WindowStats struct {
	MapFull  uint64 // drops whose key did not fit into the window
	Filtered uint64 // TCP drops skipped by the filters
	Sampled  uint64 // drops sent to the event ring
	Lost     uint64 // drops sampled that the full ring refused
	// Unparsed are IP packets freed as drops whose TCP header could not
	// be read from the packet's linear data (or was malformed): they may
	// be TCP drops, and are not in the counts.
	Unparsed uint64
	// SkDrops are the drops in the counts that were counted from sockets'
	// sk_drops growth (probe.TCPDropSkDrops); they are never sampled.
	SkDrops uint64
}

// Suppressed is how many counted drops the token bucket did not sample,
// when sampling is on.
func (w Window) Suppressed() uint64 {
	tried := drop.Total(w.Counts) + w.Stats.MapFull - w.Stats.SkDrops
	return tried - min(tried, w.Stats.Sampled+w.Stats.Lost)
}

// Window ends the window in progress and returns it: it installs the
// other, empty map, which returns only after every running program is done
// (synchronize_rcu), then reads and empties the one taken out.
func (p *Probe) Window() (Window, error) {
	next := 1 - p.active
	if err := p.install(next, p.number+1); err != nil {
		return Window{}, err
	}
	done := p.counts[p.active]
	w := Window{Number: p.number}
	p.active, p.number = next, p.number+1
	var err error
	w.Counts, w.Stats, err = drain(done, p.cpus)
	return w, err
}

// install puts the stat keys of window number into counts[i], which is
// empty, and makes it the window being filled.
func (p *Probe) install(i int, number uint64) error {
	m := p.counts[i]
	for s := bpf.TcpdropStat(0); s < bpf.TcpdropStatSTAT_KEYS; s++ {
		v := make([]bpf.TcpdropDropValue, p.cpus)
		if s == bpf.TcpdropStatSTAT_WINDOW {
			for cpu := range v {
				v[cpu].Drops = number
			}
		}
		if err := m.Update(statKey(s), v, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("prepare window: %w", err)
		}
	}
	if err := p.windows.Update(uint32(0), m, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("swap window: %w", err)
	}
	return nil
}

func statKey(s bpf.TcpdropStat) bpf.TcpdropDropKey {
	return bpf.TcpdropDropKey{Reason: uint32(s), Family: statFamily}
}

// statFamily is STAT_FAMILY of bpf/tcpdrop.h.
const statFamily = 0xff

// drainBatch is how many keys one system call reads and deletes: a hash
// map's batch ends at a bucket, and buckets hold a few keys each.
const drainBatch = 256

// drain reads and deletes every key of a map no program writes to, a batch
// per system call, so the map is empty when it becomes the window again.
// Each value holds one slot per possible CPU (cpus).
func drain(m *ebpf.Map, cpus int) ([]drop.Count, WindowStats, error) {
	var (
		counts []drop.Count
		stats  WindowStats
		cursor ebpf.MapBatchCursor
		keys   = make([]bpf.TcpdropDropKey, drainBatch)
		values = make([]bpf.TcpdropDropValue, drainBatch*cpus)
	)
	// Every batch but the last holds a key at least.
	for range m.MaxEntries() + 1 {
		n, err := m.BatchLookupAndDelete(&cursor, keys, values, nil)
		if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			empty(m)
			return nil, WindowStats{}, fmt.Errorf("read window: %w", err)
		}
		for i, key := range keys[:n] {
			var v bpf.TcpdropDropValue
			for _, cpu := range values[i*cpus : (i+1)*cpus] {
				v.Drops += cpu.Drops
				v.Bytes += cpu.Bytes
			}
			if key.Family == statFamily {
				stats.add(bpf.TcpdropStat(key.Reason), v.Drops)
				continue
			}
			counts = append(counts, drop.Count{Key: drop.Key{
				Location:  key.Location,
				Cgroup:    key.Cgroup,
				Reason:    key.Reason,
				Netns:     key.Netns,
				LocalPort: key.LocalPort,
				State:     key.State,
				Flags:     key.Flags,
				Family:    key.Family,
			}, Drops: v.Drops, Bytes: v.Bytes})
		}
		if err != nil { // ErrKeyNotExist: no key is left
			return counts, stats, nil
		}
	}
	empty(m)
	return nil, WindowStats{}, errors.New("read window: more batches than keys")
}

func (s *WindowStats) add(which bpf.TcpdropStat, n uint64) {
	switch which {
	case bpf.TcpdropStatSTAT_MAP_FULL:
		s.MapFull = n
	case bpf.TcpdropStatSTAT_FILTERED:
		s.Filtered = n
	case bpf.TcpdropStatSTAT_SAMPLED:
		s.Sampled = n
	case bpf.TcpdropStatSTAT_LOST:
		s.Lost = n
	case bpf.TcpdropStatSTAT_UNPARSED:
		s.Unparsed = n
	case bpf.TcpdropStatSTAT_SK_DROPS:
		s.SkDrops = n
	}
}

// empty deletes whatever a failed read or delete left, key by key, so a
// failure costs one window, not double counts in the next.
func empty(m *ebpf.Map) {
	var k bpf.TcpdropDropKey
	for i := uint32(0); i < m.MaxEntries() && m.NextKey(nil, &k) == nil; i++ {
		_ = m.Delete(&k)
	}
}

// ProgStats are the probe's cumulative counters since it was loaded.
type ProgStats struct {
	// NoWindow are drops seen while no window was installed: none but
	// for a bug, and then counted, not lost unseen.
	NoWindow uint64
	// From the kernel's program info. Runtime and RunCount grow only while
	// BPF statistics are on (kernel.bpf_stats_enabled or BPF_ENABLE_STATS);
	// RecursionMisses are runs the kernel skipped because a BPF program
	// was already running on that CPU.
	Runtime         time.Duration
	RunCount        uint64
	RecursionMisses uint64
}

// ProgStats reads the probe's cumulative counters.
func (p *Probe) ProgStats() (ProgStats, error) {
	var s ProgStats
	var perCPU []uint64
	if err := p.global.Lookup(bpf.TcpdropGlobalStatGLOBAL_NO_WINDOW, &perCPU); err != nil {
		return s, fmt.Errorf("read global stats: %w", err)
	}
	for _, v := range perCPU {
		s.NoWindow += v
	}
	ps, err := p.prog.Stats()
	if err != nil {
		return s, fmt.Errorf("program stats: %w", err)
	}
	s.Runtime, s.RunCount, s.RecursionMisses = ps.Runtime, ps.RunCount, ps.RecursionMisses
	return s, nil
}
