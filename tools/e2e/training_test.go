package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
)

const journeyModule = "backup-and-restore"

// quizAnswers returns the right (or a wrong) answer to every question of a module.
func quizAnswers(t *testing.T, id string, right bool) map[string][]string {
	t.Helper()
	mods, err := curriculum.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		if m.ID != id {
			continue
		}
		out := map[string][]string{}
		for _, q := range m.Quiz.Questions {
			for _, c := range q.Choices {
				if c.Correct == right && (right || len(out[q.ID]) == 0) {
					out[q.ID] = append(out[q.ID], c.ID)
				}
			}
		}
		return out
	}
	t.Fatalf("no module %s", id)
	return nil
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTrainingAPI(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hire, lead, hr, mentor := token(t, c, "hire@demo.onramp"), token(t, c, "lead@demo.onramp"), token(t, c, "hr@demo.onramp"), token(t, c, "mentor@demo.onramp")
	today := time.Now().UTC()
	day := func(n int) string { return today.AddDate(0, 0, n).Format(events.DateLayout) }

	// Demo data: two assignments, the one due soon first, one passed.
	mine := decodeJSON[events.LearnerReply](t, c.do(t, "GET", "/api/v1/me/training", "", "", bearer(hire)...))
	if len(mine.Items) != 2 {
		t.Fatalf("demo hire's training = %+v", mine.Items)
	}
	if it := mine.Items[0]; it.Module != "phishing-and-social-engineering" || it.Status != events.StatusAssigned || it.Due == nil || *it.Due != day(3) || it.Score != nil {
		t.Errorf("first item = %+v", it)
	}
	if it := mine.Items[1]; it.Module != "acceptable-use-and-security-policy" || it.Status != events.StatusPassed || it.Score == nil || *it.Score != 100 {
		t.Errorf("second item = %+v", it)
	}

	// The catalogue never carries answers.
	resp := c.do(t, "GET", "/api/v1/training/modules", "", "", bearer(hire)...)
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.Contains(string(raw), `"correct"`) || strings.Contains(string(raw), `"explanation"`) {
		t.Fatalf("modules: %d, leaks answers: %v", resp.StatusCode, strings.Contains(string(raw), `"correct"`))
	}
	var mods events.ModulesReply
	if err := json.Unmarshal(raw, &mods); err != nil || len(mods.Items) < 12 {
		t.Fatalf("modules = %d items (%v)", len(mods.Items), err)
	}
	one := decodeJSON[map[string]any](t, c.do(t, "GET", "/api/v1/training/modules/"+journeyModule, "", "", bearer(hire)...))
	for _, k := range []string{"id", "title", "summary", "minutes", "pass_mark", "max_attempts", "skills", "lessons", "quiz"} {
		if _, ok := one[k]; !ok {
			t.Errorf("module lacks %s", k)
		}
	}
	if r := c.do(t, "GET", "/api/v1/training/modules/nope", "", "", bearer(hire)...); r.StatusCode != 404 {
		t.Errorf("unknown module: %d", r.StatusCode)
	}

	// Assignments: who may assign what.
	assign := func(tok string, body map[string]string) (int, apiError) {
		r := c.do(t, "POST", "/api/v1/training/assignments", "application/json", jsonBody(t, body), bearer(tok)...)
		var e apiError
		if r.StatusCode != 201 {
			e = decodeJSON[apiError](t, r)
		}
		return r.StatusCode, e
	}
	for _, tc := range []struct {
		name  string
		tok   string
		body  map[string]string
		code  int
		field string
	}{
		{"hire assigns", hire, map[string]string{"module": journeyModule, "person": "demo-hire", "due": day(5)}, 403, ""},
		{"lead outside team", lead, map[string]string{"module": journeyModule, "person": "demo-mentor", "due": day(5)}, 403, ""},
		{"lead to a track", lead, map[string]string{"module": journeyModule, "track": "security", "due": day(5)}, 403, ""},
		{"due in the past", lead, map[string]string{"module": journeyModule, "person": "demo-hire", "due": day(-1)}, 422, "due"},
		{"unknown module", lead, map[string]string{"module": "nope", "person": "demo-hire", "due": day(5)}, 422, "module"},
		{"lead to own hire", lead, map[string]string{"module": journeyModule, "person": "demo-hire", "due": day(5)}, 201, ""},
		{"hr to a track", hr, map[string]string{"module": "network-fundamentals", "track": "security", "due": day(20)}, 201, ""},
	} {
		code, e := assign(tc.tok, tc.body)
		if code != tc.code || (tc.field != "" && e.Error.Fields[tc.field] == "") {
			t.Errorf("%s: %d %+v, want %d (field %s)", tc.name, code, e, tc.code, tc.field)
		}
	}
	if r := c.do(t, "POST", "/api/v1/training/assignments", "application/json", `{"module":"x","people":["a"]}`, bearer(hr)...); r.StatusCode != 400 {
		t.Errorf("unknown field: %d", r.StatusCode)
	}
	// The mentor (track security) is reached by HR's track assignment.
	ment := decodeJSON[events.LearnerReply](t, c.do(t, "GET", "/api/v1/me/training", "", "", bearer(mentor)...))
	if len(ment.Items) != 1 || ment.Items[0].Module != "network-fundamentals" {
		t.Errorf("mentor's training = %+v", ment.Items)
	}

	// Attempts: bad input 422; fail every attempt; the next is 409; a grant; then a pass.
	attempt := func(answers map[string][]string) (int, []byte) {
		r := c.do(t, "POST", "/api/v1/training/modules/"+journeyModule+"/attempts", "application/json", jsonBody(t, map[string]any{"answers": answers}), bearer(hire)...)
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, b
	}
	if code, _ := attempt(map[string][]string{"no-such-question": {"a"}}); code != 422 {
		t.Errorf("unknown question: %d", code)
	}
	wrong, right := quizAnswers(t, journeyModule, false), quizAnswers(t, journeyModule, true)
	for i := 1; i <= 3; i++ {
		code, b := attempt(wrong)
		var res map[string]any
		_ = json.Unmarshal(b, &res)
		if code != 200 || res["passed"] != false || res["attempts_left"] != float64(3-i) || res["explanations"] == nil || res["score"] == nil {
			t.Fatalf("attempt %d: %d %s", i, code, b)
		}
	}
	code, b := attempt(right)
	if code != 409 || !strings.Contains(string(b), "attempts") {
		t.Fatalf("attempt after the last: %d %s", code, b)
	}
	grant := func(tok, person string) int {
		return c.do(t, "POST", "/api/v1/training/grants", "application/json", jsonBody(t, map[string]string{"person": person, "module": journeyModule}), bearer(tok)...).StatusCode
	}
	if got := grant(hire, "demo-hire"); got != 403 {
		t.Errorf("hire grants themselves: %d", got)
	}
	if got := grant(mentor, "demo-hire"); got != 403 {
		t.Errorf("mentor grants: %d", got)
	}
	if got := grant(lead, "demo-hire"); got != 200 {
		t.Fatalf("lead grants: %d", got)
	}
	code, b = attempt(right)
	var res events.AttemptResult
	if err := json.Unmarshal(b, &res); code != 200 || err != nil || !res.Passed || res.Score != 100 || len(res.Explanations) == 0 {
		t.Fatalf("passing attempt: %d %s", code, b)
	}

	// The lead's table and HR's report show it; others are refused.
	team := decodeJSON[events.TeamReply](t, c.do(t, "GET", "/api/v1/training/team", "", "", bearer(lead)...))
	found := false
	for _, r := range team.Items {
		if r.Person == "demo-hire" && r.Module == journeyModule {
			found = r.Status == events.StatusPassed
		}
	}
	if !found {
		t.Errorf("lead's table = %+v", team.Items)
	}
	for _, tc := range []struct {
		tok, path string
		code      int
	}{
		{hire, "/api/v1/training/team", 403},
		{lead, "/api/v1/training/team?team=security", 403},
		{hr, "/api/v1/training/team?team=platform", 200},
		{lead, "/api/v1/training/report", 403},
		{hire, "/api/v1/training/report", 403},
		{hr, "/api/v1/training/report?module=" + journeyModule, 200},
		{"", "/api/v1/me/training", 401},
	} {
		var h []string
		if tc.tok != "" {
			h = bearer(tc.tok)
		}
		if r := c.do(t, "GET", tc.path, "", "", h...); r.StatusCode != tc.code {
			t.Errorf("%s: %d, want %d", tc.path, r.StatusCode, tc.code)
		}
	}
	rep := decodeJSON[events.ReportReply](t, c.do(t, "GET", "/api/v1/training/report?module="+journeyModule, "", "", bearer(hr)...))
	if len(rep.Modules) != 1 || rep.Modules[0].Assigned != 1 || rep.Modules[0].Passed != 1 {
		t.Errorf("report = %+v", rep.Modules)
	}

	// The CSV export, for HR in the browser session.
	login(t, c, "hr@demo.onramp")
	r := c.do(t, "GET", "/training/report.csv?team=platform", "", "")
	csvBody, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csvBody), "demo-hire,Harper Hire,platform") {
		t.Errorf("csv: %d %q", r.StatusCode, csvBody)
	}
}

// The lead assigns a module to the demo hire; the hire reads it, fails the quiz, retakes
// it and passes; the lead's table, open all along, shows "passed" without a reload.
func TestBrowserTrainingJourney(t *testing.T) {
	p := startPortal(t)
	base := p.URL()
	due := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)

	lead := browser(t)
	browserLogin(t, lead, base, "lead@demo.onramp", demoPassword)
	do(t, lead,
		chromedp.Navigate(base+"/training/team"),
		chromedp.WaitVisible(chromedp.ID("assign-form")),
		chromedp.SetValue(chromedp.ID("assign-module"), journeyModule),
		chromedp.SetValue(chromedp.ID("assign-person"), "demo-hire"),
		chromedp.SetValue(chromedp.ID("assign-due"), due),
		chromedp.Click(chromedp.ID("assign-submit")),
		chromedp.WaitVisible(chromedp.ID("assigned")),
	)
	row := fmt.Sprintf(`#team-training tr[data-person="demo-hire"][data-module=%q]`, journeyModule)
	// The table is paged: follow the hire's rows only (the live refresh keeps the search).
	do(t, lead, chromedp.Navigate(base+"/training/team?q=Harper"), chromedp.WaitVisible(chromedp.CSS(row+`[data-status="assigned"]`)))
	// Mark the page so a reload would be noticed.
	if _, err := chromedp.Run(lead, chromedp.Evaluate[bool](`window.__noReload = true`)); err != nil {
		t.Fatal(err)
	}

	hire := browser(t)
	browserLogin(t, hire, base, "hire@demo.onramp", demoPassword)
	do(t, hire, chromedp.Navigate(base+"/training"))
	do(t, hire, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#my-training tr[data-module=%q]`, journeyModule))))
	do(t, hire,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#my-training tr[data-module=%q] a`, journeyModule))),
		chromedp.WaitVisible(chromedp.ID("start-reading")),
		chromedp.Click(chromedp.ID("start-reading")),
		chromedp.WaitVisible(chromedp.ID("lesson")),
	)
	for range 10 { // follow "next" through every lesson
		has, err := chromedp.Run(hire, chromedp.Evaluate[bool](`!!document.getElementById("next-lesson")`))
		if err != nil {
			t.Fatal(err)
		}
		if !has {
			break
		}
		cur := text(t, hire, "#lesson h1")
		jsClick(t, hire, "next-lesson")
		trainingWaitText(t, hire, "#lesson h1", func(s string) bool { return s != cur })
		// "Done" moves focus to the start of the next lesson.
		poll(t, hire, `document.activeElement === document.querySelector("#lesson h1")`)
	}
	// "Done — take the quiz" records the last lesson and opens the quiz.
	jsClick(t, hire, "take-quiz")
	do(t, hire, chromedp.WaitVisible(chromedp.ID("quiz-form")), chromedp.Navigate(base+"/training/modules/"+journeyModule),
		chromedp.WaitVisible(chromedp.ID("module-read")))
	read, total := 0, 0
	if _, err := fmt.Sscanf(text(t, hire, "#module-read"), "%d of %d", &read, &total); err != nil || read == 0 || read != total {
		t.Fatalf("progress %d of %d after reading every lesson", read, total)
	}

	// Answers are ticked through their labels, as a person does.
	tick := func(answers map[string][]string, only func(q string) bool) int {
		t.Helper()
		n := 0
		for q, cs := range answers {
			if !only(q) {
				continue
			}
			for _, c := range cs {
				do(t, hire, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="q-%s-%s"]`, q, c))))
				n++
			}
		}
		return n
	}
	checked := func() int {
		t.Helper()
		n, err := chromedp.Run(hire, chromedp.Evaluate[int](`document.querySelectorAll("#quiz-form input:checked").length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// After htmx swaps the page in, the heading takes the focus (and the page scrolls to
	// it): wait for that before clicking, so no click is aimed at a page still moving.
	quizSettled := func() {
		t.Helper()
		poll(t, hire, `document.activeElement === document.querySelector("main h1")`)
	}
	answer := func(answers map[string][]string) {
		t.Helper()
		do(t, hire, chromedp.WaitVisible(chromedp.ID("quiz-form")))
		quizSettled()
		if n := tick(answers, func(string) bool { return true }); checked() != n {
			t.Fatalf("%d answers ticked through their labels, %d boxes checked", n, checked())
		}
		do(t, hire, chromedp.Click(chromedp.ID("submit-quiz")), chromedp.WaitVisible(chromedp.ID("result-outcome")))
	}
	do(t, hire, chromedp.Click(chromedp.ID("take-quiz")), chromedp.WaitVisible(chromedp.ID("quiz-form")))
	quizSettled()

	// Leaving a question blank holds the submission back: a warning, the answers kept, no
	// attempt spent; answering the last question then submits.
	wrong := quizAnswers(t, journeyModule, false)
	var blank string
	for q := range wrong {
		blank = q
		break
	}
	attemptsBefore := text(t, hire, "#quiz-attempts-left")
	n := tick(wrong, func(q string) bool { return q != blank })
	do(t, hire, chromedp.Click(chromedp.ID("submit-quiz")), chromedp.WaitVisible(chromedp.ID("quiz-unanswered")))
	if got := text(t, hire, "#quiz-attempts-left"); got != attemptsBefore {
		t.Fatalf("attempts left %s after the held-back submission, %s before", got, attemptsBefore)
	}
	if got := checked(); got != n {
		t.Fatalf("%d answers kept after the warning, want %d", got, n)
	}
	if got, err := chromedp.Run(hire, chromedp.Evaluate[string](`[...document.querySelectorAll("fieldset[data-unanswered]")].map(f => f.dataset.question).join()`)); err != nil || got != blank {
		t.Fatalf("questions marked unanswered: %q (%v), want %q", got, err, blank)
	}
	// The warning takes the focus (and scrolls to it) once htmx has settled: wait for that,
	// so the next click is not aimed at a page still moving.
	poll(t, hire, `document.activeElement && document.activeElement.id === "quiz-unanswered"`)
	tick(wrong, func(q string) bool { return q == blank })
	do(t, hire, chromedp.Click(chromedp.ID("submit-quiz")), chromedp.WaitVisible(chromedp.ID("result-outcome")))
	if got := text(t, hire, "#result-outcome"); !strings.Contains(got, "Not passed") {
		t.Fatalf("first result = %q", got)
	}
	if n := text(t, hire, "#explanations"); len(n) < 50 {
		t.Fatalf("explanations = %q", n)
	}
	// The result page takes the focus once htmx has settled (its message or heading):
	// wait for that, so the click on "retake" is not aimed at a page still moving.
	poll(t, hire, `document.activeElement !== document.body && document.querySelector("main").contains(document.activeElement)`)
	do(t, hire, chromedp.Click(chromedp.ID("retake")))
	answer(quizAnswers(t, journeyModule, true))
	if got := text(t, hire, "#result-outcome"); !strings.Contains(got, "Passed with 100") {
		t.Fatalf("second result = %q", got)
	}

	// The lead's table updates live.
	poll(t, lead, `!!document.querySelector('`+row+`[data-status="passed"]')`)
	flag, err := chromedp.Run(lead, chromedp.Evaluate[bool](`window.__noReload === true`))
	if err != nil || !flag {
		t.Fatalf("the lead's page was reloaded (%v, %v)", flag, err)
	}
}

// jsClick clicks an element by id from script (immune to layout shifts under load; htmx
// still handles the click).
func jsClick(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (!e) return false; e.click(); return true })()`, id)))
	if err != nil || !ok {
		t.Fatalf("click #%s: %v (found %v)", id, err, ok)
	}
}

func trainingWaitText(t *testing.T, ctx context.Context, sel string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil && ok(s) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: text not as expected within 15s", sel)
}

// Without JavaScript too, a quiz with blank questions comes back with a warning and the
// answers kept, and spends no attempt until "Submit anyway".
func TestQuizHoldsBackBlankAnswers(t *testing.T) {
	p := startPortal(t)
	hire := newClient(p.URL())
	login(t, hire, "hire@demo.onramp")
	const module = "phishing-and-social-engineering"
	quiz := "/training/modules/" + module + "/quiz"
	left := func() string {
		t.Helper()
		b, _ := io.ReadAll(hire.do(t, "GET", quiz, "", "").Body)
		_, after, ok := strings.Cut(string(b), `id="quiz-attempts-left">`)
		if !ok {
			t.Fatalf("no attempts on the quiz page:\n%s", b)
		}
		n, _, _ := strings.Cut(after, "<")
		return n
	}
	answers := quizAnswers(t, module, true)
	var q, c string
	for q = range answers {
		c = answers[q][0]
		break
	}
	before := left()
	form := url.Values{q: {c}}
	resp := hire.do(t, "POST", quiz, "application/x-www-form-urlencoded", form.Encode())
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	if resp.StatusCode != 422 || !strings.Contains(page, `id="quiz-unanswered"`) || !strings.Contains(page, `id="submit-anyway"`) {
		t.Fatalf("blank answers: %d\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, fmt.Sprintf(`id="q-%s-%s" name="%s" value="%s" checked`, q, c, q, c)) {
		t.Fatalf("the given answer was not kept:\n%s", page)
	}
	if got := strings.Count(page, `data-unanswered="true"`); got != len(answers)-1 {
		t.Fatalf("%d questions marked unanswered, want %d", got, len(answers)-1)
	}
	if got := left(); got != before {
		t.Fatalf("attempts left %s after the warning, %s before", got, before)
	}
	form.Set("anyway", "1")
	if resp := hire.do(t, "POST", quiz, "application/x-www-form-urlencoded", form.Encode()); resp.StatusCode != 303 {
		t.Fatalf("submit anyway: %d", resp.StatusCode)
	}
	b4, _ := strconv.Atoi(before)
	if got := left(); got != strconv.Itoa(b4-1) {
		t.Fatalf("attempts left %s after submitting anyway, want %d", got, b4-1)
	}
}
