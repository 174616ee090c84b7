package probe

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// A record that is not an event is counted and skipped, and reading goes
// on; a flush hands over what the ring holds. The records come from a
// program of the test's own, run through BPF_PROG_TEST_RUN, which writes
// 8 bytes: too short for an event.
func TestBadRecordsAreCountedAndSkipped(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ring, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.RingBuf, MaxEntries: 4096})
	require.NoError(t, err)
	defer ring.Close()
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:    ebpf.SocketFilter,
		License: "GPL",
		Instructions: asm.Instructions{
			asm.Mov.Imm(asm.R1, 0),
			asm.StoreMem(asm.RFP, -8, asm.R1, asm.DWord),
			asm.LoadMapPtr(asm.R1, ring.FD()),
			asm.Mov.Reg(asm.R2, asm.RFP),
			asm.Add.Imm(asm.R2, -8),
			asm.Mov.Imm(asm.R3, 8),
			asm.Mov.Imm(asm.R4, 0),
			asm.FnRingbufOutput.Call(),
			asm.Mov.Imm(asm.R0, 0),
			asm.Return(),
		},
	})
	require.NoError(t, err)
	defer prog.Close()
	events, err := ringbuf.NewReader(ring)
	require.NoError(t, err)
	p := &Probe{events: events}

	batches := make(chan Batch, 16)
	done := make(chan error, 1)
	go func() { done <- p.ReadEvents(time.Hour, func(b Batch) { batches <- b }) }()
	for range 3 {
		_, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)})
		require.NoError(t, err)
	}
	require.NoError(t, p.FlushEvents())
	var bad int
	for b := range batches {
		require.Empty(t, b.Events)
		bad += b.Bad
		if b.Flushed {
			break
		}
	}
	require.Equal(t, 3, bad, "each bad record counted, none ends reading")

	_, err = prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)})
	require.NoError(t, err)
	require.NoError(t, p.FlushEvents())
	b := <-batches
	require.Equal(t, Batch{Bad: 1, Flushed: true}, b, "still reading")

	require.NoError(t, events.Close())
	require.NoError(t, <-done, "ends when the ring closes")
}
