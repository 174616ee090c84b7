package probe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
)

// ErrPrivileges says which capabilities loading the probe needs.
var ErrPrivileges = errors.New("tcpdrop needs root or the capabilities CAP_BPF and CAP_PERFMON (and CAP_SYSLOG to name drop sites)")

// modeErrors says why each attach mode tried failed, on one line: the
// verifier's own logs are for debug output (VerifierLogs).
type modeErrors []error

func (e modeErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e modeErrors) Unwrap() []error { return e }

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
