//go:build linux

package netnstest

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// Version is a kernel's major.minor release.
type Version struct{ Major, Minor int }

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// KernelVersion is the running kernel's release.
func KernelVersion(t testing.TB) Version {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatalf("uname: %v", err)
	}
	var v Version
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &v.Major, &v.Minor); err != nil {
		t.Fatalf("parse kernel release %q: %v", unix.ByteSliceToString(u.Release[:]), err)
	}
	return v
}

// KernelAtLeast reports whether the running kernel is major.minor or later,
// for tests whose expectations differ between kernels.
func KernelAtLeast(t testing.TB, major, minor int) bool {
	t.Helper()
	return KernelVersion(t).AtLeast(major, minor)
}
