package owner

import "github.com/prometheus/procfs"

// cgroup2Mount is where the cgroup2 hierarchy's root is mounted:
// /sys/fs/cgroup on v2 hosts, /sys/fs/cgroup/unified on hybrid ones, ""
// on v1 hosts. Mounts of a subtree (a container's private view, or a bind
// mount of one cgroup) do not count: the probe's cgroup IDs are the whole
// tree's.
func cgroup2Mount(mounts []*procfs.MountInfo) string {
	for _, m := range mounts {
		if m.FSType == "cgroup2" && m.Root == "/" {
			return m.MountPoint
		}
	}
	return ""
}
