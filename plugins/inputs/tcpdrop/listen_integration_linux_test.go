package tcpdrop

import (
	"strconv"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// A listener with backlog 1 that never accepts, and 8 connects held open:
// its tcpdrop_listen drops are its namespace's ListenDrops growth, its queue
// shows 2 of 1, and a quiet listener in another namespace never appears.
func TestListenerOverflowWindows(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := startPlugin(t, probe.ModeAuto, nil)
	full, quiet := netnstest.New(t), netnstest.New(t)
	port, err := full.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	_, err = quiet.ListenBacklog("tcp6", 1)
	require.NoError(t, err)
	// The namespaces are new since the start: their first window counts
	// whole. Close it, so that the next one is the overflow's alone.
	require.NoError(t, p.Gather(p.acc))
	p.acc.ClearMetrics()
	before, err := full.Counters()
	require.NoError(t, err)

	_, err = full.Overflow("tcp4", port, 8)
	require.NoError(t, err)
	require.NoError(t, p.Gather(p.acc))
	after, err := full.Counters()
	require.NoError(t, err)

	var drops int64
	var lines int
	for _, m := range measurements(p.acc.GetTelegrafMetrics(), "tcpdrop_listen") {
		require.NotEqual(t, strconv.FormatUint(quiet.Inode(), 10), m.Tags()["netns"], "a listener without drops: %v", m)
		if m.Tags()["netns"] != strconv.FormatUint(full.Inode(), 10) || m.Tags()["port"] != strconv.Itoa(int(port)) {
			continue
		}
		lines++
		require.Equal(t, "127.0.0.1", m.Tags()["address"])
		d, _ := m.GetField("drops")
		drops += d.(int64)
		q, _ := m.GetField("accept_queue")
		max, _ := m.GetField("accept_queue_max")
		require.Equal(t, int64(1), max)
		require.Equal(t, int64(2), q, "ss shows 2 of 1")
	}
	require.Equal(t, 1, lines)
	require.Positive(t, drops)
	require.Equal(t, after.Delta(before, "TcpExt:ListenDrops"), drops, "the listener's drops are its namespace's ListenDrops growth")

	ns := netnsLines(t, p.acc.GetTelegrafMetrics())
	require.Equal(t, map[string]any{
		"listen_overflows": after.Delta(before, "TcpExt:ListenOverflows"),
		"listen_drops":     after.Delta(before, "TcpExt:ListenDrops"),
	}, ns[full.Inode()])
	require.NotContains(t, ns, quiet.Inode(), "no listener counters grew there")
}

// A listener's drop counter also counts the segments the listener discards
// itself, here SYN|FIN (TCP_FLAGS), which ListenDrops does not: they are in
// tcpdrop_listen, and tcpdrop_netns has no line for the namespace.
func TestListenerCountsWhatItDiscards(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := startPlugin(t, probe.ModeAuto, nil)
	ns := netnstest.New(t)
	inode := strconv.FormatUint(ns.Inode(), 10)
	sc := netnstest.ScenarioNamed(t, "listener syn fin")
	cause, err := sc.Prepare(t, ns)
	require.NoError(t, err)
	require.NoError(t, cause())

	want := int64(sc.Drops[0].Count)
	var drops int64
	for deadline := time.Now().Add(10 * time.Second); drops < want && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, p.Gather(p.acc))
		for _, m := range measurements(p.acc.GetTelegrafMetrics(), "tcpdrop_listen") {
			if m.Tags()["netns"] == inode {
				d, _ := m.GetField("drops")
				drops += d.(int64)
			}
		}
		require.NotContains(t, netnsLines(t, p.acc.GetTelegrafMetrics()), ns.Inode(), "ListenDrops did not grow")
		p.acc.ClearMetrics()
	}
	require.Equal(t, want, drops)
}

// The listen fields left tcpdrop_probe for tcpdrop_netns, which has the
// plugin's own namespace in every window.
func TestOwnNamespaceEveryWindow(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := startPlugin(t, probe.ModeAuto, nil)
	for range 2 {
		require.NoError(t, p.Gather(p.acc))
		require.Contains(t, netnsLines(t, p.acc.GetTelegrafMetrics()), p.run.listen.scanner.Own())
		for _, m := range measurements(p.acc.GetTelegrafMetrics(), "tcpdrop_probe") {
			require.False(t, m.HasField("listen_overflows"), "moved to tcpdrop_netns")
			require.False(t, m.HasField("listen_drops"), "moved to tcpdrop_netns")
		}
		p.acc.ClearMetrics()
	}
}

func TestListenersOff(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := startPlugin(t, probe.ModeAuto, func(p *TCPDrop) { p.Listeners = false })
	ns := netnstest.New(t)
	port, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	_, err = ns.Overflow("tcp4", port, 4)
	require.NoError(t, err)
	require.NoError(t, p.Gather(p.acc))
	require.Empty(t, measurements(p.acc.GetTelegrafMetrics(), "tcpdrop_listen"))
	require.Empty(t, measurements(p.acc.GetTelegrafMetrics(), "tcpdrop_netns"))
}

func measurements(ms []telegraf.Metric, name string) []telegraf.Metric {
	var out []telegraf.Metric
	for _, m := range ms {
		if m.Name() == name {
			out = append(out, m)
		}
	}
	return out
}

// netnsLines returns the fields of the tcpdrop_netns lines by inode.
func netnsLines(t *testing.T, ms []telegraf.Metric) map[uint64]map[string]any {
	t.Helper()
	out := map[uint64]map[string]any{}
	for _, m := range measurements(ms, "tcpdrop_netns") {
		ino, err := strconv.ParseUint(m.Tags()["netns"], 10, 64)
		require.NoError(t, err)
		require.NotContains(t, out, ino, "one line per namespace")
		out[ino] = m.Fields()
	}
	return out
}
