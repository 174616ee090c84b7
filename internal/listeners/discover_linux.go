package listeners

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// place is a namespace and a way to reach it.
type place struct {
	inode uint64
	// path is one of its nsfs files: a task's ns/net, or a name in
	// /run/netns.
	path string
	// tid is a task in it, 0 for a named namespace no task was found in.
	tid int
}

// discover finds the network namespaces of every task under procRoot, and
// the named ones in netnsDir, by inode. Tasks, not only processes: a thread
// can live in another namespace than its process. It also returns how many
// processes hid their namespace (no ptrace read access).
func discover(procRoot, netnsDir string) (map[uint64]place, int, error) {
	procs, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, 0, err
	}
	found := make(map[uint64]place)
	hidden := 0
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		taskDir := filepath.Join(procRoot, p.Name(), "task")
		tasks, err := os.ReadDir(taskDir)
		if err != nil {
			continue // exited
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			path := filepath.Join(taskDir, t.Name(), "ns", "net")
			ino, err := nsInode(path)
			if errors.Is(err, fs.ErrPermission) {
				hidden++
				break // the other tasks of the process hide theirs too
			}
			if err != nil {
				continue // exited
			}
			if _, ok := found[ino]; !ok {
				found[ino] = place{inode: ino, path: path, tid: tid}
			}
		}
	}
	named, err := os.ReadDir(netnsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, 0, err
	}
	for _, n := range named {
		path := filepath.Join(netnsDir, n.Name())
		ino, err := nsInode(path)
		if err != nil {
			continue // not a namespace, or deleted meanwhile
		}
		if _, ok := found[ino]; !ok {
			found[ino] = place{inode: ino, path: path}
		}
	}
	return found, hidden, nil
}

// nsInode is the inode of the namespace file at path, which stat follows.
func nsInode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return st.Ino, nil
}
