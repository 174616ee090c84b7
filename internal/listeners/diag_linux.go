package listeners

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The sock_diag ABI of inet sockets (include/uapi/linux/inet_diag.h);
// golang.org/x/sys/unix has the SK_MEMINFO indexes but not these structs.
type inetDiagSockID struct {
	Sport, Dport [2]byte // network byte order
	Src, Dst     [16]byte
	If           uint32
	Cookie       [2]uint32
}

type inetDiagReqV2 struct {
	Family, Protocol, Ext, Pad uint8
	States                     uint32
	ID                         inetDiagSockID
}

type inetDiagMsg struct {
	Family, State, Timer, Retrans uint8
	ID                            inetDiagSockID
	Expires, RQueue, WQueue       uint32
	UID, Inode                    uint32
}

const (
	inetDiagSKMemInfo = 7  // INET_DIAG_SKMEMINFO: the sk_meminfo array
	tcpListen         = 10 // TCP_LISTEN
)

// listListeners asks the namespace c was made in for its listening TCP
// sockets, IPv4 and IPv6.
func listListeners(c *netlink.Conn) ([]Listener, error) {
	var all []Listener
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		ls, err := dumpListeners(c, family)
		if family == unix.AF_INET6 && errors.Is(err, unix.ENOENT) {
			continue // a kernel without IPv6
		}
		if err != nil {
			return nil, err
		}
		all = append(all, ls...)
	}
	return all, nil
}

func dumpListeners(c *netlink.Conn, family uint8) ([]Listener, error) {
	var req bytes.Buffer
	err := binary.Write(&req, binary.NativeEndian, inetDiagReqV2{
		Family:   family,
		Protocol: unix.IPPROTO_TCP,
		Ext:      1 << (inetDiagSKMemInfo - 1),
		States:   1 << tcpListen,
	})
	if err != nil {
		return nil, err
	}
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.SOCK_DIAG_BY_FAMILY, Flags: netlink.Request | netlink.Dump},
		Data:   req.Bytes(),
	})
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	ls := make([]Listener, 0, len(msgs))
	for _, m := range msgs {
		l, err := parseListener(m.Data)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

var inetDiagMsgSize = binary.Size(inetDiagMsg{})

// parseListener decodes one inet_diag_msg and its SK_MEMINFO attribute.
func parseListener(b []byte) (Listener, error) {
	var m inetDiagMsg
	if _, err := binary.Decode(b, binary.NativeEndian, &m); err != nil {
		return Listener{}, fmt.Errorf("sock_diag message: %w", err)
	}
	l := Listener{
		Cookie:         uint64(m.ID.Cookie[0]) | uint64(m.ID.Cookie[1])<<32,
		Port:           binary.BigEndian.Uint16(m.ID.Sport[:]),
		AcceptQueue:    m.RQueue,
		AcceptQueueMax: m.WQueue,
	}
	switch m.Family {
	case unix.AF_INET:
		l.Address = netip.AddrFrom4([4]byte(m.ID.Src[:4]))
	case unix.AF_INET6:
		l.Address = netip.AddrFrom16(m.ID.Src)
	default:
		return Listener{}, fmt.Errorf("sock_diag message of family %d", m.Family)
	}
	ad, err := netlink.NewAttributeDecoder(b[inetDiagMsgSize:])
	if err != nil {
		return Listener{}, fmt.Errorf("sock_diag attributes: %w", err)
	}
	found := false
	for ad.Next() {
		if ad.Type() != inetDiagSKMemInfo {
			continue
		}
		ad.Do(func(b []byte) error {
			mem := make([]uint32, len(b)/4)
			if _, err := binary.Decode(b, binary.NativeEndian, mem); err != nil {
				return err
			}
			if len(mem) <= unix.SK_MEMINFO_DROPS {
				return fmt.Errorf("sk_meminfo of %d values has no drops", len(mem))
			}
			l.Drops, found = mem[unix.SK_MEMINFO_DROPS], true
			return nil
		})
	}
	if err := ad.Err(); err != nil {
		return Listener{}, fmt.Errorf("sock_diag attributes: %w", err)
	}
	if !found {
		return Listener{}, errors.New("sock_diag message without SK_MEMINFO")
	}
	return l, nil
}
