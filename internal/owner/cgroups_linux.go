package owner

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
)

// cgroupTree finds cgroups' paths by their IDs in the cgroup2 tree at root.
// The kernel never reuses a cgroup ID on 64-bit hosts, so an entry stays
// right until its cgroup is removed.
type cgroupTree struct {
	root string
	// denied counts the directories the last walk could not read.
	denied int
}

// walk maps each directory's inode, which is its cgroup's ID, to its path
// relative to the root ("/" for the root).
func (c *cgroupTree) walk() (map[uint64]string, error) {
	paths := make(map[uint64]string)
	denied := 0
	err := filepath.WalkDir(c.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == c.root {
				return err
			}
			if errors.Is(err, fs.ErrPermission) {
				denied++
			}
			return nil // removed meanwhile, or unreadable: its subtree is left out
		}
		if !d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		rel, err := filepath.Rel(c.root, path)
		if err != nil {
			return nil
		}
		if rel == "." {
			rel = "/"
		}
		paths[st.Ino] = rel
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.denied = denied
	return paths, nil
}
