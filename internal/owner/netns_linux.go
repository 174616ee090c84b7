package owner

import (
	"github.com/prometheus/procfs"

	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
)

// netnsEntry is a namespace's container and where the namespace was found.
type netnsEntry struct {
	container Container
	// path is an nsfs file of the namespace: a task's ns/net (of a process
	// in the container, if any) or a name in NetnsDir.
	path string
}

// namespaces finds the containers whose processes are in network
// namespaces.
type namespaces struct {
	proc     procfs.FS
	procRoot string
	netnsDir string
	// host is the host's initial namespace, which no container owns, even
	// those run with the host's network.
	host uint64
	// hidden counts the processes whose namespace the last scan could not
	// read.
	hidden int
}

// current says whether the entry's path still leads to namespace ino:
// namespace inodes are reused as soon as a namespace is freed.
func (n *namespaces) current(ino uint64, e netnsEntry) bool {
	got, err := netnsscan.Inode(e.path)
	return err == nil && got == ino
}

// scan finds every namespace a task is in but the host's, with the
// container of the first process in each whose cgroups name one, then the
// named namespaces, which are no container's.
func (n *namespaces) scan() (map[uint64]netnsEntry, error) {
	entries := make(map[uint64]netnsEntry)
	byPID := make(map[int]Container)
	hidden, err := netnsscan.Tasks(n.procRoot, func(p netnsscan.Place) {
		if p.Inode == n.host {
			return // most tasks: not a cgroup read each
		}
		if e, ok := entries[p.Inode]; ok && e.container != (Container{}) {
			return
		}
		c, ok := byPID[p.PID]
		if !ok {
			c = n.processContainer(p.PID)
			byPID[p.PID] = c
		}
		if _, ok := entries[p.Inode]; !ok || c != (Container{}) {
			entries[p.Inode] = netnsEntry{container: c, path: p.Path}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := netnsscan.Named(n.netnsDir, func(p netnsscan.Place) {
		if _, ok := entries[p.Inode]; !ok && p.Inode != n.host {
			entries[p.Inode] = netnsEntry{path: p.Path}
		}
	}); err != nil {
		return nil, err
	}
	n.hidden = hidden
	return entries, nil
}

// processContainer is the container a process's cgroups name, zero if it
// exited or names none.
func (n *namespaces) processContainer(pid int) Container {
	p, err := n.proc.Proc(pid)
	if err != nil {
		return Container{}
	}
	cgs, err := p.Cgroups()
	if err != nil {
		return Container{}
	}
	return procContainer(cgs)
}
