package kallsyms

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/hostproc"
)

// ErrHidden is returned when kallsyms lists every address as zero:
// kernel.kptr_restrict hides them, from everyone when it is 2 (root
// included), from readers without CAP_SYSLOG when it is 1. Hidden says which.
var ErrHidden = errors.New("kernel addresses are hidden")

// Symbolizer names kernel addresses from kallsyms, caching what it found.
type Symbolizer struct {
	// RetryAfter is how long unresolved addresses wait before kallsyms is
	// read again for them: a module loaded later may hold them, but reading
	// the whole file on every call would be wasteful.
	RetryAfter time.Duration

	open     func() (io.ReadCloser, error)
	mu       sync.Mutex
	known    map[uint64]Symbol
	unknown  map[uint64]struct{}
	lastRead time.Time
	hidden   bool // the last read found every address hidden
}

// New returns a Symbolizer reading the kallsyms text open returns; open is
// called once per read.
func New(open func() (io.ReadCloser, error)) *Symbolizer {
	return &Symbolizer{
		RetryAfter: time.Minute,
		open:       open,
		known:      make(map[uint64]Symbol),
		unknown:    make(map[uint64]struct{}),
	}
}

// NewProc returns a Symbolizer for the running kernel's kallsyms, under
// HOST_PROC if set.
func NewProc() *Symbolizer {
	return New(func() (io.ReadCloser, error) { return os.Open(hostproc.Path("kallsyms")) })
}

// Resolve makes addrs available to Lookup, reading kallsyms once if any of
// them is new, or is unresolved and RetryAfter has passed since the last read.
func (s *Symbolizer) Resolve(addrs []uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	retry := time.Since(s.lastRead) >= s.RetryAfter
	if s.hidden && !retry {
		// Reading again finds zeros again until kptr_restrict changes.
		return fmt.Errorf("read kallsyms: %w", ErrHidden)
	}
	var fresh []uint64
	due := false
	for _, a := range addrs {
		if _, ok := s.known[a]; ok {
			continue
		}
		if _, ok := s.unknown[a]; ok {
			due = due || retry
			continue
		}
		fresh = append(fresh, a)
	}
	if len(fresh) == 0 && !due {
		return nil
	}

	// Every unresolved address rides along: the pass costs the same.
	pending := fresh
	for a := range s.unknown {
		pending = append(pending, a)
	}
	slices.Sort(pending)
	pending = slices.Compact(pending)

	syms, err := s.read(pending)
	s.hidden = errors.Is(err, ErrHidden)
	if s.hidden {
		s.lastRead = time.Now()
	}
	if err != nil {
		return fmt.Errorf("read kallsyms: %w", err)
	}
	s.lastRead = time.Now()
	for _, sym := range syms {
		if sym.Name == "" {
			s.unknown[sym.Addr] = struct{}{}
			continue
		}
		s.known[sym.Addr] = sym
		delete(s.unknown, sym.Addr)
	}
	return nil
}

func (s *Symbolizer) read(addrs []uint64) ([]Symbol, error) {
	f, err := s.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scan(f, addrs)
}

// Lookup returns what Resolve found for addr, without reading anything; an
// address not resolved has only Addr set.
func (s *Symbolizer) Lookup(addr uint64) Symbol {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sym, ok := s.known[addr]; ok {
		return sym
	}
	return Symbol{Addr: addr}
}

// Check reads kallsyms once, so that a reader who may not see kernel
// addresses learns it at start rather than at the first drop.
func (s *Symbolizer) Check() error {
	if _, err := s.read(nil); err != nil {
		return fmt.Errorf("read kallsyms: %w", err)
	}
	return nil
}
