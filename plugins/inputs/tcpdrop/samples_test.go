package tcpdrop

import (
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

const testKallsyms = `ffffffff81000000 T bpf_trace_run4
ffffffff81000100 T sk_skb_reason_drop
ffffffff81a00000 T tcp_v4_rcv
ffffffff81b00000 T ip_protocol_deliver_rcu
ffffffff81c00000 T ip_local_deliver_finish
ffffffffc0000000 t nft_do_chain	[nf_tables]
ffffffffc0100000 t bpf_prog_1234_drop_btf_rx_sk	[bpf]
`

// sampleNames names reasons and drop sites like fakeNames, and stacks
// through a real Namer over testKallsyms.
type sampleNames struct {
	fakeNames
	namer *drop.Namer
}

func (s sampleNames) Stack(addrs []uint64) []kallsyms.Symbol { return s.namer.Stack(addrs) }

func newSampleNames(t *testing.T, events []drop.Event) sampleNames {
	syms := kallsyms.New(func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(testKallsyms)), nil
	})
	n := &drop.Namer{Symbols: syms}
	require.NoError(t, n.PrepareEvents(events))
	return sampleNames{fakeNames: names618, namer: n}
}

// A receive path as the probe records it, innermost first.
var (
	viaTCP = []uint64{0xffffffffc0100010, 0xffffffff81000020, 0xffffffff81000110,
		0xffffffff81a00010, 0xffffffff81b00040, 0xffffffff81c00008}
	viaTCPOtherOffsets = []uint64{0xffffffffc0100010, 0xffffffff81000020, 0xffffffff81000110,
		0xffffffff81a00020, 0xffffffff81b00050, 0xffffffff81c00008}
	viaNft = []uint64{0xffffffffc0100010, 0xffffffff81000020, 0xffffffff81000110,
		0xffffffffc0000040, 0xffffffff81b00040}
)

func TestTopStacksFoldsAndRanks(t *testing.T) {
	events := []drop.Event{
		{Reason: 3, Location: 0xffffffff81a00010, Stack: viaTCP},
		{Reason: 3, Location: 0xffffffff81a00020, Stack: viaTCPOtherOffsets},
		{Reason: 3, Location: 0xffffffff81a00010, Stack: viaTCP},
		{Reason: 12, Location: 0xffffffffc0001000, Stack: viaNft},
		{Reason: 10, Location: 0xffffffff81a00010, Stack: viaTCP},
		{Reason: 10, Location: 0xffffffff81a00010}, // no stack: left out
	}
	n := newSampleNames(t, events)
	tcp := "ip_local_deliver_finish;ip_protocol_deliver_rcu;tcp_v4_rcv"
	require.Equal(t, []stackSeries{
		{reason: "NO_SOCKET", frame: "tcp_v4_rcv", stack: tcp, samples: 3},
		{reason: "NETFILTER_DROP", frame: "nft_do_chain", stack: "ip_protocol_deliver_rcu;nft_do_chain [nf_tables]", samples: 1},
		{reason: "TCP_CSUM", frame: "tcp_v4_rcv", stack: tcp, samples: 1},
	}, topStacks(events, 10, n, nil, 0))
	require.Len(t, topStacks(events, 2, n, nil, 0), 2)

	// One window's lines share a timestamp, so each stack needs a series
	// of its own: the id follows the stack alone.
	top := topStacks(events, 10, n, nil, 0)
	for _, s := range top {
		require.Regexp(t, `^[0-9a-f]{16}$`, s.tags(0)["stack_id"])
	}
	require.Equal(t, top[0].tags(0)["stack_id"], top[2].tags(0)["stack_id"], "the same stack")
	require.NotEqual(t, top[0].tags(0)["stack_id"], top[1].tags(0)["stack_id"], "another stack")
	require.Empty(t, topStacks(nil, 10, n, nil, 0))
}

// With container (or cgroup) grouped by, a stack is ranked and tagged per
// owner, as tcpdrop's series are; owners that are not grouped by do not
// split it.
func TestTopStacksPerOwner(t *testing.T) {
	web := owner.Owner{Cgroup: "system.slice/docker-abc.scope", Container: owner.Container{Runtime: "docker", ID: "abc", Name: "web"}}
	db := owner.Owner{Cgroup: "system.slice/docker-def.scope", Container: owner.Container{Runtime: "docker", ID: "def", Name: "db"}}
	owners := map[owner.Ref]owner.Owner{{Cgroup: 1, Netns: 10}: web, {Cgroup: 2, Netns: 20}: db}
	events := []drop.Event{
		{Reason: 3, Location: 0xffffffff81a00010, Stack: viaTCP, Cgroup: 1, Netns: 10},
		{Reason: 3, Location: 0xffffffff81a00010, Stack: viaTCP, Cgroup: 1, Netns: 10},
		{Reason: 3, Location: 0xffffffff81a00010, Stack: viaTCP, Cgroup: 2, Netns: 20},
		{Reason: 3, Location: 0xffffffff81a00010, Stack: viaTCP, Netns: 30}, // nobody's
	}
	n := newSampleNames(t, events)
	dims := drop.DimReason | drop.DimFrame | drop.DimContainer
	top := topStacks(events, 10, n, owners, dims)
	require.Len(t, top, 3)
	require.Equal(t, []int64{2, 1, 1}, []int64{top[0].samples, top[1].samples, top[2].samples})
	require.Equal(t, map[string]string{"reason": "NO_SOCKET", "frame": "tcp_v4_rcv", "stack_id": top[0].tags(dims)["stack_id"],
		"container_id": "abc", "container_name": "web"}, top[0].tags(dims))
	require.Equal(t, top[0].tags(dims)["stack_id"], top[1].tags(dims)["stack_id"], "the same stack, another owner")
	var ids []string
	for _, s := range top {
		ids = append(ids, s.tags(dims)["container_id"])
	}
	require.ElementsMatch(t, []string{"abc", "def", ""}, ids)

	// Not grouped by container: one stack, whoever dropped it.
	top = topStacks(events, 10, n, owners, drop.DimReason|drop.DimFrame)
	require.Len(t, top, 1)
	require.EqualValues(t, 4, top[0].samples)
	require.NotContains(t, top[0].tags(drop.DimReason|drop.DimFrame), "container_id")
}

func TestEventLine(t *testing.T) {
	e := drop.Event{
		Time:     time.Unix(1795545542, 0),
		Src:      netip.MustParseAddrPort("[::1]:40000"),
		Dst:      netip.MustParseAddrPort("[::1]:9"),
		Reason:   3,
		Location: 0xffffffff81a00010,
		Stack:    viaTCP,
		Netns:    4026532177,
		Ifindex:  1,
		PID:      4242,
		Comm:     "curl",
		Bytes:    80,
		Flags:    0x02,
		Family:   6,
	}
	n := newSampleNames(t, []drop.Event{e})
	require.Equal(t, map[string]string{
		"reason": "NO_SOCKET", "state": "NONE", "flags": "SYN", "frame": "tcp_v4_rcv", "family": "ipv6",
	}, eventTags(e, n))
	require.Equal(t, map[string]any{
		"saddr": "::1", "sport": int64(40000), "daddr": "::1", "dport": int64(9),
		"pid": int64(4242), "comm": "curl", "netns": int64(4026532177), "ifindex": int64(1), "bytes": int64(80),
		"stack": "ip_local_deliver_finish+0x8;ip_protocol_deliver_rcu+0x40;tcp_v4_rcv+0x10",
	}, eventFields(e, n))
}
