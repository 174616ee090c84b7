// Package probe loads the kernel side of tcpdrop, attaches it to
// skb:kfree_skb and reads its windows. It is the only package that sees BPF
// types; what it returns is plain drop.Count.
package probe

import "fmt"

// Mode is how the probe attaches to skb:kfree_skb, also the probe tag.
type Mode string

const (
	// ModeAuto tries Modes in order and keeps the first that attaches.
	ModeAuto Mode = "auto"
	// ModeBTFRxSk is tp_btf with the rx_sk argument (6.11+): state for
	// receive drops even after the socket was taken off the skb.
	ModeBTFRxSk Mode = "tp_btf_rx_sk"
	// ModeBTF is tp_btf with three arguments (5.17+).
	ModeBTF Mode = "tp_btf"
	// ModeRaw is the raw tracepoint, on any kernel with BTF: it reads as
	// many arguments as the running kernel's tracepoint has, and needs
	// neither tracefs nor typed arguments.
	ModeRaw Mode = "raw_tp"
)

// Modes lists the attach modes, cheapest and most informative first.
var Modes = []Mode{ModeBTFRxSk, ModeBTF, ModeRaw}

// ParseMode accepts "auto" or one of Modes; "" means auto.
func ParseMode(s string) (Mode, error) {
	if s == "" || Mode(s) == ModeAuto {
		return ModeAuto, nil
	}
	for _, m := range Modes {
		if Mode(s) == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown probe %q (auto, %s, %s or %s)", s, ModeBTFRxSk, ModeBTF, ModeRaw)
}

// StateFrom says where the probe finds the socket of a received packet,
// whose state the state tag shows.
type StateFrom string

const (
	// StateFromRxSk: the tracepoint passes it (6.11+).
	StateFromRxSk StateFrom = "rx_sk"
	// StateFromHooks: receive hooks note the socket TCP processes each
	// packet for.
	StateFromHooks StateFrom = "receive_hooks"
	// StateFromSkb: only skb->sk, which TCP clears on receive; receive
	// drops then have state NONE.
	StateFromSkb StateFrom = "skb"
)

// TCPDrop says how the drops of tcp_drop() are counted.
type TCPDrop string

const (
	// TCPDropTracepoint: tcp_drop() frees through kfree_skb_reason (5.18+).
	TCPDropTracepoint TCPDrop = "tracepoint"
	// TCPDropSkDrops: it frees with __kfree_skb, out of sight of the
	// tracepoint; the receive hooks count the sockets' sk_drops growth.
	TCPDropSkDrops TCPDrop = "sk_drops"
	// TCPDropMissed: as above, but without receive hooks: not counted.
	TCPDropMissed TCPDrop = "missed"
)

// Info is what the probe in use can see on this kernel.
type Info struct {
	Mode      Mode
	StateFrom StateFrom
	TCPDrop   TCPDrop
	// Skipped says why the modes tried before Mode failed, and why the
	// receive hooks did not attach if they were wanted but did not.
	Skipped []error
}

// BlindSpots says what the probe in use cannot see on this kernel, one
// sentence each, for a warning at start.
func (i Info) BlindSpots() []string {
	var out []string
	if i.StateFrom == StateFromSkb {
		out = append(out, "the kernel's skb:kfree_skb does not pass the socket (before 6.11) and the receive hooks are off or could not attach: "+
			"drops of received packets have state NONE, and local_port is the packet's destination port")
	}
	switch i.TCPDrop {
	case TCPDropSkDrops:
		out = append(out, "the kernel's tcp_drop() frees packets out of sight of skb:kfree_skb (before 5.18): "+
			"its drops (tcp_rcv_established, tcp_validate_incoming, tcp_data_queue, tcp_rcv_state_process) are counted from the sockets' sk_drops growth, "+
			"with state, port and flags but without reason (UNKNOWN), drop site (frame tcp_drop), bytes or samples")
	case TCPDropMissed:
		out = append(out, "the kernel's tcp_drop() frees packets out of sight of skb:kfree_skb (before 5.18) and the receive hooks are off or could not attach: "+
			"its drops (tcp_rcv_established, tcp_validate_incoming, tcp_data_queue, tcp_rcv_state_process) are not counted; "+
			"`ss -tm` shows them per socket as d<N> (sk_drops)")
	}
	return out
}
