package owner

import "github.com/prometheus/procfs"

// procContainer is the container a process's cgroups (/proc/PID/cgroup)
// name. The v2 line (hierarchy 0) is taken if
// it names one; on v1 and hybrid hosts runtimes may only place processes
// in the v1 hierarchies, so then the first v1 line that names one.
func procContainer(cgroups []procfs.Cgroup) Container {
	for _, v2 := range []bool{true, false} {
		for _, cg := range cgroups {
			if (cg.HierarchyID == 0) != v2 {
				continue
			}
			if c := ParseCgroupPath(cg.Path); c != (Container{}) {
				return c
			}
		}
	}
	return Container{}
}
