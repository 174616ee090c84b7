// Package mainexec lets a command's tests run the real program: the test
// binary doubles as the command when started through Command, so flags,
// exit codes and output are tested as users meet them.
package mainexec

import (
	"os"
	"os/exec"
	"testing"
)

const env = "TCPDROP_TEST_RUN_MAIN"

// ExecutableEnv, when set, names a copy of the test binary for Command to
// run, for a user who may not enter the directory of the original.
const ExecutableEnv = "TCPDROP_TEST_EXECUTABLE"

// Run is TestMain's body: main when started by Command, the tests otherwise.
func Run(m *testing.M, main func()) {
	if os.Getenv(env) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Command runs the command with args, behind wrapper (e.g. setpriv and its
// arguments) if there is one.
func Command(t testing.TB, wrapper []string, args ...string) *exec.Cmd {
	t.Helper()
	self := os.Getenv(ExecutableEnv)
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	argv := append(append(wrapper[:len(wrapper):len(wrapper)], self), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env+"=1")
	return cmd
}
