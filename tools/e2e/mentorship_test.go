package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/tools/portal"
)

// mentorshipSeq is the MENTORSHIP stream's last sequence: a refused request must not move it.
func mentorshipSeq(t *testing.T, p *portal.Portal) uint64 {
	t.Helper()
	js, err := jetstream.New(p.NATS)
	if err != nil {
		t.Fatal(err)
	}
	n, err := bus.StreamLastSeq(context.Background(), js, "MENTORSHIP")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// demoMentorship is the demo hire's active mentorship, as HR sees it.
func demoMentorship(t *testing.T, c *client, hrToken string) events.MentorshipView {
	t.Helper()
	l := decodeJSON[events.MentorshipsReply](t, c.do(t, "GET", "/api/v1/mentorships?hire=demo-hire&state=active", "", "", bearer(hrToken)...))
	if len(l.Items) != 1 {
		t.Fatalf("demo hire has %d active mentorships", len(l.Items))
	}
	return l.Items[0]
}

func TestMentorshipAPI(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	tok := demoTokens(t, c)
	get := func(who, path string) *http.Response { return c.do(t, "GET", path, "", "", bearer(tok[who])...) }
	post := func(who, path, body string) *http.Response {
		return c.do(t, "POST", path, "application/json", body, bearer(tok[who])...)
	}

	// Demo data: the mentor's profile offers only verified skills; the hire has an active
	// mentorship with one check-in, and the onboarding service moved the hire's open
	// mentor-owned tasks to the mentor (through mentorship.pair.accepted).
	ms := decodeJSON[events.MentorsReply](t, get("hire", "/api/v1/mentors"))
	if len(ms.Items) != 1 || ms.Items[0].Person != "demo-mentor" || ms.Items[0].Capacity != 3 || ms.Items[0].Load != 1 {
		t.Fatalf("mentors = %+v", ms.Items)
	}
	for _, s := range ms.Items[0].Skills {
		if s.Source != events.SourceVerified || s.Level < 1 {
			t.Errorf("mentor offers %+v", s)
		}
	}
	cur := demoMentorship(t, c, tok["hr"])
	if cur.Mentor != "demo-mentor" || len(cur.Checkins) != 1 {
		t.Fatalf("demo mentorship = %+v", cur)
	}
	plan := decodeJSON[apiPlan](t, get("hr", "/api/v1/onboarding/plans/"+demoPlan))
	moved := 0
	for _, x := range plan.Tasks {
		if x.Owner == "mentor" && !x.Done {
			if x.Assignee != "demo-mentor" {
				t.Errorf("mentor task %s assigned to %s", x.ID, x.Assignee)
			}
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("no open mentor task on the demo plan")
	}
	// The shapes the issue promises.
	var raw map[string]any
	b, _ := io.ReadAll(get("hire", "/api/v1/mentorships/"+cur.ID).Body)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "hire", "mentor", "state", "checkins"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("mentorship lacks %q", k)
		}
	}

	// End it (lead, with a reason), then find a mentor again: the demo mentor is ranked
	// with reasons in words.
	if resp := post("lead", "/api/v1/mentorships/"+cur.ID+"/end", `{}`); resp.StatusCode != 422 {
		t.Fatalf("end without reason: %d", resp.StatusCode)
	}
	if resp := post("lead", "/api/v1/mentorships/"+cur.ID+"/end", `{"reason":"rotation"}`); resp.StatusCode != 200 {
		t.Fatalf("end: %d", resp.StatusCode)
	}
	b, _ = io.ReadAll(get("lead", "/api/v1/mentorship/suggestions?hire=demo-hire").Body)
	raw = nil
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	items, _ := raw["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("suggestions: %s", b)
	}
	first := items[0].(map[string]any)
	for _, k := range []string{"mentor", "name", "score", "reasons"} {
		if _, ok := first[k]; !ok {
			t.Errorf("suggestion lacks %q", k)
		}
	}
	if reasons := first["reasons"].([]any); first["mentor"] != "demo-mentor" || len(reasons) == 0 || !strings.Contains(reasons[0].(string), "Covers") {
		t.Fatalf("suggestion = %v", first)
	}

	// Bad input.
	for _, c := range []struct {
		who, body string
		want      int
		field     string
	}{
		{"lead", `{"hire":"demo-hire","mentor":"demo-hire"}`, 422, "mentor"},
		{"lead", `{"hire":"demo-hire","mentor":"demo-lead"}`, 422, "mentor"}, // own lead, not a mentor
		{"lead", `{"hire":"demo-hire"`, 400, ""},
		{"mentor", `{"hire":"demo-hire","mentor":"demo-mentor"}`, 403, ""},
	} {
		before := mentorshipSeq(t, p)
		resp := post(c.who, "/api/v1/mentorships", c.body)
		e := decodeJSON[apiError](t, resp)
		if resp.StatusCode != c.want || (c.field != "" && e.Error.Fields[c.field] == "") || mentorshipSeq(t, p) != before {
			t.Errorf("propose %s as %s: %d %+v", c.body, c.who, resp.StatusCode, e)
		}
	}
	resp := post("lead", "/api/v1/mentorships", `{"hire":"demo-hire","mentor":"demo-mentor","reason":"security pairing"}`)
	if resp.StatusCode != 201 || !strings.HasPrefix(resp.Header.Get("Location"), "/api/v1/mentorships/") {
		t.Fatalf("propose: %d", resp.StatusCode)
	}
	next := decodeJSON[events.MentorshipView](t, resp)
	// Accepting someone else's proposal: 403, nothing changed; the mentor accepts.
	for _, who := range []string{"lead", "hire", "hr", "it"} {
		before := mentorshipSeq(t, p)
		if resp := post(who, "/api/v1/mentorships/"+next.ID+"/accept", ""); resp.StatusCode != 403 || mentorshipSeq(t, p) != before {
			t.Errorf("accept as %s: %d", who, resp.StatusCode)
		}
	}
	if v := decodeJSON[events.MentorshipView](t, post("mentor", "/api/v1/mentorships/"+next.ID+"/accept", "")); v.State != events.PairActive {
		t.Fatalf("accepted: %+v", v)
	}
	// A check-in by a non-participant: 403; by the hire: 201.
	checkin := `{"date":"` + time.Now().Format(time.DateOnly) + `","notes":"lab walk-through","next_steps":"read runbook","skills":["cloud-computing"]}`
	if resp := post("lead", "/api/v1/mentorships/"+next.ID+"/checkins", checkin); resp.StatusCode != 403 {
		t.Fatalf("lead check-in: %d", resp.StatusCode)
	}
	if resp := post("hire", "/api/v1/mentorships/"+next.ID+"/checkins", `{"date":"tomorrow","notes":""}`); resp.StatusCode != 422 {
		t.Fatalf("bad check-in: %d", resp.StatusCode)
	}
	if v := decodeJSON[events.MentorshipView](t, post("hire", "/api/v1/mentorships/"+next.ID+"/checkins", checkin)); len(v.Checkins) != 1 {
		t.Fatalf("check-in: %+v", v.Checkins)
	}
	// Profile: only verified or evidenced skills may be offered; capacity 1–10.
	if resp := c.do(t, "PUT", "/api/v1/me/mentor-profile", "application/json", `{"skills":["networking"],"capacity":2}`, bearer(tok["mentor"])...); resp.StatusCode != 422 {
		t.Fatalf("unverified skill: %d", resp.StatusCode)
	}
	if resp := c.do(t, "PUT", "/api/v1/me/mentor-profile", "application/json", `{"skills":["cloud-computing"],"capacity":1}`, bearer(tok["mentor"])...); resp.StatusCode != 200 {
		t.Fatalf("capacity 1: %d", resp.StatusCode)
	}
	// At capacity: 409 with the reason for a lead; HR overrides with a reason.
	if resp := post("lead", "/api/v1/mentorships/"+next.ID+"/end", `{"reason":"swap"}`); resp.StatusCode != 200 {
		t.Fatalf("end: %d", resp.StatusCode)
	}
	if resp := c.do(t, "PUT", "/api/v1/me/mentor-profile", "application/json", `{"skills":["cloud-computing"],"capacity":1}`, bearer(tok["mentor"])...); resp.StatusCode != 200 {
		t.Fatalf("profile: %d", resp.StatusCode)
	}
	third := decodeJSON[events.MentorshipView](t, post("lead", "/api/v1/mentorships", `{"hire":"demo-hire","mentor":"demo-mentor"}`))
	if resp := post("lead", "/api/v1/mentorships/"+third.ID+"/end", `{"reason":"withdrawn"}`); resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	// Fill the one place with another proposal, then ask again.
	fill := decodeJSON[events.MentorshipView](t, post("hr", "/api/v1/mentorships", `{"hire":"demo-hire","mentor":"demo-mentor"}`))
	if fill.State != events.PairProposed {
		t.Fatalf("fill: %+v", fill)
	}
	if resp := post("lead", "/api/v1/mentorships/"+fill.ID+"/end", `{"reason":"withdrawn"}`); resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	_ = first
}

// Every mentorship route × role: allowed, or 403 (401 without a token), and a refused
// request appends nothing.
func TestMentorshipAuthorizationPerRoute(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	tok := demoTokens(t, c)
	cur := demoMentorship(t, c, tok["hr"])
	pair := "/api/v1/mentorships/" + cur.ID
	checkin := `{"date":"` + time.Now().Format(time.DateOnly) + `","notes":"n"}`
	type route struct{ method, path, body string }
	all := demoRoles
	// allowed maps a route to the status each allowed role gets; everyone else gets 403.
	allowed := map[route]map[string]int{
		{"GET", "/api/v1/mentors", ""}:                                                    statuses(all, 200),
		{"GET", "/api/v1/me/mentor-profile", ""}:                                          statuses(all, 200),
		{"GET", "/api/v1/mentorships", ""}:                                                statuses(all, 200),
		{"GET", "/api/v1/mentorship/suggestions?hire=demo-hire", ""}:                      statuses([]string{"admin", "hr", "lead"}, 200),
		{"GET", "/api/v1/mentorship/coverage", ""}:                                        statuses([]string{"admin", "hr", "lead"}, 200),
		{"GET", pair, ""}:                                                                 statuses([]string{"admin", "hr", "lead", "mentor", "hire"}, 200),
		{"POST", "/api/v1/mentorships", `{"hire":"demo-hire","mentor":"demo-mentor"}`}:    statuses([]string{"admin", "hr", "lead"}, 409),
		{"POST", pair + "/accept", ""}:                                                    statuses([]string{"mentor"}, 200), // accepted already: no change
		{"POST", pair + "/decline", ""}:                                                   statuses([]string{"mentor"}, 409),
		{"POST", pair + "/feedback", `{"rating":5}`}:                                      statuses([]string{"mentor", "hire"}, 409),
		{"POST", pair + "/checkins", checkin}:                                             statuses([]string{"mentor", "hire"}, 201),
		{"POST", "/api/v1/mentors/demo-hire/nomination", ""}:                              statuses([]string{"admin", "hr", "lead"}, 200),
		{"PUT", "/api/v1/me/mentor-profile", `{"skills":["no-such-skill"],"capacity":1}`}: statuses(all, 422),
	}
	for rt, ok := range allowed {
		for who, tk := range tok {
			want, in := ok[who]
			if !in {
				want = 403
			}
			if who == "anonymous" {
				want = 401
			}
			var h []string
			if tk != "" {
				h = bearer(tk)
			}
			before := mentorshipSeq(t, p)
			resp := c.do(t, rt.method, rt.path, "application/json", rt.body, h...)
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d, want %d", rt.method, rt.path, who, resp.StatusCode, want)
				continue
			}
			if want >= 400 || rt.method == "GET" || strings.HasSuffix(rt.path, "/accept") {
				if after := mentorshipSeq(t, p); after != before {
					t.Errorf("%s %s as %s (%d) appended %d events", rt.method, rt.path, who, want, after-before)
				}
			}
		}
	}
	// End last: only the pair, the hire's lead and HR.
	for _, who := range []string{"it", "anonymous"} {
		var h []string
		if tok[who] != "" {
			h = bearer(tok[who])
		}
		if resp := c.do(t, "POST", pair+"/end", "application/json", `{"reason":"x"}`, h...); resp.StatusCode != 403 && resp.StatusCode != 401 {
			t.Errorf("end as %s: %d", who, resp.StatusCode)
		}
	}
	if resp := c.do(t, "POST", pair+"/end", "application/json", `{"reason":"done"}`, bearer(tok["hire"])...); resp.StatusCode != 200 {
		t.Errorf("end as hire: %d", resp.StatusCode)
	}
	// Feedback from the participants only, once each.
	for who, want := range map[string]int{"lead": 403, "hr": 403, "it": 403, "hire": 201} {
		if resp := c.do(t, "POST", pair+"/feedback", "application/json", `{"rating":4,"text":"good"}`, bearer(tok[who])...); resp.StatusCode != want {
			t.Errorf("feedback as %s: %d, want %d", who, resp.StatusCode, want)
		}
	}
	// Pages: the HR coverage and its CSV are HR's; find-a-mentor is for leads and HR.
	for path, ok := range map[string][]string{
		"/mentorship/coverage":     {"admin", "hr"},
		"/mentorship/coverage.csv": {"admin", "hr"},
		"/mentorship/find":         {"admin", "hr", "lead"},
		"/mentorship":              all,
		"/mentorship/profile":      all,
	} {
		for _, who := range all {
			b := newClient(p.URL())
			login(t, b, who+"@demo.onramp")
			want := 403
			for _, a := range ok {
				if a == who {
					want = 200
				}
			}
			if resp := b.do(t, "GET", path, "", ""); resp.StatusCode != want {
				t.Errorf("page %s as %s: %d, want %d", path, who, resp.StatusCode, want)
			}
		}
	}
}

func statuses(roles []string, code int) map[string]int {
	m := map[string]int{}
	for _, r := range roles {
		m[r] = code
	}
	return m
}

// The lead opens "find a mentor" for the demo hire (whose seeded mentorship HR ended),
// sees the demo mentor ranked with reasons and proposes; the mentor accepts; the hire sees
// their mentor, and the mentor opens the hire's onboarding plan with its tasks.
func TestBrowserMentorshipJourney(t *testing.T) {
	p := startPortal(t)
	base := p.URL()
	c := newClient(base)
	hr := token(t, c, "hr@demo.onramp")
	cur := demoMentorship(t, c, hr)
	if resp := c.do(t, "POST", "/api/v1/mentorships/"+cur.ID+"/end", "application/json", `{"reason":"start the journey afresh"}`, bearer(hr)...); resp.StatusCode != 200 {
		t.Fatalf("end: %d", resp.StatusCode)
	}

	lead := browser(t)
	browserLogin(t, lead, base, "lead@demo.onramp", demoPassword)
	mentorRow := `#suggestions li[data-mentor="demo-mentor"]`
	do(t, lead, chromedp.Navigate(base+"/mentorship/find?hire=demo-hire"), chromedp.WaitVisible(chromedp.CSS(mentorRow)))
	if reasons := text(t, lead, mentorRow+" .reasons"); !strings.Contains(reasons, "Covers") || !strings.Contains(reasons, "mentee places free") {
		t.Fatalf("reasons: %q", reasons)
	}
	do(t, lead, chromedp.Click(chromedp.CSS(mentorRow+` form[data-action="propose"] button`)), chromedp.WaitVisible(chromedp.CSS(`#pair[data-state="proposed"]`)))

	mentor := browser(t)
	browserLogin(t, mentor, base, "mentor@demo.onramp", demoPassword)
	do(t, mentor, chromedp.Navigate(base+"/mentorship"), chromedp.WaitVisible(chromedp.CSS(`#invitations li[data-pair-id] form[data-action="accept"]`)))
	do(t, mentor, chromedp.Click(chromedp.CSS(`#invitations form[data-action="accept"] button`)), chromedp.WaitVisible(chromedp.CSS(`#pair[data-state="active"]`)))

	hire := browser(t)
	browserLogin(t, hire, base, "hire@demo.onramp", demoPassword)
	do(t, hire, chromedp.Navigate(base+"/mentorship"), chromedp.WaitVisible(chromedp.ID("mentor-name")))
	if got := text(t, hire, "#mentor-name"); got != "Maya Mentor" {
		t.Fatalf("hire's mentor: %q", got)
	}

	do(t, mentor, chromedp.Navigate(base+"/mentorship"), chromedp.WaitVisible(chromedp.CSS(`#mentees li[data-hire="demo-hire"] a[data-plan-link]`)))
	do(t, mentor, chromedp.Click(chromedp.CSS(`#mentees li[data-hire="demo-hire"] a[data-plan-link]`)), chromedp.WaitVisible(chromedp.CSS(`#plan li[data-task-id]`)))
	if got := text(t, mentor, "#plan h1"); !strings.Contains(got, "Harper Hire") {
		t.Fatalf("mentor sees plan %q", got)
	}
}

// A mentor's page sums up each mentee's onboarding progress, from the onboarding service.
func TestMentorSeesMenteeOnboardingProgress(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	login(t, c, "mentor@demo.onramp")
	resp := c.do(t, "GET", "/mentorship", "", "")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !regexp.MustCompile(`data-progress>Onboarding: \d+ of \d+ tasks done`).Match(body) {
		t.Fatalf("mentor page: %d\n%s", resp.StatusCode, body)
	}
}
