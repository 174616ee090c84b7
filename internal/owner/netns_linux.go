package owner

import (
	"github.com/prometheus/procfs"

	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
)

// netnsEntry is a namespace's owner (a container, and its process's cgroup)
// and where the namespace was found.
type netnsEntry struct {
	owner Owner
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
// container and cgroup of the first process in each whose cgroups name a
// container, then the named namespaces, which are no container's.
func (n *namespaces) scan() (map[uint64]netnsEntry, error) {
	entries := make(map[uint64]netnsEntry)
	byPID := make(map[int]Owner)
	hidden, err := netnsscan.Tasks(n.procRoot, func(p netnsscan.Place) {
		if p.Inode == n.host {
			return // most tasks: not a cgroup read each
		}
		if e, ok := entries[p.Inode]; ok && e.owner.Container != (Container{}) {
			return
		}
		o, ok := byPID[p.PID]
		if !ok {
			o = n.processOwner(p.PID)
			byPID[p.PID] = o
		}
		if o.Container == (Container{}) {
			o = Owner{} // its cgroup is not the namespace's
		}
		if _, ok := entries[p.Inode]; !ok || o.Container != (Container{}) {
			entries[p.Inode] = netnsEntry{owner: o, path: p.Path}
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

// processOwner is what a process's cgroups say of it, zero if it exited.
func (n *namespaces) processOwner(pid int) Owner {
	p, err := n.proc.Proc(pid)
	if err != nil {
		return Owner{}
	}
	cgs, err := p.Cgroups()
	if err != nil {
		return Owner{}
	}
	return procOwner(cgs)
}
