package tracer

import (
	"time"

	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// MaxSamples bounds the samples one window keeps, whatever the host, so
// their memory stays small (docs/tracer.md).
const MaxSamples = 20000

// sampleBudget is how many samples the kernel can admit in one window:
// every possible CPU may send a full bucket and then the rate for the
// window's length. That length is known only at the cut, so room is made
// for twice the last window's, and for no less than minBudgetWindow: a
// window may run much longer than the one before (a slow gather, a busy
// host). The store keeps that many, at most MaxSamples, so it sheds only
// when the kernel's budget exceeds the cap; memory is taken only by the
// samples that come.
func sampleBudget(s probe.Sampling, cpus int, window time.Duration) int {
	if s.Rate == 0 {
		return 0
	}
	burst := s.Burst
	if burst == 0 {
		burst = s.Rate
	}
	window = max(2*window, minBudgetWindow)
	perCPU := float64(burst) + float64(s.Rate)*window.Seconds()
	return int(min(float64(cpus)*perCPU+1, MaxSamples))
}

// minBudgetWindow is the shortest window the store is sized for.
const minBudgetWindow = 10 * time.Second
