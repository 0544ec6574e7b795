package turns

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
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
