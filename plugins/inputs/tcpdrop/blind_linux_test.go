package tcpdrop

import (
	"strings"
	"testing"

	"github.com/influxdata/telegraf/testutil"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// A kernel that hides drops from the probe is named at start, once, in a
// W! line: before 5.18 tcp_drop()'s drops are counted from sk_drops (or
// missed), and the tcpdrop_probe tags say so in every window.
func TestBlindSpotsAreWarnedOnce(t *testing.T) {
	netnstest.RequirePrivileges(t)
	log := &testutil.CaptureLogger{}
	p := New()
	p.Log = log
	require.NoError(t, p.Init())
	acc := &testutil.Accumulator{}
	require.NoError(t, p.Start(acc))
	t.Cleanup(p.Stop)
	info := p.run.tracer.Info()

	var blind, tcpDrop int
	for _, w := range log.Warnings() {
		if strings.Contains(w, "Not seen as usual") {
			blind++
		}
		if strings.Contains(w, "tcp_drop()") {
			tcpDrop++
		}
	}
	require.Equal(t, len(info.BlindSpots()), blind, "%v", log.Warnings())
	if netnstest.KernelAtLeast(t, 5, 18) {
		require.Equal(t, probe.TCPDropTracepoint, info.TCPDrop)
		require.Zero(t, tcpDrop)
	} else {
		require.Contains(t, []probe.TCPDrop{probe.TCPDropSkDrops, probe.TCPDropMissed}, info.TCPDrop)
		require.Equal(t, 1, tcpDrop)
	}

	for range 2 {
		require.NoError(t, p.Gather(acc))
		m, ok := acc.Get("tcpdrop_probe")
		require.True(t, ok)
		require.Equal(t, string(info.TCPDrop), m.Tags["tcp_drop"])
		require.Equal(t, string(info.StateFrom), m.Tags["state_from"])
		acc.ClearMetrics()
	}
}
