package bus_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/servicetest"
)

func setup(t *testing.T) jetstream.JetStream {
	t.Helper()
	return servicetest.Start(t).JS
}

func disabled(t *testing.T, person string) events.Envelope {
	t.Helper()
	env, err := events.New("hr", person, events.StaffDisabled{Reason: "left"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestAppendChecksExpectedSequence(t *testing.T) {
	ctx := context.Background()
	js := setup(t)
	rec := events.RecordFilter("identity", "staff", "p1")

	seq, err := bus.Append(ctx, js, disabled(t, "p1"), bus.Expect{Filter: rec, LastSeq: 0})
	if err != nil {
		t.Fatal(err)
	}
	// A stale writer (still believes nothing exists) is refused.
	if _, err := bus.Append(ctx, js, disabled(t, "p1"), bus.Expect{Filter: rec, LastSeq: 0}); !errors.Is(err, bus.ErrConflict) {
		t.Fatalf("stale append: %v, want ErrConflict", err)
	}
	// Another record is unaffected; a wildcard filter covers both.
	if _, err := bus.Append(ctx, js, disabled(t, "p2"), bus.Expect{Filter: events.RecordFilter("identity", "staff", "p2")}); err != nil {
		t.Fatal(err)
	}
	all := events.TypeFilter("identity.staff.disabled")
	if _, err := bus.Append(ctx, js, disabled(t, "p3"), bus.Expect{Filter: all, LastSeq: seq}); !errors.Is(err, bus.ErrConflict) {
		t.Fatalf("wildcard filter ignored a newer message: %v", err)
	}
	last, err := bus.LastSeq(ctx, js, "IDENTITY", all)
	if err != nil || last != seq+1 {
		t.Fatalf("LastSeq = %d, %v; want %d", last, err, seq+1)
	}
	if _, err := bus.Append(ctx, js, disabled(t, "p3"), bus.Expect{Filter: all, LastSeq: last}); err != nil {
		t.Fatal(err)
	}
}

// A client's retry (a new request with the same Idempotency-Key) appends the same event id,
// which the stream drops; an event no key names carries no Nats-Msg-Id at all.
func TestAppendIsDeduplicatedUnderAClientsKey(t *testing.T) {
	js := setup(t)
	retry := func() context.Context { return idempotency.With(context.Background(), "client-key") }
	a, err := bus.Append(retry(), js, disabled(t, "p1"), bus.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.Append(retry(), js, disabled(t, "p1"), bus.Expect{})
	if err != nil || a != b {
		t.Fatalf("retry stored again: %d then %d (%v)", a, b, err)
	}
	c, err := bus.Append(context.Background(), js, disabled(t, "p1"), bus.Expect{})
	if err != nil || c == a {
		t.Fatalf("an append without a key = %d, %v; want a new message after %d", c, err, a)
	}
	s, err := js.Stream(context.Background(), "IDENTITY")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		seq   uint64
		msgID bool
	}{{a, true}, {c, false}} {
		m, err := s.GetMsg(context.Background(), tc.seq)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Header.Get(jetstream.MsgIDHeader) != ""; got != tc.msgID {
			t.Errorf("message %d has a Nats-Msg-Id: %v, want %v", tc.seq, got, tc.msgID)
		}
	}
}

// Of many writers racing on one record with the same view, exactly one wins.
func TestConcurrentStaleWritersOneWins(t *testing.T) {
	ctx := context.Background()
	js := setup(t)
	rec := events.RecordFilter("identity", "staff", "p1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 20 {
		wg.Go(func() {
			_, err := bus.Append(ctx, js, disabled(t, "p1"), bus.Expect{Filter: rec})
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, bus.ErrConflict) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d writers won, want 1", won)
	}
}

// A client retrying a command after a crash sends the same event id with the expectation
// it had then; the stream must answer "duplicate" (the first append stands), not a
// conflict and never a second copy.
func TestRetryWithStaleExpectationIsADuplicateNotAConflict(t *testing.T) {
	js := setup(t)
	ctx := context.Background()
	retry := func() context.Context { return idempotency.With(ctx, "client-key") }
	filter := events.RecordFilter("identity", "staff", "ada")
	first := disabled(t, "ada")
	seq, err := bus.Append(retry(), js, first, bus.Expect{Filter: filter, LastSeq: 0})
	if err != nil {
		t.Fatal(err)
	}
	again, err := bus.Append(retry(), js, first, bus.Expect{Filter: filter, LastSeq: 0})
	if err != nil || again != seq {
		t.Fatalf("retry = %d, %v; want the first append's sequence %d", again, err, seq)
	}
	if last, _ := bus.StreamLastSeq(ctx, js, "IDENTITY"); last != seq {
		t.Fatalf("stream at %d after the retry, want %d", last, seq)
	}
}
