package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/infra/devstack/devstacktest"
)

// A service that takes the request but does not answer in time is "unavailable, retry"
// (503 with Retry-After), not an internal error.
func TestUpstreamTimeoutIs503(t *testing.T) {
	env := devstacktest.Start(t)
	// An identity that accepts sign-ins and never answers them.
	sub, err := env.NATS.Subscribe(events.RPC(events.IdentityService, events.OpLogin), func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	m := New(env.NATS, slog.New(slog.DiscardHandler), Config{})
	h := m.Handler()
	for _, tc := range []struct{ path, ctype, body string }{
		{"/api/v1/auth/token", "application/json", `{"email":"a@example.org","password":"whatever1"}`},
		{"/login", "application/x-www-form-urlencoded", "email=a%40example.org&password=whatever1"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		req := httptest.NewRequestWithContext(ctx, "POST", tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		cancel()
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("POST %s with a silent identity: %d, Retry-After %q", tc.path, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
}
