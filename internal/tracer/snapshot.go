// Package tracer owns a running probe: it starts it, names what it counts
// (reasons from the kernel's BTF, drop sites from kallsyms, when readable),
// reads its ring of sampled drops, and hands out windows as snapshots. The
// Telegraf plugin and the tcpdrop command only render snapshots.
package tracer

import (
	"time"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// Snapshot is one window, cut at one swap of the probe's window map: its
// counts, the probe's counters of the same window, and the samples of drops
// counted in it.
type Snapshot struct {
	Start, End time.Time // when the window began and was cut
	Counts     []drop.Count
	Stats      Stats
	// Samples are drops of this window the probe sampled, oldest first. If
	// the window had more than the store holds, a fair subset of them: each
	// sampled drop was kept with the same chance (Stats.EventsShed says how
	// many were left out).
	Samples []drop.Event
	// Naming is why drop sites and stacks could not be named for this
	// snapshot, nil when they were; they are then addresses.
	Naming error
	// Owners are whose the keys' and samples' drops are, by their cgroup
	// and namespace; nil unless the tracer resolves owners.
	Owners map[owner.Ref]owner.Owner
}

// Stats are the probe's counters of one window. Those the kernel keeps
// per window are cut at the same swap as the counts.
type Stats struct {
	MapFull  uint64 // drops whose key did not fit into the window map
	Filtered uint64 // TCP drops skipped by the filters
	Unparsed uint64 // IP packets whose TCP header could not be read
	SkDrops  uint64 // drops in the counts taken from sockets' sk_drops
	Sampled  uint64 // drops sent to the event ring
	Lost     uint64 // sampled drops the full ring refused
	// Suppressed are counted drops the token bucket did not sample (0
	// without sampling).
	Suppressed uint64
	// NoWindow are drops seen while no window map was installed (a bug if
	// ever non-zero); NoWindowKnown is false when the counter could not
	// be read at both ends of the window.
	NoWindow      uint64
	NoWindowKnown bool
	BadRecords    uint64 // ring records that could not be decoded, skipped
	EventsShed    uint64 // samples read but left out of Samples (store full)
	// From the kernel's program info, which keeps them since load: the
	// growth in this window, when it can be known (see RunStats).
	Run RunStats
}

// RunStats are the probe program's run-time statistics of one window.
type RunStats struct {
	// RecursionMisses are runs the kernel skipped because a BPF program
	// was already running on that CPU. Known is false when the program
	// info could not be read at both ends of the window.
	RecursionMisses uint64
	Known           bool
	// Runtime and Count grow only while the kernel measures BPF programs
	// (kernel.bpf_stats_enabled, or a BPF_ENABLE_STATS file descriptor
	// anyone holds). Measured is true when both ends were read and the
	// kernel has ever measured this program: its counters are non-zero.
	Runtime  time.Duration
	Count    uint64
	Measured bool
}

// Drops is the sum of the window's counted drops.
func (s Snapshot) Drops() uint64 { return drop.Total(s.Counts) }
