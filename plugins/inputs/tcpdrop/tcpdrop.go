// Package tcpdrop is a Telegraf input that counts dropped TCP packets in the
// kernel and emits one window of aggregates per gather.
package tcpdrop

import (
	_ "embed"
	"fmt"
	"slices"
	"sync"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/plugins/inputs"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

//go:embed sample.conf
var sampleConfig string

// defaultExclude is noise on every busy host. It applies only while
// exclude_reasons is not set, and names this kernel lacks are skipped.
var defaultExclude = []string{"QUEUE_PURGE"}

// maxKeysLimit keeps a typo from asking the kernel for gigabytes.
const maxKeysLimit = 1 << 20

type TCPDrop struct {
	GroupBy        []string        `toml:"group_by"`
	IncludeReasons []string        `toml:"include_reasons"`
	ExcludeReasons []string        `toml:"exclude_reasons"`
	Probe          string          `toml:"probe"`
	MaxKeys        uint32          `toml:"max_keys"`
	Log            telegraf.Logger `toml:"-"`

	dims drop.Dims
	mode probe.Mode

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
	if t.MaxKeys == 0 || t.MaxKeys > maxKeysLimit {
		return fmt.Errorf("max_keys must be between 1 and %d", maxKeysLimit)
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
		GroupBy: []string{"reason", "state", "flags", "frame"},
		Probe:   string(probe.ModeAuto),
		MaxKeys: 4096,
	}
}

func init() {
	inputs.Add("tcpdrop", func() telegraf.Input { return New() })
}
