package netnsscan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Place is a namespace and a way to reach it.
type Place struct {
	Inode uint64
	// Path is one of its nsfs files: a task's ns/net, or a name in
	// /run/netns.
	Path string
	// PID and TID are a task in it, 0 for a named namespace.
	PID, TID int
}

// Tasks calls found for every task under procRoot, with its namespace.
// Tasks, not only processes: a thread can live in another namespace than
// its process. It returns how many processes hid their namespace (no
// ptrace read access).
func Tasks(procRoot string, found func(Place)) (hidden int, err error) {
	procs, err := os.ReadDir(procRoot)
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
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
			ino, err := Inode(path)
			if errors.Is(err, fs.ErrPermission) {
				hidden++
				break // the other tasks of the process hide theirs too
			}
			if err != nil {
				continue // exited
			}
			found(Place{Inode: ino, Path: path, PID: pid, TID: tid})
		}
	}
	return hidden, nil
}

// Named calls found for every namespace bound in dir (ip netns's
// /run/netns); a missing dir has none.
func Named(dir string, found func(Place)) error {
	named, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, n := range named {
		path := filepath.Join(dir, n.Name())
		ino, err := Inode(path)
		if err != nil {
			continue // not a namespace, or deleted meanwhile
		}
		found(Place{Inode: ino, Path: path})
	}
	return nil
}

// Discover finds the namespaces of every task under procRoot, and the
// named ones in netnsDir, each with the first place it was found at. It
// also returns how many processes hid their namespace.
func Discover(procRoot, netnsDir string) (map[uint64]Place, int, error) {
	found := make(map[uint64]Place)
	first := func(p Place) {
		if _, ok := found[p.Inode]; !ok {
			found[p.Inode] = p
		}
	}
	hidden, err := Tasks(procRoot, first)
	if err != nil {
		return nil, 0, err
	}
	if err := Named(netnsDir, first); err != nil {
		return nil, 0, err
	}
	return found, hidden, nil
}

// Inode is the inode of the namespace file at path, which stat follows.
func Inode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return st.Ino, nil
}
