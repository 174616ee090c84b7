package tcpdrop

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// A service's drops carry its cgroup: here a cgroup the test makes, as
// systemd makes one per unit, whose process owns the dropping socket.
func TestCgroupOfAService(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := startPlugin(t, probe.ModeAuto, func(p *TCPDrop) {
		p.GroupBy = []string{"reason", "state", "flags", "frame", "netns", "cgroup"}
	})
	sight := probeSight(t, p)
	ns := p.newNS(t)
	cg := netnstest.NewCgroup(t)
	sc := netnstest.ScenarioNamed(t, "established data out of window")
	var cause func() error
	require.NoError(t, cg.Run(func() (err error) {
		cause, err = sc.Prepare(t, ns)
		return err
	}))
	require.NoError(t, cause())

	want := map[string]uint64{cg.Path: sc.Drops[0].Count}
	if seen, _ := sight.Sees(sc.Drops[0]); seen.State == "NONE" {
		// Neither rx_sk nor a receive hook: the socket is not known.
		want = map[string]uint64{"": sc.Drops[0].Count}
	}
	got := map[string]uint64{}
	for _, s := range collect(t, p, ns, sc.Drops[0].Count) {
		got[s.tags["cgroup"]] += s.drops
	}
	require.Equal(t, want, got)
}
