package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/services/notify"
)

// ladderCount counts person's notifications of kind by rung name (the key's last part).
func (f *fixture) ladder(person string) map[string]int {
	out := map[string]int{}
	for _, k := range f.recipient(person).Fired {
		if strings.HasPrefix(k, "ladder:") {
			out[k[strings.LastIndex(k, ":")+1:]]++
		}
	}
	return out
}

func (f *fixture) sweepAt(t *testing.T, at time.Time) {
	t.Helper()
	f.setNow(at)
	if _, err := f.m.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestTaskLadder moves a clock through one task's ladder: one notification (and e-mail)
// per rung, the lead at 2 days overdue, HR at 7, nothing on weekends or before 09:00, a
// new due date starts again and completion stops it.
func TestTaskLadder(t *testing.T) {
	f := setup(t)
	hr := f.hire("hr1", "people", "", events.RoleHR)
	lead := f.hire("lead1", "platform", "", events.RoleLead)
	h := f.hire("h1", "platform", "lead1", events.RoleHire)
	f.append("onboarding", "plan-h1", events.PlanCreated{Hire: "h1", Name: "Name h1", Team: "platform", Lead: "lead1", Track: "platform",
		StartDate: "2026-11-23", TemplateVersion: 1, Source: events.NewID(time.Now()),
		Tasks: []events.PlanTask{{ID: "t1", Title: "Read the handbook", Section: "Week 1", Owner: events.OwnerHire, Assignee: "h1", Due: "2026-12-02"}}})
	waitFor(t, "the agenda to hold the task", func() bool { _, ok := f.m.agenda.Item("task:plan-h1:t1"); return ok })

	day := func(d int, hour int) time.Time { return time.Date(2026, 11, d, hour, 0, 0, 0, time.UTC) }
	dec := func(d int) time.Time { return time.Date(2026, 12, d, 10, 0, 0, 0, time.UTC) }
	steps := []struct {
		at                time.Time
		hire, lead, hrMan map[string]int
	}{
		{day(29, 10), map[string]int{}, map[string]int{}, map[string]int{}},                 // Sunday
		{day(30, 8), map[string]int{}, map[string]int{}, map[string]int{}},                  // Monday, before 09:00
		{day(30, 10), map[string]int{"soon": 1}, map[string]int{}, map[string]int{}},        // due in 2 days
		{day(30, 17), map[string]int{"soon": 1}, map[string]int{}, map[string]int{}},        // again the same day
		{dec(1), map[string]int{"soon": 1}, map[string]int{}, map[string]int{}},             // tomorrow: soon already said
		{dec(2), map[string]int{"soon": 1, "today": 1}, map[string]int{}, map[string]int{}}, // due today
		{dec(3), map[string]int{"soon": 1, "today": 1, "overdue-1": 1}, map[string]int{}, map[string]int{}},
		{dec(4), map[string]int{"soon": 1, "today": 1, "overdue-1": 1, "overdue-2": 1}, map[string]int{"lead": 1}, map[string]int{}},
		{dec(5), map[string]int{"soon": 1, "today": 1, "overdue-1": 1, "overdue-2": 1}, map[string]int{"lead": 1}, map[string]int{}}, // Saturday
		{dec(7), map[string]int{"soon": 1, "today": 1, "overdue-1": 1, "overdue-2": 1, "overdue-5": 1}, map[string]int{"lead": 1}, map[string]int{}},
		{dec(9), map[string]int{"soon": 1, "today": 1, "overdue-1": 1, "overdue-2": 1, "overdue-5": 1, "overdue-7": 1}, map[string]int{"lead": 1}, map[string]int{"hr": 1}},
		{dec(9), map[string]int{"soon": 1, "today": 1, "overdue-1": 1, "overdue-2": 1, "overdue-5": 1, "overdue-7": 1}, map[string]int{"lead": 1}, map[string]int{"hr": 1}},
	}
	for i, s := range steps {
		f.sweepAt(t, s.at)
		for _, c := range []struct {
			who  person
			want map[string]int
		}{{h, s.hire}, {lead, s.lead}, {hr, s.hrMan}} {
			if got := f.ladder(c.who.id); !equal(got, c.want) {
				t.Fatalf("step %d (%s): %s got %v, want %v", i, s.at.Format(time.RFC1123), c.who.id, got, c.want)
			}
		}
	}

	// A new due date starts the ladder again.
	f.append("lead1", "plan-h1", events.TaskChanged{Task: "t1", Due: "2026-12-11"})
	waitFor(t, "the new due date", func() bool { it, _ := f.m.agenda.Item("task:plan-h1:t1"); return it.Due == "2026-12-11" })
	f.sweepAt(t, dec(10))
	if got := f.ladder(h.id)["soon"]; got != 2 {
		t.Fatalf("after the new due date: %d soon reminders, want 2 (one per due date)", got)
	}
	// Completing it stops the ladder.
	f.append("h1", "plan-h1", events.TaskCompleted{Task: "t1"})
	waitFor(t, "the task done", func() bool { it, _ := f.m.agenda.Item("task:plan-h1:t1"); return it.Done })
	before := len(f.recipient(h.id).Fired)
	for _, d := range []int{11, 14, 15, 21} {
		f.sweepAt(t, dec(d))
	}
	if after := len(f.recipient(h.id).Fired); after != before {
		t.Fatalf("%d notifications after completion", after-before)
	}

	// Each reminder went out by e-mail once, too.
	reminders := func(addr string) int {
		n := 0
		for _, m := range f.mailsTo(addr) {
			if !strings.HasPrefix(m.Header.Get("Subject"), "Plan created") {
				n++
			}
		}
		return n
	}
	waitFor(t, "every reminder at the mail server", func() bool {
		return reminders(h.email) == 7 && reminders(lead.email) == 1 && reminders(hr.email) == 1
	})
	var inbox []notify.Item
	f.m.el.Read(func() { r, _ := f.m.state.Recipient(lead.id); inbox = r.Items })
	if len(inbox) != 2 || !strings.HasPrefix(inbox[1].Title, "Overdue 2 days: Read the handbook (Name h1)") {
		t.Errorf("lead's inbox = %+v", inbox)
	}
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDailyDigest: task assignments reach people in the app at once and by e-mail in one
// digest a day, listing what is new since the last one.
func TestDailyDigest(t *testing.T) {
	f := setup(t)
	it := f.hire("it1", "it", "", events.RoleIT)
	off := f.hire("it2", "it", "", events.RoleIT)
	if _, err := call[events.NotifySettings](f, events.OpNotifySettingsPut, off.caller,
		events.NotifySettings{Email: map[string]string{events.KindTaskAssigned: events.EmailOff}}); err != nil {
		t.Fatal(err)
	}
	now := f.hire("it3", "it", "", events.RoleIT)
	if _, err := call[events.NotifySettings](f, events.OpNotifySettingsPut, now.caller,
		events.NotifySettings{Email: map[string]string{events.KindTaskAssigned: events.EmailImmediate}}); err != nil {
		t.Fatal(err)
	}
	add := func(task string) {
		f.append("lead1", "plan-h1", events.TaskAdded{Task: events.PlanTask{ID: task, Title: "Order a " + task, Section: "Before day 1",
			Owner: events.OwnerIT, Assignee: events.QueueIT, Due: "2026-12-20"}})
	}
	add("laptop")
	add("badge")
	waitFor(t, "two items each", func() bool {
		return len(f.recipient(it.id).Items) == 2 && len(f.recipient(off.id).Items) == 2 && len(f.recipient(now.id).Items) == 2
	})
	digests := func(addr string) []string {
		var out []string
		for _, m := range f.mailsTo(addr) {
			text, _ := parts(t, m)
			out = append(out, m.Header.Get("Subject")+"|"+text)
		}
		return out
	}
	var mails []notify.Mail
	f.m.el.Read(func() { mails = f.m.state.Mails(10) })
	for _, m := range mails {
		if m.Person != now.id {
			t.Fatalf("task assignments were e-mailed one by one to %s", m.Person)
		}
	}
	monday := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	f.sweepAt(t, monday)
	f.sweepAt(t, monday.Add(time.Hour))
	waitFor(t, "the digest", func() bool { return len(digests(it.email)) == 1 })
	d := digests(it.email)[0]
	if !strings.HasPrefix(d, "Onramp: 2 updates|") || !strings.Contains(d, "- Task assigned: Order a laptop") || !strings.Contains(d, "- Task assigned: Order a badge") {
		t.Fatalf("digest = %q", d)
	}
	add("monitor")
	waitFor(t, "a third item", func() bool { return len(f.recipient(it.id).Items) == 3 })
	f.sweepAt(t, monday.AddDate(0, 0, 1))
	waitFor(t, "the second digest", func() bool { return len(digests(it.email)) == 2 })
	if d := digests(it.email)[1]; !strings.HasPrefix(d, "Onramp: 1 update|") || strings.Contains(d, "laptop") {
		t.Fatalf("second digest = %q", d)
	}
	if got := digests(off.email); len(got) != 0 {
		t.Fatalf("a person who switched task e-mail off got %v", got)
	}
	// Who chose "at once" got each assignment at once, and no digest.
	waitFor(t, "it3's three e-mails", func() bool { return len(f.mailsTo(now.email)) == 3 })
	for _, m := range f.mailsTo(now.email) {
		if !strings.HasPrefix(m.Header.Get("Subject"), "Task assigned: Order a ") {
			t.Errorf("it3 got %q", m.Header.Get("Subject"))
		}
	}
}

// TestCertificationsAndCheckinSilence: a certification's holder and lead hear at 90, 60 and
// 30 days and at expiry, once each; an active mentorship without a check-in for 14 days
// reaches mentor and hire once per silence.
func TestCertificationsAndCheckinSilence(t *testing.T) {
	f := setup(t)
	lead := f.hire("lead1", "platform", "", events.RoleLead)
	holder := f.hire("c1", "platform", "lead1", events.RoleMentor)
	hire := f.hire("h1", "platform", "lead1", events.RoleHire)
	f.append("c1", "c1", events.CertificationAdded{ID: "cka", Name: "CKA", Issuer: "CNCF", Issued: "2024-01-01", Expires: "2027-03-01"})
	waitFor(t, "the certification tracked", func() bool { _, ok := f.m.agenda.Item("cert:c1:cka"); return ok })
	at := func(date string) time.Time {
		d, _ := time.Parse(time.DateOnly, date)
		return d.Add(10 * time.Hour)
	}
	rungs := func(p person) map[string]int {
		out := map[string]int{}
		for k, v := range f.ladder(p.id) {
			out[k] = v
		}
		return out
	}
	for _, s := range []struct {
		date string
		want map[string]int
	}{
		{"2026-11-30", map[string]int{}},                                        // 91 days ahead
		{"2026-12-01", map[string]int{"90": 1}},                                 // 90
		{"2026-12-15", map[string]int{"90": 1}},                                 // 76
		{"2026-12-31", map[string]int{"90": 1, "60": 1}},                        // 60
		{"2027-02-01", map[string]int{"90": 1, "60": 1, "30": 1}},               // 28: the 30-day notice
		{"2027-03-01", map[string]int{"90": 1, "60": 1, "30": 1, "expired": 1}}, // expired
		{"2027-03-02", map[string]int{"90": 1, "60": 1, "30": 1, "expired": 1}}, // nothing more
	} {
		f.sweepAt(t, at(s.date))
		for _, p := range []person{holder, lead} {
			if got := rungs(p); !equal(got, s.want) {
				t.Fatalf("%s: %s got %v, want %v", s.date, p.id, got, s.want)
			}
		}
	}

	// Mentorship silence.
	pair := events.NewID(time.Now())
	f.append("m1", pair, events.MentorshipAccepted{Hire: hire.id, Mentor: holder.id})
	waitFor(t, "the pair tracked", func() bool { return len(f.m.agenda.Silent("2100-01-01")) == 1 })
	started := time.Now().UTC()
	silences := func(p person) int {
		n := 0
		for _, k := range f.recipient(p.id).Fired {
			if strings.HasPrefix(k, "silence:") {
				n++
			}
		}
		return n
	}
	weekday := func(d time.Time) time.Time {
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, time.UTC)
	}
	f.sweepAt(t, weekday(started.AddDate(0, 0, 10)))
	if silences(hire) != 0 {
		t.Fatal("a silence after 10 days")
	}
	f.sweepAt(t, weekday(started.AddDate(0, 0, 15)))
	f.sweepAt(t, weekday(started.AddDate(0, 0, 16)))
	if silences(hire) != 1 || silences(holder) != 1 {
		t.Fatalf("after 15–16 days: hire %d, mentor %d silence notices; want 1 each", silences(hire), silences(holder))
	}
	checkin := weekday(started.AddDate(0, 0, 17))
	f.append("c1", pair, events.CheckinLogged{ID: "ci1", Hire: hire.id, Mentor: holder.id, Date: checkin.Format(time.DateOnly), Notes: "met"})
	waitFor(t, "the check-in", func() bool { return len(f.m.agenda.Silent(checkin.Format(time.DateOnly))) == 0 })
	f.sweepAt(t, weekday(checkin.AddDate(0, 0, 5)))
	if silences(hire) != 1 {
		t.Fatal("a silence notice right after a check-in")
	}
	f.sweepAt(t, weekday(checkin.AddDate(0, 0, 15)))
	if silences(hire) != 2 {
		t.Fatalf("a new silence after the check-in: %d notices, want 2", silences(hire))
	}
}
