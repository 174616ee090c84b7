package main

import (
	"fmt"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
)

// listenWatch finds, every -interval, the listeners whose drop counter
// grew. Its first scan is the baseline: drops from before the start are
// not shown. missing says what the scan cannot see for want of
// privileges.
type listenWatch struct {
	scanner *listeners.Scanner
	growth  listeners.Growth
	every   time.Duration
	next    time.Time
}

func startListenWatch(every time.Duration) (w *listenWatch, missing string, err error) {
	s, err := listeners.NewScanner(listeners.HostConfig(0))
	if err != nil {
		return nil, "", fmt.Errorf("-listen: %w", err)
	}
	sc, err := s.Scan()
	if err != nil {
		s.Close()
		return nil, "", fmt.Errorf("-listen: %w", err)
	}
	w = &listenWatch{scanner: s, every: every, next: time.Now().Add(every)}
	w.growth.Update(sc)
	return w, sc.Access.Missing(), nil
}

// poll scans if an interval has passed, and returns the listeners of the
// interval with the time of the scan; nil if it was not due.
func (w *listenWatch) poll(now time.Time) ([]listeners.ListenerGrowth, error) {
	if now.Before(w.next) {
		return nil, nil
	}
	w.next = now.Add(w.every)
	sc, err := w.scanner.Scan()
	if err != nil {
		return nil, fmt.Errorf("-listen: %w", err)
	}
	return w.growth.Update(sc).Listeners, nil
}

// close releases the scanner; it is safe on nil.
func (w *listenWatch) close() error {
	if w == nil {
		return nil
	}
	return w.scanner.Close()
}

// printListeners writes the listeners of an interval that has ended;
// nothing before its end, or with w nil (no -listen).
func (p *printer) printListeners(w *listenWatch, now time.Time) error {
	if w == nil {
		return nil
	}
	ls, err := w.poll(now)
	if err != nil {
		return err
	}
	inodes := make([]uint64, len(ls))
	for i, l := range ls {
		inodes[i] = l.Netns
	}
	owners := p.owners(inodes)
	for _, l := range ls {
		o := owners[l.Netns]
		if !keepListener(p.o, l, o) {
			continue
		}
		if p.o.json {
			err = writeListenJSON(p.enc, l, o, now)
		} else {
			err = writeListenText(p.w, l, o)
		}
		if err != nil {
			return err
		}
	}
	return p.w.Flush()
}
