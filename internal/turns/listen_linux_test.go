package turns

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pair returns the two ends of a loopback TCP connection, the server's
// accepted by Listen's listener.
func pair(t *testing.T) (server *conn, client net.Conn) {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Listen(tcp)
	t.Cleanup(func() { ln.Close() })
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, ok := c.(*conn)
	if !ok {
		t.Fatalf("Listen accepted a %T", c)
	}
	// The first time a host turns stamping on, the kernel takes a moment
	// (a work queue's), and what arrives meanwhile comes unstamped.
	b := make([]byte, 1)
	for deadline := time.Now().Add(5 * time.Second); s.arrived() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no read stamped after 5 s")
		}
		if _, err := client.Write(b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(b); err != nil {
			t.Fatal(err)
		}
	}
	return s, client
}

// Each read is stamped with the time its data reached the kernel.
func TestReadStamped(t *testing.T) {
	server, client := pair(t)
	buf := make([]byte, 64)
	for _, msg := range []string{"GET / HTTP/1.1\r\n", "Host: x\r\n\r\n"} {
		before := time.Now().UnixNano()
		if _, err := client.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		n, err := server.Read(buf)
		after := time.Now().UnixNano()
		if err != nil || string(buf[:n]) != msg {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, msg)
		}
		if at := server.arrived(); at < before || at > after {
			t.Errorf("stamped %d, not within the write (%d) and the read (%d)", at, before, after)
		}
	}
	if n, err := server.Read(nil); n != 0 || err != nil {
		t.Errorf("empty read: %d, %v", n, err)
	}
}

// The connection's errors are the net package's: a timeout at the
// deadline, io.EOF when the peer closes, net.ErrClosed once closed.
func TestReadErrors(t *testing.T) {
	server, client := pair(t)
	buf := make([]byte, 8)

	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := server.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("past the deadline: %v; want a timeout", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "read" {
		t.Errorf("past the deadline: %#v; want a read OpError", err)
	}
	server.SetReadDeadline(time.Time{})

	client.Write([]byte("last"))
	client.Close()
	got, err := io.ReadAll(server)
	if string(got) != "last" || err != nil {
		t.Errorf("to the end: %q, %v", got, err)
	}
	if _, err := server.Read(buf); err != io.EOF {
		t.Errorf("after the peer closed: %v; want io.EOF", err)
	}

	server.Close()
	if _, err := server.Read(buf); !errors.Is(err, net.ErrClosed) {
		t.Errorf("after closing: %v; want net.ErrClosed", err)
	}
}

// Served over Listen and ConnContext, a handler finds each request's
// arrival, later for a later request on the same connection.
func TestServedRequestsStamped(t *testing.T) {
	pair(t) // stamping on
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stamps := make(chan int64, 2)
	var line Line
	srv := &http.Server{ConnContext: ConnContext, Handler: line.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := r.Context().Value(connKey{}).(stamped)
		if s == nil {
			stamps <- 0
			return
		}
		stamps <- s.arrived()
	}))}
	go srv.Serve(Listen(tcp))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	var last int64
	for range 2 {
		before := time.Now().UnixNano()
		resp, err := client.Post("http://"+tcp.Addr().String()+"/", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		at := <-stamps
		if at < before || at <= last {
			t.Errorf("request stamped %d; sent after %d, and after the one before (%d)", at, before, last)
		}
		last = at
	}
}

// cmsg is a control message as the kernel lays it out.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, syscall.CmsgSpace(len(data)))
	if syscall.SizeofCmsghdr == 16 {
		binary.NativeEndian.PutUint64(b, uint64(syscall.CmsgLen(len(data))))
		binary.NativeEndian.PutUint32(b[8:], uint32(level))
		binary.NativeEndian.PutUint32(b[12:], uint32(typ))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(syscall.CmsgLen(len(data))))
		binary.NativeEndian.PutUint32(b[4:], uint32(level))
		binary.NativeEndian.PutUint32(b[8:], uint32(typ))
	}
	copy(b[syscall.SizeofCmsghdr:], data)
	return b
}

func TestReceivedAt(t *testing.T) {
	ts64 := binary.NativeEndian.AppendUint64(binary.NativeEndian.AppendUint64(nil, 1_700_000_000), 123)
	ts32 := binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, 1_700_000_000), 456)
	const sec = int64(1_700_000_000) * 1e9
	other := cmsg(syscall.SOL_SOCKET, syscall.SCM_RIGHTS, []byte{1, 2, 3, 4})
	stamp := cmsg(syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, ts64)
	for _, c := range []struct {
		name string
		oob  []byte
		want int64
	}{
		{"none", nil, 0},
		{"a 64-bit timespec", stamp, sec + 123},
		{"a 32-bit timespec", cmsg(syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, ts32), sec + 456},
		{"after another message", append(append([]byte{}, other...), stamp...), sec + 123},
		{"another message only", other, 0},
		{"another level", cmsg(syscall.IPPROTO_TCP, syscall.SO_TIMESTAMPNS, ts64), 0},
		{"a timespec of the wrong size", cmsg(syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, ts64[:12]), 0},
		{"cut short", stamp[:len(stamp)-4], 0},
		{"a header cut short", stamp[:syscall.SizeofCmsghdr-1], 0},
	} {
		if got := receivedAt(c.oob); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// Reading allocates nothing (net's own reads do not).
func TestReadAllocs(t *testing.T) {
	server, client := pair(t)
	msg, buf := []byte("x"), make([]byte, 8)
	allocs := testing.AllocsPerRun(100, func() {
		client.Write(msg)
		server.Read(buf)
	})
	if allocs > 0 {
		t.Errorf("%v allocations per write and read", allocs)
	}
}

// An empty read on a closed connection fails, as net's does.
func TestEmptyReadClosed(t *testing.T) {
	server, _ := pair(t)
	server.Close()
	if _, err := server.Read(nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("empty read after closing: %v; want net.ErrClosed", err)
	}
}
