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
// window's length. The length is the last window's, and a window may run
// longer than the one before (a slow gather), so room is made for twice
// as long. The store keeps that many, at most MaxSamples, so it sheds only
// when the kernel's budget exceeds the cap.
func sampleBudget(s probe.Sampling, cpus int, window time.Duration) int {
	if s.Rate == 0 {
		return 0
	}
	burst := s.Burst
	if burst == 0 {
		burst = s.Rate
	}
	perCPU := float64(burst) + float64(s.Rate)*2*window.Seconds()
	return int(min(float64(cpus)*perCPU+1, MaxSamples))
}
