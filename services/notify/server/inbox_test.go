package server

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"onramp.dev/events"
)

func TestInboxReadAndSettings(t *testing.T) {
	f := setup(t)
	lead := f.hire("lead1", "platform", "", events.RoleLead)
	mentor := f.hire("m1", "platform", "lead1", events.RoleMentor)
	hire := f.hire("h1", "platform", "lead1", events.RoleHire)
	other := f.hire("o1", "platform", "lead1", events.RoleHire)

	// Three mentorship notifications for the mentor, oldest first.
	for i := range 3 {
		f.append("lead1", events.NewID(time.Now()), events.MentorshipProposed{Hire: hire.id, Mentor: mentor.id, Score: 50 + i})
	}
	waitFor(t, "three notifications", func() bool { return len(f.recipient(mentor.id).Items) == 3 })

	list := func(c person, req events.NotificationsRequest) events.NotificationsReply {
		t.Helper()
		out, err := call[events.NotificationsReply](f, events.OpNotifications, c.caller, req)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	page := list(mentor, events.NotificationsRequest{Limit: 2})
	if page.Total != 3 || len(page.Items) != 2 || page.Next == "" || page.Unread != 3 {
		t.Fatalf("first page = %+v", page)
	}
	rest := list(mentor, events.NotificationsRequest{Limit: 2, Cursor: page.Next})
	if len(rest.Items) != 1 || rest.Next != "" || rest.Items[0].Created > page.Items[1].Created {
		t.Fatalf("second page = %+v", rest)
	}
	if got := list(other, events.NotificationsRequest{}); got.Total != 0 {
		t.Fatalf("another person sees %d notifications", got.Total)
	}
	for _, bad := range []events.NotificationsRequest{{Limit: 101}, {Cursor: "x"}} {
		if _, err := call[events.NotificationsReply](f, events.OpNotifications, mentor.caller, bad); events.CodeOf(err) != events.CodeInvalid {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}

	// Reading: one's own item only; then all.
	id := page.Items[0].ID
	if _, err := call[empty](f, events.OpNotificationRead, other.caller, events.NotificationReadRequest{ID: id}); events.CodeOf(err) != events.CodeNotFound {
		t.Errorf("another person marking it read: %v, want not found", err)
	}
	if _, err := call[empty](f, events.OpNotificationRead, mentor.caller, events.NotificationReadRequest{ID: id}); err != nil {
		t.Fatal(err)
	}
	if got := list(mentor, events.NotificationsRequest{Unread: true}); got.Total != 2 || got.Unread != 2 {
		t.Fatalf("after reading one: %+v", got)
	}
	if _, err := call[empty](f, events.OpNotificationRead, mentor.caller, events.NotificationReadRequest{All: true}); err != nil {
		t.Fatal(err)
	}
	if got := list(mentor, events.NotificationsRequest{Unread: true}); got.Total != 0 {
		t.Fatalf("after reading all: %+v", got)
	}

	// Settings: unknown kinds, choices and zones are refused; invitations stay on.
	for _, bad := range []events.NotifySettings{
		{Email: map[string]string{"birthday": "off"}},
		{Email: map[string]string{events.KindTaskDue: "weekly"}},
		{Email: map[string]string{events.KindInvite: "off"}},
		{TimeZone: "Mars/Olympus"},
		{DateFormat: "klingon"},
	} {
		_, err := call[events.NotifySettings](f, events.OpNotifySettingsPut, lead.caller, bad)
		var e *events.Error
		if events.CodeOf(err) != events.CodeInvalid || !asError(err, &e) || len(e.Fields) != 1 {
			t.Errorf("%+v: %v, want invalid naming the field", bad, err)
		}
	}
	if got, err := call[events.NotifySettings](f, events.OpNotifySettings, hire.caller, struct{}{}); err != nil || got.DateFormat != events.DateFormatGB {
		t.Fatalf("default date format: %+v, %v", got, err)
	}
	got, err := call[events.NotifySettings](f, events.OpNotifySettingsPut, hire.caller,
		events.NotifySettings{TimeZone: "Europe/Berlin", DateFormat: events.DateFormatUS, Email: map[string]string{events.KindMentorshipUpdates: events.EmailOff}})
	if err != nil || got.TimeZone != "Europe/Berlin" || got.DateFormat != events.DateFormatUS || got.Email[events.KindMentorshipUpdates] != events.EmailOff || got.Email[events.KindTaskDue] != events.EmailImmediate {
		t.Fatalf("settings = %+v, %v", got, err)
	}
	// With mentorship e-mail off, the hire is told in the app only; the lead by e-mail too.
	f.append("m1", events.NewID(time.Now()), events.MentorshipAccepted{Hire: hire.id, Mentor: mentor.id})
	waitFor(t, "the lead's e-mail", func() bool { return len(f.mailsTo(lead.email)) == 1 })
	if r := f.recipient(hire.id); len(r.Items) != 1 || len(f.mailsTo(hire.email)) != 0 {
		t.Errorf("hire: %d items, %d mails; want 1 item, no mail", len(r.Items), len(f.mailsTo(hire.email)))
	}
}

func asError(err error, e **events.Error) bool {
	x, ok := err.(*events.Error)
	*e = x
	return ok
}

func TestCalendarFeed(t *testing.T) {
	f := setup(t)
	h := f.hire("h1", "platform", "", events.RoleHire)
	long := "Set up the laptop, the VPN, the password manager; read the security policy, and sign the acceptable-use form — all of it"
	f.append("onboarding", "plan-h1", events.PlanCreated{Hire: "h1", Name: "Name h1", Team: "platform", Track: "platform",
		StartDate: "2026-11-23", TemplateVersion: 1, Source: events.NewID(time.Now()),
		Tasks: []events.PlanTask{{ID: "t1", Title: long, Section: "Week 1", Owner: events.OwnerHire, Assignee: "h1", Due: "2026-12-02"}}})
	f.append("lead1", "asg-1", events.AssignmentCreated{Module: "phishing", Kind: events.AssignPerson, Target: "h1", Due: "2026-12-09", People: []string{"h1"}})
	waitFor(t, "both items in the agenda", func() bool { return len(f.m.agenda.Of("h1")) == 2 })

	cal, err := call[events.CalendarReply](f, events.OpCalendarURL, h.caller, events.CalendarRequest{})
	if err != nil || len(cal.Token) < 43 {
		t.Fatalf("calendar = %+v, %v", cal, err)
	}
	again, _ := call[events.CalendarReply](f, events.OpCalendarURL, h.caller, events.CalendarRequest{})
	if again.Token != cal.Token {
		t.Fatal("asking twice gave two different URLs")
	}
	feed := func(tok string) (string, error) {
		out, err := call[events.CalendarFeedReply](f, events.OpCalendarFeed, h.caller, events.CalendarFeedRequest{Token: tok})
		return out.ICS, err
	}
	ics, err := feed(cal.Token)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 5545: CRLF line ends, lines of at most 75 octets.
	if strings.Contains(strings.ReplaceAll(ics, "\r\n", ""), "\n") || !strings.HasSuffix(ics, "\r\n") {
		t.Error("lines must end with CRLF")
	}
	for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	events1 := parseICS(t, ics)
	if len(events1) != 2 {
		t.Fatalf("%d events, want 2", len(events1))
	}
	task := events1["task:plan-h1:t1@onramp"]
	if task == nil {
		t.Fatalf("no task event among %v", events1)
	}
	if s, _ := task.Props.Text(ical.PropSummary); s != long {
		t.Errorf("SUMMARY = %q (unfolded), want %q", s, long)
	}
	start := task.Props.Get(ical.PropDateTimeStart)
	if start == nil || start.ValueType() != ical.ValueDate || start.Value != "20261202" {
		t.Errorf("DTSTART = %+v, want VALUE=DATE 20261202", start)
	}
	if task.Props.Get(ical.PropDateTimeStamp) == nil {
		t.Error("no DTSTAMP")
	}
	seq := func(ev *ical.Event) string { return ev.Props.Get(ical.PropSequence).Value }
	if seq(task) != "0" {
		t.Errorf("SEQUENCE = %s, want 0", seq(task))
	}

	// A changed due date: same UID, higher SEQUENCE.
	f.append("lead1", "plan-h1", events.TaskChanged{Task: "t1", Due: "2026-12-04"})
	waitFor(t, "the new due date", func() bool { it, _ := f.m.agenda.Item("task:plan-h1:t1"); return it.Due == "2026-12-04" })
	ics, _ = feed(cal.Token)
	task = parseICS(t, ics)["task:plan-h1:t1@onramp"]
	if task == nil || seq(task) != "1" || task.Props.Get(ical.PropDateTimeStart).Value != "20261204" {
		t.Fatalf("after the change: %+v", task)
	}

	// Reset: the old URL is gone, the new one works; an unknown token is as unknown.
	fresh, err := call[events.CalendarReply](f, events.OpCalendarURL, h.caller, events.CalendarRequest{Reset: true})
	if err != nil || fresh.Token == cal.Token {
		t.Fatalf("reset = %+v, %v", fresh, err)
	}
	for _, tok := range []string{cal.Token, strings.Repeat("A", 43)} {
		if _, err := feed(tok); events.CodeOf(err) != events.CodeNotFound {
			t.Errorf("token %s…: %v, want not found", tok[:6], err)
		}
	}
	if _, err := feed(fresh.Token); err != nil {
		t.Errorf("the new URL: %v", err)
	}
	// An upcoming mentorship check-in is in the feed; the lead's feed sums up the team's
	// overdue items once the task is late.
	pair := events.NewID(time.Now())
	f.append("m1", pair, events.MentorshipAccepted{Hire: h.id, Mentor: "m1"})
	f.append("m1", pair, events.CheckinLogged{ID: "ci1", Hire: h.id, Mentor: "m1", Date: "2026-12-01", Notes: "next week"})
	waitFor(t, "the check-in in the agenda", func() bool { return len(f.m.agenda.Checkins(h.id, "2026-11-23")) == 1 })
	ics, _ = feed(fresh.Token)
	if ev := parseICS(t, ics)["checkin:"+pair+":ci1@onramp"]; ev == nil || ev.Props.Get(ical.PropDateTimeStart).Value != "20261201" {
		t.Errorf("check-in event: %+v", ev)
	}
	lead := f.hire("lead1", "platform", "", events.RoleLead)
	f.hire("h2", "platform", "lead1", events.RoleHire)
	f.append("onboarding", "plan-h2", events.PlanCreated{Hire: "h2", Name: "Name h2", Team: "platform", Lead: "lead1", Track: "platform",
		StartDate: "2026-11-23", TemplateVersion: 1, Source: events.NewID(time.Now()),
		Tasks: []events.PlanTask{{ID: "t9", Title: "Late task", Section: "Week 1", Owner: events.OwnerHire, Assignee: "h2", Due: "2026-11-20"}}})
	waitFor(t, "the late task", func() bool { _, ok := f.m.agenda.Item("task:plan-h2:t9"); return ok })
	lc, err := call[events.CalendarReply](f, events.OpCalendarURL, lead.caller, events.CalendarRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ics, _ = feed(lc.Token)
	sum := parseICS(t, ics)["team-overdue:2026-11-23@onramp"]
	if sum == nil {
		t.Fatalf("no team summary in the lead's feed:\n%s", ics)
	}
	if s, _ := sum.Props.Text(ical.PropSummary); s != "1 overdue item in your team" {
		t.Errorf("summary = %q", s)
	}
	if d, _ := sum.Props.Text(ical.PropDescription); !strings.Contains(d, "Late task (due 2026-11-20)") {
		t.Errorf("description = %q", d)
	}

	// One item as its own calendar: for its holder and their lead, as unknown to others.
	one, err := call[events.CalendarFeedReply](f, events.OpCalendarItem, lead.caller, events.CalendarItemRequest{Key: "task:plan-h2:t9"})
	if err != nil || len(parseICS(t, one.ICS)) != 1 || parseICS(t, one.ICS)["task:plan-h2:t9@onramp"] == nil {
		t.Errorf("the lead's download: %v\n%s", err, one.ICS)
	}
	if _, err := call[events.CalendarFeedReply](f, events.OpCalendarItem, h.caller, events.CalendarItemRequest{Key: "task:plan-h2:t9"}); events.CodeOf(err) != events.CodeNotFound {
		t.Errorf("another hire's task: %v, want not found", err)
	}

	// Only the token's hash is kept.
	r := f.recipient(h.id)
	if r.CalendarHash == "" || strings.Contains(r.CalendarHash, fresh.Token) || r.CalendarHash != hashToken(fresh.Token) {
		t.Errorf("stored %q", r.CalendarHash)
	}
}

// parseICS decodes a feed with an independent parser and returns its events by UID.
func parseICS(t *testing.T, ics string) map[string]*ical.Event {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(ics)).Decode()
	if err != nil {
		t.Fatalf("not iCalendar: %v\n%s", err, ics)
	}
	out := map[string]*ical.Event{}
	for _, ev := range cal.Events() {
		uid, err := ev.Props.Text(ical.PropUID)
		if err != nil {
			t.Fatal(err)
		}
		ev := ev
		out[uid] = &ev
	}
	return out
}
