package hostproc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPath(t *testing.T) {
	t.Setenv(Env, "")
	require.Equal(t, "/proc/kallsyms", Path("kallsyms"))
	t.Setenv(Env, "/host/proc")
	require.Equal(t, "/host/proc/sys/kernel/kptr_restrict", Path("sys", "kernel", "kptr_restrict"))
}
