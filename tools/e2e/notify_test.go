package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"onramp.dev/services/notify/smtptest"
	"onramp.dev/tools/portal"
)

var linkPattern = regexp.MustCompile(`https?://\S+/set-password\?token=[A-Za-z0-9_%-]+`)

// HR invites a hire in the browser; the invitation arrives at the in-process SMTP server
// with a working link; the hire sets a password with it, signs in and finds "Plan created"
// behind the bell; the lead, signed in all along, sees their bell count rise live.
func TestBrowserInviteEmailAndBell(t *testing.T) {
	ms := smtptest.Start(t)
	p := startPortal(t, func(c *portal.Config) { c.SMTPURL = ms.URL() })
	base := p.URL()

	lead := browser(t)
	browserLogin(t, lead, base, "lead@demo.onramp", demoPassword)
	do(t, lead, chromedp.WaitVisible(chromedp.ID("nav-bell")))
	before := unread(t, lead)

	hr := browser(t)
	browserLogin(t, hr, base, "hr@demo.onramp", demoPassword)
	start := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	do(t, hr,
		chromedp.Navigate(base+"/people"),
		chromedp.WaitVisible(chromedp.ID("invite-form")),
		chromedp.SendKeys(chromedp.ID("invite-email"), "ada@demo.onramp"),
		chromedp.SendKeys(chromedp.ID("invite-name"), "Ada Lovelace"),
		chromedp.SetValue(chromedp.ID("invite-track"), "development"),
		chromedp.SendKeys(chromedp.ID("invite-team"), "platform"),
		chromedp.SetValue(chromedp.ID("invite-lead"), "demo-lead"),
		chromedp.SetValue(chromedp.ID("invite-start_date"), start),
		chromedp.Click(chromedp.ID("invite-submit")),
		chromedp.WaitVisible(chromedp.ID("invite-link")),
	)

	// The e-mail, with the link.
	deadline := time.Now().Add(30 * time.Second)
	for len(ms.To("ada@demo.onramp")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no invitation e-mail arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
	msg := ms.To("ada@demo.onramp")[0]
	body, html, err := smtptest.Parts(msg)
	if err != nil {
		t.Fatal(err)
	}
	link := linkPattern.FindString(body)
	if link == "" || !strings.HasPrefix(link, base+"/set-password?token=") || !strings.Contains(html, link) {
		t.Fatalf("no working link in the e-mail (base %s):\n%s", base, body)
	}
	if msg.Header.Get("Message-ID") == "" || !strings.Contains(msg.Header.Get("List-Unsubscribe"), "/settings/notifications") {
		t.Errorf("headers: %v", msg.Header)
	}

	hire := browser(t)
	do(t, hire,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), "ada's long password"),
		chromedp.SendKeys(chromedp.ID("confirm"), "ada's long password"),
		chromedp.Click(chromedp.ID("set-password-submit")),
		chromedp.WaitVisible(chromedp.ID("password-set")),
	)
	browserLogin(t, hire, base, "ada@demo.onramp", "ada's long password")
	waitBell(t, hire, func(n int) bool { return n >= 1 })
	do(t, hire, chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if s := text(t, hire, "#notifications"); !strings.Contains(s, "Plan created") {
		t.Fatalf("the hire's notifications: %q", s)
	}

	// The lead's page never reloaded: the count rose over /live.
	waitBell(t, lead, func(n int) bool { return n == before+1 })
}

func unread(t *testing.T, ctx context.Context) int {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("bell-count")||{textContent:"0"}).textContent`))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func waitBell(t *testing.T, ctx context.Context, ok func(int) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := unread(t, ctx)
		if ok(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bell shows %d", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
