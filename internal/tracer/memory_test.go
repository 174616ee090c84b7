package tracer

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMapMemory(t *testing.T) {
	// Measured on 6.18 with 2 possible CPUs: memlock of one map of 4096
	// keys is 525248 bytes.
	require.InDelta(t, 2*525248, MapMemory(4096, 2), 2*525248*0.01)
	require.Equal(t, uint64(2*4096*(96+16*128)), MapMemory(4096, 128))

	require.NoError(t, CheckMapMemory(4096, 128))
	require.EqualError(t, CheckMapMemory(1<<20, 128),
		"max_keys 1048576 would take 4288.0 MiB of kernel memory with 128 possible CPUs; at most 256.0 MiB: max_keys 62601")
	require.NoError(t, CheckMapMemory(62601, 128))
	require.Error(t, CheckMapMemory(62602, 128))
	require.Error(t, CheckMapMemory(0, 2))
}
