package listeners

import (
	"errors"

	"github.com/prometheus/procfs"
)

// readNetstat reads the listener counters of the namespace of task tid,
// from the /proc/TID/net/netstat of proc: that file shows the task's own
// namespace, and reading it needs no privilege.
func readNetstat(proc procfs.FS, tid int) (*Netstat, error) {
	p, err := proc.Proc(tid)
	if err != nil {
		return nil, err
	}
	ns, err := p.Netstat()
	if err != nil {
		return nil, err
	}
	if ns.ListenOverflows == nil || ns.ListenDrops == nil {
		return nil, errors.New("netstat has no ListenOverflows or ListenDrops")
	}
	return &Netstat{ListenOverflows: uint64(*ns.ListenOverflows), ListenDrops: uint64(*ns.ListenDrops)}, nil
}
