package tcpdrop

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// namer names the parts of a key that depend on the running kernel.
type namer interface {
	Reason(v uint32) string
	Frame(addr uint64) string
}

// series is one tcpdrop line: a tag set and its counts in the window.
type series struct {
	tags  map[string]string
	drops uint64
	bytes uint64
}

// aggregate turns a window's kernel keys into series. Keys that name alike
// merge: every drop site inside one function is one frame.
func aggregate(counts []drop.Count, dims drop.Dims, n namer, owners map[owner.Ref]owner.Owner) []series {
	byID := make(map[string]*series, len(counts))
	var ids []string
	for _, c := range counts {
		tags := tagsOf(c.Key, dims, n)
		ownerTags(tags, owners[owner.Ref{Cgroup: c.Key.Cgroup, Netns: c.Key.Netns}], dims)
		id := tagID(tags)
		s, ok := byID[id]
		if !ok {
			s = &series{tags: tags}
			byID[id] = s
			ids = append(ids, id)
		}
		s.drops += c.Drops
		s.bytes += c.Bytes
	}
	slices.Sort(ids)
	out := make([]series, 0, len(ids))
	for _, id := range ids {
		out = append(out, *byID[id])
	}
	return out
}

func tagsOf(k drop.Key, dims drop.Dims, n namer) map[string]string {
	tags := make(map[string]string, 7)
	if dims.Has(drop.DimReason) {
		tags["reason"] = n.Reason(k.Reason)
	}
	if dims.Has(drop.DimState) {
		tags["state"] = drop.State(k.State)
	}
	if dims.Has(drop.DimFlags) {
		tags["flags"] = drop.Flags(k.Flags)
	}
	if dims.Has(drop.DimFrame) {
		tags["frame"] = n.Frame(k.Location)
	}
	if dims.Has(drop.DimFamily) {
		tags["family"] = drop.Family(k.Family)
	}
	if dims.Has(drop.DimNetns) {
		tags["netns"] = strconv.FormatUint(uint64(k.Netns), 10)
	}
	if dims.Has(drop.DimLocalPort) {
		tags["local_port"] = strconv.FormatUint(uint64(k.LocalPort), 10)
	}
	return tags
}

// tagID is a stable identity of a tag set, which also orders the output.
func tagID(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(tags[k])
		b.WriteByte(',')
	}
	return b.String()
}

func (s series) fields() map[string]any {
	return map[string]any{"drops": int64(s.drops), "bytes": int64(s.bytes)}
}
