package listeners

import (
	"fmt"
	"strings"
)

// Access counts what a scan could not see for want of privileges.
type Access struct {
	// Hidden tasks are those whose /proc/PID/ns/net could not be read:
	// that takes ptrace read access to the task (same user and no more
	// capabilities than ours, or CAP_SYS_PTRACE).
	Hidden int
	// Unentered namespaces are those whose listeners could not be listed:
	// sock_diag answers only for the namespace its socket was made in, and
	// entering another with setns takes CAP_SYS_ADMIN.
	Unentered int
}

// Missing names what a scan lacked, or returns "" if it saw everything.
func (a Access) Missing() string {
	var parts []string
	if a.Unentered > 0 {
		parts = append(parts, fmt.Sprintf("the listeners of %d network namespaces are not listed: entering a namespace (setns) needs CAP_SYS_ADMIN", a.Unentered))
	}
	if a.Hidden > 0 {
		parts = append(parts, fmt.Sprintf("the namespaces of %d tasks are not visible: reading /proc/PID/ns/net of another user's task needs CAP_SYS_PTRACE", a.Hidden))
	}
	return strings.Join(parts, "; ")
}
