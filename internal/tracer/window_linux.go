package tracer

import "fmt"

// window swaps the probe's window map and puts the ended window's counts
// and counters into s; it returns the window's number, which its samples
// carry.
func (t *Tracer) window(s *Snapshot) (uint64, error) {
	w, err := t.probe.Window()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrWindow, err)
	}
	s.Counts = w.Counts
	s.Stats.MapFull, s.Stats.Filtered, s.Stats.Unparsed = w.Stats.MapFull, w.Stats.Filtered, w.Stats.Unparsed
	s.Stats.SkDrops, s.Stats.Sampled, s.Stats.Lost = w.Stats.SkDrops, w.Stats.Sampled, w.Stats.Lost
	if t.sampling.Rate > 0 {
		s.Stats.Suppressed = w.Suppressed()
	}
	return w.Number, nil
}
