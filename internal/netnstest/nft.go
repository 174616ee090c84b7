//go:build linux

package netnstest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// NftTable is the nftables table NftDrop installs.
const NftTable = "tcpdrop_test"

// NftDrop installs, in this namespace, table NftTable of the given family
// ("ip", "ip6" or "inet" for both) with an input-hook chain that drops TCP
// segments to port. Each dropped packet is freed by the kernel with reason
// NETFILTER_DROP; the rule also has a counter (see NftDropped). Calling it
// again adds another port. The table is deleted in t.Cleanup, although it
// would die with the namespace anyway.
func (n *NS) NftDrop(t testing.TB, family string, port uint16) {
	t.Helper()
	switch family {
	case "ip", "ip6", "inet":
	default:
		t.Fatalf("netnstest: nft family %q (want ip, ip6 or inet)", family)
	}
	// One nft invocation applies the whole script as a single transaction.
	script := fmt.Sprintf("add table %[1]s %[2]s; "+
		"add chain %[1]s %[2]s input { type filter hook input priority filter; policy accept; }; "+
		"add rule %[1]s %[2]s input tcp dport %[3]d counter drop",
		family, NftTable, port)
	if out, err := n.Exec(context.Background(), "nft", script); err != nil {
		t.Fatalf("netnstest: nft drop: %v: %s", err, out)
	}
	n.mu.Lock()
	first := !n.nftFams[family]
	n.nftFams[family] = true
	n.mu.Unlock()
	if first {
		t.Cleanup(func() { n.deleteNftTable(t, family) })
	}
}

func (n *NS) deleteNftTable(t testing.TB, family string) {
	out, err := n.Exec(context.Background(), "nft", "delete", "table", family, NftTable)
	if errors.Is(err, ErrClosed) {
		return // the table died with the namespace
	}
	if err != nil {
		t.Errorf("netnstest: nft delete table: %v: %s", err, out)
	}
	n.mu.Lock()
	delete(n.nftFams, family)
	n.mu.Unlock()
}

// NftDropped returns the number of packets the NftDrop rules of family have
// dropped so far, summed over ports.
func (n *NS) NftDropped(family string) (uint64, error) {
	out, err := n.Exec(context.Background(), "nft", "list", "table", family, NftTable)
	if err != nil {
		return 0, fmt.Errorf("nft list: %w: %s", err, out)
	}
	return sumNftCounters(string(out))
}

var nftCounterRE = regexp.MustCompile(`counter packets (\d+) bytes \d+`)

func sumNftCounters(listing string) (uint64, error) {
	var sum uint64
	for _, m := range nftCounterRE.FindAllStringSubmatch(listing, -1) {
		v, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse nft counter: %w", err)
		}
		sum += v
	}
	return sum, nil
}
