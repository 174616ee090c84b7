package tracer

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tcpdrop/tcpdrop/internal/hostproc"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
)

// Naming says why drop sites and stacks could not be named at start (they
// are then addresses), nil when they could. Counting never needs names.
func (t *Tracer) Naming() error { return t.naming }

// explainNaming says what hid the kernel's addresses and how to show them:
// kallsyms shows them to a process with CAP_SYSLOG when
// kernel.kptr_restrict is 1 (or 0), and to nobody, root included, when it
// is 2.
func explainNaming(err error) error {
	if !errors.Is(err, kallsyms.ErrHidden) {
		return err
	}
	const how = "for names, set kernel.kptr_restrict to 1 (sysctl -w kernel.kptr_restrict=1) and give this program CAP_SYSLOG " +
		"(root has it); names return by themselves within a minute"
	b, rerr := os.ReadFile(hostproc.Path("sys", "kernel", "kptr_restrict"))
	switch v := strings.TrimSpace(string(b)); {
	case rerr != nil:
		return fmt.Errorf("%w (kernel.kptr_restrict unreadable: %v): %s", err, rerr, how)
	case v == "2":
		return fmt.Errorf("%w by kernel.kptr_restrict = 2, from every process, root included: %s", err, how)
	case v == "0":
		return fmt.Errorf("%w from processes without CAP_SYSLOG (kernel.kptr_restrict = 0, kernel.perf_event_paranoid above 1): %s", err, how)
	default:
		return fmt.Errorf("%w by kernel.kptr_restrict = %s from processes without CAP_SYSLOG: %s", err, v, how)
	}
}
