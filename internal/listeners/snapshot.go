package listeners

import "net/netip"

// Listener is one listening TCP socket as sock_diag shows it.
type Listener struct {
	// Cookie tells sockets apart for their lifetime: a listener closed and
	// bound again to the same address comes back with another cookie.
	Cookie  uint64
	Address netip.Addr // 0.0.0.0 or :: when bound to any address
	Port    uint16
	// AcceptQueue is the number of connections waiting for accept()
	// (idiag_rqueue, sk_ack_backlog); AcceptQueueMax is the listen()
	// backlog (idiag_wqueue, sk_max_ack_backlog).
	AcceptQueue, AcceptQueueMax uint32
	// Drops is SK_MEMINFO_DROPS, the socket's sk_drops, which
	// tcp_listendrop() increments for every SYN or ACK the listener refuses.
	Drops uint32
}

// Full is the kernel's test (sk_acceptq_is_full): a queue counts as full
// only once its length exceeds the limit.
func (l Listener) Full() bool { return l.AcceptQueue > l.AcceptQueueMax }

// Netstat holds a namespace's listener counters from its
// /proc/net/netstat.
type Netstat struct {
	ListenOverflows uint64
	ListenDrops     uint64
}

// Namespace is what one scan saw of a network namespace.
type Namespace struct {
	Inode uint64
	// Listed says Listeners were read through sock_diag; without the
	// privilege to enter the namespace they are not.
	Listed    bool
	Listeners []Listener
	Netstat   *Netstat // nil if it could not be read
}

// Scan is one pass over the host's network namespaces.
type Scan struct {
	// Known holds every namespace found, also those left for a later
	// window by the cap on namespaces per scan.
	Known      []uint64
	Namespaces []Namespace
	Access     Access
}
