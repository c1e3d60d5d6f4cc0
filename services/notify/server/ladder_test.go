package server

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/services/notify"
)

// ladder counts person's certification rungs by name (the key's last part).
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

// reminders are person's daily reminders in the inbox, oldest first.
func (f *fixture) reminders(person string) []notify.Item {
	var out []notify.Item
	for _, it := range f.recipient(person).Items {
		if it.Kind == events.KindTaskDue || it.Kind == events.KindTrainingDue {
			out = append(out, it)
		}
	}
	return out
}

// reminderMails are the messages at the mail server for addr that are reminders (every
// e-mail but the plan's).
func (f *fixture) reminderMails(addr string) []*mail.Message {
	var out []*mail.Message
	for _, m := range f.mailsTo(addr) {
		if !strings.HasPrefix(m.Header.Get("Subject"), "Plan created") {
			out = append(out, m)
		}
	}
	return out
}

// plan appends hire's plan with tasks due on the given days, every one the hire's.
func (f *fixture) plan(hire string, dues ...string) {
	f.t.Helper()
	var tasks []events.PlanTask
	for i, due := range dues {
		tasks = append(tasks, events.PlanTask{ID: fmt.Sprintf("t%02d", i+1), Title: fmt.Sprintf("Task %02d", i+1), Section: "Week 1",
			Owner: events.OwnerHire, Assignee: hire, Due: due})
	}
	f.append("onboarding", events.PlanID(hire), events.PlanCreated{Hire: hire, Name: "Name " + hire, Team: "platform", Track: "platform",
		StartDate: "2026-11-02", TemplateVersion: 1, Source: events.NewID(time.Now()), Tasks: tasks})
	waitFor(f.t, "the agenda to hold the plan", func() bool {
		_, ok := f.m.agenda.Item("task:" + events.PlanID(hire) + ":" + tasks[len(tasks)-1].ID)
		return ok
	})
}

// TestTaskLadder moves a clock through one task's ladder: the owner's reminder lists it
// from 3 days before its due date on each working day while it is open, the lead's from 2
// days overdue, HR's from 7 — one reminder a day each, nothing on weekends or before
// 09:00; a new due date is judged afresh and completion stops it.
func TestTaskLadder(t *testing.T) {
	f := setup(t)
	hr := f.hire("hr1", "people", "", events.RoleHR)
	lead := f.hire("lead1", "platform", "", events.RoleLead)
	h := f.hire("h1", "platform", "lead1", events.RoleHire)
	f.plan("h1", "2026-12-02")

	day := func(d int, hour int) time.Time { return time.Date(2026, 11, d, hour, 0, 0, 0, time.UTC) }
	dec := func(d int) time.Time { return time.Date(2026, 12, d, 10, 0, 0, 0, time.UTC) }
	type said struct {
		n     int    // reminders so far
		title string // the newest one's
	}
	none := said{}
	steps := []struct {
		at              time.Time
		hire, lead, hrs said
	}{
		{day(29, 10), none, none, none}, // Sunday
		{day(30, 8), none, none, none},  // Monday, before 09:00
		{day(30, 10), said{1, "1 task due soon"}, none, none},
		{day(30, 17), said{1, "1 task due soon"}, none, none}, // again the same day
		{dec(1), said{2, "1 task due soon"}, none, none},
		{dec(2), said{3, "1 task due today"}, none, none},
		{dec(3), said{4, "1 task overdue"}, none, none},
		{dec(4), said{5, "1 task overdue"}, said{1, "Name h1 is behind schedule"}, none},
		{dec(5), said{5, "1 task overdue"}, said{1, "Name h1 is behind schedule"}, none}, // Saturday
		{dec(7), said{6, "1 task overdue"}, said{2, "Name h1 is behind schedule"}, none},
		{dec(9), said{7, "1 task overdue"}, said{3, "Name h1 is behind schedule"}, said{1, "1 hire a week or more behind"}},
		{dec(9), said{7, "1 task overdue"}, said{3, "Name h1 is behind schedule"}, said{1, "1 hire a week or more behind"}},
	}
	for i, s := range steps {
		f.sweepAt(t, s.at)
		for _, c := range []struct {
			who  person
			want said
		}{{h, s.hire}, {lead, s.lead}, {hr, s.hrs}} {
			got := said{}
			if rs := f.reminders(c.who.id); len(rs) > 0 {
				got = said{len(rs), rs[len(rs)-1].Title}
			}
			if got != c.want {
				t.Fatalf("step %d (%s): %s got %+v, want %+v", i, s.at.Format(time.RFC1123), c.who.id, got, c.want)
			}
		}
	}
	if body := f.reminders(h.id)[6].Body; body != "Overdue: Task 01." {
		t.Errorf("the hire's reminder says %q", body)
	}

	// A new due date is judged afresh: due soon again, and no longer the lead's or HR's.
	f.append("lead1", "plan-h1", events.TaskChanged{Task: "t01", Due: "2026-12-11"})
	waitFor(t, "the new due date", func() bool { it, _ := f.m.agenda.Item("task:plan-h1:t01"); return it.Due == "2026-12-11" })
	f.sweepAt(t, dec(10))
	if rs := f.reminders(h.id); len(rs) != 8 || rs[7].Title != "1 task due soon" {
		t.Fatalf("after the new due date: %d reminders, the newest %+v", len(rs), rs[len(rs)-1])
	}
	if len(f.reminders(lead.id)) != 3 || len(f.reminders(hr.id)) != 1 {
		t.Fatal("the lead or HR heard of a task no longer overdue")
	}
	// Completing it stops the ladder.
	f.append("h1", "plan-h1", events.TaskCompleted{Task: "t01"})
	waitFor(t, "the task done", func() bool { it, _ := f.m.agenda.Item("task:plan-h1:t01"); return it.Done })
	for _, d := range []int{11, 14, 15, 21} {
		f.sweepAt(t, dec(d))
	}
	if n := len(f.reminders(h.id)); n != 8 {
		t.Fatalf("%d reminders after completion", n-8)
	}

	// Each reminder went out by e-mail once, too.
	waitFor(t, "every reminder at the mail server", func() bool {
		return len(f.reminderMails(h.email)) == 8 && len(f.reminderMails(lead.email)) == 3 && len(f.reminderMails(hr.email)) == 1
	})
}

// TestOneReminderADay: 30 overdue tasks of one hire with two leads and two HR people make
// one e-mail and one inbox item a day for each of them, in bounded sections — none again
// the same day, one more the next working day, none on a weekend, none once all is done.
func TestOneReminderADay(t *testing.T) {
	f := setup(t)
	var hrs, leads []person
	for i := range 2 {
		hrs = append(hrs, f.hire(fmt.Sprintf("hr%d", i+1), "people", "", events.RoleHR))
		leads = append(leads, f.hire(fmt.Sprintf("lead%d", i+1), "platform", "", events.RoleLead))
	}
	h := f.hire("h1", "platform", "", events.RoleHire) // no lead of their own: the team's leads
	var dues []string
	for i := range 30 { // due 10 Nov – 9 Dec: on Mon 14 Dec 5 to 34 days overdue
		dues = append(dues, time.Date(2026, 11, 10+i, 0, 0, 0, 0, time.UTC).Format(events.DateLayout))
	}
	f.plan("h1", dues...)
	everyone := append(append([]person{h}, leads...), hrs...)

	monday := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	for _, s := range []struct {
		at   time.Time
		want int // reminders each so far
	}{
		{monday.Add(-2 * time.Hour), 0}, // before 09:00
		{monday, 1},
		{monday.Add(4 * time.Hour), 1}, // a second sweep the same day
		{monday.AddDate(0, 0, 1), 2},   // the next working day
		{monday.AddDate(0, 0, 5), 2},   // Saturday
		{monday.AddDate(0, 0, 6), 2},   // Sunday
	} {
		f.sweepAt(t, s.at)
		for _, p := range everyone {
			if n := len(f.reminders(p.id)); n != s.want {
				t.Fatalf("%s: %s has %d reminders, want %d", s.at.Format(time.RFC1123), p.id, n, s.want)
			}
		}
		waitFor(t, fmt.Sprintf("%d reminder e-mails each", s.want), func() bool {
			for _, p := range everyone {
				if len(f.reminderMails(p.email)) != s.want {
					return false
				}
			}
			return true
		})
	}

	// What Monday's e-mails say.
	for _, c := range []struct {
		who     person
		subject string
		text    []string
	}{
		{h, "30 tasks overdue", []string{"Overdue (30)", "- Task 01 — 34 days overdue (due Tue 10 Nov 2026)", "and 20 more: https://onramp.example.org/onboarding/tasks"}},
		{leads[1], "Name h1 is behind schedule", []string{"Your hires' overdue work (1 hire, 30 items)", "- Name h1: 30 overdue, the worst Task 01 — 34 days overdue",
			"https://onramp.example.org/onboarding/team?overdue=1"}},
		{hrs[0], "1 hire a week or more behind", []string{"Overdue a week or more, by team (28 items of 1 hire)",
			"- Team platform (lead Name lead1, Name lead2): 1 hire, 28 items", "The 10 most overdue", "- Task 01 — Name h1, 34 days overdue",
			"The full overdue list: https://onramp.example.org/onboarding/all?overdue=1"}},
	} {
		msg := f.reminderMails(c.who.email)[0]
		text, html := parts(t, msg)
		text = strings.ReplaceAll(text, "\r\n", "\n")
		if got := msg.Header.Get("Subject"); got != c.subject {
			t.Errorf("%s: subject %q, want %q", c.who.id, got, c.subject)
		}
		for _, w := range c.text {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the text lacks %q:\n%s", c.who.id, w, text)
			}
		}
		if strings.Count(text, "\n- ") > 2*notify.SectionLines+1 || !strings.Contains(html, "<h2") {
			t.Errorf("%s: unbounded or without sections:\n%s", c.who.id, text)
		}
	}

	// Done: nothing more.
	for i := range 30 {
		f.append("h1", "plan-h1", events.TaskCompleted{Task: fmt.Sprintf("t%02d", i+1)})
	}
	waitFor(t, "every task done", func() bool { return len(f.m.agenda.Open()) == 0 })
	f.sweepAt(t, monday.AddDate(0, 0, 7))
	for _, p := range everyone {
		if n := len(f.reminders(p.id)); n != 2 {
			t.Fatalf("%s: %d reminders after everything was done", p.id, n-2)
		}
	}
}

// TestReminderOnceAfterACrash: a sweep that dies half-way (its connection drops after the
// first reminder is recorded) and runs again in a new process the same day tells nobody
// twice; the rest get theirs.
func TestReminderOnceAfterACrash(t *testing.T) {
	f := stack(t)
	nc1, err := f.env.Stack.Connect()
	if err != nil {
		t.Fatal(err)
	}
	first := f.start(nc1, 2*time.Second)
	f.m = first
	var everyone []person
	for i := range 3 {
		everyone = append(everyone, f.hire(fmt.Sprintf("hr%d", i+1), "people", "", events.RoleHR))
	}
	everyone = append(everyone, f.hire("lead1", "platform", "", events.RoleLead), f.hire("h1", "platform", "lead1", events.RoleHire))
	f.plan("h1", "2026-11-20", "2026-11-23")

	// The first reminder recorded drops the first process's connection.
	sub, err := f.env.NATS.Subscribe(events.TypeFilter(events.Notified{}.EventType()), func(msg *nats.Msg) {
		if env, err := events.Decode(msg.Data); err == nil && strings.Contains(string(env.Data), `"remind:`) {
			nc1.Close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	f.setNow(monday)
	told, err := first.Sweep(context.Background())
	t.Logf("the first sweep: %d considered, %v", told, err)
	_ = sub.Unsubscribe()
	_ = first.Close()

	f.restart(2 * time.Second)
	f.sweepAt(t, monday.Add(time.Hour))
	key := notify.ReminderKey("2026-11-30")
	mails := f.storedMails(t)
	for _, p := range everyone {
		n := 0
		for _, ml := range mails {
			if ml.Person == p.id && ml.Key == key {
				n++
			}
		}
		if got := len(f.reminders(p.id)); got != 1 || n != 1 {
			t.Errorf("%s: %d reminders and %d reminder e-mails, want 1 each", p.id, got, n)
		}
	}
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
	for _, m := range f.storedMails(t) {
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
		for _, it := range f.recipient(p.id).Items {
			if it.Kind == events.KindCheckinSilence {
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

// TestReminderFollowsEmailSettings: the reminder is always in the inbox; its e-mail lists
// the reminder kinds a person takes by e-mail (at once or as a digest: either way once a
// day, and never again in the daily digest of updates), and none if they switched both off.
func TestReminderFollowsEmailSettings(t *testing.T) {
	f := setup(t)
	const module = "backup-and-restore"
	monday := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		email   map[string]string
		subject string // "": no e-mail
		task    bool   // the e-mail lists the task
	}{
		{"defaults", nil, "2 items overdue", true},
		{"tasks as a digest", map[string]string{events.KindTaskDue: events.EmailDigest}, "2 items overdue", true},
		{"task reminders off", map[string]string{events.KindTaskDue: events.EmailOff}, "1 training module overdue", false},
		{"both off", map[string]string{events.KindTaskDue: events.EmailOff, events.KindTrainingDue: events.EmailOff}, "", false},
	}
	hires := make([]person, len(cases))
	for i, c := range cases {
		hires[i] = f.hire(fmt.Sprintf("h%d", i), "platform", "", events.RoleHire)
		if _, err := call[events.NotifySettings](f, events.OpNotifySettingsPut, hires[i].caller, events.NotifySettings{Email: c.email}); err != nil {
			t.Fatal(err)
		}
		f.plan(hires[i].id, "2026-11-27")
		f.append("hr", events.NewID(time.Now()), events.AssignmentCreated{Module: module, Kind: events.AssignPerson, Target: hires[i].id,
			Due: "2026-11-26", People: []string{hires[i].id}})
	}
	for _, h := range hires {
		waitFor(t, "the training tracked", func() bool { _, ok := f.m.agenda.Item("training:" + h.id + ":" + module); return ok })
	}
	training, _ := f.m.agenda.Item("training:" + hires[0].id + ":" + module)
	f.sweepAt(t, monday)
	f.sweepAt(t, monday.Add(time.Hour))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := hires[i]
			if rs := f.reminders(h.id); len(rs) != 1 || rs[0].Title != "2 items overdue" {
				t.Fatalf("inbox reminders = %+v", rs)
			}
			var keys []string
			for _, ml := range f.storedMails(t) {
				if ml.Person == h.id && !strings.HasPrefix(ml.Subject, "Training assigned") && !strings.HasPrefix(ml.Subject, "Plan created") {
					keys = append(keys, ml.Key)
				}
			}
			if c.subject == "" {
				if len(keys) != 0 {
					t.Fatalf("e-mails recorded: %v", keys)
				}
				return
			}
			if len(keys) != 1 || keys[0] != notify.ReminderKey("2026-11-30") {
				t.Fatalf("e-mails recorded: %v, want the reminder alone", keys)
			}
			var msg *mail.Message
			waitFor(t, "the reminder e-mail", func() bool {
				for _, m := range f.reminderMails(h.email) {
					if strings.HasSuffix(m.Header.Get("Subject"), " overdue") {
						msg = m
					}
				}
				return msg != nil
			})
			text, _ := parts(t, msg)
			if got := msg.Header.Get("Subject"); got != c.subject || !strings.Contains(text, training.Title) || strings.Contains(text, "Task 01") != c.task {
				t.Fatalf("subject %q, text:\n%s", got, text)
			}
		})
	}
}
