//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which Linux fixes at 100 for user space on every architecture we run.
const userHZ = 100

// usage is what the tracer process and its BPF programs have used so far.
type usage struct {
	user, sys time.Duration // the process's CPU time, all threads
	bpfTime   time.Duration // run time of its BPF programs
	bpfRuns   uint64        // runs of its BPF programs
}

func (u usage) sub(v usage) usage {
	return usage{user: u.user - v.user, sys: u.sys - v.sys, bpfTime: u.bpfTime - v.bpfTime, bpfRuns: u.bpfRuns - v.bpfRuns}
}

// measure reads the usage of pid and of the BPF programs it holds.
func measure(pid int) (usage, error) {
	var u usage
	var err error
	if u.user, u.sys, err = cpuTimes(pid); err != nil {
		return u, err
	}
	held, err := heldObjects(pid)
	if err != nil {
		return u, err
	}
	if u.bpfTime, u.bpfRuns, err = progStats(held.progs); err != nil {
		return u, err
	}
	return u, nil
}

// progStats sums run time and run count of the programs (statistics are on
// while the bench runs, see run).
func progStats(ids []ebpf.ProgramID) (time.Duration, uint64, error) {
	var runtime time.Duration
	var runs uint64
	for _, id := range ids {
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			return 0, 0, fmt.Errorf("program %d: %w", id, err)
		}
		st, err := p.Stats()
		p.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("program %d stats: %w", id, err)
		}
		runtime += st.Runtime
		runs += st.RunCount
	}
	return runtime, runs, nil
}

// cpuTimes returns utime and stime of the whole process pid.
func cpuTimes(pid int) (user, sys time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read stat: %w", err)
	}
	return parseStat(b)
}

// parseStat reads fields 14 and 15 (utime, stime) of a /proc/<pid>/stat
// line. The command name, field 2, may hold spaces and parentheses, so
// fields are counted from its last ')'.
func parseStat(b []byte) (user, sys time.Duration, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, errors.New("stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, 0, errors.New("stat: too few fields")
	}
	ticks := [2]uint64{}
	for j, s := range f[11:13] {
		if ticks[j], err = strconv.ParseUint(s, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("stat: %w", err)
		}
	}
	return time.Duration(ticks[0]) * time.Second / userHZ, time.Duration(ticks[1]) * time.Second / userHZ, nil
}

// taskCPU returns how long the task of a /proc/.../schedstat file has run:
// its first field, in nanoseconds. Unless the kernel accounts IRQ time
// apart (CONFIG_IRQ_TIME_ACCOUNTING), this includes the softirqs it ran.
func taskCPU(schedstat string) (time.Duration, error) {
	b, err := os.ReadFile(schedstat)
	if err != nil {
		return 0, fmt.Errorf("read schedstat: %w", err)
	}
	return parseSchedstat(b)
}

// findKsoftirqd returns the pid of cpu's ksoftirqd, the thread that runs
// softirqs the interrupted task did not have time for.
func findKsoftirqd(cpu int) (int, error) {
	want := fmt.Sprintf("ksoftirqd/%d", cpu)
	comms, err := filepath.Glob("/proc/[0-9]*/comm")
	if err != nil {
		return 0, err
	}
	for _, comm := range comms {
		b, err := os.ReadFile(comm)
		if err != nil || strings.TrimSpace(string(b)) != want {
			continue // gone meanwhile, or another task
		}
		return strconv.Atoi(filepath.Base(filepath.Dir(comm)))
	}
	return 0, fmt.Errorf("no %s", want)
}

func parseSchedstat(b []byte) (time.Duration, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, errors.New("schedstat: empty")
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("schedstat: %w", err)
	}
	return time.Duration(ns), nil
}

// peakRSS returns VmHWM of pid: the most resident memory it ever had.
func peakRSS(pid int) (int64, error) {
	return statusBytes(pid, "VmHWM")
}

// statusBytes reads one "Name: N kB" line of /proc/<pid>/status, in bytes.
func statusBytes(pid int, name string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read status: %w", err)
	}
	return parseStatusKB(b, name)
}

func parseStatusKB(status []byte, name string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), name+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("status: no %s", name)
}
