package tracer

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/hostproc"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
)

// The warning names the cause, which root's CAP_SYSLOG does not fix when
// kptr_restrict is 2, and how to get names; read under HOST_PROC.
func TestExplainNaming(t *testing.T) {
	proc := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(proc, "sys", "kernel"), 0o755))
	t.Setenv(hostproc.Env, proc)
	hidden := func(v string) string {
		require.NoError(t, os.WriteFile(filepath.Join(proc, "sys", "kernel", "kptr_restrict"), []byte(v+"\n"), 0o644))
		err := explainNaming(kallsyms.ErrHidden)
		require.ErrorIs(t, err, kallsyms.ErrHidden)
		return err.Error()
	}
	require.Contains(t, hidden("2"), "kernel.kptr_restrict = 2, from every process, root included")
	require.Contains(t, hidden("2"), "sysctl -w kernel.kptr_restrict=1")
	require.Contains(t, hidden("1"), "kernel.kptr_restrict = 1 from processes without CAP_SYSLOG")
	require.Contains(t, hidden("0"), "without CAP_SYSLOG (kernel.kptr_restrict = 0")

	other := errors.New("permission denied")
	require.Equal(t, other, explainNaming(other), "only hidden addresses are explained")
}
