package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// namer names what the kernel reports in numbers (drop.Namer).
type namer interface {
	Reason(v uint32) string
	Frame(addr uint64) string
	Site(addr uint64) kallsyms.Symbol
	Stack(addrs []uint64) []kallsyms.Symbol
}

const header = "TIME     PID    IP SADDR:SPORT          > DADDR:DPORT          STATE (FLAGS) REASON OWNER\n"

// writeText prints a drop as bcc's tcpdrop did, plus the reason and the
// owner, then its stack from the drop site down and a blank line.
func writeText(w io.Writer, e drop.Event, o owner.Owner, n namer, stack bool) error {
	_, err := fmt.Fprintf(w, "%-8s %-6d %-2d %-20s > %-20s %s (%s) %s %s\n",
		e.Time.Local().Format(time.TimeOnly), e.PID, e.Family, e.Src, e.Dst,
		drop.State(e.State), drop.Flags(e.Flags), n.Reason(e.Reason), ownerLabel(o))
	if err != nil || !stack {
		return err
	}
	for _, f := range n.Stack(e.Stack) {
		if _, err := fmt.Fprintf(w, "    %s\n", f); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(w)
	return err
}

// jsonEvent is a drop with every field, for scripts.
type jsonEvent struct {
	Time     time.Time `json:"time"`
	PID      uint32    `json:"pid"`
	Comm     string    `json:"comm"`
	IP       uint8     `json:"ip"`
	Saddr    string    `json:"saddr"`
	Sport    uint16    `json:"sport"`
	Daddr    string    `json:"daddr"`
	Dport    uint16    `json:"dport"`
	State    string    `json:"state"`
	Flags    string    `json:"flags"`
	Reason   string    `json:"reason"`
	Frame    string    `json:"frame"`    // the function that dropped it
	Location string    `json:"location"` // the drop site, function+offset
	Netns    uint32    `json:"netns"`
	Ifindex  uint32    `json:"ifindex"`
	Bytes    uint32    `json:"bytes"`
	Stack    []string  `json:"stack"` // from the drop site down; empty with -no-stack
	// The owner, "" where none is known.
	Cgroup        string `json:"cgroup"`
	ContainerID   string `json:"container_id"`
	ContainerName string `json:"container_name"`
	PodUID        string `json:"pod_uid"`
}

func writeJSON(enc *json.Encoder, e drop.Event, o owner.Owner, n namer) error {
	stack := []string{}
	for _, f := range n.Stack(e.Stack) {
		stack = append(stack, f.String())
	}
	return enc.Encode(jsonEvent{
		Time:     e.Time,
		PID:      e.PID,
		Comm:     e.Comm,
		IP:       e.Family,
		Saddr:    e.Src.Addr().String(),
		Sport:    e.Src.Port(),
		Daddr:    e.Dst.Addr().String(),
		Dport:    e.Dst.Port(),
		State:    drop.State(e.State),
		Flags:    drop.Flags(e.Flags),
		Reason:   n.Reason(e.Reason),
		Frame:    n.Frame(e.Location),
		Location: n.Site(e.Location).String(),
		Netns:    e.Netns,
		Ifindex:  e.Ifindex,
		Bytes:    e.Bytes,
		Stack:    stack,

		Cgroup:        o.Cgroup,
		ContainerID:   o.Container.ID,
		ContainerName: o.Container.Name,
		PodUID:        o.Container.PodUID,
	})
}
