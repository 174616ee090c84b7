package tracer

import (
	"math/rand/v2"

	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// reservoir keeps a uniform sample of at most size of the events offered to
// it (Vitter's Algorithm R): after n offers, each was kept with chance
// size/n, wherever in the window it came. Keeping the first ones instead
// would bias tcpdrop_stack towards the start of a window.
type reservoir struct {
	size int
	seen uint64
	kept []drop.Event
	rand *rand.Rand
}

func newReservoir(size int, r *rand.Rand) *reservoir {
	return &reservoir{size: size, rand: r}
}

func (r *reservoir) add(e drop.Event) {
	r.seen++
	if len(r.kept) < r.size {
		r.kept = append(r.kept, e)
		return
	}
	if j := r.rand.Uint64N(r.seen); j < uint64(r.size) {
		r.kept[j] = e
	}
}

// shed is how many offered events were left out.
func (r *reservoir) shed() uint64 { return r.seen - uint64(len(r.kept)) }
