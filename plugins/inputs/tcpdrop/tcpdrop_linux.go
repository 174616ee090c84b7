package tcpdrop

import (
	"errors"
	"os"
	"strings"
	"time"

	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netstat"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// running is what Start acquires and Stop releases.
type running struct {
	probe   *probe.Probe
	names   *drop.Namer
	samples *queue        // nil without sampling
	reading chan struct{} // closed when the ring reader ends
	last    counters
}

// Start loads and attaches the probe; the first window begins here.
func (t *TCPDrop) Start(telegraf.Accumulator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run != nil {
		return errors.New("already started")
	}
	kernelReasons := reasons.NewKernel
	if t.kernelReasons != nil {
		kernelReasons = t.kernelReasons
	}
	p, names, err := probe.Start(probe.Options{Mode: t.mode, Dims: t.dims, MaxKeys: t.MaxKeys,
		ReceiveHooks: t.ReceiveHooks, Sampling: t.sampling()},
		reasons.List{Option: "include_reasons", Names: t.IncludeReasons},
		reasons.List{Option: "exclude_reasons", Names: t.ExcludeReasons}, kernelReasons)
	if err != nil {
		for _, log := range probe.VerifierLogs(err) {
			t.Log.Debugf("Verifier log:\n%s", log)
		}
		return err
	}
	if names.Reasons == nil {
		t.Log.Warn("This kernel has no drop reasons (before 5.17): every drop is counted with reason UNKNOWN")
	}
	for _, skipped := range p.Info().Skipped {
		t.Log.Debugf("Unavailable: %v", skipped)
	}
	warnBlindSpots(t.Log, p.Info())
	t.Log.Infof("Counting TCP drops at skb:kfree_skb via %s, grouped by %s", p.Mode(), strings.Join(t.GroupBy, ","))
	t.run = &running{probe: p, names: names}
	if rate := t.sampling().Rate; rate > 0 {
		t.Log.Infof("Sampling up to %d drops per second per CPU with their stacks", rate)
		t.run.samples = &queue{max: maxQueued}
		t.run.reading = make(chan struct{})
		go t.readSamples(p, t.run.samples, t.run.reading)
	}
	t.run.last = t.readCounters()
	return nil
}

// readSamples moves sampled drops into q until the probe closes.
func (t *TCPDrop) readSamples(p *probe.Probe, q *queue, done chan<- struct{}) {
	defer close(done)
	if err := p.ReadEvents(samplePoll, q.push); err != nil {
		t.Log.Errorf("Reading sampled drops: %v", err)
	}
}

// samplePoll is how often the ring of sampled drops is read. The probe
// wakes the reader early only when the ring fills up.
const samplePoll = 100 * time.Millisecond

// Gather ends the window in progress and emits it. Errors are logged, not
// returned: the shim prints returned errors without a level prefix.
func (t *TCPDrop) Gather(acc telegraf.Accumulator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run == nil {
		return nil
	}
	now := time.Now()
	w, err := t.run.probe.Window()
	if err != nil {
		t.Log.Errorf("Reading window: %v", err)
	}
	if t.dims.Has(drop.DimFrame) {
		if err := t.run.names.Prepare(w.Counts); err != nil {
			t.Log.Warnf("Naming drop sites: %v", err)
		}
	}
	for _, s := range aggregate(w.Counts, t.dims, t.run.names) {
		acc.AddFields("tcpdrop", s.fields(), s.tags, now)
	}
	if t.run.samples != nil {
		t.gatherSamples(acc, now)
	}
	cur := t.readCounters()
	fields := cur.since(t.run.last)
	for k, v := range windowFields(w, t.run.samples != nil) {
		fields[k] = v
	}
	acc.AddFields("tcpdrop_probe", fields, probeTags(t.run.probe.Info()), now)
	t.run.last = cur
	return nil
}

// gatherSamples emits the window's tcpdrop_stack and tcpdrop_event lines.
func (t *TCPDrop) gatherSamples(acc telegraf.Accumulator, now time.Time) {
	events := t.run.samples.take()
	if len(events) == 0 {
		return
	}
	if err := t.run.names.PrepareEvents(events); err != nil {
		t.Log.Warnf("Naming stacks: %v", err)
	}
	for _, s := range topStacks(events, t.TopStacks, t.run.names) {
		acc.AddFields("tcpdrop_stack", s.fields(), s.tags(), now)
	}
	if t.EventMetrics {
		for _, e := range events {
			acc.AddFields("tcpdrop_event", eventFields(e, t.run.names), eventTags(e, t.run.names), e.Time)
		}
	}
}

// readCounters snapshots every cumulative source of tcpdrop_probe; one that
// cannot be read is left out of the window rather than reported as zero.
func (t *TCPDrop) readCounters() counters {
	var c counters
	if st, err := t.run.probe.ProgStats(); err != nil {
		t.Log.Errorf("Reading probe counters: %v", err)
	} else {
		c.noWindow, c.recursionMisses = st.NoWindow, st.RecursionMisses
		c.runTimeNs, c.runCount = uint64(st.Runtime.Nanoseconds()), st.RunCount
	}
	if t.run.samples != nil {
		c.eventsShed = t.run.samples.shedTotal()
	}
	if ext, err := netstat.Read(); err != nil {
		t.Log.Debugf("Reading /proc/net/netstat: %v", err)
	} else {
		c.listenOverflows, c.listenDrops, c.haveNetstat = ext.ListenOverflows, ext.ListenDrops, true
	}
	if b, err := os.ReadFile("/proc/sys/kernel/bpf_stats_enabled"); err == nil {
		c.haveRunStats = strings.TrimSpace(string(b)) == "1"
	}
	return c
}

// Stop detaches the probe; it is safe to call on nil and more than once.
func (t *TCPDrop) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run == nil {
		return
	}
	if err := t.run.probe.Close(); err != nil {
		t.Log.Errorf("Detaching probe: %v", err)
	}
	if t.run.reading != nil {
		<-t.run.reading
	}
	t.run = nil
}
