package main

import (
	"bytes"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/plugins/inputs/tcpdrop"
)

// settings are the configurable fields of the plugin, for comparing two.
func settings(p *tcpdrop.TCPDrop) []any {
	return []any{p.GroupBy, p.IncludeReasons, p.ExcludeReasons, p.Probe, p.MaxKeys, p.EventsPerSecond, p.TopStacks, p.EventMetrics}
}

// A configuration that parses writes back as TOML that parses to the same
// settings, which Init judges the same way; nothing panics.
func FuzzParseConfig(f *testing.F) {
	f.Add(tcpdrop.New().SampleConfig())
	f.Add("[[inputs.tcpdrop]]\n  group_by = [\"reason\", \"netns\"]\n  exclude_reasons = []\n  probe = \"tp_btf\"\n  max_keys = 100\n")
	f.Add("[[inputs.tcpdrop]]\n  include_reasons = [\"NO_SOCKET\", \"NO_SOCKET\"]\n  top_stacks = -1\n  event_metrics = true\n")
	f.Add("[[inputs.tcpdrop]]\n  max_keys = 4294967296\n")
	f.Add("[[inputs.tcpdrop]]\n[inputs.tcpdrop.x]\n")
	f.Add("[inputs]\ntcpdrop = [{}]\n")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := parseConfig("fuzz.conf", text)
		if err != nil {
			require.Nil(t, p)
			require.Contains(t, err.Error(), "fuzz.conf", "errors name the file")
			return
		}
		var out bytes.Buffer
		var file struct {
			Inputs struct {
				TCPDrop []*tcpdrop.TCPDrop `toml:"tcpdrop"`
			} `toml:"inputs"`
		}
		file.Inputs.TCPDrop = []*tcpdrop.TCPDrop{p}
		require.NoError(t, toml.NewEncoder(&out).Encode(file))
		again, err := parseConfig("again.conf", out.String())
		require.NoError(t, err, "%q written as %q", text, out.String())
		require.Equal(t, settings(p), settings(again), "%q written as %q", text, out.String())

		initErr := p.Init()
		if initErr == nil {
			require.NoError(t, again.Init())
		} else {
			require.EqualError(t, again.Init(), initErr.Error())
		}
	})
}
