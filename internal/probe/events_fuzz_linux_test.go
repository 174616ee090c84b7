package probe

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/bpf"
)

// record is e as the probe writes it into the ring.
func record(t testing.TB, e bpf.TcpdropDropEvent) []byte {
	var b bytes.Buffer
	require.NoError(t, binary.Write(&b, binary.NativeEndian, e))
	return b.Bytes()
}

func validEvent() bpf.TcpdropDropEvent {
	e := bpf.TcpdropDropEvent{
		TimeNs: 123456789, Location: 0xffffffff81a3c4a5, StackBytes: 24, Reason: 2, Netns: 4026531840,
		Ifindex: 1, Pid: 42, Bytes: 60, Sport: 40000, Dport: 80, State: 10, Flags: 2, Family: 4,
	}
	e.Stack[0], e.Stack[1], e.Stack[2] = 0xffffffff81a3c4a5, 0xffffffff81a00000, 0xffffffff81900000
	copy(e.Saddr[:], []byte{127, 0, 0, 1})
	copy(e.Daddr[:], []byte{127, 0, 0, 1})
	for i, ch := range "curl" {
		e.Comm[i] = int8(ch)
	}
	return e
}

func TestDecodeRejectsGarbledRecords(t *testing.T) {
	c := clock{offset: 1000}
	good := record(t, validEvent())
	ev, err := decode(good, c)
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("127.0.0.1:40000"), ev.Src)
	require.Equal(t, []uint64{0xffffffff81a3c4a5, 0xffffffff81a00000, 0xffffffff81900000}, ev.Stack)
	require.Equal(t, "curl", ev.Comm)

	family := validEvent()
	family.Family = 0
	stack := validEvent()
	stack.StackBytes = 8*64 + 8
	for name, raw := range map[string][]byte{
		"empty":          nil,
		"short":          good[:len(good)-1],
		"long":           append(bytes.Clone(good), 0),
		"family":         record(t, family),
		"stack overflow": record(t, stack),
	} {
		_, err := decode(raw, c)
		require.Error(t, err, name)
	}

	noStack := validEvent()
	noStack.StackBytes = -14 // bpf_get_stack's -EFAULT
	ev, err = decode(record(t, noStack), c)
	require.NoError(t, err)
	require.Empty(t, ev.Stack)
}

// decode never panics, rejects every record that is not one drop_event
// of a TCP/IP drop, and returns what an accepted record holds.
func FuzzDecode(f *testing.F) {
	v4 := validEvent()
	f.Add(record(f, v4))
	v6 := validEvent()
	v6.Family, v6.StackBytes, v6.Comm = 6, 0, [16]int8{}
	copy(v6.Saddr[:], netip.IPv6Loopback().AsSlice())
	f.Add(record(f, v6))
	f.Add(record(f, v4)[:100])
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := clock{offset: -5}
		ev, err := decode(raw, c)
		if len(raw) != eventSize {
			require.Error(t, err)
			return
		}
		var e bpf.TcpdropDropEvent
		require.NoError(t, binary.Read(bytes.NewReader(raw), binary.NativeEndian, &e))
		if e.Family != 4 && e.Family != 6 || int(e.StackBytes) > 8*len(e.Stack) {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)

		require.Equal(t, e.Family, ev.Family)
		for _, ap := range []netip.AddrPort{ev.Src, ev.Dst} {
			require.True(t, ap.Addr().IsValid())
			require.Equal(t, e.Family == 4, ap.Addr().Is4())
		}
		require.Equal(t, e.Saddr[:len(ev.Src.Addr().AsSlice())], ev.Src.Addr().AsSlice())
		require.Equal(t, e.Daddr[:len(ev.Dst.Addr().AsSlice())], ev.Dst.Addr().AsSlice())
		require.Equal(t, []uint16{e.Sport, e.Dport}, []uint16{ev.Src.Port(), ev.Dst.Port()})
		require.Equal(t, c.time(e.TimeNs), ev.Time)
		require.Equal(t, []any{e.Window, e.Reason, e.Location, e.Netns, e.Ifindex, e.Pid, e.Bytes, e.State, e.Flags},
			[]any{ev.Window, ev.Reason, ev.Location, ev.Netns, ev.Ifindex, ev.PID, ev.Bytes, ev.State, ev.Flags})
		require.Equal(t, max(int(e.StackBytes), 0)/8, len(ev.Stack))
		for i, pc := range ev.Stack {
			require.Equal(t, e.Stack[i], pc)
		}
		require.NotContains(t, ev.Comm, "\x00")
		require.LessOrEqual(t, len(ev.Comm), len(e.Comm))
		for i := range len(ev.Comm) {
			require.Equal(t, byte(e.Comm[i]), ev.Comm[i])
		}
	})
}
