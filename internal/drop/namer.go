package drop

import (
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// Namer names what differs between kernels: reasons through the running
// kernel's BTF, drop sites through kallsyms.
type Namer struct {
	Reasons *reasons.Decoder // nil where the kernel has no drop reasons
	Symbols *kallsyms.Symbolizer
}

// Prepare symbolizes the drop sites of counts in one pass over kallsyms.
func (n *Namer) Prepare(counts []Count) error {
	addrs := make([]uint64, 0, len(counts))
	for _, c := range counts {
		if c.Key.Location > LocationTCPDrop {
			addrs = append(addrs, c.Key.Location)
		}
	}
	return n.Symbols.Resolve(addrs)
}

// Reason is the kernel's name of a drop reason, UNKNOWN where it has none.
func (n *Namer) Reason(v uint32) string {
	if n.Reasons == nil || v == ReasonUnavailable {
		return "UNKNOWN"
	}
	return n.Reasons.Name(v)
}

// Frame is the function a drop site is in, without offset: one name for
// every drop site of a function, as tags want. Unnamed sites stay hex.
func (n *Namer) Frame(addr uint64) string {
	if addr == LocationTCPDrop {
		return "tcp_drop"
	}
	sym := n.Site(addr)
	if sym.Name == "" {
		return sym.String()
	}
	return sym.Name
}

// Site is a prepared drop site with its offset.
func (n *Namer) Site(addr uint64) kallsyms.Symbol { return n.Symbols.Lookup(addr) }

// PrepareEvents symbolizes the drop sites and stacks of events in one pass.
func (n *Namer) PrepareEvents(events []Event) error {
	var addrs []uint64
	for _, e := range events {
		addrs = append(addrs, e.Location)
		addrs = append(addrs, e.Stack...)
	}
	return n.Symbols.Resolve(addrs)
}

// Stack names a prepared stack's frames from the drop site down.
func (n *Namer) Stack(addrs []uint64) []kallsyms.Symbol {
	frames := make([]kallsyms.Symbol, len(addrs))
	for i, a := range addrs {
		frames[i] = n.Site(a)
	}
	return TrimStack(frames)
}
