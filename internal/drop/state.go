package drop

import "strconv"

// stateNames are the kernel's TCP states (include/net/tcp_states.h) indexed
// by value, spelled as bcc's tcpdrop spells them. Zero is no state: the
// probe found no socket for the packet.
var stateNames = [...]string{
	"NONE",
	"ESTABLISHED",
	"SYN_SENT",
	"SYN_RECV",
	"FIN_WAIT1",
	"FIN_WAIT2",
	"TIME_WAIT",
	"CLOSE",
	"CLOSE_WAIT",
	"LAST_ACK",
	"LISTEN",
	"CLOSING",
	"NEW_SYN_RECV",
	"BOUND_INACTIVE",
}

// State names a TCP socket state; a state newer than this table is
// UNKNOWN_<n> so it still forms its own series.
func State(s uint8) string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN_" + strconv.Itoa(int(s))
}
