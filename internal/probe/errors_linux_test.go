package probe

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// A rejected program's error is one line; its full log comes separately.
func TestVerifierLogsBehindOneLineError(t *testing.T) {
	netnstest.RequirePrivileges(t)
	_, loadErr := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.SocketFilter,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Return()}, // R0 never set
	})
	var ve *ebpf.VerifierError
	require.ErrorAs(t, loadErr, &ve)

	err := fmt.Errorf("attach: %w", modeErrors{
		fmt.Errorf("%s: load: %w", ModeBTFRxSk, loadErr),
		fmt.Errorf("%s: attach: %w", ModeRaw, errors.New("permission denied")),
	})
	require.NotContains(t, err.Error(), "\n")
	require.Contains(t, err.Error(), "tp_btf_rx_sk: load:")
	require.Contains(t, err.Error(), "; raw_tp: attach: permission denied")

	logs := VerifierLogs(err)
	require.Len(t, logs, 1)
	require.Contains(t, logs[0], "R0 !read_ok")
	require.Greater(t, strings.Count(logs[0], "\n"), 0, "the full log has every line")
}
