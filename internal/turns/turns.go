// Package turns serves a busy HTTP server's requests in the order they
// arrived.
//
// When every processor is busy, Go's runtime learns of the connections
// that have data in batches: from its monitor thread every 10 ms, or when
// a processor runs out of work. Each batch is made runnable in the reverse
// of the order the kernel reported its connections in (the poller pushes
// them on a list), so under a steady load a client's request is served
// first in one batch and last in the next. With 50 requests kept in flight
// on one core by a server that only computes, their waits spread evenly
// from nothing to two batches' work, and the p99 is twice the mean
// (BENCHMARKS.md, session 7). And a
// connection whose next request is already read never waits on the poller
// at all: without a line, a few such connections can keep a processor
// while the others' requests wait (session 6).
//
// Listen stamps each read with the time the kernel received its data
// (SO_TIMESTAMPNS, on Linux; elsewhere a request's stamp is the time its
// handler starts), ConnContext carries the connection to the handlers, and
// a Line lets a request start only when at most GOMAXPROCS-1 requests that
// arrived before it are still waiting to.
package turns

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// maxAge bounds how long ago a request can be taken to have arrived. Ages
// are taken from the wall clock, and a step of the clock between the
// kernel's stamp and the handler's start would otherwise put a request
// ahead of, or behind, everyone.
const maxAge = 10 * time.Second

// epoch is the origin of the keys requests are ordered by: monotonic
// times, so that the order does not follow the wall clock's steps.
var epoch = time.Now()

// stamped is a connection that knows when the data it read last arrived.
type stamped interface {
	// arrived is the wall-clock time, in nanoseconds since 1970, at which
	// the kernel received the data of the last read, or 0 if unknown.
	arrived() int64
}

type connKey struct{}

// ConnContext is for http.Server.ConnContext: it lets the handlers of the
// connection's requests know when each arrived, if Listen accepted it.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if s, ok := c.(stamped); ok {
		return context.WithValue(ctx, connKey{}, s)
	}
	return ctx
}

// key is the place in line of a request whose handler starts at now: the
// monotonic time of its arrival, in nanoseconds since epoch. The stamp is
// that of the connection's last read, which holds the end of the request,
// or, when the client pipelines, possibly a request after it: net/http
// reads ahead one byte before calling the handler of a request without a
// body. Such a request goes later than it should, never earlier.
func key(r *http.Request, now time.Time) int64 {
	k := int64(now.Sub(epoch))
	s, _ := r.Context().Value(connKey{}).(stamped)
	if s == nil {
		return k
	}
	at := s.arrived()
	if at == 0 {
		return k
	}
	age := time.Duration(now.UnixNano() - at)
	return k - int64(min(max(age, 0), maxAge))
}

// A Line orders the start of requests by their arrival. Its zero value is
// ready to use.
type Line struct {
	procs   func() int // the width to keep: runtime.GOMAXPROCS when nil (tests set it)
	mu      sync.Mutex
	width   int       // procs() when the last request joined; set under mu
	waiting []*waiter // by key, then by the order they joined
	passed  uint64    // requests let through, for the tests
}

type waiter struct {
	key    int64
	parked bool          // waiting on wake
	wake   chan struct{} // made when first parked; capacity 1
}

// Handler returns next, each of whose requests starts when fewer than
// GOMAXPROCS (as it is when the request joins the line; the runtime changes
// it when a container's CPU limit changes) of the requests that arrived
// before it are still waiting to. A request that arrived earlier
// but whose goroutine has not yet run is not waited for: it cannot be
// known of. The runtime makes a batch runnable all at once, though, and
// each request first lets the runnable goroutines run (runtime.Gosched),
// so its batch has usually joined the line before any of it goes.
//
// Only the start is ordered: a handler that then waits (on another
// service, or a deferred answer) holds back no one.
func (l *Line) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.take(r)
		next.ServeHTTP(w, r)
	})
}

// take returns when it is r's turn to start; it returns how many requests
// went before r.
func (l *Line) take(r *http.Request) uint64 {
	return l.wait(l.join(key(r, time.Now())))
}

// join puts a request arrived at k in line.
func (l *Line) join(k int64) *waiter {
	w := &waiter{key: k}
	var width int
	if l.procs != nil {
		width = max(l.procs(), 1)
	} else {
		width = runtime.GOMAXPROCS(0)
	}
	l.mu.Lock()
	// Every waiter counts the same places, l.width, for the one that
	// leaves to wake the one that comes within them. Those that a wider
	// line brings within are parked, and no one leaving would wake them
	// all: they are woken here. A narrower line needs nothing: those
	// within it were within the wider one, so none of them is parked.
	for i := l.width; i < min(width, len(l.waiting)); i++ {
		if wt := l.waiting[i]; wt.parked {
			wt.parked = false
			wt.wake <- struct{}{}
		}
	}
	l.width = width
	// After any that arrived at the same time.
	i := sort.Search(len(l.waiting), func(i int) bool { return l.waiting[i].key > k })
	l.waiting = slices.Insert(l.waiting, i, w)
	l.mu.Unlock()
	return w
}

// wait returns when fewer than l.width requests ahead of w are waiting,
// having taken w out of line; it returns how many requests went before w.
func (l *Line) wait(w *waiter) uint64 {
	runtime.Gosched() // the rest of w's batch joins the line
	for {
		l.mu.Lock()
		i := l.index(w)
		if i < l.width {
			l.waiting = slices.Delete(l.waiting, i, i+1)
			// The request that has just come within width of the head.
			if len(l.waiting) >= l.width {
				if next := l.waiting[l.width-1]; next.parked {
					next.parked = false
					next.wake <- struct{}{}
				}
			}
			n := l.passed
			l.passed++
			l.mu.Unlock()
			return n
		}
		// Requests leave only from the first width places, so w comes
		// within them only when one ahead of it leaves, and that one
		// wakes it.
		w.parked = true
		if w.wake == nil {
			w.wake = make(chan struct{}, 1)
		}
		l.mu.Unlock()
		<-w.wake
	}
}

// index is w's place in line; l.mu is held.
func (l *Line) index(w *waiter) int {
	i := sort.Search(len(l.waiting), func(i int) bool { return l.waiting[i].key >= w.key })
	for l.waiting[i] != w {
		i++
	}
	return i
}
