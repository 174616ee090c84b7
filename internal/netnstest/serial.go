//go:build linux

package netnstest

import (
	"os"
	"testing"
)

// SerialEnv is set to "1" where test binaries run one at a time
// (kernels/tests, on the host and in the guests). A test that changes
// host-wide state, such as a sysctl, would break the tests of other
// packages that go test ./... runs beside it, so it runs only there.
const SerialEnv = "TCPDROP_SERIAL"

// RequireSerial skips t, saying why, unless test binaries run one at a
// time.
func RequireSerial(t testing.TB) {
	t.Helper()
	if os.Getenv(SerialEnv) != "1" {
		t.Skipf("changes host-wide state: runs only where test binaries run one at a time (%s=1, as kernels/tests sets)", SerialEnv)
	}
}
