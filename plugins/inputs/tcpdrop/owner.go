package tcpdrop

import (
	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// ownerTags are the tags of the cgroup and container dimensions for a
// drop's owner. What is not known is left out, not given as "": a drop no
// container owns has no container tags.
func ownerTags(tags map[string]string, o owner.Owner, dims drop.Dims) {
	if dims.Has(drop.DimCgroup) && o.Cgroup != "" {
		tags["cgroup"] = o.Cgroup
	}
	if !dims.Has(drop.DimContainer) || o.Container.ID == "" {
		return
	}
	tags["container_id"] = o.Container.ID
	if o.Container.Name != "" {
		tags["container_name"] = o.Container.Name
	}
	if o.Container.PodUID != "" {
		tags["pod_uid"] = o.Container.PodUID
	}
}

// shownOwner is what of o the dims show: the parts of an owner that are
// not grouped by must not split series.
func shownOwner(o owner.Owner, dims drop.Dims) owner.Owner {
	if !dims.Has(drop.DimCgroup) {
		o.Cgroup = ""
	}
	if !dims.Has(drop.DimContainer) {
		o.Container = owner.Container{}
	}
	return o
}

// ownerFields are a sampled drop's owner as tcpdrop_event fields: one
// packet's owner is not a series of its own.
func ownerFields(fields map[string]any, o owner.Owner) {
	for k, v := range map[string]string{
		"cgroup":         o.Cgroup,
		"container_id":   o.Container.ID,
		"container_name": o.Container.Name,
		"pod_uid":        o.Container.PodUID,
	} {
		if v != "" {
			fields[k] = v
		}
	}
}
