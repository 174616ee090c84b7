package probe

import (
	"errors"
	"fmt"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"

	"github.com/tcpdrop/tcpdrop/bpf"
	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// emulatedCPUs is the machine size BenchmarkWindow emulates.
const emulatedCPUs = 128

// emulatedValue is one key's value as a per-CPU map holds it with
// emulatedCPUs possible CPUs.
type emulatedValue [emulatedCPUs]bpf.TcpdropDropValue

// BenchmarkWindow measures the two parts of Window with the probe loaded as
// the plugin loads it: the swap, which waits for an RCU grace period, and
// the read of the window swapped out, with 1, 1,000 and 4,096 series. It
// also reads windows as they would be with 128 possible CPUs (emulated,
// see readEmulated). make bench reports it.
func BenchmarkWindow(b *testing.B) {
	netnstest.RequirePrivileges(b)
	// Room for the host's own drops besides the series.
	p, err := Open(Options{Mode: ModeAuto, Dims: drop.DimReason | drop.DimLocalPort, MaxKeys: 4096 + 256})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	name := fmt.Sprintf("cpus=%d/emulated=false", p.cpus)
	b.Run(name+"/swap", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.Window(); err != nil {
				b.Fatal(err)
			}
		}
	})
	emulated, err := ebpf.NewMap(&ebpf.MapSpec{
		Type:       ebpf.Hash,
		KeySize:    uint32(unsafe.Sizeof(bpf.TcpdropDropKey{})),
		ValueSize:  uint32(unsafe.Sizeof(emulatedValue{})),
		MaxEntries: p.counts[0].MaxEntries(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer emulated.Close()
	for _, series := range []int{1, 1000, 4096} {
		b.Run(fmt.Sprintf("%s/read/series=%d", name, series), func(b *testing.B) {
			// The map not installed: what a swap takes out.
			m := p.counts[1-p.active]
			for b.Loop() {
				b.StopTimer()
				fillMap(b, m, make([]bpf.TcpdropDropValue, p.cpus), series)
				b.StartTimer()
				counts, _, err := drain(m, p.cpus)
				if err != nil {
					b.Fatal(err)
				}
				if len(counts) < series {
					b.Fatalf("window has %d series, want %d", len(counts), series)
				}
			}
		})
		b.Run(fmt.Sprintf("cpus=%d/emulated=true/read/series=%d", emulatedCPUs, series), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				fillMap(b, emulated, &emulatedValue{}, series)
				b.StartTimer()
				if n := readEmulated(b, emulated); n != series {
					b.Fatalf("read %d series, want %d", n, series)
				}
			}
		})
	}
}

// readEmulated reads and deletes m, an ordinary hash map whose values hold
// one slot per emulated CPU, as drain reads a window: the kernel copies out,
// and Go sums, what it would with that many possible CPUs. (drain itself
// cannot read it: its values are per-CPU slices.) What this cannot emulate:
// the kernel's walk over each CPU's per-CPU area, one copy per CPU instead
// of one copy of the whole value, and how much longer the swap's grace
// period takes with more CPUs.
func readEmulated(b *testing.B, m *ebpf.Map) int {
	var (
		cursor ebpf.MapBatchCursor
		keys   = make([]bpf.TcpdropDropKey, drainBatch)
		values = make([]emulatedValue, drainBatch)
		read   int
		sum    bpf.TcpdropDropValue
	)
	for range m.MaxEntries() + 1 {
		n, err := m.BatchLookupAndDelete(&cursor, keys, values, nil)
		if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			b.Fatal(err)
		}
		for i := range n {
			for _, cpu := range values[i] {
				sum.Drops += cpu.Drops
				sum.Bytes += cpu.Bytes
			}
		}
		read += n
		if err != nil {
			return read
		}
	}
	b.Fatal("more batches than keys")
	return read
}

// fillMap puts series keys into m, each with value v (one per-CPU value or
// an emulatedValue), as a storm over that many ports leaves a window.
func fillMap(b *testing.B, m *ebpf.Map, v any, series int) {
	for i := range series {
		k := bpf.TcpdropDropKey{Reason: 3, LocalPort: uint16(20000 + i), Family: 4}
		if err := m.Update(&k, v, ebpf.UpdateAny); err != nil {
			b.Fatal(err)
		}
	}
}
