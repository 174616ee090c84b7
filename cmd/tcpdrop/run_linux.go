package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/hostproc"
	"github.com/tcpdrop/tcpdrop/internal/owner"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
	"github.com/tcpdrop/tcpdrop/internal/tracer"
)

// ownerKeys bounds the owners a window tells apart for -container and
// -cgroup.
const ownerKeys = 4096

// every is how often the command cuts a window and prints its samples: the
// probe does not wake a reader per drop.
const every = 100 * time.Millisecond

func run(o options, stdout, stderr io.Writer, stop <-chan os.Signal) error {
	// The counts are kept too, in one series, or by owner for -container
	// and -cgroup: they give the summary.
	popts := probe.Options{Mode: o.mode, MaxKeys: 1, ReceiveHooks: true,
		Family: o.family, Port: o.port, Netns: o.netns,
		Sampling: probe.Sampling{Rate: o.rate, Stack: !o.noStack}}
	if o.byOwner() {
		popts.Dims, popts.MaxKeys = drop.DimCgroup|drop.DimContainer, ownerKeys
	}
	docker := cmp.Or(os.Getenv("DOCKER_HOST"), owner.DefaultDockerEndpoint)
	tr, err := tracer.Start(tracer.Config{
		Probe:   popts,
		Include: reasons.List{Option: "-reason", Names: o.reasons},
		Exclude: reasons.List{Option: "-exclude", Names: o.exclude},
		Window:  every,
		Owners:  &owner.Config{ProcRoot: hostproc.Path(), NetnsDir: "/run/netns", DockerEndpoint: docker},
		Log:     stderrLog{stderr},
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
	for _, missing := range tr.OwnersMissing() {
		fmt.Fprintf(stderr, "tcpdrop: owners: %s\n", missing)
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

	out := &printer{w: bufio.NewWriter(stdout), names: tr.Names(), owners: tr.NetnsOwners, o: o}
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
		total.add(s, o)
		full, err := out.print(s)
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
	w      *bufio.Writer
	enc    *json.Encoder
	names  *drop.Namer
	owners func(netns []uint64) map[uint64]owner.Owner // of listeners' namespaces
	o      options
	shown  int
}

// print writes a window's samples, up to -count in all; full says -count
// was reached.
func (p *printer) print(s tracer.Snapshot) (full bool, err error) {
	for _, e := range s.Samples {
		if p.o.count > 0 && p.shown >= p.o.count {
			break
		}
		o := s.Owners[owner.Ref{Cgroup: e.Cgroup, Netns: e.Netns}]
		if !p.o.wants(o) {
			continue
		}
		if p.o.json {
			err = writeJSON(p.enc, e, o, p.names)
		} else {
			err = writeText(p.w, e, o, p.names, !p.o.noStack)
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
type summary struct{ drops, unowned, suppressed, lost, shed uint64 }

// add counts a window's drops, those of the owner asked for with
// -container or -cgroup.
func (s *summary) add(w tracer.Snapshot, o options) {
	for _, c := range w.Counts {
		if !o.byOwner() || o.wants(w.Owners[owner.Ref{Cgroup: c.Key.Cgroup, Netns: c.Key.Netns}]) {
			s.drops += c.Drops
		}
	}
	if o.byOwner() {
		s.unowned += w.Stats.MapFull
	}
	s.suppressed += w.Stats.Suppressed
	s.lost += w.Stats.Lost
	s.shed += w.Stats.EventsShed + w.Stats.BadRecords
}

func (s summary) write(stderr io.Writer, shown int, rate uint32) error {
	line := fmt.Sprintf("%d TCP drops counted, %d shown", s.drops, shown)
	if s.suppressed > 0 {
		line += fmt.Sprintf(", %d suppressed by -rate %d", s.suppressed, rate)
	}
	if s.unowned > 0 {
		line += fmt.Sprintf(", %d of no known owner (more than %d owners in a window)", s.unowned, ownerKeys)
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
