package probe

import (
	"errors"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

func open(t *testing.T, opts Options) *Probe {
	t.Helper()
	p, err := Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

// netnsDrops sums a namespace's drops by reason over windows, until want
// have arrived (raw segments are dropped in softirqs that may lag their
// sender) and then one window more, 100 ms later, for any beyond want.
func netnsDrops(t *testing.T, p *Probe, ns *netnstest.NS, want uint64) map[uint32]uint64 {
	t.Helper()
	drops, _ := netnsWindows(t, p, ns, want, func(k drop.Key) uint32 { return k.Reason })
	return drops
}

// netnsWindows is netnsDrops by what by picks of the key, with the
// windows' filtered drops.
func netnsWindows[K comparable](t *testing.T, p *Probe, ns *netnstest.NS, want uint64, by func(drop.Key) K) (map[K]uint64, uint64) {
	t.Helper()
	drops := map[K]uint64{}
	var total, filtered uint64
	deadline := time.Now().Add(10 * time.Second)
	for more := 2; more > 0; time.Sleep(100 * time.Millisecond) {
		w, err := p.Window()
		require.NoError(t, err)
		for _, c := range w.Counts {
			if uint64(c.Key.Netns) == ns.Inode() {
				drops[by(c.Key)] += c.Drops
				total += c.Drops
			}
		}
		filtered += w.Stats.Filtered
		if total >= want || time.Now().After(deadline) {
			more--
		}
	}
	return drops, filtered
}

// reasonValue is the running kernel's number for a drop reason; before
// 5.17, which has none, the probe reports every drop as unavailable.
func reasonValue(t *testing.T, name string) uint32 {
	t.Helper()
	dec, err := reasons.NewKernel(btf.NewCache())
	if errors.Is(err, reasons.ErrNoReasons) {
		return drop.ReasonUnavailable
	}
	require.NoError(t, err)
	v, ok := dec.Value(name)
	require.True(t, ok, name)
	return v
}

// A window that cannot hold every series loses no drop: the ones that do
// not fit are counted in map_full, exactly.
func TestMapFullCountsWhatDoesNotFit(t *testing.T) {
	netnstest.RequirePrivileges(t)
	// Only this namespace's drops take slots, so the host's other drops
	// leave them be.
	ns := netnstest.New(t)
	p := open(t, Options{Mode: ModeAuto, Dims: drop.DimNetns | drop.DimLocalPort, MaxKeys: 2,
		Netns: uint32(ns.Inode())})
	_, err := p.Window()
	require.NoError(t, err)

	const ports, each = 5, 10
	for i := 0; i < ports; i++ {
		port, err := ns.FreePort("tcp4")
		require.NoError(t, err)
		require.NoError(t, ns.ConnectClosed("tcp4", port, each))
	}
	w, err := p.Window()
	require.NoError(t, err)
	require.LessOrEqual(t, len(w.Counts), 2)
	var counted uint64
	for _, c := range w.Counts {
		if uint64(c.Key.Netns) == ns.Inode() {
			counted += c.Drops
		}
	}
	// Every drop of ours is counted or map_full, in the same window: with
	// two slots for five ports, at least three ports' drops are map_full.
	full := w.Stats.MapFull
	require.LessOrEqual(t, counted, uint64(2*each))
	// Before 5.18 each refused connect is also a tcp_drop() of the RST at
	// the connecting socket, counted from its sk_drops (one key per
	// port): those compete for the slots too.
	require.Equal(t, uint64(ports*each)+w.Stats.SkDrops, counted+full)
	require.GreaterOrEqual(t, full, uint64((ports-2)*each))

	// The next window starts empty and has room again: the port's
	// drops come first.
	require.NoError(t, ns.ConnectClosed("tcp4", 9, each))
	w, err = p.Window()
	require.NoError(t, err)
	require.Contains(t, w.Counts, drop.Count{Key: drop.Key{Netns: uint32(ns.Inode()), LocalPort: 9},
		Drops: each, Bytes: each * 60})
}

func TestReasonFilters(t *testing.T) {
	netnstest.RequirePrivileges(t)
	if !netnstest.KernelAtLeast(t, 5, 17) {
		t.Skip("no drop reasons before 5.17: reason filters are refused there (plugin's TestWithoutDropReasons)")
	}
	noSocket := reasonValue(t, "NO_SOCKET")
	csum := reasonValue(t, "TCP_CSUM")
	send := func(ns *netnstest.NS) {
		port, err := ns.FreePort("tcp4")
		require.NoError(t, err)
		require.NoError(t, ns.ConnectClosed("tcp4", port, 30))
		require.NoError(t, ns.SendRaw(netnstest.Segment{Network: "tcp4", SrcPort: 4000, DstPort: port, Flags: 0x02, BadChecksum: true}, 20))
	}
	dims := drop.DimReason | drop.DimNetns

	t.Run("exclude", func(t *testing.T) {
		p := open(t, Options{Mode: ModeAuto, Dims: dims, Exclude: []uint32{noSocket}, MaxKeys: 64})
		ns := netnstest.New(t)
		_, err := p.Window()
		require.NoError(t, err)
		send(ns)
		got, filtered := netnsWindows(t, p, ns, 20, func(k drop.Key) uint32 { return k.Reason })
		require.Equal(t, map[uint32]uint64{csum: 20}, got)
		require.GreaterOrEqual(t, filtered, uint64(30))
	})
	t.Run("include", func(t *testing.T) {
		p := open(t, Options{Mode: ModeAuto, Dims: dims, Include: []uint32{noSocket}, MaxKeys: 64})
		ns := netnstest.New(t)
		send(ns)
		require.Equal(t, map[uint32]uint64{noSocket: 30}, netnsDrops(t, p, ns, 30))
	})
}

// rx_sk is a tracepoint argument from 6.11 on; forced before, the mode must
// fail by itself rather than fall back.
func TestForcedRxSkLoadsOnlyWhereTheKernelHasIt(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p, err := Open(Options{Mode: ModeBTFRxSk, Dims: drop.DimReason, MaxKeys: 16})
	if netnstest.KernelAtLeast(t, 6, 11) {
		require.NoError(t, err)
		require.Equal(t, ModeBTFRxSk, p.Mode())
		require.NoError(t, p.Close())
		return
	}
	require.ErrorContains(t, err, "tp_btf_rx_sk")
	require.Nil(t, p)
}

// Auto falls back quietly, so a program that stops loading in the best
// mode would go unnoticed: with every option on, auto must pick the best
// mode the kernel has.
func TestAutoPicksTheBestMode(t *testing.T) {
	netnstest.RequirePrivileges(t)
	want := ModeRaw
	switch {
	case netnstest.KernelAtLeast(t, 6, 11):
		want = ModeBTFRxSk
	case netnstest.KernelAtLeast(t, 5, 17):
		want = ModeBTF
	}
	opts := Options{Mode: ModeAuto, Dims: drop.DimReason | drop.DimState | drop.DimFlags | drop.DimFrame |
		drop.DimFamily | drop.DimNetns | drop.DimLocalPort, MaxKeys: 16,
		Family: 4, Port: 1, Netns: 1, ReceiveHooks: true, Sampling: Sampling{Rate: 100, Stack: true}}
	if netnstest.KernelAtLeast(t, 5, 17) {
		opts.Exclude = []uint32{reasonValue(t, "NO_SOCKET")}
	}
	p := open(t, opts)
	require.Equal(t, want, p.Mode(), "skipped: %v", p.Info().Skipped)
}

func TestCloseIsIdempotent(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p, err := Open(Options{Mode: ModeAuto, Dims: drop.DimReason, MaxKeys: 16})
	require.NoError(t, err)
	require.NoError(t, p.Close())
	require.NoError(t, p.Close())
	var nilProbe *Probe
	require.NoError(t, nilProbe.Close())
}

// NoReason takes the path of a kernel whose tracepoint has no reason.
func TestNoReasonReportsReasonUnavailable(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := open(t, Options{Mode: ModeRaw, Dims: drop.DimReason | drop.DimNetns, MaxKeys: 16, NoReason: true})
	ns := netnstest.New(t)
	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	_, err = p.Window()
	require.NoError(t, err)
	require.NoError(t, ns.ConnectClosed("tcp4", port, 9))
	require.Equal(t, map[uint32]uint64{drop.ReasonUnavailable: 9}, netnsDrops(t, p, ns, 9))
}

// TCP behind IPv4 options or an IPv6 extension header is not where the
// probe's first read looks: it must follow the header lengths. The port
// filter proves the ports were read from the right place.
func TestHeadersBeforeTCP(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			ns := netnstest.New(t)
			port, err := ns.FreePort(network)
			require.NoError(t, err)
			p := open(t, Options{Mode: ModeAuto, Dims: drop.DimReason | drop.DimNetns, MaxKeys: 16, Port: port})
			_, err = p.Window()
			require.NoError(t, err)
			seg := netnstest.Segment{Network: network, SrcPort: port + 1, DstPort: port, Seq: 1,
				Flags: netnstest.SYN, Window: 1024, BadChecksum: true, BeforeTCP: true}
			require.NoError(t, ns.SendRaw(seg, 6))
			require.Equal(t, map[uint32]uint64{reasonValue(t, "TCP_CSUM"): 6}, netnsDrops(t, p, ns, 6))
		})
	}
}
