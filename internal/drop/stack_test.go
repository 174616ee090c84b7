package drop

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
)

func syms(names ...string) []kallsyms.Symbol {
	out := make([]kallsyms.Symbol, len(names))
	for i, n := range names {
		out[i] = kallsyms.Symbol{Addr: uint64(0x1000 + i), Name: n, Offset: uint64(i)}
	}
	return out
}

func names(frames []kallsyms.Symbol) []string {
	var out []string
	for _, f := range frames {
		out = append(out, f.Name)
	}
	return out
}

func TestTrimStack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stack []string
		want  []string
	}{
		{
			name:  "tp_btf on 6.18",
			stack: []string{"bpf_prog_6deef7357e7b4530_drop_btf_rx_sk", "bpf_trace_run4", "__traceiter_kfree_skb", "sk_skb_reason_drop", "tcp_v4_rcv", "ip_protocol_deliver_rcu"},
			want:  []string{"tcp_v4_rcv", "ip_protocol_deliver_rcu"},
		},
		{
			name:  "classic tracepoint on 6.1",
			stack: []string{"bpf_prog_1_drop_tp", "trace_call_bpf", "perf_trace_run_bpf_submit", "perf_trace_kfree_skb", "kfree_skb_reason", "tcp_v6_rcv"},
			want:  []string{"tcp_v6_rcv"},
		},
		{
			name:  "unnamed program above the helper",
			stack: []string{"", "bpf_trace_run3", "kfree_skb_reason", "nft_do_chain"},
			want:  []string{"nft_do_chain"},
		},
		{
			name:  "unnamed frame below the drop site stays",
			stack: []string{"bpf_trace_run4", "sk_skb_reason_drop", "", "tcp_v4_rcv"},
			want:  []string{"", "tcp_v4_rcv"},
		},
		{
			name:  "helper names deeper in the stack stay",
			stack: []string{"sk_skb_reason_drop", "tcp_rcv_established", "kfree_skb", "tcp_v4_do_rcv"},
			want:  []string{"tcp_rcv_established", "kfree_skb", "tcp_v4_do_rcv"},
		},
		{
			name:  "nothing to trim",
			stack: []string{"tcp_v4_rcv"},
			want:  []string{"tcp_v4_rcv"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, names(TrimStack(syms(tc.stack...))))
		})
	}
	require.Empty(t, TrimStack(nil))
}

func TestFolded(t *testing.T) {
	frames := []kallsyms.Symbol{
		{Addr: 0xffffffffc0a01234, Name: "nft_do_chain", Module: "nf_tables", Offset: 0x1d5},
		{Addr: 0xffffffff81001000, Name: "nf_hook_slow", Offset: 0x41},
		{Addr: 0xffffffff81002000},
	}
	require.Equal(t, "0xffffffff81002000;nf_hook_slow;nft_do_chain [nf_tables]", Folded(frames, false))
	require.Equal(t, "0xffffffff81002000;nf_hook_slow+0x41;nft_do_chain+0x1d5 [nf_tables]", Folded(frames, true))
	require.Empty(t, Folded(nil, false))
}
