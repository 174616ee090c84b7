package drop

// ReasonUnavailable is the reason the probe reports where the kernel's
// tracepoint carries none (before 5.17); REASON_UNAVAILABLE in bpf/tcpdrop.h.
const ReasonUnavailable = 0xffffffff

// LocationTCPDrop is the drop site of drops counted from a socket's
// sk_drops growth, on kernels whose tcp_drop() is out of the tracepoint's
// sight (LOCATION_TCP_DROP in bpf/tcpdrop.h): the frame "tcp_drop".
const LocationTCPDrop = 1

// Key is one series of a window as the kernel counted it: raw numbers,
// named only on the way out. Dimensions not grouped by are zero.
type Key struct {
	Location  uint64 // drop site address, named as the frame
	Cgroup    uint64 // the socket's cgroup v2 id, 0 without a socket
	Reason    uint32 // enum skb_drop_reason of the running kernel
	Netns     uint32 // network namespace inode
	LocalPort uint16
	State     uint8
	Flags     uint8
	Family    uint8
}

// Count is what one window holds for a key.
type Count struct {
	Key   Key
	Drops uint64
	Bytes uint64
}

// Total is the drops of counts.
func Total(counts []Count) uint64 {
	var n uint64
	for _, c := range counts {
		n += c.Drops
	}
	return n
}
