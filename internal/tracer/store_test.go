package tracer

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

func events(gen uint64, from, n int) []drop.Event {
	out := make([]drop.Event, n)
	for i := range out {
		out[i] = drop.Event{Window: gen, PID: uint32(from + i), Time: time.Unix(0, int64(from+i))}
	}
	return out
}

// Samples go to the window whose generation they carry, whenever read.
func TestStoreKeepsSamplesInTheirWindow(t *testing.T) {
	s := newStore(100, rand.New(rand.NewPCG(1, 2)))
	s.push(probe.Batch{Events: events(7, 0, 3)})
	s.push(probe.Batch{Events: append(events(7, 3, 2), events(8, 10, 4)...), Bad: 2})
	got, shed, bad := s.take(7, 100)
	require.Len(t, got, 5)
	for i, e := range got {
		require.Equal(t, uint64(7), e.Window)
		require.Equal(t, uint32(i), e.PID, "oldest first")
	}
	require.Zero(t, shed)
	require.Equal(t, uint64(2), bad)

	got, _, bad = s.take(8, 100)
	require.Len(t, got, 4, "the next window's samples waited for it")
	require.Zero(t, bad)
	got, _, _ = s.take(9, 100)
	require.Empty(t, got)
}

func TestStoreShedsWhatDoesNotFit(t *testing.T) {
	s := newStore(3, rand.New(rand.NewPCG(1, 2)))
	s.push(probe.Batch{Events: events(1, 0, 2)})
	s.push(probe.Batch{Events: events(1, 2, 2)})
	got, shed, _ := s.take(1, 3)
	require.Len(t, got, 3)
	require.Equal(t, uint64(1), shed)
	s.push(probe.Batch{Events: events(2, 0, 5)})
	got, shed, _ = s.take(2, 3)
	require.Len(t, got, 3)
	require.Equal(t, uint64(2), shed, "per window, not Cumulative")
}

// Algorithm R keeps every offered event with the same chance: over many
// windows of 100 events into a reservoir of 10, the first and the last
// tenth of each window are kept equally often. A queue that keeps the
// first ones would keep only the first tenth.
func TestReservoirIsFair(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const rounds, n, size = 4000, 100, 10
	var kept [n]int
	for range rounds {
		res := newReservoir(size, r)
		for i := range n {
			res.add(drop.Event{PID: uint32(i)})
		}
		require.Len(t, res.kept, size)
		require.Equal(t, uint64(n-size), res.shed())
		for _, e := range res.kept {
			kept[e.PID]++
		}
	}
	want := float64(rounds) * size / n // 400 per event
	var first, last float64
	for i := range 10 {
		first += float64(kept[i])
		last += float64(kept[n-1-i])
	}
	for i, k := range kept {
		// Binomial(4000, 0.1): sd 19; 6 sd is far beyond chance.
		require.InDelta(t, want, k, 6*math.Sqrt(want*0.9), "event %d", i)
	}
	require.InDelta(t, 1, first/last, 0.1)
}

func TestSampleBudget(t *testing.T) {
	s := probe.Sampling{Rate: 100}
	require.Equal(t, 2*(100+2000)+1, sampleBudget(s, 2, 10*time.Second))
	require.Equal(t, MaxSamples, sampleBudget(s, 128, 10*time.Second), "capped")
	require.Equal(t, 4*(5+1000)+1, sampleBudget(probe.Sampling{Rate: 100, Burst: 5}, 4, 200*time.Millisecond),
		"short windows: room for 10 s")
	require.Zero(t, sampleBudget(probe.Sampling{}, 2, time.Second))
}
