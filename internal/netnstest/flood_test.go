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
			sent, err := ns.Flood(200*time.Millisecond, seg)
			require.NoError(t, err)
			after := countersReaching(t, ns, before, "Tcp:InCsumErrors", int64(sent))

			require.Positive(t, sent)
			t.Logf("%s: %d packets in 200ms", network, sent)
			require.EqualValues(t, sent, after.Delta(before, "Tcp:InCsumErrors"))
			require.EqualValues(t, sent, after.Delta(before, "Tcp:InErrs"))
			require.Zero(t, after.Delta(before, "Tcp:OutRsts"))
		})
	}
	_, err := New(t).Flood(time.Millisecond, Segment{Network: "udp4"})
	require.ErrorContains(t, err, "unsupported network")
	_, err = New(t).Flood(time.Hour, Segment{Network: "tcp4"})
	require.ErrorContains(t, err, "out of range")
	_, err = New(t).Flood(time.Millisecond, Segment{Network: "tcp4"}, Datagram{Network: "udp6"})
	require.ErrorContains(t, err, "two address families")
}

// TestFloodUDPChecksum checks the non-TCP storm: every datagram sent is one
// UDP checksum error, and no TCP counter moves.
func TestFloodUDPChecksum(t *testing.T) {
	RequirePrivileges(t)
	for network, counter := range map[string]string{"udp4": "Udp:InCsumErrors", "udp6": "Udp6:InCsumErrors"} {
		t.Run(network, func(t *testing.T) {
			ns := New(t)
			before, err := ns.Counters()
			require.NoError(t, err)
			sent, err := ns.Flood(200*time.Millisecond, Datagram{Network: network, SrcPort: 40000, DstPort: 40001, BadChecksum: true})
			require.NoError(t, err)
			after := countersReaching(t, ns, before, counter, int64(sent))
			require.Positive(t, sent)
			require.EqualValues(t, sent, after.Delta(before, counter))
			require.Zero(t, after.Delta(before, "Tcp:InErrs"))
		})
	}
}

// TestFloodPorts checks that Flood sends its packets in turn: one each to
// every port, as the benchmark's storm over many series needs.
func TestFloodPorts(t *testing.T) {
	RequirePrivileges(t)
	ns := New(t)
	var pkts []Packet
	for port := range uint16(100) {
		pkts = append(pkts, Segment{Network: "tcp4", SrcPort: 40000, DstPort: 41000 + port, Flags: SYN, Window: 65535, BadChecksum: true})
	}
	before, err := ns.Counters()
	require.NoError(t, err)
	sent, err := ns.Flood(100*time.Millisecond, pkts...)
	require.NoError(t, err)
	after := countersReaching(t, ns, before, "Tcp:InCsumErrors", int64(sent))
	require.GreaterOrEqual(t, sent, len(pkts))
	require.EqualValues(t, sent, after.Delta(before, "Tcp:InCsumErrors"))
}
