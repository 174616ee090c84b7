package kallsyms

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// candidate is the highest text symbol seen so far in one gap between two
// wanted addresses.
type candidate struct {
	addr   uint64
	name   string
	module string
	ok     bool
}

// scan resolves the sorted, distinct addrs in one pass over a kallsyms text.
// The file is not sorted and holds ~100k symbols, so rather than keeping it,
// each text symbol is binned into the gap of addrs it falls into and only
// the highest symbol per gap is kept. The result is parallel to addrs;
// unresolved entries have no Name.
func scan(r io.Reader, addrs []uint64) ([]Symbol, error) {
	// gaps[i] holds symbols in (addrs[i-1], addrs[i]].
	gaps := make([]candidate, len(addrs))
	lines, nonZero := 0, false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines++
		addr, typ, name, module, err := parseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lines, err)
		}
		if addr != 0 {
			nonZero = true
		}
		if !isText(typ) {
			continue
		}
		i := sort.Search(len(addrs), func(i int) bool { return addrs[i] >= addr })
		if i == len(addrs) {
			continue // above every wanted address
		}
		// Strictly greater keeps the first of several aliases at one address,
		// so a name is stable across reads.
		if g := &gaps[i]; !g.ok || addr > g.addr {
			*g = candidate{addr: addr, name: name, module: module, ok: true}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if lines > 0 && !nonZero {
		return nil, ErrHidden
	}

	// A gap without symbols inherits the one below it: the nearest symbol
	// under addrs[i] is then the one found for addrs[i-1].
	syms := make([]Symbol, len(addrs))
	var best candidate
	for i, addr := range addrs {
		if gaps[i].ok {
			best = gaps[i]
		}
		syms[i] = Symbol{Addr: addr}
		if best.ok {
			syms[i].Name, syms[i].Module, syms[i].Offset = best.name, best.module, addr-best.addr
		}
	}
	return syms, nil
}

// parseLine splits "ffffffffc0a01230 t nft_do_chain\t[nf_tables]".
func parseLine(line string) (addr uint64, typ byte, name, module string, err error) {
	hex, rest, ok := strings.Cut(line, " ")
	if !ok || len(rest) < 3 || rest[1] != ' ' {
		return 0, 0, "", "", fmt.Errorf("malformed symbol %q", line)
	}
	addr, err = strconv.ParseUint(hex, 16, 64)
	if err != nil {
		return 0, 0, "", "", fmt.Errorf("malformed address: %w", err)
	}
	name, module, _ = strings.Cut(rest[2:], "\t")
	if name == "" {
		// An unnamed symbol would pass for an unresolved address.
		return 0, 0, "", "", fmt.Errorf("symbol without a name %q", line)
	}
	module = strings.TrimSuffix(strings.TrimPrefix(module, "["), "]")
	return addr, rest[0], name, module, nil
}

// isText reports whether a symbol type is code; only code can be a drop site.
func isText(typ byte) bool {
	switch typ {
	case 't', 'T', 'w', 'W':
		return true
	}
	return false
}
