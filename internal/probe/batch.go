package probe

import "github.com/tcpdrop/tcpdrop/internal/drop"

// Batch is what one read of the ring of sampled drops gave (ReadEvents).
type Batch struct {
	Events []drop.Event
	// Bad counts records that could not be decoded; they were skipped.
	Bad int
	// Flushed says every event in the ring when FlushEvents was called
	// has been handed over, in this batch or before.
	Flushed bool
}
