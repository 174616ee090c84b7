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
	// SysPtrace and SysAdmin say the scanner had those capabilities, so
	// what it could not see was refused for another reason.
	SysPtrace, SysAdmin bool
}

// Missing names what a scan lacked, or returns "" if it saw everything.
func (a Access) Missing() string {
	var parts []string
	if a.Unentered > 0 {
		why := "entering another namespace (setns) needs CAP_SYS_ADMIN"
		if a.SysAdmin {
			why = "setns was refused despite CAP_SYS_ADMIN (namespaces of another user namespace?)"
		}
		parts = append(parts, fmt.Sprintf("the listeners of %d network namespaces are not listed: %s", a.Unentered, why))
	}
	if a.Hidden > 0 {
		why := "reading /proc/PID/ns/net of another user's task, or of a task with more capabilities, needs CAP_SYS_PTRACE"
		if a.SysPtrace {
			why = "ptrace read access to them was refused despite CAP_SYS_PTRACE (a security module?)"
		}
		parts = append(parts, fmt.Sprintf("the namespaces of %d processes are not visible: %s", a.Hidden, why))
	}
	return strings.Join(parts, "; ")
}
