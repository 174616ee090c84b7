package drop

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDims(t *testing.T) {
	d, err := ParseDims([]string{"reason", "state", "flags", "frame"})
	require.NoError(t, err)
	require.Equal(t, DimReason|DimState|DimFlags|DimFrame, d)
	require.True(t, d.Has(DimReason|DimFrame))
	require.False(t, d.Has(DimNetns))

	all, err := ParseDims(DimNames())
	require.NoError(t, err)
	require.Equal(t, Dims(1<<len(DimNames())-1), all)

	none, err := ParseDims(nil)
	require.NoError(t, err)
	require.Zero(t, none)
}

func TestParseDimsErrors(t *testing.T) {
	_, err := ParseDims([]string{"reason", "port"})
	require.ErrorContains(t, err, `unknown group_by dimension "port"`)
	require.ErrorContains(t, err, "local_port")

	_, err = ParseDims([]string{"state", "state"})
	require.ErrorContains(t, err, `"state" given twice`)
}
