// Package background runs a service's long-lived goroutines — consumers, read models,
// sweepers — under one context of their own, so that stopping the service stops them all
// and waits for them.
package background

import (
	"context"
	"sync"
	"time"
)

// Group is a set of goroutines sharing one cancellable context.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// Start returns a group whose context keeps parent's values but not its cancellation
// (a request that starts a service must not stop it when the request ends).
func Start(parent context.Context) *Group {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	return &Group{ctx: ctx, cancel: cancel}
}

// Context is the group's context: done once Stop is called.
func (g *Group) Context() context.Context { return g.ctx }

// Go runs f in the group; f must return once ctx is done.
func (g *Group) Go(f func(ctx context.Context)) {
	g.wg.Go(func() { f(g.ctx) })
}

// Every runs f now and then every interval until ctx is done: a sweeper's loop.
func Every(ctx context.Context, interval time.Duration, f func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop cancels the context and waits for every goroutine; calling it again does nothing.
// A nil group is already stopped.
func (g *Group) Stop() {
	if g == nil {
		return
	}
	g.once.Do(func() {
		g.cancel()
		g.wg.Wait()
	})
}
