package e2e

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/servicetest"
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
		return servicetest.StreamMsgs(t, js, "TRAINING", events.TypeFilter(events.AssignmentCreated{}.EventType()))
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

// Every form that changes something carries a key of its own, rendered with the page: the
// same form sent twice — a browser's resend, or a double click with both requests at once
// — takes effect once, and the repeat gets the first answer (the redirect and its flash
// message, or the page).
func TestFormsSentTwiceTakeEffectOnce(t *testing.T) {
	p := startPortal(t)
	js, _ := jetstream.New(p.NATS)
	count := func(stream, eventType string) uint64 {
		t.Helper()
		return servicetest.StreamMsgs(t, js, stream, events.TypeFilter(eventType))
	}
	// keyOf is the idempotency key of the form posting to action on page.
	keyOf := func(t *testing.T, b *client, page, action string) string {
		t.Helper()
		resp := b.do(t, "GET", page, "", "")
		html, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`<form[^>]*action="` + regexp.QuoteMeta(action) + `"[^>]*><input type="hidden" name="idempotency_key" value="([0-9a-f]{32})">`).FindSubmatch(html)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("GET %s: %d, no keyed form posting to %s", page, resp.StatusCode, action)
		}
		return string(m[1])
	}
	// twice posts form to action twice (with together, both at once) and checks that it
	// took effect once (one more eventType event on stream) and both got the first answer.
	twice := func(t *testing.T, b *client, action string, form url.Values, together bool, stream, eventType string) {
		t.Helper()
		before := count(stream, eventType)
		answers := make([]*http.Response, 2)
		bodies := make([]string, 2)
		send := func(i int, cl *client) {
			answers[i] = cl.do(t, "POST", action, "application/x-www-form-urlencoded", form.Encode())
			body, _ := io.ReadAll(answers[i].Body)
			bodies[i] = string(body)
		}
		if together {
			twin := newClient(p.URL())
			maps.Copy(twin.cookies, b.cookies)
			var wg sync.WaitGroup
			wg.Go(func() { send(0, b) })
			wg.Go(func() { send(1, twin) })
			wg.Wait()
		} else {
			send(0, b)
			send(1, b)
		}
		if got := count(stream, eventType) - before; got != 1 {
			t.Fatalf("%d %s events from one form sent twice, want 1", got, eventType)
		}
		first, again := answers[0], answers[1]
		if first.StatusCode >= 400 {
			t.Fatalf("first answer %d: %.300s", first.StatusCode, bodies[0])
		}
		if again.StatusCode != first.StatusCode || again.Header.Get("Location") != first.Header.Get("Location") || bodies[0] != bodies[1] {
			t.Fatalf("the repeat got %d → %q, the first %d → %q", again.StatusCode, again.Header.Get("Location"), first.StatusCode, first.Header.Get("Location"))
		}
		if replayed := first.Header.Get("Idempotent-Replayed") + again.Header.Get("Idempotent-Replayed"); replayed != "true" {
			t.Fatalf("Idempotent-Replayed on the two answers: %q, want exactly one", replayed)
		}
		flash := func(r *http.Response) string {
			for _, ck := range r.Cookies() {
				if ck.Name == "__Host-onramp-flash" {
					return ck.Value
				}
			}
			return ""
		}
		if flash(first) != flash(again) {
			t.Fatalf("flash message: first %q, repeat %q", flash(first), flash(again))
		}
	}

	api := newClient(p.URL())
	hrTok := token(t, api, "hr@demo.onramp")
	plan := decodeJSON[apiPlan](t, api.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(hrTok)...))
	task := plan.find(t, func(x apiTask) bool { return x.Owner == "hire" && !x.Done }).ID
	pair := demoMentorship(t, api, hrTok).ID
	today := time.Now().Format(time.DateOnly)
	due := time.Now().AddDate(0, 0, 20).Format(time.DateOnly)

	for _, c := range []struct {
		name, who, page, action string
		form                    url.Values
		stream, event           string
		together                bool // both requests at once
	}{
		{"invite", "hr", "/people", "/people",
			url.Values{"email": {"twice@demo.onramp"}, "name": {"Tess Twice"}, "track": {"security"}, "team": {"security"}, "start_date": {today}},
			"IDENTITY", events.StaffHired{}.EventType(), false},
		{"assign training", "hr", "/training/team", "/training/assignments",
			url.Values{"module": {journeyModule}, "person": {"demo-hire"}, "due": {due}, "team_page": {""}},
			"TRAINING", events.AssignmentCreated{}.EventType(), false},
		{"complete a task", "hire", "/onboarding/plans/" + demoPlan, "/onboarding/tasks/" + task + "/complete",
			url.Values{"evidence": {"done twice?"}},
			"ONBOARDING", events.TaskCompleted{}.EventType(), true},
		{"record a check-in", "hire", "/mentorship/pairs/" + pair, "/mentorship/pairs/" + pair + "/checkins",
			url.Values{"date": {today}, "notes": {"we met once"}},
			"MENTORSHIP", events.CheckinLogged{}.EventType(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newClient(p.URL())
			login(t, b, c.who+"@demo.onramp")
			form := url.Values{"idempotency_key": {keyOf(t, b, c.page, c.action)}}
			maps.Copy(form, c.form)
			twice(t, b, c.action, form, c.together, c.stream, c.event)
		})
	}

	// Choosing a password from a link, double-clicked: the password is set once, and the
	// second answer is "password set" too, not "this link was already used".
	t.Run("choose a password", func(t *testing.T) {
		inv := decodeJSON[map[string]any](t, api.do(t, "POST", "/api/v1/people", "application/json",
			`{"email":"linked@demo.onramp","name":"Lin Ked","track":"security","team":"security","start_date":"`+today+`"}`, bearer(hrTok)...))
		link, _ := inv["set_password_url"].(string)
		i := strings.Index(link, "/set-password?token=")
		if i < 0 {
			t.Fatalf("invite reply: %v", inv)
		}
		b := newClient(p.URL())
		pw := "a long enough password"
		form := url.Values{"idempotency_key": {keyOf(t, b, link[i:], "/set-password")},
			"token": {strings.TrimPrefix(link[i:], "/set-password?token=")}, "password": {pw}, "confirm": {pw}}
		twice(t, b, "/set-password", form, true, "IDENTITY", events.PasswordSet{}.EventType())
		resp := b.do(t, "POST", "/login", "application/x-www-form-urlencoded", url.Values{"email": {"linked@demo.onramp"}, "password": {pw}, "next": {"/"}}.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("signing in with the chosen password: %d", resp.StatusCode)
		}
	})
}
