package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// poll is how often the ring of sampled drops is read: the probe does not
// wake the reader per drop.
const poll = 100 * time.Millisecond

func run(o options, stdout, stderr io.Writer, stop <-chan os.Signal) error {
	// The counts are kept too, in one series: they give the summary.
	p, names, err := probe.Start(probe.Options{Mode: o.mode, MaxKeys: 1, ReceiveHooks: true,
		Family: o.family, Port: o.port, Netns: o.netns,
		Sampling: probe.Sampling{Rate: o.rate, Stack: !o.noStack}},
		reasons.List{Option: "-reason", Names: o.reasons}, reasons.List{Option: "-exclude", Names: o.exclude},
		reasons.NewKernel)
	if err != nil {
		return err
	}
	defer p.Close()
	if names.Reasons == nil {
		fmt.Fprintln(stderr, "tcpdrop: this kernel has no drop reasons (before 5.17): every reason is UNKNOWN")
	}

	for _, blind := range p.Info().BlindSpots() {
		fmt.Fprintf(stderr, "tcpdrop: %s\n", blind)
	}
	fmt.Fprintf(stderr, "Tracing TCP drops via %s. Hit Ctrl-C to end.\n", p.Mode())
	out := &printer{w: bufio.NewWriter(stdout), names: names, o: o, full: make(chan struct{})}
	if !o.json {
		if _, err := io.WriteString(out.w, header); err != nil {
			return err
		}
	}
	if err := out.w.Flush(); err != nil {
		return err
	}
	reading := make(chan error, 1)
	go func() { reading <- p.ReadEvents(poll, out.print) }()

	var timeout <-chan time.Time
	if o.duration > 0 {
		timeout = time.After(o.duration)
	}
	select {
	case <-stop:
	case <-timeout:
	case <-out.full:
	case err := <-reading:
		return err
	}
	// Let the reader take what was sampled before the end.
	time.Sleep(2 * poll)
	return out.summary(p, stderr)
}

// printer writes batches of sampled drops as they arrive.
type printer struct {
	mu    sync.Mutex
	w     *bufio.Writer
	names *drop.Namer
	o     options
	shown int
	err   error
	full  chan struct{} // closed once -count drops are shown
}

func (p *printer) print(batch []drop.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil || (p.o.count > 0 && p.shown >= p.o.count) {
		return
	}
	if err := p.names.PrepareEvents(batch); err != nil {
		p.err = fmt.Errorf("name stacks: %w", err)
		return
	}
	enc := json.NewEncoder(p.w)
	for _, e := range batch {
		if p.o.json {
			p.err = writeJSON(enc, e, p.names)
		} else {
			p.err = writeText(p.w, e, p.names, !p.o.noStack)
		}
		if p.err != nil {
			return
		}
		p.shown++
		if p.o.count > 0 && p.shown == p.o.count {
			close(p.full)
			break
		}
	}
	p.err = p.w.Flush()
}

// summary tells what was counted and what was not shown, so a rate limit
// or a full ring is never mistaken for fewer drops.
func (p *printer) summary(pr *probe.Probe, stderr io.Writer) error {
	w, err := pr.Window()
	if err != nil {
		return err
	}
	var total uint64
	for _, c := range w.Counts {
		total += c.Drops
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(stderr, "%d TCP drops counted, %d shown", total, p.shown)
	if n := w.Suppressed(); n > 0 {
		fmt.Fprintf(stderr, ", %d suppressed by -rate %d", n, p.o.rate)
	}
	if w.Stats.Lost > 0 {
		fmt.Fprintf(stderr, ", %d lost (event ring full)", w.Stats.Lost)
	}
	fmt.Fprintln(stderr)
	return p.err
}
