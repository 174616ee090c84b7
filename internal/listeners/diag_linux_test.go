package listeners

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// message builds an inet_diag_msg with the given attributes after it.
func message(t *testing.T, m inetDiagMsg, attrs func(*netlink.AttributeEncoder)) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, binary.Write(&b, binary.NativeEndian, m))
	ae := netlink.NewAttributeEncoder()
	attrs(ae)
	a, err := ae.Encode()
	require.NoError(t, err)
	return append(b.Bytes(), a...)
}

func meminfo(drops uint32) func(*netlink.AttributeEncoder) {
	return func(ae *netlink.AttributeEncoder) {
		ae.Uint8(1, 0) // another attribute first
		mem := make([]uint32, unix.SK_MEMINFO_VARS)
		mem[unix.SK_MEMINFO_DROPS] = drops
		var b bytes.Buffer
		_ = binary.Write(&b, binary.NativeEndian, mem)
		ae.Bytes(inetDiagSKMemInfo, b.Bytes())
	}
}

func TestParseListener(t *testing.T) {
	m := inetDiagMsg{Family: unix.AF_INET, State: tcpListen, RQueue: 2, WQueue: 1}
	m.ID.Sport = [2]byte{0x1f, 0x90} // 8080
	copy(m.ID.Src[:], []byte{127, 0, 0, 1})
	m.ID.Cookie = [2]uint32{7, 1}
	l, err := parseListener(message(t, m, meminfo(24)))
	require.NoError(t, err)
	require.Equal(t, Listener{Cookie: 1<<32 | 7, Address: netip.MustParseAddr("127.0.0.1"), Port: 8080,
		AcceptQueue: 2, AcceptQueueMax: 1, Drops: 24}, l)

	m.Family = unix.AF_INET6
	m.ID.Src = netip.MustParseAddr("::1").As16()
	l, err = parseListener(message(t, m, meminfo(3)))
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddr("::1"), l.Address)
	require.EqualValues(t, 3, l.Drops)
}

func TestParseListenerErrors(t *testing.T) {
	m := inetDiagMsg{Family: unix.AF_INET}
	_, err := parseListener(message(t, m, func(*netlink.AttributeEncoder) {}))
	require.ErrorContains(t, err, "without SK_MEMINFO")
	_, err = parseListener(message(t, m, meminfo(1))[:20])
	require.Error(t, err, "short message")
	_, err = parseListener(message(t, m, func(ae *netlink.AttributeEncoder) { ae.Bytes(inetDiagSKMemInfo, make([]byte, 8)) }))
	require.ErrorContains(t, err, "has no drops")
	m.Family = unix.AF_UNIX
	_, err = parseListener(message(t, m, meminfo(1)))
	require.ErrorContains(t, err, "family")
}
