package rpc_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"onramp.dev/events"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/rpc"
)

type echo struct {
	Text  string   `json:"text"`
	Items []string `json:"items"`
}

// echoService starts the engines and a service named "echo" on them.
func echoService(t *testing.T) (*devstacktest.Env, *rpc.Service) {
	t.Helper()
	env := devstacktest.Start(t)
	svc, err := rpc.NewService(env.NATS, "echo", "1.0.0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	return env, svc
}

// A reply carries the handler's answer, its *events.Error, or — when the answer is too
// large for one NATS message — an internal error at once.
func TestCallAndHandle(t *testing.T) {
	env, svc := echoService(t)
	if err := rpc.Handle(svc, "say", func(_ context.Context, r rpc.Request[echo]) (echo, error) {
		switch r.Body.Text {
		case "fail":
			return echo{}, &events.Error{Code: events.CodeInvalid, Message: "no", Fields: map[string]string{"text": "no"}}
		case "big":
			return echo{Text: strings.Repeat("x", int(env.NATS.MaxPayload()))}, nil
		}
		return echo{Text: r.Body.Text + "!", Items: []string{r.Caller.Token}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	subject := events.RPC("echo", "say")
	got, err := rpc.Call[echo](ctx, env.NATS, subject, rpc.Caller{Token: "tok"}, echo{Text: "hi"})
	if err != nil || got.Text != "hi!" || len(got.Items) != 1 || got.Items[0] != "tok" {
		t.Fatalf("answer %+v, %v", got, err)
	}
	got, err = rpc.Call[echo](ctx, env.NATS, subject, rpc.Caller{}, echo{Text: "fail"})
	if e, ok := err.(*events.Error); !ok || e.Code != events.CodeInvalid || e.Fields["text"] != "no" || got.Text != "" {
		t.Fatalf("error %#v, answer %+v", err, got)
	}
	if _, err := rpc.Call[echo](ctx, env.NATS, subject, rpc.Caller{}, echo{Text: "big"}); events.CodeOf(err) != events.CodeInternal {
		t.Fatalf("too large: %v", err)
	}
}

// An operation declared once serves and is called with the same contract; a service
// refuses to serve another service's operation.
func TestServeAndDo(t *testing.T) {
	env, svc := echoService(t)
	say := events.Op[echo, echo]{Service: "echo", Name: "say"}
	if err := rpc.Serve(svc, say, func(_ context.Context, r rpc.Request[echo]) (echo, error) {
		return echo{Text: r.Body.Text + "!"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		op   events.Op[echo, echo]
		ok   bool
	}{
		{"its own operation", events.Op[echo, echo]{Service: "echo", Name: "shout"}, true},
		{"another service's operation", events.Op[echo, echo]{Service: "other", Name: "say"}, false},
	} {
		err := rpc.Serve(svc, c.op, func(context.Context, rpc.Request[echo]) (echo, error) { return echo{}, nil })
		if (err == nil) != c.ok {
			t.Errorf("%s: Serve = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	got, err := rpc.Do(context.Background(), env.NATS, say, rpc.Caller{}, echo{Text: "hi"})
	if err != nil || got.Text != "hi!" {
		t.Fatalf("Do: %+v, %v", got, err)
	}
}
