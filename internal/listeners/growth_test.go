package listeners

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

var any4 = netip.MustParseAddr("0.0.0.0")

func listener(cookie uint64, port uint16, drops, queue, max uint32) Listener {
	return Listener{Cookie: cookie, Address: any4, Port: port, Drops: drops, AcceptQueue: queue, AcceptQueueMax: max}
}

func listed(ino uint64, ls ...Listener) Namespace {
	return Namespace{Inode: ino, Listed: true, Listeners: ls}
}

func TestGrowthFirstScanIsABaseline(t *testing.T) {
	var g Growth
	w := g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{
		{Inode: 1, Listed: true, Listeners: []Listener{listener(10, 80, 50, 0, 128)}, Netstat: &Netstat{ListenOverflows: 7, ListenDrops: 9}},
	}})
	require.Empty(t, w.Listeners, "drops before the first scan")
	require.Empty(t, w.Namespaces, "netstat before the first scan")

	w = g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{
		{Inode: 1, Listed: true, Listeners: []Listener{listener(10, 80, 53, 0, 128)}, Netstat: &Netstat{ListenOverflows: 10, ListenDrops: 12}},
	}})
	require.Equal(t, []ListenerGrowth{{Netns: 1, Address: any4, Port: 80, Drops: 3, AcceptQueueMax: 128}}, w.Listeners)
	require.Equal(t, []NamespaceGrowth{{Netns: 1, ListenOverflows: 3, ListenDrops: 3}}, w.Namespaces)
}

func TestGrowthFullQueueWithoutDrops(t *testing.T) {
	var g Growth
	w := g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 5, 2, 1), listener(11, 81, 5, 1, 1))}})
	require.Equal(t, []ListenerGrowth{{Netns: 1, Address: any4, Port: 80, AcceptQueue: 2, AcceptQueueMax: 1, Full: true}}, w.Listeners,
		"a full queue is reported even at the baseline; 1 of 1 is not full")
}

func TestGrowthNewListenerCountsWhole(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 5, 0, 1))}})
	w := g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 5, 0, 1), listener(11, 81, 4, 0, 1))}})
	require.Equal(t, []ListenerGrowth{{Netns: 1, Address: any4, Port: 81, Drops: 4, AcceptQueueMax: 1}}, w.Listeners)
}

func TestGrowthCounterBackIsANewSocket(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 50, 0, 1))}})
	w := g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 2, 0, 1))}})
	require.Equal(t, uint64(2), w.Listeners[0].Drops)
	// Closed and bound again: a new cookie.
	w = g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(12, 80, 3, 0, 1))}})
	require.Equal(t, uint64(3), w.Listeners[0].Drops)
}

func TestGrowthReusePortSums(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 1, 0, 4), listener(11, 80, 1, 0, 4))}})
	w := g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 3, 5, 4), listener(11, 80, 4, 1, 4))}})
	require.Equal(t, []ListenerGrowth{{Netns: 1, Address: any4, Port: 80, Drops: 5, AcceptQueue: 6, AcceptQueueMax: 8, Full: true}}, w.Listeners)
}

func TestGrowthNewNamespaceCountsWhole(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1)}})
	ns := listed(2, listener(20, 80, 8, 0, 1))
	ns.Netstat = &Netstat{ListenOverflows: 8, ListenDrops: 8}
	w := g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{listed(1), ns}})
	require.Equal(t, []ListenerGrowth{{Netns: 2, Address: any4, Port: 80, Drops: 8, AcceptQueueMax: 1}}, w.Listeners)
	require.Equal(t, []NamespaceGrowth{{Netns: 2, ListenOverflows: 8, ListenDrops: 8}}, w.Namespaces)
}

// A namespace known at the start but read only later, because of the cap
// on namespaces per scan, still starts from a baseline.
func TestGrowthDeferredNamespaceIsABaseline(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{listed(1)}})
	ns := listed(2, listener(20, 80, 8, 0, 1))
	ns.Netstat = &Netstat{ListenOverflows: 8, ListenDrops: 8}
	w := g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{ns}})
	require.Empty(t, w.Listeners)
	require.Empty(t, w.Namespaces)
	// Not read in this window: kept, not forgotten.
	g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{listed(1)}})
	ns = listed(2, listener(20, 80, 10, 0, 1))
	ns.Netstat = &Netstat{ListenOverflows: 10, ListenDrops: 10}
	w = g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{ns}})
	require.Equal(t, uint64(2), w.Listeners[0].Drops)
	require.Equal(t, []NamespaceGrowth{{Netns: 2, ListenOverflows: 2, ListenDrops: 2}}, w.Namespaces)
}

// A namespace whose listeners could not be listed once keeps its counters
// for when they can be listed again.
func TestGrowthUnlistedKeepsCounters(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 5, 0, 1))}})
	w := g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{{Inode: 1}}})
	require.Empty(t, w.Listeners)
	w = g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1, listener(10, 80, 6, 0, 1))}})
	require.Equal(t, uint64(1), w.Listeners[0].Drops)
}

func TestGrowthForgetsGoneNamespaces(t *testing.T) {
	var g Growth
	g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{listed(1), listed(2, listener(20, 80, 5, 0, 1))}})
	g.Update(Scan{Known: []uint64{1}, Namespaces: []Namespace{listed(1)}})
	require.NotContains(t, g.last, uint64(2))
	// The inode comes back for a new namespace: new, counted whole.
	w := g.Update(Scan{Known: []uint64{1, 2}, Namespaces: []Namespace{listed(1), listed(2, listener(21, 80, 1, 0, 1))}})
	require.Equal(t, uint64(1), w.Listeners[0].Drops)
}

func TestListenerFull(t *testing.T) {
	require.False(t, listener(1, 80, 0, 1, 1).Full())
	require.True(t, listener(1, 80, 0, 2, 1).Full())
	require.False(t, listener(1, 80, 0, 0, 0).Full())
}

func TestAccessMissing(t *testing.T) {
	require.Empty(t, Access{}.Missing())
	require.Contains(t, Access{Unentered: 2}.Missing(), "CAP_SYS_ADMIN")
	require.Contains(t, Access{Hidden: 3}.Missing(), "needs CAP_SYS_PTRACE")
	require.Contains(t, Access{Hidden: 3, SysPtrace: true}.Missing(), "refused despite CAP_SYS_PTRACE")
	require.Contains(t, Access{Unentered: 1, SysAdmin: true}.Missing(), "refused despite CAP_SYS_ADMIN")
	require.Empty(t, Access{SysPtrace: true, SysAdmin: true}.Missing())
}
