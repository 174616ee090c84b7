// Package tcpdrop is a Telegraf input that counts dropped TCP packets in the
// kernel and emits one window of aggregates per gather.
package tcpdrop

import (
	_ "embed"
	"fmt"
	"slices"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/plugins/inputs"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/hostproc"
	"github.com/tcpdrop/tcpdrop/internal/owner"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
	"github.com/tcpdrop/tcpdrop/internal/tracer"
)

//go:embed sample.conf
var sampleConfig string

// Limits on sampling, so a typo cannot make every drop cross to user space
// or every window carry thousands of stacks.
const (
	maxEventsPerSecond = 100000
	maxTopStacks       = 1000
)

type TCPDrop struct {
	GroupBy         []string        `toml:"group_by"`
	IncludeReasons  []string        `toml:"include_reasons"`
	ExcludeReasons  []string        `toml:"exclude_reasons"`
	Probe           string          `toml:"probe"`
	MaxKeys         uint32          `toml:"max_keys"`
	EventsPerSecond uint32          `toml:"events_per_second"`
	TopStacks       int             `toml:"top_stacks"`
	EventMetrics    bool            `toml:"event_metrics"`
	ReceiveHooks    bool            `toml:"receive_hooks"`
	Listeners       bool            `toml:"listeners"`
	ListenersMaxNS  int             `toml:"listeners_max_namespaces"`
	DockerEndpoint  string          `toml:"docker_endpoint"`
	RunningTotals   bool            `toml:"running_totals"`
	TotalsMaxSeries int             `toml:"running_totals_max_series"`
	Log             telegraf.Logger `toml:"-"`

	dims drop.Dims
	mode probe.Mode

	// kernelReasons replaces reasons.NewKernel in tests, which take the
	// path of a kernel without drop reasons (before 5.17) with it.
	kernelReasons func(*btf.Cache) (*reasons.Decoder, error)

	mu  sync.Mutex // Gather and Stop may come from different goroutines
	run *running   // what Start acquired; nil when stopped
}

func (*TCPDrop) SampleConfig() string { return sampleConfig }

// Init checks the configuration; what needs the kernel is checked in Start.
func (t *TCPDrop) Init() error {
	var err error
	if t.dims, err = drop.ParseDims(t.GroupBy); err != nil {
		return err
	}
	if t.mode, err = probe.ParseMode(t.Probe); err != nil {
		return err
	}
	// max_keys is bounded by the kernel memory it takes, which depends on
	// the host's possible CPUs (tracer.MaxMapMemory).
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return fmt.Errorf("possible cpus: %w", err)
	}
	if err := tracer.CheckMapMemory(t.MaxKeys, cpus); err != nil {
		return err
	}
	if t.EventsPerSecond > maxEventsPerSecond {
		return fmt.Errorf("events_per_second must be at most %d", maxEventsPerSecond)
	}
	if t.TopStacks < 0 || t.TopStacks > maxTopStacks {
		return fmt.Errorf("top_stacks must be between 0 and %d", maxTopStacks)
	}
	if t.ListenersMaxNS < 0 || t.ListenersMaxNS > maxListenNamespacesLimit {
		return fmt.Errorf("listeners_max_namespaces must be between 0 (all) and %d", maxListenNamespacesLimit)
	}
	if t.TotalsMaxSeries < 1 || t.TotalsMaxSeries > maxTotalsSeriesLimit {
		return fmt.Errorf("running_totals_max_series must be between 1 and %d", maxTotalsSeriesLimit)
	}
	for _, list := range []struct {
		name    string
		reasons []string
	}{{"include_reasons", t.IncludeReasons}, {"exclude_reasons", t.ExcludeReasons}} {
		for i, r := range list.reasons {
			if r == "" {
				return fmt.Errorf("%s: empty reason name", list.name)
			}
			if slices.Contains(list.reasons[:i], r) {
				return fmt.Errorf("%s: %q given twice", list.name, r)
			}
		}
	}
	return nil
}

func New() *TCPDrop {
	return &TCPDrop{
		GroupBy:         []string{"reason", "state", "flags", "frame"},
		Probe:           string(probe.ModeAuto),
		MaxKeys:         4096,
		EventsPerSecond: 100,
		TopStacks:       10,
		ReceiveHooks:    true,
		Listeners:       true,
		ListenersMaxNS:  1000,
		DockerEndpoint:  owner.DefaultDockerEndpoint,
		TotalsMaxSeries: 10000,
	}
}

// sampling is what the probe must sample for the measurements configured:
// nothing unless tcpdrop_stack or tcpdrop_event wants it.
func (t *TCPDrop) sampling() probe.Sampling {
	if t.TopStacks == 0 && !t.EventMetrics {
		return probe.Sampling{}
	}
	return probe.Sampling{Rate: t.EventsPerSecond, Stack: true}
}

// owners says where to look for the owners of drops, nil when no
// measurement names them: the cgroup and container dimensions, and
// tcpdrop_event's fields.
func (t *TCPDrop) owners() *owner.Config {
	if t.dims&(drop.DimCgroup|drop.DimContainer) == 0 && !t.EventMetrics {
		return nil
	}
	return &owner.Config{ProcRoot: hostproc.Path(), NetnsDir: "/run/netns", DockerEndpoint: t.DockerEndpoint}
}

func init() {
	inputs.Add("tcpdrop", func() telegraf.Input { return New() })
}
