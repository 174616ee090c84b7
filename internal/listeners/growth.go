package listeners

import (
	"cmp"
	"net/netip"
	"slices"
)

// ListenerGrowth is one window of the listeners bound to one address and
// port of a namespace. SO_REUSEPORT lets several sockets share them; their
// drops, queue lengths and limits are summed.
type ListenerGrowth struct {
	Netns   uint64
	Address netip.Addr
	Port    uint16
	// Drops is how much the listeners' drop counters grew in the window.
	Drops                       uint64
	AcceptQueue, AcceptQueueMax uint64
	// Full says one of the listeners' queues was full at the scan.
	Full bool
}

// NamespaceGrowth is one window of a namespace's netstat counters.
type NamespaceGrowth struct {
	Netns           uint64
	ListenOverflows uint64
	ListenDrops     uint64
}

// Window is what changed between two scans.
type Window struct {
	// Listeners whose drop counter grew or whose queue is full.
	Listeners []ListenerGrowth
	// Namespaces whose netstat counters were read in both scans, or that
	// are new since the previous one.
	Namespaces []NamespaceGrowth
}

// Growth turns successive scans into windows. Drops from before the first
// scan are never reported: a namespace known at the first scan starts from
// the counters its own first reading finds, even when the cap on
// namespaces per scan defers that reading. A namespace found later, and a
// listener that appears later, are new, so everything they counted is
// growth. A counter that went back belongs to a new socket, and counts
// whole.
type Growth struct {
	started  bool
	baseline map[uint64]bool // known at the first scan and not yet read
	last     map[uint64]*seen
}

type seen struct {
	listed  bool
	drops   map[uint64]uint32 // by socket cookie
	netstat *Netstat
}

// Update takes the next scan and returns the window since the previous.
func (g *Growth) Update(s Scan) Window {
	if !g.started {
		g.started = true
		g.baseline = make(map[uint64]bool, len(s.Known))
		for _, ino := range s.Known {
			g.baseline[ino] = true
		}
		g.last = make(map[uint64]*seen)
	}
	var w Window
	for _, ns := range s.Namespaces {
		prev := g.last[ns.Inode]
		fresh := prev == nil && !g.baseline[ns.Inode]
		delete(g.baseline, ns.Inode)
		cur := &seen{listed: ns.Listed, netstat: ns.Netstat}
		if ns.Listed {
			cur.drops = make(map[uint64]uint32, len(ns.Listeners))
			var before map[uint64]uint32
			counted := fresh
			if prev != nil && prev.listed {
				before, counted = prev.drops, true
			}
			w.Listeners = append(w.Listeners, listenerGrowth(ns, before, counted)...)
			for _, l := range ns.Listeners {
				cur.drops[l.Cookie] = l.Drops
			}
		}
		if ns.Netstat != nil {
			switch {
			case prev != nil && prev.netstat != nil:
				w.Namespaces = append(w.Namespaces, NamespaceGrowth{
					Netns:           ns.Inode,
					ListenOverflows: delta(prev.netstat.ListenOverflows, ns.Netstat.ListenOverflows),
					ListenDrops:     delta(prev.netstat.ListenDrops, ns.Netstat.ListenDrops),
				})
			case fresh:
				w.Namespaces = append(w.Namespaces, NamespaceGrowth{
					Netns: ns.Inode, ListenOverflows: ns.Netstat.ListenOverflows, ListenDrops: ns.Netstat.ListenDrops,
				})
			}
		}
		if prev != nil && !ns.Listed && prev.listed {
			// Keep the listeners' counters until it can be listed again.
			cur.listed, cur.drops = true, prev.drops
		}
		if prev != nil && ns.Netstat == nil {
			cur.netstat = prev.netstat
		}
		g.last[ns.Inode] = cur
	}
	g.forget(s.Known)
	return w
}

// listenerGrowth returns the lines of one namespace's listeners. Without
// counted, the scan is a baseline and only full queues are reported.
func listenerGrowth(ns Namespace, before map[uint64]uint32, counted bool) []ListenerGrowth {
	type key struct {
		addr netip.Addr
		port uint16
	}
	byKey := make(map[key]*ListenerGrowth)
	var order []key
	for _, l := range ns.Listeners {
		k := key{l.Address, l.Port}
		g := byKey[k]
		if g == nil {
			g = &ListenerGrowth{Netns: ns.Inode, Address: l.Address, Port: l.Port}
			byKey[k] = g
			order = append(order, k)
		}
		if counted {
			// A cookie not seen before is a socket created since.
			g.Drops += delta(uint64(before[l.Cookie]), uint64(l.Drops))
		}
		g.AcceptQueue += uint64(l.AcceptQueue)
		g.AcceptQueueMax += uint64(l.AcceptQueueMax)
		g.Full = g.Full || l.Full()
	}
	var out []ListenerGrowth
	for _, k := range order {
		if g := byKey[k]; g.Drops > 0 || g.Full {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b ListenerGrowth) int {
		return cmp.Or(a.Address.Compare(b.Address), cmp.Compare(a.Port, b.Port))
	})
	return out
}

// forget drops the state of namespaces that are gone.
func (g *Growth) forget(known []uint64) {
	keep := make(map[uint64]bool, len(known))
	for _, ino := range known {
		keep[ino] = true
	}
	for ino := range g.last {
		if !keep[ino] {
			delete(g.last, ino)
		}
	}
	for ino := range g.baseline {
		if !keep[ino] {
			delete(g.baseline, ino)
		}
	}
}

// delta is how much a cumulative counter grew; one that went back was
// reset and counts from zero.
func delta(prev, cur uint64) uint64 {
	if cur < prev {
		return cur
	}
	return cur - prev
}
