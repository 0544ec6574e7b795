package turns

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
)

// Listen returns ln, whose TCP connections note when the kernel received
// the data of each read. The stamp is asked of the listening socket, whose
// connections inherit it; where it cannot be, ln is returned as it is.
func Listen(ln net.Listener) net.Listener {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return ln
	}
	raw, err := tl.SyscallConn()
	if err != nil {
		return ln
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return ln
	}
	return listener{tl}
}

type listener struct{ *net.TCPListener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return c, nil
	}
	return &conn{TCPConn: c, raw: raw}, nil
}

// conn is a TCP connection that reads with recvmsg, to have the kernel's
// receive time with the data. Every other method is the TCPConn's.
type conn struct {
	*net.TCPConn
	raw syscall.RawConn
	at  atomic.Int64
	oob [64]byte // used only inside raw.Read, which holds the read lock
}

func (c *conn) arrived() int64 { return c.at.Load() }

// Read is net.Conn's Read, with the errors the net package gives.
func (c *conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var rerr error
	err := c.raw.Read(func(fd uintptr) bool {
		var oobn int
		for {
			n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), p, c.oob[:], 0)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			return false // not yet: wait for the poller
		}
		if rerr == nil && n > 0 {
			c.at.Store(receivedAt(c.oob[:oobn]))
		}
		return true
	})
	if err != nil {
		// The deadline, or a closed connection: the error is the net
		// package's own, naming the raw read.
		var op *net.OpError
		if errors.As(err, &op) {
			e := *op
			e.Op = "read"
			return 0, &e
		}
		return 0, err
	}
	if rerr != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("recvmsg", rerr)}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// receivedAt is the SO_TIMESTAMPNS time in oob, in nanoseconds since
// 1970, or 0 if there is none.
func receivedAt(oob []byte) int64 {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level != syscall.SOL_SOCKET || m.Header.Type != syscall.SO_TIMESTAMPNS {
			continue
		}
		// A struct timespec: two longs.
		switch len(m.Data) {
		case 16:
			return int64(binary.NativeEndian.Uint64(m.Data))*1e9 + int64(binary.NativeEndian.Uint64(m.Data[8:]))
		case 8:
			return int64(int32(binary.NativeEndian.Uint32(m.Data)))*1e9 + int64(int32(binary.NativeEndian.Uint32(m.Data[4:])))
		}
	}
	return 0
}
