package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// options are the command line, checked.
type options struct {
	family  uint8 // 0: both
	reasons []string
	exclude []string // nil: the default exclusions
	port    uint16
	netns   uint32
	// container and cgroup keep the drops of one owner: a container's
	// name or ID (or an ID's prefix), a cgroup v2 path and those below.
	container string
	cgroup    string
	count     int
	duration  time.Duration
	noStack   bool
	json      bool
	rate      uint32
	mode      probe.Mode
	listen    bool
	interval  time.Duration
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("tcpdrop", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, "Usage: tcpdrop [flags]\n\nPrints TCP packets the kernel drops, with the reason and the kernel stack.\n\n")
		fs.PrintDefaults()
	}
	v4 := fs.Bool("4", false, "IPv4 drops only")
	v6 := fs.Bool("6", false, "IPv6 drops only")
	fs.Func("reason", "only these drop reasons, comma-separated (e.g. NO_SOCKET,TCP_CSUM)", func(s string) error {
		o.reasons = splitList(s)
		return nil
	})
	fs.Func("exclude", "skip these drop reasons, comma-separated; \"\" shows all (default QUEUE_PURGE)", func(s string) error {
		o.exclude = splitList(s)
		return nil
	})
	port := fs.Uint("port", 0, "only drops with this port at either end")
	netns := fs.Uint("netns", 0, "only drops in the network namespace with this inode (ls -Li /proc/PID/ns/net)")
	fs.StringVar(&o.container, "container", "", "only drops of this container: its name, its ID or an ID's prefix")
	fs.StringVar(&o.cgroup, "cgroup", "", "only drops of sockets in this cgroup v2 or below it, e.g. system.slice/nginx.service")
	fs.IntVar(&o.count, "count", 0, "exit after printing this many drops")
	fs.DurationVar(&o.duration, "duration", 0, "exit after this long")
	fs.BoolVar(&o.noStack, "no-stack", false, "do not take or print kernel stacks")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per drop, for scripts")
	rate := fs.Uint("rate", 100, "print at most this many drops per second per CPU; the rest are counted as suppressed")
	fs.BoolVar(&o.listen, "listen", false, "also print, every -interval, each listening socket whose drop counter grew (full accept queue), in every network namespace")
	fs.DurationVar(&o.interval, "interval", time.Second, "how often -listen looks at the listeners")
	mode := fs.String("probe", string(probe.ModeAuto), "attach mode: auto, tp_btf_rx_sk, tp_btf or raw_tp")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *v4 && *v6:
		return o, errors.New("-4 and -6 exclude each other")
	case *v4:
		o.family = 4
	case *v6:
		o.family = 6
	}
	if *port > 1<<16-1 {
		return o, fmt.Errorf("-port %d is not a port", *port)
	}
	if *netns > 1<<32-1 {
		return o, fmt.Errorf("-netns %d is not an inode number", *netns)
	}
	if *rate == 0 || *rate > 1000000 {
		return o, errors.New("-rate must be between 1 and 1000000")
	}
	if o.interval <= 0 {
		return o, errors.New("-interval must be positive")
	}
	if o.count < 0 || o.duration < 0 {
		return o, errors.New("-count and -duration must not be negative")
	}
	o.port, o.netns, o.rate = uint16(*port), uint32(*netns), uint32(*rate)
	o.cgroup = strings.Trim(o.cgroup, "/")
	var err error
	o.mode, err = probe.ParseMode(*mode)
	return o, err
}

// splitList splits a comma-separated flag; an empty string is an empty,
// not a nil, list.
func splitList(s string) []string {
	out := []string{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
