package notify

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"onramp.dev/events"
	"onramp.dev/infra/eventlog/modelsnap"
)

func TestRungs(t *testing.T) {
	for _, c := range []struct {
		due, today string
		want       []string
	}{
		{"2026-12-10", "2026-12-01", nil},
		{"2026-12-04", "2026-12-01", []string{"soon"}},
		{"2026-12-02", "2026-12-01", []string{"soon"}},
		{"2026-12-01", "2026-12-01", []string{"today"}},
		{"2026-12-01", "2026-12-02", []string{"overdue-1"}},
		{"2026-12-01", "2026-12-03", []string{"overdue-2", "lead"}},
		{"2026-12-01", "2026-12-08", []string{"overdue-7", "lead", "hr"}},
		{"bad", "2026-12-08", nil},
	} {
		var got []string
		for _, r := range Rungs(c.due, c.today) {
			got = append(got, r.Name)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("Rungs(%s, %s) = %v, want %v", c.due, c.today, got, c.want)
		}
	}
}

func TestReminderDayFollowsTheTimeZone(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	// Sunday 21:00 UTC is Monday 10:00 in Auckland.
	now := time.Date(2026, 11, 29, 21, 0, 0, 0, time.UTC)
	if _, ok := ReminderDay(now, time.UTC, DefaultWorkdays); ok {
		t.Error("a Sunday in UTC is no working day")
	}
	if d, ok := ReminderDay(now, auckland, DefaultWorkdays); !ok || d != "2026-11-30" {
		t.Errorf("Auckland: %s %v, want 2026-11-30 true", d, ok)
	}
	w, err := ParseWorkdays("sun-thu")
	if err != nil || len(w) != 5 || w[0] != time.Sunday {
		t.Errorf("sun-thu = %v, %v", w, err)
	}
}

func TestCertRung(t *testing.T) {
	for _, c := range []struct {
		expires, today, want string
	}{
		{"2027-03-01", "2026-11-30", ""},
		{"2027-03-01", "2026-12-01", "90"},
		{"2027-03-01", "2026-12-31", "60"},
		{"2027-03-01", "2027-02-01", "30"},
		{"2027-03-01", "2027-03-01", "expired"},
		{"2027-03-01", "2027-05-01", "expired"},
	} {
		r, ok := CertRung(c.expires, c.today)
		if r.Name != c.want || ok != (c.want != "") {
			t.Errorf("CertRung(%s, %s) = %q %v, want %q", c.expires, c.today, r.Name, ok, c.want)
		}
	}
}

// Folding keeps every line within 75 octets, never splits a UTF-8 character, and
// unfolds to the original.
func TestFold(t *testing.T) {
	long := "SUMMARY:" + strings.Repeat("Überprüfung der Zugänge — ", 12)
	var b strings.Builder
	foldInto(&b, long)
	out := b.String()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets", len(line))
		}
		if !utf8.ValidString(strings.TrimPrefix(line, " ")) {
			t.Errorf("split character in %q", line)
		}
	}
	if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != long {
		t.Errorf("unfolded = %q", got)
	}
	if e := escapeText("a,b;c\\d\ne"); e != `a\,b\;c\\d\ne` {
		t.Errorf("escape = %q", e)
	}
}

// Applying an event twice changes nothing: the projector re-applies what commands did.
func TestApplyTwice(t *testing.T) {
	s := NewState()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	n := events.Notified{Key: "ev:1:p1", Item: &events.NotifyItem{ID: events.NewID(now), Kind: events.KindPlanCreated, Title: "Plan created"},
		Mail: &events.NotifyMail{ID: events.NewID(now), To: "p1@example.org", Subject: "Plan created", Text: "t", HTML: "<p>t</p>", MessageID: "<m@x>"}}
	env, err := events.New("hr", "p1", n, now)
	if err != nil {
		t.Fatal(err)
	}
	sent, _ := events.New(events.System, n.Mail.ID, events.MailSent{Person: "p1", Attempts: 1, Transport: "smtp"}, now)
	for range 2 {
		keys, err := s.Apply(env, 1)
		if err != nil || len(keys) != 2 {
			t.Fatalf("keys %v, %v: the person and the mail must be named every time", keys, err)
		}
		if _, err := s.Apply(sent, 2); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := s.Recipient("p1")
	m, _ := s.Mail(n.Mail.ID)
	if len(r.Items) != 1 || len(r.Keys()) != 1 || !s.Has("p1", n.Key) || m.Status != MailSent || m.To != "p1@example.org" {
		t.Fatalf("recipient %+v, mail %+v", r, m)
	}
	// An outcome applied before its mail (a projector catching up) keeps both.
	s2 := NewState()
	if _, err := s2.Apply(sent, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Apply(env, 1); err != nil {
		t.Fatal(err)
	}
	if m, _ := s2.Mail(n.Mail.ID); m.Status != MailSent || m.Subject != "Plan created" {
		t.Fatalf("mail = %+v", m)
	}
}

// Notifications speak of days in words, never as ISO dates.
func TestDayInWords(t *testing.T) {
	for in, want := range map[string]string{"2026-12-05": "Sat 5 Dec 2026", "": "", "soon": "soon"} {
		if got := Day(in); got != want {
			t.Errorf("Day(%q) = %q, want %q", in, got, want)
		}
	}
}

// A reminder says in words what reaches its reader today, in bounded sections.
func TestReminderMessage(t *testing.T) {
	task := func(i, days int) Entry {
		due := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(events.DateLayout)
		return Entry{Key: fmt.Sprintf("task:plan-h1:t%02d", i), Kind: events.KindTaskDue, Title: fmt.Sprintf("Task %02d", i), Due: due, Days: days}
	}
	training := Entry{Key: "training:h1:phishing", Kind: events.KindTrainingDue, Title: "Phishing", Due: "2026-12-01", Days: -2}
	for _, c := range []struct {
		name  string
		fill  func(r *Reminders)
		title string
		kind  string
		want  []string // section headings, each with its lines, more and link
	}{
		{"an owner's day", func(r *Reminders) {
			for i := range 12 {
				r.Own(task(i, -1-i))
			}
			r.Own(task(20, 0))
			r.Own(task(21, 1))
			r.Own(task(22, 3))
		}, "12 tasks overdue, 1 due today, 2 due soon", events.KindTaskDue, []string{
			"Overdue (12)|Task 11 — 12 days overdue (due Sat 21 Nov 2026)|…10 lines|and 2 more|/onboarding/tasks",
			"Due today (1)|Task 20|/onboarding/tasks",
			"Due soon (2)|Task 21 — due Fri 4 Dec 2026 (tomorrow)|Task 22 — due Sun 6 Dec 2026 (in 3 days)|/onboarding/tasks",
		}},
		{"training only", func(r *Reminders) { r.Own(training) }, "1 training module overdue", events.KindTrainingDue, []string{
			"Overdue (1)|Phishing — 2 days overdue (due Tue 1 Dec 2026)|/training",
		}},
		{"a lead", func(r *Reminders) {
			for i := range 30 {
				e := task(i, -2-i)
				e.Hire = "Ada"
				r.Lead("h1", e)
			}
			e := task(40, -3)
			e.Hire = "Bob"
			r.Lead("h2", e)
		}, "2 of your hires behind schedule", events.KindTaskDue, []string{
			"Your hires' overdue work (2 hires, 31 items)|Ada: 30 overdue, the worst Task 29 — 31 days overdue|Bob: 1 overdue, the worst Task 40 — 3 days overdue|Your team's onboarding|/onboarding/team?overdue=1",
		}},
		{"a lead of many", func(r *Reminders) {
			for i := range 12 {
				e := task(i, -2)
				e.Hire = fmt.Sprintf("Hire %02d", i)
				r.Lead(fmt.Sprintf("h%02d", i), e)
			}
		}, "12 of your hires behind schedule", events.KindTaskDue, []string{
			"Your hires' overdue work (12 hires, 12 items)|Hire 00: 1 overdue, the worst Task 00 — 2 days overdue|…10 lines|and 2 more hires|/onboarding/team?overdue=1",
		}},
		{"HR", func(r *Reminders) {
			o := NewOrg()
			for i := range 12 {
				e := task(i, -7-i)
				e.Hire = "Ada"
				o.Add("Team platform (lead Lea)", "h1", e)
			}
			e := task(40, -7)
			e.Hire = "Cy"
			o.Add("Team data", "h3", e)
			r.SetOrg(o)
		}, "2 hires a week or more behind", events.KindTaskDue, []string{
			"Overdue a week or more, by team (13 items of 2 hires)|Team platform (lead Lea): 1 hire, 12 items|Team data: 1 hire, 1 item|/onboarding/all?overdue=1",
			"The 10 most overdue|Task 11 — Ada, 18 days overdue|…10 lines|The full overdue list|/onboarding/all?overdue=1",
		}},
		{"HR, many teams", func(r *Reminders) {
			o := NewOrg()
			for i := range 12 {
				e := task(i, -7)
				e.Hire = fmt.Sprintf("Hire %02d", i)
				o.Add(fmt.Sprintf("Team %02d", i), fmt.Sprintf("h%02d", i), e)
			}
			r.SetOrg(o)
		}, "12 hires a week or more behind", events.KindTaskDue, []string{
			"Overdue a week or more, by team (12 items of 12 hires)|Team 00: 1 hire, 1 item|…10 lines|and 2 more teams|/onboarding/all?overdue=1",
			"The 10 most overdue|Task 00 — Hire 00, 7 days overdue|…10 lines|The full overdue list|/onboarding/all?overdue=1",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Reminders
			c.fill(&r)
			m := r.Message()
			if m.Title != c.title || m.Kind != c.kind {
				t.Errorf("title %q kind %q, want %q %q", m.Title, m.Kind, c.title, c.kind)
			}
			var got []string
			for _, s := range m.Sections {
				parts := []string{s.Heading}
				if len(s.Lines) == SectionLines {
					parts = append(parts, s.Lines[0], "…10 lines")
				} else {
					parts = append(parts, s.Lines...)
				}
				if s.More != "" {
					parts = append(parts, s.More)
				}
				got = append(got, strings.Join(append(parts, s.Link), "|"))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("sections:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if m.Summary == "" || len(m.Summary) > 400 {
				t.Errorf("summary = %q", m.Summary)
			}
		})
	}
}

// A person's keys do not grow by day: day keys older than KeepDays before the newest go,
// and the per-rung keys of tasks and training (old streams, old documents) are not kept.
func TestFiredKeysAreBounded(t *testing.T) {
	s := NewState()
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	seq := uint64(0)
	tell := func(key string, at time.Time) {
		t.Helper()
		seq++
		env, err := events.New(events.System, "p1", events.Notified{Key: key, Item: &events.NotifyItem{ID: events.NewID(at), Kind: events.KindTaskDue, Title: "x"}}, at)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(env, seq); err != nil {
			t.Fatal(err)
		}
	}
	tell("ev:plan:p1", start)
	tell("ladder:task:plan-p1:t1:2026-11-01:overdue-1", start) // an old stream's rung
	tell("ladder:cert:p1:cka:2027-03-01:90", start)
	for d := range 60 {
		at := start.AddDate(0, 0, d)
		tell(ReminderKey(at.Format(events.DateLayout)), at)
		tell("digest:"+at.Format(events.DateLayout), at)
	}
	r, _ := s.Recipient("p1")
	if want := 2 + 2*(KeepDays+1); len(r.Keys()) != want {
		t.Fatalf("%d keys, want %d: %v", len(r.Keys()), want, r.Keys())
	}
	last := start.AddDate(0, 0, 59)
	for key, want := range map[string]bool{
		"ev:plan:p1": true, "ladder:cert:p1:cka:2027-03-01:90": true, "ladder:task:plan-p1:t1:2026-11-01:overdue-1": false,
		ReminderKey(last.Format(events.DateLayout)): true, ReminderKey(last.AddDate(0, 0, -KeepDays).Format(events.DateLayout)): true,
		ReminderKey(last.AddDate(0, 0, -KeepDays-1).Format(events.DateLayout)): false,
	} {
		if s.Has("p1", key) != want {
			t.Errorf("Has(%s) = %v, want %v", key, !want, want)
		}
	}
	// A document or snapshot written before holds every rung and day: loading prunes it.
	old := Recipient{ID: "p2", Fired: []string{"ev:x:p2", "ladder:task:plan-p2:t1:2026-11-01:soon", "ladder:training:p2:m:2026-11-01:overdue-3",
		"remind:2026-11-01", "remind:2026-11-20", "digest:2026-11-05", "digest:2026-11-06"}}
	var snap bytes.Buffer
	if err := modelsnap.Save(&snap, snapshot{People: []*Recipient{&old}}); err != nil {
		t.Fatal(err)
	}
	s.LoadRecipient(old)
	restored := NewState()
	if err := restored.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*State{"document": s, "snapshot": restored} {
		r, _ = st.Recipient("p2")
		if got := strings.Join(r.Keys(), ","); got != "remind:2026-11-20,digest:2026-11-06,ev:x:p2" {
			t.Errorf("%s: loaded keys = %s", name, got)
		}
	}
}

// The agenda holds one copy of the text its items repeat (a template's task titles and due
// dates, a plan's hire, the owners), whether it applied the events or restored a snapshot.
func TestAgendaSharesRepeatedText(t *testing.T) {
	a := NewAgenda(nil)
	tasks := []events.PlanTask{{ID: "laptop", Title: "Collect your laptop", Section: "Day one", Owner: events.OwnerIT, Assignee: "queue:it", Due: "2026-12-01"},
		{ID: "badge", Title: "Get a badge", Section: "Day one", Owner: events.OwnerIT, Assignee: "queue:it", Due: "2026-12-01"}}
	for _, hire := range []string{"ada", "bob"} {
		// Each plan's payload is decoded on its own, as from the stream.
		env, err := events.New("hr", events.PlanID(hire), events.PlanCreated{Hire: hire, Name: hire, Track: "infrastructure", StartDate: "2026-12-01", TemplateVersion: 1, Tasks: tasks}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Apply(env); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	restored := NewAgenda(nil)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	same := func(x, y string) bool { return x == y && unsafe.StringData(x) == unsafe.StringData(y) }
	for _, c := range []struct {
		name string
		a    *Agenda
	}{{"applied", a}, {"restored", restored}} {
		ada, ok1 := c.a.Item("task:plan-ada:laptop")
		bob, ok2 := c.a.Item("task:plan-bob:laptop")
		badge, ok3 := c.a.Item("task:plan-ada:badge")
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("%s: items missing", c.name)
		}
		if !same(ada.Title, bob.Title) || !same(ada.Due, bob.Due) || !same(ada.Owner, bob.Owner) || !same(ada.Hire, badge.Hire) {
			t.Fatalf("%s: repeated text held twice: %+v %+v %+v", c.name, ada, bob, badge)
		}
	}
}

// An agenda of more groups than one chunk holds restores every item, and the snapshots
// written before items were grouped (format 0: Tracked values in the head, or in chunks
// after it) still load.
func TestAgendaSnapshotChunksAndOldSnapshots(t *testing.T) {
	a := NewAgenda(nil)
	n := 2*agendaChunk + 1
	var tracked []Tracked
	for i := range n {
		plan := fmt.Sprintf("plan-%d", i)
		env, err := events.New("hr", plan, events.TaskAdded{Task: events.PlanTask{ID: "x", Title: "Laptop", Section: "s", Owner: events.OwnerIT,
			Assignee: "queue:it", Due: "2026-12-01"}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Apply(env); err != nil {
			t.Fatal(err)
		}
		tracked = append(tracked, Tracked{Key: "task:" + plan + ":x", Kind: events.KindTaskDue, Owner: "queue:it", Hire: fmt.Sprint(i),
			Title: "Laptop", Due: "2026-12-01", Link: "/onboarding/plans/" + plan})
	}
	var grouped, chunked, unchunked bytes.Buffer
	if err := a.Snapshot(&grouped); err != nil {
		t.Fatal(err)
	}
	w := modelsnap.NewWriter(&chunked)
	if err := w.Head(agendaSnapshot{Dues: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	if err := modelsnap.Chunks(w, 5000, slices.Values(tracked)); err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(&unchunked).Encode(agendaSnapshot{Items: tracked, Dues: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	for name, buf := range map[string]*bytes.Buffer{"grouped": &grouped, "chunked items": &chunked, "before chunks": &unchunked} {
		r := NewAgenda(nil)
		if err := r.Restore(buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := r.Open(); len(got) != n {
			t.Fatalf("%s: %d items restored, want %d", name, len(got), n)
		}
		if it, ok := r.Item("task:plan-7:x"); !ok || it != tracked[7] {
			t.Fatalf("%s: item restored as %+v, want %+v", name, it, tracked[7])
		}
	}
}
