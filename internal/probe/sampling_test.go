package probe

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSamplingBucket(t *testing.T) {
	interval, burst := Sampling{Rate: 100}.bucket()
	require.Equal(t, uint64(10*time.Millisecond), interval)
	require.Equal(t, 99*interval, burst, "one second's worth of events at once")

	interval, burst = Sampling{Rate: 1000, Burst: 1}.bucket()
	require.Equal(t, uint64(time.Millisecond), interval)
	require.Zero(t, burst, "no burst: one event per interval")

	interval, burst = Sampling{}.bucket()
	require.Zero(t, interval, "rate 0 turns sampling off")
	require.Zero(t, burst)
}

func TestRingSize(t *testing.T) {
	require.Equal(t, uint32(4096), ringSize(Sampling{}))
	require.Equal(t, uint32(256<<10), ringSize(Sampling{Rate: 100}))
	require.Equal(t, uint32(64<<20), ringSize(Sampling{Rate: 1 << 30}))
	size := ringSize(Sampling{Rate: 100000})
	require.Zero(t, size&(size-1), "a power of two")
	require.GreaterOrEqual(t, size, uint32(256<<10))
}
