package reasons

import (
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/stretchr/testify/require"
)

func filterDecoder(t *testing.T) *Decoder {
	d, err := New(spec(t, enum("skb_drop_reason",
		btf.EnumValue{Name: "SKB_DROP_REASON_NOT_SPECIFIED", Value: 2},
		btf.EnumValue{Name: "SKB_DROP_REASON_NO_SOCKET", Value: 3},
		btf.EnumValue{Name: "SKB_DROP_REASON_TCP_CSUM", Value: 8},
		btf.EnumValue{Name: "SKB_DROP_REASON_QUEUE_PURGE", Value: 9},
	)))
	require.NoError(t, err)
	return d
}

func TestFilter(t *testing.T) {
	d := filterDecoder(t)
	inc := func(names ...string) List { return List{Option: "include_reasons", Names: names} }
	// Never nil, as `exclude_reasons = []` gives.
	exc := func(names ...string) List {
		return List{Option: "exclude_reasons", Names: append([]string{}, names...)}
	}

	i, e, err := Filter(d, inc(), List{Option: "exclude_reasons"})
	require.NoError(t, err)
	require.Nil(t, i)
	require.Equal(t, []uint32{9}, e, "nil exclude: the default")

	i, e, err = Filter(d, inc(), exc())
	require.NoError(t, err)
	require.Nil(t, i)
	require.Empty(t, e, "an empty exclude turns the default off")

	i, e, err = Filter(d, inc("NO_SOCKET", "TCP_CSUM", "QUEUE_PURGE"), exc("QUEUE_PURGE"))
	require.NoError(t, err)
	require.Equal(t, []uint32{3, 8}, i, "include minus exclude")
	require.Nil(t, e)
	i, e, err = Filter(d, inc("NO_SOCKET", "TCP_CSUM", "QUEUE_PURGE"), List{Option: "exclude_reasons"})
	require.NoError(t, err)
	require.Equal(t, []uint32{3, 8, 9}, i, "the default exclusion does not override an include")
	require.Nil(t, e)

	_, _, err = Filter(d, inc("NO_SOCKT"), exc())
	require.EqualError(t, err, `include_reasons: this kernel has no drop reason "NO_SOCKT"; it has NOT_SPECIFIED, NO_SOCKET, QUEUE_PURGE, TCP_CSUM`)
	_, _, err = Filter(d, inc(), exc(""))
	require.EqualError(t, err, "exclude_reasons: empty reason name")
	i, e, err = Filter(d, inc("QUEUE_PURGE"), List{Option: "exclude_reasons"})
	require.NoError(t, err, "asking for a reason excluded by default counts it")
	require.Equal(t, []uint32{9}, i)
	require.Nil(t, e)
	_, _, err = Filter(d, inc("QUEUE_PURGE"), exc("QUEUE_PURGE"))
	require.EqualError(t, err, "exclude_reasons removes every reason of include_reasons")
}

func TestFilterWithoutReasons(t *testing.T) {
	i, e, err := Filter(nil, List{Option: "-reason"}, List{Option: "-exclude"})
	require.NoError(t, err)
	require.Nil(t, i)
	require.Nil(t, e, "the default exclusion cannot apply")
	_, _, err = Filter(nil, List{Option: "-reason", Names: []string{"NO_SOCKET"}}, List{Option: "-exclude"})
	require.EqualError(t, err, "-reason and -exclude need a kernel with drop reasons (5.17 or later)")
}
