package owner

import (
	"strings"

	"github.com/prometheus/procfs"
)

// procOwner is what a process's cgroups (/proc/PID/cgroup) say of it: its
// cgroup v2 path ("" without a v2 line), and the container of the v2 line
// if it names one, else of the first v1 line that does (on v1 and hybrid
// hosts runtimes may place processes in the v1 hierarchies only).
func procOwner(cgroups []procfs.Cgroup) Owner {
	var o Owner
	for _, cg := range cgroups {
		if cg.HierarchyID == 0 {
			o.Cgroup = relative(cg.Path)
			o.Container = ParseCgroupPath(cg.Path)
		}
	}
	for _, cg := range cgroups {
		if o.Container != (Container{}) {
			break
		}
		if cg.HierarchyID != 0 {
			o.Container = ParseCgroupPath(cg.Path)
		}
	}
	return o
}

// relative is a cgroup path as Owner gives it: from the root, without the
// leading slash, "/" for the root itself.
func relative(path string) string {
	if rel := strings.Trim(path, "/"); rel != "" {
		return rel
	}
	return "/"
}
