package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
	"github.com/tcpdrop/tcpdrop/internal/tracer"
)

// every is how often the command cuts a window and prints its samples: the
// probe does not wake a reader per drop.
const every = 100 * time.Millisecond

func run(o options, stdout, stderr io.Writer, stop <-chan os.Signal) error {
	// The counts are kept too, in one series: they give the summary.
	tr, err := tracer.Start(tracer.Config{
		Probe: probe.Options{Mode: o.mode, MaxKeys: 1, ReceiveHooks: true,
			Family: o.family, Port: o.port, Netns: o.netns,
			Sampling: probe.Sampling{Rate: o.rate, Stack: !o.noStack}},
		Include: reasons.List{Option: "-reason", Names: o.reasons},
		Exclude: reasons.List{Option: "-exclude", Names: o.exclude},
		Window:  every,
	})
	if err != nil {
		return err
	}
	defer tr.Close()
	if tr.Names().Reasons == nil {
		fmt.Fprintln(stderr, "tcpdrop: this kernel has no drop reasons (before 5.17): every reason is UNKNOWN")
	}
	for _, blind := range tr.Info().BlindSpots() {
		fmt.Fprintf(stderr, "tcpdrop: %s\n", blind)
	}
	// The listeners' baseline comes before the line that says it traces:
	// what happens after it is shown.
	var listen *listenWatch // nil without -listen
	var missing string
	if o.listen {
		if listen, missing, err = startListenWatch(o.interval); err != nil {
			return err
		}
		defer listen.close()
	}
	fmt.Fprintf(stderr, "Tracing TCP drops via %s. Hit Ctrl-C to end.\n", tr.Info().Mode)
	if missing != "" {
		fmt.Fprintf(stderr, "tcpdrop: -listen: %s\n", missing)
	}
	if err := tr.Naming(); err != nil {
		fmt.Fprintf(stderr, "tcpdrop: stacks are shown as kernel addresses: %v\n", err)
	}

	out := &printer{w: bufio.NewWriter(stdout), names: tr.Names(), o: o}
	out.enc = json.NewEncoder(out.w)
	if !o.json {
		if _, err := io.WriteString(out.w, header); err != nil {
			return err
		}
	}
	if err := out.w.Flush(); err != nil {
		return err
	}
	var timeout <-chan time.Time
	if o.duration > 0 {
		timeout = time.After(o.duration)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var total summary
	for {
		end := false
		select {
		case <-stop:
			end = true
		case <-timeout:
			end = true
		case <-tick.C:
		}
		s, err := tr.Snapshot()
		if err != nil {
			return err
		}
		total.add(s)
		full, err := out.print(s.Samples)
		if err != nil {
			return err
		}
		if err := out.printListeners(listen, time.Now()); err != nil {
			return err
		}
		if end || full {
			return total.write(stderr, out.shown, o.rate)
		}
	}
}

// printer writes the samples of each window as they come.
type printer struct {
	w     *bufio.Writer
	enc   *json.Encoder
	names *drop.Namer
	o     options
	shown int
}

// print writes samples, up to -count in all; full says -count was reached.
func (p *printer) print(samples []drop.Event) (full bool, err error) {
	for _, e := range samples {
		if p.o.count > 0 && p.shown >= p.o.count {
			break
		}
		if p.o.json {
			err = writeJSON(p.enc, e, p.names)
		} else {
			err = writeText(p.w, e, p.names, !p.o.noStack)
		}
		if err != nil {
			return false, err
		}
		p.shown++
	}
	return p.o.count > 0 && p.shown >= p.o.count, p.w.Flush()
}

// summary adds up the windows, so that a rate limit or a full ring is
// never mistaken for fewer drops.
type summary struct{ drops, suppressed, lost, shed uint64 }

func (s *summary) add(w tracer.Snapshot) {
	s.drops += w.Drops()
	s.suppressed += w.Stats.Suppressed
	s.lost += w.Stats.Lost
	s.shed += w.Stats.EventsShed + w.Stats.BadRecords
}

func (s summary) write(stderr io.Writer, shown int, rate uint32) error {
	line := fmt.Sprintf("%d TCP drops counted, %d shown", s.drops, shown)
	if s.suppressed > 0 {
		line += fmt.Sprintf(", %d suppressed by -rate %d", s.suppressed, rate)
	}
	if s.lost > 0 {
		line += fmt.Sprintf(", %d lost (event ring full)", s.lost)
	}
	if s.shed > 0 {
		line += fmt.Sprintf(", %d not read (more than a window holds, or unreadable)", s.shed)
	}
	_, err := fmt.Fprintln(stderr, line)
	return err
}
