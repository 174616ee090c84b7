package tcpdrop

import (
	"sync"

	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// maxQueued bounds the sampled drops held for one window (about 0.7 kB
// each): the reader never waits for Gather, so a Telegraf that reads the
// shim's output slowly costs samples, counted as events_shed, not memory.
const maxQueued = 10000

// queue hands sampled drops from the ring reader to Gather.
type queue struct {
	mu     sync.Mutex
	max    int
	events []drop.Event
	shed   uint64 // cumulative
}

// push adds what fits and counts the rest as shed; it never blocks on
// anything but the lock.
func (q *queue) push(batch []drop.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	room := max(q.max-len(q.events), 0)
	if len(batch) > room {
		q.shed += uint64(len(batch) - room)
		batch = batch[:room]
	}
	q.events = append(q.events, batch...)
}

// take returns the queued events, leaving the queue empty.
func (q *queue) take() []drop.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	events := q.events
	q.events = nil
	return events
}

// shedTotal is how many events push has shed so far.
func (q *queue) shedTotal() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shed
}
