package reasons

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// ErrNoReasons is returned for a kernel without enum skb_drop_reason, which
// appeared in 5.17.
var ErrNoReasons = errors.New("kernel has no enum skb_drop_reason (drop reasons need 5.17 or later)")

// The top bits of a reason say which subsystem owns it (include/net/dropreason.h).
const (
	subsysShift = 16
	codeMask    = 1<<subsysShift - 1
)

// Decoder names drop reasons as the kernel it was built from numbers them.
type Decoder struct {
	names  map[uint32]string
	values map[string]uint32
	subsys map[uint32]string // subsystem id to name, CORE excluded
}

// New reads drop reasons from BTF: vmlinux first, then any module BTF that
// may hold subsystem reasons. Numbers are never assumed, since they shift
// between kernel versions.
func New(specs ...*btf.Spec) (*Decoder, error) {
	if len(specs) == 0 {
		return nil, errors.New("no btf given")
	}
	core, err := findEnum(specs[0], "skb_drop_reason")
	if errors.Is(err, btf.ErrNotFound) {
		return nil, ErrNoReasons
	}
	if err != nil {
		return nil, err
	}

	d := &Decoder{
		names:  make(map[uint32]string),
		values: make(map[string]uint32),
		subsys: make(map[uint32]string),
	}
	for _, v := range core.Values {
		switch v.Name {
		case "SKB_DROP_REASON_MAX", "SKB_DROP_REASON_SUBSYS_MASK":
			continue // bounds, not reasons
		}
		name, ok := strings.CutPrefix(v.Name, "SKB_DROP_REASON_")
		if !ok {
			name = strings.TrimPrefix(v.Name, "SKB_")
		}
		d.add(v, name)
	}

	// Older kernels have no subsystems and so no such enum.
	subsys, err := findEnum(specs[0], "skb_drop_reason_subsys")
	if err != nil && !errors.Is(err, btf.ErrNotFound) {
		return nil, err
	}
	if subsys != nil {
		for _, v := range subsys.Values {
			name := strings.TrimPrefix(v.Name, "SKB_DROP_REASON_SUBSYS_")
			// CORE's reasons are skb_drop_reason's own; NUM is a count.
			if v.Value == 0 || v.Value > codeMask || name == "NUM" {
				continue
			}
			d.subsys[uint32(v.Value)] = name
		}
	}

	for _, spec := range specs {
		if err := d.addSubsysReasons(spec); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// subsysEnums are the enums subsystems name their reasons in. Looked up by
// name, since going through every type of vmlinux to find them costs about
// 40 MB of memory and 100 ms; a subsystem not listed still gets names of
// the form <SUBSYS>_<code>.
var subsysEnums = []string{"mac80211_drop_reason", "ovs_drop_reason"}

// addSubsysReasons takes the constants of subsysEnums wherever they are
// defined: in vmlinux, or in the module's own BTF.
func (d *Decoder) addSubsysReasons(spec *btf.Spec) error {
	for _, name := range subsysEnums {
		enum, err := findEnum(spec, name)
		if errors.Is(err, btf.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		for _, v := range enum.Values {
			// Leading underscores and _MAX mark the bounds of a range.
			if v.Value>>subsysShift == 0 || strings.HasPrefix(v.Name, "_") || strings.HasSuffix(v.Name, "_MAX") {
				continue
			}
			d.add(v, v.Name)
		}
	}
	return nil
}

// add records a reason; where two names share a value the first is kept for
// naming, but both are accepted by Value.
func (d *Decoder) add(v btf.EnumValue, name string) {
	if v.Value > math.MaxUint32 {
		return // not a value the tracepoint can carry
	}
	if _, ok := d.names[uint32(v.Value)]; !ok {
		d.names[uint32(v.Value)] = name
	}
	if _, ok := d.values[name]; !ok {
		d.values[name] = uint32(v.Value)
	}
}

// findEnum returns the first enum of that name; vmlinux may repeat a type.
func findEnum(spec *btf.Spec, name string) (*btf.Enum, error) {
	types, err := spec.AnyTypesByName(name)
	if err != nil {
		return nil, fmt.Errorf("find enum %s: %w", name, err)
	}
	for _, typ := range types {
		if enum, ok := typ.(*btf.Enum); ok {
			return enum, nil
		}
	}
	return nil, fmt.Errorf("find enum %s: %w", name, btf.ErrNotFound)
}

// Name is the reason's kernel name without the SKB_DROP_REASON_ prefix. A
// subsystem reason the BTF does not name is <SUBSYS>_<code>, anything else
// unknown is UNKNOWN_<v>, so every value still forms its own series.
func (d *Decoder) Name(v uint32) string {
	if name, ok := d.names[v]; ok {
		return name
	}
	if sub, ok := d.subsys[v>>subsysShift]; ok {
		return fmt.Sprintf("%s_%d", sub, v&codeMask)
	}
	return fmt.Sprintf("UNKNOWN_%d", v)
}

// Value is the number of a reason named as Name names it.
func (d *Decoder) Value(name string) (uint32, bool) {
	v, ok := d.values[name]
	return v, ok
}

// Names lists every reason name, sorted.
func (d *Decoder) Names() []string {
	names := make([]string, 0, len(d.values))
	for name := range d.values {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
