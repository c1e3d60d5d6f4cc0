package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/idempotency"
)

// A client retrying a command with its Idempotency-Key gets the first answer, and the
// command takes effect once — also when the first answer was lost with the process that
// was about to send it.
func TestIdempotencyKey(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr := token(t, c, "hr@demo.onramp")
	js, _ := jetstream.New(p.NATS)
	ctx := context.Background()
	created := func() uint64 {
		s, err := js.Stream(ctx, "TRAINING")
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(events.TypeFilter(events.AssignmentCreated{}.EventType())))
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, c := range info.State.Subjects {
			n += c
		}
		return n
	}
	due := time.Now().UTC().AddDate(0, 0, 20).Format(events.DateLayout)
	body := `{"module":"` + journeyModule + `","person":"demo-hire","due":"` + due + `"}`
	post := func(key, body string) (*http.Response, string) {
		r := c.do(t, "POST", "/api/v1/training/assignments", "application/json", body, append(bearer(hr), "Idempotency-Key", key)...)
		b, _ := io.ReadAll(r.Body)
		return r, string(b)
	}
	before := created()

	first, firstBody := post("assign-1", body)
	if first.StatusCode != 201 {
		t.Fatalf("first: %d %s", first.StatusCode, firstBody)
	}
	again, againBody := post("assign-1", body)
	if again.StatusCode != 201 || againBody != firstBody || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeat: %d %q (replayed %q), want the first answer %q", again.StatusCode, againBody, again.Header.Get("Idempotent-Replayed"), firstBody)
	}
	other, otherBody := post("assign-1", `{"module":"`+journeyModule+`","person":"demo-hire","due":"`+time.Now().UTC().AddDate(0, 0, 21).Format(events.DateLayout)+`"}`)
	if other.StatusCode != 422 {
		t.Fatalf("same key, another body: %d %s", other.StatusCode, otherBody)
	}
	if bad, b := post("", body); bad.StatusCode != 201 || b == firstBody {
		t.Fatalf("without a key a command runs anew: %d %s", bad.StatusCode, b)
	}

	// The first answer is lost (the process died before keeping it): the repeat runs the
	// command again, which finds the assignment its key made and makes no second one.
	kv, err := js.KeyValue(ctx, "IDEMPOTENCY")
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, idempotency.Scope("demo-hr", "assign-1")); err != nil {
		t.Fatal(err)
	}
	lost, lostBody := post("assign-1", body)
	if lost.StatusCode != 201 || decodeJSON[events.AssignmentView](t, respOf(lost, lostBody)).ID != decodeJSON[events.AssignmentView](t, respOf(first, firstBody)).ID {
		t.Fatalf("repeat after a lost answer: %d %s, first %s", lost.StatusCode, lostBody, firstBody)
	}
	if got := created() - before; got != 2 { // the keyed one and the one without a key
		t.Fatalf("%d assignments created, want 2", got)
	}
}

// respOf gives a read body back to a response, for decodeJSON.
func respOf(r *http.Response, body string) *http.Response {
	r.Body = io.NopCloser(strings.NewReader(body))
	return r
}
