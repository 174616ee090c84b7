package tcpdrop

import (
	"errors"
	"strings"

	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/owner"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
	"github.com/tcpdrop/tcpdrop/internal/tracer"
)

// running is what Start acquires and Stop releases.
type running struct {
	tracer *tracer.Tracer
	listen *listenWatch // nil with listeners = false
	naming error        // the last snapshot's naming problem, to log changes only
	totals *totals      // nil with running_totals = false
}

// Start loads and attaches the probe; the first window begins here.
func (t *TCPDrop) Start(telegraf.Accumulator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run != nil {
		return errors.New("already started")
	}
	tr, err := tracer.Start(tracer.Config{
		Probe: probe.Options{Mode: t.mode, Dims: t.dims, MaxKeys: t.MaxKeys,
			ReceiveHooks: t.ReceiveHooks, Sampling: t.sampling()},
		Include:       reasons.List{Option: "include_reasons", Names: t.IncludeReasons},
		Exclude:       reasons.List{Option: "exclude_reasons", Names: t.ExcludeReasons},
		KernelReasons: t.kernelReasons,
		Owners:        t.owners(),
		Log:           t.Log,
	})
	if err != nil {
		for _, log := range probe.VerifierLogs(err) {
			t.Log.Debugf("Verifier log:\n%s", log)
		}
		return err
	}
	t.run = &running{tracer: tr, naming: tr.Naming()}
	if t.RunningTotals {
		t.run.totals = newTotals(t.TotalsMaxSeries)
	}
	if t.Listeners {
		// Before logStart's last line: what comes after it is counted.
		if t.run.listen, err = startListenWatch(t.Log, t.ListenersMaxNS); err != nil {
			t.Log.Errorf("Listener scan off (tcpdrop_listen, tcpdrop_netns): %v", err)
		}
	}
	t.logStart(tr)
	return nil
}

// logStart says once what the probe can see, what it costs and what is
// missing.
func (t *TCPDrop) logStart(tr *tracer.Tracer) {
	info := tr.Info()
	if tr.Names().Reasons == nil {
		t.Log.Warn("This kernel has no drop reasons (before 5.17): every drop is counted with reason UNKNOWN")
	}
	for _, skipped := range info.Skipped {
		t.Log.Debugf("Unavailable: %v", skipped)
	}
	warnBlindSpots(t.Log, info)
	if missing := tr.OwnersMissing(); len(missing) > 0 {
		t.Log.Warnf("Drops are counted, some without their owners: %s", strings.Join(missing, "; "))
	}
	if err := tr.Naming(); err != nil {
		t.Log.Warnf("Drop sites and stacks are shown as kernel addresses (0xffffffff...); counting is not affected: %v", err)
	}
	t.Log.Infof("Counting TCP drops at skb:kfree_skb via %s, grouped by %s", info.Mode, strings.Join(t.GroupBy, ","))
	t.Log.Infof("Window maps: max_keys %d take %s of kernel memory (%d possible CPUs)",
		t.MaxKeys, tracer.MiB(tr.MapMemory()), tr.PossibleCPUs())
	if t.RunningTotals {
		t.Log.Infof("Running totals since start, of at most %d series", t.TotalsMaxSeries)
	}
	if rate := t.sampling().Rate; rate > 0 {
		t.Log.Infof("Sampling up to %d drops per second per CPU with their stacks", rate)
	}
}

// Gather ends the window in progress and emits it. Errors are logged, not
// returned: the shim prints returned errors without a level prefix.
func (t *TCPDrop) Gather(acc telegraf.Accumulator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run == nil {
		return nil
	}
	s, err := t.run.tracer.Snapshot()
	if err != nil {
		t.Log.Errorf("Reading window: %v", err)
	}
	if errors.Is(err, tracer.ErrWindow) {
		// Nothing of this window is known, and zeros would be wrong; the
		// listener scan restarts, so no line spans two windows.
		t.run.listen.skip()
		return nil
	}
	t.logNaming(s.Naming)
	t.render(acc, s)
	return nil
}

// render emits one snapshot: each measurement by its own function, all
// with the time the window was cut; with running_totals, through the
// totals.
func (t *TCPDrop) render(acc telegraf.Accumulator, s tracer.Snapshot) {
	if t.run.totals != nil {
		w := t.run.totals.window(acc)
		defer w.flush(s.End)
		acc = w
	}
	names := t.run.tracer.Names()
	for _, se := range aggregate(s.Counts, t.dims, names, s.Owners) {
		acc.AddFields("tcpdrop", se.fields(), se.tags, s.End)
	}
	for _, st := range topStacks(s.Samples, t.TopStacks, names, s.Owners, t.dims) {
		acc.AddFields("tcpdrop_stack", st.fields(), st.tags(t.dims), s.End)
	}
	if t.EventMetrics {
		for _, e := range s.Samples {
			fields := eventFields(e, names)
			ownerFields(fields, s.Owners[owner.Ref{Cgroup: e.Cgroup, Netns: e.Netns}])
			acc.AddFields("tcpdrop_event", fields, eventTags(e, names), e.Time)
		}
	}
	acc.AddFields("tcpdrop_probe", windowFields(s), probeTags(t.run.tracer.Info()), s.End)
	var owners func([]uint64) map[uint64]owner.Owner
	if t.dims.Has(drop.DimContainer) {
		owners = t.run.tracer.NetnsOwners
	}
	t.run.listen.gather(acc, s.End, owners)
}

// logNaming says when names come and go after start.
func (t *TCPDrop) logNaming(err error) {
	switch {
	case err == nil && t.run.naming != nil:
		t.Log.Info("Drop sites and stacks are named again")
	case err != nil && t.run.naming == nil:
		t.Log.Warnf("Drop sites and stacks are shown as kernel addresses: %v", err)
	}
	t.run.naming = err
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
	if err := t.run.tracer.Close(); err != nil {
		t.Log.Errorf("Detaching probe: %v", err)
	}
	if err := t.run.listen.close(); err != nil {
		t.Log.Errorf("Closing the listener scan: %v", err)
	}
	t.run = nil
}
