package idempotency_test

import (
	"context"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/idempotency"
)

func TestIDsFollowTheKeyAndThePlace(t *testing.T) {
	now := time.Now()
	run := func(key string) (ids []string) {
		ctx := idempotency.With(context.Background(), key)
		ids = append(ids, idempotency.RecordID(ctx, now), idempotency.RecordID(ctx, now))
		e1, _ := idempotency.NextEventID(ctx)
		again, _ := idempotency.NextEventID(ctx) // a refused append reuses its id
		if e1 != again {
			t.Fatalf("event id changed before the append went through: %s, %s", e1, again)
		}
		idempotency.EventAppended(ctx)
		e2, _ := idempotency.NextEventID(ctx)
		return append(ids, e1, e2)
	}
	a, b, c := run("k1"), run("k1"), run("k2")
	seen := map[string]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same key, different ids: %v %v", a, b)
		}
		if !events.IsID(a[i]) || !events.IsID(c[i]) {
			t.Fatalf("not an id: %s / %s", a[i], c[i])
		}
		if seen[a[i]] || seen[c[i]] || a[i] == c[i] {
			t.Fatalf("ids repeat: %v %v", a, c)
		}
		seen[a[i]], seen[c[i]] = true, true
	}
	if _, ok := idempotency.NextEventID(context.Background()); ok {
		t.Fatal("an event id without a key")
	}
	if x, y := idempotency.RecordID(context.Background(), now), idempotency.RecordID(context.Background(), now); x == y {
		t.Fatal("record ids without a key repeat")
	}
	if idempotency.Scope("ada", "k") == idempotency.Scope("bob", "k") {
		t.Fatal("two callers share a key")
	}
}
