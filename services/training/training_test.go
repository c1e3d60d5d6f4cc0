package training

import (
	"errors"
	"testing"
	"time"

	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
)

type fakeDir map[string]Member

func (d fakeDir) Member(id string) (Member, bool) { m, ok := d[id]; return m, ok }
func (d fakeDir) Members(match func(Member) bool) []Member {
	var out []Member
	for _, m := range d {
		if m.Active && match(m) {
			out = append(out, m)
		}
	}
	return out
}

var dir = fakeDir{
	"hire":  {ID: "hire", Name: "Hire", Team: "platform", Track: "infrastructure", Roles: []string{events.RoleHire}, Active: true},
	"hire2": {ID: "hire2", Name: "Hire 2", Team: "platform", Track: "infrastructure", Roles: []string{events.RoleHire}, Active: true},
	"other": {ID: "other", Name: "Other", Team: "security", Track: "security", Roles: []string{events.RoleHire}, Active: true},
	"gone":  {ID: "gone", Name: "Gone", Team: "platform", Track: "infrastructure", Roles: []string{events.RoleHire}},
}

var (
	lead = Caller{ID: "lead", Roles: []string{events.RoleLead}, Team: "platform"}
	hr   = Caller{ID: "hr", Roles: []string{events.RoleHR}, Team: "people"}
	hire = Caller{ID: "hire", Roles: []string{events.RoleHire}, Team: "platform"}
)

const today = "2026-11-22"

func modules(t *testing.T) []curriculum.Module {
	t.Helper()
	mods, err := curriculum.Load()
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// applier appends events to a state with increasing sequences.
type applier struct {
	t   *testing.T
	s   *State
	seq uint64
}

func (a *applier) apply(actor, subject string, p events.Payload) (events.Envelope, uint64) {
	a.t.Helper()
	env, err := events.New(actor, subject, p, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	if err != nil {
		a.t.Fatal(err)
	}
	a.seq++
	if _, err := a.s.Apply(env, a.seq); err != nil {
		a.t.Fatal(err)
	}
	return env, a.seq
}

// answers returns the right (or a wrong) answer to every question of mod.
func answers(mod *curriculum.Module, right bool) map[string][]string {
	out := map[string][]string{}
	for _, q := range mod.Quiz.Questions {
		for _, c := range q.Choices {
			if c.Correct == right && (right || len(out[q.ID]) == 0) {
				out[q.ID] = append(out[q.ID], c.ID)
			}
		}
	}
	return out
}

func TestDecideAssign(t *testing.T) {
	s := NewState(modules(t))
	const mod = "backup-and-restore"
	tests := []struct {
		name   string
		c      Caller
		req    events.AssignRequest
		code   string // "" ok
		field  string
		people int
	}{
		{"lead to own team member", lead, events.AssignRequest{Module: mod, Person: "hire", Due: "2026-12-01"}, "", "", 1},
		{"lead to own team", lead, events.AssignRequest{Module: mod, Team: "platform", Due: today}, "", "", 2},
		{"lead outside team", lead, events.AssignRequest{Module: mod, Person: "other", Due: "2026-12-01"}, events.CodeForbidden, "", 0},
		{"lead other team", lead, events.AssignRequest{Module: mod, Team: "security", Due: "2026-12-01"}, events.CodeForbidden, "", 0},
		{"lead track", lead, events.AssignRequest{Module: mod, Track: "infrastructure", Due: "2026-12-01"}, events.CodeForbidden, "", 0},
		{"hire", hire, events.AssignRequest{Module: mod, Person: "hire", Due: "2026-12-01"}, events.CodeForbidden, "", 0},
		{"hr track", hr, events.AssignRequest{Module: mod, Track: "infrastructure", Due: "2026-12-01"}, "", "", 2},
		{"hr anyone", hr, events.AssignRequest{Module: mod, Person: "other", Due: "2026-12-01"}, "", "", 1},
		{"past due", lead, events.AssignRequest{Module: mod, Person: "hire", Due: "2026-11-21"}, events.CodeInvalid, "due", 0},
		{"bad due", lead, events.AssignRequest{Module: mod, Person: "hire", Due: "soon"}, events.CodeInvalid, "due", 0},
		{"unknown module", hr, events.AssignRequest{Module: "nope", Person: "hire", Due: "2026-12-01"}, events.CodeInvalid, "module", 0},
		{"two targets", hr, events.AssignRequest{Module: mod, Person: "hire", Team: "platform", Due: "2026-12-01"}, events.CodeInvalid, "target", 0},
		{"no target", hr, events.AssignRequest{Module: mod, Due: "2026-12-01"}, events.CodeInvalid, "target", 0},
		{"inactive person", hr, events.AssignRequest{Module: mod, Person: "gone", Due: "2026-12-01"}, events.CodeInvalid, "person", 0},
		{"unknown track", hr, events.AssignRequest{Module: mod, Track: "astronaut", Due: "2026-12-01"}, events.CodeInvalid, "track", 0},
	}
	IsTrack = func(id string) bool { return id == "infrastructure" || id == "security" }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, rest, err := s.DecideAssign(tc.c, tc.req, dir, today)
			if tc.code != "" {
				var ee *events.Error
				if !errors.As(err, &ee) || ee.Code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				if tc.field != "" && ee.Fields[tc.field] == "" {
					t.Errorf("fields %v lack %s", ee.Fields, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(e.People) != tc.people || len(rest) != 0 {
				t.Errorf("people = %v (+%d), want %d", e.People, len(rest), tc.people)
			}
			if err := e.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestStatusLifecycle(t *testing.T) {
	mods := modules(t)
	s := NewState(mods)
	a := &applier{t: t, s: s}
	mod, _ := s.Module("backup-and-restore")
	a.apply("lead", "asg-1", events.AssignmentCreated{Module: mod.ID, Kind: events.AssignPerson, Target: "hire", Due: "2026-11-30", People: []string{"hire"}})

	status := func(day string) string {
		it, ok := s.Item("hire", mod.ID, day)
		if !ok {
			t.Fatal("no item")
		}
		return it.Status
	}
	if got := status(today); got != events.StatusAssigned {
		t.Fatalf("status = %s, want assigned", got)
	}
	if got := status("2026-12-01"); got != events.StatusOverdue {
		t.Fatalf("after due: %s, want overdue", got)
	}
	p, err := s.DecideRead("hire", mod.ID, mod.Lessons[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(events.ModuleStarted); !ok {
		t.Fatalf("first read = %T, want ModuleStarted", p)
	}
	a.apply("hire", "hire", p)
	if p, _ := s.DecideRead("hire", mod.ID, mod.Lessons[0].ID); p != nil {
		t.Fatalf("re-read = %T, want nothing", p)
	}
	if p, _ := s.DecideRead("hire", mod.ID, mod.Lessons[1].ID); p == nil {
		t.Fatal("second lesson: no event")
	} else if _, ok := p.(events.LessonRead); !ok {
		t.Fatalf("second lesson = %T", p)
	}
	if got := status(today); got != events.StatusInProgress {
		t.Fatalf("status = %s, want in_progress", got)
	}

	// Fail every attempt: failed with attempts left, then without.
	for i := 1; i <= mod.MaxAttempts; i++ {
		g, passed, err := s.DecideAttempt("hire", mod.ID, answers(mod, false))
		if err != nil || passed != nil || g.Passed || g.Attempt != i {
			t.Fatalf("attempt %d: %+v %v %v", i, g, passed, err)
		}
		a.apply("hire", "hire", g)
		it, _ := s.Item("hire", mod.ID, today)
		if it.Status != events.StatusFailed || it.AttemptsLeft != mod.MaxAttempts-i || it.CanAttempt != (i < mod.MaxAttempts) {
			t.Fatalf("after attempt %d: %+v", i, it)
		}
	}
	_, _, err = s.DecideAttempt("hire", mod.ID, answers(mod, true))
	if events.CodeOf(err) != events.CodeConflict {
		t.Fatalf("attempt after the last: %v, want conflict", err)
	}
	if _, err := s.DecideGrant(hire, dir["hire"], mod.ID); events.CodeOf(err) != events.CodeForbidden {
		t.Fatalf("hire grants themselves: %v", err)
	}
	if _, err := s.DecideGrant(Caller{ID: "x", Roles: []string{events.RoleLead}, Team: "security"}, dir["hire"], mod.ID); events.CodeOf(err) != events.CodeForbidden {
		t.Fatalf("other team's lead grants: %v", err)
	}
	g, err := s.DecideGrant(lead, dir["hire"], mod.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.apply("lead", "hire", g)
	if it, _ := s.Item("hire", mod.ID, today); !it.CanAttempt || it.AttemptsLeft != 1 {
		t.Fatalf("after a grant: %+v, want one attempt", it)
	}
	if _, err := s.DecideGrant(lead, dir["hire"], mod.ID); events.CodeOf(err) != events.CodeConflict {
		t.Fatalf("grant with attempts left: %v", err)
	}
	graded, passed, err := s.DecideAttempt("hire", mod.ID, answers(mod, true))
	if err != nil || !graded.Passed || graded.Score != 100 || passed == nil || passed.Score != 100 || len(passed.Skills) == 0 {
		t.Fatalf("passing attempt: %+v %+v %v", graded, passed, err)
	}
	if err := passed.Validate(); err != nil {
		t.Fatal(err)
	}
	a.apply("hire", "hire", graded)
	if got := s.Unannounced(); len(got) != 1 {
		t.Fatalf("unannounced = %v, want the pass", got)
	}
	a.apply("hire", "hire", *passed)
	if got := s.Unannounced(); len(got) != 0 {
		t.Fatalf("unannounced after passed = %v", got)
	}
	if it, _ := s.Item("hire", mod.ID, today); it.CanAttempt {
		t.Fatalf("after passing: %+v, want no attempt", it)
	}
	if got := status("2027-01-01"); got != events.StatusPassed {
		t.Fatalf("status = %s, want passed (even after the due date)", got)
	}
	if _, _, err := s.DecideAttempt("hire", mod.ID, answers(mod, true)); !errors.Is(err, ErrAlreadyPassed) {
		t.Fatalf("attempt after passing: %v", err)
	}
	res, ok := s.Result("hire", mod.ID)
	if !ok || !res.Passed || len(res.Explanations) != len(mod.Quiz.Questions) || res.Explanations[mod.Quiz.Questions[0].ID] == "" {
		t.Fatalf("result = %+v", res)
	}
}

func TestDecideAttemptBadInput(t *testing.T) {
	s := NewState(modules(t))
	mod, _ := s.Module("backup-and-restore")
	q := mod.Quiz.Questions[0]
	var multi *curriculum.Question
	for i := range mod.Quiz.Questions {
		if mod.Quiz.Questions[i].Kind == curriculum.KindSingle {
			multi = &mod.Quiz.Questions[i]
		}
	}
	tests := []struct {
		name    string
		module  string
		answers map[string][]string
		code    string
	}{
		{"unknown question", mod.ID, map[string][]string{"nope": {"a"}}, events.CodeInvalid},
		{"unknown choice", mod.ID, map[string][]string{q.ID: {"zzz"}}, events.CodeInvalid},
		{"two on single", mod.ID, map[string][]string{multi.ID: {multi.Choices[0].ID, multi.Choices[1].ID}}, events.CodeInvalid},
		{"nothing answered", mod.ID, map[string][]string{}, events.CodeInvalid},
		{"unknown module", "nope", map[string][]string{q.ID: {q.Choices[0].ID}}, events.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.DecideAttempt("hire", tc.module, tc.answers); events.CodeOf(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	s := NewState(modules(t))
	a := &applier{t: t, s: s}
	env, seq := a.apply("hr", "asg-1", events.AssignmentCreated{Module: "backup-and-restore", Kind: events.AssignTeam, Target: "platform", Due: "2026-12-01", People: []string{"hire"}})
	reached, rseq := a.apply("system", "asg-1", events.AssignmentReached{Module: "backup-and-restore", People: []string{"hire2", "hire"}})
	graded, gseq := a.apply("hire", "hire", events.AttemptGraded{Person: "hire", Module: "backup-and-restore", Attempt: 1, Score: 50})
	for _, x := range []struct {
		env events.Envelope
		seq uint64
	}{{env, seq}, {reached, rseq}, {graded, gseq}} {
		if _, err := s.Apply(x.env, x.seq); err != nil {
			t.Fatal(err)
		}
	}
	asg, _ := s.Assignment("asg-1")
	if len(asg.People) != 2 {
		t.Errorf("people = %v, want hire and hire2 once", asg.People)
	}
	l, _ := s.Learner("hire")
	if p := l.Progress("backup-and-restore"); p.Attempts != 1 {
		t.Errorf("attempts = %d", p.Attempts)
	}
	if due, ids := s.Due("hire2", "backup-and-restore"); due != "2026-12-01" || len(ids) != 1 {
		t.Errorf("hire2 due %q %v", due, ids)
	}
	// A later joiner matching the team is reached; one already reached is not.
	if got := s.Reached(Member{ID: "new", Team: "platform", Track: "x"}); len(got) != 1 {
		t.Errorf("reached for a new team member = %d, want 1", len(got))
	}
	if got := s.Reached(dir["hire"]); len(got) != 0 {
		t.Errorf("reached for an existing member = %d, want 0", len(got))
	}
	// A malformed event is invalid (dead-lettered), not applied.
	bad, _ := events.New("x", "other", events.LessonRead{Person: "hire", Module: "m", Lesson: "l"}, time.Now())
	if _, err := s.Apply(bad, 99); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("subject mismatch: %v", err)
	}
}

func TestOverdueOncePerDueDate(t *testing.T) {
	s := NewState(modules(t))
	a := &applier{t: t, s: s}
	a.apply("hr", "asg-1", events.AssignmentCreated{Module: "backup-and-restore", Kind: events.AssignPerson, Target: "hire", Due: "2026-11-25", People: []string{"hire"}})
	if got := s.DueOverdue("2026-11-25"); len(got) != 0 {
		t.Fatalf("on the due date: %v", got)
	}
	got := s.DueOverdue("2026-11-26")
	if len(got) != 1 || got[0].Due != "2026-11-25" {
		t.Fatalf("after: %v", got)
	}
	a.apply("system", "hire", events.AssignmentOverdue{Person: "hire", Module: "backup-and-restore", Due: "2026-11-25", Assignments: got[0].Assignments})
	if got := s.DueOverdue("2026-11-27"); len(got) != 0 {
		t.Fatalf("reported twice: %v", got)
	}
	items := s.Items("hire", "2026-11-27")
	if len(items) != 1 || items[0].Status != events.StatusOverdue {
		t.Fatalf("items = %+v", items)
	}
}

func TestPublicHasNoAnswers(t *testing.T) {
	s := NewState(modules(t))
	for _, mod := range s.Modules() {
		v := Public(mod)
		if len(v.Lessons) == 0 || len(v.Quiz.Questions) < 5 || v.Lessons[0].HTML == "" {
			t.Fatalf("%s: %+v", mod.ID, v)
		}
	}
}

// The compliance trend counts, per week of due dates, the assignments due and those
// passed by then — kept as events apply, and the same when counted from loaded documents.
func TestComplianceTrend(t *testing.T) {
	s := NewState(modules(t))
	a := &applier{t: t, s: s} // every event at 2026-11-22 (a Sunday)
	a.apply("lead", "asg-1", events.AssignmentCreated{Module: "backup-and-restore", Kind: events.AssignPerson, Target: "hire", Due: "2026-11-20", People: []string{"hire"}})
	a.apply("lead", "asg-2", events.AssignmentCreated{Module: "backup-and-restore", Kind: events.AssignTeam, Target: "platform", Due: "2026-11-27", People: []string{"hire", "hire2"}})
	// hire passes on the 22nd: late for asg-1 (due the 20th), in time for asg-2.
	a.apply("hire", "hire", events.AttemptGraded{Person: "hire", Module: "backup-and-restore", Attempt: 1, Score: 100, Passed: true})
	// other passed first, then is reached: in time.
	a.apply("other", "other", events.AttemptGraded{Person: "other", Module: "backup-and-restore", Attempt: 1, Score: 100, Passed: true})
	a.apply("lead", "asg-2", events.AssignmentReached{Module: "backup-and-restore", People: []string{"other"}})

	want := []events.ComplianceWeek{
		{Week: "2026-11-09"},
		{Week: "2026-11-16", Due: 1, OnTime: 0},
		{Week: "2026-11-23", Due: 3, OnTime: 2},
	}
	got := s.ComplianceTrend(3, "2026-11-25")
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("trend\n got %+v\nwant %+v", got, want)
	}
	loaded := NewState(modules(t))
	for _, l := range s.learners {
		loaded.LoadLearner(l.Clone())
	}
	for _, x := range s.assignments {
		loaded.LoadAssignment(*x)
	}
	if got := loaded.ComplianceTrend(3, "2026-11-25"); len(got) != 3 || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("after a load\n got %+v\nwant %+v", got, want)
	}
}
