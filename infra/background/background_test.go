package background

import (
	"context"
	"sync/atomic"
	"testing"
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
