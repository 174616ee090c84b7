package tcpdrop

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// sampleNamer also names the frames of a sampled drop's stack.
type sampleNamer interface {
	namer
	Stack(addrs []uint64) []kallsyms.Symbol
}

// stackSeries is one tcpdrop_stack line: how many of a window's samples
// had this reason, drop site, stack and, when cgroup or container is
// grouped by, owner.
type stackSeries struct {
	reason, frame, stack string
	owner                owner.Owner
	samples              int64
}

// topStacks groups the window's samples by reason, frame, stack (folded
// without offsets, so every path through the same functions is one stack)
// and the owner dims show, and returns the k with most samples. Samples
// without a stack are left out.
func topStacks(events []drop.Event, k int, n sampleNamer, owners map[owner.Ref]owner.Owner, dims drop.Dims) []stackSeries {
	type id struct {
		reason, frame, stack string
		owner                owner.Owner
	}
	counts := map[id]int64{}
	for _, e := range events {
		if len(e.Stack) == 0 {
			continue
		}
		o := shownOwner(owners[owner.Ref{Cgroup: e.Cgroup, Netns: e.Netns}], dims)
		counts[id{n.Reason(e.Reason), n.Frame(e.Location), drop.Folded(n.Stack(e.Stack), false), o}]++
	}
	out := make([]stackSeries, 0, len(counts))
	for s, c := range counts {
		out = append(out, stackSeries{s.reason, s.frame, s.stack, s.owner, c})
	}
	slices.SortFunc(out, func(a, b stackSeries) int {
		return cmp.Or(cmp.Compare(b.samples, a.samples), cmp.Compare(a.reason, b.reason),
			cmp.Compare(a.frame, b.frame), cmp.Compare(a.stack, b.stack),
			cmp.Compare(a.owner.Cgroup, b.owner.Cgroup), cmp.Compare(a.owner.Container.ID, b.owner.Container.ID))
	})
	return out[:min(k, len(out))]
}

// tags include a hash of the stack: lines of one window share a timestamp,
// and a database keeps one point per series and time, so stacks with the
// same reason and frame need a tag of their own. The hash is also what
// sums one stack's samples over many windows. The owner's tags are those
// of tcpdrop.
func (s stackSeries) tags(dims drop.Dims) map[string]string {
	h := fnv.New64a()
	h.Write([]byte(s.stack))
	tags := map[string]string{"reason": s.reason, "frame": s.frame, "stack_id": fmt.Sprintf("%016x", h.Sum64())}
	ownerTags(tags, s.owner, dims)
	return tags
}

func (s stackSeries) fields() map[string]any {
	return map[string]any{"samples": s.samples, "stack": s.stack}
}

// eventTags are a tcpdrop_event line's tags: only what has few values.
// Addresses, ports, PIDs and stacks would make a series per drop.
func eventTags(e drop.Event, n namer) map[string]string {
	return map[string]string{
		"reason": n.Reason(e.Reason),
		"state":  drop.State(e.State),
		"flags":  drop.Flags(e.Flags),
		"frame":  n.Frame(e.Location),
		"family": drop.Family(e.Family),
	}
}

// eventFields are the rest of a sampled drop; the stack keeps its offsets
// (folded, root first) since it describes one packet.
func eventFields(e drop.Event, n sampleNamer) map[string]any {
	return map[string]any{
		"saddr":   e.Src.Addr().String(),
		"sport":   int64(e.Src.Port()),
		"daddr":   e.Dst.Addr().String(),
		"dport":   int64(e.Dst.Port()),
		"pid":     int64(e.PID),
		"comm":    e.Comm,
		"netns":   int64(e.Netns),
		"ifindex": int64(e.Ifindex),
		"bytes":   int64(e.Bytes),
		"stack":   drop.Folded(n.Stack(e.Stack), true),
	}
}
