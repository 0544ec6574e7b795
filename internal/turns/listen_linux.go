package turns

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Listen returns ln, whose TCP connections note when the kernel received
// the data of each read. The stamp is asked of the listening socket, whose
// connections inherit it; where it cannot be, ln is returned as it is. The
// first time a host turns stamping on, the kernel takes a moment to do so,
// and reads in that moment come unstamped: their requests' places are the
// times their handlers start.
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
	s := &conn{TCPConn: c, raw: raw}
	s.recv = s.recvmsg
	return s, nil
}

// conn is a TCP connection that reads with recvmsg, to have the kernel's
// receive time with the data. Every other method is the TCPConn's.
type conn struct {
	*net.TCPConn
	raw syscall.RawConn
	at  atomic.Int64

	// One Read at a time, as the net package's own reads go; the state of
	// the read in progress is kept here so that reading allocates nothing.
	mu   sync.Mutex
	recv func(fd uintptr) bool // recvmsg, made once
	p    []byte
	n    int
	err  error
	oob  [64]byte
}

func (c *conn) arrived() int64 { return c.at.Load() }

// Read is net.Conn's Read, with the errors the net package gives (those of
// the system call name recvmsg).
func (c *conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.p, c.n, c.err = p, 0, nil
	err := c.raw.Read(c.recv)
	n, rerr := c.n, c.err
	c.p, c.err = nil, nil
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
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// recvmsg reads into c.p, for raw.Read, which holds the descriptor's read
// lock; it reports false to wait for the poller.
func (c *conn) recvmsg(fd uintptr) bool {
	if len(c.p) == 0 {
		return true // as net's Read: nothing to read, but not on a closed conn
	}
	var oobn int
	for {
		c.n, oobn, _, _, c.err = syscall.Recvmsg(int(fd), c.p, c.oob[:], 0)
		if c.err != syscall.EINTR {
			break
		}
	}
	if c.err == syscall.EAGAIN {
		return false
	}
	if c.err == nil && c.n > 0 {
		c.at.Store(receivedAt(c.oob[:oobn]))
	}
	return true
}

// receivedAt is the SO_TIMESTAMPNS time in oob, in nanoseconds since
// 1970, or 0 if there is none.
func receivedAt(oob []byte) int64 {
	for len(oob) >= syscall.SizeofCmsghdr {
		// The header, field by field: a long's length, a level, a type.
		var length uint64
		var level, typ int32
		if syscall.SizeofCmsghdr == 16 {
			length = binary.NativeEndian.Uint64(oob)
			level = int32(binary.NativeEndian.Uint32(oob[8:]))
			typ = int32(binary.NativeEndian.Uint32(oob[12:]))
		} else {
			length = uint64(binary.NativeEndian.Uint32(oob))
			level = int32(binary.NativeEndian.Uint32(oob[4:]))
			typ = int32(binary.NativeEndian.Uint32(oob[8:]))
		}
		if length < syscall.SizeofCmsghdr || length > uint64(len(oob)) {
			return 0
		}
		data := oob[syscall.SizeofCmsghdr:length]
		if level == syscall.SOL_SOCKET && typ == syscall.SO_TIMESTAMPNS {
			// A struct timespec: two longs.
			switch len(data) {
			case 16:
				return int64(binary.NativeEndian.Uint64(data))*1e9 + int64(binary.NativeEndian.Uint64(data[8:]))
			case 8:
				return int64(int32(binary.NativeEndian.Uint32(data)))*1e9 + int64(int32(binary.NativeEndian.Uint32(data[4:])))
			}
			return 0
		}
		next := syscall.CmsgSpace(int(length) - syscall.SizeofCmsghdr)
		if next > len(oob) {
			return 0
		}
		oob = oob[next:]
	}
	return 0
}
