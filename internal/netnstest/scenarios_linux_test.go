package netnstest

import "testing"

// scenarioCounters says how each scenario moves the namespace's SNMP
// counters, given a counter's growth (for the replies the kernel rate
// limits). Every segment a scenario's namespace sends comes back in on lo,
// so InSegs is the segments injected plus OutSegs.
var scenarioCounters = map[string]func(grew func(string) int64) map[string]int64{
	"established rst out of window": func(func(string) int64) map[string]int64 {
		// No reply to a RST.
		return map[string]int64{"Tcp:InSegs": scenarioSegments, "Tcp:OutSegs": 0}
	},
	"established data out of window": func(func(string) int64) map[string]int64 {
		// A duplicate ACK for each: data is never rate limited.
		return map[string]int64{"Tcp:InSegs": 2 * scenarioSegments, "Tcp:OutSegs": scenarioSegments}
	},
	"established data out of window ipv6": func(func(string) int64) map[string]int64 {
		return map[string]int64{"Tcp:InSegs": 2 * scenarioSegments, "Tcp:OutSegs": scenarioSegments}
	},
	"established old data": func(func(string) int64) map[string]int64 {
		// A duplicate ACK with a D-SACK for each.
		return map[string]int64{"Tcp:InSegs": 2 * scenarioSegments, "Tcp:OutSegs": scenarioSegments,
			"TcpExt:DelayedACKLost": scenarioSegments, "TcpExt:TCPDSACKOldSent": scenarioSegments}
	},
	"established ack of unsent data": func(grew func(string) int64) map[string]int64 {
		// Where the kernel answers with challenge ACKs, it rate limits them.
		challenges := grew("TcpExt:TCPChallengeACK")
		return map[string]int64{"Tcp:InSegs": scenarioSegments + challenges, "Tcp:OutSegs": challenges}
	},
	"time wait rst out of window": func(func(string) int64) map[string]int64 {
		return map[string]int64{"Tcp:InSegs": scenarioSegments, "Tcp:OutSegs": 0}
	},
	"time wait rst out of window ipv6": func(func(string) int64) map[string]int64 {
		return map[string]int64{"Tcp:InSegs": scenarioSegments, "Tcp:OutSegs": 0}
	},
	"listener ack without request": func(func(string) int64) map[string]int64 {
		return map[string]int64{"Tcp:InSegs": 2 * scenarioSegments, "Tcp:OutSegs": scenarioSegments,
			"Tcp:OutRsts": scenarioSegments}
	},
	"listener syn fin": func(func(string) int64) map[string]int64 {
		return map[string]int64{"Tcp:InSegs": scenarioSegments, "Tcp:OutSegs": 0}
	},
}

func TestScenarioCounters(t *testing.T) {
	RequirePrivileges(t)
	for _, sc := range Scenarios {
		want, ok := scenarioCounters[sc.Name]
		if !ok {
			continue // tested on its own above
		}
		t.Run(sc.Name, func(t *testing.T) {
			ns := New(t)
			cause, err := sc.Prepare(t, ns)
			if err != nil {
				t.Fatal(err)
			}
			before := counters(t, ns)
			if err := cause(); err != nil {
				t.Fatal(err)
			}
			var w map[string]int64
			after := countersUntil(t, ns, func(after Counters) bool {
				w = want(func(key string) int64 { return after.Delta(before, key) })
				return after.Delta(before, "Tcp:InSegs") >= w["Tcp:InSegs"]
			})
			expect(t, after, before, w)
		})
	}
}
