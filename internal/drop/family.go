package drop

import "strconv"

// Family names the IP version the probe reports (4 or 6).
func Family(f uint8) string {
	switch f {
	case 4:
		return "ipv4"
	case 6:
		return "ipv6"
	}
	return "UNKNOWN_" + strconv.Itoa(int(f))
}
