package drop

import (
	"strings"

	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
)

// tracingPrefixes start the names of the frames that tracing itself puts on
// top of a drop: the BPF program, the tracepoint's callers, and for classic
// tracepoints the perf glue.
var tracingPrefixes = []string{
	"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_",
	"perf_trace_", "trace_call_bpf", "__bpf_prog_run",
}

// dropHelpers free a packet with a reason on behalf of the drop site: the
// name differs between kernels (kfree_skb_reason on 6.1,
// sk_skb_reason_drop from 6.11).
var dropHelpers = map[string]bool{
	"sk_skb_reason_drop":    true,
	"kfree_skb_reason":      true,
	"kfree_skb":             true,
	"kfree_skb_list_reason": true,
	"__kfree_skb":           true,
}

func tracingOrHelper(name string) bool {
	if dropHelpers[name] {
		return true
	}
	for _, p := range tracingPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TrimStack removes the frames above the drop site, so the first frame
// left is the function that dropped the packet. Frames are innermost
// first. Unnamed frames are removed only above a tracing or helper frame
// (a JIT-ed program is unnamed when bpf_jit_kallsyms is off).
func TrimStack(frames []kallsyms.Symbol) []kallsyms.Symbol {
	cut := 0
	for i, f := range frames {
		known := tracingOrHelper(f.Name)
		if f.Name != "" && !known {
			break
		}
		if known {
			cut = i + 1
		}
	}
	return frames[cut:]
}

// Folded spells a stack, given innermost first, in the folded form of
// flame-graph tools: root first, frames joined by ";". Without offsets
// every call from the same function folds into one frame.
func Folded(frames []kallsyms.Symbol, offsets bool) string {
	var b strings.Builder
	for i := len(frames) - 1; i >= 0; i-- {
		b.WriteString(frameName(frames[i], offsets))
		if i > 0 {
			b.WriteByte(';')
		}
	}
	return b.String()
}

// frameName is a frame as kernel stack traces print it, the offset left
// out on request: "tcp_v4_rcv", "nft_do_chain [nf_tables]".
func frameName(f kallsyms.Symbol, offset bool) string {
	if offset || f.Name == "" {
		return f.String()
	}
	if f.Module == "" {
		return f.Name
	}
	return f.Name + " [" + f.Module + "]"
}
