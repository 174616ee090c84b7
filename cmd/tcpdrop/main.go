// Command tcpdrop prints TCP packets the kernel drops, one at a time, as
// bcc's tcpdrop did: time, PID, addresses and ports, TCP state and flags,
// plus the kernel's drop reason and the stack from the drop site down.
// Drops are counted in the kernel; at most -rate per second per CPU are
// printed, and the rest are counted as suppressed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tcpdrop: %v\n", err)
		os.Exit(2)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	if err := run(opts, os.Stdout, os.Stderr, stop); err != nil {
		fmt.Fprintf(os.Stderr, "tcpdrop: %v\n", err)
		os.Exit(1)
	}
}
