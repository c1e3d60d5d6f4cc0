package e2e

import (
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Removing a task and ending a mentorship take two steps without JavaScript: the first
// POST answers with a confirmation page that changes nothing, the second (confirm=1) acts.
func TestDestructiveFormsAskFirst(t *testing.T) {
	p := startPortal(t)
	api := newClient(p.URL())
	leadTok := token(t, api, "lead@demo.onramp")
	lead := newClient(p.URL())
	login(t, lead, "lead@demo.onramp")

	planTasks := func() map[string]bool {
		resp := api.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(leadTok)...)
		ids := map[string]bool{}
		for _, x := range decodeJSON[apiPlan](t, resp).Tasks {
			ids[x.ID] = true
		}
		return ids
	}
	var pairID string
	{
		resp := api.do(t, "GET", "/api/v1/mentorships", "", "", bearer(leadTok)...)
		for _, m := range decodeJSON[struct {
			Items []struct{ ID, State string }
		}](t, resp).Items {
			if m.State == "active" {
				pairID = m.ID
			}
		}
		if pairID == "" {
			t.Fatal("no active mentorship in the demo")
		}
	}
	var taskID string
	for id := range planTasks() {
		taskID = id
		break
	}
	endState := func() string {
		resp := api.do(t, "GET", "/api/v1/mentorships/"+pairID, "", "", bearer(leadTok)...)
		return decodeJSON[struct{ State string }](t, resp).State
	}

	for _, tc := range []struct {
		name, action, form, ask, flash string
		still, gone                    func() bool
	}{
		{
			name: "remove task", action: "/onboarding/tasks/" + url.PathEscape(taskID) + "/remove",
			form: "next=" + url.QueryEscape("/onboarding/plans/"+demoPlan), ask: "Remove task", flash: "is removed from Harper Hire’s plan",
			still: func() bool { return planTasks()[taskID] }, gone: func() bool { return !planTasks()[taskID] },
		},
		{
			name: "end mentorship", action: "/mentorship/pairs/" + url.PathEscape(pairID) + "/end",
			form: "reason=" + url.QueryEscape("moving teams"), ask: "End mentorship", flash: "has ended",
			still: func() bool { return endState() == "active" }, gone: func() bool { return endState() == "ended" },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := lead.do(t, "POST", tc.action, "application/x-www-form-urlencoded", tc.form)
			b, _ := io.ReadAll(resp.Body)
			page := string(b)
			if resp.StatusCode != 200 || !strings.Contains(page, `id="confirm-form"`) || !strings.Contains(page, tc.ask) ||
				!strings.Contains(page, `name="confirm" value="1"`) {
				t.Fatalf("first POST: %d\n%s", resp.StatusCode, page)
			}
			if !tc.still() {
				t.Fatal("the first POST already acted")
			}
			resp = lead.do(t, "POST", tc.action, "application/x-www-form-urlencoded", tc.form+"&confirm=1")
			if resp.StatusCode != 303 {
				t.Fatalf("confirmed POST: %d", resp.StatusCode)
			}
			if !tc.gone() {
				t.Fatal("the confirmed POST did not act")
			}
			// The page after the redirect confirms it once.
			next := resp.Header.Get("Location")
			b, _ = io.ReadAll(lead.do(t, "GET", next, "", "").Body)
			if !strings.Contains(string(b), `id="flash"`) || !strings.Contains(string(b), tc.flash) {
				t.Fatalf("no confirmation %q on %s:\n%s", tc.flash, next, b)
			}
			if b, _ = io.ReadAll(lead.do(t, "GET", next, "", "").Body); strings.Contains(string(b), `id="flash"`) {
				t.Fatal("the confirmation shows twice")
			}
		})
	}
}

// Pages link static files by content-hashed names, served gzip-compressed with a one-year
// cache; /favicon.ico leads to the icon (no 404 on every page).
func TestStaticFilesHashedCompressedCached(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	b, _ := io.ReadAll(c.do(t, "GET", "/login", "", "").Body)
	page := string(b)
	var css, icon string
	for _, pair := range []struct {
		marker string
		into   *string
	}{{`rel="stylesheet" href="`, &css}, {`rel="icon" href="`, &icon}} {
		_, after, ok := strings.Cut(page, pair.marker)
		if !ok {
			t.Fatalf("no %s in the sign-in page", pair.marker)
		}
		*pair.into, _, _ = strings.Cut(after, `"`)
	}
	resp := c.do(t, "GET", css, "", "", "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" ||
		resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("%s: %d %v", css, resp.StatusCode, resp.Header)
	}
	resp = c.do(t, "GET", "/favicon.ico", "", "")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != icon {
		t.Fatalf("/favicon.ico: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), icon)
	}
	if resp := c.do(t, "GET", icon, "", ""); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("%s: %d %s", icon, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Home answers "what now?": the hire sees progress, what is due this week (the overdue
// task first, the training due in 3 days) and their mentor; HR sees figures that link to
// their lists.
func TestHomeSaysWhatNow(t *testing.T) {
	p := startPortal(t)
	page := func(email string) string {
		c := newClient(p.URL())
		login(t, c, email)
		b, _ := io.ReadAll(c.do(t, "GET", "/", "", "").Body)
		return string(b)
	}
	hire := page("hire@demo.onramp")
	_, now, ok := strings.Cut(hire, `id="home-now"`)
	if !ok || !strings.Contains(hire, `id="home-progress"`) || !strings.Contains(hire, "Maya Mentor") {
		t.Fatalf("hire home lacks progress, this week or mentor:\n%s", hire)
	}
	overdue, training := strings.Index(now, "overdue"), strings.Index(now, "Phishing and social engineering")
	if overdue < 0 || training < 0 || overdue > training {
		t.Fatalf("this week: overdue at %d, training at %d (want the overdue task first)", overdue, training)
	}
	// The demo hire claims one skill above their verified level: the lead is asked.
	lead := page("lead@demo.onramp")
	if m := regexp.MustCompile(`<span class="count-value">(\d+)</span> claimed skills? to verify`).FindStringSubmatch(lead); m == nil || m[1] == "0" {
		t.Fatalf("lead home lacks the claim to verify (%v):\n%s", m, lead)
	}
	hr := page("hr@demo.onramp")
	if !strings.Contains(hr, `id="home-counts"`) || !strings.Contains(hr, `href="/onboarding/all?overdue=1"`) || !strings.Contains(hr, `href="/mentorship/coverage"`) {
		t.Fatalf("HR home lacks its figures:\n%s", hr)
	}
	// The lead's certification expires in 30 days.
	if m := regexp.MustCompile(`<span class="count-value">(\d+)</span> certifications? expiring in 90 days`).FindStringSubmatch(hr); m == nil || m[1] != "1" {
		t.Fatalf("HR home: expiring certifications %v", m)
	}
}
