//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const (
	// stopTimeout bounds how long a tracer may take to exit when asked.
	stopTimeout = 30 * time.Second
	// settleTimeout bounds the wait for the window after the storm.
	settleTimeout = 15 * time.Second
)

// tracer is a running tracer process, pinned to tracerCPU.
type tracer struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  lockedBuffer
	exited  chan struct{}
	waitErr error
}

// startTracer starts sp's command on tracerCPU with stdin a pipe, stdout
// to sp.stdout (nil: /dev/null) and stderr captured.
func startTracer(sp spec) (*tracer, error) {
	t := &tracer{exited: make(chan struct{})}
	// taskset execs argv, so the pid is the tracer's.
	t.cmd = exec.Command("taskset", append([]string{"-c", strconv.Itoa(tracerCPU)}, sp.argv...)...)
	t.cmd.Stdout = sp.stdout
	t.cmd.Stderr = &t.stderr
	// If the bench dies without stopping it, so does the tracer, and its
	// probes go with it. The signal comes when the forking thread ends;
	// Go ends only threads of locked goroutines, which start no tracers.
	t.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var err error
	if t.stdin, err = t.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	if err := t.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", sp.argv[0], err)
	}
	go func() {
		t.waitErr = t.cmd.Wait()
		close(t.exited)
	}()
	return t, nil
}

func (t *tracer) pid() int { return t.cmd.Process.Pid }

// alive fails if the tracer has exited.
func (t *tracer) alive() error {
	select {
	case <-t.exited:
		return fmt.Errorf("tracer exited early (%v): %s", t.waitErr, lastLines(t.stderr.Bytes(), 5))
	default:
		return nil
	}
}

// stop asks the tracer to exit, by closing stdin or with SIGINT, and waits
// for it; it kills the tracer if it takes longer than stopTimeout.
func (t *tracer) stop(viaStdin bool) error {
	var err error
	if viaStdin {
		err = t.stdin.Close()
	} else {
		err = t.cmd.Process.Signal(os.Interrupt)
	}
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.kill()
		return fmt.Errorf("stop tracer: %w", err)
	}
	return t.await()
}

// terminate sends SIGTERM, as a service manager stops a process, and
// waits for the tracer to exit by itself.
func (t *tracer) terminate() error {
	if err := t.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.kill()
		return fmt.Errorf("terminate tracer: %w", err)
	}
	return t.await()
}

// await waits for the tracer that was asked to exit, killing it if it
// takes longer than stopTimeout; an exit by SIGINT counts as clean.
func (t *tracer) await() error {
	select {
	case <-t.exited:
	case <-time.After(stopTimeout):
		t.kill()
		return fmt.Errorf("tracer did not exit within %v", stopTimeout)
	}
	if t.waitErr != nil && !interrupted(t.waitErr) {
		return fmt.Errorf("tracer: %w: %s", t.waitErr, lastLines(t.stderr.Bytes(), 5))
	}
	return nil
}

// kill ends the tracer at once and waits for it; for error paths.
func (t *tracer) kill() {
	_ = t.cmd.Process.Kill()
	<-t.exited
}

// interrupted tells whether err is the exit of a process killed by the
// SIGINT it was sent, which is how bpftrace may end.
func interrupted(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGINT
}

// lockedBuffer is a bytes.Buffer a process writes while we read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// lastLines returns the last n lines of b, for error messages.
func lastLines(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte(" | ")))
}
