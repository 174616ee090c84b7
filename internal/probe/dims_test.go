package probe

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/bpf"
	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// The plugin hands drop.Dims to the kernel as they are.
func TestDimsMatchTheProbe(t *testing.T) {
	for d, want := range map[drop.Dims]bpf.TcpdropDimension{
		drop.DimReason:    bpf.TcpdropDimensionDIM_REASON,
		drop.DimState:     bpf.TcpdropDimensionDIM_STATE,
		drop.DimFlags:     bpf.TcpdropDimensionDIM_FLAGS,
		drop.DimFrame:     bpf.TcpdropDimensionDIM_FRAME,
		drop.DimFamily:    bpf.TcpdropDimensionDIM_FAMILY,
		drop.DimNetns:     bpf.TcpdropDimensionDIM_NETNS,
		drop.DimLocalPort: bpf.TcpdropDimensionDIM_LOCAL_PORT,
		drop.DimCgroup:    bpf.TcpdropDimensionDIM_CGROUP,
	} {
		require.Equal(t, uint32(want), uint32(d))
	}
	require.Len(t, drop.DimNames(), 9)
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "auto": ModeAuto, "tp_btf_rx_sk": ModeBTFRxSk, "tp_btf": ModeBTF, "raw_tp": ModeRaw} {
		got, err := ParseMode(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := ParseMode("fentry")
	require.ErrorContains(t, err, `unknown probe "fentry"`)
}
