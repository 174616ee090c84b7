package probe

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// A drop on a socket is keyed by the cgroup the socket was created in; a
// drop without a socket by none, and by its namespace, which then names
// its owner.
// Auto takes the typed arguments where the kernel has them (5.17+), raw_tp
// reads every field through probe reads.
func TestCgroupOfTheDroppingSocket(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, mode := range []Mode{ModeAuto, ModeRaw} {
		t.Run(string(mode), func(t *testing.T) { testCgroupOf(t, mode) })
	}
}

func testCgroupOf(t *testing.T, mode Mode) {
	p := open(t, Options{Mode: mode, Dims: drop.DimCgroup, MaxKeys: 16, ReceiveHooks: true})
	ns := netnstest.New(t)
	cg := netnstest.NewCgroup(t)
	var onSocket func() error
	require.NoError(t, cg.Run(func() (err error) {
		onSocket, err = netnstest.ScenarioNamed(t, "established data out of window").Prepare(t, ns)
		return err
	}))
	noSocket, err := netnstest.ScenarioNamed(t, "bad checksum").Prepare(t, ns)
	require.NoError(t, err)
	_, err = p.Window()
	require.NoError(t, err)
	require.NoError(t, onSocket())
	require.NoError(t, noSocket())
	got, _ := netnsWindows(t, p, ns, 400, func(k drop.Key) uint64 { return k.Cgroup })
	want := map[uint64]uint64{cg.ID: 200, 0: 200}
	if p.Info().StateFrom == StateFromSkb {
		// No receive hook and no rx_sk: the socket is not known.
		want = map[uint64]uint64{0: 400}
	}
	require.Equal(t, want, got, "cgroup %s is %d", cg.Path, cg.ID)
}
