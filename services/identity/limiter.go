package identity

import (
	"sync"
	"time"
)

// Limiter slows down password guessing: after a few failures for one key (an account or a
// client address), further attempts are refused for a delay that doubles with each failure,
// up to a cap. A success clears the key.
type Limiter struct {
	mu       sync.Mutex
	free     int           // failures allowed before delays start
	base     time.Duration // first delay
	cap      time.Duration
	failures map[string]*strike
}

type strike struct {
	n     int
	until time.Time
}

// NewLimiter allows free failures, then waits base, 2×base, 4×base … up to cap.
func NewLimiter(free int, base, cap time.Duration) *Limiter {
	return &Limiter{free: free, base: base, cap: cap, failures: map[string]*strike{}}
}

// Wait reports how long the key must still wait before another attempt (0: go ahead).
func (l *Limiter) Wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.failures[key]
	if !ok || !now.Before(s.until) {
		return 0
	}
	return s.until.Sub(now)
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.failures[key]
	if !ok {
		s = &strike{}
		l.failures[key] = s
		if len(l.failures) > 100_000 { // bound memory under a spray of keys
			l.sweep(now)
		}
	}
	s.n++
	if s.n > l.free {
		d := l.base << min(s.n-l.free-1, 20)
		s.until = now.Add(min(d, l.cap))
	}
}

// Succeed clears key.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

func (l *Limiter) sweep(now time.Time) {
	for k, s := range l.failures {
		if now.Sub(s.until) > l.cap {
			delete(l.failures, k)
		}
	}
}
