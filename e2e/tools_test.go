//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// telegrafEnv names the Telegraf binary that `make telegraf` builds.
const telegrafEnv = "TCPDROP_TELEGRAF"

// binDir holds the plugin built for this run. It is world-readable so that
// Telegraf can run it as an unprivileged user too.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tcpdrop-e2e-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tools are the programs a test runs.
type tools struct {
	telegraf, influxd, plugin string
}

// requireTools finds Telegraf and influxd and builds the plugin. A missing
// tool skips the test, or fails it when TCPDROP_REQUIRE_PRIVILEGED=1, as a
// missing privilege does: CI must not pass without running these tests.
func requireTools(t *testing.T) tools {
	t.Helper()
	var missing []string
	telegraf := os.Getenv(telegrafEnv)
	if telegraf == "" {
		missing = append(missing, telegrafEnv+" not set (make telegraf builds it; make test sets it)")
	} else if _, err := os.Stat(telegraf); err != nil {
		missing = append(missing, err.Error())
	}
	influxd, err := exec.LookPath("influxd")
	if err != nil {
		missing = append(missing, "influxd (apt-get install influxdb, see make deps)")
	}
	requireNothingMissing(t, missing)
	return tools{telegraf: telegraf, influxd: influxd, plugin: buildPlugin(t)}
}

// requireNothingMissing skips the test if a tool is missing, or fails it
// when TCPDROP_REQUIRE_PRIVILEGED=1.
func requireNothingMissing(t *testing.T, missing []string) {
	t.Helper()
	if len(missing) > 0 {
		if os.Getenv(netnstest.RequireEnv) == "1" {
			t.Fatalf("end-to-end test cannot run (%s=1): missing %q", netnstest.RequireEnv, missing)
		}
		t.Skipf("end-to-end test skipped: missing %q (set %s=1 to fail instead)", missing, netnstest.RequireEnv)
	}
}

var (
	buildOnce sync.Once
	buildErr  error
)

// buildPlugin builds cmd/telegraf-tcpdrop once per run, as `make build`
// does, so the test never runs a stale binary.
func buildPlugin(t *testing.T) string {
	t.Helper()
	out := filepath.Join(binDir, "telegraf-tcpdrop")
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, "github.com/tcpdrop/tcpdrop/cmd/telegraf-tcpdrop")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build plugin: %w\n%s", err, b)
		}
	})
	require.NoError(t, buildErr)
	return out
}
