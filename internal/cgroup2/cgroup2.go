// Package cgroup2 finds where the cgroup v2 hierarchy is mounted, which the
// owner resolver walks and the tests make cgroups in.
package cgroup2

import (
	"fmt"

	"github.com/prometheus/procfs"
)

// Find is Mount of this process's mount table: cgroup paths are read in
// its own mount namespace.
func Find() (string, error) {
	self, err := procfs.Self()
	if err != nil {
		return "", fmt.Errorf("own proc: %w", err)
	}
	mounts, err := self.MountInfo()
	if err != nil {
		return "", fmt.Errorf("mountinfo: %w", err)
	}
	return Mount(mounts), nil
}

// Mount is where the cgroup2 hierarchy's root is mounted: /sys/fs/cgroup on
// v2 hosts, /sys/fs/cgroup/unified on hybrid ones, "" on v1 hosts. Mounts
// of a subtree (a container's private view, or a bind mount of one cgroup)
// do not count: the probe's cgroup IDs are the whole tree's.
func Mount(mounts []*procfs.MountInfo) string {
	for _, m := range mounts {
		if m.FSType == "cgroup2" && m.Root == "/" {
			return m.MountPoint
		}
	}
	return ""
}
