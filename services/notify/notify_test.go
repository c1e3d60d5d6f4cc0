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
	if len(r.Items) != 1 || len(r.Fired) != 1 || !s.Has("p1", n.Key) || m.Status != MailSent || m.To != "p1@example.org" {
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
	it := Tracked{Title: "Read the handbook", Due: "2026-12-05"}
	for _, r := range Rungs("2026-12-05", "2026-12-03") {
		if _, body := RungText(r, it, "Ada"); body != "Read the handbook is due on Sat 5 Dec 2026." {
			t.Errorf("%s: %q", r.Name, body)
		}
	}
	if _, body := RungText(Rung{Name: "overdue-1", To: "owner", Days: -1}, it, "Ada"); body != "Read the handbook was due on Sat 5 Dec 2026 (yesterday)." {
		t.Errorf("overdue: %q", body)
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
