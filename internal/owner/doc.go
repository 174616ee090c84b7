// Package owner tells whose a drop is: the cgroup v2 path of its socket
// and the container that cgroup, or else the drop's network namespace,
// belongs to.
//
// The probe keys a window by the socket's cgroup ID (the inode of the
// cgroup's directory in the cgroup2 mount) and the namespace's inode; a
// Resolver turns each distinct pair into an Owner once per window through
// three caches, each rebuilt at most once per Resolve and only when an
// unknown key appears:
//
//   - cgroup ID → path, by walking the cgroup2 tree. Cgroup IDs are not
//     reused, so a hit needs no check; removed cgroups are forgotten at the
//     next walk.
//   - namespace inode → container, from the cgroups (/proc/PID/cgroup) of
//     the processes in it, found with netnsscan. Namespace inodes are
//     reused as soon as a namespace is freed, so each hit is checked with a
//     stat of the ns file it was found through. The host's initial
//     namespace (that of PID 1 under ProcRoot) is nobody's: containers run
//     with the host's network share it.
//   - container ID → name, from the Docker Engine API. Other runtimes'
//     containers (containerd, CRI-O, podman) are named by ID only.
//
// Which container a cgroup path names is ParseCgroupPath's: the layouts of
// Docker (cgroupfs and systemd drivers), containerd (CRI, nerdctl), CRI-O,
// podman and Kubernetes' pod cgroups (both drivers). A drop whose cgroup
// names no container takes its namespace's (and, without a socket, that
// container's cgroup); the first process of the namespace whose cgroups
// name one decides, so a pod's namespace, shared by all its containers, is
// named after one of them (and its PodUID).
//
// Privileges: the cgroup2 tree and /proc/PID/cgroup can be read by any
// user; /proc/PID/ns/net of another user's process needs CAP_SYS_PTRACE,
// and Docker's socket root or the docker group. Missing says what is not
// seen for want of them.
package owner
