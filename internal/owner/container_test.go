package owner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	id    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	inner = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	uid   = "1b2c3d4e-0000-4a5b-8c9d-0123456789ab"
	uidU  = "1b2c3d4e_0000_4a5b_8c9d_0123456789ab"
	// A static pod's UID is a hash, not a UUID.
	static = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
)

func TestParseCgroupPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want Container
	}{
		// Docker: cgroupfs and systemd drivers.
		{"/docker/" + id, Container{Runtime: Docker, ID: id}},
		{"docker/" + id, Container{Runtime: Docker, ID: id}},
		{"/system.slice/docker-" + id + ".scope", Container{Runtime: Docker, ID: id}},
		// containerd: CRI under systemd, nerdctl.
		{"/system.slice/cri-containerd-" + id + ".scope", Container{Runtime: Containerd, ID: id}},
		{"/system.slice/nerdctl-" + id + ".scope", Container{Runtime: Containerd, ID: id}},
		// CRI-O, and its monitor, which is no container.
		{"/machine.slice/crio-" + id + ".scope", Container{Runtime: CRIO, ID: id}},
		{"/machine.slice/crio-conmon-" + id + ".scope", Container{}},
		// podman, rootful and rootless, its monitor, and its split layout.
		{"/machine.slice/libpod-" + id + ".scope", Container{Runtime: Podman, ID: id}},
		{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope", Container{Runtime: Podman, ID: id}},
		{"/machine.slice/libpod-conmon-" + id + ".scope", Container{}},
		{"/machine.slice/libpod-" + id + ".scope/container", Container{Runtime: Podman, ID: id}},
		// Kubernetes, systemd driver: each QoS class.
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + id + ".scope",
			Container{Runtime: Containerd, ID: id, PodUID: uid}},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/crio-" + id + ".scope",
			Container{Runtime: CRIO, ID: id, PodUID: uid}},
		{"/kubepods.slice/kubepods-pod" + uidU + ".slice/docker-" + id + ".scope",
			Container{Runtime: Docker, ID: id, PodUID: uid}},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + static + ".slice/cri-containerd-" + id + ".scope",
			Container{Runtime: Containerd, ID: id, PodUID: static}},
		// Kubernetes, cgroupfs driver: the runtime is not in the path.
		{"/kubepods/burstable/pod" + uid + "/" + id, Container{ID: id, PodUID: uid}},
		{"/kubepods/besteffort/pod" + uid + "/" + id, Container{ID: id, PodUID: uid}},
		{"/kubepods/pod" + uid + "/" + id, Container{ID: id, PodUID: uid}},
		{"/kubepods/burstable/pod" + uid + "/crio-" + id, Container{Runtime: CRIO, ID: id, PodUID: uid}},
		// A pod's own cgroup.
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice", Container{PodUID: uid}},
		{"/kubepods/burstable/pod" + uid, Container{PodUID: uid}},
		// Nested: the innermost container, under the outer pod.
		{"/docker/" + id + "/docker/" + inner, Container{Runtime: Docker, ID: inner}},
		{"/system.slice/docker-" + id + ".scope/system.slice/docker-" + inner + ".scope", Container{Runtime: Docker, ID: inner}},
		{"/kubepods/burstable/pod" + uid + "/" + id + "/docker/" + inner, Container{Runtime: Docker, ID: inner, PodUID: uid}},
		// No container.
		{"/", Container{}},
		{"", Container{}},
		{"/system.slice/nginx.service", Container{}},
		{"/user.slice/user-1000.slice/session-2.scope", Container{}},
		{"/docker", Container{}},
		{"/docker/" + id[:63], Container{}},
		{"/docker/" + strings.ToUpper(id), Container{}},
		{"/system.slice/docker-" + id + "x.scope", Container{}},
		{"/system.slice/" + id, Container{}},
		{"/podman/" + id, Container{}},
		{"/kubepods/burstable/pod-not-a-uid/" + id, Container{}},
		{"/kubepods.slice/kubepods-burstable.slice", Container{}},
	} {
		require.Equal(t, tc.want, ParseCgroupPath(tc.path), tc.path)
	}
}

// Whatever the path, what comes out is well formed and was in it.
func FuzzParseCgroupPath(f *testing.F) {
	f.Add("/docker/" + id)
	f.Add("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + id + ".scope")
	f.Add("/kubepods/burstable/pod" + uid + "/" + id)
	f.Add("/machine.slice/libpod-conmon-" + id + ".scope")
	f.Fuzz(func(t *testing.T, path string) {
		c := ParseCgroupPath(path)
		require.Empty(t, c.Name)
		if c.ID != "" {
			require.True(t, isID(c.ID), c.ID)
			require.Contains(t, path, c.ID)
		} else {
			require.Empty(t, c.Runtime)
		}
		require.Contains(t, []string{"", Docker, Containerd, CRIO, Podman}, c.Runtime)
		if c.PodUID != "" {
			require.True(t, isUID(c.PodUID), c.PodUID)
			require.True(t, strings.Contains(path, c.PodUID) || strings.Contains(path, strings.ReplaceAll(c.PodUID, "-", "_")))
		}
	})
}
