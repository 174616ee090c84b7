//go:build linux

package netnstest

import "testing"

// Sight is what a kernel, and the probe attached to it, can tell about a
// drop. Tests derive it from kernel facts and the probe's own report, and
// turn the series a scenario makes on 6.18 (Drop) into what this kernel
// must report (Sight.Sees).
type Sight struct {
	// Kernel is the kernel's release.
	Kernel Version
	// Reasons: the kernel has drop reasons (5.17+); without them every
	// reason is UNKNOWN.
	Reasons bool
	// Socket: the probe knows the socket of a receive drop, from the
	// tracepoint's rx_sk (6.11+) or from its receive hooks. Without it a
	// receive drop's state is NONE.
	Socket bool
	// TCPDrop is how the drops that tcp_drop() makes are seen:
	// TCPDropTracepoint where it frees through kfree_skb_reason (5.18+),
	// TCPDropSkDrops where the probe counts the socket's sk_drops growth
	// instead, TCPDropMissed where neither is possible.
	TCPDrop string
}

// The values of Sight.TCPDrop: the probe's tcp_drop tag (internal/probe,
// which imports this package in its tests, names them too).
const (
	TCPDropTracepoint = "tracepoint"
	TCPDropSkDrops    = "sk_drops"
	TCPDropMissed     = "missed"
)

// Drop is one series of drops a scenario makes, with the tags a kernel
// with drop reasons and the socket of every receive drop reports (6.18,
// tp_btf_rx_sk).
type Drop struct {
	Reason, State, Flags, Frame, Family string
	Count                               uint64
	// ViaTCPDrop: freed by tcp_drop(), which before 5.18 calls
	// __kfree_skb and so never reaches skb:kfree_skb.
	ViaTCPDrop bool
	// Kernels before Changed report OldReason and OldFrame (where set)
	// instead of Reason and Frame.
	Changed             Version
	OldReason, OldFrame string
	// Kernels from ConsumedSince on (where set) consume the packet: it is
	// no drop there. Older ones drop it through tcp_drop().
	ConsumedSince Version
	// InlinedInto is the frame a kernel build that inlines Frame into its
	// caller reports instead (Debian's amd64 6.1 inlines
	// tcp_rcv_established into tcp_v4_do_rcv, its arm64 build does not).
	InlinedInto string
	// RouteDropped: TCP had dropped the packet's route (tcp_data_queue
	// does) before freeing it, so without the socket nothing in the packet
	// names its network namespace.
	RouteDropped bool
}

// Netns says in which namespace a Sight puts a drop.
type Netns int

const (
	// OwnNetns: the drop is in the namespace it happened in.
	OwnNetns Netns = iota
	// NoNetns: the drop is counted, in namespace 0.
	NoNetns
	// NotCounted: the drop is not counted at all, or is no drop on this
	// kernel.
	NotCounted
)

// Sees returns the drop as this Sight reports it, and where.
func (s Sight) Sees(d Drop) (Drop, Netns) {
	if d.ConsumedSince != (Version{}) && s.Kernel.AtLeast(d.ConsumedSince.Major, d.ConsumedSince.Minor) {
		return d, NotCounted
	}
	if !s.Kernel.AtLeast(d.Changed.Major, d.Changed.Minor) {
		if d.OldReason != "" {
			d.Reason = d.OldReason
		}
		if d.OldFrame != "" {
			d.Frame = d.OldFrame
		}
	}
	if d.ViaTCPDrop && s.TCPDrop != TCPDropTracepoint {
		if s.TCPDrop == TCPDropMissed {
			return d, NotCounted
		}
		// sk_drops counts on the socket, in its own namespace and state,
		// with no drop site or reason to read.
		d.Reason, d.Frame = "UNKNOWN", "tcp_drop"
		return d, OwnNetns
	}
	if !s.Reasons {
		d.Reason = "UNKNOWN"
	}
	if s.Socket {
		return d, OwnNetns
	}
	d.State = "NONE"
	if d.RouteDropped {
		return d, NoNetns
	}
	return d, OwnNetns
}

// SightOf is the Sight of a running probe: the kernel's release, and the
// state_from and tcp_drop tags of the probe's tcpdrop_probe line.
func SightOf(t testing.TB, probeTags map[string]string) Sight {
	t.Helper()
	from, tcpDrop := probeTags["state_from"], probeTags["tcp_drop"]
	if from == "" || tcpDrop == "" {
		t.Fatalf("tcpdrop_probe tags %v lack state_from or tcp_drop", probeTags)
	}
	k := KernelVersion(t)
	return Sight{
		Kernel:  k,
		Reasons: k.AtLeast(5, 17),
		Socket:  from == "rx_sk" || from == "receive_hooks",
		TCPDrop: tcpDrop,
	}
}
