package kallsyms

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// core is kallsyms as the kernel lists it: core text, then data, then
// modules and BPF programs at addresses below parts of the core.
const core = `ffffffff81000000 T _stext
ffffffff81000000 T _text
ffffffff81a3c2d0 T tcp_v4_rcv
ffffffff81a3e000 t tcp_v4_fill_cb
ffffffff81a40000 D tcp_hashinfo
ffffffff81a41000 b tcp_data_bss
ffffffff81b00000 W weak_fn
ffffffff81c00000 r some_rodata
ffffffffc0a01230 t nft_do_chain	[nf_tables]
ffffffffc0a00000 T nft_register_chain	[nf_tables]
ffffffffc0012345 t bpf_prog_6deef7357e7b4530_foo	[bpf]
ffffffff81900000 T kfree_skb_reason
`

// withModule is core after openvswitch was loaded.
const withModule = core + `ffffffffc0b00000 t ovs_dp_process_packet	[openvswitch]
`

// opener serves texts in turn, the last one for ever, counting opens.
type opener struct {
	texts []string
	opens int
}

func (o *opener) open() (io.ReadCloser, error) {
	text := o.texts[min(o.opens, len(o.texts)-1)]
	o.opens++
	return io.NopCloser(strings.NewReader(text)), nil
}

func TestResolve(t *testing.T) {
	o := &opener{texts: []string{core}}
	s := New(o.open)
	addrs := []uint64{
		0xffffffff81a3c4a5, // in tcp_v4_rcv
		0xffffffff81a3c2d0, // tcp_v4_rcv itself
		0xffffffff81a40010, // past a data symbol: still tcp_v4_fill_cb
		0xffffffff81b00010, // weak
		0xffffffff81c00004, // past rodata: weak_fn
		0xffffffffc0a01240, // module
		0xffffffffc0a00010, // module, listed after a higher symbol
		0xffffffffc0012400, // BPF program
		0xffffffff80000000, // before the first symbol
		0xffffffff81a3c4a5, // repeated
	}
	require.NoError(t, s.Resolve(addrs))
	require.Equal(t, 1, o.opens)

	for addr, want := range map[uint64]string{
		0xffffffff81a3c4a5: "tcp_v4_rcv+0x1d5",
		0xffffffff81a3c2d0: "tcp_v4_rcv+0x0",
		0xffffffff81a40010: "tcp_v4_fill_cb+0x2010",
		0xffffffff81b00010: "weak_fn+0x10",
		0xffffffff81c00004: "weak_fn+0x100004",
		0xffffffffc0a01240: "nft_do_chain+0x10 [nf_tables]",
		0xffffffffc0a00010: "nft_register_chain+0x10 [nf_tables]",
		0xffffffffc0012400: "bpf_prog_6deef7357e7b4530_foo+0xbb [bpf]",
		0xffffffff80000000: "0xffffffff80000000",
	} {
		require.Equal(t, want, s.Lookup(addr).String(), "%#x", addr)
	}
	require.Equal(t, Symbol{Addr: 0xffffffff81a3c4a5, Name: "tcp_v4_rcv", Offset: 0x1d5}, s.Lookup(0xffffffff81a3c4a5))
	require.Equal(t, Symbol{Addr: 0xffffffff81000000, Name: "_stext"}, lookupOne(t, s, 0xffffffff81000000))
	require.Equal(t, Symbol{Addr: 1}, s.Lookup(1), "never resolved")
}

func lookupOne(t *testing.T, s *Symbolizer, addr uint64) Symbol {
	t.Helper()
	require.NoError(t, s.Resolve([]uint64{addr}))
	return s.Lookup(addr)
}

func TestResolveCaches(t *testing.T) {
	o := &opener{texts: []string{core}}
	s := New(o.open)
	s.RetryAfter = 0
	addr := uint64(0xffffffff81a3c4a5)
	require.NoError(t, s.Resolve([]uint64{addr}))
	require.NoError(t, s.Resolve([]uint64{addr}))
	require.NoError(t, s.Resolve(nil))
	require.Equal(t, 1, o.opens, "resolved addresses are not read again")
	require.Equal(t, "tcp_v4_rcv+0x1d5", s.Lookup(addr).String())
}

func TestResolveRetriesAfterModuleLoads(t *testing.T) {
	ovs := uint64(0xffffffffc0b00040)
	early := uint64(0xffffffff80000000)

	o := &opener{texts: []string{core, withModule}}
	s := New(o.open)
	s.RetryAfter = 0
	require.NoError(t, s.Resolve([]uint64{ovs, early}))
	// Before the module loads its address falls in the highest module.
	require.Equal(t, "nft_do_chain+0xfee10 [nf_tables]", s.Lookup(ovs).String())
	require.Equal(t, "0xffffffff80000000", s.Lookup(early).String())

	require.NoError(t, s.Resolve([]uint64{early}))
	require.Equal(t, 2, o.opens, "unknown address read again")
	require.NoError(t, s.Resolve([]uint64{ovs}))
	require.Equal(t, 2, o.opens, "known address not read again")
	require.Equal(t, "nft_do_chain+0xfee10 [nf_tables]", s.Lookup(ovs).String(), "known names are kept")

	fresh := uint64(0xffffffffc0b00010)
	require.NoError(t, s.Resolve([]uint64{fresh}))
	require.Equal(t, "ovs_dp_process_packet+0x10 [openvswitch]", s.Lookup(fresh).String())
}

func TestResolveWaitsBeforeRetry(t *testing.T) {
	early := uint64(0xffffffff80000000)
	o := &opener{texts: []string{core}}
	s := New(o.open)
	require.Equal(t, time.Minute, s.RetryAfter)

	require.NoError(t, s.Resolve([]uint64{early}))
	require.NoError(t, s.Resolve([]uint64{early}))
	require.Equal(t, 1, o.opens, "unknown address not read again within RetryAfter")

	// A new address forces a read, which retries the unknown one too.
	require.NoError(t, s.Resolve([]uint64{early, 0xffffffff81a3c2d0}))
	require.Equal(t, 2, o.opens)
	require.Equal(t, "tcp_v4_rcv+0x0", s.Lookup(0xffffffff81a3c2d0).String())
}

func TestResolveHidden(t *testing.T) {
	hidden := `0000000000000000 T _stext
0000000000000000 T tcp_v4_rcv
0000000000000000 D tcp_hashinfo
0000000000000000 t nft_do_chain	[nf_tables]
`
	o := &opener{texts: []string{hidden, hidden, "ffffffff81a3c2d0 T tcp_v4_rcv\n"}}
	s := New(o.open)
	err := s.Resolve([]uint64{0xffffffff81a3c4a5})
	require.ErrorIs(t, err, ErrHidden)
	require.Equal(t, Symbol{Addr: 0xffffffff81a3c4a5}, s.Lookup(0xffffffff81a3c4a5))

	// Hidden stays hidden until kptr_restrict changes: not read again
	// within RetryAfter, then retried, and names return once it changed.
	require.ErrorIs(t, s.Resolve([]uint64{0xffffffff81a3c4a5}), ErrHidden)
	require.Equal(t, 1, o.opens)
	s.RetryAfter = 0
	require.ErrorIs(t, s.Resolve([]uint64{0xffffffff81a3c4a5}), ErrHidden)
	require.Equal(t, 2, o.opens)
	require.NoError(t, s.Resolve([]uint64{0xffffffff81a3c4a5}))
	require.Equal(t, "tcp_v4_rcv+0x1d5", s.Lookup(0xffffffff81a3c4a5).String())
}

func TestResolveErrors(t *testing.T) {
	errOpen := errors.New("permission denied")
	s := New(func() (io.ReadCloser, error) { return nil, errOpen })
	require.ErrorIs(t, s.Resolve([]uint64{1}), errOpen)

	o := &opener{texts: []string{"ffffffff81000000 T _stext\nnot a symbol\n"}}
	require.ErrorContains(t, New(o.open).Resolve([]uint64{1}), "line 2")

	o = &opener{texts: []string{"zzzz T _stext\n"}}
	require.ErrorContains(t, New(o.open).Resolve([]uint64{1}), "malformed address")
}

func TestCheck(t *testing.T) {
	ok := New(func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("ffffffff81000000 T _stext\n")), nil
	})
	require.NoError(t, ok.Check())

	hidden := New(func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("0000000000000000 T _stext\n0000000000000000 t tcp_v4_rcv\n")), nil
	})
	require.ErrorIs(t, hidden.Check(), ErrHidden)
}
