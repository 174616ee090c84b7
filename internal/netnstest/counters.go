//go:build linux

package netnstest

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// Counters maps "Section:Name" (for example "Tcp:InSegs", "TcpExt:TCPTimeouts")
// to the namespace's SNMP counter value.
type Counters map[string]int64

// Delta returns c[key] - before[key].
func (c Counters) Delta(before Counters, key string) int64 { return c[key] - before[key] }

// Counters reads /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6 of
// this namespace. TCP counters are shared by IPv4 and IPv6; UDP's are not
// ("Udp:InCsumErrors", "Udp6:InCsumErrors").
func (n *NS) Counters() (Counters, error) {
	c := Counters{}
	if err := n.Do(func() error { return readCounters(c) }); err != nil {
		return nil, err
	}
	return c, nil
}

// readCounters reads the counters of the calling thread's namespace, so it
// must run on the namespace thread: /proc/TID/net shows the namespace of
// task TID, while /proc/self/net shows the main thread's.
func readCounters(into Counters) error {
	fs, err := procfs.NewFS("/proc")
	if err != nil {
		return err
	}
	p, err := fs.Proc(unix.Gettid())
	if err != nil {
		return err
	}
	snmp, err := p.Snmp()
	if err != nil {
		return fmt.Errorf("read snmp: %w", err)
	}
	netstat, err := p.Netstat()
	if err != nil {
		return fmt.Errorf("read netstat: %w", err)
	}
	snmp6, err := p.Snmp6()
	if err != nil {
		return fmt.Errorf("read snmp6: %w", err)
	}
	addSections(into, reflect.ValueOf(snmp))
	addSections(into, reflect.ValueOf(netstat))
	addSections(into, reflect.ValueOf(snmp6))
	return nil
}

// addSections adds the counters procfs parsed, one struct per section
// named as in the file (Tcp, TcpExt, ...), under "Section:Name".
func addSections(into Counters, v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		section := v.Field(i)
		if section.Kind() != reflect.Struct {
			continue
		}
		name := v.Type().Field(i).Name
		for j := 0; j < section.NumField(); j++ {
			if f, ok := section.Field(j).Interface().(*float64); ok && f != nil {
				into[name+":"+section.Type().Field(j).Name] = int64(*f)
			}
		}
	}
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
