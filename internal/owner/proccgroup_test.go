package owner

import (
	"testing"

	"github.com/prometheus/procfs"
	"github.com/stretchr/testify/require"
)

// /proc/PID/cgroup of a process on v1, v2 and hybrid hosts.
func TestProcOwner(t *testing.T) {
	docker := Container{Runtime: Docker, ID: id}
	for _, tc := range []struct {
		fixture string
		want    Owner
	}{
		{"v1-docker", Owner{Container: docker}},
		{"v2-docker-systemd", Owner{Cgroup: "system.slice/docker-" + id + ".scope", Container: docker}},
		{"v2-kubepods", Owner{
			Cgroup:    "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + id + ".scope",
			Container: Container{Runtime: Containerd, ID: id, PodUID: uid}}},
		// runc on a hybrid host may leave the process at the v2 root.
		{"hybrid-docker", Owner{Cgroup: "/", Container: docker}},
		// The v2 line is taken when it names a container.
		{"hybrid-v2-wins", Owner{Cgroup: "system.slice/docker-" + id + ".scope", Container: docker}},
		{"hybrid-service", Owner{Cgroup: "system.slice/ssh.service"}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			proc := fixtureProc(t, tc.fixture)
			cgs, err := proc.Cgroups()
			require.NoError(t, err)
			require.Equal(t, tc.want, procOwner(cgs))
		})
	}
}

// fixtureProc is process 1 of testdata/<fixture>, a proc tree's piece.
func fixtureProc(t *testing.T, fixture string) procfs.Proc {
	t.Helper()
	fs, err := procfs.NewFS("testdata/" + fixture)
	require.NoError(t, err)
	proc, err := fs.Proc(1)
	require.NoError(t, err)
	return proc
}
