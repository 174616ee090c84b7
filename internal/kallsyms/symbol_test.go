package kallsyms

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSymbolString(t *testing.T) {
	require.Equal(t, "tcp_v4_rcv+0x1d5", Symbol{Addr: 0xffffffff81a3c4a5, Name: "tcp_v4_rcv", Offset: 0x1d5}.String())
	require.Equal(t, "nft_do_chain+0x0 [nf_tables]", Symbol{Addr: 0xffffffffc0a01230, Name: "nft_do_chain", Module: "nf_tables"}.String())
	require.Equal(t, "0xffffffff80000000", Symbol{Addr: 0xffffffff80000000}.String())
}
