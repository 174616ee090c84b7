//go:build linux

package netnstest

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

// execTimeout bounds commands whose context has no deadline.
const execTimeout = 60 * time.Second

// Exec runs name with args inside the namespace and returns its combined
// output. It uses nsenter on the namespace thread's ns file rather than
// forking from the namespace thread, so a slow command never blocks Do.
func (n *NS) Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	select {
	case <-n.exited:
		return nil, ErrClosed
	default:
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, execTimeout)
		defer cancel()
	}
	argv := append([]string{"--net=" + n.Path(), "--", name}, args...)
	out, err := exec.CommandContext(ctx, "nsenter", argv...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("exec %s in netns: %w", name, err)
	}
	return out, nil
}
