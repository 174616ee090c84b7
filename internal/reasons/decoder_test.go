package reasons

import (
	"bytes"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/stretchr/testify/require"
)

// spec marshals types to BTF and reads it back, as a kernel's would be read.
func spec(t *testing.T, types ...btf.Type) *btf.Spec {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	require.NoError(t, err)
	buf, err := b.Marshal(nil, nil)
	require.NoError(t, err)
	s, err := btf.LoadSpecFromReader(bytes.NewReader(buf))
	require.NoError(t, err)
	return s
}

func enum(name string, values ...btf.EnumValue) *btf.Enum {
	return &btf.Enum{Name: name, Size: 4, Values: values}
}

// linux61 numbers reasons as 6.1 does: no SKB_CONSUMED, no subsystems.
var linux61 = enum("skb_drop_reason",
	btf.EnumValue{Name: "SKB_NOT_DROPPED_YET", Value: 0},
	btf.EnumValue{Name: "SKB_DROP_REASON_NOT_SPECIFIED", Value: 1},
	btf.EnumValue{Name: "SKB_DROP_REASON_NO_SOCKET", Value: 2},
	btf.EnumValue{Name: "SKB_DROP_REASON_PKT_TOO_SMALL", Value: 3},
	btf.EnumValue{Name: "SKB_DROP_REASON_TCP_CSUM", Value: 4},
	btf.EnumValue{Name: "SKB_DROP_REASON_MAX", Value: 5},
)

// linux618 numbers reasons as 6.18 does, with subsystems.
var linux618 = enum("skb_drop_reason",
	btf.EnumValue{Name: "SKB_NOT_DROPPED_YET", Value: 0},
	btf.EnumValue{Name: "SKB_CONSUMED", Value: 1},
	btf.EnumValue{Name: "SKB_DROP_REASON_NOT_SPECIFIED", Value: 2},
	btf.EnumValue{Name: "SKB_DROP_REASON_NO_SOCKET", Value: 3},
	btf.EnumValue{Name: "SKB_DROP_REASON_SOCKET_CLOSE", Value: 4},
	btf.EnumValue{Name: "SKB_DROP_REASON_TCP_CSUM", Value: 8},
	btf.EnumValue{Name: "SKB_DROP_REASON_MAX", Value: 128},
	btf.EnumValue{Name: "SKB_DROP_REASON_SUBSYS_MASK", Value: 0xffff0000},
)

var subsys618 = enum("skb_drop_reason_subsys",
	btf.EnumValue{Name: "SKB_DROP_REASON_SUBSYS_CORE", Value: 0},
	btf.EnumValue{Name: "SKB_DROP_REASON_SUBSYS_MAC80211_UNUSABLE", Value: 1},
	btf.EnumValue{Name: "SKB_DROP_REASON_SUBSYS_OPENVSWITCH", Value: 2},
	btf.EnumValue{Name: "SKB_DROP_REASON_SUBSYS_NUM", Value: 3},
)

// ovs is openvswitch's reasons, as its module BTF holds them.
var ovs = enum("ovs_drop_reason",
	btf.EnumValue{Name: "__OVS_DROP_REASON", Value: 2 << 16},
	btf.EnumValue{Name: "OVS_DROP_LAST_ACTION", Value: 2<<16 | 1},
	btf.EnumValue{Name: "OVS_DROP_FLOW", Value: 2<<16 | 2},
	btf.EnumValue{Name: "OVS_DROP_MAX", Value: 2<<16 | 3},
)

func TestLinux61(t *testing.T) {
	d, err := New(spec(t, linux61))
	require.NoError(t, err)
	for v, want := range map[uint32]string{
		0:         "NOT_DROPPED_YET",
		1:         "NOT_SPECIFIED",
		2:         "NO_SOCKET",
		4:         "TCP_CSUM",
		5:         "UNKNOWN_5",
		2<<16 | 1: "UNKNOWN_131073",
	} {
		require.Equal(t, want, d.Name(v), "value %d", v)
	}
	v, ok := d.Value("NO_SOCKET")
	require.True(t, ok)
	require.EqualValues(t, 2, v)
	_, ok = d.Value("MAX")
	require.False(t, ok)
	require.Equal(t, []string{"NOT_DROPPED_YET", "NOT_SPECIFIED", "NO_SOCKET", "PKT_TOO_SMALL", "TCP_CSUM"}, d.Names())
}

func TestLinux618(t *testing.T) {
	mac80211 := enum("mac80211_drop_reason",
		btf.EnumValue{Name: "RX_CONTINUE", Value: 0},
		btf.EnumValue{Name: "RX_QUEUED", Value: 1},
		btf.EnumValue{Name: "___RX_DROP_UNUSABLE", Value: 1 << 16},
		btf.EnumValue{Name: "RX_DROP_U_MIC_FAIL", Value: 1<<16 | 1},
	)
	d, err := New(spec(t, linux618, subsys618, mac80211), spec(t, ovs))
	require.NoError(t, err)
	for v, want := range map[uint32]string{
		0:          "NOT_DROPPED_YET",
		1:          "CONSUMED",
		2:          "NOT_SPECIFIED",
		3:          "NO_SOCKET",
		8:          "TCP_CSUM",
		9:          "UNKNOWN_9",
		128:        "UNKNOWN_128",
		0xffff0000: "UNKNOWN_4294901760",
		1<<16 | 1:  "RX_DROP_U_MIC_FAIL",
		1 << 16:    "MAC80211_UNUSABLE_0",
		1<<16 | 9:  "MAC80211_UNUSABLE_9",
		2<<16 | 2:  "OVS_DROP_FLOW",
		2<<16 | 3:  "OPENVSWITCH_3",
		2<<16 | 7:  "OPENVSWITCH_7",
		3<<16 | 1:  "UNKNOWN_196609",
	} {
		require.Equal(t, want, d.Name(v), "value %#x", v)
	}
	v, ok := d.Value("OVS_DROP_FLOW")
	require.True(t, ok)
	require.EqualValues(t, 2<<16|2, v)
	require.Equal(t, []string{
		"CONSUMED", "NOT_DROPPED_YET", "NOT_SPECIFIED", "NO_SOCKET",
		"OVS_DROP_FLOW", "OVS_DROP_LAST_ACTION", "RX_DROP_U_MIC_FAIL",
		"SOCKET_CLOSE", "TCP_CSUM",
	}, d.Names())
}

func TestSubsysWithoutModule(t *testing.T) {
	d, err := New(spec(t, linux618, subsys618))
	require.NoError(t, err)
	require.Equal(t, "OPENVSWITCH_2", d.Name(2<<16|2))
}

func TestNoReasons(t *testing.T) {
	_, err := New(spec(t, enum("tcp_ca_event", btf.EnumValue{Name: "CA_EVENT_TX_START", Value: 0})))
	require.ErrorIs(t, err, ErrNoReasons)

	_, err = New()
	require.Error(t, err)
}
