package onboarding

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	tpl "onramp.dev/content/onboarding"
	"onramp.dev/events"
	"onramp.dev/infra/eventlog/modelsnap"
)

var templates = func() map[string]tpl.Template {
	ts, err := tpl.Load()
	if err != nil {
		panic(err)
	}
	return ts
}()

// state holds one plan for hire "ada" (team platform, lead "lee") starting 2026-12-01.
func state(t *testing.T) (*State, *Plan) {
	t.Helper()
	s := NewState()
	p, err := DecideCreate(Hired{Hire: "ada", Name: "Ada", Team: "platform", Lead: "lee", Track: "infrastructure", StartDate: "2026-12-01", Source: "h1"}, templates)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, "hr", p, 1)
	plan, _ := s.Plan("plan-ada")
	return s, plan
}

func apply(t *testing.T, s *State, actor string, p events.Payload, seq uint64) {
	t.Helper()
	env, err := events.New(actor, "plan-ada", p, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(env, seq); err != nil {
		t.Fatal(err)
	}
}

// "Before day one" tasks are never due before the invite: a hire invited close to their
// start date begins with none overdue. Someone entered after their start keeps the dates.
func TestDecideCreateDatesNothingBeforeTheInvite(t *testing.T) {
	for _, tc := range []struct {
		name, invited string
		due           map[string]string
	}{
		{"invited early", "2026-11-01", map[string]string{"order-laptop": "2026-11-23", "starter-paperwork": "2026-11-20", "hr-induction": "2026-12-01"}},
		{"invited late", "2026-11-24", map[string]string{"order-laptop": "2026-11-24", "starter-paperwork": "2026-11-24", "choose-mentor": "2026-11-25", "hr-induction": "2026-12-01"}},
		{"invited on day one", "2026-12-01", map[string]string{"order-laptop": "2026-12-01", "starter-paperwork": "2026-12-01", "hr-induction": "2026-12-01"}},
		{"entered after the start", "2026-12-10", map[string]string{"order-laptop": "2026-11-23", "starter-paperwork": "2026-11-20"}},
		{"no invite day", "", map[string]string{"order-laptop": "2026-11-23"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, err := DecideCreate(Hired{Hire: "ada", Name: "Ada", Team: "platform", Lead: "lee", Track: "infrastructure",
				StartDate: "2026-12-01", Source: "h1", Invited: tc.invited}, templates)
			if err != nil {
				t.Fatal(err)
			}
			created := payload.(events.PlanCreated)
			got := map[string]string{}
			for _, task := range created.Tasks {
				got[task.ID] = task.Due
				if tc.invited != "" && tc.invited <= created.StartDate && task.Due < tc.invited {
					t.Errorf("%s due %s, before the invite on %s", task.ID, task.Due, tc.invited)
				}
			}
			for id, want := range tc.due {
				if got[id] != want {
					t.Errorf("%s due %s, want %s", id, got[id], want)
				}
			}
		})
	}
}

func TestDecideCreateResolvesOwnersAndDates(t *testing.T) {
	_, p := state(t)
	if p.TemplateVersion != templates["infrastructure"].Version || len(p.Tasks) != len(templates["infrastructure"].Tasks) {
		t.Fatalf("plan has %d tasks, version %d", len(p.Tasks), p.TemplateVersion)
	}
	for _, tt := range []struct{ key, assignee, due string }{
		{"order-laptop", events.QueueIT, "2026-11-23"}, // day -7
		{"starter-paperwork", events.QueueHR, "2026-11-20"},
		{"choose-mentor", "lee", "2026-11-25"},
		{"mentor-hello", "lee", "2026-11-28"}, // mentor task with the lead until a mentor accepts
		{"hr-induction", events.QueueHR, "2026-12-01"},
	} {
		task, ok := p.Task(tt.key)
		if !ok || task.Assignee() != tt.assignee || task.Due() != tt.due {
			t.Errorf("%s = %+v, want %s due %s", tt.key, task, tt.assignee, tt.due)
		}
	}
	rej, err := DecideCreate(Hired{Hire: "zed", Track: "astronaut", StartDate: "2026-12-01"}, templates)
	if _, ok := rej.(events.PlanRejected); err != nil || !ok {
		t.Fatalf("unknown track: %T %v", rej, err)
	}
}

func TestApplyIsIdempotentAndCountsProgress(t *testing.T) {
	s, p := state(t)
	if p.State() != events.PlanNotStarted {
		t.Fatalf("state %s", p.State())
	}
	apply(t, s, "ada", events.TaskCompleted{Task: "acceptable-use-policy"}, 2)
	apply(t, s, "ada", events.TaskCompleted{Task: "acceptable-use-policy"}, 2) // redelivered
	all, per := p.Progress()
	if all.Done != 1 || per[events.OwnerHire].Done != 1 || p.State() != events.PlanInProgress || p.History.Len() != 2 {
		t.Fatalf("progress %+v %+v, state %s, history %d", all, per, p.State(), p.History.Len())
	}
	// A second plan.created for the same hire changes nothing.
	again, _ := DecideCreate(Hired{Hire: "ada", Name: "Ada", Team: "platform", Track: "security", StartDate: "2026-12-01", Source: "h2"}, templates)
	apply(t, s, "hr", again, 3)
	if p.Track != "infrastructure" || s.Len() != 1 {
		t.Fatalf("second create changed the plan: %s", p.Track)
	}
	// An event for a task that does not exist breaks the contract.
	env, _ := events.New("ada", "plan-ada", events.TaskCompleted{Task: "nope"}, time.Now())
	if _, err := s.Apply(env, 4); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("unknown task: %v", err)
	}
}

func TestWhoMayDoWhat(t *testing.T) {
	s, p := state(t)
	callers := map[string]Caller{
		"hire":       {ID: "ada", Roles: []string{"hire"}, Team: "platform"},
		"other hire": {ID: "bob", Roles: []string{"hire"}, Team: "platform"},
		"lead":       {ID: "lee", Roles: []string{"lead"}, Team: "platform"},
		"team lead":  {ID: "lou", Roles: []string{"lead"}, Team: "platform"}, // another lead of the same team
		"other lead": {ID: "sam", Roles: []string{"lead"}, Team: "security"},
		"it":         {ID: "ivy", Roles: []string{"it"}},
		"hr":         {ID: "hana", Roles: []string{"hr"}},
		"admin":      {ID: "root", Roles: []string{"admin"}},
		"mentor":     {ID: "maya", Roles: []string{"mentor"}},
		"system":     {System: true},
	}
	tests := []struct {
		task string
		may  []string
	}{
		{"acceptable-use-policy", []string{"hire", "hr", "admin", "system"}},
		{"order-laptop", []string{"it", "hr", "admin", "system"}},
		{"starter-paperwork", []string{"hr", "admin", "system"}},
		{"choose-mentor", []string{"lead", "hr", "admin", "system"}},
		{"mentor-hello", []string{"lead", "hr", "admin", "system"}},
	}
	for _, tt := range tests {
		task, _ := p.Task(tt.task)
		for name, c := range callers {
			want := false
			for _, m := range tt.may {
				want = want || m == name
			}
			if got := CanDo(c, p, task); got != want {
				t.Errorf("%s on %s: %v, want %v", name, tt.task, got, want)
			}
		}
	}
	for name, want := range map[string]bool{"hire": true, "lead": true, "team lead": true, "hr": true, "admin": true, "other hire": false, "other lead": false, "it": false, "mentor": false} {
		if got := CanView(callers[name], p); got != want {
			t.Errorf("%s views: %v", name, got)
		}
	}
	// HR acting for the hire is recorded on the hire's behalf.
	_, e, err := s.DecideComplete(callers["hr"], "plan-ada.acceptable-use-policy", "signed copy on file")
	if err != nil || e.OnBehalfOf != "ada" {
		t.Fatalf("HR completes: %+v %v", e, err)
	}
	// A plan the caller may not see answers forbidden, not "not found".
	if _, _, err := s.DecideComplete(callers["other hire"], "plan-nobody.x", ""); err != ErrForbidden {
		t.Fatalf("unknown plan for a hire: %v", err)
	}
	if _, _, err := s.DecideComplete(callers["hr"], "plan-nobody.x", ""); err != ErrPlanNotFound && err != ErrTaskNotFound {
		t.Fatalf("unknown plan for HR: %v", err)
	}
}

func TestOverdueAndQueue(t *testing.T) {
	s, p := state(t)
	today := "2026-11-26" // after order-laptop (11-23), paperwork (11-20), choose-mentor (11-25)
	due := s.DueOverdue(today)
	if len(due) == 0 {
		t.Fatal("nothing overdue")
	}
	for _, o := range due {
		apply(t, s, events.System, events.TaskOverdue{Task: o.Task, Due: o.Due}, p.Seq+1)
	}
	if again := s.DueOverdue(today); len(again) != 0 {
		t.Fatalf("overdue twice: %+v", again)
	}
	// Moving the due date makes it a new deadline.
	apply(t, s, "lee", events.TaskChanged{Task: "order-laptop", Due: "2026-11-24"}, p.Seq+1)
	if again := s.DueOverdue(today); len(again) != 1 || again[0].Task != "order-laptop" {
		t.Fatalf("after a due change: %+v", again)
	}
	q, _, err := s.Queue(Caller{ID: "ivy", Roles: []string{"it"}}, events.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(q) == 0 || !q[0].Task.Overdue(today) || q[0].Task.Owner != events.OwnerIT {
		t.Fatalf("IT queue does not start with an overdue IT task: %+v", q)
	}
	for i := 1; i < len(q); i++ {
		if q[i].Task.Overdue(today) && !q[i-1].Task.Overdue(today) {
			t.Fatal("overdue task after a current one")
		}
	}
}

func TestMentorReassignmentOnce(t *testing.T) {
	s, p := state(t)
	e, ok := DecideMentor(p, "maya", "m1")
	if !ok || len(e.Tasks) == 0 || e.From != "lee" {
		t.Fatalf("reassign = %+v %v", e, ok)
	}
	apply(t, s, "maya", e, 2)
	if _, again := DecideMentor(p, "maya", "m1"); again {
		t.Fatal("the same mentorship event handled twice")
	}
	task, _ := p.Task("mentor-hello")
	if task.Assignee() != "maya" || p.Mentor != "maya" || !CanView(Caller{ID: "maya", Roles: []string{"mentor"}}, p) {
		t.Fatalf("mentor task with %s", task.Assignee())
	}
}

func TestBadInput(t *testing.T) {
	s, _ := state(t)
	today := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	hr := Caller{ID: "hana", Roles: []string{"hr"}}
	var e *events.Error
	if _, _, err := s.DecideComplete(hr, "plan-ada.starter-paperwork", " "); !errors.As(err, &e) || e.Fields["evidence"] == "" {
		t.Fatalf("missing evidence: %v", err)
	}
	if _, _, err := s.DecideReopen(hr, "plan-ada.starter-paperwork", ""); !errors.As(err, &e) || e.Fields["reason"] == "" {
		t.Fatalf("reopen without reason: %v", err)
	}
	if _, _, err := s.DecideAdd(hr, events.AddTaskRequest{Plan: "plan-ada", Owner: "pilot", Due: "tomorrow"}, "k", today); !errors.As(err, &e) ||
		e.Fields["title"] == "" || e.Fields["owner"] == "" || !strings.Contains(e.Fields["due"], events.DateExample) {
		t.Fatalf("bad add: %v", err)
	}
	if _, _, err := s.DecideChange(hr, events.ChangeTaskRequest{ID: "plan-ada.order-laptop"}, today); !errors.As(err, &e) || e.Fields["due"] == "" {
		t.Fatalf("empty change: %v", err)
	}
	// Due dates run from a year before the start date to two years after today.
	for due, ok := range map[string]bool{"2025-12-01": true, "2025-11-30": false, "2028-11-22": true, "2028-11-23": false, "9999-01-01": false} {
		_, _, err := s.DecideChange(hr, events.ChangeTaskRequest{ID: "plan-ada.order-laptop", Due: due}, today)
		if got := err == nil; got != ok {
			t.Errorf("due %s: %v", due, err)
		}
	}
	// Bidirectional controls are stripped from titles: no "gnp.exe" shown as "exe.png".
	_, added, err := s.DecideAdd(hr, events.AddTaskRequest{Plan: "plan-ada", Title: "photo\u202egnp.exe", Owner: "hire", Due: "2026-12-10"}, "k", today)
	if err != nil || added.Task.Title != "photognp.exe" {
		t.Errorf("bidi title: %q %v", added.Task.Title, err)
	}
	for start, want := range map[string]string{"2026-12-20": "pre-start", "2026-12-01": "month-1", "2026-09-01": "month-3"} {
		if got := SectionFor(start, "2026-12-10"); got != want {
			t.Errorf("SectionFor(%s) = %s, want %s", start, got, want)
		}
	}
}

// The weekly trend counts onboardings by start week and completions by the week they
// completed in, kept as events apply; a reopened plan is no longer counted as completed.
func TestWeeklyTrend(t *testing.T) {
	s := NewState()
	at := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) // a Wednesday
	seq := uint64(0)
	applyAt := func(when time.Time, subject string, p events.Payload) {
		t.Helper()
		seq++
		env, err := events.New("hr", subject, p, when)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(env, seq); err != nil {
			t.Fatal(err)
		}
	}
	task := []events.PlanTask{{ID: "t1", Title: "One", Section: "first-day", Owner: events.OwnerHire, Due: "2026-11-20"}}
	applyAt(at, events.PlanID("a"), events.PlanCreated{Hire: "a", Name: "A", Team: "platform", Track: "infrastructure", StartDate: "2026-11-16", TemplateVersion: 1, Lead: "lead", Tasks: task, Source: "s1"})
	applyAt(at, events.PlanID("b"), events.PlanCreated{Hire: "b", Name: "B", Team: "platform", Track: "infrastructure", StartDate: "2026-11-22", TemplateVersion: 1, Lead: "lead", Tasks: task, Source: "s2"})
	applyAt(at, events.PlanID("c"), events.PlanCreated{Hire: "c", Name: "C", Team: "platform", Track: "infrastructure", StartDate: "2026-11-30", TemplateVersion: 1, Lead: "lead", Tasks: task, Source: "s3"})
	applyAt(at, events.PlanID("a"), events.PlanCompleted{Hire: "x", Tasks: 1})
	applyAt(at.AddDate(0, 0, 7), events.PlanID("b"), events.PlanCompleted{Hire: "x", Tasks: 1})
	applyAt(at.AddDate(0, 0, 8), events.PlanID("b"), events.TaskReopened{Task: "t1", Reason: "redo"})

	got := s.Trend(3, "2026-12-02")
	want := []events.WeekCount{
		{Week: "2026-11-16", Started: 2, Completed: 1},
		{Week: "2026-11-23", Started: 0, Completed: 0}, // b's completion was reopened
		{Week: "2026-11-30", Started: 1, Completed: 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trend\n got %+v\nwant %+v", got, want)
	}
	// A state loaded from the stored plans counts the same.
	loaded := NewState()
	for range 2 { // loading a plan again replaces it
		for _, p := range s.plans {
			loaded.Load(p.Doc())
		}
	}
	if got := loaded.Trend(3, "2026-12-02"); !reflect.DeepEqual(got, want) {
		t.Errorf("after a load\n got %+v\nwant %+v", got, want)
	}
	if m := events.Monday("2026-11-22"); m != "2026-11-16" {
		t.Errorf("Monday of a Sunday = %s", m)
	}
}

// Plans made from one template hold one copy of the template's text between them, whether
// made by events or restored from a snapshot.
func TestPlansShareTheirTemplatesText(t *testing.T) {
	s := NewState()
	for i, hire := range []string{"ada", "bob"} {
		p, err := DecideCreate(Hired{Hire: hire, Name: hire, Team: "platform", Track: "infrastructure", StartDate: "2026-12-01", Source: "h" + hire}, templates)
		if err != nil {
			t.Fatal(err)
		}
		env, err := events.New("hr", events.PlanID(hire), p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(env, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := s.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	restored := NewState()
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		s    *State
	}{{"applied", s}, {"restored", restored}} {
		a, _ := c.s.Plan(events.PlanID("ada"))
		b, _ := c.s.Plan(events.PlanID("bob"))
		if len(a.Tasks) == 0 || len(a.Tasks) != len(b.Tasks) {
			t.Fatalf("%s: %d and %d tasks", c.name, len(a.Tasks), len(b.Tasks))
		}
		for i := range a.Tasks {
			ta, tb := a.Tasks[i], b.Tasks[i]
			if ta.TaskText != tb.TaskText {
				t.Fatalf("%s: task %d: ada and bob hold separate copies of its template's words", c.name, i)
			}
			for _, f := range [][2]string{{ta.Title, tb.Title}, {ta.Description, tb.Description}, {ta.Section, tb.Section}, {ta.ID, tb.ID}} {
				if f[0] != f[1] || (f[0] != "" && unsafe.StringData(f[0]) != unsafe.StringData(f[1])) {
					t.Fatalf("%s: task %d: %q of ada and %q of bob are separate copies", c.name, i, f[0], f[1])
				}
			}
		}
	}
}

// A snapshot of more plans than one chunk holds restores every plan and every task as it
// was — done, reopened, moved, announced overdue, given to another owner or mentor, added —
// and snapshots written before the compact format (chunks of stored plans), and before
// chunking (one list of plans), still load.
func TestSnapshotChunksAndOldSnapshots(t *testing.T) {
	s := NewState()
	n := 2*snapshotChunk + 1
	seq := uint64(0)
	apply := func(hire, actor string, p events.Payload) {
		t.Helper()
		env, err := events.New(actor, events.PlanID(hire), p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		seq++
		if _, err := s.Apply(env, seq); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		hire := fmt.Sprintf("h%04d", i)
		p, err := DecideCreate(Hired{Hire: hire, Name: hire, Team: "platform", Lead: "lee", Track: "infrastructure", StartDate: "2026-12-01", Source: "s" + hire}, templates)
		if err != nil {
			t.Fatal(err)
		}
		apply(hire, "hr", p)
		switch i % 4 {
		case 1:
			apply(hire, "hana", events.TaskCompleted{Task: "acceptable-use-policy", Evidence: "signed", OnBehalfOf: hire})
			apply(hire, events.System, events.TaskOverdue{Task: "order-laptop", Due: "2026-11-23"})
			apply(hire, "lee", events.TaskChanged{Task: "choose-mentor", Owner: events.OwnerHR, Assignee: events.QueueHR})
		case 2:
			apply(hire, "ivy", events.TaskCompleted{Task: "order-laptop"})
			apply(hire, "ivy", events.TaskReopened{Task: "order-laptop", Reason: "wrong model"})
			apply(hire, "lee", events.TaskChanged{Task: "order-laptop", Due: "2026-11-27"})
			plan, _ := s.Plan(events.PlanID(hire))
			e, _ := DecideMentor(plan, "maya", "m"+hire)
			apply(hire, "maya", e)
		case 3:
			apply(hire, "lee", events.TaskAdded{Task: events.PlanTask{ID: "extra", Title: "Meet the team", Section: "first-day",
				Owner: events.OwnerLead, Due: "2026-12-02"}})
		}
	}
	var compact, chunked, old bytes.Buffer
	if err := s.Snapshot(&compact); err != nil {
		t.Fatal(err)
	}
	// Before the compact format: the stored plans, in chunks.
	docs := func(yield func(PlanDoc) bool) {
		for _, p := range s.plans {
			if !yield(p.Doc()) {
				return
			}
		}
	}
	if err := modelsnap.Chunks(modelsnap.NewWriter(&chunked), snapshotChunk, iter.Seq[PlanDoc](docs)); err != nil {
		t.Fatal(err)
	}
	// Before chunks, and before tasks shared their template's words: one list of plans,
	// each task whole (the types as they were then).
	type oldTask struct {
		ID, Title, Description, Section, Owner, Assignee, Due string
		NeedsEvidence                                         bool
		Module                                                string
		Done                                                  bool
		DoneAt                                                time.Time
		DoneBy, OnBehalfOf, Evidence, OverdueSent             string
	}
	type oldPlan struct {
		ID                                    string
		Seq                                   uint64
		Hire, Name, Team, Lead, Mentor, Track string
		StartDate                             string
		TemplateVersion                       int
		Created                               time.Time
		Tasks                                 []oldTask
		Completed                             bool
		CompletedAt                           time.Time
		Problem                               string
		Handled                               []string
		History                               []Entry
	}
	var all []oldPlan
	for _, p := range s.plans {
		op := oldPlan{ID: p.ID, Seq: p.Seq, Hire: p.Hire, Name: p.Name, Team: p.Team, Lead: p.Lead, Mentor: p.Mentor, Track: p.Track, StartDate: p.StartDate,
			TemplateVersion: p.TemplateVersion, Created: p.Created, Completed: p.Completed, CompletedAt: p.CompletedAt, Problem: p.Problem,
			Handled: p.Handled, History: p.HistoryDocs()}
		for _, t := range p.Tasks {
			op.Tasks = append(op.Tasks, oldTask{ID: t.ID, Title: t.Title, Description: t.Description, Section: t.Section, Owner: t.Owner,
				Assignee: t.Assignee(), Due: t.Due(), NeedsEvidence: t.NeedsEvidence, Module: t.Module, Done: t.Done, DoneAt: t.DoneAt(),
				DoneBy: t.DoneBy(), OnBehalfOf: t.OnBehalfOf(), Evidence: t.Evidence(), OverdueSent: t.OverdueSent()})
		}
		all = append(all, op)
	}
	if err := gob.NewEncoder(&old).Encode(all); err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{len(snapshotMagic) - 3, len(snapshotMagic) + 10, compact.Len() / 2, compact.Len() - 1} {
		if err := NewState().Restore(bytes.NewReader(compact.Bytes()[:cut])); err == nil {
			t.Errorf("a compact snapshot cut after %d of %d bytes restored", cut, compact.Len())
		}
	}
	for name, buf := range map[string]*bytes.Buffer{"compact": &compact, "chunked": &chunked, "before chunks": &old} {
		r := NewState()
		if err := r.Restore(buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Len() != n {
			t.Fatalf("%s: %d plans restored, want %d", name, r.Len(), n)
		}
		for id, p := range s.plans {
			q, ok := r.Plan(id)
			if !ok || !reflect.DeepEqual(q.Doc(), p.Doc()) {
				t.Fatalf("%s: plan %s restored as %+v, want %+v", name, id, q.Doc(), p.Doc())
			}
		}
		for _, today := range []string{"2026-11-24", "2026-12-03"} {
			if a, b := s.Overview(today), r.Overview(today); a != b || !reflect.DeepEqual(s.DueOverdue(today), r.DueOverdue(today)) {
				t.Fatalf("%s: on %s, %+v before the snapshot, %+v after (or the overdue tasks differ)", name, today, a, b)
			}
		}
	}
	empty := NewState()
	var buf bytes.Buffer
	if err := empty.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if err := NewState().Restore(&buf); err != nil {
		t.Fatalf("empty: %v", err)
	}
}

// A task's due date is held as a day number: every date reads back as it was written, in
// the same order as the dates' text, and a stored task with no due date, or one that is no
// date, keeps it as it was.
func TestDueDaysReadBackAsWritten(t *testing.T) {
	var last day
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2200; d = d.AddDate(0, 0, 1) {
		text := d.Format(events.DateLayout)
		n, ok := parseDay(text)
		if !ok || n.String() != text {
			t.Fatalf("%s read as %d, written back as %q", text, n, n.String())
		}
		if n <= last && text > "1900-01-01" {
			t.Fatalf("%s (%d) does not sort after the day before (%d)", text, n, last)
		}
		last = n
	}
	for _, due := range []string{"", "2026-02-30", "soon"} {
		s, p := state(t)
		doc := p.Doc()
		doc.Tasks[0].Due = due
		s.Load(doc)
		q, _ := s.Plan(p.ID)
		if got := q.Doc().Tasks[0].Due; got != due {
			t.Errorf("due %q loaded and stored as %q", due, got)
		}
		if !reflect.DeepEqual(q.Doc(), doc) {
			t.Errorf("due %q: plan loaded as %+v, want %+v", due, q.Doc(), doc)
		}
	}
}

// A plan loaded again (its stored document read a second time) replaces the one before in
// the queues too: they lead to the plan as it is now.
func TestQueuesLeadToAPlanLoadedAgain(t *testing.T) {
	s, p := state(t)
	doc := p.Doc()
	for i := range doc.Tasks {
		if doc.Tasks[i].ID == "acceptable-use-policy" { // the hire's: in no shared queue
			doc.Tasks[i].Done, doc.Tasks[i].DoneBy = true, "ada"
		}
	}
	s.Load(doc)
	now, _ := s.Plan(p.ID)
	if now == p {
		t.Fatal("the plan was not replaced")
	}
	for _, c := range []Caller{{ID: "ivy", Roles: []string{events.RoleIT}}, {ID: "hana", Roles: []string{events.RoleHR}}, {ID: "lee", Roles: []string{events.RoleLead}, Team: "platform"}} {
		items, info, err := s.Queue(c, events.Page{Limit: 100})
		if err != nil || len(items) == 0 || info.Total != len(items) {
			t.Fatalf("%s: %d items of %d: %v", c.ID, len(items), info.Total, err)
		}
		for _, it := range items {
			if it.Plan != now {
				t.Fatalf("%s's queue leads to the plan as it was before it was loaded again (task %s)", c.ID, it.Task.ID)
			}
		}
	}
}
