package tcpdrop

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/influxdata/telegraf/testutil"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

const kptrRestrict = "/proc/sys/kernel/kptr_restrict"

// setKptrRestrict sets the sysctl and puts the old value back at cleanup.
func setKptrRestrict(t *testing.T, v string) {
	t.Helper()
	old, err := os.ReadFile(kptrRestrict)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, os.WriteFile(kptrRestrict, old, 0o644)) })
	require.NoError(t, os.WriteFile(kptrRestrict, []byte(v), 0o644))
}

// With kernel.kptr_restrict = 2 kallsyms hides addresses from root too.
// Counting needs no names: the plugin counts exactly, with drop sites as
// addresses and one warning saying why; names return once the sysctl
// allows them.
func TestCountsWithoutNames(t *testing.T) {
	netnstest.RequirePrivileges(t)
	netnstest.RequireSerial(t)
	setKptrRestrict(t, "2")
	log := &testutil.CaptureLogger{}
	p := startPlugin(t, probe.ModeAuto, func(p *TCPDrop) { p.Log = log })

	kptr := func() []string {
		var out []string
		for _, w := range log.Warnings() {
			if strings.Contains(w, "kptr_restrict") {
				out = append(out, w)
			}
		}
		return out
	}
	warnings := kptr()
	require.Len(t, warnings, 1, "one W! line at start: %v", log.Warnings())
	require.Contains(t, warnings[0], "kernel.kptr_restrict = 2")
	require.Contains(t, warnings[0], "CAP_SYSLOG")

	// The refused SYNs; before 5.18 the RSTs that refuse them are counted
	// too, from sk_drops, with the fixed frame tcp_drop.
	refused, _ := probeSight(t, p).Sees(netnstest.ScenarioNamed(t, "closed port ipv4").Drops[0])
	syns := func(got map[string]series) []series {
		var out []series
		for _, s := range got {
			if s.tags["frame"] != "tcp_drop" {
				out = append(out, s)
			}
		}
		return out
	}
	ns := p.newNS(t)
	port := freePort(t, ns, "tcp4")
	const n = 1000
	require.NoError(t, ns.ConnectClosed("tcp4", port, n))
	got := syns(collect(t, p, ns, n))
	require.Len(t, got, 1, "%v", got)
	require.Equal(t, uint64(n), got[0].drops)
	// A kernel address: upper half, on amd64 and arm64 alike.
	require.Regexp(t, `^0xffff[0-9a-f]{12}$`, got[0].tags["frame"], "frame is an address")
	require.Equal(t, refused.Reason, got[0].tags["reason"], "reasons come from BTF, not kallsyms")
	require.Len(t, kptr(), 1, "no warning per window")

	setKptrRestrict(t, "0")
	p.run.tracer.Names().Symbols.RetryAfter = 0 // a minute otherwise
	ns = p.newNS(t)
	require.NoError(t, ns.ConnectClosed("tcp4", port, 10))
	got = syns(collect(t, p, ns, 10))
	require.Len(t, got, 1, "%v", got)
	require.Equal(t, uint64(10), got[0].drops)
	require.Equal(t, "tcp_v4_rcv", got[0].tags["frame"], "names are back")
	var back bool
	for _, m := range log.Messages() {
		back = back || strings.Contains(m.Text, "named again")
	}
	require.True(t, back, "an I! line says names are back")
}

// Asking for a reason that is excluded by default counts it: the default
// does not override what the user asked for. (Kernels before 6.6 have no
// QUEUE_PURGE, and reject its name.)
func TestIncludeBeatsDefaultExclusion(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := New()
	p.Log = testutil.Logger{}
	p.IncludeReasons = []string{"QUEUE_PURGE"}
	require.NoError(t, p.Init())
	dec, err := reasons.NewKernel(btf.NewCache())
	if errors.Is(err, reasons.ErrNoReasons) {
		require.EqualError(t, p.Start(&testutil.Accumulator{}),
			"include_reasons and exclude_reasons need a kernel with drop reasons (5.17 or later)")
		return
	}
	require.NoError(t, err)
	_, has := dec.Value("QUEUE_PURGE")
	if !has {
		require.ErrorContains(t, p.Start(&testutil.Accumulator{}), `this kernel has no drop reason "QUEUE_PURGE"`)
		return
	}
	require.NoError(t, p.Start(&testutil.Accumulator{}))
	p.Stop()

	p.ExcludeReasons = []string{"QUEUE_PURGE"}
	require.NoError(t, p.Init())
	require.EqualError(t, p.Start(&testutil.Accumulator{}), "exclude_reasons removes every reason of include_reasons",
		"an explicit exclusion still applies")
}
