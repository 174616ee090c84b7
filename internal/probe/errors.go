package probe

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
)

// ErrPrivileges says which capabilities loading the probe needs.
var ErrPrivileges = errors.New("tcpdrop needs root or the capabilities CAP_BPF and CAP_PERFMON (and CAP_SYSLOG to name drop sites)")

// VerifierLogs returns the verifier's full log for every program rejection
// in err, for debug output; the error text itself keeps only a summary.
func VerifierLogs(err error) []string {
	var logs []string
	var walk func(error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			logs = append(logs, fmt.Sprintf("%+v", ve))
		}
	}
	walk(err)
	return logs
}
