package views_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"onramp.dev/views"
	"onramp.dev/views/static"
)

func TestNotificationPages(t *testing.T) {
	user := &views.User{ID: "u1", Name: "Una"}
	page := views.Page{User: user}
	evil := `<b onmouseover="x">`
	inbox := views.NotificationsView{Unread: 1, Total: 2, Next: "cursor=2", ShowIssues: true,
		Items: []views.NotificationRow{
			{ID: "n2", Title: evil, Body: "body", Link: "/onboarding", Created: "2026-12-02T09:00:00Z"},
			{ID: "n1", Title: "Old", Read: true, Created: "2026-12-01T09:00:00Z"},
		},
		Problems: []views.DeliveryProblemRow{{Name: "Bo", Email: "bo@example.org", Reason: "550 no such mailbox"}}}
	settings := views.NotifySettingsView{TimeZone: "Europe/Berlin", CalendarURL: "https://x/calendar/t.ics",
		Kinds: []views.NotifyKindRow{{Kind: "invite", Label: "Invitations", Mode: "immediate", Fixed: true},
			{Kind: "task_due", Label: "Reminders", Mode: "digest", Daily: true}, {Kind: "training_due", Label: "Training reminders", Mode: "off", Daily: true},
			{Kind: "cert_expiry", Label: "Certifications", Mode: "digest"}}}
	css, err := fs.ReadFile(static.FS, "onramp.css")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		c     templ.Component
		check func(d *goquery.Document) string
	}{
		{"inbox", views.NotificationsPage(page, inbox), func(d *goquery.Document) string {
			switch {
			case d.Find("#notifications li").Length() != 2:
				return "want 2 items"
			case d.Find(`li[data-notification-id="n2"].unread form[action="/notifications/n2/read"]`).Length() != 1:
				return "the unread item has no Mark read form"
			case d.Find(`li[data-notification-id="n1"] form`).Length() != 0:
				return "a read item offers Mark read"
			case d.Find("#read-all").Length() != 1 || d.Find(`#next-page[href="/notifications?cursor=2"]`).Length() != 1:
				return "no Mark all read or no next page"
			case !strings.Contains(d.Find("#delivery-problems").Text(), "550 no such mailbox"):
				return "delivery problems missing"
			case d.Find("[data-live='notify.person.u1']").Length() < 2:
				return "the page and the bell must listen on the person's topic"
			}
			return ""
		}},
		{"settings", views.NotifySettingsPage(page, settings), func(d *goquery.Document) string {
			switch {
			case d.Find(`select[name="email.invite"][disabled] option[selected][value="immediate"]`).Length() != 1:
				return "invitations must be sent at once, fixed"
			case d.Find(`select[name="email.task_due"] option[selected]`).AttrOr("value", "") != "immediate" ||
				!strings.Contains(d.Find(`select[name="email.task_due"] option[selected]`).Text(), "morning reminder"):
				return "a reminder taken as a digest must show as the morning reminder (they are the same)"
			case d.Find(`select[name="email.task_due"] option[value="digest"]`).Length() != 0:
				return "reminders must not offer a digest apart from the morning reminder"
			case d.Find(`select[name="email.training_due"] option[selected]`).AttrOr("value", "") != "off":
				return "a reminder switched off must show as never"
			case d.Find(`select[name="email.cert_expiry"] option[selected]`).AttrOr("value", "") != "digest":
				return "other kinds must show the digest"
			case d.Find(`label[for="email-task_due"]`).Length() != 1:
				return "each choice needs its label"
			case d.Find("#calendar-url").Text() != "https://x/calendar/t.ics" || d.Find("#calendar-reset").Length() != 1:
				return "calendar URL or reset missing"
			}
			return ""
		}},
		{"mailbox", views.MailboxPage(page, []views.MailRow{{To: "a@example.org", Subject: evil, Text: "hello"}}), func(d *goquery.Document) string {
			if d.Find("#mails li").Length() != 1 || !strings.Contains(d.Find("#mails").Text(), "hello") {
				return "the mail is missing"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		html, doc := render(t, tt.c)
		if strings.Contains(html, evil) {
			t.Errorf("%s: raw markup from data", tt.name)
		}
		if msg := tt.check(doc); msg != "" {
			t.Errorf("%s: %s", tt.name, msg)
		}
		doc.Find("[class]").Each(func(_ int, s *goquery.Selection) {
			for _, class := range strings.Fields(s.AttrOr("class", "")) {
				if !regexp.MustCompile(`\.` + regexp.QuoteMeta(class) + `\b`).Match(css) {
					t.Errorf("%s: class %q is not in onramp.css", tt.name, class)
				}
			}
		})
	}
	_, bell := render(t, views.Bell(user, 3, true))
	if bell.Find("#bell-count").Text() != "3" || bell.Find("#nav-bell").AttrOr("aria-label", "") != "Notifications, 3 unread" {
		t.Errorf("bell = %q", bell.Find("#nav-bell").Text())
	}
	// The layout's bell asks for its count on load; the counted one only on a change.
	if got := bell.Find("#nav-bell").AttrOr("hx-trigger", ""); got != "live" {
		t.Errorf("counted bell: hx-trigger %q, want live", got)
	}
	_, first := render(t, views.Bell(user, 0, false))
	if got := first.Find("#nav-bell").AttrOr("hx-trigger", ""); got != "load, live" {
		t.Errorf("layout bell: hx-trigger %q", got)
	}
}
