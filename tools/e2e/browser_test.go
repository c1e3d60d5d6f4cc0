package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"onramp.dev/events"
)

// One headless Chromium for the whole test binary; each test gets its own browser
// context (own cookies), like a separate person on a separate machine.
var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserCancel = func() {}
)

// chromiumPath finds Debian's chromium binary (the wrapper script is slower to start).
func chromiumPath() string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	code := m.Run()
	browserCancel()
	os.Exit(code)
}

// browser returns a fresh, isolated browser context for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 60*time.Second)
}

// browserFor is browser with a time limit of d for everything done in it.
func browserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path := chromiumPath()
		if path == "" {
			browserErr = errNoChromium
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		browserCancel = func() { cancelCtx(); cancelAlloc() }
		browserErr = chromedp.Do(ctx) // start the browser now
		browserCtx = ctx
	})
	if browserErr != nil {
		t.Fatalf("headless Chromium: %v", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, d)
	t.Cleanup(tcancel)
	return tctx
}

type chromiumError string

func (e chromiumError) Error() string { return string(e) }

const errNoChromium = chromiumError("chromium not found: install it (Debian: apt-get install -y chromium) or set CHROMIUM to its path")

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("at %s: %v\n%s", loc, err, html)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// browserInvite has HR (signed in on ctx) invite email as name through the people page,
// starting in a week, into the demo lead's platform team, until the set-password link
// shows.
func browserInvite(t *testing.T, ctx context.Context, base, email, name string) {
	t.Helper()
	start := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	do(t, ctx,
		chromedp.Navigate(base+"/people"),
		chromedp.WaitVisible(chromedp.ID("invite-form")),
		chromedp.SendKeys(chromedp.ID("invite-email"), email),
		chromedp.SendKeys(chromedp.ID("invite-name"), name),
		chromedp.SetValue(chromedp.ID("invite-track"), "development"),
		chromedp.SetValue(chromedp.ID("invite-team"), "platform"),
		chromedp.SetValue(chromedp.ID("invite-lead"), "demo-lead"),
		chromedp.SetValue(chromedp.ID("invite-start_date"), start),
		chromedp.Click(chromedp.ID("invite-submit")),
		chromedp.WaitVisible(chromedp.ID("invite-link")),
	)
}

func browserLogin(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("greeting")),
	)
}

// HR invites a hire; the hire sets a password through the link, signs in and sees their
// home; the hire opening HR's people page gets 403.
func TestBrowserInviteJourney(t *testing.T) {
	p := startPortal(t)
	base := p.URL()

	hr := browser(t)
	browserLogin(t, hr, base, "hr@demo.onramp", demoPassword)
	browserInvite(t, hr, base, "grace@demo.onramp", "Grace Hopper")
	link, err := chromedp.Run(hr, chromedp.AttributeValue(chromedp.CSS("#invite-link a"), "href"))
	if err != nil || !link.Exists || !strings.Contains(link.Value, "/set-password?token=") {
		t.Fatalf("invite link: %+v %v", link, err)
	}
	if !strings.Contains(text(t, hr, "#people"), "Grace Hopper") {
		t.Fatal("the new hire is not in the people table")
	}
	// A week before the start, tasks meant for up to two weeks earlier are due today, not
	// overdue, and HR is told so.
	if w := text(t, hr, "#invite-warning"); !strings.Contains(w, "due today") {
		t.Fatalf("invite warning = %q", w)
	}
	api := newClient(base)
	hrTok := token(t, api, "hr@demo.onramp")
	var grace *events.PlanView
	for i := range 50 {
		plans := decodeJSON[events.PlansReply](t, api.do(t, "GET", "/api/v1/onboarding/plans", "", "", bearer(hrTok)...))
		for _, pl := range plans.Items {
			if pl.HireName == "Grace Hopper" {
				grace = &pl
			}
		}
		if grace != nil || i == 49 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if grace == nil || grace.Overdue != 0 {
		t.Fatalf("the late hire's plan: %+v", grace)
	}

	hire := browser(t)
	do(t, hire,
		chromedp.Navigate(link.Value),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), "grace's long password"),
		chromedp.SendKeys(chromedp.ID("confirm"), "grace's long password"),
		chromedp.Click(chromedp.ID("set-password-submit")),
		chromedp.WaitVisible(chromedp.ID("password-set")),
	)
	browserLogin(t, hire, base, "grace@demo.onramp", "grace's long password")
	if g := text(t, hire, "#greeting"); !strings.Contains(g, "Grace") {
		t.Fatalf("greeting = %q", g)
	}
	do(t, hire, chromedp.Navigate(base+"/people"), chromedp.WaitVisible(chromedp.ID("error")))
	status, err := chromedp.Run(hire, chromedp.AttributeValue(chromedp.ID("error"), "data-status"))
	if err != nil || status.Value != "403" {
		t.Fatalf("hire on /people: status %q, %v", status.Value, err)
	}

	// The link is spent: opening it again says so.
	do(t, hire, chromedp.Navigate(link.Value), chromedp.WaitVisible(chromedp.ID("link-invalid")))
}

// Every demo login works in the browser and lands on a home page.
func TestBrowserDemoLogins(t *testing.T) {
	p := startPortal(t)
	for _, email := range []string{"admin@demo.onramp", "hr@demo.onramp", "lead@demo.onramp", "it@demo.onramp", "mentor@demo.onramp", "hire@demo.onramp"} {
		ctx := browser(t)
		browserLogin(t, ctx, p.URL(), email, demoPassword)
		// Sign out sits in the account menu under the person's name.
		do(t, ctx, chromedp.Click(chromedp.CSS(".account-menu > summary")), chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	}
}
