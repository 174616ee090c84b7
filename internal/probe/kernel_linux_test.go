package probe

import (
	"os"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// What the probe reads from BTF agrees with the kernel's history: the
// tracepoint's arguments grew in 5.17 and 6.11, and tcp_drop() reached it
// from 5.18. Run on every kernel of the matrix.
func TestKernelFacts(t *testing.T) {
	spec, err := btf.LoadKernelSpec()
	require.NoError(t, err)
	k, err := readKernel(spec)
	require.NoError(t, err)
	want := 2
	switch {
	case netnstest.KernelAtLeast(t, 6, 11):
		want = 4
	case netnstest.KernelAtLeast(t, 5, 17):
		want = 3
	}
	require.Equal(t, want, k.rawArgs)
	require.Equal(t, netnstest.KernelAtLeast(t, 5, 18), k.tcpDropTraced)
	require.Contains(t, k.sockHooks, "tcp_v4_do_rcv")
	require.Contains(t, k.sockHooks, "tcp_rcv_state_process")
	require.Equal(t, []string{"tcp_timewait_state_process"}, k.twHooks)
}

// ExpectHooksEnv is set where fentry works (the matrix's guests; this
// project's hosts refuse it): there the receive hooks must attach.
const expectHooksEnv = "TCPDROP_EXPECT_HOOKS"

// Without rx_sk the probe takes the socket from its receive hooks, and
// says so; before 5.18 they also count tcp_drop()'s drops.
func TestReceiveHooks(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, mode := range []Mode{ModeBTF, ModeRaw} {
		t.Run(string(mode), func(t *testing.T) {
			if mode == ModeBTF && !netnstest.KernelAtLeast(t, 5, 17) {
				return
			}
			p := open(t, Options{Mode: mode, Dims: drop.DimReason, MaxKeys: 16, ReceiveHooks: true})
			info := p.Info()
			rxSk := mode == ModeRaw && netnstest.KernelAtLeast(t, 6, 11)
			switch {
			case rxSk:
				require.Equal(t, StateFromRxSk, info.StateFrom)
			case os.Getenv(expectHooksEnv) == "1":
				require.Equal(t, StateFromHooks, info.StateFrom, "skipped: %v", info.Skipped)
			default:
				require.Contains(t, []StateFrom{StateFromHooks, StateFromSkb}, info.StateFrom)
			}
			switch {
			case netnstest.KernelAtLeast(t, 5, 18):
				require.Equal(t, TCPDropTracepoint, info.TCPDrop)
			case info.StateFrom == StateFromHooks:
				require.Equal(t, TCPDropSkDrops, info.TCPDrop)
			default:
				require.Equal(t, TCPDropMissed, info.TCPDrop)
			}

			off := open(t, Options{Mode: mode, Dims: drop.DimReason, MaxKeys: 16})
			if !rxSk {
				require.Equal(t, StateFromSkb, off.Info().StateFrom)
			}
		})
	}
}
