package bot

import (
	"sync"
	"time"
)

// limiter is a per-user token bucket with bounded memory.
type limiter struct {
	mu    sync.Mutex
	burst float64
	every time.Duration
	max   int
	users map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(burst int, every time.Duration, maxUsers int) *limiter {
	if every <= 0 {
		every = DefaultRateEvery
	}
	return &limiter{burst: float64(burst), every: every, max: maxUsers, users: map[string]*bucket{}}
}

// allow takes a token from user's bucket and reports whether there was one.
func (l *limiter) allow(user string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	bk, ok := l.users[user]
	if !ok {
		if len(l.users) >= l.max {
			l.evict(now)
		}
		bk = &bucket{tokens: l.burst, last: now}
		l.users[user] = bk
	}
	if el := now.Sub(bk.last); el > 0 {
		bk.tokens = min(l.burst, bk.tokens+float64(el)/float64(l.every))
		bk.last = now
	}
	if bk.tokens < 1 {
		return false
	}
	bk.tokens--
	return true
}

// evict forgets users whose bucket has refilled (they lose nothing); if that
// frees too little, it forgets half the users, which can only be lenient.
func (l *limiter) evict(now time.Time) {
	full := time.Duration(l.burst * float64(l.every))
	for u, bk := range l.users {
		if now.Sub(bk.last) >= full {
			delete(l.users, u)
		}
	}
	if len(l.users) < l.max*9/10 {
		return
	}
	n := len(l.users) / 2
	for u := range l.users {
		if n == 0 {
			break
		}
		delete(l.users, u)
		n--
	}
}

// size is the number of users remembered.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
}
