//go:build linux

package netnstest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Counters maps "Section:Name" (for example "Tcp:InSegs", "TcpExt:TCPTimeouts")
// to the namespace's SNMP counter value.
type Counters map[string]int64

// Delta returns c[key] - before[key].
func (c Counters) Delta(before Counters, key string) int64 { return c[key] - before[key] }

// Counters reads /proc/net/snmp and /proc/net/netstat of this namespace.
// TCP counters there are shared by IPv4 and IPv6.
func (n *NS) Counters() (Counters, error) {
	c := Counters{}
	err := n.Do(func() error {
		// thread-self: /proc/self/net would show the main thread's netns.
		for _, f := range []string{"/proc/thread-self/net/snmp", "/proc/thread-self/net/netstat"} {
			if err := readSNMP(f, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// readSNMP parses the "Section: names..." / "Section: values..." line pairs
// used by /proc/net/snmp and /proc/net/netstat.
func readSNMP(path string, into Counters) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) != len(values) || len(names) == 0 || names[0] != values[0] {
			return fmt.Errorf("parse %s: mismatched lines %d and %d", path, i+1, i+2)
		}
		section := strings.TrimSuffix(names[0], ":")
		for j := 1; j < len(names); j++ {
			v, err := strconv.ParseInt(values[j], 10, 64)
			if err != nil {
				return fmt.Errorf("parse %s %s: %w", path, names[j], err)
			}
			into[section+":"+names[j]] = v
		}
	}
	return nil
}

// loRxDropped returns lo's receive drop count, which includes packets the
// per-CPU backlog refused (reason CPU_BACKLOG). A change means some packet
// never reached TCP, so a helper's exact-count promise would be broken.
// It must run on the namespace thread.
func loRxDropped() (uint64, error) {
	const path = "/proc/thread-self/net/dev"
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != "lo" {
			continue
		}
		// Receive columns: bytes packets errs drop ...
		f := strings.Fields(rest)
		if len(f) < 4 {
			return 0, fmt.Errorf("parse %s: short lo line", path)
		}
		v, err := strconv.ParseUint(f[3], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s: %w", path, err)
		}
		return v, nil
	}
	return 0, fmt.Errorf("parse %s: no lo", path)
}

// guardLoDrops runs fn and fails if lo dropped packets meanwhile. It must
// run on the namespace thread.
func guardLoDrops(fn func() error) error {
	before, err := loRxDropped()
	if err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	after, err := loRxDropped()
	if err != nil {
		return err
	}
	if after != before {
		return fmt.Errorf("lo dropped %d packets (backlog full?), counts are not exact", after-before)
	}
	return nil
}
