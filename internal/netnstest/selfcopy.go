//go:build linux

package netnstest

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// SharedTestBinary copies the running test binary, as name, where every
// user can run it: the privilege tests re-execute it as user nobody, and
// the test's own may sit in a directory only root may enter.
func SharedTestBinary(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(SharedTempDir(t), name)
	if err := copyExecutable(dst); err != nil {
		t.Fatalf("netnstest: copy test binary: %v", err)
	}
	return dst
}

func copyExecutable(dst string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := os.Open(self)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// SharedTempDir is a temporary directory every user can read.
func SharedTempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("netnstest: %v", err)
		}
	}
	return dir
}

// AsUser is the command line prefix that runs a program as uid and gid,
// without supplementary groups, with only the capabilities caps
// (setpriv's list, such as ",+sys_ptrace", or "") in every set, ambient
// ones included: as systemd's AmbientCapabilities= gives them.
func AsUser(t testing.TB, uid, gid, caps string) []string {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("netnstest: setpriv (util-linux): %v", err)
	}
	return []string{setpriv, "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
		"--inh-caps=-all" + caps, "--ambient-caps=-all" + caps, "--bounding-set=-all" + caps, "--"}
}

// RunJSON runs argv with env added to the environment and decodes its
// standard output, JSON, into v; a failure shows its standard error.
func RunJSON(t testing.TB, argv []string, env string, v any) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.Output()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		t.Fatalf("%s: %v: %s", argv[len(argv)-1], err, exit.Stderr)
	}
	if err != nil {
		t.Fatalf("%s: %v", argv[len(argv)-1], err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s: %v: %s", argv[len(argv)-1], err, out)
	}
}
