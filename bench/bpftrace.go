//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
)

var (
	// bpftrace reports perf buffer overruns as "Lost N events", on stdout.
	lostRE = regexp.MustCompile(`(?m)^Lost (\d+) events`)
	// count.bt's map as printed at exit: "@drops[REASON]: N".
	dropsRE = regexp.MustCompile(`(?m)^@drops\[(\d+)\]: (\d+)$`)
)

// countPrinted reads the output of bpftrace printing each drop, a file it
// has written and exited, and counts the occurrences of pattern (the end of
// the line of a storm drop) and the events of its "Lost N events" lines.
func countPrinted(f *os.File, pattern string) (tally, error) {
	// The file shares its offset with bpftrace's copy of it.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return tally{}, fmt.Errorf("bpftrace output: %w", err)
	}
	c := printCounter{pattern: []byte(pattern)}
	if _, err := io.CopyBuffer(&c, f, make([]byte, 1<<20)); err != nil {
		return tally{}, fmt.Errorf("bpftrace output: %w", err)
	}
	return tally{counted: c.printed, lost: c.lost}, c.err
}

// printCounter counts what countPrinted is after, as the output is written
// to it in pieces that may split lines.
type printCounter struct {
	pattern []byte
	partial []byte // the start of a line not complete yet
	printed int64
	lost    int64
	err     error
}

func (c *printCounter) Write(p []byte) (int, error) {
	buf := append(c.partial, p...)
	end := bytes.LastIndexByte(buf, '\n') + 1
	lines := buf[:end]
	c.printed += int64(bytes.Count(lines, c.pattern))
	if bytes.Contains(lines, []byte("Lost ")) {
		n, err := bpftraceLost(lines)
		c.lost += n
		if c.err == nil {
			c.err = err
		}
	}
	c.partial = bytes.Clone(buf[end:])
	return len(p), nil
}

// bpftraceLost sums the events bpftrace said it lost.
func bpftraceLost(out []byte) (int64, error) {
	var lost int64
	for _, m := range lostRE.FindAllSubmatch(out, -1) {
		n, err := strconv.ParseInt(string(m[1]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bpftrace lost: %w", err)
		}
		lost += n
	}
	return lost, nil
}

// bpftraceCounted returns count.bt's count for reason, 0 if it has none.
func bpftraceCounted(stdout []byte, reason uint32) (int64, error) {
	for _, m := range dropsRE.FindAllSubmatch(stdout, -1) {
		if string(m[1]) != strconv.FormatUint(uint64(reason), 10) {
			continue
		}
		n, err := strconv.ParseInt(string(m[2]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bpftrace count: %w", err)
		}
		return n, nil
	}
	return 0, nil
}
