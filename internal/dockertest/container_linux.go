package dockertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Container is a running container.
type Container struct {
	ID, Name string
	// PID is its init's, on the host.
	PID int
}

// Run starts a container of image named name, with no network but its
// loopback, running cmd (such as "/bin/busybox", "sleep", "600"), and
// removes it at cleanup.
func (d *Daemon) Run(t testing.TB, image, name string, cmd ...string) Container {
	t.Helper()
	args := append([]string{"run", "--detach", "--network", "none", "--name", name, image}, cmd...)
	out, err := d.docker(nil, args...)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	c := Container{ID: strings.TrimSpace(string(out)), Name: name}
	t.Cleanup(func() { d.Remove(t, c.ID) })
	out, err = d.docker(nil, "inspect", "--format", "{{.State.Pid}}", c.ID)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	if c.PID, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil || c.PID == 0 {
		t.Fatalf("dockertest: %s has no init: %q", name, out)
	}
	return c
}

// Exec runs cmd in the container and returns its output.
func (d *Daemon) Exec(t testing.TB, id string, cmd ...string) []byte {
	t.Helper()
	out, err := d.docker(nil, append([]string{"exec", id}, cmd...)...)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	return out
}

// Remove kills and removes a container; one already gone is no error.
func (d *Daemon) Remove(t testing.TB, id string) {
	t.Helper()
	if _, err := d.docker(nil, "rm", "--force", id); err != nil && !strings.Contains(err.Error(), "No such container") {
		t.Errorf("dockertest: %v", err)
	}
}

// docker runs a docker command against the daemon, within cmdTimeout,
// and returns its standard output; its error tells its standard error.
func (d *Daemon) docker(stdin io.Reader, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.cli, append([]string{"--host", d.Endpoint}, args...)...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("docker %s: %w: %s", args[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}
