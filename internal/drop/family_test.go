package drop

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFamily(t *testing.T) {
	for _, tc := range []struct {
		in   uint8
		want string
	}{
		{4, "ipv4"},
		{6, "ipv6"},
		{0, "UNKNOWN_0"},
		{2, "UNKNOWN_2"},
		{10, "UNKNOWN_10"},
	} {
		require.Equal(t, tc.want, Family(tc.in), "family %d", tc.in)
	}
}
