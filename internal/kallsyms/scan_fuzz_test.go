package kallsyms

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A line that parses prints back, in the kernel's own spelling, to a line
// that parses to the same fields.
func FuzzParseLine(f *testing.F) {
	for _, line := range strings.Split(core, "\n") {
		f.Add(line)
	}
	for _, line := range []string{"0000000000000000 T _text", "ffffffff81000000 t", "ffffffff81000000 T  x\t", "x T y", "1 TT y", " t y"} {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		addr, typ, name, module, err := parseLine(line)
		if err != nil {
			return
		}
		require.NotEmpty(t, name, "a symbol without a name is malformed")
		require.NotContains(t, name, "\t")
		again := fmt.Sprintf("%x %s %s", addr, []byte{typ}, name)
		if module != "" {
			again += "\t[" + module + "]"
		}
		addr2, typ2, name2, module2, err := parseLine(again)
		require.NoError(t, err, "%q printed as %q", line, again)
		require.Equal(t, []any{addr, typ, name, module}, []any{addr2, typ2, name2, module2}, "%q printed as %q", line, again)
	})
}

// scan of any text either fails or resolves each wanted address to the
// highest text symbol at or below it, the first listed of equal ones: what
// a search over the whole file finds.
func FuzzScan(f *testing.F) {
	f.Add([]byte(core), []byte{})
	f.Add([]byte(withModule), addrBytes(0xffffffff81a3c4a5, 0xffffffffc0a01240, 0xffffffff80000000, 0xffffffffc0b00010))
	f.Add([]byte("0000000000000000 T a\n0000000000000000 t b\n"), addrBytes(1))
	f.Add([]byte("ffffffff81000000 t a\nffffffff81000000 t b\n"), addrBytes(0xffffffff81000000))
	f.Add([]byte("garbage\n"), addrBytes(7))
	f.Fuzz(func(t *testing.T, text, wanted []byte) {
		var addrs []uint64
		for b := wanted; len(b) >= 8; b = b[8:] {
			addrs = append(addrs, binary.LittleEndian.Uint64(b))
		}
		slices.Sort(addrs)
		addrs = slices.Compact(addrs)

		syms, err := scan(bytes.NewReader(text), addrs)
		lines, parseErr := parseAll(text)
		if parseErr != nil {
			require.Error(t, err, "a malformed line fails the scan")
			return
		}
		if len(lines) > 0 && !slices.ContainsFunc(lines, func(l line) bool { return l.addr != 0 }) {
			require.ErrorIs(t, err, ErrHidden)
			return
		}
		require.NoError(t, err)
		require.Len(t, syms, len(addrs))
		for i, sym := range syms {
			require.Equal(t, addrs[i], sym.Addr)
			want, ok := nearest(lines, sym.Addr)
			if !ok {
				require.Equal(t, Symbol{Addr: sym.Addr}, sym, "nothing at or below")
				continue
			}
			require.Equal(t, Symbol{Addr: sym.Addr, Name: want.name, Module: want.module, Offset: sym.Addr - want.addr}, sym)
		}
	})
}

func addrBytes(addrs ...uint64) []byte {
	var b []byte
	for _, a := range addrs {
		b = binary.LittleEndian.AppendUint64(b, a)
	}
	return b
}

type line struct {
	addr         uint64
	typ          byte
	name, module string
}

// parseAll parses every line of text, as scan's reference.
func parseAll(text []byte) ([]line, error) {
	var lines []line
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		var l line
		var err error
		if l.addr, l.typ, l.name, l.module, err = parseLine(sc.Text()); err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	return lines, sc.Err()
}

// nearest is the slow search scan replaces.
func nearest(lines []line, addr uint64) (line, bool) {
	var best line
	found := false
	for _, l := range lines {
		if isText(l.typ) && l.addr <= addr && (!found || l.addr > best.addr) {
			best, found = l, true
		}
	}
	return best, found
}
