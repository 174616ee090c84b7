package drop

import (
	"net/netip"
	"time"
)

// Event is one sampled drop. Src and Dst are the packet's, as on the wire:
// for a received packet Src is the peer.
type Event struct {
	Time     time.Time
	Window   uint64 // the number of the window that counted it
	Src, Dst netip.AddrPort
	Reason   uint32
	Location uint64   // drop site, as Key.Location
	Stack    []uint64 // return addresses, innermost first; empty if not taken
	Netns    uint32
	Cgroup   uint64 // the socket's cgroup v2 id, 0 without a socket
	Ifindex  uint32
	PID      uint32 // the task running when the packet was dropped
	Comm     string
	Bytes    uint32
	State    uint8
	Flags    uint8
	Family   uint8
}
