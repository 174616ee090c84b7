package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
)

// watchListeners prints, every -interval, the listeners whose drop counter
// grew, until the returned function is called. Their first scan is the
// baseline: drops from before the start are not shown.
func (p *printer) watchListeners(stderr io.Writer) (stop func(), err error) {
	s, err := listeners.NewScanner(listeners.HostConfig(0))
	if err != nil {
		return nil, fmt.Errorf("-listen: %w", err)
	}
	var g listeners.Growth
	sc, err := s.Scan()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("-listen: %w", err)
	}
	g.Update(sc)
	if missing := sc.Access.Missing(); missing != "" {
		fmt.Fprintf(stderr, "tcpdrop: -listen: %s\n", missing)
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer s.Close()
		tick := time.NewTicker(p.o.interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-tick.C:
				sc, err := s.Scan()
				if err != nil {
					fmt.Fprintf(stderr, "tcpdrop: -listen: %v\n", err)
					continue
				}
				p.printListeners(g.Update(sc).Listeners, now)
			}
		}
	}()
	return func() { close(quit); <-done }, nil
}

// printListeners writes the lines of one interval's listeners.
func (p *printer) printListeners(ls []listeners.ListenerGrowth, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	enc := json.NewEncoder(p.w)
	for _, l := range ls {
		if !keepListener(p.o, l) {
			continue
		}
		if p.o.json {
			p.err = writeListenJSON(enc, l, now)
		} else {
			p.err = writeListenText(p.w, l)
		}
		if p.err != nil {
			return
		}
	}
	p.err = p.w.Flush()
}
