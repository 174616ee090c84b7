package tcpdrop

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// fakeNames names reasons and frames from maps, as a kernel would.
type fakeNames struct {
	reasons map[uint32]string
	frames  map[uint64]string
}

func (f fakeNames) Reason(v uint32) string   { return f.reasons[v] }
func (f fakeNames) Frame(addr uint64) string { return f.frames[addr] }

var names618 = fakeNames{
	reasons: map[uint32]string{3: "NO_SOCKET", 10: "TCP_CSUM", 12: "NETFILTER_DROP"},
	frames: map[uint64]string{
		0xffffffff81a00010: "tcp_v4_rcv",
		0xffffffff81a00020: "tcp_v4_rcv", // a second drop site in the same function
		0xffffffffc0001000: "nft_do_chain",
	},
}

func TestAggregateMergesDropSitesOfOneFunction(t *testing.T) {
	dims := drop.DimReason | drop.DimState | drop.DimFlags | drop.DimFrame
	counts := []drop.Count{
		{Key: drop.Key{Reason: 3, Flags: 0x02, Location: 0xffffffff81a00010}, Drops: 7, Bytes: 420},
		{Key: drop.Key{Reason: 3, Flags: 0x02, Location: 0xffffffff81a00020}, Drops: 3, Bytes: 180},
		{Key: drop.Key{Reason: 12, Flags: 0x02, Location: 0xffffffffc0001000}, Drops: 1, Bytes: 60},
		{Key: drop.Key{Reason: 10, State: 1, Flags: 0x18, Location: 0xffffffff81a00010}, Drops: 2, Bytes: 3000},
	}
	// Sorted by tag keys and values, whatever order the kernel's map gave.
	got := aggregate(counts, dims, names618)
	require.Equal(t, []series{
		{tags: map[string]string{"reason": "TCP_CSUM", "state": "ESTABLISHED", "flags": "PSH|ACK", "frame": "tcp_v4_rcv"}, drops: 2, bytes: 3000},
		{tags: map[string]string{"reason": "NETFILTER_DROP", "state": "NONE", "flags": "SYN", "frame": "nft_do_chain"}, drops: 1, bytes: 60},
		{tags: map[string]string{"reason": "NO_SOCKET", "state": "NONE", "flags": "SYN", "frame": "tcp_v4_rcv"}, drops: 10, bytes: 600},
	}, got)
}

func TestAggregateOnlyGroupedDimensionsBecomeTags(t *testing.T) {
	counts := []drop.Count{
		{Key: drop.Key{Netns: 4026532177, LocalPort: 8080, Family: 6}, Drops: 5, Bytes: 400},
	}
	got := aggregate(counts, drop.DimNetns|drop.DimLocalPort|drop.DimFamily, names618)
	require.Equal(t, []series{{
		tags:  map[string]string{"netns": "4026532177", "local_port": "8080", "family": "ipv6"},
		drops: 5, bytes: 400,
	}}, got)

	got = aggregate(counts, 0, names618)
	require.Equal(t, []series{{tags: map[string]string{}, drops: 5, bytes: 400}}, got)
}

func TestAggregateEmptyWindow(t *testing.T) {
	require.Empty(t, aggregate(nil, drop.DimReason, names618))
}

func TestSeriesFieldsAreIntegers(t *testing.T) {
	s := series{drops: 3, bytes: 180}
	require.Equal(t, map[string]any{"drops": int64(3), "bytes": int64(180)}, s.fields())
}
