package probe

import (
	"math/bits"
	"runtime"
	"time"
	"unsafe"

	"github.com/tcpdrop/tcpdrop/bpf"
)

// Sampling decides which counted drops also cross to user space as events.
// The counts stay exact whatever it drops.
type Sampling struct {
	// Rate is the events per second each CPU may send; 0 turns sampling off.
	Rate uint32
	// Burst is how many events a CPU may send at once after a quiet
	// spell; 0 means Rate (one second's worth).
	Burst uint32
	// Stack takes the kernel stack of each sampled drop (about 3 µs).
	Stack bool
}

// bucket turns the rate and burst into bucket.h's terms: the nanoseconds one
// event moves the bucket on, and how far ahead of now it may run.
func (s Sampling) bucket() (interval, burst uint64) {
	if s.Rate == 0 {
		return 0, 0
	}
	// At least 1: an interval of 0 would mean sampling is off.
	interval = max(uint64(time.Second)/uint64(s.Rate), 1)
	return interval, interval * uint64(s.burst()-1)
}

func (s Sampling) burst() uint32 {
	if s.Burst == 0 {
		return s.Rate
	}
	return s.Burst
}

// eventSize is the bytes one sampled drop takes in the ring.
const eventSize = int(unsafe.Sizeof(bpf.TcpdropDropEvent{}))

// ringSize holds half a second of events from every CPU at full rate, so a
// reader polling every 100 ms, or woken when the ring is a quarter full,
// loses none. Without sampling the ring is one page: the program still
// names it.
func ringSize(s Sampling) uint32 {
	const page, least, most = 4096, 256 << 10, 64 << 20
	if s.Rate == 0 {
		return page
	}
	want := uint64(eventSize) * uint64(s.Rate) * uint64(runtime.NumCPU()) / 2
	want = min(max(want, least), most)
	return uint32(1) << bits.Len64(want-1)
}
