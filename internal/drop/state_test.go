package drop

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestState(t *testing.T) {
	for _, tc := range []struct {
		in   uint8
		want string
	}{
		{0, "NONE"},
		{1, "ESTABLISHED"},
		{2, "SYN_SENT"},
		{3, "SYN_RECV"},
		{4, "FIN_WAIT1"},
		{5, "FIN_WAIT2"},
		{6, "TIME_WAIT"},
		{7, "CLOSE"},
		{8, "CLOSE_WAIT"},
		{9, "LAST_ACK"},
		{10, "LISTEN"},
		{11, "CLOSING"},
		{12, "NEW_SYN_RECV"},
		{13, "BOUND_INACTIVE"},
		{14, "UNKNOWN_14"},
		{255, "UNKNOWN_255"},
	} {
		require.Equal(t, tc.want, State(tc.in), "state %d", tc.in)
	}
}
