package probe

import (
	"fmt"
	"time"

	"github.com/cilium/ebpf"

	"github.com/tcpdrop/tcpdrop/bpf"
	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// Window ends the window in progress and returns its counts: it installs
// the other, empty map, which returns only after every running program is
// done (synchronize_rcu), then reads and empties the one taken out.
func (p *Probe) Window() ([]drop.Count, error) {
	next := 1 - p.active
	if err := p.windows.Update(uint32(0), p.counts[next], ebpf.UpdateAny); err != nil {
		return nil, fmt.Errorf("swap window: %w", err)
	}
	done := p.counts[p.active]
	p.active = next
	return drain(done)
}

// drain reads every key of a map no program writes to and deletes them, so
// the map is empty when it becomes the window again.
func drain(m *ebpf.Map) ([]drop.Count, error) {
	var (
		counts []drop.Count
		keys   []bpf.TcpdropDropKey
		key    bpf.TcpdropDropKey
		perCPU []bpf.TcpdropDropValue
	)
	it := m.Iterate()
	for it.Next(&key, &perCPU) {
		c := drop.Count{Key: drop.Key{
			Location:  key.Location,
			Reason:    key.Reason,
			Netns:     key.Netns,
			LocalPort: key.LocalPort,
			State:     key.State,
			Flags:     key.Flags,
			Family:    key.Family,
		}}
		for _, v := range perCPU {
			c.Drops += v.Drops
			c.Bytes += v.Bytes
		}
		counts = append(counts, c)
		keys = append(keys, key)
	}
	if err := it.Err(); err != nil {
		empty(m)
		return nil, fmt.Errorf("read window: %w", err)
	}
	if len(keys) > 0 {
		if _, err := m.BatchDelete(keys, nil); err != nil {
			empty(m)
			return nil, fmt.Errorf("clear window: %w", err)
		}
	}
	return counts, nil
}

// empty deletes whatever a failed read or delete left, key by key, so a
// failure costs one window, not double counts in the next.
func empty(m *ebpf.Map) {
	var k bpf.TcpdropDropKey
	for i := uint32(0); i < m.MaxEntries() && m.NextKey(nil, &k) == nil; i++ {
		_ = m.Delete(&k)
	}
}

// Stats are the probe's cumulative counters since it was loaded.
type Stats struct {
	MapFull    uint64 // drops whose key did not fit into the window map
	Filtered   uint64 // TCP drops skipped by the filters
	Suppressed uint64 // counted drops the token bucket did not sample
	Lost       uint64 // sampled drops the full event ring refused
	// From the kernel's program info. Runtime and RunCount grow only while
	// kernel.bpf_stats_enabled is on; RecursionMisses are runs the kernel
	// skipped because a BPF program was already running on that CPU.
	Runtime         time.Duration
	RunCount        uint64
	RecursionMisses uint64
}

// Stats reads the probe's counters.
func (p *Probe) Stats() (Stats, error) {
	var s Stats
	for which, into := range map[bpf.TcpdropStat]*uint64{
		bpf.TcpdropStatSTAT_MAP_FULL:   &s.MapFull,
		bpf.TcpdropStatSTAT_FILTERED:   &s.Filtered,
		bpf.TcpdropStatSTAT_SUPPRESSED: &s.Suppressed,
		bpf.TcpdropStatSTAT_LOST:       &s.Lost,
	} {
		var err error
		if *into, err = p.stat(which); err != nil {
			return s, err
		}
	}
	ps, err := p.prog.Stats()
	if err != nil {
		return s, fmt.Errorf("program stats: %w", err)
	}
	s.Runtime, s.RunCount, s.RecursionMisses = ps.Runtime, ps.RunCount, ps.RecursionMisses
	return s, nil
}

func (p *Probe) stat(which bpf.TcpdropStat) (uint64, error) {
	var perCPU []uint64
	if err := p.stats.Lookup(which, &perCPU); err != nil {
		return 0, fmt.Errorf("read stat %d: %w", which, err)
	}
	var sum uint64
	for _, v := range perCPU {
		sum += v
	}
	return sum, nil
}
