package background

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestStopCancelsAndWaits(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	g := Start(parent)
	cancelParent() // the starter's context ending does not stop the group
	var done atomic.Int32
	for range 3 {
		g.Go(func(ctx context.Context) { <-ctx.Done(); done.Add(1) })
	}
	if g.Context().Err() != nil {
		t.Fatal("group stopped with its parent")
	}
	g.Stop()
	g.Stop()
	if done.Load() != 3 {
		t.Fatalf("%d of 3 goroutines finished before Stop returned", done.Load())
	}
	var none *Group
	none.Stop()
}

// Every runs its function at once, again on each tick, and returns once the context is
// done.
func TestEvery(t *testing.T) {
	for _, c := range []struct {
		name     string
		interval time.Duration
		stopAt   int32
	}{
		{"at once, before the first tick", time.Hour, 1},
		{"again on each tick", time.Millisecond, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var runs atomic.Int32
			Every(ctx, c.interval, func(context.Context) {
				if runs.Add(1) == c.stopAt {
					cancel()
				}
			})
			if got := runs.Load(); got != c.stopAt {
				t.Fatalf("%d runs, want %d", got, c.stopAt)
			}
		})
	}
}
