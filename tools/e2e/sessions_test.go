package e2e

import (
	"context"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/tools/portal"
)

// Web keeps identity's answer about an access token (services/web/sessions.go), here for
// an hour so that only the rules below can end access: a session signed out or a person
// disabled through this web process is refused on the very next request; through anything
// else (another web process, here identity called over NATS directly), as soon as web
// hears identity's event.
func TestEndedSessionsAreRefused(t *testing.T) {
	p := startPortal(t, func(c *portal.Config) { c.SessionCache = time.Hour })
	c := newClient(p.URL())
	hr, admin := token(t, c, "hr@demo.onramp"), token(t, c, "admin@demo.onramp")
	ctx := context.Background()

	me := func(tok string) int { return c.do(t, "GET", "/api/v1/me", "", "", bearer(tok)...).StatusCode }
	// refusedSoon waits for web to hear identity's event; the bound is only a failsafe:
	// with an hour's cache, nothing else ends access.
	refusedSoon := func(tok string) bool {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if me(tok) == 401 {
				return true
			}
		}
		return false
	}

	for _, tc := range []struct {
		name  string
		here  bool // through this web process: refused on the next request
		start func(t *testing.T) (tok, id string)
		end   func(t *testing.T, tok, id string)
	}{
		{"signed out here", true,
			func(t *testing.T) (string, string) { return token(t, c, "hire@demo.onramp"), "" },
			func(t *testing.T, tok, _ string) {
				if resp := c.do(t, "POST", "/api/v1/auth/logout", "", "", bearer(tok)...); resp.StatusCode != 204 {
					t.Fatalf("logout: %d", resp.StatusCode)
				}
			}},
		{"signed out elsewhere", false,
			func(t *testing.T) (string, string) { return token(t, c, "hire@demo.onramp"), "" },
			func(t *testing.T, tok, _ string) {
				if _, err := rpc.Call[struct{}](ctx, p.NATS, events.RPC(events.IdentityService, events.OpLogout), rpc.Caller{Token: tok}, events.RefreshRequest{}); err != nil {
					t.Fatal(err)
				}
			}},
		{"disabled here", true,
			func(t *testing.T) (string, string) {
				return newPersonID(t, c, admin, "leaving-here@demo.onramp", "platform", `["hire"]`)
			},
			func(t *testing.T, _, id string) {
				if resp := c.do(t, "POST", "/people/"+id+"/disable", "application/x-www-form-urlencoded", "reason=left&confirm=1", bearer(hr)...); resp.StatusCode != 303 {
					t.Fatalf("disable: %d", resp.StatusCode)
				}
			}},
		{"disabled elsewhere", false,
			func(t *testing.T) (string, string) {
				return newPersonID(t, c, admin, "leaving-elsewhere@demo.onramp", "platform", `["hire"]`)
			},
			func(t *testing.T, _, id string) {
				if _, err := rpc.Call[events.Person](ctx, p.NATS, events.RPC(events.IdentityService, events.OpDisable), rpc.Caller{Token: hr}, events.DisableRequest{ID: id, Reason: "left"}); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, id := tc.start(t)
			for range 3 { // answered, then remembered
				if code := me(tok); code != 200 {
					t.Fatalf("GET /api/v1/me before: %d", code)
				}
			}
			tc.end(t, tok, id)
			if tc.here {
				if code := me(tok); code != 401 {
					t.Fatalf("GET /api/v1/me right after: %d, want 401", code)
				}
			} else if !refusedSoon(tok) {
				t.Fatal("the ended session is still accepted")
			}
			// And every page or list behind it.
			if code := c.do(t, "GET", "/api/v1/me/tasks", "", "", bearer(tok)...).StatusCode; code != 401 {
				t.Errorf("GET /api/v1/me/tasks after: %d, want 401", code)
			}
		})
	}
}
