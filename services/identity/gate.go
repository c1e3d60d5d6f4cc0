package identity

import (
	"context"
	"sync/atomic"
)

// Gate bounds how many password hashes run at once. Each argon2id hash holds 19 MiB and a
// core for tens of milliseconds, so without a bound a burst of sign-ins costs memory and
// CPU in proportion to its size. A few callers may queue for a slot; past the queue a
// caller is refused at once, cheaply, and should answer "busy, retry after".
type Gate struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
}

// NewGate admits slots hashes at once and lets up to queue more wait for a slot.
func NewGate(slots, queue int) *Gate {
	return &Gate{slots: make(chan struct{}, max(slots, 1)), queue: int64(max(queue, 0))}
}

// Enter takes a slot, waiting in the queue if there is room there, until ctx ends. It
// reports false (and holds nothing) when the queue is full or ctx ended first; otherwise
// the caller must call the returned release.
func (g *Gate) Enter(ctx context.Context) (release func(), ok bool) {
	select {
	case g.slots <- struct{}{}:
		return g.release, true
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, false
	}
	defer g.waiting.Add(-1)
	return g.wait(ctx)
}

// Wait takes a slot however long the queue is (trusted callers: seeding), until ctx ends.
func (g *Gate) Wait(ctx context.Context) (release func(), ok bool) { return g.wait(ctx) }

func (g *Gate) wait(ctx context.Context) (func(), bool) {
	select {
	case g.slots <- struct{}{}:
		return g.release, true
	case <-ctx.Done():
		return nil, false
	}
}

func (g *Gate) release() { <-g.slots }
