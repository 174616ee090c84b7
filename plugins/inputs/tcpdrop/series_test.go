package tcpdrop

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/owner"
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
	got := aggregate(counts, dims, names618, nil)
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
	got := aggregate(counts, drop.DimNetns|drop.DimLocalPort|drop.DimFamily, names618, nil)
	require.Equal(t, []series{{
		tags:  map[string]string{"netns": "4026532177", "local_port": "8080", "family": "ipv6"},
		drops: 5, bytes: 400,
	}}, got)

	got = aggregate(counts, 0, names618, nil)
	require.Equal(t, []series{{tags: map[string]string{}, drops: 5, bytes: 400}}, got)
}

// Keys of one owner merge when the namespace is not a tag; what is not
// known of an owner is no tag, not an empty one.
func TestAggregateByOwner(t *testing.T) {
	const id = "3f4e8c2a9b1d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
	web := owner.Owner{Cgroup: "docker/" + id, Container: owner.Container{Runtime: owner.Docker, ID: id, Name: "web"}}
	nginx := owner.Owner{Cgroup: "system.slice/nginx.service"}
	owners := map[owner.Ref]owner.Owner{
		{Cgroup: 7001, Netns: 4026532177}: web,
		{Cgroup: 0, Netns: 4026532177}:    {Container: web.Container}, // no socket: the namespace's owner
		{Cgroup: 7002, Netns: 4026531840}: nginx,
		{Cgroup: 0, Netns: 4026531840}:    {},
	}
	counts := []drop.Count{
		{Key: drop.Key{Reason: 3, Cgroup: 7001, Netns: 4026532177}, Drops: 5},
		{Key: drop.Key{Reason: 3, Netns: 4026532177}, Drops: 100},
		{Key: drop.Key{Reason: 3, Cgroup: 7002, Netns: 4026531840}, Drops: 2},
		{Key: drop.Key{Reason: 3, Netns: 4026531840}, Drops: 1},
	}
	got := aggregate(counts, drop.DimReason|drop.DimContainer, names618, owners)
	require.Equal(t, []series{
		{tags: map[string]string{"reason": "NO_SOCKET", "container_id": id, "container_name": "web"}, drops: 105},
		{tags: map[string]string{"reason": "NO_SOCKET"}, drops: 3},
	}, got)
	got = aggregate(counts, drop.DimCgroup, names618, owners)
	require.Equal(t, []series{
		{tags: map[string]string{}, drops: 101},
		{tags: map[string]string{"cgroup": web.Cgroup}, drops: 5},
		{tags: map[string]string{"cgroup": nginx.Cgroup}, drops: 2},
	}, got)
}

func TestAggregateEmptyWindow(t *testing.T) {
	require.Empty(t, aggregate(nil, drop.DimReason, names618, nil))
}

func TestSeriesFieldsAreIntegers(t *testing.T) {
	s := series{drops: 3, bytes: 180}
	require.Equal(t, map[string]any{"drops": int64(3), "bytes": int64(180)}, s.fields())
}
