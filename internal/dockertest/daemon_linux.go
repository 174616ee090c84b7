package dockertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// DefaultSocket is where a host's daemon answers, if it runs one.
const DefaultSocket = "/var/run/docker.sock"

const (
	// cmdTimeout bounds each docker command.
	cmdTimeout = 60 * time.Second
	// startTimeout bounds a daemon's start, stopTimeout its orderly stop.
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// NoDockerEnv is "1" where no Docker can run: the kernel matrix's guests,
// whose initramfs holds no daemon. Tests that need one skip there, saying
// so; everywhere else a missing Docker fails them.
const NoDockerEnv = "TCPDROP_NO_DOCKER"

// Daemon is a Docker daemon the test talks to.
type Daemon struct {
	// Endpoint is its API's address (unix://...).
	Endpoint string
	cli      string // the docker command
}

// Start finds the host's daemon at DefaultSocket or, if none answers
// there, starts one of its own, stopped and removed with all it made at
// cleanup. Its own keeps everything in a temporary directory (data, exec
// root, pid file, socket) and leaves the host's default socket alone, so
// that a daemon started later in the usual way finds no stale one, and
// several can run at once. It touches no firewall (--iptables=false) and
// makes no bridge: containers get --network none.
func Start(t testing.TB) *Daemon {
	t.Helper()
	netnstest.RequirePrivileges(t)
	if os.Getenv(NoDockerEnv) == "1" {
		t.Skipf("no Docker here (%s=1, a kernel matrix guest): the host runs this test", NoDockerEnv)
	}
	cli := lookPath(t, "/usr/bin/docker", "docker")
	d := &Daemon{Endpoint: "unix://" + DefaultSocket, cli: cli}
	if d.answers() {
		return d
	}
	dockerd := lookPath(t, "/usr/sbin/dockerd", "dockerd")
	// Short: a socket's path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "tcpdrop-docker-")
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	// Its containers' cgroups go below a parent of its own, not the
	// /docker every cgroupfs daemon shares (go test runs packages, and so
	// daemons, in parallel): <parent>/docker/<id>, the layout of Docker's
	// cgroupfs driver below the parent, which is removed at cleanup.
	parent := filepath.Base(dir)
	t.Cleanup(func() { removeCgroups(t, parent) })
	d.Endpoint = "unix://" + filepath.Join(dir, "docker.sock")
	log, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	defer log.Close()
	cmd := exec.Command(dockerd, "--host", d.Endpoint,
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", "/"+parent+"/docker",
		"--iptables=false", "--ip6tables=false", "--bridge=none")
	cmd.Stdout, cmd.Stderr = log, log
	// Its own group, so that a daemon that will not stop is killed with
	// its containerd.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dockertest: start dockerd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stop(t, cmd.Process.Pid, exited, log.Name()) })
	deadline := time.Now().Add(startTimeout)
	for !d.answers() {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("dockertest: dockerd exited: %v: %s", err, tail(log.Name()))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockertest: dockerd did not answer in %v: %s", startTimeout, tail(log.Name()))
		}
	}
	return d
}

// answers says whether a daemon answers at the endpoint.
func (d *Daemon) answers() bool {
	socket := strings.TrimPrefix(d.Endpoint, "unix://")
	if _, err := os.Stat(socket); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, d.cli, "--host", d.Endpoint, "version").Run() == nil
}

// stop ends the daemon: SIGTERM, which stops its containers and its
// containerd, then SIGKILL to its process group if it takes too long.
func stop(t testing.TB, pid int, exited chan error, log string) {
	t.Helper()
	_ = unix.Kill(pid, unix.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		t.Errorf("dockertest: dockerd did not stop in %v, killed: %s", stopTimeout, tail(log))
		_ = unix.Kill(-pid, unix.SIGKILL)
		<-exited
	}
}

// removeTree removes dir after unmounting what the daemon left mounted in
// it (overlays, its exec root's namespaces), deepest first.
func removeTree(t testing.TB, dir string) {
	t.Helper()
	mounts, err := procfs.GetMounts()
	if err != nil {
		t.Errorf("dockertest: %v", err)
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		if p := mounts[i].MountPoint; strings.HasPrefix(p, dir+"/") {
			if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
				t.Errorf("dockertest: unmount %s: %v", p, err)
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("dockertest: %v", err)
	}
}

// removeCgroups removes the cgroup parent/docker and parent from every
// hierarchy (cgroup v1 controllers, named ones and cgroup2) that has them.
func removeCgroups(t testing.TB, parent string) {
	t.Helper()
	mounts, err := procfs.GetMounts()
	if err != nil {
		t.Errorf("dockertest: %v", err)
		return
	}
	for _, m := range mounts {
		if m.FSType != "cgroup" && m.FSType != "cgroup2" {
			continue
		}
		for _, p := range []string{filepath.Join(m.MountPoint, parent, "docker"), filepath.Join(m.MountPoint, parent)} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("dockertest: %v", err)
			}
		}
	}
}

// lookPath is the first of the commands found.
func lookPath(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("dockertest: none of %v (make deps installs docker.io)", names)
	if os.Getenv(netnstest.RequireEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// tail is the end of a log, for an error.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
