package bpf

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// bucketArgs is struct bucket_args of bucket_test.c.
type bucketArgs = BucketBucketArgs

// bucket is a loaded bucket_test.c.
type bucket struct {
	prog *ebpf.Program
	args *ebpf.Variable
}

// drop runs bucket.h for one drop in the kernel.
func (b bucket) drop(t *testing.T, args *bucketArgs) bool {
	t.Helper()
	require.NoError(t, b.args.Set(args))
	ret, err := b.prog.Run(&ebpf.RunOptions{})
	require.NoError(t, err)
	require.NoError(t, b.args.Get(args))
	return ret == 1
}

func loadBucket(t *testing.T) bucket {
	netnstest.RequirePrivileges(t)
	var objs BucketObjects
	require.NoError(t, LoadBucketObjects(&objs, nil))
	t.Cleanup(func() { objs.Close() })
	return bucket{objs.RunTakeToken, objs.Args}
}

const interval = uint64(10 * time.Millisecond) // 100 per second

func TestTakeTokenBurstThenRate(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: uint64(time.Hour), Interval: interval, Burst: 4 * interval, Every: 1}

	// A bucket never used (tat 0) is full: burst/interval + 1 at once.
	for i := range 5 {
		require.True(t, b.drop(t, &args), "sample %d of the burst", i)
	}
	require.False(t, b.drop(t, &args), "bucket empty")
	require.Equal(t, uint64(time.Hour)+5*interval, args.B.Tat, "a refusal leaves the state alone")

	// One interval later, exactly one more token.
	args.Clock += interval
	require.True(t, b.drop(t, &args))
	require.False(t, b.drop(t, &args))

	// Idle time refills only up to the burst.
	args.Clock += uint64(time.Minute)
	n := 0
	for b.drop(t, &args) {
		n++
	}
	require.Equal(t, 5, n)
}

func TestTakeTokenLongRunStaysWithinRate(t *testing.T) {
	b := loadBucket(t)
	const (
		step  = uint64(time.Millisecond) // a drop every ms: 10 per token
		drops = 5000
	)
	for _, every := range []uint32{1, 8} {
		args := bucketArgs{Clock: uint64(time.Hour), Interval: interval, Burst: 9 * interval, Every: every}
		allowed := 0
		for range drops {
			if b.drop(t, &args) {
				allowed++
			}
			args.Clock += step
		}
		// 5 s at 100/s plus a burst of 10: every token spent, none
		// invented, whether or not drops share clock reads.
		span := drops * step / interval
		require.GreaterOrEqual(t, uint64(allowed), span-uint64(every), "every %d", every)
		require.LessOrEqual(t, uint64(allowed), span+10, "every %d", every)
		require.Equal(t, uint32(drops/every), args.Reads, "one clock read per %d drops", every)
	}
}

// A CPU that drops rarely uses a stale clock between reads; with every no
// more than the burst it is still never refused.
func TestTakeTokenStaleClockNeverRefusesARareDrop(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: uint64(time.Hour), Interval: interval, Burst: 3 * interval, Every: 4}
	for i := range 40 {
		require.True(t, b.drop(t, &args), "drop %d, an hour after the one before", i)
		args.Clock += uint64(time.Hour)
	}
	require.Equal(t, uint32(10), args.Reads)
}

func TestTakeTokenNoBurst(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: 1000, Interval: 100, Every: 1}
	require.True(t, b.drop(t, &args))
	args.Clock += 99
	require.False(t, b.drop(t, &args), "before the interval is over")
	args.Clock++
	require.True(t, b.drop(t, &args), "when the interval is over")
}
