package drop

import "strings"

// flagNames are the TCP header flags in bit order, spelled as bcc's tcpdrop
// spells them so output reads the same as the tool people know.
var flagNames = [8]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

// Flags spells the TCP flags byte as names joined by "|", "NONE" if no bit
// is set.
func Flags(f uint8) string {
	if f == 0 {
		return "NONE"
	}
	var b strings.Builder
	for i, name := range flagNames {
		if f&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(name)
	}
	return b.String()
}
