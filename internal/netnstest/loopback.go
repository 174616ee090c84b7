//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Paths under /proc/sys/net resolve to the namespace of the thread that
// opens them, so these must be used on the namespace thread.
const (
	loDisableIPv6 = "/proc/sys/net/ipv6/conf/lo/disable_ipv6"
	ipPortRange   = "/proc/sys/net/ipv4/ip_local_port_range"
)

// enableLoopback makes lo usable for IPv4 and IPv6. It runs on the
// namespace thread.
func enableLoopback() error {
	// IPv6 first: enabling it on an interface that is already up is also
	// fine, but this way ::1 is added by the normal NETDEV_UP path.
	if err := enableIPv6(); err != nil {
		return err
	}
	if err := setLoUp(); err != nil {
		return err
	}
	return waitLoopbackAddrs()
}

func enableIPv6() error {
	b, err := os.ReadFile(loDisableIPv6)
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("ipv6 unavailable in kernel (ipv6.disable=1?)")
	}
	if err != nil {
		return fmt.Errorf("read lo disable_ipv6: %w", err)
	}
	if strings.TrimSpace(string(b)) == "0" {
		return nil
	}
	if err := os.WriteFile(loDisableIPv6, []byte("0"), 0); err != nil {
		return fmt.Errorf("enable ipv6 on lo: %w", err)
	}
	return nil
}

// setLoUp sets IFF_UP with the classic ioctl pair, which needs no netlink
// code and no external command.
func setLoUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("ioctl socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("ifreq lo: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("get lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}

// waitLoopbackAddrs checks that both loopback addresses can be bound. ::1
// on lo skips DAD and is normally there at once; the short bounded retry
// only guards against it being added asynchronously.
func waitLoopbackAddrs() error {
	deadline := time.Now().Add(2 * time.Second)
	for attempt := 0; ; attempt++ {
		err4 := tryBind(unix.AF_INET)
		err6 := tryBind(unix.AF_INET6)
		if err4 == nil && err6 == nil {
			return nil
		}
		if time.Now().After(deadline) || attempt > 200 {
			return fmt.Errorf("loopback not usable: %w", errors.Join(err4, err6))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tryBind(family int) error {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, loopbackSockaddr(family, 0)); err != nil {
		return fmt.Errorf("bind loopback: %w", err)
	}
	return nil
}

// portRange reads the namespace's ephemeral port range.
func portRange() (lo, hi int, err error) {
	b, err := os.ReadFile(ipPortRange)
	if err != nil {
		return 0, 0, fmt.Errorf("read port range: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("parse port range %q", b)
	}
	if lo, err = strconv.Atoi(f[0]); err != nil {
		return 0, 0, fmt.Errorf("parse port range: %w", err)
	}
	if hi, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("parse port range: %w", err)
	}
	return lo, hi, nil
}
