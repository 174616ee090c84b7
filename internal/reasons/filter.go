package reasons

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultExclude is dropped on every busy host without anything being
// wrong: packets still queued when a socket with unread data closes.
var DefaultExclude = []string{"QUEUE_PURGE"}

// List is reason names as a user gave them, with the option they came from
// so errors can name it.
type List struct {
	Option string
	Names  []string
}

// Filter turns the names to count (include; every reason when empty) and
// to skip (exclude) into values of d's kernel: include minus exclude, or
// exclude alone. A nil exclude means DefaultExclude, whose names an older
// kernel may lack, and which never removes a reason the user included:
// what was asked for explicitly beats a default, an explicit exclude beats
// an include. Names the user gave must exist. d is nil on a kernel without
// drop reasons, which allows no names at all.
func Filter(d *Decoder, include, exclude List) (inc, exc []uint32, err error) {
	if d == nil {
		if len(include.Names)+len(exclude.Names) > 0 {
			return nil, nil, fmt.Errorf("%s and %s need a kernel with drop reasons (5.17 or later)", include.Option, exclude.Option)
		}
		return nil, nil, nil
	}
	if inc, err = d.lookup(include, true); err != nil {
		return nil, nil, err
	}
	if exclude.Names == nil && len(inc) > 0 {
		return inc, nil, nil
	}
	if exclude.Names == nil {
		exc, err = d.lookup(List{exclude.Option, DefaultExclude}, false)
	} else {
		exc, err = d.lookup(exclude, true)
	}
	if err != nil || len(inc) == 0 {
		return nil, exc, err
	}
	inc = slices.DeleteFunc(inc, func(v uint32) bool { return slices.Contains(exc, v) })
	if len(inc) == 0 {
		return nil, nil, fmt.Errorf("%s removes every reason of %s", exclude.Option, include.Option)
	}
	return inc, nil, nil
}

func (d *Decoder) lookup(l List, strict bool) ([]uint32, error) {
	var values []uint32
	for _, name := range l.Names {
		if name == "" {
			return nil, fmt.Errorf("%s: empty reason name", l.Option)
		}
		v, ok := d.Value(name)
		if !ok && strict {
			return nil, fmt.Errorf("%s: this kernel has no drop reason %q; it has %s", l.Option, name, strings.Join(d.Names(), ", "))
		}
		if ok {
			values = append(values, v)
		}
	}
	return values, nil
}
