//go:build linux

package main

import (
	"slices"
)

// results holds every run by configuration and round.
type results struct {
	samples map[string]map[int]sample
	errs    map[string][]error
}

func newResults(cs []config) *results {
	r := &results{samples: map[string]map[int]sample{}, errs: map[string][]error{}}
	for _, c := range cs {
		r.samples[c.key] = map[int]sample{}
	}
	return r
}

func (r *results) add(key string, round int, s sample) { r.samples[key][round] = s }

func (r *results) fail(key string, err error) { r.errs[key] = append(r.errs[key], err) }

// spread is the median and range of one figure over the rounds.
type spread struct {
	n                int
	median, min, max float64
}

func spreadOf(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{n: len(s), median: m, min: s[0], max: s[len(s)-1]}
}

// summary is one row of the table.
type summary struct {
	runs, failed int
	rate         spread // drops per second
	share        spread // the storm's share of its CPU
	ratio        spread // rate over the same round's baseline rate
	cpuRatio     spread // the same for cpuRate
	nsPerDrop    spread
	cpuPerM      spread  // CPU seconds per million drops
	userPct      spread  // user CPU, percent of one core
	sysPct       spread  // system CPU, percent of one core
	rss          float64 // highest peak RSS, bytes
	exactRuns    int     // runs whose count was exact, if counted is known
	counted      bool    // whether the tracer reports counts
	lost         int64   // summed over runs; unknown if never reported
	traced       bool    // whether a tracer ran
}

func (r *results) summarize(c config) summary {
	runs := r.samples[c.key]
	base := r.samples[c.storm.baselineKey()]
	sum := summary{runs: len(runs), failed: len(r.errs[c.key]), traced: c.prepare != nil, lost: unknown}
	var rate, share, ratio, cpuRatio, ns, cpu, user, sys []float64
	for round, s := range runs {
		rate = append(rate, s.rate())
		share = append(share, s.share(len(c.storm.cpus)))
		if b, ok := base[round]; ok {
			ratio = append(ratio, s.rate()/b.rate())
			cpuRatio = append(cpuRatio, s.cpuRate()/b.cpuRate())
		}
		if sum.traced {
			ns = append(ns, s.nsPerDrop())
			cpu = append(cpu, s.cpuPerMillion())
			user = append(user, 100*s.usage.user.Seconds()/s.usageTime.Seconds())
			sys = append(sys, 100*s.usage.sys.Seconds()/s.usageTime.Seconds())
			sum.rss = max(sum.rss, float64(s.rss))
		}
		if s.tally.counted != unknown {
			sum.counted = true
			if s.exact() {
				sum.exactRuns++
			}
		}
		if s.tally.lost != unknown {
			sum.lost = max(sum.lost, 0) + s.tally.lost
		}
	}
	sum.rate, sum.share = spreadOf(rate), spreadOf(share)
	sum.ratio, sum.cpuRatio = spreadOf(ratio), spreadOf(cpuRatio)
	sum.nsPerDrop, sum.cpuPerM = spreadOf(ns), spreadOf(cpu)
	sum.userPct, sum.sysPct = spreadOf(user), spreadOf(sys)
	return sum
}

// generatorExact tells whether, in every run, the namespaces' counter of
// the storm's drops agreed with the packets the generator sent.
func (r *results) generatorExact() (agree, runs int) {
	for _, rounds := range r.samples {
		for _, s := range rounds {
			runs++
			if s.caused == s.sent+s.costSent {
				agree++
			}
		}
	}
	return agree, runs
}
