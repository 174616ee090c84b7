package tracer

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// store holds the samples the ring reader hands over until a snapshot
// takes them, one reservoir per window generation: after a swap the ring
// still holds the ended window's events and already some of the next's,
// and each must go to its own window. The reader never waits for a
// snapshot; memory stays bounded by the reservoirs' size.
type store struct {
	mu   sync.Mutex
	size int // samples one window may keep
	gens map[uint64]*reservoir
	bad  uint64 // undecodable records since the last take
	rand *rand.Rand
}

func newStore(size int, r *rand.Rand) *store {
	return &store{size: size, gens: map[uint64]*reservoir{}, rand: r}
}

// push files one batch of the ring reader.
func (s *store) push(b probe.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bad += uint64(b.Bad)
	for _, e := range b.Events {
		r, ok := s.gens[e.Window]
		if !ok {
			r = newReservoir(s.size, s.rand)
			s.gens[e.Window] = r
		}
		r.add(e)
	}
}

// take returns the samples of window gen and of any older one still held
// (none, once the ring was drained after the swap), oldest first, with how
// many were left out and how many bad records were read since the last
// take. Later windows' samples stay. size applies from the next window on.
func (s *store) take(gen uint64, size int) (samples []drop.Event, shed, bad uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for g, r := range s.gens {
		if g > gen {
			continue
		}
		samples = append(samples, r.kept...)
		shed += r.shed()
		delete(s.gens, g)
	}
	bad, s.bad = s.bad, 0
	s.size = size
	slices.SortStableFunc(samples, func(a, b drop.Event) int { return cmp.Compare(a.Time.UnixNano(), b.Time.UnixNano()) })
	return samples, shed, bad
}
