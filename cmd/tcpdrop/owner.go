package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// shortID is how long a container ID is shown, as docker ps shows it.
const shortID = 12

// ownerLabel is a drop's owner in a text line: the container, else the
// cgroup of a socket outside the root, else "-".
func ownerLabel(o owner.Owner) string {
	switch c := o.Container; {
	case c.Name != "":
		return c.Name
	case c.ID != "":
		return c.ID[:min(shortID, len(c.ID))]
	case strings.Trim(o.Cgroup, "/") != "":
		return o.Cgroup
	}
	return "-"
}

// wants says whether a drop of o is one -container and -cgroup keep.
func (opt options) wants(o owner.Owner) bool {
	if opt.container != "" {
		c := o.Container
		if c.ID == "" || (c.Name != opt.container && !strings.HasPrefix(c.ID, opt.container)) {
			return false
		}
	}
	if opt.cgroup != "" {
		p := strings.Trim(o.Cgroup, "/")
		if p != opt.cgroup && !strings.HasPrefix(p, opt.cgroup+"/") {
			return false
		}
	}
	return true
}

// byOwner says whether drops are kept by owner: only then does the probe
// key its counts by cgroup and namespace.
func (opt options) byOwner() bool { return opt.container != "" || opt.cgroup != "" }

// stderrLog is what the owner resolver says while tracing: its warnings,
// not its debug lines.
type stderrLog struct{ w io.Writer }

func (stderrLog) Debugf(string, ...any) {}

func (l stderrLog) Warnf(format string, args ...any) {
	fmt.Fprintf(l.w, "tcpdrop: owners: "+format+"\n", args...)
}
