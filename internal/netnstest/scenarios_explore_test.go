package netnstest

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func logDelta(t *testing.T, before, after Counters) {
	var keys []string
	for k := range after {
		if after.Delta(before, k) != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%s %+d", k, after.Delta(before, k))
	}
}

func TestExplore(t *testing.T) {
	RequirePrivileges(t)
	const count = 10
	for _, name := range []string{"oow", "old", "unsent", "tw", "listen-ack", "listen-synfin", "listen-fin", "listen-rst"} {
		t.Run(name, func(t *testing.T) {
			ns := New(t)
			c, err := ns.Established("tcp4")
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c)
			time.Sleep(50 * time.Millisecond)
			s, err := c.ServerSeq()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("seq %+v", s)
			var seg Segment
			switch name {
			case "oow":
				seg = c.OutOfWindowData(s)
			case "old":
				seg = c.OldData(s, []byte("ping"))
			case "unsent":
				seg = c.UnsentAck(s)
			case "tw":
				tw, err := ns.TimeWait("tcp4")
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("tw %+v", tw)
				seg = tw.ToTimeWait(RST, tw.RcvNxt+farAhead)
			default:
				port, err := ns.Listen("tcp4")
				if err != nil {
					t.Fatal(err)
				}
				src, _ := ns.FreePort("tcp4")
				flags := map[string]uint8{"listen-ack": ACK, "listen-synfin": SYN | FIN, "listen-fin": FIN, "listen-rst": RST}[name]
				seg = Segment{Network: "tcp4", SrcPort: src, DstPort: port, Seq: 1000, Ack: 2000, Flags: flags, Window: 1024}
			}
			before := counters(t, ns)
			if err := ns.SendRaw(seg, count); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			after := counters(t, ns)
			logDelta(t, before, after)
			if name != "tw" && !strings.HasPrefix(name, "listen") {
				s2, err := c.ServerSeq()
				t.Logf("seq after %+v %v", s2, err)
				roundTrip(t, c)
			}
		})
	}
}
