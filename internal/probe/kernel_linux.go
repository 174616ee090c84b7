package probe

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// kernel is what the probe needs to know of the running kernel, all read
// from its BTF: no version string says what a vendor backported.
type kernel struct {
	// rawArgs is how many arguments skb:kfree_skb passes: skb and location,
	// then reason (5.17) and rx_sk (6.11).
	rawArgs int
	// tcpDropTraced: tcp_drop() frees through kfree_skb_reason and so
	// fires the tracepoint. Told by the reasons its TCP callers pass,
	// which came with tcp_drop_reason() (5.18); before, tcp_drop() freed
	// with __kfree_skb.
	tcpDropTraced bool
	// sockHooks and twHooks are the receive functions the kernel has.
	sockHooks, twHooks []string
}

// Receive functions the hooks attach to: each is called with the socket
// and the packet, so a drop inside knows whose packet it was.
var (
	sockHookTargets = []string{"tcp_v4_do_rcv", "tcp_v6_do_rcv", "tcp_rcv_state_process"}
	twHookTargets   = []string{"tcp_timewait_state_process"}
)

// tcpDropReason is a reason that tcp_drop_reason() brought.
const tcpDropReason = "SKB_DROP_REASON_TCP_OFOMERGE"

func readKernel(spec *btf.Spec) (kernel, error) {
	var k kernel
	var tp *btf.Typedef
	if err := spec.TypeByName("btf_trace_kfree_skb", &tp); err != nil {
		return k, fmt.Errorf("find skb:kfree_skb in BTF: %w", err)
	}
	ptr, ok := tp.Type.(*btf.Pointer)
	if !ok {
		return k, fmt.Errorf("btf_trace_kfree_skb is %s, not a pointer", tp.Type)
	}
	proto, ok := ptr.Target.(*btf.FuncProto)
	if !ok {
		return k, fmt.Errorf("btf_trace_kfree_skb points to %s, not a function", ptr.Target)
	}
	// The first parameter is the tracepoint's private data.
	k.rawArgs = len(proto.Params) - 1

	var reasons *btf.Enum
	switch err := spec.TypeByName("skb_drop_reason", &reasons); {
	case err == nil:
		for _, v := range reasons.Values {
			k.tcpDropTraced = k.tcpDropTraced || v.Name == tcpDropReason
		}
	case !errors.Is(err, btf.ErrNotFound):
		return k, fmt.Errorf("find drop reasons in BTF: %w", err)
	}

	k.sockHooks = functions(spec, sockHookTargets)
	k.twHooks = functions(spec, twHookTargets)
	return k, nil
}

// functions returns the names that are functions in spec.
func functions(spec *btf.Spec, names []string) []string {
	var have []string
	for _, name := range names {
		var fn *btf.Func
		if spec.TypeByName(name, &fn) == nil {
			have = append(have, name)
		}
	}
	return have
}
