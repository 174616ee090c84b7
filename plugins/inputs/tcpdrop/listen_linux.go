package tcpdrop

import (
	"time"

	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// listenWatch is the listener scan of a running plugin.
type listenWatch struct {
	scanner *listeners.Scanner
	growth  listeners.Growth
	log     telegraf.Logger
	warned  bool
}

// startListenWatch takes the first scan, the baseline of the first
// window: drops from before the start are not reported.
func startListenWatch(log telegraf.Logger, maxNamespaces int) (*listenWatch, error) {
	s, err := listeners.NewScanner(listeners.HostConfig(maxNamespaces))
	if err != nil {
		return nil, err
	}
	sc, err := s.Scan()
	if err != nil {
		s.Close()
		return nil, err
	}
	w := &listenWatch{scanner: s, log: log}
	w.growth.Update(sc)
	w.warn(sc.Access)
	return w, nil
}

// gather scans and emits the window since the previous scan, with the
// owners of its namespaces if owners is not nil; it does nothing on nil.
func (w *listenWatch) gather(acc telegraf.Accumulator, now time.Time, owners func([]uint64) map[uint64]owner.Owner) {
	win, ok := w.scan()
	if !ok {
		return
	}
	var byNetns map[uint64]owner.Owner
	if owners != nil {
		byNetns = owners(namespaces(win))
	}
	addListenWindow(acc, win, w.scanner.Own(), now, byNetns)
}

// skip scans without emitting: the next window starts here. It does
// nothing on nil.
func (w *listenWatch) skip() { w.scan() }

// scan takes the growth since the previous scan; ok is false on nil and
// when the scan failed, which it logs.
func (w *listenWatch) scan() (_ listeners.Window, ok bool) {
	if w == nil {
		return listeners.Window{}, false
	}
	sc, err := w.scanner.Scan()
	if err != nil {
		w.log.Errorf("Scanning listeners: %v", err)
		return listeners.Window{}, false
	}
	w.warn(sc.Access)
	return w.growth.Update(sc), true
}

// warn says once what the scan cannot see for want of privileges.
func (w *listenWatch) warn(a listeners.Access) {
	if missing := a.Missing(); missing != "" && !w.warned {
		w.log.Warnf("Listener scan: %s; tcpdrop_listen and tcpdrop_netns cover the namespaces that can be seen", missing)
		w.warned = true
	}
}

// close releases the scanner; it is safe on nil.
func (w *listenWatch) close() error {
	if w == nil {
		return nil
	}
	return w.scanner.Close()
}
