package turns

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// passAll makes every waiter of ws wait, each on its own goroutine and in
// the reverse of ws's order, and returns how many went before each.
func passAll(t *testing.T, l *Line, ws []*waiter) []uint64 {
	t.Helper()
	went := make([]uint64, len(ws))
	var wg sync.WaitGroup
	for i := len(ws) - 1; i >= 0; i-- {
		wg.Go(func() { went[i] = l.wait(ws[i]) })
	}
	allGone(t, &wg)
	return went
}

// allGone returns when wg is done, and fails the test if it is not done
// within 20 s: requests left waiting for good.
func allGone(t *testing.T, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("requests still waiting after 20 s")
	}
}

func TestLineGoesByArrival(t *testing.T) {
	l := Line{procs: fixed(1)}
	keys := []int64{50, 30, 40, 10, 20, 30}
	ws := make([]*waiter, len(keys))
	for i, k := range keys {
		ws[i] = l.join(k)
	}
	went := passAll(t, &l, ws)
	// By key; the two that arrived at 30 in the order they joined.
	want := []uint64{5, 2, 4, 0, 1, 3}
	if !slices.Equal(went, want) {
		t.Errorf("went %v places after the first; want %v", went, want)
	}
	if len(l.waiting) != 0 {
		t.Errorf("%d left in line", len(l.waiting))
	}
}

// With a width, a request may go before at most width-1 that arrived
// earlier.
func TestLineWidth(t *testing.T) {
	for _, width := range []int{2, 3} {
		l := Line{procs: fixed(width)}
		const n = 40
		keys := rand.Perm(n)
		ws := make([]*waiter, n)
		for i, k := range keys {
			ws[i] = l.join(int64(k))
		}
		went := passAll(t, &l, ws)
		for i, k := range keys {
			if went[i]+uint64(width-1) < uint64(k) {
				t.Errorf("width %d: arrived %dth, went %dth", width, k, went[i])
			}
		}
	}
}

// wentInOrder checks that the requests that report on went go, in turn,
// the first-th, first+1-th and so on.
func wentInOrder(t *testing.T, went <-chan uint64, first, n uint64) {
	t.Helper()
	for want := first; want < first+n; want++ {
		select {
		case got := <-went:
			if got != want {
				t.Errorf("went %dth; want %dth", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a request behind was not woken")
		}
	}
}

// Parked behind an earlier request, requests are woken in turn when it
// leaves.
func TestLineWakesTheNext(t *testing.T) {
	l := Line{procs: fixed(1)}
	first, second, third := l.join(1), l.join(2), l.join(3)
	went := make(chan uint64, 2)
	go func() { went <- l.wait(third) }()
	parked(t, &l, 1)
	go func() { went <- l.wait(second) }()
	parked(t, &l, 2)
	if n := l.wait(first); n != 0 {
		t.Fatalf("the first went %dth", n)
	}
	wentInOrder(t, went, 1, 2)
}

// A request that arrived earlier than those waiting, but whose goroutine
// joins the line after they have started to wait, goes first.
func TestLineLateJoiner(t *testing.T) {
	l := Line{procs: fixed(1)}
	a, b := l.join(10), l.join(20)
	went := make(chan uint64, 2)
	go func() { went <- l.wait(b) }()
	parked(t, &l, 1)
	late := l.join(5)
	go func() { went <- l.wait(a) }()
	parked(t, &l, 2) // a, behind late now
	if n := l.wait(late); n != 0 {
		t.Fatalf("the late joiner went %dth", n)
	}
	wentInOrder(t, went, 1, 2)
}

// When GOMAXPROCS grows, the requests that the wider line brings within
// its width go at once: they do not wait for one ahead of them to leave.
func TestLineFollowsWidth(t *testing.T) {
	var width atomic.Int64
	width.Store(1)
	l := Line{procs: func() int { return int(width.Load()) }}
	first, second, third := l.join(1), l.join(2), l.join(3)
	went := make(chan uint64, 2)
	go func() { went <- l.wait(second) }()
	go func() { went <- l.wait(third) }()
	parked(t, &l, 2)
	width.Store(3)
	last := l.join(4) // joins a line of width 3
	var both []uint64
	for range 2 {
		select {
		case n := <-went:
			both = append(both, n)
		case <-time.After(10 * time.Second):
			t.Fatal("a request brought within the wider line was not woken")
		}
	}
	if slices.Sort(both); !slices.Equal(both, []uint64{0, 1}) {
		t.Errorf("the two brought within went %v; want 0 and 1", both)
	}
	if n := l.wait(first); n != 2 {
		t.Errorf("the first went %dth, want 2 (after the two brought within)", n)
	}
	// Narrower again: a line of one, led by last.
	width.Store(1)
	after := l.join(5)
	go func() { went <- l.wait(after) }()
	parked(t, &l, 1)
	if n := l.wait(last); n != 3 {
		t.Errorf("the last went %dth, want 3", n)
	}
	wentInOrder(t, went, 4, 1)
}

// Many requests joining and waiting at once all go.
func TestLineUnderContention(t *testing.T) {
	var l Line
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	var wg sync.WaitGroup
	for range 500 {
		wg.Go(func() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		})
	}
	allGone(t, &wg)
	if l.passed != 500 || len(l.waiting) != 0 {
		t.Errorf("%d went, %d still in line", l.passed, len(l.waiting))
	}
}

// A request's place is when its connection's data arrived, not when its
// handler starts: requests whose goroutines join in the reverse of their
// arrival go in the order they arrived.
func TestTakeGoesByArrival(t *testing.T) {
	l := Line{procs: fixed(1)}
	now := time.Now()
	first := l.join(int64(now.Add(-time.Minute).Sub(epoch))) // holds the rest back
	const n = 5
	went := make([]uint64, n)
	var wg sync.WaitGroup
	for i := n - 1; i >= 0; i-- { // the latest first
		r := httptest.NewRequest("GET", "/", nil)
		at := now.Add(time.Duration(i-n) * time.Millisecond).UnixNano()
		r = r.WithContext(context.WithValue(r.Context(), connKey{}, fakeConn{at}))
		wg.Go(func() { went[i] = l.take(r) })
		parked(t, &l, n-i)
	}
	if k := l.wait(first); k != 0 {
		t.Fatalf("the first went %dth", k)
	}
	allGone(t, &wg)
	for i, k := range went {
		if k != uint64(i+1) {
			t.Errorf("arrived %dth, went %dth (all: %v)", i+1, k, went)
			break
		}
	}
}

// parked returns when n requests of l wait on their wake.
func parked(t *testing.T, l *Line, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		l.mu.Lock()
		c := 0
		for _, w := range l.waiting {
			if w.parked {
				c++
			}
		}
		l.mu.Unlock()
		if c == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait, not %d", c, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// fixed is a line's width that does not change.
func fixed(n int) func() int { return func() int { return n } }

type fakeConn struct{ at int64 }

func (c fakeConn) arrived() int64 { return c.at }

func TestKey(t *testing.T) {
	now := time.Now()
	base := int64(now.Sub(epoch))
	for _, c := range []struct {
		name string
		conn stamped
		want int64
	}{
		{"no stamped connection", nil, base},
		{"no stamp yet", fakeConn{0}, base},
		{"arrived 3 ms ago", fakeConn{now.Add(-3 * time.Millisecond).UnixNano()}, base - int64(3*time.Millisecond)},
		{"stamped ahead of now (the clock stepped back)", fakeConn{now.Add(time.Hour).UnixNano()}, base},
		{"stamped an hour ago (the clock stepped on)", fakeConn{now.Add(-time.Hour).UnixNano()}, base - int64(maxAge)},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.conn != nil {
			r = r.WithContext(context.WithValue(r.Context(), connKey{}, c.conn))
		}
		if got := key(r, now); got != c.want {
			t.Errorf("%s: key %d, want %d", c.name, got, c.want)
		}
	}
}
