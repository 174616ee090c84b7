//go:build linux

package netnstest

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// KernelAtLeast reports whether the running kernel is major.minor or later,
// for tests whose expectations differ between kernels.
func KernelAtLeast(t testing.TB, major, minor int) bool {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatalf("uname: %v", err)
	}
	var maj, min int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &maj, &min); err != nil {
		t.Fatalf("parse kernel release %q: %v", unix.ByteSliceToString(u.Release[:]), err)
	}
	return maj > major || (maj == major && min >= minor)
}
