package e2e

import (
	"context"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"slices"
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
	do(t, lead, chromedp.WaitVisible(chromedp.CSS(`#nav-bell[hx-trigger="live"]`))) // the count has loaded
	before := unread(t, lead)

	hr := browser(t)
	browserLogin(t, hr, base, "hr@demo.onramp", demoPassword)
	browserInvite(t, hr, base, "ada@demo.onramp", "Ada Lovelace")

	// The e-mail, with the link. The "Plan created" e-mail may arrive before it.
	invitation := func() *mail.Message {
		for _, m := range ms.To("ada@demo.onramp") {
			if strings.Contains(m.Header.Get("Subject"), "set your password") {
				return m
			}
		}
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for invitation() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no invitation e-mail arrived (%d others)", len(ms.To("ada@demo.onramp")))
		}
		time.Sleep(20 * time.Millisecond)
	}
	msg := invitation()
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
	// The hire has exactly one notification: the plan. (The invitation is e-mail only, and
	// the hire's first own tasks are due after day one, too far off for a reminder.)
	waitBell(t, hire, func(n int) bool { return n >= 1 })
	do(t, hire, chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if s, n := text(t, hire, "#notifications"), count(t, hire, "#notifications li[data-notification-id]"); n != 1 || !strings.Contains(s, "Plan created") {
		t.Fatalf("the hire's %d notifications, want only Plan created: %q", n, s)
	}

	// The lead's page never reloaded: the count rose over /live, by the one new plan.
	waitBell(t, lead, func(n int) bool { return n == before+1 })
	do(t, lead, chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if s := text(t, lead, "#notifications li[data-notification-id]"); !strings.HasPrefix(strings.TrimSpace(s), "Plan created for Ada Lovelace") {
		t.Fatalf("the lead's newest notification: %q", s)
	}
}

// count is the number of elements matching sel.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	return n
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

// The notification API over HTTP: lists, paging, read, settings (422 for unknown kinds and
// zones), the calendar URL and its reset; nobody sees another person's notifications.
func TestNotifyAPI(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	lead := token(t, c, "lead@demo.onramp")
	hire := token(t, c, "hire@demo.onramp")

	type list struct {
		Items []struct {
			ID, Kind, Title, Body, Link, Created string
			Read                                 bool
		} `json:"items"`
		Total int     `json:"total"`
		Next  *string `json:"next"`
	}
	get := func(tok, query string) list {
		t.Helper()
		resp := c.do(t, "GET", "/api/v1/me/notifications"+query, "", "", bearer(tok)...)
		if resp.StatusCode != 200 {
			t.Fatalf("list%s: %d", query, resp.StatusCode)
		}
		return decodeJSON[list](t, resp)
	}
	// The demo's plan for Harper told Harper and their lead.
	deadline := time.Now().Add(30 * time.Second)
	for get(lead, "").Total == 0 || get(hire, "").Total == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no notifications from the demo")
		}
		time.Sleep(50 * time.Millisecond)
	}
	all := get(lead, "")
	first := get(lead, "?limit=1")
	if len(first.Items) != 1 || (all.Total > 1) != (first.Next != nil) || first.Items[0].ID != all.Items[0].ID {
		t.Fatalf("limit=1: %+v (all %d)", first, all.Total)
	}
	if resp := c.do(t, "GET", "/api/v1/me/notifications?limit=0", "", "", bearer(lead)...); resp.StatusCode != 422 {
		t.Errorf("limit=0: %d, want 422", resp.StatusCode)
	}
	id := all.Items[0].ID
	if resp := c.do(t, "POST", "/api/v1/me/notifications/"+id+"/read", "", "", bearer(hire)...); resp.StatusCode != 404 {
		t.Errorf("the hire marking the lead's notification: %d, want 404", resp.StatusCode)
	}
	// The inbox page's Mark read on an item no longer in the person's inbox (trimmed since
	// the page was shown, or never theirs) shows the inbox again and changes nothing.
	browser := newSignedIn(t, p.URL(), "hire@demo.onramp")
	if resp := browser.do(t, "POST", "/notifications/"+id+"/read", "application/x-www-form-urlencoded", ""); resp.StatusCode != 303 || resp.Header.Get("Location") != "/notifications" {
		t.Errorf("the hire's Mark read on an item not in their inbox: %d to %q, want 303 to /notifications", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := get(lead, "?unread=true"); !slices.ContainsFunc(got.Items, func(it struct {
		ID, Kind, Title, Body, Link, Created string
		Read                                 bool
	}) bool {
		return it.ID == id
	}) {
		t.Errorf("the lead's item is no longer unread after the hire's attempt")
	}
	if resp := c.do(t, "POST", "/api/v1/me/notifications/"+id+"/read", "", "", bearer(lead)...); resp.StatusCode != 200 {
		t.Fatalf("read: %d", resp.StatusCode)
	}
	if resp := c.do(t, "POST", "/api/v1/me/notifications/read-all", "", "", bearer(lead)...); resp.StatusCode != 200 {
		t.Fatalf("read-all: %d", resp.StatusCode)
	}
	if got := get(lead, "?unread=true"); got.Total != 0 {
		t.Fatalf("unread after read-all: %d", got.Total)
	}

	for body, field := range map[string]string{
		`{"email":{"birthday":"off"}}`: "email.birthday",
		`{"time_zone":"Mars/Olympus"}`: "time_zone",
	} {
		resp := c.do(t, "PUT", "/api/v1/me/notification-settings", "application/json", body, bearer(lead)...)
		e := decodeJSON[apiError](t, resp)
		if resp.StatusCode != 422 || e.Error.Fields[field] == "" {
			t.Errorf("%s: %d %+v, want 422 naming %s", body, resp.StatusCode, e, field)
		}
	}
	resp := c.do(t, "PUT", "/api/v1/me/notification-settings", "application/json", `{"time_zone":"Europe/Berlin","email":{"task_due":"off"}}`, bearer(lead)...)
	if s := decodeJSON[struct {
		TimeZone string            `json:"time_zone"`
		Email    map[string]string `json:"email"`
	}](t, resp); resp.StatusCode != 200 || s.TimeZone != "Europe/Berlin" || s.Email["task_due"] != "off" {
		t.Fatalf("settings: %d %+v", resp.StatusCode, s)
	}

	// The calendar: a URL, the feed behind it without signing in, a reset that ends it.
	type cal struct {
		URL string `json:"url"`
	}
	u := decodeJSON[cal](t, c.do(t, "GET", "/api/v1/me/calendar", "", "", bearer(hire)...)).URL
	if !strings.HasPrefix(u, p.URL()+"/calendar/") || !strings.HasSuffix(u, ".ics") {
		t.Fatalf("calendar url %q", u)
	}
	anon := newClient(p.URL())
	feed := anon.do(t, "GET", strings.TrimPrefix(u, p.URL()), "", "")
	if feed.StatusCode != 200 || !strings.HasPrefix(feed.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", feed.StatusCode, feed.Header.Get("Content-Type"))
	}
	fresh := decodeJSON[cal](t, c.do(t, "POST", "/api/v1/me/calendar/reset", "", "", bearer(hire)...)).URL
	if fresh == u {
		t.Fatal("reset kept the URL")
	}
	if r := anon.do(t, "GET", strings.TrimPrefix(u, p.URL()), "", ""); r.StatusCode != 404 {
		t.Errorf("the old URL: %d, want 404", r.StatusCode)
	}
	if r := anon.do(t, "GET", strings.TrimPrefix(fresh, p.URL()), "", ""); r.StatusCode != 200 {
		t.Errorf("the new URL: %d", r.StatusCode)
	}
	// The live topic of another person is refused.
	if r := c.do(t, "GET", "/live?topic=notify.person.demo-lead", "", "", bearer(hire)...); r.StatusCode != 403 {
		t.Errorf("listening on another person's notifications: %d, want 403", r.StatusCode)
	}
}

// Without a mail server, the demo keeps every e-mail in the process: admins read them at
// /admin/mail; nobody else may.
func TestDemoMailbox(t *testing.T) {
	p := startPortal(t, func(c *portal.Config) { c.Demo = true })
	admin := newClient(p.URL())
	login(t, admin, "admin@demo.onramp")
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp := admin.do(t, "GET", "/admin/mail", "", "")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("/admin/mail: %d", resp.StatusCode)
		}
		if strings.Contains(string(body), "Plan created") && strings.Contains(string(body), "kept") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo's e-mail is not in the mailbox:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	hr := newClient(p.URL())
	login(t, hr, "hr@demo.onramp")
	if resp := hr.do(t, "GET", "/admin/mail", "", ""); resp.StatusCode != 403 {
		t.Errorf("HR on /admin/mail: %d, want 403", resp.StatusCode)
	}
}
