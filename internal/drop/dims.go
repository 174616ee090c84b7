package drop

import (
	"fmt"
	"strings"
)

// Dims is the set of dimensions a window is grouped by. The bit values are
// the probe's enum dimension (bpf/tcpdrop.h); a probe test holds them equal.
type Dims uint32

// The dimensions, in the order tags are documented.
const (
	DimReason Dims = 1 << iota
	DimState
	DimFlags
	DimFrame
	DimFamily
	DimNetns
	DimLocalPort
	DimCgroup    // the socket's cgroup v2 path
	DimContainer // user space only: the owner of the cgroup or namespace
)

// dimNames are the group_by names, which are also the tag keys.
var dimNames = []struct {
	dim  Dims
	name string
}{
	{DimReason, "reason"},
	{DimState, "state"},
	{DimFlags, "flags"},
	{DimFrame, "frame"},
	{DimFamily, "family"},
	{DimNetns, "netns"},
	{DimLocalPort, "local_port"},
	{DimCgroup, "cgroup"},
	{DimContainer, "container"},
}

// ParseDims reads group_by names; an unknown or repeated name is an error.
func ParseDims(names []string) (Dims, error) {
	var d Dims
	for _, name := range names {
		dim, ok := dimByName(name)
		if !ok {
			return 0, fmt.Errorf("unknown group_by dimension %q (known: %s)", name, strings.Join(DimNames(), ", "))
		}
		if d&dim != 0 {
			return 0, fmt.Errorf("group_by dimension %q given twice", name)
		}
		d |= dim
	}
	return d, nil
}

func dimByName(name string) (Dims, bool) {
	for _, dn := range dimNames {
		if dn.name == name {
			return dn.dim, true
		}
	}
	return 0, false
}

// DimNames lists every dimension name.
func DimNames() []string {
	names := make([]string, len(dimNames))
	for i, dn := range dimNames {
		names[i] = dn.name
	}
	return names
}

// Kernel is what the probe keys a window by to give d: a drop's owner is
// found from its socket's cgroup or, for a drop without a socket, from its
// network namespace.
func (d Dims) Kernel() Dims {
	if d&(DimCgroup|DimContainer) != 0 {
		d |= DimCgroup | DimNetns
	}
	return d &^ DimContainer
}

// Has reports whether every dimension of o is in d.
func (d Dims) Has(o Dims) bool { return d&o == o }
