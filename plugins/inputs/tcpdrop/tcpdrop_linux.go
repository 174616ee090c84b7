package tcpdrop

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/netstat"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// running is what Start acquires and Stop releases.
type running struct {
	probe *probe.Probe
	names *drop.Namer
	last  counters
}

// Start loads and attaches the probe; the first window begins here.
func (t *TCPDrop) Start(telegraf.Accumulator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run != nil {
		return errors.New("already started")
	}
	names := &drop.Namer{Symbols: kallsyms.NewProc()}
	var err error
	names.Reasons, err = reasons.NewKernel()
	switch {
	case errors.Is(err, reasons.ErrNoReasons):
		if len(t.IncludeReasons)+len(t.ExcludeReasons) > 0 {
			return errors.New("include_reasons and exclude_reasons need a kernel with drop reasons (5.17 or later)")
		}
		t.Log.Warn("This kernel has no drop reasons (before 5.17): every drop is counted with reason UNKNOWN")
	case err != nil:
		return err
	}
	include, exclude, err := t.reasonFilter(names.Reasons)
	if err != nil {
		return err
	}
	p, err := probe.Open(probe.Options{Mode: t.mode, Dims: t.dims, Include: include, Exclude: exclude, MaxKeys: t.MaxKeys})
	if err != nil {
		for _, log := range probe.VerifierLogs(err) {
			t.Log.Debugf("Verifier log:\n%s", log)
		}
		return fmt.Errorf("attach to skb:kfree_skb: %w", err)
	}
	// After Open, which names missing capabilities first.
	if err := names.Symbols.Check(); err != nil {
		p.Close()
		return err
	}
	for _, skipped := range p.Skipped() {
		t.Log.Debugf("Probe mode unavailable: %v", skipped)
	}
	t.Log.Infof("Counting TCP drops at skb:kfree_skb via %s, grouped by %s", p.Mode(), strings.Join(t.GroupBy, ","))
	t.run = &running{probe: p, names: names}
	t.run.last = t.readCounters()
	return nil
}

// reasonFilter turns reason names into the running kernel's values. Names
// the user gave must exist; the default exclusions may not on older kernels.
func (t *TCPDrop) reasonFilter(dec *reasons.Decoder) (include, exclude []uint32, err error) {
	if dec == nil {
		return nil, nil, nil
	}
	lookup := func(option string, names []string, strict bool) ([]uint32, error) {
		var values []uint32
		for _, name := range names {
			v, ok := dec.Value(name)
			if !ok && strict {
				return nil, fmt.Errorf("%s: this kernel has no drop reason %q; it has %s", option, name, strings.Join(dec.Names(), ", "))
			}
			if ok {
				values = append(values, v)
			}
		}
		return values, nil
	}
	if include, err = lookup("include_reasons", t.IncludeReasons, true); err != nil {
		return nil, nil, err
	}
	if t.ExcludeReasons == nil {
		exclude, err = lookup("exclude_reasons", defaultExclude, false)
	} else {
		exclude, err = lookup("exclude_reasons", t.ExcludeReasons, true)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(include) > 0 {
		include = slices.DeleteFunc(include, func(v uint32) bool { return slices.Contains(exclude, v) })
		if len(include) == 0 {
			return nil, nil, errors.New("exclude_reasons removes every reason of include_reasons")
		}
		exclude = nil
	}
	return include, exclude, nil
}

// Gather ends the window in progress and emits it. Errors are logged, not
// returned: the shim prints returned errors without a level prefix.
func (t *TCPDrop) Gather(acc telegraf.Accumulator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run == nil {
		return nil
	}
	now := time.Now()
	counts, err := t.run.probe.Window()
	if err != nil {
		t.Log.Errorf("Reading window: %v", err)
	}
	if t.dims.Has(drop.DimFrame) {
		if err := t.run.names.Prepare(counts); err != nil {
			t.Log.Warnf("Naming drop sites: %v", err)
		}
	}
	for _, s := range aggregate(counts, t.dims, t.run.names) {
		acc.AddFields("tcpdrop", s.fields(), s.tags, now)
	}
	cur := t.readCounters()
	fields := cur.since(t.run.last)
	fields["map_keys"] = int64(len(counts))
	acc.AddFields("tcpdrop_probe", fields, map[string]string{"probe": string(t.run.probe.Mode())}, now)
	t.run.last = cur
	return nil
}

// readCounters snapshots every cumulative source of tcpdrop_probe; one that
// cannot be read is left out of the window rather than reported as zero.
func (t *TCPDrop) readCounters() counters {
	var c counters
	if st, err := t.run.probe.Stats(); err != nil {
		t.Log.Errorf("Reading probe counters: %v", err)
	} else {
		c.mapFull, c.filtered, c.recursionMisses = st.MapFull, st.Filtered, st.RecursionMisses
		c.runTimeNs, c.runCount = uint64(st.Runtime.Nanoseconds()), st.RunCount
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
	t.run = nil
}
