package tracer

import "fmt"

// window swaps the probe's window map and puts the ended window's counts
// and counters into s; it returns the window's generation, which its
// samples carry.
func (t *Tracer) window(s *Snapshot) (uint64, error) {
	counts, err := t.probe.Window()
	if err != nil {
		t.readStats()
		return 0, fmt.Errorf("read window: %w", err)
	}
	s.Counts = counts
	t.gen++
	// The probe keeps these since load: read right after the swap.
	into := []*uint64{&s.Stats.MapFull, &s.Stats.Filtered, &s.Stats.Suppressed, &s.Stats.Lost}
	for i, v := range t.readStats() {
		*into[i] = v
	}
	return t.gen, nil
}

// readStats returns the growth of the probe's counters since the last call.
func (t *Tracer) readStats() [4]uint64 {
	st, err := t.probe.Stats()
	var out [4]uint64
	for i, v := range []uint64{st.MapFull, st.Filtered, st.Suppressed, st.Lost} {
		out[i], _ = t.stats[i].next(v, err == nil)
	}
	return out
}
