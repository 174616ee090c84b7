package tcpdrop

import (
	"os"
	"strings"
	"testing"

	"github.com/influxdata/telegraf/testutil"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

func TestInitDefaults(t *testing.T) {
	p := New()
	p.Log = testutil.Logger{}
	require.NoError(t, p.Init())
	require.Equal(t, drop.DimReason|drop.DimState|drop.DimFlags|drop.DimFrame, p.dims)
	require.Equal(t, probe.ModeAuto, p.mode)
	require.Nil(t, p.ExcludeReasons, "nil selects the lenient default exclusions")
}

func TestInitRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(*TCPDrop)
		want   string
	}{
		"unknown dimension":                 {func(p *TCPDrop) { p.GroupBy = []string{"reason", "pid"} }, `unknown group_by dimension "pid"`},
		"repeated dimension":                {func(p *TCPDrop) { p.GroupBy = []string{"frame", "frame"} }, `"frame" given twice`},
		"unknown probe":                     {func(p *TCPDrop) { p.Probe = "kprobe" }, `unknown probe "kprobe"`},
		"zero max_keys":                     {func(p *TCPDrop) { p.MaxKeys = 0 }, "max_keys must be at least 1"},
		"huge max_keys":                     {func(p *TCPDrop) { p.MaxKeys = 1 << 30 }, "max_keys 1073741824 would take"},
		"negative listeners_max_namespaces": {func(p *TCPDrop) { p.ListenersMaxNS = -1 }, "listeners_max_namespaces must be between 0 (all) and"},
		"huge listeners_max_namespaces":     {func(p *TCPDrop) { p.ListenersMaxNS = 1 << 30 }, "listeners_max_namespaces must be between 0 (all) and"},
		"empty reason":                      {func(p *TCPDrop) { p.IncludeReasons = []string{""} }, "include_reasons: empty reason name"},
		"repeated reason": {func(p *TCPDrop) { p.ExcludeReasons = []string{"QUEUE_PURGE", "QUEUE_PURGE"} },
			`exclude_reasons: "QUEUE_PURGE" given twice`},
	} {
		t.Run(name, func(t *testing.T) {
			p := New()
			p.Log = testutil.Logger{}
			tc.change(p)
			require.ErrorContains(t, p.Init(), tc.want)
		})
	}
}

func TestSampleConfigIsEmbedded(t *testing.T) {
	require.Contains(t, New().SampleConfig(), "[[inputs.tcpdrop]]")
}

// The README's Configuration shows sample.conf as it is, as Telegraf's
// documentation tooling puts it there.
func TestReadmeShowsSampleConfig(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	const open, end = "```toml @sample.conf\n", "\n```\n"
	_, rest, ok := strings.Cut(string(b), open)
	require.True(t, ok, "no %q block", open)
	shown, _, ok := strings.Cut(rest, end)
	require.True(t, ok)
	require.Equal(t, sampleConfig, shown+"\n")
}

func TestStopIsNilSafeAndIdempotent(t *testing.T) {
	var nilPlugin *TCPDrop
	nilPlugin.Stop()
	p := New()
	p.Stop()
	p.Stop()
}
