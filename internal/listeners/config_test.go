package listeners

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHostConfig(t *testing.T) {
	t.Setenv("HOST_PROC", "/host/proc")
	require.Equal(t, Config{ProcRoot: "/host/proc", NetnsDir: "/run/netns", MaxNamespaces: 5}, HostConfig(5))
	t.Setenv("HOST_PROC", "")
	require.Equal(t, "/proc", HostConfig(0).ProcRoot)
}
