package netnstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/prometheus/procfs"

	"github.com/tcpdrop/tcpdrop/internal/cgroup2"
)

// Cgroup is a cgroup v2 a test created, removed at the test's end: the
// stand-in for a service's unit on a host without systemd.
type Cgroup struct {
	// Path is the cgroup's path below the cgroup2 root, as the cgroup
	// tag gives it.
	Path string
	// ID is the kernel's id of the cgroup: its directory's inode.
	ID  uint64
	dir string
}

var cgroupSeq atomic.Int64

// moving serializes Cgroup.Run: the process is in one cgroup at a time.
var moving sync.Mutex

// NewCgroup creates a cgroup under the cgroup2 hierarchy.
func NewCgroup(t testing.TB) *Cgroup {
	t.Helper()
	RequirePrivileges(t)
	root := cgroup2Root(t)
	rel := fmt.Sprintf("tcpdrop-test-%d-%d", os.Getpid(), cgroupSeq.Add(1))
	dir := filepath.Join(root, rel)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("remove cgroup %s: %v", dir, err)
		}
	})
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("stat cgroup: %v", err)
	}
	return &Cgroup{Path: rel, ID: fi.Sys().(*syscall.Stat_t).Ino, dir: dir}
}

// Run runs fn with this process in the cgroup, then moves it back: the
// sockets fn creates belong to the cgroup for their whole life.
func (c *Cgroup) Run(fn func() error) error {
	moving.Lock()
	defer moving.Unlock()
	back, err := ownCgroupDir(filepath.Dir(c.dir))
	if err != nil {
		return err
	}
	if err := enter(c.dir); err != nil {
		return err
	}
	fnErr := fn()
	if err := enter(back); err != nil {
		return fmt.Errorf("leave cgroup: %w", err)
	}
	return fnErr
}

func enter(dir string) error {
	pid := strconv.Itoa(os.Getpid())
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(pid), 0); err != nil {
		return fmt.Errorf("enter cgroup: %w", err)
	}
	return nil
}

// ownCgroupDir is the directory of this process's cgroup v2 under root.
func ownCgroupDir(root string) (string, error) {
	p, err := procfs.Self()
	if err != nil {
		return "", err
	}
	cgs, err := p.Cgroups()
	if err != nil {
		return "", fmt.Errorf("own cgroup: %w", err)
	}
	for _, cg := range cgs {
		if cg.HierarchyID == 0 {
			return filepath.Join(root, strings.TrimPrefix(cg.Path, "/")), nil
		}
	}
	return "", fmt.Errorf("own cgroup: no cgroup v2 line")
}

// cgroup2Root is where the cgroup2 hierarchy is mounted, which the cgroup
// dimension and its tests need.
func cgroup2Root(t testing.TB) string {
	t.Helper()
	root, err := cgroup2.Find()
	if err != nil {
		t.Fatal(err)
	}
	if root == "" {
		t.Fatal("no cgroup2 hierarchy is mounted")
	}
	return root
}
