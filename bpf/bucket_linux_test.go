package bpf

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
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
	// Before 5.11 maps are charged to RLIMIT_MEMLOCK, and freed ones
	// uncharged only later: a second run in a row would exceed it.
	require.NoError(t, rlimit.RemoveMemlock())
	var objs BucketObjects
	require.NoError(t, LoadBucketObjects(&objs, nil))
	t.Cleanup(func() { objs.Close() })
	return bucket{objs.RunTakeToken, objs.Args}
}

const interval = uint64(10 * time.Millisecond) // 100 per second

func TestTakeTokenBurstThenRate(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: uint64(time.Hour), Tick: 1, Interval: interval, Burst: 4 * interval}

	// A bucket never used (tat 0) is full: burst/interval + 1 at once.
	for i := range 5 {
		require.True(t, b.drop(t, &args), "sample %d of the burst", i)
	}
	require.False(t, b.drop(t, &args), "bucket empty")
	require.Equal(t, uint64(time.Hour)+5*interval, args.B.Tat, "a refusal leaves the state alone")

	// One interval later, exactly one more token.
	args.Clock += interval
	args.Tick++
	require.True(t, b.drop(t, &args))
	require.False(t, b.drop(t, &args))

	// Idle time refills only up to the burst.
	args.Clock += uint64(time.Minute)
	args.Tick++
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
	// Ticks of 1 ms (HZ 1000) read the clock at every drop; of 4 ms
	// (HZ 250) at every fourth, the drops in between see it stand still.
	for _, perTick := range []uint64{1, 4} {
		args := bucketArgs{Clock: uint64(time.Hour), Interval: interval, Burst: 9 * interval}
		allowed := 0
		for i := range uint64(drops) {
			args.Tick = 1 + i/perTick
			if b.drop(t, &args) {
				allowed++
			}
			args.Clock += step
		}
		// 5 s at 100/s plus a burst of 10: every token spent, none
		// invented, whether or not drops share clock reads.
		span := drops * step / interval
		require.GreaterOrEqual(t, uint64(allowed), span-perTick, "%d drops a tick", perTick)
		require.LessOrEqual(t, uint64(allowed), span+10, "%d drops a tick", perTick)
		require.Equal(t, uint32(drops/perTick), args.Reads, "one clock read per tick")
	}
}

// A CPU that drops rarely drops in a new tick each time, reads the clock
// each time, and is never refused.
func TestTakeTokenStaleClockNeverRefusesARareDrop(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: uint64(time.Hour), Tick: 1, Interval: interval, Burst: 3 * interval}
	for i := range 40 {
		require.True(t, b.drop(t, &args), "drop %d, an hour after the one before", i)
		args.Clock += uint64(time.Hour)
		args.Tick += uint64(time.Hour / (4 * time.Millisecond))
	}
	require.Equal(t, uint32(40), args.Reads)
}

// Within a tick the clock is not read again: the bucket sees time stand
// still, which refuses a sample it would have allowed, never the reverse.
func TestTakeTokenSameTickOnlyDelays(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: uint64(time.Hour), Tick: 1, Interval: interval}
	require.True(t, b.drop(t, &args))
	args.Clock += interval // the token is due, but the tick is the same
	require.False(t, b.drop(t, &args), "time stood still within the tick")
	args.Tick++
	require.True(t, b.drop(t, &args), "the next tick reads the clock")
	require.Equal(t, uint32(2), args.Reads)
}

func TestTakeTokenNoBurst(t *testing.T) {
	b := loadBucket(t)
	args := bucketArgs{Clock: 1000, Tick: 1, Interval: 100}
	require.True(t, b.drop(t, &args))
	args.Clock += 99
	args.Tick++
	require.False(t, b.drop(t, &args), "before the interval is over")
	args.Clock++
	args.Tick++
	require.True(t, b.drop(t, &args), "when the interval is over")
}
