package e2e

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// from makes c connect from a local address other than 127.0.0.1 (Linux routes all of
// 127/8 to loopback), so the portal sees another client address.
func (c *client) from(ip string) *client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.hc.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

// peakRSS is the process's peak resident memory (VmHWM) in MiB, or -1 where /proc is not
// available.
func peakRSS() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb / 1024
		}
	}
	return -1
}

// A burst of 500 parallel failing sign-ins (half of them against a real account) gets only 401, 429 or 503 (each refusal with
// Retry-After), the portal stays ready throughout and within its memory bound, and a
// genuine user from another address signs in afterwards.
func TestSignInBurst(t *testing.T) {
	p := startPortal(t)
	before := peakRSS()

	stop := make(chan struct{})
	var readyChecks, notReady atomic.Int64
	var readyWG sync.WaitGroup
	readyWG.Add(1)
	go func() { // /readyz, sequentially, for as long as the burst lasts
		defer readyWG.Done()
		hc := &http.Client{}
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := hc.Get(p.URL() + "/readyz")
			readyChecks.Add(1)
			if err != nil || resp.StatusCode != 200 {
				notReady.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	}()

	const burst = 500
	var mu sync.Mutex
	codes := map[int]int{}
	var missingRetry atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			email := fmt.Sprintf("nobody-%d@example.org", i)
			if i%2 == 0 { // half of them against a real account
				email = "hire@demo.onramp"
			}
			body := fmt.Sprintf(`{"email":%q,"password":"wrong password %d"}`, email, i)
			req, _ := http.NewRequestWithContext(context.Background(), "POST", p.URL()+"/api/v1/auth/token", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			code := -1
			if err == nil {
				code = resp.StatusCode
				if (code == 429 || code == 503) && resp.Header.Get("Retry-After") == "" {
					missingRetry.Add(1)
				}
				resp.Body.Close()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	close(stop)
	readyWG.Wait()
	peak := peakRSS()
	t.Logf("burst of %d: statuses %v; /readyz checked %d times, %d not ready; peak RSS %d MiB (before the burst %d MiB)",
		burst, codes, readyChecks.Load(), notReady.Load(), peak, before)

	for code, n := range codes {
		if code != 401 && code != 429 && code != 503 {
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	// One client address gets 20 free failures (the 21st starts the delays, which double:
	// one more after 1 s, after 3 s, 7 s …): each attempt counts before its password is
	// checked, so the burst cannot all pass the limiter.
	if codes[401] == 0 || codes[401] > 30 {
		t.Errorf("%d attempts from one address were evaluated, want 1–30", codes[401])
	}
	if n := missingRetry.Load(); n > 0 {
		t.Errorf("%d refusals without Retry-After", n)
	}
	if n := notReady.Load(); n > 0 {
		t.Errorf("/readyz failed %d of %d times during the burst", n, readyChecks.Load())
	}
	if peak > 500 {
		t.Errorf("peak RSS %d MiB, want below 500 MiB", peak)
	}
	// The client address that burst is refused for a while; a genuine user elsewhere is not.
	other := newClient(p.URL()).from("127.0.0.2")
	token(t, other, "hire@demo.onramp")
}

// HR's people page offers no buttons on an admin's row, and the forms themselves refuse:
// HR cannot issue a set-password link for an admin, nor disable one. The admin can still
// sign in afterwards.
func TestHRCannotTakeOverAnAdminThroughTheForms(t *testing.T) {
	p := startPortal(t)
	hr := newClient(p.URL())
	login(t, hr, "hr@demo.onramp")
	page := string(body(t, hr.do(t, "GET", "/people", "", "").Body))
	row := page[strings.Index(page, `data-person-id="demo-admin"`):]
	row = row[:strings.Index(row, "</tr>")]
	if strings.Contains(row, "<form") {
		t.Errorf("HR sees actions on the admin's row: %s", row)
	}
	for _, action := range []string{"link", "disable"} {
		resp := hr.do(t, "POST", "/people/demo-admin/"+action, "application/x-www-form-urlencoded", "reason=x&confirm=1") // past the confirmation step
		b := string(body(t, resp.Body))
		if resp.StatusCode != 403 || strings.Contains(b, "set-password?token=") {
			t.Errorf("HR POST /people/demo-admin/%s: %d", action, resp.StatusCode)
		}
	}
	// HR still manages a hire.
	if resp := hr.do(t, "POST", "/people/demo-hire/link", "application/x-www-form-urlencoded", ""); resp.StatusCode != 200 {
		t.Errorf("HR issues a link for the hire: %d", resp.StatusCode)
	}
	token(t, newClient(p.URL()), "admin@demo.onramp")
}

// POST /api/v1/auth/logout ends the bearer token's session; POST /logout with a bearer
// token does too.
func TestBearerLogout(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	for _, path := range []string{"/api/v1/auth/logout", "/logout"} {
		tok := token(t, c, "hire@demo.onramp")
		if resp := c.do(t, "GET", "/api/v1/me", "", "", bearer(tok)...); resp.StatusCode != 200 {
			t.Fatalf("GET /api/v1/me before logout: %d", resp.StatusCode)
		}
		resp := c.do(t, "POST", path, "", "", bearer(tok)...)
		if path == "/api/v1/auth/logout" && resp.StatusCode != 204 {
			t.Errorf("POST %s: %d", path, resp.StatusCode)
		}
		if resp := c.do(t, "GET", "/api/v1/me", "", "", bearer(tok)...); resp.StatusCode != 401 {
			t.Errorf("GET /api/v1/me after POST %s: %d", path, resp.StatusCode)
		}
	}
	if resp := c.do(t, "POST", "/api/v1/auth/logout", "", ""); resp.StatusCode != 401 {
		t.Errorf("logout without a token: %d", resp.StatusCode)
	}

	// A browser whose access cookie is gone renews it with the refresh cookie, which is
	// replaced in the same answer.
	b := newClient(p.URL())
	login(t, b, "hire@demo.onramp")
	first := b.cookies["__Host-onramp-refresh"]
	delete(b.cookies, "__Host-onramp")
	if resp := b.do(t, "GET", "/", "", ""); resp.StatusCode != 200 {
		t.Fatalf("GET / with the refresh cookie only: %d", resp.StatusCode)
	}
	if second := b.cookies["__Host-onramp-refresh"]; second == "" || second == first {
		t.Error("the refresh secret was not replaced on use")
	}
}

// Wrong passwords on the sign-in form lock that account from that address only, and the
// form's 429 says when to try again.
func TestSignInFormLockout(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	var last *http.Response
	for range 7 {
		last = c.do(t, "POST", "/login", "application/x-www-form-urlencoded", "email=hire%40demo.onramp&password=wrong-password")
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("7th wrong password on the form: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	login(t, newClient(p.URL()).from("127.0.0.3"), "hire@demo.onramp")
}

// Access ends with the relationship: once the mentorship ends, the former mentor cannot
// read the hire's plan, has none of the hire's tasks and cannot complete them; the open
// mentor tasks are back with the lead.
func TestAccessEndsWithTheMentorship(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr, mentor := token(t, c, "hr@demo.onramp"), token(t, c, "mentor@demo.onramp")
	pair := demoMentorship(t, c, hr)
	if resp := c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(mentor)...); resp.StatusCode != 200 {
		t.Fatalf("mentor reads the plan during the mentorship: %d", resp.StatusCode)
	}
	if resp := c.do(t, "POST", "/api/v1/mentorships/"+pair.ID+"/end", "application/json", `{"reason":"done"}`, bearer(hr)...); resp.StatusCode != 200 {
		t.Fatalf("end: %d", resp.StatusCode)
	}
	var plan apiPlan
	waitFor(t, "the mentor's tasks back with the lead", func() bool {
		plan = decodeJSON[apiPlan](t, c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(hr)...))
		for _, x := range plan.Tasks {
			if x.Owner == "mentor" && !x.Done && x.Assignee != "demo-lead" {
				return false
			}
		}
		return true
	})
	if resp := c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(mentor)...); resp.StatusCode != 403 {
		t.Errorf("former mentor reads the plan: %d", resp.StatusCode)
	}
	q := decodeJSON[struct{ Items []apiTask }](t, c.do(t, "GET", "/api/v1/me/tasks", "", "", bearer(mentor)...))
	for _, x := range q.Items {
		if x.Hire == "demo-hire" {
			t.Errorf("former mentor still has %s", x.ID)
		}
	}
	for _, x := range plan.Tasks {
		if x.Owner == "mentor" && !x.Done {
			if resp := c.do(t, "POST", "/api/v1/onboarding/tasks/"+x.ID+"/complete", "application/json", `{}`, bearer(mentor)...); resp.StatusCode != 403 {
				t.Errorf("former mentor completes %s: %d", x.ID, resp.StatusCode)
			}
			break
		}
	}
}

// "Lead" means one thing: a hire cannot be given a lead from another team.
func TestLeadFromAnotherTeamIsRefused(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr := token(t, c, "hr@demo.onramp")
	resp := c.do(t, "POST", "/api/v1/people", "application/json",
		`{"email":"sec@demo.onramp","name":"Sec Hire","track":"security","team":"security","lead":"demo-lead","start_date":"`+time.Now().Format(time.DateOnly)+`"}`, bearer(hr)...)
	e := decodeJSON[apiError](t, resp)
	if resp.StatusCode != 422 || e.Error.Fields["lead"] == "" {
		t.Fatalf("invite with a lead of another team: %d %+v", resp.StatusCode, e)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 300 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not reached", what)
}

// /live follows a record only for whoever may read it, and a session may hold only a few
// streams open at once.
func TestLiveTopicsAreAuthorised(t *testing.T) {
	p := startPortal(t)
	for _, tc := range []struct {
		who, topic string
		want       int
	}{
		{"hire", "onboarding.task.plan-demo-hire", 200},
		{"hire", "skills.record.demo-hire", 200},
		{"hire", "onboarding.task", 200},
		{"it", "onboarding.task.plan-demo-hire", 403},
		{"it", "onboarding.plan.plan-demo-hire", 403},
		{"hire", "skills.record.demo-lead", 403},
		{"hire", "onboarding.task.plan-nobody", 403},
		{"mentor", "skills.record.demo-lead", 403},
		{"hire", "training.module.some-module", 403},
	} {
		c := newClient(p.URL())
		login(t, c, tc.who+"@demo.onramp")
		if resp := c.do(t, "GET", "/live?topic="+tc.topic, "", ""); resp.StatusCode != tc.want {
			t.Errorf("%s follows %s: %d, want %d", tc.who, tc.topic, resp.StatusCode, tc.want)
		}
	}
	c := newClient(p.URL())
	login(t, c, "hire@demo.onramp")
	for i := range 8 {
		if resp := c.do(t, "GET", "/live?topic=onboarding.task", "", ""); resp.StatusCode != 200 {
			t.Fatalf("stream %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp := c.do(t, "GET", "/live?topic=onboarding.task", "", ""); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("9th stream of one session: %d", resp.StatusCode)
	}
	// Another session of the same address still gets one.
	other := newClient(p.URL())
	login(t, other, "lead@demo.onramp")
	if resp := other.do(t, "GET", "/live?topic=onboarding.task", "", ""); resp.StatusCode != 200 {
		t.Errorf("another session's stream: %d", resp.StatusCode)
	}
}

// A skill named like a formula, imported by HR, is neutralised in the CSV header too.
func TestCSVHeaderIsNeutralised(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr := token(t, c, "hr@demo.onramp")
	imp, _ := json.Marshal(map[string]string{"filename": "org.yaml", "content": "- code: ORG-EVIL\n  name: \"=1+2\"\n  category: Tech\n  min_level: 1\n  max_level: 4\n"})
	if resp := c.do(t, "POST", "/api/v1/skills/import", "application/json", string(imp), bearer(hr)...); resp.StatusCode != 201 {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	resp := c.do(t, "GET", "/api/v1/reports/skill-matrix?format=csv&skill=ORG-EVIL", "", "", bearer(hr)...)
	raw := string(body(t, resp.Body))
	text, ok := strings.CutPrefix(raw, "\uFEFF")
	if resp.StatusCode != 200 || !ok {
		t.Fatalf("matrix CSV: %d, starts %q", resp.StatusCode, raw[:min(len(raw), 20)])
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("matrix CSV: %v", err)
	}
	if !slices.Contains(rows[0], "'=1+2") {
		t.Errorf("header %q lacks the neutralised skill", rows[0])
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("live formula cell %q", cell)
			}
		}
	}
}

// IT completes a task from its queue on a plan it may not see: the answer is the documented
// PlanRef, not a stub plan with empty fields.
func TestTaskActionOnAnInvisiblePlan(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr, it := token(t, c, "hr@demo.onramp"), token(t, c, "it@demo.onramp")
	plan := decodeJSON[apiPlan](t, c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(hr)...))
	task := plan.find(t, func(x apiTask) bool { return x.Owner == "it" && !x.Done })
	resp := c.do(t, "POST", "/api/v1/onboarding/tasks/"+task.ID+"/complete", "application/json", `{"evidence":"asset tag LAP-7"}`, bearer(it)...)
	got := decodeJSON[map[string]any](t, resp)
	if resp.StatusCode != 200 || got["id"] != demoPlan || got["visible"] != false || len(got) != 2 {
		t.Fatalf("IT completes a task: %d %v", resp.StatusCode, got)
	}
}
