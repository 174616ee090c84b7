package cgroup2

import (
	"testing"

	"github.com/prometheus/procfs"
	"github.com/stretchr/testify/require"
)

// The cgroup2 mount, from process 1's mountinfo of testdata/<fixture>.
func TestMount(t *testing.T) {
	for _, tc := range []struct{ fixture, want string }{
		{"v2-host", "/sys/fs/cgroup"},
		{"hybrid-host", "/sys/fs/cgroup/unified"},
		{"v1-host", ""},
		{"container-subtree", ""},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			fs, err := procfs.NewFS("testdata/" + tc.fixture)
			require.NoError(t, err)
			proc, err := fs.Proc(1)
			require.NoError(t, err)
			mounts, err := proc.MountInfo()
			require.NoError(t, err)
			require.Equal(t, tc.want, Mount(mounts))
		})
	}
}
