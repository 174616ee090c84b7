//go:build linux

package netnstest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFloodChecksum checks the benchmark's storm: every packet Flood
// reports sent is one checksum error in the namespace, and nothing else.
func TestFloodChecksum(t *testing.T) {
	RequirePrivileges(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ns := New(t)
			before, err := ns.Counters()
			require.NoError(t, err)
			seg := Segment{Network: network, SrcPort: 40000, DstPort: 40001, Flags: SYN, Window: 65535, BadChecksum: true}
			sent, err := ns.Flood(seg, 200*time.Millisecond)
			require.NoError(t, err)
			after, err := ns.Counters()
			require.NoError(t, err)

			require.Positive(t, sent)
			t.Logf("%s: %d packets in 200ms", network, sent)
			require.EqualValues(t, sent, after.Delta(before, "Tcp:InCsumErrors"))
			require.EqualValues(t, sent, after.Delta(before, "Tcp:InErrs"))
			require.Zero(t, after.Delta(before, "Tcp:OutRsts"))
		})
	}
	_, err := New(t).Flood(Segment{Network: "udp4"}, time.Millisecond)
	require.ErrorContains(t, err, "unsupported network")
	_, err = New(t).Flood(Segment{Network: "tcp4"}, time.Hour)
	require.ErrorContains(t, err, "out of range")
}
