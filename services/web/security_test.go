package web

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// redirectCorpus is what attackers try on next= (TAB, backslash, their encodings, protocol-
// relative and scheme URLs, Unicode look-alikes), with what safeNext must answer.
var redirectCorpus = []struct{ in, want string }{
	{"/onboarding/tasks?team=platform", "/onboarding/tasks?team=platform"},
	{"/", "/"},
	{"/people/демо", "/people/демо"},
	{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // encoded: stays a path
	{"/\t/evil.example", "/"},
	{"/%09/evil.example", "/%09/evil.example"},
	{"/\n/evil.example", "/"},
	{"/\r\n/evil.example", "/"},
	{"//evil.example", "/"},
	{"/\\evil.example", "/"},
	{"/\\/evil.example", "/"},
	{"\\\\evil.example", "/"},
	{"/a\\..\\..\\evil", "/"},
	{"/%5cevil.example", "/%5cevil.example"},
	{"https://evil.example/", "/"},
	{"javascript:alert(1)", "/"},
	{"JaVaScRiPt:alert(1)", "/"},
	{" /evil", "/"},
	{"/ /evil", "/"},
	{"/\u00a0/evil.example", "/"}, // no-break space
	{"/\u3000/evil.example", "/"}, // ideographic space
	{"/\u200b/evil.example", "/"}, // zero-width space
	{"/\u202e/gnp.exe", "/"},      // right-to-left override
	{"/\x00/evil.example", "/"},
	{"/\xff/evil", "/"},
	{"", "/"},
	{"evil.example", "/"},
	{"/／evil.example", "/／evil.example"}, // a full-width solidus is a path character
}

func TestSafeNext(t *testing.T) {
	for _, tc := range redirectCorpus {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeNext: whatever next is, the redirect safeNext allows stays on this origin, also
// after the clean-ups a browser applies (stripping TAB and newlines, reading "\" as "/").
func FuzzSafeNext(f *testing.F) {
	for _, tc := range redirectCorpus {
		f.Add(tc.in)
	}
	base, _ := url.Parse("https://onramp.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(got))
		for _, loc := range []string{got, browser} {
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("safeNext(%q) = %q, which does not parse: %v", next, got, err)
			}
			if r := base.ResolveReference(u); r.Scheme != "https" || r.Host != "onramp.example" {
				t.Fatalf("safeNext(%q) = %q leads to %s", next, got, r)
			}
		}
	})
}

// HSTS is sent over TLS, or behind a proxy that says so through the configured header
// only; a client cannot ask for it through an untrusted header.
func TestStrictTransportSecurity(t *testing.T) {
	env := devstacktest.Start(t)
	for _, tc := range []struct {
		name, protoHeader string
		tls               bool
		header            map[string]string
		want              bool
	}{
		{"plain http", "", false, nil, false},
		{"tls", "", true, nil, true},
		{"trusted proxy says https", "X-Forwarded-Proto", false, map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"trusted proxy says http", "X-Forwarded-Proto", false, map[string]string{"X-Forwarded-Proto": "http"}, false},
		{"untrusted header", "", false, map[string]string{"X-Forwarded-Proto": "https"}, false},
	} {
		h := New(env.NATS, slog.New(slog.DiscardHandler), Config{ProtoHeader: tc.protoHeader}).Handler()
		req := httptest.NewRequest("GET", "/healthz", nil)
		if tc.tls {
			req.TLS = &tls.ConnectionState{}
		}
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tc.want {
			t.Errorf("%s: HSTS %v, want %v", tc.name, got, tc.want)
		}
	}
}
