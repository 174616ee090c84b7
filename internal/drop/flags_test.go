package drop

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		in   uint8
		want string
	}{
		{0x00, "NONE"},
		{0x01, "FIN"},
		{0x02, "SYN"},
		{0x04, "RST"},
		{0x08, "PSH"},
		{0x10, "ACK"},
		{0x20, "URG"},
		{0x40, "ECE"},
		{0x80, "CWR"},
		{0x12, "SYN|ACK"},
		{0x18, "PSH|ACK"},
		{0x11, "FIN|ACK"},
		{0x14, "RST|ACK"},
		{0xc2, "SYN|ECE|CWR"},
		{0xff, "FIN|SYN|RST|PSH|ACK|URG|ECE|CWR"},
	} {
		require.Equal(t, tc.want, Flags(tc.in), "flags %#x", tc.in)
	}
}
