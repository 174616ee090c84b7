//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// machine describes where the numbers were measured.
type machine struct {
	cpu, os, kernel, bpftrace, goVersion string
	cpus                                 int
}

func describeMachine() (machine, error) {
	m := machine{cpus: runtime.NumCPU(), goVersion: runtime.Version()}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return m, fmt.Errorf("uname: %w", err)
	}
	m.kernel = unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:])
	cpuinfo, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return m, fmt.Errorf("read cpuinfo: %w", err)
	}
	m.cpu = firstValue(cpuinfo, "model name", ":")
	osRelease, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return m, fmt.Errorf("read os-release: %w", err)
	}
	m.os = strings.Trim(firstValue(osRelease, "PRETTY_NAME", "="), `"`)
	out, err := exec.Command("bpftrace", "--version").Output()
	if err != nil {
		return m, fmt.Errorf("bpftrace --version: %w", err)
	}
	m.bpftrace = strings.TrimSpace(string(out))
	// Not every architecture's cpuinfo has a model name.
	if m.cpu == "" {
		m.cpu = "unknown CPU"
	}
	return m, nil
}

// firstValue returns the value of the first "key<sep>value" line.
func firstValue(b []byte, key, sep string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
