package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/bpf"
	"github.com/tcpdrop/tcpdrop/internal/drop"
)

// ErrNoSampling is returned by ReadEvents of a probe opened without it.
var ErrNoSampling = errors.New("probe opened without sampling")

// ReadEvents hands fn the sampled drops, one batch per poll, until the probe
// is closed; then it returns nil. The probe submits events without waking
// the reader (a wake-up costs more than counting a drop), so the ring is
// read every poll, or earlier when it fills up or on FlushEvents. fn owns
// each batch.
func (p *Probe) ReadEvents(poll time.Duration, fn func(Batch)) error {
	if p.events == nil {
		return ErrNoSampling
	}
	var rec ringbuf.Record
	for {
		p.events.SetDeadline(time.Now().Add(poll))
		clock := newClock()
		var b Batch
		for {
			err := p.events.ReadInto(&rec)
			if err == nil {
				if e, err := decode(rec.RawSample, clock); err != nil {
					b.Bad++
				} else {
					b.Events = append(b.Events, e)
				}
				continue
			}
			b.Flushed = errors.Is(err, ringbuf.ErrFlushed)
			if len(b.Events) > 0 || b.Bad > 0 || b.Flushed {
				fn(b)
			}
			switch {
			case b.Flushed, errors.Is(err, os.ErrDeadlineExceeded):
			case errors.Is(err, ringbuf.ErrClosed):
				return nil
			default:
				return fmt.Errorf("read events: %w", err)
			}
			break
		}
	}
}

// FlushEvents makes ReadEvents hand over what the ring holds now, without
// waiting for its poll, and say so (Batch.Flushed).
func (p *Probe) FlushEvents() error {
	if p.events == nil {
		return ErrNoSampling
	}
	return p.events.Flush()
}

// clock converts the probe's CLOCK_MONOTONIC times to wall-clock time.
type clock struct{ offset int64 }

func newClock() clock {
	var mono, real unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &real)
	return clock{offset: real.Nano() - mono.Nano()}
}

func (c clock) time(ns uint64) time.Time { return time.Unix(0, int64(ns)+c.offset) }

// decode reads one ring record. A record is exactly one struct drop_event
// as the probe writes it; anything else is rejected, not read as one.
func decode(raw []byte, c clock) (drop.Event, error) {
	var e bpf.TcpdropDropEvent
	if len(raw) != eventSize {
		return drop.Event{}, fmt.Errorf("decode event: %d bytes, want %d", len(raw), eventSize)
	}
	if err := binary.Read(bytes.NewReader(raw), binary.NativeEndian, &e); err != nil {
		return drop.Event{}, fmt.Errorf("decode event: %w", err)
	}
	if e.Family != 4 && e.Family != 6 {
		return drop.Event{}, fmt.Errorf("decode event: address family %d", e.Family)
	}
	// Negative is bpf_get_stack's error: no stack, which is valid.
	if int(e.StackBytes) > len(e.Stack)*8 {
		return drop.Event{}, fmt.Errorf("decode event: %d stack bytes", e.StackBytes)
	}
	ev := drop.Event{
		Time:     c.time(e.TimeNs),
		Window:   e.Window,
		Src:      netip.AddrPortFrom(addr(e.Family, e.Saddr), e.Sport),
		Dst:      netip.AddrPortFrom(addr(e.Family, e.Daddr), e.Dport),
		Reason:   e.Reason,
		Location: e.Location,
		Netns:    e.Netns,
		Cgroup:   e.Cgroup,
		Ifindex:  e.Ifindex,
		PID:      e.Pid,
		Comm:     comm(e.Comm),
		Bytes:    e.Bytes,
		State:    e.State,
		Flags:    e.Flags,
		Family:   e.Family,
	}
	if n := int(e.StackBytes) / 8; n > 0 {
		ev.Stack = append([]uint64(nil), e.Stack[:n]...)
	}
	return ev, nil
}

func addr(family uint8, b [16]byte) netip.Addr {
	if family == 4 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}

func comm(c [16]int8) string {
	b := make([]byte, 0, len(c))
	for _, ch := range c {
		if ch == 0 {
			break
		}
		b = append(b, byte(ch))
	}
	return string(b)
}
