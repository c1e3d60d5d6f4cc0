package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/tools/portal"
)

func decodeJSON[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: body %q: %v", resp.Request.URL.Path, b, err)
	}
	return v
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func token(t *testing.T, c *client, email string) string {
	t.Helper()
	resp := c.do(t, "POST", "/api/v1/auth/token", "application/json", `{"email":"`+email+`","password":"`+demoPassword+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("token for %s: %d", email, resp.StatusCode)
	}
	v := decodeJSON[struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}](t, resp)
	if v.Token == "" || v.ExpiresAt == "" {
		t.Fatalf("token reply %+v", v)
	}
	return v.Token
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// demoRoles are the demo organisation's sign-ins, one per role (<role>@demo.onramp).
var demoRoles = []string{"admin", "hr", "lead", "it", "mentor", "hire"}

// demoTokens signs every demo role in through the API: role → access token, and
// "anonymous" → "" (no token).
func demoTokens(t *testing.T, c *client) map[string]string {
	t.Helper()
	tok := map[string]string{"anonymous": ""}
	for _, who := range demoRoles {
		tok[who] = token(t, c, who+"@demo.onramp")
	}
	return tok
}

func TestAPI(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr, lead, hire := token(t, c, "hr@demo.onramp"), token(t, c, "lead@demo.onramp"), token(t, c, "hire@demo.onramp")

	t.Run("wrong credentials are 401 with one message", func(t *testing.T) {
		a := c.do(t, "POST", "/api/v1/auth/token", "application/json", `{"email":"hr@demo.onramp","password":"nope-nope"}`)
		b := c.do(t, "POST", "/api/v1/auth/token", "application/json", `{"email":"ghost@demo.onramp","password":"nope-nope"}`)
		ea, eb := decodeJSON[apiError](t, a), decodeJSON[apiError](t, b)
		if a.StatusCode != 401 || b.StatusCode != 401 || ea.Error.Message != eb.Error.Message || ea.Error.Code != "unauthorized" {
			t.Fatalf("%d %+v / %d %+v", a.StatusCode, ea, b.StatusCode, eb)
		}
	})
	t.Run("malformed JSON is 400", func(t *testing.T) {
		for _, body := range []string{`{"email":`, `{"email":"a","password":"b","extra":1}`, `{} {}`} {
			resp := c.do(t, "POST", "/api/v1/auth/token", "application/json", body)
			if e := decodeJSON[apiError](t, resp); resp.StatusCode != 400 || e.Error.Code != "bad_request" {
				t.Errorf("%s: %d %+v", body, resp.StatusCode, e)
			}
		}
	})
	t.Run("me", func(t *testing.T) {
		resp := c.do(t, "GET", "/api/v1/me", "", "", bearer(hire)...)
		m := decodeJSON[map[string]any](t, resp)
		for _, k := range []string{"id", "email", "name", "roles", "team", "lead"} {
			if _, ok := m[k]; !ok {
				t.Errorf("me lacks %q: %v", k, m)
			}
		}
		if m["email"] != "hire@demo.onramp" || m["lead"] != "demo-lead" || m["team"] != "platform" {
			t.Errorf("me = %v", m)
		}
		if resp := c.do(t, "GET", "/api/v1/me", "", ""); resp.StatusCode != 401 {
			t.Errorf("anonymous me: %d", resp.StatusCode)
		}
	})
	t.Run("people are scoped by role", func(t *testing.T) {
		count := func(tok string) (int, int) {
			resp := c.do(t, "GET", "/api/v1/people", "", "", bearer(tok)...)
			if resp.StatusCode != 200 {
				return resp.StatusCode, -1
			}
			return 200, len(decodeJSON[struct{ Items []map[string]any }](t, resp).Items)
		}
		if s, n := count(hr); s != 200 || n != 6 {
			t.Errorf("HR: %d, %d people; want all 6", s, n)
		}
		if s, n := count(lead); s != 200 || n != 2 {
			t.Errorf("lead: %d, %d people; want their team of 2", s, n)
		}
		if s, _ := count(hire); s != 403 {
			t.Errorf("hire listing people: %d, want 403", s)
		}
		if s, _ := count(token(t, c, "mentor@demo.onramp")); s != 403 {
			t.Errorf("mentor listing people: %d, want 403", s)
		}
		if resp := c.do(t, "GET", "/api/v1/people/demo-hire", "", "", bearer(hire)...); resp.StatusCode != 200 {
			t.Errorf("hire reading self: %d", resp.StatusCode)
		}
		if resp := c.do(t, "GET", "/api/v1/people/demo-hr", "", "", bearer(hire)...); resp.StatusCode != 403 {
			t.Errorf("hire reading HR: %d", resp.StatusCode)
		}
		if resp := c.do(t, "GET", "/api/v1/people/demo-mentor", "", "", bearer(lead)...); resp.StatusCode != 403 {
			t.Errorf("lead reading another team: %d", resp.StatusCode)
		}
	})
	t.Run("invite", func(t *testing.T) {
		good := `{"email":"new@demo.onramp","name":"Nia New","track":"security","team":"security","lead":"","start_date":"` + time.Now().AddDate(0, 0, 14).Format(time.DateOnly) + `"}`
		if resp := c.do(t, "POST", "/api/v1/people", "application/json", good, bearer(lead)...); resp.StatusCode != 403 {
			t.Errorf("lead inviting: %d", resp.StatusCode)
		}
		resp := c.do(t, "POST", "/api/v1/people", "application/json", `{"email":"nope","name":"","track":"pilot","team":"A B","start_date":"soon"}`, bearer(hr)...)
		e := decodeJSON[apiError](t, resp)
		if resp.StatusCode != 422 || len(e.Error.Fields) != 5 {
			t.Errorf("invalid invite: %d %+v", resp.StatusCode, e)
		}
		resp = c.do(t, "POST", "/api/v1/people", "application/json", good, bearer(hr)...)
		if resp.StatusCode != 201 {
			t.Fatalf("invite: %d", resp.StatusCode)
		}
		inv := decodeJSON[map[string]any](t, resp)
		if inv["id"] == "" || !strings.Contains(inv["set_password_url"].(string), "/set-password?token=") || inv["needs_password"] != true {
			t.Errorf("invite reply = %v", inv)
		}
		if resp := c.do(t, "POST", "/api/v1/people", "application/json", strings.Replace(good, "new@", "NEW@", 1), bearer(hr)...); resp.StatusCode != 409 {
			t.Errorf("duplicate invite: %d", resp.StatusCode)
		}
		resp = c.do(t, "GET", "/api/v1/people", "", "", bearer(hr)...)
		if n := len(decodeJSON[struct{ Items []map[string]any }](t, resp).Items); n != 7 {
			t.Errorf("%d people after one good and two bad invites, want 7", n)
		}
	})
	t.Run("cross-site POST is 403", func(t *testing.T) {
		resp := c.do(t, "POST", "/api/v1/people", "application/json", `{}`, append(bearer(hr), "Sec-Fetch-Site", "cross-site")...)
		if resp.StatusCode != 403 {
			t.Errorf("cross-site API POST: %d", resp.StatusCode)
		}
		resp = c.do(t, "POST", "/api/v1/people", "application/json", `{}`, append(bearer(hr), "Origin", "https://evil.example")...)
		if resp.StatusCode != 403 {
			t.Errorf("foreign-origin API POST: %d", resp.StatusCode)
		}
	})
	t.Run("health", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			if resp := c.do(t, "GET", path, "", ""); resp.StatusCode != 200 {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		}
	})
}

// signingKey reads identity's current private key from its store, so the attack tests can
// forge tokens that are correctly signed but wrong in every other way.
func signingKey(t *testing.T, p *portal.Portal) (string, ed25519.PrivateKey) {
	t.Helper()
	var k struct {
		ID   string `bson:"_id"`
		Seed []byte `bson:"seed"`
	}
	if err := p.Mongo.Database("identity").Collection("keys").FindOne(context.Background(), bson.D{}).Decode(&k); err != nil {
		t.Fatal(err)
	}
	return k.ID, ed25519.NewKeyFromSeed(k.Seed)
}

func TestTokenAttacksAre401(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	good := token(t, c, "hire@demo.onramp")
	kid, key := signingKey(t, p)
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims authn.Claims
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	b64 := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	forge := func(f func(*authn.Claims)) string {
		c := claims
		f(&c)
		s, err := authn.Sign(c, kid, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pub := key.Public().(ed25519.PublicKey)
	hsHead := b64(map[string]string{"alg": "HS256", "typ": "JWT", "kid": kid})
	mac := hmac.New(sha256.New, pub)
	mac.Write([]byte(hsHead + "." + parts[1]))
	_, otherKey, _ := ed25519.GenerateKey(nil)
	otherSigned, _ := authn.Sign(claims, kid, otherKey)
	unknownKid, _ := authn.Sign(claims, "not-a-kid", key)
	admin := claims
	admin.Roles = []string{"admin"}

	attacks := map[string]string{
		"alg none":               b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".",
		"HS256 signed with pub":  hsHead + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)),
		"tampered payload":       parts[0] + "." + b64(admin) + "." + parts[2],
		"expired":                forge(func(c *authn.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute)) }),
		"wrong issuer":           forge(func(c *authn.Claims) { c.Issuer = "someone-else" }),
		"wrong audience":         forge(func(c *authn.Claims) { c.Audience = jwt.ClaimStrings{"other-app"} }),
		"unknown kid":            unknownKid,
		"signed by another key":  otherSigned,
		"session that never was": forge(func(c *authn.Claims) { c.Session = "0190aaaa-0000-7000-8000-000000000000" }),
	}
	for name, tok := range attacks {
		t.Run(name, func(t *testing.T) {
			if resp := c.do(t, "GET", "/api/v1/me", "", "", bearer(tok)...); resp.StatusCode != 401 {
				t.Fatalf("%d, want 401", resp.StatusCode)
			}
		})
	}
	if resp := c.do(t, "GET", "/api/v1/me", "", "", bearer(good)...); resp.StatusCode != 200 {
		t.Fatalf("the genuine token: %d", resp.StatusCode)
	}
}

func login(t *testing.T, c *client, email string) {
	t.Helper()
	resp := c.do(t, "POST", "/login", "application/x-www-form-urlencoded", url.Values{"email": {email}, "password": {demoPassword}, "next": {"/"}}.Encode())
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" {
		t.Fatalf("login %s: %d → %s", email, resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestBrowserSessionRules(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())

	t.Run("cookies are __Host-, Secure, HttpOnly, SameSite=Lax", func(t *testing.T) {
		resp := c.do(t, "POST", "/login", "application/x-www-form-urlencoded", "email=hr%40demo.onramp&password="+demoPassword)
		if len(resp.Cookies()) != 2 {
			t.Fatalf("cookies: %v", resp.Header["Set-Cookie"])
		}
		for _, ck := range resp.Cookies() {
			if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("cookie %+v", ck)
			}
		}
	})
	t.Run("security headers", func(t *testing.T) {
		resp := c.do(t, "GET", "/", "", "")
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("headers: %v", h)
		}
	})
	t.Run("cross-site form POST is refused and changes nothing", func(t *testing.T) {
		form := url.Values{"email": {"csrf@demo.onramp"}, "name": {"C"}, "track": {"security"}, "team": {"x"}, "start_date": {time.Now().Format(time.DateOnly)}}
		resp := c.do(t, "POST", "/people", "application/x-www-form-urlencoded", form.Encode(), "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != 403 {
			t.Fatalf("cross-site POST /people: %d", resp.StatusCode)
		}
		page := c.do(t, "GET", "/people", "", "")
		if b, _ := io.ReadAll(page.Body); strings.Contains(string(b), "csrf@demo.onramp") {
			t.Fatal("the cross-site invite was created")
		}
	})
	t.Run("invalid invite re-renders with messages and creates nothing", func(t *testing.T) {
		resp := c.do(t, "POST", "/people", "application/x-www-form-urlencoded", "email=bad&name=Bad+Person&track=security&team=sec&start_date=2026-13-45")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 422 || !strings.Contains(string(b), "Bad Person") || !strings.Contains(string(b), "e-mail address") {
			t.Fatalf("invalid invite page: %d", resp.StatusCode)
		}
	})
	t.Run("a hire gets 403 on the people page", func(t *testing.T) {
		h := newClient(p.URL())
		login(t, h, "hire@demo.onramp")
		if resp := h.do(t, "GET", "/people", "", ""); resp.StatusCode != 403 {
			t.Fatalf("hire GET /people: %d", resp.StatusCode)
		}
	})
	t.Run("signed out, pages send you to sign in and back", func(t *testing.T) {
		resp := newClient(p.URL()).do(t, "GET", "/people", "", "")
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2Fpeople" {
			t.Fatalf("anonymous /people: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("logout ends the session at once, even for a copied cookie", func(t *testing.T) {
		u := newClient(p.URL())
		login(t, u, "it@demo.onramp")
		stolen := map[string]string{}
		for k, v := range u.cookies {
			stolen[k] = v
		}
		if resp := u.do(t, "POST", "/logout", "", ""); resp.StatusCode != 303 {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		thief := newClient(p.URL())
		thief.cookies = stolen
		if resp := thief.do(t, "GET", "/", "", ""); resp.StatusCode != 303 {
			t.Fatalf("old cookies after logout: %d", resp.StatusCode)
		}
	})
	t.Run("disabling a person ends their sessions at once", func(t *testing.T) {
		m := newClient(p.URL())
		login(t, m, "mentor@demo.onramp")
		if resp := m.do(t, "GET", "/", "", ""); resp.StatusCode != 200 {
			t.Fatalf("mentor home: %d", resp.StatusCode)
		}
		// HR cannot disable herself: a clear refusal, not a bare error.
		resp := c.do(t, "POST", "/people/demo-hr/disable", "application/x-www-form-urlencoded", "confirm=1")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 422 || !strings.Contains(string(b), `id="people-problem"`) || !strings.Contains(string(b), "cannot disable yourself") {
			t.Fatalf("disable oneself: %d\n%s", resp.StatusCode, b)
		}
		// The first press only asks: the confirmation page carries the form on.
		resp = c.do(t, "POST", "/people/demo-mentor/disable", "application/x-www-form-urlencoded", "reason=left")
		b, _ = io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `id="confirm-form"`) || !strings.Contains(string(b), `name="reason" value="left"`) {
			t.Fatalf("disable without confirm: %d\n%s", resp.StatusCode, b)
		}
		if resp := m.do(t, "GET", "/", "", ""); resp.StatusCode != 200 {
			t.Fatalf("mentor home after an unconfirmed disable: %d", resp.StatusCode)
		}
		if resp := c.do(t, "POST", "/people/demo-mentor/disable", "application/x-www-form-urlencoded", "reason=left&confirm=1"); resp.StatusCode != 303 {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		if resp := m.do(t, "GET", "/", "", ""); resp.StatusCode != 303 {
			t.Fatalf("disabled mentor home: %d", resp.StatusCode)
		}
		if resp := m.do(t, "POST", "/login", "application/x-www-form-urlencoded", "email=mentor%40demo.onramp&password="+demoPassword); resp.StatusCode != 401 {
			t.Fatalf("disabled mentor signs in: %d", resp.StatusCode)
		}
		// Re-enabled, she signs in again with her password.
		if resp := c.do(t, "POST", "/people/demo-mentor/enable", "application/x-www-form-urlencoded", ""); resp.StatusCode != 303 {
			t.Fatalf("enable: %d", resp.StatusCode)
		}
		login(t, m, "mentor@demo.onramp")
		if resp := m.do(t, "GET", "/", "", ""); resp.StatusCode != 200 {
			t.Fatalf("re-enabled mentor home: %d", resp.StatusCode)
		}
		// A lead may not re-enable anyone.
		l := newClient(p.URL())
		login(t, l, "lead@demo.onramp")
		if resp := l.do(t, "POST", "/people/demo-mentor/enable", "application/x-www-form-urlencoded", ""); resp.StatusCode != 403 {
			t.Fatalf("lead enables: %d", resp.StatusCode)
		}
	})
	t.Run("a used or unknown set-password link gets a clear page", func(t *testing.T) {
		resp := c.do(t, "GET", "/set-password?token=not-a-real-token", "", "")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 410 || !strings.Contains(string(b), `id="link-invalid"`) {
			t.Fatalf("bad link: %d", resp.StatusCode)
		}
		resp = c.do(t, "POST", "/set-password", "application/x-www-form-urlencoded", "token=not-a-real-token&password=long+enough+pw&confirm=long+enough+pw")
		if resp.StatusCode != 410 {
			t.Fatalf("set with bad link: %d", resp.StatusCode)
		}
	})
	t.Run("unknown page is a friendly 404", func(t *testing.T) {
		resp := c.do(t, "GET", "/no/such/page", "", "")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 404 || !strings.Contains(string(b), `data-status="404"`) {
			t.Fatalf("404 page: %d", resp.StatusCode)
		}
	})
}

// The caller's trace context travels from the HTTP request over NATS into the events the
// request causes, and on into the events other services append in reaction.
func TestTraceContextReachesTheEvents(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr := token(t, c, "hr@demo.onramp")
	tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	start := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	resp := c.do(t, "POST", "/api/v1/people", "application/json",
		`{"email":"traced@demo.onramp","name":"Tracy","track":"security","team":"security","start_date":"`+start+`"}`,
		append(bearer(hr), "traceparent", tp)...)
	if resp.StatusCode != 201 || resp.Header.Get("traceparent") != tp {
		t.Fatalf("invite: %d, traceparent %q", resp.StatusCode, resp.Header.Get("traceparent"))
	}
	id := decodeJSON[map[string]any](t, resp)["id"].(string)
	js, _ := jetstream.New(p.NATS)
	last := func(stream, filter string) events.Envelope {
		t.Helper()
		s, err := js.Stream(context.Background(), stream)
		if err != nil {
			t.Fatal(err)
		}
		var m *jetstream.RawStreamMsg
		deadline := time.Now().Add(10 * time.Second)
		for m == nil {
			if m, err = s.GetLastMsgForSubject(context.Background(), filter); err != nil {
				if time.Now().After(deadline) {
					t.Fatalf("no event on %s: %v", filter, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		env, err := events.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	if env := last("IDENTITY", events.Subject("identity.staff.hired", id)); env.Trace != tp {
		t.Errorf("hired event trace = %q, want %q", env.Trace, tp)
	}
	// Onboarding reacts to the hire by making a plan: same trace.
	if env := last("ONBOARDING", "onramp.onboarding.plan.plan-"+id+".created"); env.Trace != tp {
		t.Errorf("plan.created trace = %q, want %q", env.Trace, tp)
	}
}
