package owner

import "time"

// cache maps keys to values that are found all at once (a walk, a scan, a
// listing): it is rebuilt whole, so what is gone is forgotten, at most
// once per lookup and only when a key is unknown.
type cache[K comparable, V any] struct {
	what    string // for the logs
	build   func() (map[K]V, error)
	current func(K, V) bool // nil: an entry stays right until rebuilt
	entries map[K]V
	// missed are the keys of the last lookup the last build did not have:
	// they cause no rebuild while asked for. After a failed build there
	// are none, so the next lookup tries again.
	missed map[K]bool
	// err is the last build's error, nil once one succeeds; the entries
	// of the build before stay.
	err error
}

// lookup finds the values of keys.
func (c *cache[K, V]) lookup(keys map[K]bool, log Logger) map[K]V {
	for k := range keys {
		v, ok := c.entries[k]
		if ok && c.current != nil && !c.current(k, v) {
			delete(c.entries, k)
			ok = false
		}
		if !ok && !c.missed[k] {
			c.rebuild(log)
			break
		}
	}
	found := make(map[K]V, len(keys))
	missed := make(map[K]bool)
	for k := range keys {
		if v, ok := c.entries[k]; ok {
			found[k] = v
		} else if c.err == nil {
			missed[k] = true
		}
	}
	c.missed = missed
	return found
}

// rebuild builds the entries anew; an error is logged when it starts.
func (c *cache[K, V]) rebuild(log Logger) {
	start := time.Now()
	entries, err := c.build()
	if err != nil {
		if c.err == nil {
			log.Warnf("%s: %v", c.what, err)
		}
		c.err = err
		return
	}
	c.entries, c.err = entries, nil
	log.Debugf("%s: %d in %v", c.what, len(entries), time.Since(start))
}
