package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

type apiTask struct {
	ID            string `json:"id"`
	Key           string `json:"key"`
	Title         string `json:"title"`
	Section       string `json:"section"`
	Owner         string `json:"owner"`
	Assignee      string `json:"assignee"`
	Due           string `json:"due"`
	Done          bool   `json:"done"`
	Overdue       bool   `json:"overdue"`
	NeedsEvidence bool   `json:"needs_evidence"`
	DoneBy        string `json:"done_by"`
	OnBehalfOf    string `json:"on_behalf_of"`
	Hire          string `json:"hire"`
}

type apiPlan struct {
	ID              string `json:"id"`
	Hire            string `json:"hire"`
	Track           string `json:"track"`
	TemplateVersion int    `json:"template_version"`
	Progress        struct {
		Done  int `json:"done"`
		Total int `json:"total"`
	} `json:"progress"`
	State string    `json:"state"`
	Tasks []apiTask `json:"tasks"`
}

const demoPlan = "plan-demo-hire"

func (p apiPlan) find(t *testing.T, match func(apiTask) bool) apiTask {
	t.Helper()
	for _, x := range p.Tasks {
		if match(x) {
			return x
		}
	}
	t.Fatalf("no matching task on %s", p.ID)
	return apiTask{}
}

func TestOnboardingAPI(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	tok := demoTokens(t, c)
	get := func(who, path string) *http.Response { return c.do(t, "GET", path, "", "", bearer(tok[who])...) }
	post := func(who, path, body string) *http.Response {
		return c.do(t, "POST", path, "application/json", body, bearer(tok[who])...)
	}
	plan := func() apiPlan {
		resp := get("hr", "/api/v1/onboarding/plans/"+demoPlan)
		if resp.StatusCode != 200 {
			t.Fatalf("HR get plan: %d", resp.StatusCode)
		}
		return decodeJSON[apiPlan](t, resp)
	}

	// The demo hire's plan: made from the template, some tasks done, exactly one overdue.
	v := plan()
	overdue, done := 0, 0
	for _, x := range v.Tasks {
		if x.Overdue {
			overdue++
		}
		if x.Done {
			done++
		}
	}
	if v.Hire != "demo-hire" || v.Track != "infrastructure" || v.TemplateVersion != 1 || v.State != "in_progress" ||
		overdue != 1 || done == 0 || v.Progress.Done != done || v.Progress.Total != len(v.Tasks) {
		t.Fatalf("demo plan: %+v state %s, %d overdue, %d done", v.Progress, v.State, overdue, done)
	}
	// The shape the issue promises.
	var raw map[string]any
	b, _ := io.ReadAll(get("hire", "/api/v1/onboarding/plans/"+demoPlan).Body)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "hire", "track", "template_version", "progress", "state", "tasks"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("plan lacks %q", k)
		}
	}
	for _, k := range []string{"id", "title", "section", "owner", "assignee", "due", "done", "overdue", "needs_evidence"} {
		if _, ok := raw["tasks"].([]any)[0].(map[string]any)[k]; !ok {
			t.Errorf("task lacks %q", k)
		}
	}

	// Lists are scoped.
	for who, want := range map[string]int{"hire": 1, "lead": 1, "hr": 1, "admin": 1, "it": 0, "mentor": 1} { // the demo mentor mentors the demo hire
		l := decodeJSON[struct{ Items []apiPlan }](t, get(who, "/api/v1/onboarding/plans"))
		if len(l.Items) != want {
			t.Errorf("%s lists %d plans, want %d", who, len(l.Items), want)
		}
	}
	if l := decodeJSON[struct{ Items []apiPlan }](t, get("hr", "/api/v1/onboarding/plans?overdue=true&track=infrastructure&team=platform")); len(l.Items) != 1 {
		t.Errorf("HR filtered list: %d", len(l.Items))
	}
	if l := decodeJSON[struct{ Items []apiPlan }](t, get("hr", "/api/v1/onboarding/plans?team=security")); len(l.Items) != 0 {
		t.Errorf("HR team filter: %d", len(l.Items))
	}

	// IT's queue: IT tasks only.
	q := decodeJSON[struct{ Items []apiTask }](t, get("it", "/api/v1/me/tasks"))
	if len(q.Items) == 0 {
		t.Fatal("IT queue empty")
	}
	for _, x := range q.Items {
		if x.Owner != "it" || x.Hire != "demo-hire" {
			t.Fatalf("IT queue holds %+v", x)
		}
	}
	hq := decodeJSON[struct{ Items []apiTask }](t, get("hire", "/api/v1/me/tasks"))
	if len(hq.Items) == 0 || !hq.Items[0].Overdue {
		t.Fatalf("hire queue does not start with the overdue task: %+v", hq.Items)
	}

	// The hire completes their own task; twice changes nothing.
	mine := v.find(t, func(x apiTask) bool { return x.Owner == "hire" && !x.Done && !x.NeedsEvidence })
	for range 2 {
		resp := post("hire", "/api/v1/onboarding/tasks/"+mine.ID+"/complete", "")
		if resp.StatusCode != 200 {
			t.Fatalf("hire completes own task: %d", resp.StatusCode)
		}
		if got := decodeJSON[apiPlan](t, resp); got.Progress.Done != v.Progress.Done+1 {
			t.Fatalf("done %d, want %d", got.Progress.Done, v.Progress.Done+1)
		}
	}
	// Bad input: 422 with the field, 404 for an unknown task, 400 for malformed JSON.
	ev := v.find(t, func(x apiTask) bool { return x.Owner == "it" && !x.Done && x.NeedsEvidence })
	resp := post("it", "/api/v1/onboarding/tasks/"+ev.ID+"/complete", `{}`)
	if e := decodeJSON[apiError](t, resp); resp.StatusCode != 422 || e.Error.Fields["evidence"] == "" {
		t.Fatalf("missing evidence: %d %+v", resp.StatusCode, e)
	}
	resp = post("hire", "/api/v1/onboarding/tasks/"+mine.ID+"/reopen", `{"reason":""}`)
	if e := decodeJSON[apiError](t, resp); resp.StatusCode != 422 || e.Error.Fields["reason"] == "" {
		t.Fatalf("reopen without reason: %d %+v", resp.StatusCode, e)
	}
	if resp := post("hire", "/api/v1/onboarding/tasks/"+demoPlan+".no-such-task/complete", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown task: %d", resp.StatusCode)
	}
	if resp := post("hire", "/api/v1/onboarding/tasks/"+mine.ID+"/reopen", `{"reason":1}`); resp.StatusCode != 400 {
		t.Fatalf("malformed body: %d", resp.StatusCode)
	}
	if resp := post("lead", "/api/v1/onboarding/plans/"+demoPlan+"/tasks", `{"title":"","owner":"astronaut","due":"soon"}`); resp.StatusCode != 422 {
		t.Fatalf("bad new task: %d", resp.StatusCode)
	}
	// HR completes an IT task on behalf, recorded as such.
	if resp := post("hr", "/api/v1/onboarding/tasks/"+ev.ID+"/complete", `{"evidence":"asset tag LAP-1"}`); resp.StatusCode != 200 {
		t.Fatalf("HR on behalf: %d", resp.StatusCode)
	}
	if x := plan().find(t, func(x apiTask) bool { return x.ID == ev.ID }); !x.Done || x.DoneBy != "demo-hr" || x.OnBehalfOf != "queue:it" {
		t.Fatalf("on behalf: %+v", x)
	}
	// The lead adds a task for this hire only, then moves its due date.
	resp = post("lead", "/api/v1/onboarding/plans/"+demoPlan+"/tasks", `{"title":"Walk the data centre","owner":"lead","due":"`+time.Now().AddDate(0, 0, 5).Format(time.DateOnly)+`"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("lead adds: %d", resp.StatusCode)
	}
	added := decodeJSON[apiPlan](t, resp).find(t, func(x apiTask) bool { return x.Title == "Walk the data centre" })
	if added.Assignee != "demo-lead" {
		t.Fatalf("added task assigned to %s", added.Assignee)
	}
	if resp := c.do(t, "PATCH", "/api/v1/onboarding/tasks/"+added.ID, "application/json", `{"due":"`+time.Now().AddDate(0, 0, 9).Format(time.DateOnly)+`"}`, bearer(tok["lead"])...); resp.StatusCode != 200 {
		t.Fatalf("lead changes: %d", resp.StatusCode)
	}
}

// Every onboarding route × role: allowed, or 403 (401 without a token) with nothing
// changed.
func TestOnboardingAuthorizationPerRoute(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	tok := demoTokens(t, c)
	hrPlan := func() apiPlan {
		return decodeJSON[apiPlan](t, c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(tok["hr"])...))
	}
	v := hrPlan()
	open := func(owner string) string {
		return v.find(t, func(x apiTask) bool { return x.Owner == owner && !x.Done }).ID
	}
	hireTask, itTask, hrTask, leadTask := open("hire"), open("it"), open("hr"), open("lead")
	due1, due2 := time.Now().AddDate(1, 0, 0).Format(time.DateOnly), time.Now().AddDate(1, 0, 1).Format(time.DateOnly)
	type route struct{ method, path, body string }
	allowed := map[route][]string{
		{"GET", "/api/v1/onboarding/plans", ""}:                                                                          {"admin", "hr", "lead", "it", "mentor", "hire"},
		{"GET", "/api/v1/me/tasks", ""}:                                                                                  {"admin", "hr", "lead", "it", "mentor", "hire"},
		{"GET", "/api/v1/onboarding/plans/" + demoPlan, ""}:                                                              {"admin", "hr", "lead", "hire", "mentor"},
		{"POST", "/api/v1/onboarding/tasks/" + hireTask + "/complete", `{"evidence":"e"}`}:                               {"admin", "hr", "hire"},
		{"POST", "/api/v1/onboarding/tasks/" + itTask + "/complete", `{"evidence":"e"}`}:                                 {"admin", "hr", "it"},
		{"POST", "/api/v1/onboarding/tasks/" + hrTask + "/complete", `{"evidence":"e"}`}:                                 {"admin", "hr"},
		{"POST", "/api/v1/onboarding/tasks/" + leadTask + "/complete", `{"evidence":"e"}`}:                               {"admin", "hr", "lead"},
		{"POST", "/api/v1/onboarding/tasks/" + hireTask + "/reopen", `{"reason":"test"}`}:                                {"admin", "hr", "hire"},
		{"POST", "/api/v1/onboarding/plans/" + demoPlan + "/tasks", `{"title":"t","owner":"hire","due":"` + due1 + `"}`}: {"admin", "hr", "lead"},
		{"PATCH", "/api/v1/onboarding/tasks/" + hireTask, `{"due":"` + due2 + `"}`}:                                      {"admin", "hr", "lead"},
	}
	for rt, ok := range allowed {
		for who, tk := range tok {
			want := 403
			if who == "anonymous" {
				want = 401
			}
			for _, a := range ok {
				if a == who {
					want = 200
				}
			}
			if want == 200 && rt.method == "POST" && strings.HasSuffix(rt.path, "/tasks") {
				want = 201
			}
			before := hrPlan()
			var h []string
			if tk != "" {
				h = bearer(tk)
			}
			resp := c.do(t, rt.method, rt.path, "application/json", rt.body, h...)
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d, want %d", rt.method, rt.path, who, resp.StatusCode, want)
				continue
			}
			after := hrPlan()
			if want >= 400 && (after.Progress != before.Progress || len(after.Tasks) != len(before.Tasks)) {
				t.Errorf("%s %s as %s was refused but changed the plan", rt.method, rt.path, who)
			}
			if want == 200 && strings.HasSuffix(rt.path, "/complete") { // reopen for the next role
				if r := c.do(t, "POST", strings.TrimSuffix(rt.path, "/complete")+"/reopen", "application/json", `{"reason":"test"}`, bearer(tok["hr"])...); r.StatusCode != 200 {
					t.Fatalf("reopen: %d", r.StatusCode)
				}
			}
		}
	}
	// DELETE last: each allowed role removes a task of its own making.
	for who, tk := range tok {
		added := decodeJSON[apiPlan](t, c.do(t, "POST", "/api/v1/onboarding/plans/"+demoPlan+"/tasks", "application/json", `{"title":"rm `+who+`","owner":"hire","due":"`+due1+`"}`, bearer(tok["hr"])...)).
			find(t, func(x apiTask) bool { return x.Title == "rm "+who })
		var h []string
		if tk != "" {
			h = bearer(tk)
		}
		want := map[string]int{"admin": 200, "hr": 200, "lead": 200, "anonymous": 401}[who]
		if want == 0 {
			want = 403
		}
		if resp := c.do(t, "DELETE", "/api/v1/onboarding/tasks/"+added.ID, "", "", h...); resp.StatusCode != want {
			t.Errorf("DELETE as %s: %d, want %d", who, resp.StatusCode, want)
		}
	}
}

// The hire ticks a task and the progress bar moves; the lead's board, open in a second
// browser, updates without a reload; IT completes a provisioning task from its queue.
func TestBrowserOnboardingJourney(t *testing.T) {
	p := startPortal(t)
	base := p.URL()

	lead := browser(t)
	browserLogin(t, lead, base, "lead@demo.onramp", demoPassword)
	row := `#plans tr[data-plan-id="` + demoPlan + `"]`
	do(t, lead, chromedp.Navigate(base+"/onboarding/team"), chromedp.WaitVisible(chromedp.CSS(row)))
	leadBefore := attrInt(t, lead, row, "data-done")

	hire := browser(t)
	browserLogin(t, hire, base, "hire@demo.onramp", demoPassword)
	do(t, hire, chromedp.Navigate(base+"/onboarding"), chromedp.WaitVisible(chromedp.ID("plan-progress")))
	before := attrInt(t, hire, "#plan-done", "data-done")
	if v := attrInt(t, hire, "#plan-progress", "value"); v != before {
		t.Fatalf("progress bar value %d, count %d", v, before)
	}
	button := `li[data-done="false"] form[data-action="complete"]:not(:has(input[name="evidence"])) button`
	do(t, hire, chromedp.Click(chromedp.CSS(button)))
	poll(t, hire, `document.querySelector("#plan-progress") && document.querySelector("#plan-progress").value == `+strconv.Itoa(before+1))
	if got := attrInt(t, hire, "#plan-done", "data-done"); got != before+1 {
		t.Fatalf("after ticking: %d done, want %d", got, before+1)
	}

	// The lead's board moved by itself.
	poll(t, lead, `(function(){var r=document.querySelector('`+row+`');return !!r && r.getAttribute("data-done") == "`+strconv.Itoa(leadBefore+1)+`";})()`)

	// IT completes a provisioning task from its queue.
	it := browser(t)
	browserLogin(t, it, base, "it@demo.onramp", demoPassword)
	do(t, it, chromedp.Navigate(base+"/onboarding/tasks"), chromedp.WaitVisible(chromedp.CSS(`#my-tasks tr[data-task-id] form[data-action="complete"]`)))
	idAttr, err := chromedp.Run(it, chromedp.AttributeValue(chromedp.CSS(`#my-tasks tr[data-task-id]`), "data-task-id"))
	if err != nil || !idAttr.Exists {
		t.Fatalf("IT queue row: %v", err)
	}
	taskRow := `#my-tasks tr[data-task-id="` + idAttr.Value + `"]`
	if n, _ := chromedp.Run(it, chromedp.Nodes(chromedp.CSS(taskRow+` input[name="evidence"]`), chromedp.AtLeast(0))); len(n) > 0 {
		do(t, it, chromedp.SendKeys(chromedp.CSS(taskRow+` input[name="evidence"]`), "asset tag LAP-7"))
	}
	do(t, it, chromedp.Click(chromedp.CSS(taskRow+` button`)), chromedp.WaitNotPresent(chromedp.CSS(taskRow)))

	c := newClient(base)
	v := decodeJSON[apiPlan](t, c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(token(t, c, "hr@demo.onramp"))...))
	if x := v.find(t, func(x apiTask) bool { return x.ID == idAttr.Value }); !x.Done || x.DoneBy != "demo-it" {
		t.Fatalf("IT task after the browser: %+v", x)
	}
}

func attrInt(t *testing.T, ctx context.Context, sel, name string) int {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil || !a.Exists {
		t.Fatalf("%s[%s]: %v", sel, name, err)
	}
	n, err := strconv.Atoi(a.Value)
	if err != nil {
		t.Fatalf("%s[%s] = %q", sel, name, a.Value)
	}
	return n
}

// poll waits (up to 10 s) until the JavaScript expression is true in the page.
func poll(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("waiting for %s: %v\n%s", expr, err, html)
	}
}

// The pages work without JavaScript: plain forms, redirects, 422 with the message, the
// HR overview with filters and CSV, and 403 for pages of other roles.
func TestOnboardingPagesWithoutJavaScript(t *testing.T) {
	p := startPortal(t)
	body := func(resp *http.Response) string { b, _ := io.ReadAll(resp.Body); return string(b) }

	hire := newClient(p.URL())
	login(t, hire, "hire@demo.onramp")
	resp := hire.do(t, "GET", "/onboarding", "", "")
	page := body(resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `id="plan-progress"`) || !strings.Contains(page, "Waiting on IT") {
		t.Fatalf("my onboarding: %d", resp.StatusCode)
	}
	for _, path := range []string{"/onboarding/all", "/onboarding/all.csv", "/onboarding/team"} {
		if resp := hire.do(t, "GET", path, "", ""); resp.StatusCode != 403 {
			t.Errorf("hire on %s: %d", path, resp.StatusCode)
		}
	}
	c := newClient(p.URL())
	v := decodeJSON[apiPlan](t, c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(token(t, c, "hr@demo.onramp"))...))
	plain := v.find(t, func(x apiTask) bool { return x.Owner == "hire" && !x.Done && !x.NeedsEvidence })
	resp = hire.do(t, "POST", "/onboarding/tasks/"+plain.ID+"/complete", "application/x-www-form-urlencoded", "next=/onboarding")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/onboarding" {
		t.Fatalf("complete form: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var evidence apiTask
	for _, x := range v.Tasks {
		if x.Owner == "hire" && !x.Done && x.NeedsEvidence {
			evidence = x
		}
	}
	if evidence.ID != "" {
		resp = hire.do(t, "POST", "/onboarding/tasks/"+evidence.ID+"/complete", "application/x-www-form-urlencoded", "next=/onboarding&evidence=")
		if page := body(resp); resp.StatusCode != 422 || !strings.Contains(page, "Leave a note or a link") {
			t.Fatalf("evidence missing: %d", resp.StatusCode)
		}
	}
	it := v.find(t, func(x apiTask) bool { return x.Owner == "it" && !x.Done })
	if resp := hire.do(t, "POST", "/onboarding/tasks/"+it.ID+"/complete", "application/x-www-form-urlencoded", "evidence=x"); resp.StatusCode != 403 {
		t.Fatalf("hire completes IT's task: %d", resp.StatusCode)
	}

	hr := newClient(p.URL())
	login(t, hr, "hr@demo.onramp")
	resp = hr.do(t, "GET", "/onboarding/all?track=infrastructure&overdue=1", "", "")
	if page := body(resp); resp.StatusCode != 200 || !strings.Contains(page, `data-plan-id="`+demoPlan+`"`) {
		t.Fatalf("HR overview: %d", resp.StatusCode)
	}
	if page := body(hr.do(t, "GET", "/onboarding/all?track=security", "", "")); strings.Contains(page, `data-plan-id="`+demoPlan+`"`) {
		t.Fatal("track filter ignored")
	}
	resp = hr.do(t, "GET", "/onboarding/all.csv", "", "")
	csv := body(resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(csv, "\uFEFFPlan id,Hire id,Name,") || !strings.Contains(csv, demoPlan+",demo-hire,Harper Hire,platform,infrastructure") {
		t.Fatalf("CSV: %d %q", resp.StatusCode, csv)
	}

	lead := newClient(p.URL())
	login(t, lead, "lead@demo.onramp")
	if page := body(lead.do(t, "GET", "/onboarding/team", "", "")); !strings.Contains(page, `data-plan-id="`+demoPlan+`"`) {
		t.Fatal("lead board lacks the demo hire")
	}
	resp = lead.do(t, "POST", "/onboarding/plans/"+demoPlan+"/tasks", "application/x-www-form-urlencoded", "title=&owner=hire&due=")
	if page := body(resp); resp.StatusCode != 422 || !strings.Contains(page, "Give the task a title") {
		t.Fatalf("bad add form: %d", resp.StatusCode)
	}
	// A 10,000-character description is named as the problem, next to its field.
	resp = lead.do(t, "POST", "/onboarding/plans/"+demoPlan+"/tasks", "application/x-www-form-urlencoded",
		url.Values{"title": {"Read the runbook"}, "owner": {"hire"}, "due": {time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}, "description": {strings.Repeat("x", 10000)}}.Encode())
	if page := body(resp); resp.StatusCode != 422 || !strings.Contains(page, `id="add-description-error"`) || !strings.Contains(page, `aria-describedby="add-description-error"`) {
		t.Fatalf("long description: %d", resp.StatusCode)
	}
	mentor := newClient(p.URL())
	login(t, mentor, "mentor@demo.onramp")
	if resp := mentor.do(t, "GET", "/onboarding/plans/"+demoPlan, "", ""); resp.StatusCode != 200 { // the demo hire's mentor
		t.Fatalf("the hire's mentor opens the plan: %d", resp.StatusCode)
	}
}

// A lead moves a task's due date and gives it to IT from the plan page's form (no
// JavaScript); the plan shows both, and a hire cannot do the same.
func TestLeadChangesATaskFromThePlanPage(t *testing.T) {
	p := startPortal(t)
	api := newClient(p.URL())
	leadTok := token(t, api, "lead@demo.onramp")
	type task struct {
		ID    string `json:"id"`
		Owner string `json:"owner"`
		Due   string `json:"due"`
		Done  bool   `json:"done"`
	}
	plan := func() []task {
		resp := api.do(t, "GET", "/api/v1/onboarding/plans/plan-demo-hire", "", "", bearer(leadTok)...)
		return decodeJSON[struct{ Tasks []task }](t, resp).Tasks
	}
	var target task
	for _, x := range plan() {
		if !x.Done && x.Owner == "hire" {
			target = x
			break
		}
	}
	if target.ID == "" {
		t.Fatal("no open hire task in the demo plan")
	}
	due, _ := time.Parse(time.DateOnly, target.Due)
	moved := due.AddDate(0, 0, 7).Format(time.DateOnly)
	form := url.Values{"due": {moved}, "due_was": {target.Due}, "owner": {"it"}, "owner_was": {"hire"}, "next": {"/onboarding/plans/plan-demo-hire"}}

	hire := newClient(p.URL())
	login(t, hire, "hire@demo.onramp")
	if resp := hire.do(t, "POST", "/onboarding/tasks/"+url.PathEscape(target.ID)+"/change", "application/x-www-form-urlencoded", form.Encode()); resp.StatusCode != 403 {
		t.Fatalf("hire changing a task: %d", resp.StatusCode)
	}
	lead := newClient(p.URL())
	login(t, lead, "lead@demo.onramp")
	if resp := lead.do(t, "POST", "/onboarding/tasks/"+url.PathEscape(target.ID)+"/change", "application/x-www-form-urlencoded", form.Encode()); resp.StatusCode != 303 {
		t.Fatalf("lead changing a task: %d", resp.StatusCode)
	}
	for _, x := range plan() {
		if x.ID == target.ID && (x.Due != moved || x.Owner != "it") {
			t.Fatalf("after the change: %+v, want due %s owner it", x, moved)
		}
	}
}
