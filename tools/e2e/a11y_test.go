package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axePath is where .ci/run installs axe-core (tools/e2e/package.json); AXE_CORE_JS
// overrides it.
func axePath() string {
	return cmp.Or(os.Getenv("AXE_CORE_JS"), filepath.Join("node_modules", "axe-core", "axe.min.js"))
}

// screenshotDir is where the browser tests write their screenshots (git-ignored);
// ONRAMP_SCREENSHOTS overrides it.
func screenshotDir() string {
	return cmp.Or(os.Getenv("ONRAMP_SCREENSHOTS"), "screenshots")
}

// axeRun runs axe-core on the page and returns the critical and serious violations, one
// line each: rule, impact, help and the first few elements.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
  r.violations.filter(v => v.impact === "critical" || v.impact === "serious").map(v =>
    v.id + " (" + v.impact + "): " + v.help + " — " +
    v.nodes.slice(0, 4).map(n => n.target.join(" ") + (n.failureSummary ? " [" + n.failureSummary.split("\n").slice(1).join(" ").trim() + "]" : "")).join("; ") +
    (v.nodes.length > 4 ? " … and " + (v.nodes.length - 4) + " more" : ""))))`

// overflow is empty when the page is no wider than the viewport, else the width and the
// elements that reach past its right edge.
const overflow = `(() => {
  const w = window.innerWidth, sw = document.documentElement.scrollWidth;
  if (sw <= w) return "";
  const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) { if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true } return false };
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1 && !scrolls(e))
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= w + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : ""));
  return "scrollWidth " + sw + " > " + w + ": " + wide.join(", ");
})()`

// codesOnPage lists the machine words in the page's visible text: person ids (demo-…),
// queue codes, raw timestamps and ISO dates, snake_case states.
const codesOnPage = `(() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("code, pre").forEach(e => e.remove()); // file formats may name their columns
  document.body.append(main);
  const text = main.innerText;
  main.remove();
  const found = text.match(/\bdemo-[a-z]+\b|\bqueue:[a-z]+|\b\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?\b|\b[a-z]+_[a-z_]+\b/g) || [];
  return [...new Set(found)].slice(0, 5);
})()`

// links lists the same-site pages a page links to (not downloads, the API or sign-out).
const links = `[...document.querySelectorAll("a[href]")].filter(a => !a.hasAttribute("download")).map(a => a.href)`

// idSegment marks the path segments that are record ids: after these, any value is one page.
var idSegment = map[string]bool{"modules": true, "lessons": true, "plans": true, "pairs": true, "people": true, "tasks": true}

// pagePattern is the kind of page a URL shows: ids replaced by *, query values dropped.
func pagePattern(u *url.URL) string {
	seg := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 1; i < len(seg); i++ {
		if idSegment[seg[i-1]] {
			seg[i] = "*"
		}
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range u.Query() {
			if !yield(k) {
				return
			}
		}
	})
	return "/" + strings.Join(seg, "/") + "?" + strings.Join(keys, "&")
}

// crawlable reports whether a link leads to an HTML page worth checking.
func crawlable(base, u *url.URL) bool {
	if u.Host != base.Host || u.Scheme != base.Scheme {
		return false
	}
	p := u.Path
	for _, skip := range []string{"/api/", "/static/", "/live"} {
		if strings.HasPrefix(p, skip) {
			return false
		}
	}
	for _, ext := range []string{".csv", ".xlsx", ".json"} {
		if strings.HasSuffix(p, ext) {
			return false
		}
	}
	return u.Query().Get("format") == ""
}

// a11yRole is a demo login, the extra states checked for it (error, empty and confirmation
// pages reached by a step), and the pages photographed.
type a11yRole struct {
	name, email string
	states      []a11yState
	shots       []a11yShot
}

// a11yState reaches a page the crawl does not: steps from a URL.
type a11yState struct {
	label, url string
	steps      []chromedp.Action[chromedp.Void]
}

type a11yShot struct{ name, url string }

// Every page each demo role can reach (crawled from their home, one page of each kind),
// plus error, empty and confirmation states, is checked with axe-core in the light and
// the dark colour scheme: no critical or serious violation. At 390 px no page is wider
// than the screen. Screenshots of the main pages at 1280 and 390 px go to screenshotDir.
func TestEveryPageAccessibleAndFitsAPhone(t *testing.T) {
	axeJS, err := os.ReadFile(axePath())
	if err != nil {
		t.Fatalf("axe-core: %v (install it with: npm install --prefix tools/e2e --no-package-lock)", err)
	}
	shots := screenshotDir()
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startPortal(t)
	base, err := url.Parse(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	const quiz = "/training/modules/phishing-and-social-engineering/quiz"
	clickFirst := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const b = document.querySelector(%q); if (!b) return false; b.click(); return true })()`, sel)))
			if err == nil && !ok {
				err = fmt.Errorf("nothing matches %s", sel)
			}
			return err
		})
	}
	roles := []a11yRole{
		{name: "hire", email: "hire@demo.onramp",
			states: []a11yState{
				{"403 page", "/people", nil},
				{"quiz with blank answers held back", quiz, []chromedp.Action[chromedp.Void]{clickFirst("#submit-quiz"), chromedp.WaitVisible(chromedp.ID("quiz-unanswered"))}},
			},
			shots: []a11yShot{{"hire-home", "/"}, {"hire-plan", "/onboarding"}, {"hire-quiz", quiz}, {"hire-skills", "/skills"}, {"hire-settings", "/settings/notifications"}}},
		{name: "lead", email: "lead@demo.onramp",
			states: []a11yState{
				{"remove-task confirmation", "/onboarding/plans/" + demoPlan, []chromedp.Action[chromedp.Void]{clickFirst(`form[data-action="remove"] button`), chromedp.WaitVisible(chromedp.ID("confirm"))}},
			},
			shots: []a11yShot{{"lead-home", "/"}, {"lead-plan", "/onboarding/plans/" + demoPlan}, {"lead-team-skills", "/skills/team"}, {"lead-hire-profile", "/people/demo-hire"}}},
		{name: "hr", email: "hr@demo.onramp",
			states: []a11yState{
				{"disable confirmation", "/people", []chromedp.Action[chromedp.Void]{clickFirst(`form[data-action="disable"] button`), chromedp.WaitVisible(chromedp.ID("confirm"))}},
				{"invite form with errors", "/people", []chromedp.Action[chromedp.Void]{
					chromedp.Evaluate[chromedp.Void](`document.getElementById("invite-form").noValidate = true`), clickFirst("#invite-submit"),
					chromedp.WaitVisible(chromedp.ID("invite-error"))}},
				{"coverage report with its chart", "/skills/reports?report=coverage", nil},
				{"gaps by team", "/skills/reports?report=gaps", nil},
				{"gaps by team, one team open", "/skills/reports?report=gaps", []chromedp.Action[chromedp.Void]{clickFirst("details.group summary")}},
				{"certifications report", "/skills/reports?report=certifications&sort=-days_left", nil},
				{"skill matrix sorted by team", "/skills/reports?report=skill-matrix&sort=team", nil},
			},
			shots: []a11yShot{{"hr-home", "/"}, {"hr-skill-reports", "/skills/reports"}, {"hr-coverage", "/skills/reports?report=coverage"}, {"hr-gaps", "/skills/reports?report=gaps"}, {"hr-training-report", "/training/report"}, {"hr-onboarding-all", "/onboarding/all"}}},
		{name: "admin", email: "admin@demo.onramp", shots: []a11yShot{{"admin-home", "/"}}},
		{name: "it", email: "it@demo.onramp", shots: []a11yShot{{"it-home", "/"}, {"it-tasks", "/onboarding/tasks"}}},
		{name: "mentor", email: "mentor@demo.onramp",
			states: []a11yState{
				{"the hire's profile, as their mentor", "/people/demo-hire", nil},
				{"a check-in's edit form, as its author", "/mentorship", []chromedp.Action[chromedp.Void]{
					clickFirst(`a[href^="/mentorship/pairs/"]`), chromedp.WaitVisible(chromedp.ID("pair")),
					clickFirst(".checkin-edit > summary"), chromedp.WaitVisible(chromedp.CSS(`form[id^="edit-"]`))}},
			},
			shots: []a11yShot{{"mentor-home", "/"}, {"mentor-mentorship", "/mentorship"}}},
	}

	var failures []string
	loads, runs := 0, 0
	// check runs axe in both schemes and the overflow check at 390 px on the page shown.
	check := func(ctx context.Context, role, label string) {
		t.Helper()
		loads++
		if testing.Verbose() {
			t.Logf("checking %s as %s", label, role)
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
				t.Fatal(err)
			}
			if dark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`matchMedia("(prefers-color-scheme: dark)").matches`)); err != nil || dark != (scheme == "dark") {
				t.Fatalf("colour scheme %s not in effect (%v)", scheme, err)
			}
			out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("axe on %s as %s: %v", label, role, err)
			}
			runs++
			var vs []string
			if err := json.Unmarshal([]byte(out), &vs); err != nil {
				t.Fatalf("axe result %q: %v", out, err)
			}
			for _, v := range vs {
				failures = append(failures, fmt.Sprintf("%s, %s, %s: %s", role, label, scheme, v))
			}
		}
		// Human words: no ids, queue codes, raw timestamps or dates, or status codes.
		codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](codesOnPage))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			failures = append(failures, fmt.Sprintf("%s, %s: shows a code: %q", role, label, c))
		}
		// At 390 px (light): the page fits, and what scrolls can be reached by keyboard.
		do(t, ctx, chromedp.EmulateViewport(390, 844))
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe on %s as %s at 390 px: %v", label, role, err)
		}
		runs++
		var vs []string
		if err := json.Unmarshal([]byte(out), &vs); err != nil {
			t.Fatalf("axe result %q: %v", out, err)
		}
		for _, v := range vs {
			failures = append(failures, fmt.Sprintf("%s, %s, 390 px: %s", role, label, v))
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflow))
		if err != nil {
			t.Fatal(err)
		}
		if wide != "" {
			failures = append(failures, fmt.Sprintf("%s, %s, 390 px: %s", role, label, wide))
		}
		do(t, ctx, chromedp.EmulateViewport(1280, 900))
	}
	shoot := func(ctx context.Context, name, path string) {
		t.Helper()
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Navigate(p.URL()+path), chromedp.WaitVisible(chromedp.CSS("main")))
		for _, w := range []int64{1280, 390} {
			do(t, ctx, chromedp.EmulateViewport(w, 900))
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		do(t, ctx, chromedp.EmulateViewport(1280, 900))
	}
	newPage := func() context.Context {
		ctx := browserFor(t, 6*time.Minute)
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: string(axeJS)}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.EmulateViewport(1280, 900))
		return ctx
	}

	// Signed out: the sign-in page, its error, a dead set-password link.
	out := newPage()
	do(t, out, chromedp.Navigate(p.URL()+"/login"), chromedp.WaitVisible(chromedp.ID("login-form")))
	// The check itself can fail: a grey-on-white paragraph added to the page is reported.
	canary, err := chromedp.Run(out, chromedp.Evaluate[string](`(() => { const p = document.createElement("p"); p.id = "axe-canary";
	  p.textContent = "barely readable"; p.style.color = "#dddddd"; p.style.background = "#ffffff"; document.querySelector("main").append(p); })()`+
		`, `+axeRun, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(canary, "color-contrast") {
		t.Fatalf("axe did not report a low-contrast paragraph: %q %v", canary, err)
	}
	do(t, out, chromedp.Navigate(p.URL()+"/login"), chromedp.WaitVisible(chromedp.ID("login-form")))
	check(out, "signed out", "/login")
	do(t, out, chromedp.SendKeys(chromedp.ID("email"), "nobody@demo.onramp"), chromedp.SendKeys(chromedp.ID("password"), "wrong password"),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("login-error")))
	check(out, "signed out", "/login with a wrong password")
	do(t, out, chromedp.Navigate(p.URL()+"/set-password?token=spent"), chromedp.WaitVisible(chromedp.ID("link-invalid")))
	check(out, "signed out", "/set-password with a dead link")

	const maxPages = 45
	for _, r := range roles {
		ctx := newPage()
		browserLogin(t, ctx, p.URL(), r.email, demoPassword)
		for _, s := range r.shots {
			shoot(ctx, s.name, s.url)
		}
		queue := []string{p.URL() + "/"}
		seen := map[string]bool{pagePattern(&url.URL{Path: "/"}): true}
		for n := 0; len(queue) > 0 && n < maxPages; n++ {
			u := queue[0]
			queue = queue[1:]
			do(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("main")))
			check(ctx, r.name, strings.TrimPrefix(u, p.URL()))
			hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](links))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hrefs {
				lu, err := url.Parse(h)
				if err != nil || !crawlable(base, lu) {
					continue
				}
				lu.Fragment = ""
				if pat := pagePattern(lu); !seen[pat] {
					seen[pat] = true
					queue = append(queue, lu.String())
				}
			}
		}
		do(t, ctx, chromedp.Navigate(p.URL()+"/no-such-page"), chromedp.WaitVisible(chromedp.ID("error")))
		check(ctx, r.name, "404 page")
		for _, s := range r.states {
			do(t, ctx, chromedp.Navigate(p.URL()+s.url), chromedp.WaitVisible(chromedp.CSS("main")))
			do(t, ctx, s.steps...)
			check(ctx, r.name, s.label)
		}
	}
	t.Logf("axe-core: %d page loads, %d runs (light and dark); screenshots in %s", loads, runs, shots)
	if len(failures) > 0 {
		t.Errorf("%d problems:\n%s", len(failures), strings.Join(failures, "\n"))
	}
}
