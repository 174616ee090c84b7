//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const tracefsDir = "/sys/kernel/tracing"

// mountTracefs mounts tracefs where bpftrace looks for tracepoints, if no
// one has, and returns what undoes it. The probe needs no tracefs;
// bpftrace's tracepoint probes do.
func mountTracefs() (func(), error) {
	if _, err := os.Stat(tracefsDir + "/events"); err == nil {
		return func() {}, nil
	}
	if err := unix.Mount("tracefs", tracefsDir, "tracefs", 0, ""); err != nil {
		return nil, fmt.Errorf("mount tracefs for bpftrace: %w", err)
	}
	return func() {
		if err := unix.Unmount(tracefsDir, 0); err != nil && !errors.Is(err, unix.EINVAL) {
			fmt.Fprintln(os.Stderr, "bench: unmount tracefs:", err)
		}
	}, nil
}
