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
	// ModeTracepoint is the classic perf tracepoint; it reads rx_sk and
	// reason where the kernel's record has them. Needs tracefs mounted.
	ModeTracepoint Mode = "tracepoint"
)

// Modes lists the attach modes, cheapest and most informative first.
var Modes = []Mode{ModeBTFRxSk, ModeBTF, ModeTracepoint}

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
	return "", fmt.Errorf("unknown probe %q (auto, %s, %s or %s)", s, ModeBTFRxSk, ModeBTF, ModeTracepoint)
}
