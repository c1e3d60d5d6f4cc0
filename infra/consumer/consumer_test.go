package consumer_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/servicetest"
)

func setup(t *testing.T) jetstream.JetStream {
	t.Helper()
	return servicetest.Start(t).JS
}

func publish(t *testing.T, js jetstream.JetStream, person, reason string) {
	t.Helper()
	env, err := events.New("hr", person, events.StaffDisabled{Reason: reason}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Append(context.Background(), js, env, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
}

func deadLetters(t *testing.T, js jetstream.JetStream, want int) []events.DeadLetter {
	t.Helper()
	ctx := context.Background()
	c, err := js.OrderedConsumer(ctx, "DEADLETTER", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []events.DeadLetter
	for len(out) < want {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("waiting for dead letter %d: %v", len(out)+1, err)
		}
		var dl events.DeadLetter
		if err := json.Unmarshal(m.Data(), &dl); err != nil {
			t.Fatal(err)
		}
		out = append(out, dl)
	}
	return out
}

type recorder struct {
	mu   sync.Mutex
	seen map[string]int // reason → times handled
	ch   chan string
}

func (r *recorder) handle(fail func(reason string, attempt uint64) error) consumer.Handler {
	return consumer.Each(func(ctx context.Context, m *consumer.Msg) error {
		var p events.StaffDisabled
		if err := m.Env.Payload(&p); err != nil {
			return err
		}
		if err := fail(p.Reason, m.Attempts); err != nil {
			return err
		}
		r.mu.Lock()
		r.seen[p.Reason]++
		r.mu.Unlock()
		r.ch <- p.Reason
		return nil
	})
}

func TestPoisonMessageIsDeadLetteredAndStreamFlows(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := setup(t)
	c, err := consumer.New(ctx, js, consumer.Config{Stream: "IDENTITY", Durable: "test", Backoff: []time.Duration{10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{seen: map[string]int{}, ch: make(chan string, 10)}
	go c.Run(ctx, r.handle(func(reason string, attempt uint64) error {
		switch {
		case reason == "poison":
			return consumer.ErrPermanent
		case reason == "flaky" && attempt < 3:
			return errors.New("store unavailable")
		case reason == "never":
			return errors.New("always broken")
		}
		return nil
	}))

	// An event that fails validation, straight onto the stream.
	if _, err := js.Publish(ctx, "onramp.identity.staff.p9.disabled", []byte(`{"id":"bad"}`)); err != nil {
		t.Fatal(err)
	}
	publish(t, js, "p1", "poison")
	publish(t, js, "p2", "flaky")
	publish(t, js, "p3", "never")
	publish(t, js, "p4", "fine")

	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case reason := <-r.ch:
			got[reason] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("handled %v, want flaky and fine", got)
		}
	}
	dls := deadLetters(t, js, 3)
	reasons := map[string]events.DeadLetter{}
	for _, dl := range dls {
		reasons[dl.Subject] = dl
	}
	if dl := reasons["onramp.identity.staff.p9.disabled"]; dl.Reason == "" || dl.Attempts != 1 {
		t.Errorf("invalid event dead letter = %+v", dl)
	}
	if dl := reasons["onramp.identity.staff.p1.disabled"]; dl.Attempts != 1 {
		t.Errorf("poison dead letter = %+v, want 1 attempt", dl)
	}
	if dl := reasons["onramp.identity.staff.p3.disabled"]; dl.Attempts != 5 || dl.Consumer != "test" || len(dl.Event) == 0 {
		t.Errorf("exhausted dead letter = %+v, want 5 attempts with the event", dl)
	}
}

func TestBatchErrorRetriesWholeBatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := setup(t)
	for i := range 50 {
		publish(t, js, "p"+string(rune('a'+i%26)), "r")
	}
	c, err := consumer.New(ctx, js, consumer.Config{Stream: "IDENTITY", Durable: "batch", Backoff: []time.Duration{10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	calls, acked := 0, map[uint64]bool{}
	done := make(chan struct{})
	go c.Run(ctx, func(ctx context.Context, batch []*consumer.Msg) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return errors.New("flush failed")
		}
		for _, m := range batch {
			acked[m.Seq] = true
		}
		if len(acked) == 50 {
			close(done)
		}
		return nil
	})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("only %d of 50 handled", len(acked))
	}
	if calls > 50 {
		t.Errorf("%d handler calls for 50 messages: batches are not coalescing", calls)
	}
}
