package dockertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// helperEnv makes the test binary, run in a container, print a line
// instead of running the tests.
const helperEnv = "DOCKERTEST_HELPER"

func TestMain(m *testing.M) {
	if msg := os.Getenv(helperEnv); msg != "" {
		fmt.Println(msg)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A container of an imported image runs busybox and this test binary
// (dynamically linked where cgo is on), has no network but loopback, and
// is gone after Remove.
func TestRun(t *testing.T) {
	d := Start(t)
	self, err := os.Executable()
	require.NoError(t, err)
	image := d.Image(t, self)
	name := fmt.Sprintf("tcpdrop-test-%d", time.Now().UnixNano())
	c := d.Run(t, image, name, "/bin/busybox", "sleep", "600")
	require.Len(t, c.ID, 64)
	require.Equal(t, name, c.Name)

	cgroup, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(c.PID), "cgroup"))
	require.NoError(t, err)
	require.Contains(t, string(cgroup), c.ID, "the init's cgroups name the container")

	links := string(d.Exec(t, c.ID, "/bin/busybox", "ip", "-o", "link"))
	require.Len(t, strings.Split(strings.TrimSpace(links), "\n"), 1, links)
	require.Contains(t, links, "lo:")

	out := d.Exec(t, c.ID, "/bin/busybox", "env", helperEnv+"=hello from "+name, "/bin/"+filepath.Base(self))
	require.Equal(t, "hello from "+name+"\n", string(out))

	d.Remove(t, c.ID)
	_, err = d.docker(nil, "inspect", c.ID)
	require.ErrorContains(t, err, "No such")
}
