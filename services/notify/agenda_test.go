package notify

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/eventlog/modelsnap"
)

// agendaScenario is a history that touches every event the agenda applies: plans sharing
// a template, tasks added, changed, reassigned, completed, reopened and removed (a plan
// emptied and filled again), training assigned twice with an earlier due date, reached
// and passed, certifications renewed and dropped, mentorships with check-ins, and events
// applied twice or about things the agenda does not hold.
func agendaScenario(t testing.TB) []events.Envelope {
	t.Helper()
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var out []events.Envelope
	add := func(subject string, p events.Payload) {
		at = at.Add(time.Hour)
		env, err := events.New("hr", subject, p, at)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	template := func(hire, lead string) []events.PlanTask {
		return []events.PlanTask{
			{ID: "order-laptop", Title: "Order laptop and peripherals", Section: "pre-start", Owner: events.OwnerIT, Assignee: "queue:it", Due: "2026-11-24"},
			{ID: "starter-paperwork", Title: "Send contract and starter forms", Section: "pre-start", Owner: events.OwnerHR, Assignee: "queue:hr", Due: "2026-11-20"},
			{ID: "choose-mentor", Title: "Choose a mentor", Section: "pre-start", Owner: events.OwnerLead, Assignee: lead, Due: "2026-11-26"},
			{ID: "read-handbook", Title: "Read the handbook", Section: "week-1", Owner: events.OwnerHire, Assignee: hire, Due: "2026-12-04"},
			{ID: "shadow-on-call", Title: "Shadow an on-call shift", Section: "week-2", Owner: events.OwnerMentor, Due: "2026-12-11"},
		}
	}
	for _, h := range []struct{ hire, lead string }{{"ada", "lead1"}, {"bob", "lead1"}, {"cyd", "lead2"}} {
		add(events.PlanID(h.hire), events.PlanCreated{Hire: h.hire, Name: h.hire, Track: "infrastructure", StartDate: "2026-12-01",
			TemplateVersion: 1, Tasks: template(h.hire, h.lead)})
	}
	// The same plan again (a redelivery) changes nothing.
	add(events.PlanID("ada"), events.PlanCreated{Hire: "ada", Name: "ada", Track: "infrastructure", StartDate: "2026-12-01",
		TemplateVersion: 1, Tasks: template("ada", "lead1")})
	add("plan-ada", events.TaskAdded{Task: events.PlanTask{ID: "rack-tour", Title: "Tour the data centre", Section: "week-1",
		Owner: events.OwnerLead, Assignee: "lead1", Due: "2026-12-03"}})
	add("plan-ada", events.TaskChanged{Task: "read-handbook", Due: "2026-12-07"})
	add("plan-ada", events.TaskChanged{Task: "read-handbook", Due: "2026-12-07"}) // same due: no new version
	add("plan-ada", events.TaskChanged{Task: "choose-mentor", Owner: events.OwnerLead, Assignee: "lead2"})
	add("plan-ada", events.TaskChanged{Task: "order-laptop", Owner: events.OwnerMentor}) // nobody holds it now
	add("plan-ada", events.TaskChanged{Task: "no-such-task", Due: "2026-12-30"})
	add("plan-bob", events.TasksReassigned{Tasks: []string{"choose-mentor", "shadow-on-call", "no-such-task"}, From: "lead1", To: "m1", Source: "s1"})
	add("plan-bob", events.TasksReassigned{Tasks: []string{"choose-mentor"}, From: "lead1", To: "m1", Source: "s1"}) // already theirs
	add("plan-ada", events.TaskCompleted{Task: "starter-paperwork"})
	add("plan-ada", events.TaskCompleted{Task: "starter-paperwork"}) // twice
	add("plan-bob", events.TaskCompleted{Task: "order-laptop"})
	add("plan-bob", events.TaskReopened{Task: "order-laptop", Reason: "wrong model"})
	add("plan-bob", events.TaskCompleted{Task: "read-handbook"})
	add("plan-cyd", events.TaskRemoved{Task: "shadow-on-call"})
	add("plan-cyd", events.TaskRemoved{Task: "shadow-on-call"})
	for _, id := range []string{"order-laptop", "starter-paperwork", "choose-mentor", "read-handbook"} {
		add("plan-cyd", events.TaskRemoved{Task: id})
	}
	add("plan-cyd", events.TaskAdded{Task: events.PlanTask{ID: "read-handbook", Title: "Read the handbook", Section: "week-1",
		Owner: events.OwnerHire, Assignee: "cyd", Due: "2026-12-09"}})
	add("plan-dee", events.TaskAdded{Task: events.PlanTask{ID: "read-handbook", Title: "Read the handbook", Section: "week-1",
		Owner: events.OwnerHire, Assignee: "dee", Due: "2026-12-09"}}) // a plan known only by its added task

	add("asg-1", events.AssignmentCreated{Module: "sec101", Kind: events.AssignTeam, Target: "t1", Due: "2026-12-20", People: []string{"ada", "bob"}})
	add("asg-2", events.AssignmentCreated{Module: "sec101", Kind: events.AssignPerson, Target: "ada", Due: "2026-12-10", People: []string{"ada"}})
	add("asg-3", events.AssignmentCreated{Module: "net200", Kind: events.AssignPerson, Target: "cyd", Due: "2027-01-15", People: []string{"cyd"}})
	add("asg-1", events.AssignmentReached{Module: "sec101", People: []string{"cyd", "dee"}})
	add("asg-9", events.AssignmentReached{Module: "sec101", People: []string{"m1"}}) // an assignment never created
	add("bob", events.ModulePassed{Person: "bob", Module: "sec101", Title: "Security basics", Score: 90})
	add("asg-4", events.AssignmentCreated{Module: "sec101", Kind: events.AssignPerson, Target: "bob", Due: "2026-12-01", People: []string{"bob"}}) // passed: stays

	add("ada", events.CertificationAdded{ID: "cka", Name: "Kubernetes Administrator", Issuer: "CNCF", Issued: "2024-03-01", Expires: "2027-03-01"})
	add("ada", events.CertificationAdded{ID: "cka", Name: "Kubernetes Administrator", Issuer: "CNCF", Issued: "2025-03-01", Expires: "2028-03-01"})
	add("bob", events.CertificationAdded{ID: "ccna", Name: "CCNA", Issuer: "Cisco", Issued: "2025-01-10", Expires: "2028-01-10"})
	add("bob", events.CertificationAdded{ID: "ccna", Name: "CCNA", Issuer: "Cisco", Issued: "2025-01-10"}) // no expiry: not tracked
	add("cyd", events.CertificationAdded{ID: "itil", Name: "ITIL 4", Issuer: "Axelos", Issued: "2025-05-01"})

	add("pair-1", events.MentorshipAccepted{Hire: "ada", Mentor: "m1"})
	add("pair-1", events.CheckinLogged{ID: "c1", Hire: "ada", Mentor: "m1", Date: "2026-11-20", Notes: "first"})
	add("pair-1", events.CheckinLogged{ID: "c2", Hire: "ada", Mentor: "m1", Date: "2026-12-18", Notes: "planned"})
	add("pair-1", events.CheckinEdited{ID: "c1", Hire: "ada", Mentor: "m1", Date: "2026-11-21", Notes: "first"})
	add("pair-2", events.MentorshipAccepted{Hire: "bob", Mentor: "m2"})
	add("pair-3", events.MentorshipAccepted{Hire: "cyd", Mentor: "m1"})
	add("pair-3", events.MentorshipEnded{Hire: "cyd", Mentor: "m1", Reason: "moved team"})
	return out
}

// dumpAgenda writes what the agenda answers to everything its users ask, one line each.
func dumpAgenda(a *Agenda) string {
	var b strings.Builder
	for _, it := range a.Open() {
		fmt.Fprintf(&b, "open %+v\n", it)
	}
	for _, p := range []string{"ada", "bob", "cyd", "dee", "m1", "m2", "lead1", "lead2", "queue:it", "queue:hr", "", "nobody"} {
		for _, it := range a.Of(p) {
			fmt.Fprintf(&b, "of %q %+v\n", p, it)
		}
	}
	for _, key := range []string{"task:plan-ada:starter-paperwork", "task:plan-bob:read-handbook", "task:plan-cyd:shadow-on-call",
		"task:plan-dee:read-handbook", "training:bob:sec101", "cert:bob:ccna", "cert:ada:cka", "task:plan-ada", "task:", "nonsense"} {
		it, ok := a.Item(key)
		fmt.Fprintf(&b, "item %q %v %+v\n", key, ok, it)
	}
	for _, day := range []string{"2026-11-20", "2026-12-05", "2027-01-31", "not a day"} {
		for _, p := range a.Silent(day) {
			fmt.Fprintf(&b, "silent %s %s %s %s %s\n", day, p.ID, p.Hire, p.Mentor, p.Last)
		}
	}
	for _, p := range []string{"ada", "m1", "bob"} {
		for _, it := range a.Checkins(p, "2026-11-01") {
			fmt.Fprintf(&b, "checkin %q %+v\n", p, it)
		}
	}
	if b.Len() == 0 {
		return "the same lines, in another order"
	}
	return b.String()
}

func scenarioAgenda(t testing.TB) *Agenda {
	t.Helper()
	a := NewAgenda(map[string]string{"sec101": "Security basics"})
	for _, env := range agendaScenario(t) {
		if err := a.Apply(env); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// The agenda answers as the layout before it did (testdata/agenda.golden was written by
// that layout from the same history), whether it applied the events, restored a snapshot
// of its own, or restored a snapshot of that layout (testdata/agenda-v1.snap).
func TestAgendaAnswersAsBefore(t *testing.T) {
	want, err := os.ReadFile("testdata/agenda.golden")
	if err != nil {
		t.Fatal(err)
	}
	applied := scenarioAgenda(t)
	var snap bytes.Buffer
	if err := applied.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	restored := NewAgenda(nil)
	if err := restored.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open("testdata/agenda-v1.snap")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	fromOld := NewAgenda(nil)
	if err := fromOld.Restore(old); err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*Agenda{"applied": applied, "restored": restored, "restored from the old format": fromOld} {
		if got := dumpAgenda(a); got != string(want) {
			t.Errorf("%s: answers differ from testdata/agenda.golden:\n%s", name, lineDiff(string(want), got))
		}
	}
}

// lineDiff lists the lines only one side has.
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(got, "\n") {
		count[l]--
	}
	var b strings.Builder
	for l, n := range count {
		switch {
		case n > 0:
			fmt.Fprintf(&b, "- %s\n", l)
		case n < 0:
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	if b.Len() == 0 {
		return "the same lines, in another order"
	}
	return b.String()
}

// EachOpen yields what Open returns, a plan's (learner's, holder's) items together, stops
// when the loop does, and lets the loop's body use the agenda: an event applied meanwhile
// shows in the groups not reached yet.
func TestAgendaEachOpen(t *testing.T) {
	a := scenarioAgenda(t)
	open := a.Open()
	var got []Tracked
	for it := range a.EachOpen {
		got = append(got, it)
	}
	sorted := slices.SortedFunc(slices.Values(got), func(x, y Tracked) int { return strings.Compare(x.Key, y.Key) })
	if !slices.Equal(sorted, open) {
		t.Fatalf("EachOpen yielded\n%v\nOpen returns\n%v", got, open)
	}
	seen := map[string]bool{}
	for i, it := range got {
		group := it.Key[:strings.LastIndex(it.Key, ":")]
		if seen[group] && !strings.HasPrefix(got[i-1].Key, group+":") {
			t.Fatalf("the items of %s are not together: %v", group, got)
		}
		seen[group] = true
	}

	// Of one kind, or of some hires: the same items as the whole walk, filtered.
	for _, tc := range []struct {
		name string
		seq  func(func(Tracked) bool)
		keep func(Tracked) bool
	}{
		{"certifications", a.EachOpenKind(events.KindCertExpiry), func(it Tracked) bool { return it.Kind == events.KindCertExpiry }},
		{"tasks", a.EachOpenKind(events.KindTaskDue), func(it Tracked) bool { return it.Kind == events.KindTaskDue }},
		{"one hire", a.EachOpenOf(func(h string) bool { return h == got[0].Hire }), func(it Tracked) bool { return it.Hire == got[0].Hire }},
	} {
		var want, have []Tracked
		for _, it := range got {
			if tc.keep(it) {
				want = append(want, it)
			}
		}
		for it := range tc.seq {
			have = append(have, it)
		}
		if len(want) == 0 || !slices.Equal(have, want) {
			t.Errorf("%s: yielded %v, want %v", tc.name, have, want)
		}
	}

	n := 0
	for range a.EachOpen {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("stopped after %d items", n)
	}

	apply := func(subject string, p events.Payload) {
		env, err := events.New("hr", subject, p, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Apply(env); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for it := range a.EachOpen {
		keys = append(keys, it.Key)
		if it.Key == "task:plan-ada:choose-mentor" {
			if _, ok := a.Item("task:plan-bob:order-laptop"); !ok {
				t.Fatal("the item is missing")
			}
			apply("plan-bob", events.TaskCompleted{Task: "order-laptop"})
			apply("plan-ada", events.TaskCompleted{Task: "rack-tour"}) // its plan was copied already
		}
	}
	if !slices.Contains(keys, "task:plan-ada:rack-tour") || slices.Contains(keys, "task:plan-bob:order-laptop") {
		t.Fatalf("yielded %v", keys)
	}
	if len(a.Open()) != len(open)-2 {
		t.Fatalf("%d open after two completions, want %d", len(a.Open()), len(open)-2)
	}
}

// A snapshot of an unknown format, or whose groups refer to words or kinds it does not
// have, is an error, never a smaller agenda.
func TestAgendaRestoreRefusesBadSnapshots(t *testing.T) {
	words := []string{"", "plan-ada", "ada", "laptop", "Laptop", "2026-12-01"}
	good := agendaGroup{Kind: kindTask, Subject: 1, Hire: 2, Items: []item{{ID: 3, Title: 4, Owner: 2, Due: 5}}}
	for _, c := range []struct {
		name   string
		head   agendaSnapshot
		groups []agendaGroup
		items  []Tracked // format 0
		ok     bool
	}{
		{name: "good", head: agendaSnapshot{Format: agendaFormat, Words: words}, groups: []agendaGroup{good}, ok: true},
		{name: "unknown format", head: agendaSnapshot{Format: agendaFormat + 1, Words: words}, groups: []agendaGroup{good}},
		{name: "word out of range", head: agendaSnapshot{Format: agendaFormat, Words: words},
			groups: []agendaGroup{good, {Kind: kindTask, Subject: 1, Hire: 2, Items: []item{{ID: 3, Title: 6, Owner: 2, Due: 5}}}}},
		{name: "unknown kind", head: agendaSnapshot{Format: agendaFormat, Words: words}, groups: []agendaGroup{{Kind: kinds, Subject: 1, Hire: 2}}},
		{name: "format 0", head: agendaSnapshot{}, items: []Tracked{{Key: "task:plan-ada:laptop", Hire: "ada", Link: "/onboarding/plans/plan-ada", Due: "2026-12-01"}}, ok: true},
		{name: "format 0, unknown kind", head: agendaSnapshot{}, items: []Tracked{{Key: "goal:ada:x", Hire: "ada"}}},
		{name: "format 0, key not about its plan", head: agendaSnapshot{}, items: []Tracked{{Key: "task:plan-bob:laptop", Hire: "ada", Link: "/onboarding/plans/plan-ada"}}},
	} {
		var buf bytes.Buffer
		w := modelsnap.NewWriter(&buf)
		if err := w.Head(c.head); err != nil {
			t.Fatal(err)
		}
		var err error
		if c.head.Format == 0 {
			err = modelsnap.Chunks(w, 10, slices.Values(c.items))
		} else {
			err = modelsnap.Chunks(w, 10, slices.Values(c.groups))
		}
		if err != nil {
			t.Fatal(err)
		}
		a := NewAgenda(nil)
		err = a.Restore(&buf)
		if c.ok != (err == nil) {
			t.Errorf("%s: restore: %v", c.name, err)
			continue
		}
		if it, found := a.Item("task:plan-ada:laptop"); c.ok && (!found || it.Due != "2026-12-01" || it.Hire != "ada") {
			t.Errorf("%s: restored %+v, %v", c.name, it, found)
		}
	}
}

// Readers (EachOpen, Open, Of, Item, Snapshot) run while events are applied; the Go
// runtime stops the test if a map is read while written (and -race reports any race).
func TestAgendaConcurrentUse(t *testing.T) {
	a := NewAgenda(nil)
	const plans = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range plans {
			plan := fmt.Sprintf("plan-h%d", i)
			for _, p := range []events.Payload{
				events.TaskAdded{Task: events.PlanTask{ID: "a", Title: "A", Section: "s", Owner: events.OwnerHire, Assignee: fmt.Sprintf("h%d", i), Due: "2026-12-01"}},
				events.TaskAdded{Task: events.PlanTask{ID: "b", Title: "B", Section: "s", Owner: events.OwnerIT, Assignee: "queue:it", Due: "2026-12-02"}},
				events.TaskCompleted{Task: "a"},
			} {
				env, err := events.New("hr", plan, p, time.Now())
				if err == nil {
					err = a.Apply(env)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		for it := range a.EachOpen {
			if _, ok := a.Item(it.Key); !ok {
				t.Fatalf("%s yielded, then not found", it.Key)
			}
		}
		a.Of("queue:it")
		if err := a.Snapshot(io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if got := a.Open(); len(got) != plans {
		t.Fatalf("%d open items, want %d", len(got), plans)
	}
}
