package bpf

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// bucketArgs is struct bucket_args of bucket_test.c.
type bucketArgs struct {
	Tat, Now, Interval, Burst uint64
}

// takeToken runs bucket.h's take_token in the kernel once.
func takeToken(t *testing.T, prog *ebpf.Program, args *bucketArgs) bool {
	t.Helper()
	var out bucketArgs
	ret, err := prog.Run(&ebpf.RunOptions{Context: *args, ContextOut: &out})
	require.NoError(t, err)
	*args = out
	return ret == 1
}

func loadBucket(t *testing.T) *ebpf.Program {
	netnstest.RequirePrivileges(t)
	var objs BucketObjects
	require.NoError(t, LoadBucketObjects(&objs, nil))
	t.Cleanup(func() { objs.Close() })
	return objs.RunTakeToken
}

func TestTakeTokenBurstThenRate(t *testing.T) {
	prog := loadBucket(t)
	const interval = uint64(10 * time.Millisecond) // 100 per second
	args := bucketArgs{Now: uint64(time.Hour), Interval: interval, Burst: 4 * interval}

	// A bucket never used (tat 0) is full: burst/interval + 1 at once.
	for i := range 5 {
		require.True(t, takeToken(t, prog, &args), "sample %d of the burst", i)
	}
	require.False(t, takeToken(t, prog, &args), "bucket empty")
	require.Equal(t, uint64(time.Hour)+5*interval, args.Tat, "a refusal leaves the state alone")

	// One interval later, exactly one more token.
	args.Now += interval
	require.True(t, takeToken(t, prog, &args))
	require.False(t, takeToken(t, prog, &args))

	// Idle time refills only up to the burst.
	args.Now += uint64(time.Minute)
	n := 0
	for takeToken(t, prog, &args) {
		n++
	}
	require.Equal(t, 5, n)
}

func TestTakeTokenLongRunStaysWithinRate(t *testing.T) {
	prog := loadBucket(t)
	const (
		interval = uint64(10 * time.Millisecond)
		step     = uint64(time.Millisecond) // a drop every ms: 10 per token
		drops    = 5000
	)
	args := bucketArgs{Now: uint64(time.Hour), Interval: interval, Burst: 9 * interval}
	allowed := 0
	for range drops {
		if takeToken(t, prog, &args) {
			allowed++
		}
		args.Now += step
	}
	// 5 s at 100/s plus a burst of 10: every token spent, none invented.
	span := drops * step / interval
	require.GreaterOrEqual(t, uint64(allowed), span)
	require.LessOrEqual(t, uint64(allowed), span+10)
}

func TestTakeTokenNoBurst(t *testing.T) {
	prog := loadBucket(t)
	args := bucketArgs{Now: 1000, Interval: 100}
	require.True(t, takeToken(t, prog, &args))
	args.Now += 99
	require.False(t, takeToken(t, prog, &args), "before the interval is over")
	args.Now++
	require.True(t, takeToken(t, prog, &args), "when the interval is over")
}
