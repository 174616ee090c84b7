package tracer

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

func start(t *testing.T, cfg Config) *Tracer {
	t.Helper()
	tr, err := Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Close()) })
	return tr
}

// Every window accounts for exactly its own drops: known bursts, one per
// window, into more series than the window holds. Each burst's counted
// drops plus map_full equal the burst in the window it happened in, and
// the window's samples are drops of that burst, no other. The namespace
// filter keeps every other drop on the host out (as filtered); unparsed
// packets are counted before their namespace is known, so they are the
// host's, and the burst's packets all parse.
func TestEachWindowHoldsItsBurst(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ns := netnstest.New(t)
	const maxKeys = 2
	tr := start(t, Config{
		Probe: probe.Options{Mode: probe.ModeAuto, Dims: drop.DimNetns | drop.DimLocalPort, MaxKeys: maxKeys,
			Netns: uint32(ns.Inode()), Sampling: probe.Sampling{Rate: 100000, Stack: false}},
	})
	_, err := tr.Snapshot()
	require.NoError(t, err)

	for i, burst := range []struct{ ports, each int }{{5, 20}, {3, 7}, {8, 11}, {1, 50}} {
		ports := map[uint16]bool{}
		for range burst.ports {
			port, err := ns.FreePort("tcp4")
			require.NoError(t, err)
			require.NoError(t, ns.ConnectClosed("tcp4", port, burst.each))
			ports[port] = true
		}
		s, err := tr.Snapshot()
		require.NoError(t, err)
		total := uint64(burst.ports * burst.each)
		require.Equal(t, total, s.Drops()+s.Stats.MapFull, "window %d: %+v", i, s.Stats)
		require.LessOrEqual(t, len(s.Counts), maxKeys)
		if burst.ports > maxKeys {
			require.Positive(t, s.Stats.MapFull, "window %d", i)
		} else {
			require.Zero(t, s.Stats.MapFull, "window %d", i)
		}
		require.Zero(t, s.Stats.Lost)
		require.Zero(t, s.Stats.BadRecords)
		require.Zero(t, s.Stats.EventsShed)
		require.Equal(t, s.Stats.Sampled, uint64(len(s.Samples)), "every sample of the window is in its snapshot")
		require.Equal(t, total, s.Stats.Sampled+s.Stats.Suppressed)
		for _, e := range s.Samples {
			require.True(t, ports[e.Dst.Port()], "window %d: a sample of another burst: %v", i, e.Dst)
			require.Equal(t, uint32(ns.Inode()), e.Netns)
		}
		require.True(t, s.End.After(s.Start))
	}
}

// A window's snapshot takes its own samples and leaves those of the next
// window for it, whenever the ring was read.
func TestSamplesStayInTheirWindow(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ns := netnstest.New(t)
	tr := start(t, Config{
		Probe: probe.Options{Mode: probe.ModeAuto, Dims: drop.DimNetns, MaxKeys: 16,
			Netns: uint32(ns.Inode()), Sampling: probe.Sampling{Rate: 100000, Stack: true}},
	})
	_, err := tr.Snapshot()
	require.NoError(t, err)
	port, err := ns.FreePort("tcp6")
	require.NoError(t, err)
	for round := range 5 {
		require.NoError(t, ns.ConnectClosed("tcp6", port, 10+round))
		s, err := tr.Snapshot()
		require.NoError(t, err)
		require.Equal(t, uint64(10+round), s.Drops())
		require.Len(t, s.Samples, 10+round, "round %d", round)
		for _, e := range s.Samples {
			require.Equal(t, s.Samples[0].Window, e.Window, "one window's samples")
			require.NotEmpty(t, e.Stack)
		}
		require.NoError(t, s.Naming)
		require.Equal(t, "tcp_v6_rcv", tr.Names().Frame(s.Samples[0].Location), "stacks are named in the snapshot")
	}
}

func TestCloseIsNilSafeAndIdempotent(t *testing.T) {
	netnstest.RequirePrivileges(t)
	tr, err := Start(Config{Probe: probe.Options{Mode: probe.ModeAuto, Dims: drop.DimReason, MaxKeys: 16,
		Sampling: probe.Sampling{Rate: 100}}})
	require.NoError(t, err)
	require.NoError(t, tr.Close())
	require.NoError(t, tr.Close())
	_, err = tr.Snapshot()
	require.ErrorIs(t, err, ErrClosed)
	var none *Tracer
	require.NoError(t, none.Close())
}

func TestStartRefusesTooMuchKernelMemory(t *testing.T) {
	_, err := Start(Config{Probe: probe.Options{Mode: probe.ModeAuto, MaxKeys: 1 << 30}})
	require.ErrorContains(t, err, "of kernel memory")
}

// BPF statistics turned on through a BPF_ENABLE_STATS descriptor, as
// bpftool prog profile does, leave kernel.bpf_stats_enabled at 0: the run
// time and count must still be reported, as the growth in the window.
func TestRunStatsThroughEnableStats(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ns := netnstest.New(t)
	tr := start(t, Config{Probe: probe.Options{Mode: probe.ModeAuto, Dims: drop.DimNetns, MaxKeys: 16,
		Netns: uint32(ns.Inode())}})
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	require.NoError(t, err)
	t.Cleanup(func() { _ = stats.Close() })
	_, err = tr.Snapshot()
	require.NoError(t, err)

	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	const n = 50
	require.NoError(t, ns.ConnectClosed("tcp4", port, n))
	s, err := tr.Snapshot()
	require.NoError(t, err)
	require.Equal(t, uint64(n), s.Drops())
	require.True(t, s.Stats.Run.Known)
	require.True(t, s.Stats.Run.Measured, "measured through BPF_ENABLE_STATS")
	require.GreaterOrEqual(t, s.Stats.Run.Count, uint64(n), "at least one run per drop of ours")
	require.Positive(t, s.Stats.Run.Runtime)
}
