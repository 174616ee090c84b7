//go:build linux

package netnstest

import (
	"fmt"
	"net"
)

// Listen opens a listener on the loopback address of network ("tcp4" or
// "tcp6") that never accepts, and returns its port. The namespace's cleanup
// closes it.
func (n *NS) Listen(network string) (uint16, error) {
	fam, err := family(network)
	if err != nil {
		return 0, err
	}
	var port uint16
	err = n.Do(func() error {
		ln, err := net.ListenTCP(network, &net.TCPAddr{IP: loopbackIP(fam)})
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		n.track(ln.Close)
		port = uint16(ln.Addr().(*net.TCPAddr).Port)
		return nil
	})
	return port, err
}
