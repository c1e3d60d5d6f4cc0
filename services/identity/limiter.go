package identity

import (
	"slices"
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

// Begin starts an attempt for key. If key must still wait, it reports how long and records
// nothing. Otherwise it records the attempt as a failure in advance and returns 0: a burst
// of parallel attempts cannot all pass the check before the first of them has failed.
// Succeed clears the key when the attempt succeeds; Forgive takes the attempt back when it
// was never evaluated.
func (l *Limiter) Begin(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.failures[key]; ok && now.Before(s.until) {
		return s.until.Sub(now)
	}
	l.fail(key, now)
	return 0
}

// Forgive takes back one attempt recorded by Begin that was never evaluated (refused for
// another reason before the password was checked). A delay already started stays.
func (l *Limiter) Forgive(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.failures[key]; ok && s.n > 0 {
		s.n--
	}
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fail(key, now)
}

func (l *Limiter) fail(key string, now time.Time) {
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

// Known remembers, per account, the client addresses it recently signed in from, so that
// sign-ins from them can pass the per-account ceiling an attacker elsewhere is pushing up.
type Known struct {
	mu      sync.Mutex
	per     int // addresses kept per account
	clients map[string][]string
}

// NewKnown keeps the last per addresses of each account.
func NewKnown(per int) *Known { return &Known{per: max(per, 1), clients: map[string][]string{}} }

// Remember records a successful sign-in of account from client.
func (k *Known) Remember(account, client string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	list := slices.DeleteFunc(k.clients[account], func(c string) bool { return c == client })
	list = append(list, client)
	if len(list) > k.per {
		list = list[len(list)-k.per:]
	}
	if len(k.clients) > 100_000 { // bound memory: forget everyone rather than grow
		clear(k.clients)
	}
	k.clients[account] = list
}

// Knows reports whether account signed in from client recently.
func (k *Known) Knows(account, client string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Contains(k.clients[account], client)
}
